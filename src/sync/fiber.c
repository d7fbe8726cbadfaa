/* SPDX-License-Identifier: MIT */
/*
 * Fibers for the sim backend; see fiber.h for the design and the sanitizer protocol.
 *
 * Rules: exactly one fiber runs per scheduler; a fiber is destroyed only while another one
 * runs; a fiber's entry function never returns (it switches away with from_exits = true).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../base/sanitizers.h"
#include "fiber.h"

#ifdef SVA_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
void __asan_unpoison_memory_region(const volatile void *addr, size_t size);
#endif
#ifdef SVA_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

#ifdef SVA_FIBER_ASM
void sva_fiber_swap(void **save_sp, void *load_sp);
void sva_fiber_trampoline(void);
#endif

/* Called on a fiber's stack once the switch to it is complete. */
static void sva_fiber_arrived(struct sva_fiber *self, void *fake_stack)
{
#ifdef SVA_ASAN
	struct sva_fiber *from = self->came_from;
	const void *lo;
	size_t size;

	__sanitizer_finish_switch_fiber(fake_stack, &lo, &size);
	if (from && !from->map) { /* the main fiber: learn its stack on the way out */
		from->stack_lo = lo;
		from->stack_size = size;
	}
#else
	(void)self;
	(void)fake_stack;
#endif
}

static void sva_fiber_start(struct sva_fiber *self)
{
	sva_fiber_arrived(self, NULL);
	self->entry(self->arg);
	__builtin_unreachable(); /* entry switches away for good */
}

#ifndef SVA_FIBER_ASM
static void sva_fiber_start_uc(unsigned hi, unsigned lo)
{
	sva_fiber_start((struct sva_fiber *)(((uintptr_t)hi << 32) | lo));
}
#endif

void sva_fiber_init_main(struct sva_fiber *f)
{
	memset(f, 0, sizeof(*f));
#ifdef SVA_TSAN
	f->tsan_fiber = __tsan_get_current_fiber();
#endif
}

int sva_fiber_create(struct sva_fiber *f, size_t stack_size, struct sva_stack_cache *cache,
		     void (*entry)(void *), void *arg)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t size = (stack_size + page - 1) / page * page;
	void *map;

	memset(f, 0, sizeof(*f));
	map = sva_stack_get(cache, size + page);
	if (!map)
		return -ENOMEM;
	f->map = map;
	f->cache = cache;
	f->map_size = size + page;
	f->stack_lo = (char *)map + page;
	f->stack_size = size;
	f->entry = entry;
	f->arg = arg;
#ifdef SVA_FIBER_ASM
	{
		/* 8 words as sva_fiber_swap pops them; trampoline entered with rsp % 16 == 0 */
		uint64_t *sp = (uint64_t *)((char *)f->stack_lo + size - 80);
		uint32_t csr[2];

		__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(csr[0]), "=m"(csr[1]));
		memset(sp, 0, 80);
		sp[0] = (uint64_t)csr[0] | ((uint64_t)csr[1] << 32);
		sp[3] = (uint64_t)(uintptr_t)sva_fiber_start; /* r13 */
		sp[4] = (uint64_t)(uintptr_t)f;		      /* r12 */
		sp[7] = (uint64_t)(uintptr_t)sva_fiber_trampoline;
		f->sp = sp;
	}
#else
	getcontext(&f->uc);
	f->uc.uc_stack.ss_sp = (void *)f->stack_lo;
	f->uc.uc_stack.ss_size = size;
	f->uc.uc_link = NULL;
	makecontext(&f->uc, (void (*)(void))sva_fiber_start_uc, 2, (unsigned)((uintptr_t)f >> 32),
		    (unsigned)(uintptr_t)f);
#endif
#ifdef SVA_TSAN
	f->tsan_fiber = __tsan_create_fiber(0);
#endif
	return 0;
}

void sva_fiber_destroy(struct sva_fiber *f)
{
	if (!f->map)
		return;
#ifdef SVA_TSAN
	__tsan_destroy_fiber(f->tsan_fiber);
#endif
#ifdef SVA_ASAN
	/* a fiber abandoned mid-call (deadlock) leaves its frames' redzones poisoned */
	__asan_unpoison_memory_region(f->stack_lo, f->stack_size);
#endif
	sva_stack_put(f->cache, f->map, f->map_size);
	f->map = NULL;
}

void sva_fiber_switch(struct sva_fiber *from, struct sva_fiber *to, bool from_exits)
{
	void *fake_stack = NULL;

	to->came_from = from;
#ifdef SVA_ASAN
	__sanitizer_start_switch_fiber(from_exits ? NULL : &fake_stack, to->stack_lo,
				       to->stack_size);
#else
	(void)from_exits;
#endif
#ifdef SVA_TSAN
	__tsan_switch_to_fiber(to->tsan_fiber, to->tsan_flags);
#endif
#ifdef SVA_FIBER_ASM
	sva_fiber_swap(&from->sp, to->sp);
#else
	swapcontext(&from->uc, &to->uc);
#endif
	sva_fiber_arrived(from, fake_stack);
}

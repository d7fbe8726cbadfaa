/* SPDX-License-Identifier: MIT */
/*
 * Fibers: user-level execution contexts for the sim backend.
 *
 * A fiber has its own mmap'd stack with a guard page, taken from a stack cache
 * (stack_cache.c) and given back to it. Switching saves the callee-saved
 * registers on the current stack and loads the other's (x86-64: a dozen instructions in
 * fiber_switch_x86_64.S; elsewhere ucontext). Every switch is announced to the sanitizers:
 * AddressSanitizer learns the new stack (__sanitizer_start/finish_switch_fiber) and
 * ThreadSanitizer sees each fiber as its own thread of execution (__tsan_switch_to_fiber),
 * so sanitizer builds of sim runs stay clean and meaningful.
 */
#ifndef SVA_SYNC_FIBER_H
#define SVA_SYNC_FIBER_H

#include <stdbool.h>
#include <stddef.h>

/* x86-64 switches in assembly; elsewhere ucontext, also with -DSVA_FIBER_UCONTEXT (a test) */
#if defined(__x86_64__) && !defined(SVA_FIBER_UCONTEXT)
#define SVA_FIBER_ASM 1
#else
#include <ucontext.h>
#endif

struct sva_fiber {
	void *sp; /* saved stack pointer while switched out */
#ifndef SVA_FIBER_ASM
	ucontext_t uc;
#endif
	void *map; /* mmap'd region, guard page included; NULL for the main fiber */
	struct sva_stack_cache *cache; /* where @map goes back (may be NULL) */
	size_t map_size;
	const void *stack_lo; /* usable stack, for AddressSanitizer */
	size_t stack_size;
	void *asan_fake_stack;
	void *tsan_fiber;
	unsigned tsan_flags; /* how TSan switches to this fiber: 0, or no_sync (race_check) */
	struct sva_fiber *came_from; /* who switched to us last */
	void (*entry)(void *arg);
	void *arg;
};

struct sva_stack_cache;

/* A stack of @map_size bytes, guard page included: from @c when it has one, else mapped. */
void *sva_stack_get(struct sva_stack_cache *c, size_t map_size);
/* Give a stack back: kept by @c when there is room, else unmapped. @c may be NULL. */
void sva_stack_put(struct sva_stack_cache *c, void *map, size_t map_size);

/* The fiber of the thread that drives the scheduler. */
void sva_fiber_init_main(struct sva_fiber *f);
/*
 * A new fiber that will run entry(arg) when first switched to, on a stack from @cache (NULL:
 * mapped for it alone). entry must never return.
 */
int sva_fiber_create(struct sva_fiber *f, size_t stack_size, struct sva_stack_cache *cache,
		     void (*entry)(void *), void *arg);
/* Give the stack back; @f must not be running. */
void sva_fiber_destroy(struct sva_fiber *f);
/* Switch from @from (the running fiber) to @to. @from_exits: @from will never run again. */
void sva_fiber_switch(struct sva_fiber *from, struct sva_fiber *to, bool from_exits);

#endif /* SVA_SYNC_FIBER_H */

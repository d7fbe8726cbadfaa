/* SPDX-License-Identifier: MIT */
/*
 * The mm layer: the two counts and the order of exit_mmap and __mmdrop, mmap/munmap/mprotect
 * with VMA split and merge, demand faults and their errors, copy-on-write fork with its
 * invalidations, DONTCOPY / WIPEONFORK, mmu notifiers (register, release, unregister, deferred
 * put), page reclaim and swap-in, allocation failures, and faults racing munmap under the sim
 * scheduler.
 */
#include <stdlib.h>
#include <string.h>

#include "sva/mm.h"
#include "testutil.h"

#define PAGE SVA_PAGE_SIZE

struct mm_env {
	struct sva_world *w;
	struct sva_mm_sys *sys;
};

static void env_init(struct mm_env *e, enum sva_backend b, size_t frames)
{
	struct sva_mm_sys_config cfg = { .frames = frames };

	e->w = sva_test_world(b, 1);
	assert_int_equal(sva_mm_sys_create(e->w, &cfg, &e->sys), 0);
}

/* Everything but the world: every frame must be back. */
static void env_release(struct mm_env *e)
{
	size_t total = sva_phys_total_frames(sva_mm_sys_phys(e->sys));

	sva_mm_sys_synchronize(e->sys);
	/* every frame is back: data pages and page-table pages */
	assert_int_equal(sva_phys_free_frames(sva_mm_sys_phys(e->sys)), total - 1);
	sva_mm_sys_destroy(e->sys);
}

static void env_done(struct mm_env *e)
{
	env_release(e);
	sva_test_world_done(e->w);
}

/* ---- counts and teardown order ---- */

struct drop_probe {
	int drops;
	bool dead_at_drop;
	long count_at_drop;
};

/* The VMA at @addr's flags, looked up as the kernel must: under mmap_lock; -1 when none. */
static long vma_flags_at(struct sva_mm *mm, uint64_t addr)
{
	struct sva_vma *vma;
	long flags;

	sva_down_read(sva_mm_mmap_lock(mm));
	vma = sva_vma_lookup(mm, addr);
	flags = vma ? (long)vma->flags : -1;
	sva_up_read(sva_mm_mmap_lock(mm));
	return flags;
}

static void drop_hook(void *ctx, struct sva_mm *mm)
{
	struct drop_probe *p = ctx;

	p->drops++;
	p->dead_at_drop = sva_mm_is_dead(mm);
	p->count_at_drop = sva_mm_count(mm);
}

static void test_users_and_count_rules(void **state)
{
	struct drop_probe probe = { 0 };
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 256);
	assert_int_equal(sva_mm_sys_add_hook(e.sys, SVA_MM_HOOK_DROP, drop_hook, &probe), 0);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(sva_mm_users(mm), 1);
	assert_int_equal(sva_mm_count(mm), 1);
	assert_int_equal(sva_mm_mmap(mm, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_POPULATE, NULL, 0, &a),
			 0);

	sva_mmgrab(mm); /* a bond: count only */
	assert_true(sva_mmget_not_zero(mm));
	assert_int_equal(sva_mm_users(mm), 2);
	sva_mmput(mm);
	sva_mmput(mm); /* last user: exit_mmap, then users' count is dropped */
	assert_true(sva_mm_is_dead(mm));
	assert_int_equal(sva_mm_users(mm), 0);
	assert_int_equal(sva_mm_count(mm), 1);
	assert_false(sva_mmget_not_zero(mm)); /* a fault handler's view of a dead mm */
	assert_int_equal(probe.drops, 0);     /* the bond keeps the struct (and later the PASID) */
	sva_mmdrop(mm);
	assert_int_equal(probe.drops, 1);
	assert_true(probe.dead_at_drop); /* __mmdrop after exit_mmap */
	assert_int_equal(probe.count_at_drop, 0);
	env_done(&e);
}

static void test_mmdrop_before_exit_is_reported(void **state)
{
	struct mm_env e;
	struct sva_mm *mm;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 64);
	sva_test_quiet(e.w);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	sva_mmgrab(mm);
	sva_mmput(mm);
	sva_mmput(mm); /* one put too many: refcount misuse, saturated, no second exit_mmap */
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_REFCOUNT), 1);
	assert_true(sva_mm_users(mm) < 0);
	sva_mmdrop(mm);
	sva_mm_sys_destroy(e.sys);
	sva_world_destroy(e.w);
}

/* ---- mmap, munmap, mprotect ---- */

/*
 * Where an mmap without MAP_FIXED lands: at a free hint; after the mapping a hint falls in;
 * from the bottom again when nothing fits above the hint; nowhere (-ENOMEM) when nothing fits
 * at all. And the entries a populated mapping gets: user, NX unless executable, read-only
 * unless writable.
 */
static void test_mmap_hints_and_pte_flags(void **state)
{
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a, b, c, d;
	sva_pte_t *pte;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 256);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(sva_mm_mmap(mm, 0x40000000, 2 * PAGE, SVA_PROT_READ, 0, NULL, 0, &a), 0);
	assert_int_equal(a, 0x40000000); /* free: the hint itself */
	assert_int_equal(sva_mm_mmap(mm, a + PAGE, PAGE, SVA_PROT_READ, 0, NULL, 0, &b), 0);
	assert_int_equal(b, a + 2 * PAGE); /* inside a mapping: the first room after it */
	assert_int_equal(
		sva_mm_mmap(mm, SVA_TASK_SIZE - PAGE, 2 * PAGE, SVA_PROT_READ, 0, NULL, 0, &c), 0);
	assert_true(c < a); /* no room above the hint: searched from the bottom */
	assert_int_equal(sva_mm_vma_count(mm), 2); /* b merged with a */
	assert_int_equal(
		sva_mm_mmap(mm, PAGE, SVA_TASK_SIZE - 2 * PAGE, SVA_PROT_READ, 0, NULL, 0, &d),
		-ENOMEM);
	assert_int_equal(sva_mm_vma_count(mm), 2);
	/* executable: no NX; PROT_NONE faults nothing in; read-only: no write bit */
	assert_int_equal(sva_mm_mmap(mm, 0, PAGE, SVA_PROT_READ | SVA_PROT_EXEC, SVA_MAP_POPULATE,
				     NULL, 0, &d),
			 0);
	pte = sva_pgtable_walk(sva_mm_pgtable(mm), d, false, NULL);
	assert_non_null(pte);
	assert_true(sva_pte_read(pte) & SVA_PTE_USER);
	assert_false(sva_pte_read(pte) & SVA_PTE_NX);
	assert_false(sva_pte_read(pte) & SVA_PTE_WRITE);
	assert_int_equal(sva_mm_mmap(mm, 0, PAGE, SVA_PROT_READ, SVA_MAP_POPULATE, NULL, 0, &d), 0);
	pte = sva_pgtable_walk(sva_mm_pgtable(mm), d, false, NULL);
	assert_non_null(pte);
	assert_true(sva_pte_read(pte) & SVA_PTE_NX);
	/* MAP_POPULATE of PROT_NONE: the mapping, nothing faulted in */
	assert_int_equal(sva_mm_mmap(mm, 0, PAGE, SVA_PROT_NONE, SVA_MAP_POPULATE, NULL, 0, &d), 0);
	pte = sva_pgtable_walk(sva_mm_pgtable(mm), d, false, NULL);
	assert_true(!pte || !(sva_pte_read(pte) & SVA_PTE_PRESENT));
	assert_int_equal(vma_flags_at(mm, d) & (SVA_VM_READ | SVA_VM_WRITE), 0);
	sva_mmput(mm);
	env_done(&e);
}

static void test_mmap_split_merge(void **state)
{
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a, b;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 256);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(
		sva_mm_mmap(mm, 0, 8 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a), 0);
	assert_int_equal(a & ~SVA_PAGE_MASK, 0);
	assert_int_equal(sva_mm_vma_count(mm), 1);
	/* a hole in the middle splits it */
	assert_int_equal(sva_mm_munmap(mm, a + 2 * PAGE, 2 * PAGE), 0);
	assert_int_equal(sva_mm_vma_count(mm), 2);
	assert_int_equal(vma_flags_at(mm, a + 2 * PAGE), -1);
	assert_true(vma_flags_at(mm, a + 5 * PAGE) >= 0);
	/* refilling it with the same flags merges back */
	assert_int_equal(sva_mm_mmap(mm, a + 2 * PAGE, 2 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_FIXED, NULL, 0, &b),
			 0);
	assert_int_equal(b, a + 2 * PAGE);
	assert_int_equal(sva_mm_vma_count(mm), 1);
	/* mprotect of the middle splits in three, and back merges */
	assert_int_equal(sva_mm_mprotect(mm, a + 3 * PAGE, PAGE, SVA_PROT_READ), 0);
	assert_int_equal(sva_mm_vma_count(mm), 3);
	assert_int_equal(vma_flags_at(mm, a + 3 * PAGE) & SVA_VM_WRITE, 0);
	assert_int_equal(sva_mm_mprotect(mm, a + 3 * PAGE, PAGE, SVA_PROT_READ | SVA_PROT_WRITE),
			 0);
	assert_int_equal(sva_mm_vma_count(mm), 1);
	/* errors name no state change */
	assert_int_equal(sva_mm_munmap(mm, a + 1, PAGE), -EINVAL);
	assert_int_equal(sva_mm_mprotect(mm, a + 6 * PAGE, 4 * PAGE, SVA_PROT_READ), -ENOMEM);
	assert_int_equal(sva_mm_vma_count(mm), 1);
	assert_int_equal(sva_mm_mmap(mm, 0, 0, SVA_PROT_READ, 0, NULL, 0, &b), -EINVAL);
	/* more bad input: too long, nowhere to answer, a fixed range unaligned or too high */
	assert_int_equal(sva_mm_mmap(mm, 0, SVA_TASK_SIZE + PAGE, SVA_PROT_READ, 0, NULL, 0, &b),
			 -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, 0, PAGE, SVA_PROT_READ, 0, NULL, 0, NULL), -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, a + 1, PAGE, SVA_PROT_READ, SVA_MAP_FIXED, NULL, 0, &b),
			 -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, SVA_TASK_SIZE - PAGE, 2 * PAGE, SVA_PROT_READ,
				     SVA_MAP_FIXED, NULL, 0, &b),
			 -EINVAL);
	assert_int_equal(sva_mm_mprotect(mm, a + 1, PAGE, SVA_PROT_READ), -EINVAL);
	assert_int_equal(sva_mm_mprotect(mm, SVA_TASK_SIZE, PAGE, SVA_PROT_READ), -EINVAL);
	/* no length; a length that wraps; a fixed mapping of no length */
	assert_int_equal(sva_mm_munmap(mm, a, 0), -EINVAL);
	assert_int_equal(sva_mm_mprotect(mm, a, 0, SVA_PROT_READ), -EINVAL);
	assert_int_equal(sva_mm_munmap(mm, a, 0 - a), -EINVAL);
	assert_int_equal(sva_mm_mprotect(mm, a, UINT64_MAX & SVA_PAGE_MASK, SVA_PROT_READ),
			 -EINVAL);
	assert_int_equal(sva_mm_mmap(mm, a, 0, SVA_PROT_READ, SVA_MAP_FIXED, NULL, 0, &b), -EINVAL);
	assert_int_equal(sva_mm_vma_count(mm), 1);
	/* a hole at the start of the range */
	assert_int_equal(sva_mm_mprotect(mm, a - PAGE, 2 * PAGE, SVA_PROT_READ), -ENOMEM);
	/* executable: the VMA says so */
	assert_int_equal(sva_mm_mprotect(mm, a, PAGE, SVA_PROT_READ | SVA_PROT_EXEC), 0);
	assert_true(vma_flags_at(mm, a) & SVA_VM_EXEC);
	assert_int_equal(sva_mm_vma_count(mm), 2);
	/* hooks: a point that is none, no function */
	assert_int_equal(sva_mm_sys_add_hook(e.sys, SVA_MM_HOOK_NR, drop_hook, NULL), -EINVAL);
	assert_int_equal(sva_mm_sys_add_hook(e.sys, SVA_MM_HOOK_DROP, NULL, NULL), -EINVAL);
	sva_mmput(mm);
	env_done(&e);
}

static void test_faults_and_their_errors(void **state)
{
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a, ro;
	char buf[16] = "hello, device";
	char out[16] = { 1 };
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 256);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(
		sva_mm_mmap(mm, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a), 0);
	assert_int_equal(sva_mm_mmap(mm, 0, PAGE, SVA_PROT_READ, 0, NULL, 0, &ro), 0);
	/* demand-zero */
	assert_int_equal(sva_mm_access(mm, a + PAGE + 100, out, sizeof(out), false), 0);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0);
	/* a write across a page boundary, read back */
	assert_int_equal(sva_mm_access(mm, a + PAGE - 5, buf, sizeof(buf), true), 0);
	memset(out, 0, sizeof(out));
	assert_int_equal(sva_mm_access(mm, a + PAGE - 5, out, sizeof(out), false), 0);
	assert_string_equal(out, buf);
	/* errors */
	assert_int_equal(sva_mm_fault(mm, ro, SVA_FAULT_FLAG_WRITE), -EACCES);
	assert_int_equal(sva_mm_access(mm, ro, buf, 1, true), -EACCES);
	assert_int_equal(sva_mm_fault(mm, a + 64 * PAGE, 0), -EFAULT);
	assert_int_equal(sva_mm_fault(mm, ro, SVA_FAULT_FLAG_INSTRUCTION), -EACCES);
	assert_int_equal(sva_mm_fault(mm, ro, SVA_FAULT_FLAG_REMOTE), 0);
	/* PROT_NONE keeps the page but refuses access; giving access back shows the data */
	assert_int_equal(sva_mm_mprotect(mm, a, 2 * PAGE, SVA_PROT_NONE), 0);
	assert_int_equal(sva_mm_access(mm, a + PAGE, out, 1, false), -EACCES);
	assert_int_equal(sva_mm_mprotect(mm, a, 2 * PAGE, SVA_PROT_READ), 0);
	assert_int_equal(sva_mm_access(mm, a + PAGE - 5, out, sizeof(out), false), 0);
	assert_string_equal(out, buf);
	sva_mmput(mm);
	env_done(&e);
}

/* ---- notifiers ---- */

#define MAX_INVAL 64

struct recorder {
	struct sva_mmu_notifier mn;
	int releases, frees;
	unsigned ninval;
	uint64_t start[MAX_INVAL], end[MAX_INVAL];
};

static void rec_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	struct recorder *r = sva_container_of(mn, struct recorder, mn);

	(void)mm;
	r->releases++;
}

static void rec_invalidate(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t start,
			   uint64_t end)
{
	struct recorder *r = sva_container_of(mn, struct recorder, mn);

	(void)mm;
	if (r->ninval < MAX_INVAL) {
		r->start[r->ninval] = start;
		r->end[r->ninval] = end;
	}
	r->ninval++;
}

static void rec_free(struct sva_mmu_notifier *mn)
{
	struct recorder *r = sva_container_of(mn, struct recorder, mn);

	r->frees++;
}

static const struct sva_mmu_notifier_ops rec_ops = {
	.release = rec_release,
	.invalidate = rec_invalidate,
	.free_notifier = rec_free,
};

/* True when one recorded invalidation covers [start, end). */
static bool rec_covered(const struct recorder *r, uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < r->ninval && i < MAX_INVAL; i++)
		if (r->start[i] <= start && r->end[i] >= end)
			return true;
	return false;
}

static void test_notifier_sees_munmap_mprotect_reclaim(void **state)
{
	struct recorder r = { .mn.ops = &rec_ops };
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a;
	char byte = 7;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 256);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(sva_mmu_notifier_register(&r.mn, mm), 0);
	assert_int_equal(sva_mm_count(mm), 2); /* the subscription holds count */
	assert_int_equal(sva_mm_mmap(mm, 0, 16 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_POPULATE, NULL, 0, &a),
			 0);

	r.ninval = 0;
	assert_int_equal(sva_mm_munmap(mm, a + 4 * PAGE, 2 * PAGE), 0);
	assert_true(r.ninval >= 1);
	assert_true(rec_covered(&r, a + 4 * PAGE, a + 6 * PAGE));

	r.ninval = 0;
	assert_int_equal(sva_mm_mprotect(mm, a + 8 * PAGE, 3 * PAGE, SVA_PROT_READ), 0);
	assert_true(rec_covered(&r, a + 8 * PAGE, a + 11 * PAGE));
	assert_false(rec_covered(&r, a, a + PAGE)); /* not more than needed */

	r.ninval = 0;
	assert_int_equal(sva_mm_access(mm, a + 12 * PAGE, &byte, 1, true), 0);
	assert_true(sva_mm_sys_reclaim(e.sys, 1000) >= 10);
	assert_true(rec_covered(&r, a + 12 * PAGE, a + 13 * PAGE));
	byte = 0;
	assert_int_equal(sva_mm_access(mm, a + 12 * PAGE, &byte, 1, false), 0);
	assert_int_equal(byte, 7); /* swapped back in, contents intact */

	/* exit: release once, then the deferred put frees it and drops the count */
	sva_mmput(mm);
	assert_int_equal(r.releases, 1);
	assert_int_equal(sva_mm_count(mm), 1);
	sva_mmu_notifier_put(&r.mn);
	sva_mm_sys_synchronize(e.sys);
	assert_int_equal(r.frees, 1);
	assert_int_equal(r.releases, 1);
	env_done(&e);
}

static void test_notifier_register_needs_users_and_unregister_releases(void **state)
{
	struct recorder r = { .mn.ops = &rec_ops };
	struct mm_env e;
	struct sva_mm *mm;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 64);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	r.mn.ops = NULL; /* a notifier needs its ops */
	assert_int_equal(sva_mmu_notifier_register(&r.mn, mm), -EINVAL);
	r.mn.ops = &rec_ops;
	assert_int_equal(sva_mmu_notifier_register(&r.mn, mm), 0);
	sva_mmu_notifier_unregister(&r.mn);
	assert_int_equal(r.releases, 1); /* unregister of a live mm runs release */
	assert_int_equal(sva_mm_count(mm), 1);
	sva_mmgrab(mm);
	sva_mmput(mm);
	assert_int_equal(r.releases, 1); /* not again at exit: it was gone */
	assert_int_equal(sva_mmu_notifier_register(&r.mn, mm), -EINVAL); /* users == 0 */
	sva_mmdrop(mm);
	env_done(&e);
}

/*
 * A subscriber with no callbacks at all: every change and the exit go by (release traced, its
 * count held until the deferred put drops it), and an unregister of a live mm needs none.
 */
static void test_notifier_without_callbacks(void **state)
{
	static const struct sva_mmu_notifier_ops none = { 0 };
	struct sva_mmu_notifier mn = { .ops = &none }, mn2 = { .ops = &none };
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a;
	char *text;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 64);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(sva_mmu_notifier_register(&mn, mm), 0);
	assert_int_equal(sva_mmu_notifier_register(&mn2, mm), 0);
	assert_int_equal(sva_mm_mmap(mm, 0, 2 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_POPULATE, NULL, 0, &a),
			 0);
	assert_int_equal(sva_mm_munmap(mm, a, PAGE), 0);
	sva_mmu_notifier_unregister(&mn2);
	assert_int_equal(sva_mm_count(mm), 2);
	sva_mmput(mm);
	assert_true(sva_mm_is_dead(mm));
	assert_int_equal(sva_mm_count(mm), 1); /* the subscription's, until its put */
	sva_mmu_notifier_put(&mn);
	sva_mm_sys_synchronize(e.sys);
	text = sva_test_trace_string(e.w, sva_trace_write_text);
	assert_non_null(strstr(text, "mmu_notifier.release"));
	free(text);
	env_done(&e);
}

/* The last mmdrop of an mm never exited, with a notifier still on it: both reported. */
static void test_mm_freed_before_exit_with_a_notifier_is_reported(void **state)
{
	struct recorder r = { .mn.ops = &rec_ops };
	struct mm_env e;
	struct sva_mm *mm;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 64);
	sva_test_quiet(e.w);
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(sva_mmu_notifier_register(&r.mn, mm), 0);
	/* mm_count to 0 (the users' count and the notifier's) with its user and notifier there */
	sva_mmdrop(mm);
	sva_mmdrop(mm);
	sva_mm_sys_synchronize(e.sys);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_REFCOUNT), 2);
	assert_non_null(strstr(sva_report_first(e.w), "mm_count reached 0 before exit_mmap"));
	sva_mm_sys_destroy(e.sys);
	sva_world_destroy(e.w);
}

/* ---- fork ---- */

/*
 * Fork of an mm whose pages were reclaimed: the child gets a swap slot of its own with the same
 * contents (read back after the parent has written its own page again), and a page never
 * touched stays absent in both.
 */
static void test_fork_of_swapped_pages(void **state)
{
	struct mm_env e;
	struct sva_mm *parent, *child;
	uint64_t a;
	char v = 'S', x = 0;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 256);
	assert_int_equal(sva_mm_create(e.sys, "parent", &parent), 0);
	assert_int_equal(
		sva_mm_mmap(parent, 0, 3 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a),
		0);
	assert_int_equal(sva_mm_access(parent, a, &v, 1, true), 0);
	assert_int_equal(sva_mm_access(parent, a + 2 * PAGE, &v, 1, true), 0);
	assert_int_equal(sva_mm_sys_reclaim(e.sys, 16), 2); /* both written pages out */
	assert_int_equal(sva_mm_dup(parent, "child", &child), 0);
	v = 'P';
	assert_int_equal(sva_mm_access(parent, a, &v, 1, true), 0);
	assert_int_equal(sva_mm_access(child, a, &x, 1, false), 0);
	assert_int_equal(x, 'S');
	assert_int_equal(sva_mm_access(child, a + 2 * PAGE, &x, 1, false), 0);
	assert_int_equal(x, 'S');
	assert_int_equal(sva_mm_access(parent, a + PAGE, &x, 1, false), 0); /* demand-zero */
	assert_int_equal(x, 0);
	sva_mmput(child);
	sva_mmput(parent);
	assert_int_equal(sva_alloc_live(e.w, &sva_obj_swap_slot), 0);
	env_done(&e);
}

static void test_fork_copy_on_write(void **state)
{
	struct recorder parent_rec = { .mn.ops = &rec_ops }, child_rec = { .mn.ops = &rec_ops };
	struct mm_env e;
	struct sva_mm *parent, *child;
	uint64_t a;
	char p = 'P', c = 'C', x = 0;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 256);
	assert_int_equal(sva_mm_create(e.sys, "parent", &parent), 0);
	assert_int_equal(
		sva_mm_mmap(parent, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a),
		0);
	assert_int_equal(sva_mm_access(parent, a, &p, 1, true), 0);
	assert_int_equal(sva_mmu_notifier_register(&parent_rec.mn, parent), 0);
	sva_mm_set_iommu_data(parent, &e); /* stands for the parent's PASID */

	assert_int_equal(sva_mm_dup(parent, "child", &child), 0);
	assert_null(sva_mm_iommu_data(child)); /* the child gets no PASID */
	/* the parent's writable translation was invalidated: its device must not write on */
	assert_true(rec_covered(&parent_rec, a, a + PAGE));
	assert_int_equal(sva_mmu_notifier_register(&child_rec.mn, child), 0);

	assert_int_equal(sva_mm_access(child, a, &x, 1, false), 0);
	assert_int_equal(x, 'P'); /* shared until written */
	child_rec.ninval = 0;
	assert_int_equal(sva_mm_access(child, a, &c, 1, true), 0);
	assert_true(rec_covered(&child_rec, a, a + PAGE)); /* the COW break invalidated */
	assert_int_equal(sva_mm_access(parent, a, &x, 1, false), 0);
	assert_int_equal(x, 'P');
	assert_int_equal(sva_mm_access(child, a, &x, 1, false), 0);
	assert_int_equal(x, 'C');
	/* the parent writes too: it is the only mapping left, written in place */
	p = 'Q';
	assert_int_equal(sva_mm_access(parent, a, &p, 1, true), 0);
	assert_int_equal(sva_mm_access(child, a, &x, 1, false), 0);
	assert_int_equal(x, 'C');

	sva_mmu_notifier_unregister(&child_rec.mn);
	sva_mmu_notifier_unregister(&parent_rec.mn);
	sva_mmput(child);
	sva_mmput(parent);
	env_done(&e);
}

static void test_fork_dontcopy_wipeonfork_shared(void **state)
{
	struct mm_env e;
	struct sva_mm *parent, *child;
	uint64_t dc, wof, sh;
	char v = 9, x = 1;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 256);
	assert_int_equal(sva_mm_create(e.sys, "parent", &parent), 0);
	/* apart from each other, so they do not merge */
	assert_int_equal(sva_mm_mmap(parent, 0x20000000, PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_FIXED, NULL, 0, &dc),
			 0);
	assert_int_equal(sva_mm_mmap(parent, 0x20010000, PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_FIXED, NULL, 0, &wof),
			 0);
	assert_int_equal(sva_mm_mmap(parent, 0x20020000, PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_FIXED | SVA_MAP_SHARED, NULL, 0, &sh),
			 0);
	assert_int_equal(sva_mm_vma_count(parent), 3);
	sva_down_write(sva_mm_mmap_lock(parent));
	sva_vma_lookup(parent, dc)->flags |= SVA_VM_DONTCOPY;
	sva_vma_lookup(parent, wof)->flags |= SVA_VM_WIPEONFORK;
	sva_up_write(sva_mm_mmap_lock(parent));
	assert_int_equal(sva_mm_access(parent, dc, &v, 1, true), 0);
	assert_int_equal(sva_mm_access(parent, wof, &v, 1, true), 0);
	assert_int_equal(sva_mm_access(parent, sh, &v, 1, true), 0);

	assert_int_equal(sva_mm_dup(parent, "child", &child), 0);
	assert_int_equal(vma_flags_at(child, dc), -1); /* DONTCOPY: absent */
	assert_int_equal(sva_mm_access(child, dc, &x, 1, false), -EFAULT);
	assert_int_equal(sva_mm_access(child, wof, &x, 1, false), 0);
	assert_int_equal(x, 0); /* WIPEONFORK: there, empty */
	/* shared: one page for both */
	v = 42;
	assert_int_equal(sva_mm_access(child, sh, &v, 1, true), 0);
	assert_int_equal(sva_mm_access(parent, sh, &x, 1, false), 0);
	assert_int_equal(x, 42);
	sva_mmput(child);
	sva_mmput(parent);
	env_done(&e);
}

/* ---- allocation failures ---- */

static void test_out_of_frames(void **state)
{
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32); /* a tiny machine */
	assert_int_equal(sva_mm_create(e.sys, NULL, &mm), 0);
	assert_int_equal(
		sva_mm_mmap(mm, 0, 64 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a), 0);
	assert_int_equal(sva_mm_mmap(mm, a, 64 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_FIXED | SVA_MAP_POPULATE, NULL, 0, &a),
			 -ENOMEM);
	/* reclaim makes room, and the mm still works */
	assert_true(sva_mm_sys_reclaim(e.sys, 8) > 0);
	assert_int_equal(sva_mm_fault(mm, a + 63 * PAGE, SVA_FAULT_FLAG_WRITE), 0);
	sva_mmput(mm);
	env_done(&e);
}

/* The fail-nth sweeps of an mm: an mmap into a populated mm, and a dup of it (fork's copy). */
struct mm_fail {
	struct mm_env e;
	struct sva_mm *mm, *child;
	size_t vmas;
	bool dup; /* the body is the dup, not the mmap */
};

static struct sva_world *mm_fail_setup(void *arg)
{
	struct mm_fail *f = arg;
	uint64_t a;

	env_init(&f->e, SVA_BACKEND_NATIVE, 256);
	assert_int_equal(sva_mm_create(f->e.sys, NULL, &f->mm), 0);
	assert_int_equal(sva_mm_mmap(f->mm, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_POPULATE, NULL, 0, &a),
			 0);
	f->vmas = sva_mm_vma_count(f->mm);
	f->child = NULL;
	return f->e.w;
}

static int mm_fail_body(struct sva_world *w, void *arg)
{
	struct mm_fail *f = arg;
	uint64_t b;

	(void)w;
	if (f->dup)
		return sva_mm_dup(f->mm, "child", &f->child);
	return sva_mm_mmap(f->mm, 0, PAGE, SVA_PROT_READ, 0, NULL, 0, &b);
}

static void mm_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct mm_fail *f = arg;

	if (f->dup) /* a failed dup leaves no second mm */
		assert_int_equal(sva_alloc_live(w, &sva_obj_mm), r->ret ? 2 : 3); /* sys and mm */
	else /* a failed mmap leaves the mm as it was */
		assert_int_equal(sva_mm_vma_count(f->mm), f->vmas + (r->ret ? 0 : 1));
}

static void mm_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct mm_fail *f = arg;

	(void)w;
	(void)r;
	if (f->child)
		sva_mmput(f->child);
	sva_mmput(f->mm);
	env_release(&f->e);
}

static void test_fail_nth_mmap_and_dup(void **state)
{
	struct mm_fail f = { .dup = false };
	struct sva_test_fail_case c = { .name = "mmap",
					.setup = mm_fail_setup,
					.body = mm_fail_body,
					.check = mm_fail_check,
					.teardown = mm_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 1);
	f.dup = true;
	c.name = "dup";
	sva_test_fail_sweep(&c, &st);
	assert_int_equal(st.errors, 2); /* the mm, its VMA */
}

/*
 * Reclaim, then swap-in, with each allocation failed in turn (each page's writeout copy): a page
 * whose copy failed stays in the swap cache - still evicted, its PTE a swap entry - and the
 * fault that follows takes it back from there; every run reads back exactly what was written,
 * and no frame or slot is left.
 */
#define RECLAIM_PAGES 70 /* more than the swap table's first 64 slots */

struct reclaim_fail {
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a;
	size_t evicted;
};

static struct sva_world *reclaim_fail_setup(void *arg)
{
	struct reclaim_fail *f = arg;

	env_init(&f->e, SVA_BACKEND_NATIVE, 256);
	assert_int_equal(sva_mm_create(f->e.sys, NULL, &f->mm), 0);
	assert_int_equal(sva_mm_mmap(f->mm, 0, RECLAIM_PAGES * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				     SVA_MAP_POPULATE, NULL, 0, &f->a),
			 0);
	for (uint64_t i = 0; i < RECLAIM_PAGES; i++)
		assert_int_equal(sva_mm_access(f->mm, f->a + i * PAGE + 8, &i, sizeof(i), true), 0);
	return f->e.w;
}

static int reclaim_fail_body(struct sva_world *w, void *arg)
{
	struct reclaim_fail *f = arg;

	(void)w;
	f->evicted = sva_mm_sys_reclaim(f->e.sys, RECLAIM_PAGES);
	for (uint64_t i = 0; i < RECLAIM_PAGES; i++) {
		uint64_t v = ~0ull;
		int ret = sva_mm_access(f->mm, f->a + i * PAGE + 8, &v, sizeof(v), false);

		if (ret)
			return ret;
		assert_int_equal(v, i);
	}
	return 0;
}

static void reclaim_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct reclaim_fail *f = arg;

	(void)w;
	assert_int_equal(f->evicted, RECLAIM_PAGES); /* a failed copy does not stop reclaim */
	if (r->ret == 0)			     /* every page back: no slot holds one */
		assert_int_equal(sva_alloc_live(w, &sva_obj_swap_slot), 0);
}

static void reclaim_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct reclaim_fail *f = arg;

	(void)w;
	(void)r;
	sva_mmput(f->mm);
	env_release(&f->e);
}

static void test_fail_nth_reclaim_and_swap_in(void **state)
{
	struct reclaim_fail f;
	struct sva_test_fail_case c = { .name = "reclaim and swap-in",
					.setup = reclaim_fail_setup,
					.body = reclaim_fail_body,
					.check = reclaim_fail_check,
					.teardown = reclaim_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_int_equal(st.allocations, RECLAIM_PAGES); /* one copy a page */
	/* reclaim absorbs every failure (the page stays cached); a swap-in allocates nothing */
	assert_int_equal(st.absorbed, st.runs);
}

/* ---- concurrency: faults racing munmap and reclaim ---- */

struct race {
	struct mm_env e;
	struct sva_mm *mm;
	uint64_t a;
	int writer_errors;
};

static int race_writer(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < 8; i++) {
		char v = (char)i;
		int ret = sva_mm_access(r->mm, r->a + (uint64_t)(i % 4) * PAGE, &v, 1, true);

		if (ret && ret != -EFAULT)
			r->writer_errors++;
	}
	return 0;
}

static int race_unmapper(void *arg)
{
	struct race *r = arg;

	sva_mm_munmap(r->mm, r->a + PAGE, 2 * PAGE);
	return 0;
}

static int race_reclaimer(void *arg)
{
	struct race *r = arg;

	sva_mm_sys_reclaim(r->e.sys, 4);
	return 0;
}

static int race_setup(struct sva_world *w, void *arg)
{
	struct race *r = arg;
	struct sva_mm_sys_config cfg = { .frames = 128 };
	int ret;

	r->e.w = w;
	r->writer_errors = 0;
	ret = sva_mm_sys_create(w, &cfg, &r->e.sys);
	if (ret == 0)
		ret = sva_mm_create(r->e.sys, NULL, &r->mm);
	if (ret == 0)
		ret = sva_mm_mmap(r->mm, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
				  SVA_MAP_POPULATE, NULL, 0, &r->a);
	if (ret == 0)
		ret = sva_actor_spawn(w, "writer", race_writer, r, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "unmapper", race_unmapper, r, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "reclaimer", race_reclaimer, r, 0, NULL);
	return ret;
}

static int race_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct race *r = arg;
	struct sva_phys *phys = sva_mm_sys_phys(r->e.sys);

	(void)w;
	sva_mmput(r->mm);
	sva_mm_sys_synchronize(r->e.sys);
	if (run)
		return run;
	if (r->writer_errors) {
		snprintf(msg, len, "%d unexpected access errors", r->writer_errors);
		return -1;
	}
	if (sva_phys_free_frames(phys) != sva_phys_total_frames(phys) - 1) {
		snprintf(msg, len, "frames leaked: %zu free of %zu", sva_phys_free_frames(phys),
			 sva_phys_total_frames(phys) - 1);
		return -1;
	}
	return 0;
}

static void race_teardown(struct sva_world *w, void *arg)
{
	struct race *r = arg;

	(void)w;
	sva_mm_sys_destroy(r->e.sys);
}

static void test_faults_race_munmap_and_reclaim(void **state)
{
	struct race r;
	struct sva_program prog = {
		"fault-race", race_setup, race_check, race_teardown, &r, false
	};
	struct sva_explore_config cfg = { .preemption_bound = 1, .max_schedules = 3000 };
	struct sva_explore_result res, full;
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	if (res.failures)
		fprintf(stderr, "%s\nschedule %s\n", res.message, res.schedule);
	assert_int_equal(res.failures, 0);
	/* and every schedule, equivalent or not (partial-order reduction off): clean too */
	cfg.no_por = true;
	assert_int_equal(sva_explore(&cfg, &prog, &full), 0);
	assert_int_equal(full.failures, 0);
	assert_true(full.schedules > 100);
	assert_true(res.schedules <= full.schedules);
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = seed };
		char msg[256];

		assert_int_equal(sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg)), 0);
	}
}

/*
 * The locks the mm code relies on are asserted: a CPU access that skips the page-table lock
 * (SVA_BREAK_ACCESS_NO_PTL) is reported where it sets the entry, on both backends; the
 * faithful access is quiet.
 */
static unsigned long access_unlocked_reports(enum sva_backend b, unsigned breaks)
{
	struct sva_world_config wc = { .backend = b, .seed = 1, .breaks = breaks, .quiet = true };
	struct sva_mm_sys_config cfg = { .frames = 64 };
	struct sva_mm_sys *sys;
	struct sva_world *w;
	struct sva_mm *mm;
	unsigned long n;
	uint64_t a;
	char v = 7;

	assert_int_equal(sva_world_create(&wc, &w), 0);
	assert_int_equal(sva_mm_sys_create(w, &cfg, &sys), 0);
	assert_int_equal(sva_mm_create(sys, NULL, &mm), 0);
	assert_int_equal(sva_mm_mmap(mm, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a),
			 0);
	assert_int_equal(sva_mm_access(mm, a, &v, 1, true), 0);
	assert_int_equal(sva_mm_access(mm, a, &v, 1, false), 0);
	assert_int_equal(v, 7);
	n = sva_report_count(w, SVA_REPORT_LOCK_NOT_HELD);
	if (n)
		assert_non_null(strstr(sva_report_first(w), "page_table_lock not held at src/mm/"));
	sva_mmput(mm);
	sva_mm_sys_synchronize(sys);
	sva_mm_sys_destroy(sys);
	sva_world_destroy(w);
	return n;
}

static void test_access_without_ptl_is_reported(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		enum sva_backend be = b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE;

		assert_int_equal(access_unlocked_reports(be, 0), 0);
		assert_true(access_unlocked_reports(be, SVA_BREAK_ACCESS_NO_PTL) >= 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_and_count_rules),
		cmocka_unit_test(test_mmdrop_before_exit_is_reported),
		cmocka_unit_test(test_mm_freed_before_exit_with_a_notifier_is_reported),
		cmocka_unit_test(test_mmap_split_merge),
		cmocka_unit_test(test_mmap_hints_and_pte_flags),
		cmocka_unit_test(test_access_without_ptl_is_reported),
		cmocka_unit_test(test_faults_and_their_errors),
		cmocka_unit_test(test_notifier_sees_munmap_mprotect_reclaim),
		cmocka_unit_test(test_notifier_register_needs_users_and_unregister_releases),
		cmocka_unit_test(test_notifier_without_callbacks),
		cmocka_unit_test(test_fork_copy_on_write),
		cmocka_unit_test(test_fork_of_swapped_pages),
		cmocka_unit_test(test_fork_dontcopy_wipeonfork_shared),
		cmocka_unit_test(test_out_of_frames),
		cmocka_unit_test(test_fail_nth_mmap_and_dup),
		cmocka_unit_test(test_fail_nth_reclaim_and_swap_in),
		cmocka_unit_test(test_faults_race_munmap_and_reclaim),
	};

	return cmocka_run_group_tests_name("mm", tests, NULL, NULL);
}

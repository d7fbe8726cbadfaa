/* SPDX-License-Identifier: MIT */
/*
 * Physical memory and page tables (src/mem/): frames are zeroed, refcounted, never pfn 0, and
 * misuse is reported without corrupting the arena; walks allocate exactly the missing levels and
 * leave nothing behind on -ENOMEM; the hardware walk sets ACCESSED/DIRTY as an MMU does; zap
 * hands data pages and emptied tables to the gather and nothing is freed before the flush;
 * protect reports what it changed; and a hardware walker racing a mapper/zapper never reads a
 * freed frame when the flush waits for it (native, clean under TSan, and under the simulator).
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sva/mem.h"
#include "testutil.h"

#define PG	  SVA_PAGE_SIZE
#define PT_SPAN	  (512ull * PG)	     /* what one last-level table maps: 2 MiB */
#define PD_SPAN	  (512ull * PT_SPAN) /* 1 GiB */
#define PDPT_SPAN (512ull * PD_SPAN) /* 512 GiB */
#define RW	  (SVA_PTE_PRESENT | SVA_PTE_USER | SVA_PTE_WRITE)
#define RO	  (SVA_PTE_PRESENT | SVA_PTE_USER)

/* ---- helpers ---------------------------------------------------------------------------- */

struct env {
	struct sva_world *w;
	struct sva_phys *phys;
	struct sva_pgtable pt;
};

static void env_init_seeded(struct env *e, enum sva_backend backend, uint64_t seed, size_t nframes,
			    bool quiet)
{
	e->w = sva_test_world(backend, seed);
	if (quiet)
		sva_test_quiet(e->w);
	assert_int_equal(sva_phys_create(e->w, nframes, &e->phys), 0);
	assert_int_equal(sva_pgtable_init(&e->pt, e->phys), 0);
}

static void env_init(struct env *e, enum sva_backend backend, size_t nframes, bool quiet)
{
	env_init_seeded(e, backend, 1, nframes, quiet);
}

/* Tear down and assert every frame came back, no object leaked and nothing was reported. */
static void env_done(struct env *e)
{
	sva_pgtable_destroy(&e->pt);
	assert_int_equal(sva_phys_free_frames(e->phys), sva_phys_total_frames(e->phys) - 1);
	sva_phys_destroy(e->phys);
	sva_test_world_done(e->w);
}

/* Map a fresh anonymous frame at @va with @flags; returns it (the mapping holds its reference). */
static struct sva_page *map_page(struct env *e, uint64_t va, uint64_t flags)
{
	struct sva_page *page = sva_page_alloc(e->phys, SVA_PAGE_ANON);
	int err = 1;
	sva_pte_t *pte;

	assert_non_null(page);
	pte = sva_pgtable_walk(&e->pt, va, true, &err);
	assert_non_null(pte);
	assert_int_equal(err, 0);
	assert_int_equal(sva_pte_read(pte), 0);
	sva_pte_write(pte, sva_pte_make(page->pfn, flags));
	return page;
}

static uint64_t leaf_of(struct env *e, uint64_t va)
{
	sva_pte_t *pte = sva_pgtable_walk(&e->pt, va, false, NULL);

	return pte ? sva_pte_read(pte) : 0;
}

/* A flush that records what it was asked to invalidate, then finishes. */
struct flush_log {
	struct sva_phys *phys;
	unsigned calls;
	uint64_t start, end;	 /* union of the ranges flushed */
	size_t pages;		 /* pages gathered over every call */
	size_t free_at_flush;	 /* free frames when the last flush began */
	bool page_freed_early;	 /* a gathered page had no reference left at flush */
	bool page_outside_range; /* a gathered data page's address is not in the range */
	uint64_t (*va_of)(struct flush_log *log, struct sva_page *page); /* optional */
	uint64_t base;							 /* for va_of */
	struct sva_page **map; /* for va_of: the pages mapped from @base, in order */
	size_t nmap;
};

static void flush_record(struct sva_mmu_gather *tlb, void *ctx)
{
	struct flush_log *log = ctx;

	log->calls++;
	assert_true(tlb->start < tlb->end);
	if (log->calls == 1 || tlb->start < log->start)
		log->start = tlb->start;
	if (log->calls == 1 || tlb->end > log->end)
		log->end = tlb->end;
	log->pages += tlb->npages;
	log->free_at_flush = sva_phys_free_frames(log->phys);
	for (size_t i = 0; i < tlb->npages; i++) {
		struct sva_page *p = tlb->pages[i];

		if (sva_page_count(p) < 1)
			log->page_freed_early = true;
		if (log->va_of && (atomic_load(&p->flags) & SVA_PAGE_ANON)) {
			uint64_t va = log->va_of(log, p);
			if (va < tlb->start || va >= tlb->end)
				log->page_outside_range = true;
		}
	}
	sva_tlb_finish(tlb);
	assert_int_equal(tlb->npages, 0);
	assert_true(tlb->start >= tlb->end);
}

static uint64_t va_of_mapped(struct flush_log *log, struct sva_page *page)
{
	for (size_t i = 0; i < log->nmap; i++)
		if (log->map[i] == page)
			return log->base + i * PG;
	fail_msg("gathered page pfn %llu was never mapped", (unsigned long long)page->pfn);
	return 0;
}

/* ---- frames ------------------------------------------------------------------------------ */

static void test_phys_create_rejects_bad_args(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_phys *phys = (struct sva_phys *)(uintptr_t)1;
	(void)state;

	assert_int_equal(sva_phys_create(w, 0, &phys), -EINVAL);
	assert_null(phys);
	assert_int_equal(sva_phys_create(w, 1, &phys), -EINVAL); /* pfn 0 only: nothing usable */
	assert_int_equal(sva_phys_create(w, 1ull << 41, &phys), -EINVAL); /* beyond the pfn field */
	assert_int_equal(sva_phys_create(NULL, 8, &phys), -EINVAL);
	assert_int_equal(sva_phys_create(w, 8, NULL), -EINVAL);
	assert_int_equal(sva_alloc_live(w, &sva_obj_phys), 0);
	sva_test_world_done(w);
}

static void test_phys_create_fails_cleanly_on_enomem(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_phys *phys = NULL;
	(void)state;

	sva_alloc_fail_nth(w, 1);
	assert_int_equal(sva_phys_create(w, 8, &phys), -ENOMEM);
	assert_true(sva_alloc_injected(w));
	assert_null(phys);
	sva_test_world_done(w);
}

static void test_phys_fresh_arena(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_phys *phys;
	struct sva_page *zero;
	(void)state;

	assert_int_equal(sva_phys_create(w, 16, &phys), 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_phys), 1);
	assert_ptr_equal(sva_phys_world(phys), w);
	assert_int_equal(sva_phys_total_frames(phys), 16);
	assert_int_equal(sva_phys_free_frames(phys), 15);
	zero = sva_pfn_to_page(phys, 0);
	assert_non_null(zero);
	assert_true(atomic_load(&zero->flags) & SVA_PAGE_RESERVED);
	assert_int_equal(sva_page_count(zero), 0);
	assert_null(sva_pfn_to_page(phys, 16));
	assert_null(sva_pfn_to_page(phys, UINT64_MAX));
	for (uint64_t pfn = 1; pfn < 16; pfn++) {
		struct sva_page *p = sva_pfn_to_page(phys, pfn);

		assert_int_equal(p->pfn, pfn);
		assert_int_equal(((uintptr_t)sva_page_address(p)) % PG, 0);
		assert_int_equal((char *)sva_page_address(p) - (char *)sva_page_address(zero),
				 pfn * PG);
	}
	sva_phys_destroy(phys);
	assert_int_equal(sva_alloc_live(w, &sva_obj_phys), 0);
	sva_test_world_done(w);
}

static void test_page_alloc_zeroes_frame(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_phys *phys;
	struct sva_page *a, *b;
	unsigned char *data;
	(void)state;

	assert_int_equal(sva_phys_create(w, 4, &phys), 0);
	a = sva_page_alloc(phys, SVA_PAGE_ANON);
	assert_non_null(a);
	assert_int_equal(sva_page_count(a), 1);
	assert_int_equal(atomic_load(&a->flags), SVA_PAGE_ANON);
	memset(sva_page_address(a), 0xab, PG);
	sva_page_put(a);
	assert_int_equal(atomic_load(&a->flags), 0);
	b = sva_page_alloc(phys, SVA_PAGE_TABLE);
	assert_ptr_equal(b, a); /* the frame just freed comes back first */
	assert_int_equal(atomic_load(&b->flags), SVA_PAGE_TABLE);
	data = sva_page_address(b);
	for (size_t i = 0; i < PG; i++)
		assert_int_equal(data[i], 0);
	sva_page_put(b);
	sva_phys_destroy(phys);
	sva_test_world_done(w);
}

static void test_page_refcounts(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_phys *phys;
	struct sva_page *p;
	(void)state;

	assert_int_equal(sva_phys_create(w, 4, &phys), 0);
	p = sva_page_alloc(phys, SVA_PAGE_ANON);
	assert_int_equal(sva_phys_free_frames(phys), 2);
	sva_page_get(p);
	sva_page_get(p);
	assert_int_equal(sva_page_count(p), 3);
	sva_page_put(p);
	sva_page_put(p);
	assert_int_equal(sva_page_count(p), 1);
	assert_int_equal(sva_phys_free_frames(phys), 2); /* still referenced: not free */
	sva_page_put(p);
	assert_int_equal(sva_page_count(p), 0);
	assert_int_equal(sva_phys_free_frames(phys), 3);
	sva_phys_destroy(phys);
	sva_test_world_done(w);
}

static void test_page_exhaustion_and_recovery(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_page *pages[7];
	struct sva_phys *phys;
	(void)state;

	assert_int_equal(sva_phys_create(w, 8, &phys), 0);
	for (int i = 0; i < 7; i++) {
		pages[i] = sva_page_alloc(phys, SVA_PAGE_ANON);
		assert_non_null(pages[i]);
		assert_int_not_equal(pages[i]->pfn, 0);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(pages[i], pages[j]);
	}
	assert_int_equal(sva_phys_free_frames(phys), 0);
	assert_null(sva_page_alloc(phys, SVA_PAGE_ANON));
	assert_null(sva_page_alloc(phys, SVA_PAGE_TABLE));
	sva_page_put(pages[3]);
	pages[3] = sva_page_alloc(phys, SVA_PAGE_ANON);
	assert_non_null(pages[3]);
	assert_null(sva_page_alloc(phys, SVA_PAGE_ANON));
	for (int i = 0; i < 7; i++)
		sva_page_put(pages[i]);
	assert_int_equal(sva_phys_free_frames(phys), 7);
	assert_int_equal(sva_report_total(w), 0);
	sva_phys_destroy(phys);
	sva_test_world_done(w);
}

static void test_page_misuse_reported_and_harmless(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_page *p, *q, *all[3];
	struct sva_phys *phys;
	char pfn[32];
	(void)state;

	sva_test_quiet(w);
	assert_int_equal(sva_phys_create(w, 4, &phys), 0);
	p = sva_page_alloc(phys, SVA_PAGE_ANON);
	q = sva_page_alloc(phys, SVA_PAGE_ANON);
	sva_page_put(p);
	assert_int_equal(sva_phys_free_frames(phys), 2);

	sva_page_put(p); /* underflow */
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 1);
	snprintf(pfn, sizeof(pfn), "pfn %llu", (unsigned long long)p->pfn);
	assert_non_null(strstr(sva_report_first(w), pfn));
	assert_int_equal(sva_page_count(p), 0);
	assert_int_equal(sva_phys_free_frames(phys), 2); /* not pushed twice */

	sva_page_get(p); /* use after free */
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 2);
	assert_int_equal(sva_page_count(p), 0);
	sva_page_put(sva_pfn_to_page(phys, 0)); /* the reserved frame */
	sva_page_get(sva_pfn_to_page(phys, 0));
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 4);
	assert_int_equal(sva_phys_free_frames(phys), 2);

	/* The free stack is intact: exactly the free frames come out, each once, never pfn 0. */
	sva_page_put(q);
	for (int i = 0; i < 3; i++) {
		all[i] = sva_page_alloc(phys, SVA_PAGE_ANON);
		assert_non_null(all[i]);
		assert_int_not_equal(all[i]->pfn, 0);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(all[i], all[j]);
	}
	assert_null(sva_page_alloc(phys, SVA_PAGE_ANON));
	for (int i = 0; i < 3; i++)
		sva_page_put(all[i]);
	assert_int_equal(sva_report_total(w), 4);
	sva_phys_destroy(phys);
	sva_world_destroy(w);
}

static void test_phys_destroy_reports_leaked_frames(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_phys *phys;
	(void)state;

	sva_test_quiet(w);
	assert_int_equal(sva_phys_create(w, 8, &phys), 0);
	assert_non_null(sva_page_alloc(phys, SVA_PAGE_ANON));
	assert_non_null(sva_page_alloc(phys, SVA_PAGE_ANON));
	assert_non_null(sva_page_alloc(phys, SVA_PAGE_TABLE));
	sva_phys_destroy(phys);
	assert_int_equal(sva_report_count(w, SVA_REPORT_BAD_USAGE), 1);
	assert_non_null(strstr(sva_report_first(w), "3 frames still allocated (1 page tables)"));
	assert_int_equal(sva_alloc_live(w, &sva_obj_phys), 0);
	sva_world_destroy(w);
}

/* Actors allocate, tag, check and free frames; a frame handed out twice shows as a bad tag. */
struct churn {
	struct sva_world *w;
	struct sva_phys *phys;
	atomic_uint bad;
	atomic_uint oom;
};

static int churn_actor(void *arg)
{
	struct churn *c = arg;
	uint64_t tag = sva_actor_id(sva_current(c->w)) + 1;

	for (int i = 0; i < 300; i++) {
		struct sva_page *p[3];

		for (int j = 0; j < 3; j++) {
			p[j] = sva_page_alloc(c->phys, SVA_PAGE_ANON);
			if (!p[j]) {
				atomic_fetch_add(&c->oom, 1);
				return -1;
			}
			if (*(uint64_t *)sva_page_address(p[j]) != 0)
				atomic_fetch_add(&c->bad, 1);
			*(uint64_t *)sva_page_address(p[j]) = tag;
		}
		sva_sched_point(c->w);
		for (int j = 0; j < 3; j++) {
			if (*(uint64_t *)sva_page_address(p[j]) != tag)
				atomic_fetch_add(&c->bad, 1);
			sva_page_put(p[j]);
		}
	}
	return 0;
}

static void churn_run(enum sva_backend backend, uint64_t seed)
{
	struct churn c = { .w = sva_test_world(backend, seed) };

	assert_int_equal(sva_phys_create(c.w, 16, &c.phys), 0); /* 4 actors x 3 frames fit */
	for (int i = 0; i < 4; i++)
		assert_int_equal(sva_actor_spawn(c.w, "churn", churn_actor, &c, 0, NULL), 0);
	assert_int_equal(sva_world_run(c.w), 0);
	assert_int_equal(atomic_load(&c.bad), 0);
	assert_int_equal(atomic_load(&c.oom), 0);
	assert_int_equal(sva_phys_free_frames(c.phys), 15);
	sva_phys_destroy(c.phys);
	sva_test_world_done(c.w);
}

static void test_page_alloc_concurrent(void **state)
{
	(void)state;
	churn_run(SVA_BACKEND_NATIVE, 0);
	for (uint64_t seed = 1; seed <= 4; seed++)
		churn_run(SVA_BACKEND_SIM, seed);
}

/* ---- walks -------------------------------------------------------------------------------- */

static void test_walk_allocates_missing_levels(void **state)
{
	struct env e;
	sva_pte_t *pte, *again;
	size_t free0;
	int err = 1;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 64, false);
	assert_non_null(e.pt.root);
	assert_int_equal(atomic_load(&e.pt.root->flags), SVA_PAGE_TABLE);
	free0 = sva_phys_free_frames(e.phys);
	assert_int_equal(free0, 62); /* the root took one */

	assert_null(sva_pgtable_walk(&e.pt, 0x400000, false, &err));
	assert_int_equal(err, -ENOENT);
	pte = sva_pgtable_walk(&e.pt, 0x400000, true, &err);
	assert_non_null(pte);
	assert_int_equal(err, 0);
	assert_int_equal(sva_pte_read(pte), 0);
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 3); /* PDPT, PD, PT */
	again = sva_pgtable_walk(&e.pt, 0x400000, false, &err);
	assert_ptr_equal(again, pte);
	assert_int_equal(err, 0);

	/* Same PT: nothing new; its neighbour entry is the next slot. */
	assert_ptr_equal(sva_pgtable_walk(&e.pt, 0x401000, true, NULL), pte + 1);
	assert_ptr_equal(sva_pgtable_walk(&e.pt, 0x400fff, true, NULL), pte);
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 3);
	/* Next 2 MiB: a PT. Next 1 GiB: a PD and a PT. Next 512 GiB: all three. */
	assert_non_null(sva_pgtable_walk(&e.pt, 0x400000 + PT_SPAN, true, NULL));
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 4);
	assert_non_null(sva_pgtable_walk(&e.pt, 0x400000 + PD_SPAN, true, NULL));
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 6);
	assert_non_null(sva_pgtable_walk(&e.pt, 0x400000 + PDPT_SPAN, true, NULL));
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 9);
	/* The last user page. */
	assert_non_null(sva_pgtable_walk(&e.pt, SVA_TASK_SIZE - PG, true, NULL));
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 12);
	for (size_t pfn = 1; pfn < sva_phys_total_frames(e.phys); pfn++) {
		struct sva_page *p = sva_pfn_to_page(e.phys, pfn);
		if (sva_page_count(p))
			assert_int_equal(atomic_load(&p->flags), SVA_PAGE_TABLE);
	}
	env_done(&e); /* destroy frees the 13 tables */
}

static void test_walk_intermediate_entries(void **state)
{
	struct env e;
	sva_pte_t *table;
	uint64_t v;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 16, false);
	assert_non_null(sva_pgtable_walk(&e.pt, 0, true, NULL));
	table = sva_page_address(e.pt.root);
	for (int level = 4; level > 1; level--) {
		v = sva_pte_read(&table[0]);
		assert_int_equal(v & ~SVA_PTE_PFN_MASK,
				 SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER);
		struct sva_page *p = sva_pfn_to_page(e.phys, sva_pte_pfn(v));
		assert_non_null(p);
		assert_int_equal(sva_page_count(p), 1);
		assert_true(atomic_load(&p->flags) & SVA_PAGE_TABLE);
		table = sva_page_address(p);
	}
	env_done(&e);
}

static void test_walk_rejects_high_addresses(void **state)
{
	static const uint64_t bad[] = { SVA_TASK_SIZE, SVA_TASK_SIZE + PG, 0x0000ffffffffffffull,
					0xffff800000000000ull, UINT64_MAX };
	struct env e;
	size_t free0;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 16, false);
	free0 = sva_phys_free_frames(e.phys);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = 0;

		assert_null(sva_pgtable_walk(&e.pt, bad[i], true, &err));
		assert_int_equal(err, -EFAULT);
		assert_null(sva_pgtable_walk(&e.pt, bad[i], false, &err));
		assert_int_equal(err, -EFAULT);
		assert_null(sva_pgtable_walk(&e.pt, bad[i], true, NULL));
		assert_int_equal(sva_pgtable_hw_walk(&e.pt, bad[i], true), 0);
	}
	assert_int_equal(sva_phys_free_frames(e.phys), free0);
	env_done(&e);
}

static void test_walk_enomem_leaves_nothing_behind(void **state)
{
	(void)state;

	/* After the root: 0, 1 and 2 free frames for the three tables a first walk needs. */
	for (size_t spare = 0; spare < 3; spare++) {
		struct env e;
		int err = 0;

		env_init(&e, SVA_BACKEND_NATIVE, 2 + spare, false);
		assert_int_equal(sva_phys_free_frames(e.phys), spare);
		assert_null(sva_pgtable_walk(&e.pt, 0x7f0000000000ull, true, &err));
		assert_int_equal(err, -ENOMEM);
		assert_int_equal(sva_phys_free_frames(e.phys), 0);
		assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x7f0000000000ull, false), 0);
		env_done(&e); /* the half-built levels come back at destroy */
	}
}

static void test_walk_enomem_then_zap_reclaims_partial_levels(void **state)
{
	struct sva_mmu_gather tlb;
	struct env e;
	int err = 0;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 4, false); /* root + 2: PDPT and PD fit, PT does not */
	assert_null(sva_pgtable_walk(&e.pt, 0x200000, true, &err));
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(sva_phys_free_frames(e.phys), 0);
	sva_tlb_gather_init(&tlb, e.phys, NULL, NULL);
	sva_pgtable_zap_range(&e.pt, 0x200000, 0x201000, &tlb, NULL, NULL);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(sva_phys_free_frames(e.phys), 2); /* the empty PD and PDPT */
	env_done(&e);
}

/* Two actors walk with alloc to the same fresh addresses: one table per level is installed. */
struct install_race {
	struct sva_world *w;
	struct env *e;
	atomic_uint arrived;
	sva_pte_t *got[2][64];
};

static int install_actor(void *arg)
{
	struct install_race *r = arg;
	unsigned me = atomic_fetch_add(&r->arrived, 1);

	for (unsigned i = 0; i < 64; i++) {
		/* a fresh PDPT, PD and PT each time */
		r->got[me][i] = sva_pgtable_walk(&r->e->pt, (i + 1) * PDPT_SPAN, true, NULL);
		sva_sched_point(r->w);
	}
	return 0;
}

static void install_race_run(enum sva_backend backend, uint64_t seed)
{
	struct install_race r = { 0 };
	struct env e;
	size_t free0;

	env_init_seeded(&e, backend, seed, 512, false);
	r.w = e.w;
	r.e = &e;
	free0 = sva_phys_free_frames(e.phys);
	for (int i = 0; i < 2; i++)
		assert_int_equal(sva_actor_spawn(e.w, "walker", install_actor, &r, 0, NULL), 0);
	assert_int_equal(sva_world_run(e.w), 0);
	for (int i = 0; i < 64; i++) {
		assert_non_null(r.got[0][i]);
		assert_ptr_equal(r.got[0][i], r.got[1][i]);
	}
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 64 * 3);
	env_done(&e);
}

static void test_walk_concurrent_install_one_table(void **state)
{
	(void)state;
	install_race_run(SVA_BACKEND_NATIVE, 0);
	for (uint64_t seed = 1; seed <= 8; seed++)
		install_race_run(SVA_BACKEND_SIM, seed);
}

/* ---- the hardware walk ------------------------------------------------------------------ */

static void test_hw_walk_sets_accessed_and_dirty(void **state)
{
	struct sva_page *rw, *ro;
	struct sva_mmu_gather tlb;
	struct env e;
	uint64_t v;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32, false);
	rw = map_page(&e, 0x10000, RW);
	ro = map_page(&e, 0x11000, RO);

	v = sva_pgtable_hw_walk(&e.pt, 0x10000, false); /* read: A only */
	assert_int_equal(v, sva_pte_make(rw->pfn, RW | SVA_PTE_ACCESSED));
	assert_int_equal(leaf_of(&e, 0x10000), v);
	v = sva_pgtable_hw_walk(&e.pt, 0x10abc, true); /* write to a writable page: A and D */
	assert_int_equal(v, sva_pte_make(rw->pfn, RW | SVA_PTE_ACCESSED | SVA_PTE_DIRTY));
	assert_int_equal(leaf_of(&e, 0x10000), v);

	v = sva_pgtable_hw_walk(&e.pt, 0x11000, true); /* write to a read-only page: no D */
	assert_int_equal(v, sva_pte_make(ro->pfn, RO | SVA_PTE_ACCESSED));
	assert_int_equal(leaf_of(&e, 0x11000), v);
	assert_false(v & SVA_PTE_WRITE);

	/* Unmapped: absent levels, or a zero leaf; nothing is allocated, nothing written. */
	size_t free0 = sva_phys_free_frames(e.phys);
	assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x12000, true), 0);
	assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x40000000, true), 0);
	assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x7f0000000000ull, false), 0);
	assert_int_equal(sva_phys_free_frames(e.phys), free0);
	assert_int_equal(leaf_of(&e, 0x12000), 0);

	/* A swap entry is returned raw and left untouched. */
	uint64_t swp = sva_pte_make(77, SVA_PTE_SWAP);
	sva_pte_write(sva_pgtable_walk(&e.pt, 0x12000, false, NULL), swp);
	assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x12000, true), swp);
	assert_int_equal(leaf_of(&e, 0x12000), swp);
	sva_pte_write(sva_pgtable_walk(&e.pt, 0x12000, false, NULL), 0);

	sva_tlb_gather_init(&tlb, e.phys, NULL, NULL);
	sva_pgtable_zap_range(&e.pt, 0, 0x20000, &tlb, NULL, NULL);
	sva_tlb_gather_done(&tlb);
	env_done(&e);
}

/* ---- zap and the gather ---------------------------------------------------------------- */

static void test_zap_frees_nothing_before_flush(void **state)
{
	struct flush_log log = { 0 };
	struct sva_page *pages[10];
	struct sva_mmu_gather tlb;
	size_t free_mapped;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 64, false);
	log.phys = e.phys;
	for (int i = 0; i < 10; i++)
		pages[i] = map_page(&e, 0x600000 + (uint64_t)i * PG, RW);
	sva_page_get(pages[4]); /* an extra holder, as a pinned DMA buffer */
	free_mapped = sva_phys_free_frames(e.phys);

	sva_tlb_gather_init(&tlb, e.phys, flush_record, &log);
	sva_pgtable_zap_range(&e.pt, 0x600000, 0x600000 + 10 * PG, &tlb, NULL, NULL);
	/* Unmapped, but every frame is still held by the gather: 10 data pages, PT, PD, PDPT. */
	assert_int_equal(log.calls, 0);
	assert_int_equal(tlb.npages, 13);
	assert_int_equal(sva_phys_free_frames(e.phys), free_mapped);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(sva_page_count(pages[i]), i == 4 ? 2 : 1);
		assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x600000 + (uint64_t)i * PG, false), 0);
	}
	assert_null(sva_pgtable_walk(&e.pt, 0x600000, false, NULL)); /* the levels are unlinked */
	assert_true(tlb.start <= 0x600000 && tlb.end >= 0x600000 + 10 * PG);

	sva_tlb_gather_done(&tlb);
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.pages, 13);
	assert_false(log.page_freed_early);
	assert_int_equal(log.free_at_flush, free_mapped); /* nothing freed before the flush */
	assert_int_equal(sva_phys_free_frames(e.phys), free_mapped + 12);
	assert_int_equal(sva_page_count(pages[4]), 1); /* only the mapping's reference went */
	sva_page_put(pages[4]);
	assert_int_equal(sva_phys_free_frames(e.phys), free_mapped + 13);

	sva_tlb_gather_done(&tlb); /* nothing pending: no flush */
	assert_int_equal(log.calls, 1);
	env_done(&e);
}

static void test_zap_batch_overflow_flushes(void **state)
{
	/* past two batches; 100 pages in PD 0's last PT, 1,100 in PD 1's first three PTs */
	enum { N = 1200, TABLES = 4 + 2 + 1 };
	_Static_assert(N > 2 * SVA_TLB_BATCH, "the zap must fill the batch twice");
	struct sva_page *pages[N];
	struct flush_log log = { .va_of = va_of_mapped, .map = pages, .nmap = N };
	struct sva_mmu_gather tlb;
	uint64_t base = PD_SPAN - 100 * PG;
	size_t free0, free_mapped;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, N + 64, false);
	log.phys = e.phys;
	log.base = base;
	free0 = sva_phys_free_frames(e.phys);
	for (int i = 0; i < N; i++)
		pages[i] = map_page(&e, base + (uint64_t)i * PG, RW);
	free_mapped = sva_phys_free_frames(e.phys);
	assert_int_equal(free0 - free_mapped, N + TABLES);

	sva_tlb_gather_init(&tlb, e.phys, flush_record, &log);
	sva_pgtable_zap_range(&e.pt, base, base + N * PG, &tlb, NULL, NULL);
	assert_int_equal(log.calls, (N + TABLES) / SVA_TLB_BATCH); /* each time a batch was full */
	assert_int_equal(log.pages, ((N + TABLES) / SVA_TLB_BATCH) * SVA_TLB_BATCH);
	assert_int_equal(sva_phys_free_frames(e.phys), free_mapped + log.pages);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(log.calls, ((N + TABLES) + SVA_TLB_BATCH - 1) / SVA_TLB_BATCH);
	assert_int_equal(log.pages, (N + TABLES));
	assert_false(log.page_freed_early);
	assert_false(log.page_outside_range);
	assert_true(log.start <= base && log.end >= base + N * PG);
	assert_true(log.start >= base && log.end <= base + N * PG); /* no wider than zapped */
	assert_int_equal(sva_phys_free_frames(e.phys), free0);	    /* the tables went too */
	env_done(&e);
}

static void test_zap_partial_keeps_tables(void **state)
{
	struct flush_log log = { 0 };
	struct sva_mmu_gather tlb;
	uint64_t a = 0x800000, b = a + PT_SPAN; /* two PTs under one PD */
	size_t free0;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 64, false);
	log.phys = e.phys;
	free0 = sva_phys_free_frames(e.phys);
	for (int i = 0; i < 4; i++)
		map_page(&e, a + (uint64_t)i * PG, RW);
	map_page(&e, b, RW);
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 5 - 4);

	/* Two of PT a's four pages: PT a stays. */
	sva_tlb_gather_init(&tlb, e.phys, flush_record, &log);
	sva_pgtable_zap_range(&e.pt, a + PG, a + 3 * PG, &tlb, NULL, NULL);
	assert_int_equal(tlb.npages, 2);
	assert_int_equal(tlb.start, a + PG);
	assert_int_equal(tlb.end, a + 3 * PG);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 3 - 4);
	assert_int_not_equal(sva_pgtable_hw_walk(&e.pt, a, false), 0);
	assert_int_equal(sva_pgtable_hw_walk(&e.pt, a + PG, false), 0);
	assert_int_not_equal(sva_pgtable_hw_walk(&e.pt, a + 3 * PG, false), 0);

	/* The rest of PT a: it goes, the PD stays for PT b. */
	sva_pgtable_zap_range(&e.pt, a, a + PT_SPAN, &tlb, NULL, NULL);
	assert_int_equal(tlb.npages, 3);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(sva_phys_free_frames(e.phys), free0 - 1 - 3);
	assert_null(sva_pgtable_walk(&e.pt, a, false, NULL));
	assert_int_not_equal(sva_pgtable_hw_walk(&e.pt, b, true), 0);

	/* A range with nothing mapped in it changes nothing. */
	sva_pgtable_zap_range(&e.pt, b + PG, b + 100 * PG, &tlb, NULL, NULL);
	assert_int_equal(tlb.npages, 0);
	assert_true(tlb.start >= tlb.end);

	/* PT b's last page: PT b, PD and PDPT go; the root never does. */
	sva_pgtable_zap_range(&e.pt, 0, SVA_TASK_SIZE, &tlb, NULL, NULL);
	assert_int_equal(tlb.npages, 4);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(sva_phys_free_frames(e.phys), free0);
	assert_int_equal(sva_page_count(e.pt.root), 1);
	env_done(&e);
}

struct swap_log {
	uint64_t slots[8];
	int n;
};

static void swap_record(void *ctx, uint64_t slot)
{
	struct swap_log *s = ctx;

	assert_true(s->n < 8);
	s->slots[s->n++] = slot;
}

static void test_zap_returns_swap_entries(void **state)
{
	struct swap_log swaps = { .n = 0 };
	struct sva_mmu_gather tlb;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32, false);
	map_page(&e, 0x1000, RW);
	for (uint64_t i = 0; i < 3; i++)
		sva_pte_write(sva_pgtable_walk(&e.pt, 0x2000 + i * PG, true, NULL),
			      sva_pte_make(100 + i, SVA_PTE_SWAP));
	sva_tlb_gather_init(&tlb, e.phys, NULL, NULL);
	sva_pgtable_zap_range(&e.pt, 0x1000, 0x4000, &tlb, swap_record, &swaps);
	assert_int_equal(swaps.n, 2);
	assert_int_equal(swaps.slots[0], 100);
	assert_int_equal(swaps.slots[1], 101);
	assert_int_equal(tlb.npages, 1); /* swap entries hold no frame */
	assert_int_equal(leaf_of(&e, 0x2000), 0);
	assert_int_equal(leaf_of(&e, 0x4000), sva_pte_make(102, SVA_PTE_SWAP));

	/* Without a callback the entry is still cleared. */
	sva_pgtable_zap_range(&e.pt, 0x4000, 0x5000, &tlb, NULL, NULL);
	assert_int_equal(swaps.n, 2);
	sva_tlb_gather_done(&tlb);
	assert_null(sva_pgtable_walk(&e.pt, 0x4000, false, NULL)); /* and the tables went */
	env_done(&e);
}

static void test_zap_unaligned_range_rounds_outwards(void **state)
{
	struct sva_mmu_gather tlb;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32, false);
	for (int i = 0; i < 4; i++)
		map_page(&e, 0x10000 + (uint64_t)i * PG, RW);
	sva_tlb_gather_init(&tlb, e.phys, NULL, NULL);
	sva_pgtable_zap_range(&e.pt, 0x11800, 0x12001, &tlb, NULL, NULL);
	assert_int_equal(tlb.npages, 2);
	assert_int_equal(tlb.start, 0x11000);
	assert_int_equal(tlb.end, 0x13000);
	assert_int_not_equal(leaf_of(&e, 0x10000), 0);
	assert_int_not_equal(leaf_of(&e, 0x13000), 0);
	sva_pgtable_zap_range(&e.pt, 0x13000, 0x13000, &tlb, NULL, NULL); /* empty */
	assert_int_equal(tlb.npages, 2);
	sva_pgtable_zap_range(&e.pt, 0, UINT64_MAX, &tlb, NULL, NULL); /* clipped to user space */
	sva_tlb_gather_done(&tlb);
	env_done(&e);
}

static void flush_without_finish(struct sva_mmu_gather *tlb, void *ctx)
{
	(void)tlb;
	(*(unsigned *)ctx)++;
}

static void test_gather_flush_must_finish(void **state)
{
	struct sva_mmu_gather tlb;
	unsigned calls = 0;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32, true);
	map_page(&e, 0x1000, RW);
	sva_tlb_gather_init(&tlb, e.phys, flush_without_finish, &calls);
	sva_pgtable_zap_range(&e.pt, 0, 0x2000, &tlb, NULL, NULL);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(calls, 1);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 1);
	assert_non_null(strstr(sva_report_first(e.w), "without sva_tlb_finish"));
	assert_int_equal(tlb.npages, 0); /* finished for the owner: no frame is lost */
	sva_pgtable_destroy(&e.pt);
	assert_int_equal(sva_phys_free_frames(e.phys), 31);
	/* no table, or one destroyed already: nothing to do, nothing reported */
	sva_pgtable_destroy(NULL);
	{
		struct sva_pgtable none = { .root = NULL };

		sva_pgtable_destroy(&none);
	}
	assert_int_equal(sva_phys_free_frames(e.phys), 31);
	sva_phys_destroy(e.phys);
	assert_int_equal(sva_report_total(e.w), 1);
	sva_world_destroy(e.w);
}

static void test_gather_range_only(void **state)
{
	struct flush_log log = { 0 };
	struct sva_mmu_gather tlb;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 8, false);
	log.phys = e.phys;
	sva_tlb_gather_init(&tlb, e.phys, flush_record, &log);
	sva_tlb_gather_range(&tlb, 0x5000, 0x5000); /* empty: ignored */
	sva_tlb_gather_done(&tlb);
	assert_int_equal(log.calls, 0);
	sva_tlb_gather_range(&tlb, 0x5000, 0x6000);
	sva_tlb_gather_range(&tlb, 0x2000, 0x3000);
	sva_tlb_gather_done(&tlb); /* a pending range alone is flushed */
	assert_int_equal(log.calls, 1);
	assert_int_equal(log.start, 0x2000);
	assert_int_equal(log.end, 0x6000);
	env_done(&e);
}

/* ---- protect ------------------------------------------------------------------------------ */

static void test_protect_clears_write_and_reports_range(void **state)
{
	struct sva_page *pages[8];
	struct sva_mmu_gather tlb;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32, true);
	for (int i = 0; i < 8; i++)
		pages[i] = map_page(&e, 0x20000 + (uint64_t)i * PG, RW);
	sva_pgtable_hw_walk(&e.pt, 0x23000, true); /* A and D survive protect */

	sva_tlb_gather_init(&tlb, e.phys, NULL, NULL);
	assert_int_equal(
		sva_pgtable_protect(&e.pt, 0x22000, 0x26000, SVA_PTE_COW, SVA_PTE_WRITE, &tlb), 4);
	assert_int_equal(tlb.start, 0x22000);
	assert_int_equal(tlb.end, 0x26000);
	assert_int_equal(tlb.npages, 0); /* nothing to free */
	for (int i = 0; i < 8; i++) {
		uint64_t v = leaf_of(&e, 0x20000 + (uint64_t)i * PG);
		bool in = i >= 2 && i < 6;

		assert_int_equal(sva_pte_pfn(v), pages[i]->pfn);
		assert_true(v & SVA_PTE_PRESENT);
		assert_int_equal(!!(v & SVA_PTE_WRITE), !in);
		assert_int_equal(!!(v & SVA_PTE_COW), in);
	}
	assert_int_equal(leaf_of(&e, 0x23000) & (SVA_PTE_ACCESSED | SVA_PTE_DIRTY),
			 SVA_PTE_ACCESSED | SVA_PTE_DIRTY);
	/* A write through a write-protected entry no longer dirties it. */
	assert_int_equal(sva_pgtable_hw_walk(&e.pt, 0x22000, true) & SVA_PTE_DIRTY, 0);
	sva_tlb_finish(&tlb);

	/* Nothing left to change: 0, and no range. Absent and swap entries are skipped. */
	sva_pte_write(sva_pgtable_walk(&e.pt, 0x28000, true, NULL), sva_pte_make(5, SVA_PTE_SWAP));
	assert_int_equal(
		sva_pgtable_protect(&e.pt, 0x22000, 0x26000, SVA_PTE_COW, SVA_PTE_WRITE, &tlb), 0);
	assert_int_equal(
		sva_pgtable_protect(&e.pt, 0x28000, 0x40000, SVA_PTE_COW, SVA_PTE_WRITE, &tlb), 0);
	assert_true(tlb.start >= tlb.end);
	assert_int_equal(leaf_of(&e, 0x28000), sva_pte_make(5, SVA_PTE_SWAP));
	sva_pte_write(sva_pgtable_walk(&e.pt, 0x28000, false, NULL), 0);

	/* Refused: it would unmap or remap. */
	assert_int_equal(sva_pgtable_protect(&e.pt, 0, 0x40000, 0, SVA_PTE_PRESENT, &tlb), 0);
	assert_int_equal(sva_pgtable_protect(&e.pt, 0, 0x40000, sva_pte_make(3, 0), 0, &tlb), 0);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 2);
	assert_true(leaf_of(&e, 0x20000) & SVA_PTE_PRESENT);

	sva_pgtable_zap_range(&e.pt, 0, 0x40000, &tlb, NULL, NULL);
	sva_tlb_gather_done(&tlb);
	sva_pgtable_destroy(&e.pt);
	assert_int_equal(sva_phys_free_frames(e.phys), 31);
	sva_phys_destroy(e.phys);
	assert_int_equal(sva_report_total(e.w), 2);
	sva_world_destroy(e.w);
}

/* ---- destroy ------------------------------------------------------------------------------ */

static void test_pgtable_destroy_reports_live_leaves(void **state)
{
	struct sva_page *kept;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 32, true);
	kept = map_page(&e, 0x1000, RW);
	map_page(&e, 0x40000000, RO);
	sva_pte_write(sva_pgtable_walk(&e.pt, 0x2000, true, NULL), sva_pte_make(9, SVA_PTE_SWAP));
	sva_page_get(kept);
	sva_pgtable_destroy(&e.pt);
	assert_null(e.pt.root);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 1);
	assert_non_null(strstr(sva_report_first(e.w), "2 present and 1 swap"));
	assert_int_equal(sva_page_count(kept), 1); /* the mapping's reference was dropped */
	sva_page_put(kept);
	assert_int_equal(sva_phys_free_frames(e.phys), 31);
	sva_pgtable_destroy(&e.pt); /* twice: nothing */
	sva_phys_destroy(e.phys);
	assert_int_equal(sva_report_total(e.w), 1);
	sva_world_destroy(e.w);
}

/*
 * A corrupt table is reported, never followed: an intermediate entry pointing outside the
 * arena, one that is not a table, a present leaf mapping no frame. Each walk fails -EFAULT.
 */
static void test_corrupt_entries_reported_not_followed(void **state)
{
	struct sva_mmu_gather tlb;
	struct env e;
	sva_pte_t *root, *leaf;
	uint64_t good;
	int err = 0;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 16, true);
	assert_non_null(sva_pgtable_walk(&e.pt, 0, true, NULL));
	root = sva_page_address(e.pt.root);
	good = sva_pte_read(&root[0]);
	/* a present entry whose frame is beyond the arena */
	sva_pte_write(&root[0], sva_pte_make(1u << 20, SVA_PTE_PRESENT | SVA_PTE_WRITE));
	assert_null(sva_pgtable_walk(&e.pt, 0, false, &err));
	assert_int_equal(err, -EFAULT);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 1);
	assert_non_null(strstr(sva_report_first(e.w), "points outside the arena"));
	assert_int_equal(sva_pgtable_query(&e.pt, 0x1000), 0); /* the query too */
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 2);
	/* not present, yet not empty: not a table */
	sva_pte_write(&root[0], sva_pte_make(3, 0) | SVA_PTE_SWAP);
	err = 0;
	assert_null(sva_pgtable_walk(&e.pt, 0, true, &err));
	assert_int_equal(err, -EFAULT);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 3);
	sva_pte_write(&root[0], good);
	/* a present leaf of frame 0 (never a frame of the arena): zapped with a report */
	leaf = sva_pgtable_walk(&e.pt, 0x3000, true, NULL);
	assert_non_null(leaf);
	sva_pte_write(leaf, SVA_PTE_PRESENT | SVA_PTE_USER);
	sva_tlb_gather_init(&tlb, e.phys, NULL, NULL);
	sva_pgtable_zap_range(&e.pt, 0x3000, 0x4000, &tlb, NULL, NULL);
	sva_tlb_gather_done(&tlb);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 4);
	assert_int_equal(sva_pte_read(leaf), 0);
	/* addresses beyond user space translate to nothing */
	assert_int_equal(sva_pgtable_query(&e.pt, SVA_TASK_SIZE), 0);
	assert_int_equal(sva_report_total(e.w), 4);
	sva_pgtable_destroy(&e.pt);
	sva_phys_destroy(e.phys);
	sva_world_destroy(e.w);
}

/* ---- a hardware walker against a mapper/zapper ------------------------------------------- */

/*
 * The zapper maps RACE_PAGES pages (each tagged with its address) across a PD boundary, waits
 * until the walker has done a full pass over them, and zaps them. Its flush is the IOTLB
 * invalidation: it waits out the walker's current pass (an odd @seq means "walking"), as an
 * invalidation completes only once no walk started before it is in flight. The walker checks
 * that every present leaf it reads maps a live anonymous frame holding the right tag. A frame
 * freed too early shows as a refcount of 0, a wrong flag or tag, or a TSan report.
 */
#define RACE_PAGES 600
#define RACE_BASE  (PD_SPAN - 300 * PG)

struct race {
	struct sva_world *w;
	struct env *e;
	unsigned rounds;
	atomic_ulong seq; /* odd while the walker is in a pass */
	atomic_bool stop;
	atomic_ulong passes, present, violations, setup_errors, flushes;
};

static void race_flush(struct sva_mmu_gather *tlb, void *ctx)
{
	struct race *r = ctx;
	/* An RMW reads the latest value: a pass that began after it sees the cleared entries. */
	unsigned long s = atomic_fetch_add(&r->seq, 0);

	if (s & 1)
		while (atomic_load(&r->seq) == s)
			sva_yield(r->w);
	atomic_fetch_add(&r->flushes, 1);
	sva_tlb_finish(tlb);
}

static void race_map(struct race *r)
{
	for (uint64_t i = 0; i < RACE_PAGES; i++) {
		uint64_t va = RACE_BASE + i * PG;
		struct sva_page *page = sva_page_alloc(r->e->phys, SVA_PAGE_ANON);
		sva_pte_t *pte = sva_pgtable_walk(&r->e->pt, va, true, NULL);

		if (!page || !pte) {
			atomic_fetch_add(&r->setup_errors, 1);
			if (page)
				sva_page_put(page);
			continue;
		}
		*(uint64_t *)sva_page_address(page) = va;
		sva_pte_write(pte, sva_pte_make(page->pfn, RW));
		sva_sched_point(r->w);
	}
}

static int race_zapper(void *arg)
{
	struct race *r = arg;
	struct sva_mmu_gather tlb;

	for (unsigned round = 0; round < r->rounds; round++) {
		race_map(r);
		/* Let a whole pass see the pages. */
		unsigned long s = atomic_load(&r->seq);
		while (atomic_load(&r->seq) < s + 2 + (s & 1))
			sva_yield(r->w);
		sva_tlb_gather_init(&tlb, r->e->phys, race_flush, r);
		sva_pgtable_zap_range(&r->e->pt, RACE_BASE, RACE_BASE + RACE_PAGES * PG, &tlb, NULL,
				      NULL);
		sva_tlb_gather_done(&tlb);
	}
	atomic_store(&r->stop, true);
	return 0;
}

static void race_check_leaf(struct race *r, uint64_t va, uint64_t v)
{
	struct sva_page *page = sva_pfn_to_page(r->e->phys, sva_pte_pfn(v));

	atomic_fetch_add_explicit(&r->present, 1, memory_order_relaxed);
	if (!page || sva_page_count(page) < 1 || atomic_load(&page->flags) != SVA_PAGE_ANON ||
	    *(uint64_t *)sva_page_address(page) != va)
		atomic_fetch_add(&r->violations, 1);
}

static int race_walker(void *arg)
{
	struct race *r = arg;

	for (unsigned long pass = 0; !atomic_load(&r->stop); pass++) {
		atomic_fetch_add(&r->seq, 1); /* odd: walking */
		for (uint64_t i = 0; i < RACE_PAGES; i++) {
			uint64_t va = RACE_BASE + i * PG;
			uint64_t v = sva_pgtable_hw_walk(&r->e->pt, va, (i + pass) & 1);

			/* the device uses the translation a moment after the walk */
			sva_sched_point(r->w);
			if (v & SVA_PTE_PRESENT)
				race_check_leaf(r, va, v);
			else if (v) /* no swap entries here: a stale table's junk */
				atomic_fetch_add(&r->violations, 1);
		}
		atomic_fetch_add(&r->seq, 1); /* even: done */
		atomic_fetch_add(&r->passes, 1);
	}
	return 0;
}

static void race_run(enum sva_backend backend, uint64_t seed, unsigned rounds)
{
	struct race r = { .rounds = rounds };
	struct env e;

	env_init_seeded(&e, backend, seed, RACE_PAGES + 64, false);
	r.w = e.w;
	r.e = &e;
	assert_int_equal(sva_actor_spawn(e.w, "walker", race_walker, &r, 0, NULL), 0);
	assert_int_equal(sva_actor_spawn(e.w, "zapper", race_zapper, &r, 0, NULL), 0);
	assert_int_equal(sva_world_run(e.w), 0);
	assert_int_equal(atomic_load(&r.setup_errors), 0);
	assert_int_equal(atomic_load(&r.violations), 0);
	assert_true(atomic_load(&r.passes) >= rounds);
	assert_true(atomic_load(&r.present) >= rounds * RACE_PAGES);
	/* 600 pages and 5 tables a round: ceil(605 / SVA_TLB_BATCH) flushes */
	assert_int_equal(atomic_load(&r.flushes),
			 rounds * ((RACE_PAGES + 5 + SVA_TLB_BATCH - 1) / SVA_TLB_BATCH));
	env_done(&e);
}

static void test_hw_walk_races_zap_native(void **state)
{
	(void)state;
	race_run(SVA_BACKEND_NATIVE, 0, 200);
}

static void test_hw_walk_races_zap_sim(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++)
		race_run(SVA_BACKEND_SIM, seed, 4);
}

static void test_walks_of_destroyed_tables_find_nothing(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_pgtable pt;
	struct sva_phys *phys;
	int err = 0;
	(void)state;

	assert_int_equal(sva_phys_create(w, 16, &phys), 0);
	assert_int_equal(sva_pgtable_init(&pt, phys), 0);
	sva_pgtable_destroy(&pt);
	assert_int_equal(sva_pgtable_hw_walk(&pt, 0x1000, true), 0);
	assert_null(sva_pgtable_walk(&pt, 0x1000, true, &err));
	assert_int_equal(err, -ENOENT);
	sva_phys_destroy(phys);
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walks_of_destroyed_tables_find_nothing),
		cmocka_unit_test(test_phys_create_rejects_bad_args),
		cmocka_unit_test(test_phys_create_fails_cleanly_on_enomem),
		cmocka_unit_test(test_phys_fresh_arena),
		cmocka_unit_test(test_page_alloc_zeroes_frame),
		cmocka_unit_test(test_page_refcounts),
		cmocka_unit_test(test_page_exhaustion_and_recovery),
		cmocka_unit_test(test_page_misuse_reported_and_harmless),
		cmocka_unit_test(test_phys_destroy_reports_leaked_frames),
		cmocka_unit_test(test_page_alloc_concurrent),
		cmocka_unit_test(test_walk_allocates_missing_levels),
		cmocka_unit_test(test_walk_intermediate_entries),
		cmocka_unit_test(test_corrupt_entries_reported_not_followed),
		cmocka_unit_test(test_walk_rejects_high_addresses),
		cmocka_unit_test(test_walk_enomem_leaves_nothing_behind),
		cmocka_unit_test(test_walk_enomem_then_zap_reclaims_partial_levels),
		cmocka_unit_test(test_walk_concurrent_install_one_table),
		cmocka_unit_test(test_hw_walk_sets_accessed_and_dirty),
		cmocka_unit_test(test_zap_frees_nothing_before_flush),
		cmocka_unit_test(test_zap_batch_overflow_flushes),
		cmocka_unit_test(test_zap_partial_keeps_tables),
		cmocka_unit_test(test_zap_returns_swap_entries),
		cmocka_unit_test(test_zap_unaligned_range_rounds_outwards),
		cmocka_unit_test(test_gather_flush_must_finish),
		cmocka_unit_test(test_gather_range_only),
		cmocka_unit_test(test_protect_clears_write_and_reports_range),
		cmocka_unit_test(test_pgtable_destroy_reports_live_leaves),
		cmocka_unit_test(test_hw_walk_races_zap_native),
		cmocka_unit_test(test_hw_walk_races_zap_sim),
	};

	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}

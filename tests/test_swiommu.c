/* SPDX-License-Identifier: MIT */
/*
 * The software IOMMU driver: its pieces on their own (the IOTLB on a struct key, eviction at
 * 1 x 1 and 1 x 2, invalidation by range and by PASID, stale fills refused; the PASID table;
 * the ATC; the walk sections an invalidation waits for), then end to end behind the IOMMU core:
 * translation after bind with demand paging, permission faults, mprotect / munmap invalidating
 * IOTLB and ATC, exit_mmap turning the entry blocking-silent, unbind making it invalid, two devices
 * sharing a domain, the DMA helpers, paging and blocked domains, allocation failures, and DMA
 * racing munmap and exit under the sim explorer and on native threads.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/swiommu/internal.h"
#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE SVA_PAGE_SIZE

/* ---- the IOTLB ---- */

static struct sva_iotlb *iotlb_new(struct sva_world *w, unsigned sets, unsigned ways,
				   enum sva_iotlb_policy policy)
{
	struct sva_iotlb_config cfg = { .sets = sets, .ways = ways, .policy = policy };
	struct sva_iotlb *t = NULL;

	assert_int_equal(sva_iotlb_create(w, &cfg, &t), 0);
	return t;
}

static bool iotlb_has(struct sva_iotlb *t, uint32_t did, uint32_t pasid, uint64_t vpn,
		      uint64_t *pfn)
{
	struct sva_iotlb_key k = { .did = did, .pasid = pasid, .vpn = vpn };
	struct sva_iotlb_result r;

	if (!sva_iotlb_lookup(t, &k, &r))
		return false;
	if (pfn)
		*pfn = r.pfn;
	return true;
}

static bool iotlb_put(struct sva_iotlb *t, uint32_t did, uint32_t pasid, uint64_t vpn, uint64_t pfn)
{
	struct sva_iotlb_key k = { .did = did, .pasid = pasid, .vpn = vpn };

	return sva_iotlb_insert(t, &k, pfn, SVA_IOTLB_R | SVA_IOTLB_U, sva_iotlb_gen(t));
}

static struct sva_iotlb_counts iotlb_count(struct sva_iotlb *t)
{
	struct sva_iotlb_counts c;

	sva_iotlb_counts(t, &c);
	return c;
}

static void test_iotlb_struct_key_never_aliases(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	struct sva_iotlb *t = iotlb_new(w, 64, 4, SVA_IOTLB_ROUND_ROBIN);
	uint64_t pfn;
	(void)state;

	/* keys a packed (pasid << 36 | vpn) or (did << 20 | pasid) integer would merge */
	assert_true(iotlb_put(t, 1, 1, 0, 100));
	assert_true(iotlb_put(t, 1, 0, 1ull << 16, 101));
	assert_true(iotlb_put(t, 1, 2, 0x42, 102));
	assert_true(iotlb_put(t, 2, 1, 0x42, 103));
	assert_true(iotlb_put(t, 1, 1, 0x42, 104));
	assert_true(iotlb_has(t, 1, 1, 0, &pfn));
	assert_int_equal(pfn, 100);
	assert_true(iotlb_has(t, 1, 0, 1ull << 16, &pfn));
	assert_int_equal(pfn, 101);
	assert_true(iotlb_has(t, 1, 2, 0x42, &pfn));
	assert_int_equal(pfn, 102);
	assert_true(iotlb_has(t, 2, 1, 0x42, &pfn));
	assert_int_equal(pfn, 103);
	assert_true(iotlb_has(t, 1, 1, 0x42, &pfn));
	assert_int_equal(pfn, 104);
	assert_false(iotlb_has(t, 2, 2, 0x42, NULL));
	assert_false(iotlb_has(t, 1, 1, 0x43, NULL));

	/* the same vpn in one set, two ways: two PASIDs, two domains, still apart */
	sva_iotlb_destroy(t);
	t = iotlb_new(w, 1, 2, SVA_IOTLB_ROUND_ROBIN);
	assert_true(iotlb_put(t, 7, 1, 5, 1));
	assert_true(iotlb_put(t, 7, 2, 5, 2));
	assert_true(iotlb_has(t, 7, 1, 5, &pfn));
	assert_int_equal(pfn, 1);
	assert_true(iotlb_has(t, 7, 2, 5, &pfn));
	assert_int_equal(pfn, 2);
	assert_false(iotlb_has(t, 8, 1, 5, NULL));
	/* the same key again updates in place */
	assert_true(iotlb_put(t, 7, 1, 5, 9));
	assert_true(iotlb_has(t, 7, 1, 5, &pfn));
	assert_int_equal(pfn, 9);
	assert_int_equal(iotlb_count(t).evictions, 0);
	assert_int_equal(iotlb_count(t).valid, 2);
	sva_iotlb_destroy(t);
	sva_test_world_done(w);
}

static int mem_read_stub(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	(void)ctx;
	(void)gpa;
	memset(buf, 0, len);
	return 0;
}

static int mem_write_stub(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	(void)ctx;
	(void)gpa;
	(void)buf;
	(void)len;
	return 0;
}

/*
 * An IOTLB's geometry: refused without one, with no set or way, or above the limits; a number
 * of sets that is not a power of two still finds every entry it holds.
 */
static void test_iotlb_geometry(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	const struct sva_iotlb_config bad[] = {
		{ .sets = 0, .ways = 4 },
		{ .sets = 4, .ways = 0 },
		{ .sets = SVA_IOTLB_MAX_SETS + 1, .ways = 1 },
		{ .sets = 4, .ways = SVA_IOTLB_MAX_WAYS + 1 },
	};
	struct sva_iotlb *t = NULL;
	uint64_t pfn;
	(void)state;

	assert_int_equal(sva_iotlb_create(w, NULL, &t), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sva_iotlb_create(w, &bad[i], &t), -EINVAL);
	assert_null(t);
	t = iotlb_new(w, 3, 1, SVA_IOTLB_ROUND_ROBIN); /* three sets: by modulo */
	{
		uint64_t in_set[3] = { UINT64_MAX, UINT64_MAX, UINT64_MAX }, again = UINT64_MAX;

		/* the first page of each set, and a second of set 0 */
		for (uint64_t vpn = 0; vpn < 64; vpn++) {
			struct sva_iotlb_key k = { .did = 1, .pasid = 1, .vpn = vpn };
			unsigned set = sva_iotlb_set_of(t, &k);

			assert_true(set < 3);
			if (in_set[set] == UINT64_MAX)
				in_set[set] = vpn;
			else if (set == 0 && again == UINT64_MAX)
				again = vpn;
		}
		for (int i = 0; i < 3; i++)
			assert_true(iotlb_put(t, 1, 1, in_set[i], 100 + in_set[i]));
		for (int i = 0; i < 3; i++) {
			assert_true(iotlb_has(t, 1, 1, in_set[i], &pfn));
			assert_int_equal(pfn, 100 + in_set[i]);
		}
		assert_int_equal(iotlb_count(t).evictions, 0); /* one a set */
		assert_true(iotlb_put(t, 1, 1, again, 7));     /* set 0's only way */
		assert_int_equal(iotlb_count(t).evictions, 1);
		assert_false(iotlb_has(t, 1, 1, in_set[0], NULL));
		assert_true(iotlb_has(t, 1, 1, in_set[1], NULL));
		/* no permission is not cached; a range of no page drops nothing; one that runs
		   past the last page number stops there */
		{
			struct sva_iotlb_key k = { .did = 1, .pasid = 1, .vpn = 99 };

			assert_false(sva_iotlb_insert(t, &k, 5, 0, sva_iotlb_gen(t)));
			assert_false(iotlb_has(t, 1, 1, 99, NULL));
		}
		sva_iotlb_invalidate_range(t, 1, 1, in_set[1], 0);
		assert_true(iotlb_has(t, 1, 1, in_set[1], NULL));
		sva_iotlb_invalidate_range(t, 1, 1, in_set[1], UINT64_MAX);
		assert_false(iotlb_has(t, 1, 1, in_set[1], NULL));
		assert_true(iotlb_has(t, 1, 1, in_set[2], NULL) == (in_set[2] < in_set[1]));
	}
	sva_iotlb_destroy(t);
	sva_test_world_done(w);
}

static void test_iotlb_eviction_tiny_sizes(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	struct sva_iotlb *t = iotlb_new(w, 1, 1, SVA_IOTLB_ROUND_ROBIN);
	struct sva_iotlb_config bad = { .sets = 0, .ways = 1 };
	(void)state;

	assert_int_equal(sva_iotlb_create(w, &bad, &(struct sva_iotlb *){ NULL }), -EINVAL);
	/* 1 x 1: every new key evicts */
	assert_true(iotlb_put(t, 1, 1, 1, 11));
	assert_true(iotlb_put(t, 1, 1, 2, 12));
	assert_int_equal(iotlb_count(t).evictions, 1);
	assert_false(iotlb_has(t, 1, 1, 1, NULL));
	assert_true(iotlb_has(t, 1, 1, 2, NULL));
	assert_true(iotlb_put(t, 1, 2, 2, 13));
	assert_int_equal(iotlb_count(t).evictions, 2);
	assert_int_equal(iotlb_count(t).valid, 1);
	sva_iotlb_destroy(t);

	/* 1 x 2 round-robin: the third key evicts the first filled */
	t = iotlb_new(w, 1, 2, SVA_IOTLB_ROUND_ROBIN);
	assert_true(iotlb_put(t, 1, 1, 1, 1));
	assert_true(iotlb_put(t, 1, 1, 2, 2));
	assert_int_equal(iotlb_count(t).evictions, 0);
	assert_true(iotlb_has(t, 1, 1, 1, NULL)); /* a use does not matter to round-robin */
	assert_true(iotlb_put(t, 1, 1, 3, 3));
	assert_int_equal(iotlb_count(t).evictions, 1);
	assert_false(iotlb_has(t, 1, 1, 1, NULL));
	assert_true(iotlb_has(t, 1, 1, 2, NULL));
	assert_true(iotlb_has(t, 1, 1, 3, NULL));
	sva_iotlb_destroy(t);

	/* 1 x 2 LRU: the least recently used goes */
	t = iotlb_new(w, 1, 2, SVA_IOTLB_LRU);
	assert_true(iotlb_put(t, 1, 1, 1, 1));
	assert_true(iotlb_put(t, 1, 1, 2, 2));
	assert_true(iotlb_has(t, 1, 1, 1, NULL));
	assert_true(iotlb_put(t, 1, 1, 3, 3));
	assert_int_equal(iotlb_count(t).evictions, 1);
	assert_true(iotlb_has(t, 1, 1, 1, NULL));
	assert_false(iotlb_has(t, 1, 1, 2, NULL));
	assert_true(iotlb_has(t, 1, 1, 3, NULL));
	sva_iotlb_destroy(t);
	sva_test_world_done(w);
}

static void test_iotlb_invalidation(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	struct sva_iotlb *t = iotlb_new(w, 8, 4, SVA_IOTLB_ROUND_ROBIN);
	struct sva_iotlb_key k = { .did = 1, .pasid = 1, .vpn = 100 };
	uint64_t gen;
	(void)state;

	for (uint64_t v = 0; v < 8; v++) {
		assert_true(iotlb_put(t, 1, 1, v, v + 1));
		assert_true(iotlb_put(t, 1, 2, v, v + 1));
	}
	assert_int_equal(iotlb_count(t).valid, 16);
	/* a range of (did, pasid): only those pages, only that PASID */
	sva_iotlb_invalidate_range(t, 1, 1, 2, 3);
	for (uint64_t v = 0; v < 8; v++) {
		assert_int_equal(iotlb_has(t, 1, 1, v, NULL), v < 2 || v > 4);
		assert_true(iotlb_has(t, 1, 2, v, NULL));
	}
	/* another domain id with the same PASID: untouched by, and not touching, (1, 2) */
	sva_iotlb_invalidate_pasid(t, 2, 2);
	assert_true(iotlb_has(t, 1, 2, 0, NULL));
	/* a range bigger than the IOTLB scans every set */
	sva_iotlb_invalidate_range(t, 1, 2, 0, 1000);
	for (uint64_t v = 0; v < 8; v++)
		assert_false(iotlb_has(t, 1, 2, v, NULL));
	sva_iotlb_invalidate_pasid(t, 1, 1);
	assert_int_equal(iotlb_count(t).valid, 0);
	assert_int_equal(iotlb_count(t).invalidations, 4);

	/* a fill whose walk overlapped an invalidation is refused */
	gen = sva_iotlb_gen(t);
	sva_iotlb_invalidate_range(t, 9, 9, 0, 1);
	assert_false(sva_iotlb_insert(t, &k, 5, SVA_IOTLB_R, gen));
	assert_false(iotlb_has(t, 1, 1, 100, NULL));
	assert_true(sva_iotlb_insert(t, &k, 5, SVA_IOTLB_R, sva_iotlb_gen(t)));
	sva_iotlb_invalidate_all(t);
	assert_false(iotlb_has(t, 1, 1, 100, NULL));
	sva_iotlb_destroy(t);
	sva_test_world_done(w);
}

/* ---- the PASID table and the ATC ---- */

/* ---- walk sections (inflight.h), native ---- */

/* A walker in @sections nested walk sections until told to leave; a synchroniser. */
struct walk_sync {
	struct sva_inflight f;
	unsigned sections;
	atomic_int entered; /* the walker is in its sections */
	atomic_int leave;   /* the walker may leave one section (counts up) */
	atomic_int synced;  /* sva_inflight_sync() returned */
};

static void spin_until(atomic_int *v, int at_least)
{
	while (atomic_load(v) < at_least)
		sched_yield();
}

static int walk_sync_walker(void *arg)
{
	struct walk_sync *ws = arg;
	unsigned h[4];

	for (unsigned i = 0; i < ws->sections; i++)
		h[i] = sva_inflight_walk_begin(&ws->f);
	atomic_store(&ws->entered, 1);
	for (unsigned i = ws->sections; i-- > 0;) {
		spin_until(&ws->leave, (int)(ws->sections - i));
		sva_inflight_walk_end(&ws->f, h[i]);
	}
	return 0;
}

static int walk_sync_syncer(void *arg)
{
	struct walk_sync *ws = arg;

	sva_inflight_sync(&ws->f);
	atomic_store(&ws->synced, 1);
	return 0;
}

/*
 * An invalidation waits for the walks that began before it, nested ones too: the synchroniser
 * started while the walker is in its sections never returns before the walker left the
 * outermost one (it has had many chances to by the time it is checked). The walker is let go
 * either way, so that a failure ends the test rather than hanging it.
 */
static void test_walk_sections_are_waited_for(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct walk_sync *ws = calloc(1, sizeof(*ws));
	(void)state;

	assert_non_null(ws);
	sva_inflight_init(&ws->f, w, NULL);
	for (unsigned sections = 1; sections <= 2; sections++) {
		struct sva_actor *walker, *syncer;
		bool early = false;

		ws->sections = sections;
		atomic_store(&ws->entered, 0);
		atomic_store(&ws->leave, 0);
		atomic_store(&ws->synced, 0);
		assert_int_equal(sva_actor_spawn(w, "walker", walk_sync_walker, ws, 0, &walker), 0);
		spin_until(&ws->entered, 1);
		assert_int_equal(sva_actor_spawn(w, "syncer", walk_sync_syncer, ws, 0, &syncer), 0);
		while (!atomic_load(&ws->f.waiting) && !atomic_load(&ws->synced))
			sched_yield(); /* it is waiting (or, wrongly, done) */
		for (unsigned i = 0; i < sections; i++) {
			for (int k = 0; k < 1000; k++)
				sched_yield();
			early |= atomic_load(&ws->synced) != 0;
			atomic_store(&ws->leave, (int)i + 1); /* the innermost first */
		}
		assert_int_equal(sva_actor_join(syncer, NULL), 0);
		assert_int_equal(sva_actor_join(walker, NULL), 0);
		assert_false(early);
		assert_int_equal(atomic_load(&ws->synced), 1);
	}
	sva_inflight_destroy(&ws->f);
	free(ws);
	sva_test_world_done(w);
}

/* A native walk's section is the lock of its fill's IOTLB set (translate.c): hold set @set. */
struct set_walk {
	struct sva_inflight f;
	struct sva_iotlb *t;
	unsigned set;
	atomic_int entered, leave, synced;
};

static int set_walk_walker(void *arg)
{
	struct set_walk *sw = arg;

	sva_spin_lock(&sw->t->lock[sw->set]);
	atomic_store(&sw->entered, 1);
	spin_until(&sw->leave, 1);
	sva_spin_unlock(&sw->t->lock[sw->set]);
	return 0;
}

static int set_walk_syncer(void *arg)
{
	struct set_walk *sw = arg;

	sva_inflight_sync(&sw->f);
	atomic_store(&sw->synced, 1);
	return 0;
}

/*
 * An invalidation waits for a walk under a set's lock as for one in the counters' section: the
 * synchroniser started while the walker holds set 5 of 8 does not return before it let go
 * (many chances to), and returns after; with no set held it returns at once.
 */
static void test_set_locked_walks_are_waited_for(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct set_walk *sw = calloc(1, sizeof(*sw));
	struct sva_actor *walker, *syncer;
	(void)state;

	assert_non_null(sw);
	sw->t = iotlb_new(w, 8, 2, SVA_IOTLB_ROUND_ROBIN);
	sw->set = 5;
	sva_inflight_init(&sw->f, w, sw->t);
	sva_inflight_sync(&sw->f); /* nothing held: returns */
	assert_int_equal(sva_actor_spawn(w, "walker", set_walk_walker, sw, 0, &walker), 0);
	spin_until(&sw->entered, 1);
	assert_int_equal(sva_actor_spawn(w, "syncer", set_walk_syncer, sw, 0, &syncer), 0);
	for (int k = 0; k < 2000; k++)
		sched_yield();
	assert_int_equal(atomic_load(&sw->synced), 0);
	atomic_store(&sw->leave, 1);
	assert_int_equal(sva_actor_join(syncer, NULL), 0);
	assert_int_equal(sva_actor_join(walker, NULL), 0);
	assert_int_equal(atomic_load(&sw->synced), 1);
	sva_inflight_destroy(&sw->f);
	sva_iotlb_destroy(sw->t);
	free(sw);
	sva_test_world_done(w);
}

static void test_pasid_table_states(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	struct sva_domain d = { .type = SVA_DOMAIN_PAGING, .id = 77 };
	struct sva_pasid_table t, none;
	struct sva_pasid_entry *e;
	uint64_t word;
	(void)state;

	assert_int_equal(sva_pasid_table_init(&t, w, 1u << 12), 0);
	assert_null(sva_pasid_table_entry(&t, 5)); /* no leaf yet */
	assert_int_equal(sva_pasid_word_state(sva_pasid_entry_word(NULL)), SVA_PASID_ENTRY_INVALID);
	assert_null(sva_pasid_table_get(&t, 1u << 12)); /* out of range */
	e = sva_pasid_table_get(&t, 1000);
	assert_non_null(e);
	assert_ptr_equal(sva_pasid_table_entry(&t, 1000), e);
	assert_non_null(sva_pasid_table_entry(&t, 1001)); /* the same leaf */
	assert_null(sva_pasid_table_entry(&t, 5));	  /* another leaf */
	assert_int_equal(sva_unguarded(t.leaves), 1);

	sva_pasid_entry_set(&t, e, SVA_PASID_ENTRY_TRANSLATING, &d);
	word = sva_pasid_entry_word(e);
	assert_int_equal(sva_pasid_word_state(word), SVA_PASID_ENTRY_TRANSLATING);
	assert_int_equal(sva_pasid_word_did(word), 77);
	assert_ptr_equal(atomic_load(&e->domain), &d);
	assert_int_equal(sva_pasid_table_in_use(&t), 1);
	sva_pasid_entry_set(&t, e, SVA_PASID_ENTRY_BLOCKING_SILENT, &d);
	assert_int_equal(sva_pasid_word_state(sva_pasid_entry_word(e)),
			 SVA_PASID_ENTRY_BLOCKING_SILENT);
	sva_pasid_entry_set(&t, e, SVA_PASID_ENTRY_BLOCKING_REPORTING, NULL);
	assert_int_equal(sva_pasid_word_did(sva_pasid_entry_word(e)), 0);
	sva_pasid_entry_set(&t, e, SVA_PASID_ENTRY_INVALID, NULL);
	assert_int_equal(sva_pasid_table_in_use(&t), 0);
	sva_pasid_table_destroy(&t);

	/* a device without PASID support has no table at all */
	assert_int_equal(sva_pasid_table_init(&none, w, 0), 0);
	assert_null(sva_pasid_table_get(&none, 0));
	sva_pasid_table_destroy(&none);
	sva_test_world_done(w);
}

static void test_atc_fill_evict_invalidate(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	struct sva_ats_completion c = { .pfn = 10, .r = true, .w = true, .page_size = PAGE }, out;
	struct sva_atc atc;
	(void)state;

	assert_int_equal(sva_atc_init(&atc, w, 0), -EINVAL);
	assert_int_equal(sva_atc_init(&atc, w, 2), 0);
	assert_true(sva_atc_fill(&atc, 1, 100, &c, sva_atc_gen(&atc)));
	c.pfn = 11;
	assert_true(sva_atc_fill(&atc, 2, 100, &c, sva_atc_gen(&atc)));
	assert_true(sva_atc_find(&atc, 1, 100, &out));
	assert_int_equal(out.pfn, 10);
	assert_true(sva_atc_find(&atc, 2, 100, &out));
	assert_int_equal(out.pfn, 11);
	/* full: round-robin evicts the first */
	c.pfn = 12;
	assert_true(sva_atc_fill(&atc, 1, 101, &c, sva_atc_gen(&atc)));
	assert_false(sva_atc_find(&atc, 1, 100, &out));
	assert_true(sva_atc_find(&atc, 1, 101, &out));
	/* invalidation by range, then by PASID */
	sva_atc_invalidate(&atc, 1, 90, 10); /* [90, 100): not 101 */
	assert_true(sva_atc_find(&atc, 1, 101, &out));
	sva_atc_invalidate(&atc, 1, 101, 1);
	assert_false(sva_atc_find(&atc, 1, 101, &out));
	assert_true(sva_atc_find(&atc, 2, 100, &out));
	sva_atc_invalidate(&atc, 2, 0, SVA_ATC_ALL);
	assert_false(sva_atc_find(&atc, 2, 100, &out));
	/* a stale fill is refused */
	{
		uint64_t gen = sva_atc_gen(&atc);

		sva_atc_invalidate(&atc, 3, 0, 1);
		assert_false(sva_atc_fill(&atc, 1, 1, &c, gen));
	}
	assert_int_equal(atc.hits, 5);
	assert_int_equal(atc.valid, 0);
	sva_atc_destroy(&atc);
	sva_test_world_done(w);
}

/* ---- end to end: an environment ---- */

struct env {
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev[4];
	unsigned ndev;
};

static void env_init_cfg(struct env *e, enum sva_backend b, const struct sva_swiommu_config *cfg,
			 size_t frames)
{
	struct sva_mm_sys_config mc = { .frames = frames };

	memset(e, 0, sizeof(*e));
	e->w = sva_test_world(b, 1);
	assert_int_equal(sva_mm_sys_create(e->w, &mc, &e->mm_sys), 0);
	assert_int_equal(sva_iommu_sys_create(e->mm_sys, &e->isys), 0);
	assert_int_equal(sva_swiommu_create(e->isys, cfg, &e->sw), 0);
}

static void env_init(struct env *e, enum sva_backend b)
{
	struct sva_swiommu_config cfg = { .name = "swiommu0" };

	env_init_cfg(e, b, &cfg, 512);
}

static struct sva_device *env_dev(struct env *e, const char *name, unsigned pasid_bits, bool ats)
{
	struct sva_device_config dc = {
		.name = name, .pasid_bits = pasid_bits, .ats = ats, .pri = ats
	};
	struct sva_device *dev = NULL;

	assert_int_equal(sva_device_add(sva_swiommu_iommu(e->sw), &dc, &dev), 0);
	e->dev[e->ndev++] = dev;
	return dev;
}

static void env_done(struct env *e)
{
	struct sva_phys *phys = sva_mm_sys_phys(e->mm_sys);

	sva_mm_sys_synchronize(e->mm_sys); /* notifier frees: domains, mm counts, PASIDs */
	while (e->ndev)
		sva_device_remove(e->dev[--e->ndev]);
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	assert_int_equal(sva_phys_free_frames(phys), sva_phys_total_frames(phys) - 1);
	sva_mm_sys_destroy(e->mm_sys);
	sva_test_world_done(e->w);
}

static uint64_t env_mmap(struct sva_mm *mm, uint64_t len, unsigned prot, unsigned flags)
{
	uint64_t a = 0;

	assert_int_equal(sva_mm_mmap(mm, 0, len, prot, flags, NULL, 0, &a), 0);
	return a;
}

static uint64_t cpu_pfn(struct sva_mm *mm, uint64_t va)
{
	sva_pte_t *e = sva_pgtable_walk(sva_mm_pgtable(mm), va, false, NULL);

	return e ? sva_pte_pfn(sva_pte_read(e)) : 0;
}

static struct sva_swiommu_stats env_stats(struct env *e)
{
	struct sva_swiommu_stats s;

	sva_swiommu_get_stats(e->sw, &s);
	return s;
}

#define RW (SVA_PROT_READ | SVA_PROT_WRITE)

/* ---- end to end ---- */

static void test_translate_after_bind_demand_paging(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_translation t;
	struct sva_fault_record rec;
	uint64_t a;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	dev = env_dev(&e, "acc0", 20, true);
	assert_ptr_equal(sva_swiommu_of(dev), e.sw);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 4 * PAGE, RW, 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_TRANSLATING);

	/* demand paging: not present yet, the fault is logged */
	assert_int_equal(sva_translate(dev, pasid, a + 8, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), 1);
	assert_int_equal(sva_swiommu_fault_get(e.sw, 0, &rec), 0);
	assert_string_equal(rec.device, "acc0");
	assert_int_equal(rec.pasid, pasid);
	assert_int_equal(rec.addr, a + 8);
	assert_int_equal(rec.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(sva_swiommu_fault_get(e.sw, 1, &rec), -ENOENT);
	assert_int_equal(env_stats(&e).faults_reported[SVA_FAULT_NOT_PRESENT], 1);
	assert_string_equal(sva_fault_reason_name(SVA_FAULT_NOT_PRESENT), "page not present");
	assert_string_equal(sva_fault_reason_name(SVA_FAULT_NR), "?"); /* no reason */

	/* the fault resolved (as PRI would), the translation works and is cached */
	assert_int_equal(sva_mm_fault(mm, a, SVA_FAULT_FLAG_USER | SVA_FAULT_FLAG_REMOTE), 0);
	assert_int_equal(sva_translate(dev, pasid, a + 8, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(t.pfn, cpu_pfn(mm, a));
	assert_false(t.iotlb_hit);
	assert_true(t.perm & SVA_ACCESS_READ);
	assert_true(t.perm & SVA_ACCESS_WRITE);
	assert_false(t.perm & SVA_ACCESS_EXEC);
	assert_int_equal(sva_translate(dev, pasid, a + 16, SVA_ACCESS_READ, &t), 0);
	assert_true(t.iotlb_hit);
	/* a write to a clean page walks again to set dirty, then hits */
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_WRITE, &t), 0);
	assert_true(sva_pte_read(sva_pgtable_walk(sva_mm_pgtable(mm), a, false, NULL)) &
		    SVA_PTE_DIRTY);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_WRITE, &t), 0);
	assert_true(t.iotlb_hit);
	/* exec from a no-exec VMA; a privileged request needs no user bit */
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_EXEC, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_EXEC);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ | SVA_ACCESS_PRIV, &t), 0);
	assert_int_equal(env_stats(&e).iotlb_hits, 3);
	assert_int_equal(env_stats(&e).faults_reported[SVA_FAULT_EXEC], 1);

	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

static void test_pasid_checks(void **state)
{
	struct env e;
	struct sva_device *nopasid, *narrow;
	struct sva_translation t;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE);
	nopasid = env_dev(&e, "legacy", 0, false);
	narrow = env_dev(&e, "narrow", 4, false);
	assert_int_equal(sva_translate(nopasid, 1, 0x1000, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NO_PASID_SUPPORT);
	assert_int_equal(sva_translate(narrow, 16, 0x1000, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_RANGE);
	assert_int_equal(sva_translate(narrow, 3, 0x1000, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_INVALID);
	/* the PASID is checked before the address: an invalid entry says so beyond the task size */
	assert_int_equal(sva_translate(narrow, 3, SVA_TASK_SIZE, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_INVALID);
	assert_false(t.iotlb_hit);
	assert_int_equal(sva_swiommu_pasid_state(narrow, 3), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_swiommu_pasid_state(narrow, 300), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), 4);
	/* ATS needs the capability */
	assert_int_equal(sva_ats_translate(narrow, 3, 0, &(struct sva_ats_completion){ 0 }),
			 -EOPNOTSUPP);
	assert_false(sva_atc_lookup(narrow, 3, 0, &(struct sva_ats_completion){ 0 })); /* none */
	env_done(&e);
}

static void test_readonly_and_protections(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_translation t;
	uint64_t ro, none;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	dev = env_dev(&e, "acc0", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	ro = env_mmap(mm, PAGE, SVA_PROT_READ, SVA_MAP_POPULATE);
	none = env_mmap(mm, PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_mm_mprotect(mm, none, PAGE, SVA_PROT_NONE), 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	assert_int_equal(sva_translate(dev, pasid, ro, SVA_ACCESS_READ, &t), 0);
	assert_false(t.perm & SVA_ACCESS_WRITE);
	assert_int_equal(sva_translate(dev, pasid, ro, SVA_ACCESS_WRITE, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_WRITE);
	assert_int_equal(sva_translate(dev, pasid, none, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_USER);
	assert_int_equal(sva_translate(dev, pasid, SVA_TASK_SIZE, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(env_stats(&e).faults_reported[SVA_FAULT_WRITE], 1);
	assert_int_equal(env_stats(&e).faults_reported[SVA_FAULT_USER], 1);
	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

static void test_mprotect_munmap_invalidate_iotlb_and_atc(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_translation t;
	struct sva_ats_completion c;
	struct sva_swiommu_stats s0;
	uint64_t a;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	dev = env_dev(&e, "acc0", 20, true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 4 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* cache a writable translation in the IOTLB and in the ATC */
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_WRITE, &t), 0);
	assert_int_equal(sva_ats_translate(dev, pasid, a + PAGE, &c), 0);
	assert_true(c.r && c.w && !c.x);
	assert_int_equal(c.pfn, cpu_pfn(mm, a + PAGE));
	assert_int_equal(c.page_size, PAGE);
	assert_true(sva_atc_lookup(dev, pasid, a + PAGE, &c));
	assert_true(c.w);
	s0 = env_stats(&e);

	/* mprotect: neither the IOTLB nor the ATC may keep granting write */
	assert_int_equal(sva_mm_mprotect(mm, a, 2 * PAGE, SVA_PROT_READ), 0);
	assert_true(env_stats(&e).iotlb_invalidations > s0.iotlb_invalidations);
	assert_true(env_stats(&e).atc_invalidations > s0.atc_invalidations);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_WRITE, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_WRITE);
	assert_false(sva_atc_lookup(dev, pasid, a + PAGE, &c));
	assert_int_equal(sva_ats_translate(dev, pasid, a + PAGE, &c), 0);
	assert_true(c.r && !c.w);
	assert_true(sva_atc_lookup(dev, pasid, a + PAGE, &c));
	assert_false(c.w);

	/* munmap: the translation is gone everywhere, the stale frame never returned */
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), 0);
	assert_true(t.iotlb_hit);
	assert_int_equal(sva_mm_munmap(mm, a, 2 * PAGE), 0);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	assert_false(t.iotlb_hit);
	assert_false(sva_atc_lookup(dev, pasid, a + PAGE, &c));
	/* ATS on an unmapped page: a completion with no permission, not logged, not cached */
	{
		uint64_t logged = sva_swiommu_faults_logged(e.sw);

		assert_int_equal(sva_ats_translate(dev, pasid, a + PAGE, &c), 0);
		assert_false(c.r || c.w || c.x);
		assert_int_equal(sva_swiommu_faults_logged(e.sw), logged);
		assert_false(sva_atc_lookup(dev, pasid, a + PAGE, &c));
	}
	/* the rest of the range is untouched */
	assert_int_equal(sva_translate(dev, pasid, a + 2 * PAGE, SVA_ACCESS_WRITE, &t), 0);
	assert_int_equal(env_stats(&e).ats_requests, 3);
	assert_int_equal(env_stats(&e).atc_hits, 2);

	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

static void seed003_three_phases_bind_exit_unbind(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_translation t;
	struct sva_ats_completion c;
	struct sva_dma_status st;
	char buf[16];
	uint64_t a, logged;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	dev = env_dev(&e, "acc0", 20, true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 2 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(sva_ats_translate(dev, pasid, a, &c), 0);
	assert_true(c.r);

	/* the last user goes while bound: exit_mmap, release */
	sva_mmput(mm);
	assert_true(sva_mm_is_dead(mm));
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_BLOCKING_SILENT);
	assert_int_equal(sva_mm_get_pasid(mm), pasid); /* the PASID stays with the mm */
	logged = sva_swiommu_faults_logged(e.sw);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_BLOCKED);
	assert_int_equal(sva_dma_read(dev, pasid, a, buf, sizeof(buf), &st), -EFAULT);
	assert_int_equal(st.done, 0);
	assert_int_equal(st.reason, SVA_FAULT_PASID_BLOCKED);
	assert_int_equal(st.fault_addr, a);
	assert_false(sva_atc_lookup(dev, pasid, a, &c));
	assert_int_equal(sva_ats_translate(dev, pasid, a, &c), 0);
	assert_false(c.r || c.w || c.x);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), logged);
	assert_int_equal(env_stats(&e).faults_silenced, 3);
	assert_int_equal(env_stats(&e).faults_reported[SVA_FAULT_PASID_BLOCKED], 0);

	/* unbind: invalid, and DMA on it is reported */
	sva_unbind_device(bond);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_dma_read(dev, pasid, a, buf, sizeof(buf), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_PASID_INVALID);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), logged + 1);

	/* the PASID returns only when the mm is dropped (the notifier's deferred put) */
	{
		struct sva_mm *next;
		struct sva_bond *nb;

		assert_true(sva_pasid_is_allocated(sva_iommu_sys_pasids(e.isys), pasid));
		assert_int_equal(sva_mm_create(e.mm_sys, "next", &next), 0);
		assert_int_equal(sva_bind_device(dev, next, &nb), 0);
		assert_int_not_equal(sva_bond_pasid(nb), pasid); /* not reused early */
		sva_unbind_device(nb);
		sva_mmput(next);
		sva_mm_sys_synchronize(e.mm_sys);
		assert_false(sva_pasid_is_allocated(sva_iommu_sys_pasids(e.isys), pasid));
		assert_int_equal(sva_mm_create(e.mm_sys, "after", &next), 0);
		assert_int_equal(sva_bind_device(dev, next, &nb), 0);
		assert_int_equal(sva_bond_pasid(nb), pasid); /* lowest free again: now reusable */
		sva_unbind_device(nb);
		sva_mmput(next);
	}
	env_done(&e);
}

static void test_unbind_invalidates(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond, *again;
	struct sva_translation t;
	uint64_t a;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE);
	dev = env_dev(&e, "acc0", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	assert_int_equal(sva_bind_device(dev, mm, &again), 0);
	assert_ptr_equal(bond, again);
	pasid = sva_bond_pasid(bond);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), 0);
	assert_true(env_stats(&e).iotlb_entries >= 1);
	assert_int_equal(sva_translate(dev, pasid, SVA_TASK_SIZE, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT); /* beyond the table: never a walk */
	sva_unbind_device(again); /* not the last user: still translating */
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), 0);
	sva_unbind_device(bond);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(env_stats(&e).iotlb_entries, 0);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_INVALID);
	/* bound again: the same PASID, translating again */
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	assert_int_equal(sva_bond_pasid(bond), pasid);
	assert_int_equal(sva_translate(dev, pasid, a, SVA_ACCESS_READ, &t), 0);
	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

static void test_two_devices_share_domain_iotlb_and_atc(void **state)
{
	struct env e;
	struct sva_device *d0, *d1;
	struct sva_mm *mm;
	struct sva_bond *b0, *b1;
	struct sva_translation t;
	struct sva_ats_completion c;
	uint64_t a;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	d0 = env_dev(&e, "acc0", 20, true);
	d1 = env_dev(&e, "acc1", 20, true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 2 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(d0, mm, &b0), 0);
	assert_int_equal(sva_bind_device(d1, mm, &b1), 0);
	assert_int_equal(sva_mm_sva_domains(e.isys, mm), 1); /* one domain, two devices */
	pasid = sva_bond_pasid(b0);
	assert_int_equal(sva_bond_pasid(b1), pasid);

	/* one IOTLB entry serves both: (domain id, PASID, page) */
	assert_int_equal(sva_translate(d0, pasid, a, SVA_ACCESS_READ, &t), 0);
	assert_false(t.iotlb_hit);
	assert_int_equal(sva_translate(d1, pasid, a, SVA_ACCESS_READ, &t), 0);
	assert_true(t.iotlb_hit);
	assert_int_equal(sva_ats_translate(d0, pasid, a, &c), 0);
	assert_int_equal(sva_ats_translate(d1, pasid, a, &c), 0);
	assert_true(sva_atc_lookup(d0, pasid, a, &c));
	assert_true(sva_atc_lookup(d1, pasid, a, &c));

	/* the invalidation reaches both ATCs */
	assert_int_equal(sva_mm_munmap(mm, a, PAGE), 0);
	assert_false(sva_atc_lookup(d0, pasid, a, &c));
	assert_false(sva_atc_lookup(d1, pasid, a, &c));
	assert_int_equal(sva_translate(d1, pasid, a, SVA_ACCESS_READ, &t), -EFAULT);

	/* one device unbinds: the other keeps translating through the domain */
	sva_unbind_device(b0);
	assert_int_equal(sva_swiommu_pasid_state(d0, pasid), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_translate(d1, pasid, a + PAGE, SVA_ACCESS_READ, &t), 0);
	sva_unbind_device(b1);
	sva_mmput(mm);
	env_done(&e);
}

static void count_dma_access(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	(void)w;
	if (ev->kind == SVA_EV_DMA_ACCESS)
		(*(int *)ctx)++;
}

static bool trace_mentions(struct sva_world *w, const char *what)
{
	char *text = sva_test_trace_string(w, sva_trace_write_text);
	bool found = strstr(text, what) != NULL;

	free(text);
	return found;
}

static void dma_helpers_stop_at_first_fault(enum sva_backend backend)
{
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_dma_status st;
	unsigned char pattern[3 * PAGE], buf[3 * PAGE];
	uint64_t a;
	uint32_t pasid;
	int accesses = 0;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 7 + 3);
	env_init(&e, backend);
	dev = env_dev(&e, "acc0", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 3 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_mm_access(mm, a, pattern, sizeof(pattern), true), 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* whole: across page boundaries */
	assert_int_equal(sva_dma_read(dev, pasid, a + 100, buf, 2 * PAGE + 5, &st), 0);
	assert_int_equal(st.done, 2 * PAGE + 5);
	assert_int_equal(st.reason, SVA_FAULT_NONE);
	assert_memory_equal(buf, pattern + 100, 2 * PAGE + 5);
	/* one dma.access per page, and only for a subscriber (a checker): none so far */
	assert_false(trace_mentions(e.w, "dma.access"));
	assert_int_equal(sva_world_subscribe(e.w, count_dma_access, &accesses), 0);
	assert_int_equal(sva_dma_read(dev, pasid, a + 100, buf, 2 * PAGE + 5, &st), 0);
	assert_int_equal(accesses, 3);
	assert_true(trace_mentions(e.w, "dma.access"));
	sva_world_unsubscribe(e.w, count_dma_access, &accesses);

	/* the third page unmapped: stop there */
	assert_int_equal(sva_mm_munmap(mm, a + 2 * PAGE, PAGE), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sva_dma_read(dev, pasid, a + 100, buf, 2 * PAGE + 5, &st), -EFAULT);
	assert_int_equal(st.done, 2 * PAGE - 100);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(st.fault_addr, a + 2 * PAGE);
	assert_memory_equal(buf, pattern + 100, 2 * PAGE - 100);

	/* a write into a read-only second page: the first page is written, then WRITE */
	assert_int_equal(sva_mm_mprotect(mm, a + PAGE, PAGE, SVA_PROT_READ), 0);
	memset(buf, 0xab, sizeof(buf));
	assert_int_equal(sva_dma_write(dev, pasid, a + PAGE - 10, buf, 20, &st), -EFAULT);
	assert_int_equal(st.done, 10);
	assert_int_equal(st.reason, SVA_FAULT_WRITE);
	assert_int_equal(st.fault_addr, a + PAGE);
	assert_int_equal(sva_mm_access(mm, a + PAGE - 10, buf, 20, false), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(buf[i], 0xab);
	assert_memory_equal(buf + 10, pattern + PAGE, 10);
	/* a write that fits */
	memset(buf, 0x5a, 64);
	assert_int_equal(sva_dma_write(dev, pasid, a, buf, 64, NULL), 0);
	assert_int_equal(sva_mm_access(mm, a, buf + 64, 64, false), 0);
	assert_memory_equal(buf, buf + 64, 64);
	assert_int_equal(sva_dma_read(dev, pasid, UINT64_MAX - 3, buf, 8, &st), -EINVAL);
	/* beyond the task size, and beyond the device's PASIDs: faults at the first byte */
	assert_int_equal(sva_dma_read(dev, pasid, SVA_TASK_SIZE, buf, 8, &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(st.fault_addr, SVA_TASK_SIZE);
	assert_int_equal(sva_dma_read(dev, 1u << 20, a, buf, 8, &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_PASID_RANGE);
	assert_int_equal(st.done, 0);
	/* a translation as an entry: the page, W only for a write */
	{
		struct sva_tlb_entry te;
		enum sva_fault_reason why;

		assert_int_equal(sva_translate_entry(dev, pasid, a + 8, SVA_ACCESS_READ, &te, &why),
				 0);
		assert_int_equal(why, SVA_FAULT_NONE);
		assert_int_equal(te.iova, a);
		assert_int_equal(te.translated_addr, cpu_pfn(mm, a) << SVA_PAGE_SHIFT);
		assert_int_equal(te.perm, SVA_ACCESS_READ);
		assert_false(te.embedder);
		assert_int_equal(sva_translate_entry(dev, pasid, a, SVA_ACCESS_WRITE, &te, NULL),
				 0);
		assert_int_equal(te.perm, SVA_ACCESS_READ | SVA_ACCESS_WRITE);
	}
	assert_int_equal(sva_dma_read(dev, pasid, a, buf, 0, &st), 0);

	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

/* Both backends: native holds one section over the pages that translate (sva_dma_copy_gen). */
static void test_dma_helpers_stop_at_first_fault(void **state)
{
	(void)state;
	dma_helpers_stop_at_first_fault(SVA_BACKEND_SIM);
	dma_helpers_stop_at_first_fault(SVA_BACKEND_NATIVE);
}

/*
 * A DMA run (native): a page at hand is its frame, read and written in place; a page that is
 * not (read-only for a write, not present) is NULL with nothing logged or counted, so the slow
 * path that follows counts and logs it once; dma.access only through sva_dma_run_access, for a
 * subscriber. Sim has no runs.
 */
static void test_dma_run_frames_and_fallbacks(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_swiommu_stats s0, s1;
	struct sva_dma_status st;
	struct sva_dma_run run;
	struct sva_mm *mm;
	struct sva_bond *bond;
	unsigned char pattern[2 * PAGE], buf[64];
	uint64_t a, pfn = 0, logged;
	uint32_t pasid;
	int accesses = 0;
	char *p;
	(void)state;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (unsigned char)(i * 5 + 1);
	env_init(&e, SVA_BACKEND_SIM);
	dev = env_dev(&e, "acc0", 20, false);
	assert_false(sva_dma_run_begin(&run, dev, 1, 0));
	assert_null(sva_dma_run_page(&run, 0x1000, false, &pfn));
	sva_dma_run_end(&run);
	env_done(&e);

	env_init(&e, SVA_BACKEND_NATIVE);
	dev = env_dev(&e, "acc0", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 3 * PAGE, RW, 0); /* the third page never touched */
	assert_int_equal(sva_mm_access(mm, a, pattern, sizeof(pattern), true), 0);
	assert_int_equal(sva_mm_mprotect(mm, a + PAGE, PAGE, SVA_PROT_READ), 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	s0 = env_stats(&e);
	logged = sva_swiommu_faults_logged(e.sw);

	assert_true(sva_dma_run_begin(&run, dev, pasid, sva_swiommu_pasid_gen(dev, pasid)));
	p = sva_dma_run_page(&run, a + 100, true, &pfn);
	assert_non_null(p);
	assert_int_equal(pfn, cpu_pfn(mm, a));
	assert_memory_equal(p, pattern + 100, 64);
	memset(p, 0xcd, 8); /* a device write, in place */
	assert_null(sva_dma_run_page(&run, a + PAGE + 8, true, &pfn)); /* read-only */
	assert_non_null(sva_dma_run_page(&run, a + PAGE + 8, false, &pfn));
	assert_null(sva_dma_run_page(&run, a + 2 * PAGE, false, &pfn)); /* not present */
	assert_int_equal(sva_world_subscribe(e.w, count_dma_access, &accesses), 0);
	sva_dma_run_access(&run, a + 100, cpu_pfn(mm, a), true);
	sva_world_unsubscribe(e.w, count_dma_access, &accesses);
	sva_dma_run_access(&run, a + 100, cpu_pfn(mm, a), true);
	sva_dma_run_end(&run);
	assert_null(sva_dma_run_page(&run, a + 100, false, &pfn)); /* ended */
	assert_int_equal(accesses, 1);

	s1 = env_stats(&e);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), logged);
	/* one walk counted: the refused write's walk filled the entry the read then hit */
	assert_int_equal(s1.iotlb_misses - s0.iotlb_misses, 1);
	assert_int_equal(s1.walks - s0.walks, 1);
	assert_int_equal(s1.iotlb_hits - s0.iotlb_hits, 1);
	assert_int_equal(sva_mm_access(mm, a + 100, buf, 16, false), 0);
	for (int i = 0; i < 8; i++)
		assert_int_equal(buf[i], 0xcd);
	assert_memory_equal(buf + 8, pattern + 108, 8);
	/* the slow path then faults there once, logged once */
	assert_int_equal(sva_dma_read(dev, pasid, a + 2 * PAGE, buf, 8, &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), logged + 1);
	sva_unbind_device(bond);

	/* an ATS device goes through its ATC: a miss is NULL (the request is the helpers'), no
	   request sent by the run; once the ATC holds the page, its frame */
	dev = env_dev(&e, "ats0", 20, true);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	s0 = env_stats(&e);
	assert_true(sva_dma_run_begin(&run, dev, pasid, sva_swiommu_pasid_gen(dev, pasid)));
	assert_null(sva_dma_run_page(&run, a + 100, false, &pfn));
	sva_dma_run_end(&run);
	s1 = env_stats(&e);
	assert_int_equal(s1.ats_requests, s0.ats_requests);
	assert_int_equal(sva_dma_read(dev, pasid, a + 100, buf, 8, &st), 0); /* asks, fills */
	assert_int_equal(env_stats(&e).ats_requests, s0.ats_requests + 1);
	assert_true(sva_dma_run_begin(&run, dev, pasid, sva_swiommu_pasid_gen(dev, pasid)));
	p = sva_dma_run_page(&run, a + 100, false, &pfn);
	assert_non_null(p);
	assert_int_equal(pfn, cpu_pfn(mm, a));
	assert_int_equal((unsigned char)p[0], 0xcd);
	sva_dma_run_end(&run);
	assert_int_equal(env_stats(&e).ats_requests, s0.ats_requests + 1);

	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

/*
 * A DMA run's memo (native): a page the IOTLB answered for in a run is found there by the next
 * runs (counted as an IOTLB hit, no walk), until anything is invalidated: an mprotect to
 * read-only refuses the write the memo had seen; after an munmap the page is not at hand, as
 * without the memo.
 */
static void test_dma_run_memo_until_invalidated(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_swiommu_stats s0, s1;
	struct sva_dma_memo memo;
	struct sva_dma_run run;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t a, pfn = 0, pfn2 = 0;
	uint32_t pasid;
	char *p, *p2;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE);
	dev = env_dev(&e, "acc0", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 2 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	sva_dma_memo_reset(&memo);

	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
	p = sva_dma_run_page(&run, a + 8, true, &pfn);
	assert_non_null(p);
	assert_int_equal(pfn, cpu_pfn(mm, a));
	sva_dma_run_end(&run);
	s0 = env_stats(&e);
	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
	p2 = sva_dma_run_page(&run, a + 16, true, &pfn2);
	assert_ptr_equal(p2, p + 8);
	assert_int_equal(pfn2, pfn);
	assert_non_null(sva_dma_run_page(&run, a + PAGE, false, &pfn2));
	sva_dma_run_end(&run);
	s1 = env_stats(&e);
	assert_int_equal(s1.iotlb_hits - s0.iotlb_hits, 1); /* the IOTLB's, now memoised */
	assert_int_equal(s1.walks - s0.walks, 1);	    /* the second page's */
	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
	assert_ptr_equal(sva_dma_run_page(&run, a + 24, true, &pfn2), p + 16);
	sva_dma_run_end(&run);
	assert_int_equal(env_stats(&e).iotlb_hits - s1.iotlb_hits, 1); /* the memo's */

	/* read-only now: the write the memo holds is refused, the read still at hand */
	assert_int_equal(sva_mm_mprotect(mm, a, PAGE, SVA_PROT_READ), 0);
	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
	assert_null(sva_dma_run_page(&run, a + 8, true, &pfn2));
	assert_non_null(sva_dma_run_page(&run, a + 8, false, &pfn2));
	assert_int_equal(pfn2, pfn);
	sva_dma_run_end(&run);
	/* unmapped: not at hand, whatever the memo saw */
	assert_int_equal(sva_mm_munmap(mm, a, PAGE), 0);
	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
	assert_null(sva_dma_run_page(&run, a + 8, false, &pfn2));
	sva_dma_run_end(&run);

	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

/* A run's page at @va, asserting what the run's refusal leaves: nothing logged or counted. */
static void run_refuses(struct env *e, struct sva_device *dev, uint32_t pasid, uint64_t va,
			bool write, struct sva_dma_memo *memo)
{
	struct sva_swiommu_stats s0 = env_stats(e), s1;
	uint64_t logged = sva_swiommu_faults_logged(e->sw), pfn = 7;
	struct sva_dma_run run;

	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, memo));
	assert_ptr_equal(run.memo, memo);
	assert_null(sva_dma_run_page(&run, va, write, &pfn));
	sva_dma_run_end(&run);
	s1 = env_stats(e);
	assert_int_equal(sva_swiommu_faults_logged(e->sw), logged);
	assert_int_equal(s1.faults_silenced, s0.faults_silenced);
	assert_int_equal(s1.walks, s0.walks);
	assert_int_equal(s1.iotlb_misses, s0.iotlb_misses);
	assert_int_equal(s1.iotlb_hits, s0.iotlb_hits);
}

/*
 * What a DMA run (native) cannot reach directly, with and without a memo, is NULL with nothing
 * logged or counted - the slow path that follows reports it once: a PASID beyond the device's,
 * an invalid PASID entry, an address beyond the task size, a PASID entry blocked after its mm's
 * exit. And two pages sharing a memo slot (vpn and vpn + 32) each get their own frame.
 */
static void test_dma_run_refusals_and_memo_slots(void **state)
{
	struct env e;
	struct sva_device *dev, *narrow;
	struct sva_dma_status st;
	struct sva_dma_memo memo;
	struct sva_dma_run run;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t a, far, pfn = 0, logged;
	uint32_t pasid;
	char buf[8];
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE);
	dev = env_dev(&e, "acc0", 20, false);
	narrow = env_dev(&e, "narrow", 4, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 33 * PAGE, RW, SVA_MAP_POPULATE);
	far = a + 32 * PAGE; /* (vpn * 2 + write) % 64: the slot of a's page */
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	sva_dma_memo_reset(&memo);

	for (int m = 0; m < 2; m++) {
		struct sva_dma_memo *mp = m ? &memo : NULL;

		for (int wr = 0; wr < 2; wr++) {
			run_refuses(&e, narrow, 16, 0x1000, wr,
				    mp);			    /* beyond the device's PASIDs */
			run_refuses(&e, narrow, 3, 0x1000, wr, mp); /* an invalid entry */
			run_refuses(&e, dev, pasid + 1, a, wr, mp); /* in range, never bound */
			run_refuses(&e, dev, pasid, SVA_TASK_SIZE, wr, mp);
		}
	}
	/* the slow path reports each once: the range, the invalid entry */
	logged = sva_swiommu_faults_logged(e.sw);
	assert_int_equal(sva_dma_read(narrow, 16, 0x1000, buf, sizeof(buf), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_PASID_RANGE);
	assert_int_equal(sva_dma_read(narrow, 3, 0x1000, buf, sizeof(buf), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_PASID_INVALID);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), logged + 2);

	/* a's page memoised (walked, then hit), then far's in the same slot, then a's again */
	for (int i = 0; i < 2; i++) {
		assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
		assert_ptr_equal(sva_dma_run_page(&run, a, false, &pfn),
				 (void *)sva_page_address(sva_pfn_to_page(sva_mm_sys_phys(e.mm_sys),
									  cpu_pfn(mm, a))));
		assert_int_equal(pfn, cpu_pfn(mm, a));
		sva_dma_run_end(&run);
	}
	for (int i = 0; i < 2; i++) {
		assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
		assert_non_null(sva_dma_run_page(&run, far + 8, false, &pfn));
		assert_int_equal(pfn, cpu_pfn(mm, far));
		sva_dma_run_end(&run);
	}
	assert_int_not_equal(cpu_pfn(mm, a), cpu_pfn(mm, far));
	assert_true(sva_dma_run_begin_memo(&run, dev, pasid, 0, &memo));
	assert_non_null(sva_dma_run_page(&run, a + 8, false, &pfn));
	assert_int_equal(pfn, cpu_pfn(mm, a)); /* not far's frame from the slot */
	assert_non_null(sva_dma_run_page(&run, far, false, &pfn));
	assert_int_equal(pfn, cpu_pfn(mm, far));
	sva_dma_run_end(&run);

	/* the mm exits while bound: blocked silently, and a run reaches nothing */
	sva_mmgrab(mm);
	sva_mmput(mm);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_BLOCKING_SILENT);
	run_refuses(&e, dev, pasid, a, false, &memo);
	run_refuses(&e, dev, pasid, a, true, NULL);
	sva_unbind_device(bond);
	sva_mmdrop(mm);
	env_done(&e);
}

static void test_paging_and_blocked_domains(void **state)
{
	struct env e;
	struct sva_device *dev;
	struct sva_domain *dom;
	struct sva_translation t;
	struct sva_page *page;
	uint64_t iova = 0x40000000;
	uint32_t pasid;
	char buf[8];
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	dev = env_dev(&e, "nic0", 20, true);
	page = sva_page_alloc(sva_mm_sys_phys(e.mm_sys), 0);
	assert_non_null(page);
	memcpy(sva_page_address(page), "paging!", 8);
	pasid = sva_iommu_alloc_global_pasid(dev);
	assert_int_not_equal(pasid, SVA_PASID_INVALID);
	assert_int_equal(sva_iommu_paging_domain_alloc(dev, &dom), 0);
	assert_int_equal(dom->ops->map(dom, iova, page->pfn, SVA_PROT_READ), 0);
	assert_int_equal(dom->ops->map(dom, iova, page->pfn, SVA_PROT_READ), -EEXIST);
	assert_int_equal(dom->ops->map(dom, iova + 1, page->pfn, SVA_PROT_READ), -EINVAL);
	assert_int_equal(dom->ops->map(dom, iova + PAGE, 0, SVA_PROT_READ), -EINVAL);
	assert_int_equal(dom->ops->map(dom, SVA_TASK_SIZE, page->pfn, SVA_PROT_READ), -EINVAL);
	assert_int_equal(dom->ops->map(dom, iova + PAGE, page->pfn, SVA_PROT_EXEC), -EINVAL);
	assert_int_equal(dom->ops->map(dom, iova + PAGE, page->pfn, SVA_PROT_NONE), -EINVAL);
	/* executable: a device's execute request is granted there, and only there */
	assert_int_equal(dom->ops->map(dom, iova + PAGE, page->pfn, SVA_PROT_READ | SVA_PROT_EXEC),
			 0);
	assert_int_equal(sva_iommu_attach_device_pasid(dom, dev, pasid, NULL), 0);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_TRANSLATING);
	assert_int_equal(sva_dma_read(dev, pasid, iova, buf, 8, NULL), 0);
	assert_string_equal(buf, "paging!");
	assert_int_equal(sva_translate(dev, pasid, iova, SVA_ACCESS_WRITE, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_WRITE);
	assert_int_equal(sva_translate(dev, pasid, iova, SVA_ACCESS_EXEC, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_EXEC);
	assert_int_equal(sva_translate(dev, pasid, iova + PAGE, SVA_ACCESS_EXEC, &t), 0);
	assert_int_equal(t.perm, SVA_ACCESS_READ | SVA_ACCESS_EXEC);
	assert_int_equal(t.pfn, page->pfn);
	assert_int_equal(dom->ops->unmap(dom, iova + PAGE), 0);
	/* unmap invalidates the cached translation */
	assert_int_equal(sva_translate(dev, pasid, iova, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(sva_translate(dev, pasid, iova, SVA_ACCESS_READ, &t), 0);
	assert_true(t.iotlb_hit);
	assert_int_equal(dom->ops->unmap(dom, iova), 0);
	assert_int_equal(dom->ops->unmap(dom, iova), -ENOENT);
	assert_int_equal(dom->ops->unmap(dom, iova + 1), -EINVAL);	/* not a page */
	assert_int_equal(dom->ops->unmap(dom, SVA_TASK_SIZE), -EINVAL); /* beyond the table */
	assert_int_equal(sva_translate(dev, pasid, iova, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	/* mapped again, writable, and left mapped: freeing the domain unmaps it */
	assert_int_equal(dom->ops->map(dom, iova, page->pfn, RW), 0);
	assert_int_equal(sva_dma_write(dev, pasid, iova, "written", 8, NULL), 0);
	assert_string_equal((char *)sva_page_address(page), "written");
	sva_iommu_detach_device_pasid(dom, dev, pasid);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_INVALID);
	sva_iommu_domain_free(dom);
	assert_int_equal(sva_page_count(page), 1);

	/* the blocked domain attached explicitly: blocking, reported; detached: invalid */
	assert_int_equal(sva_iommu_attach_device_pasid(&e.sw->blocked, dev, pasid, NULL), 0);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_BLOCKING_REPORTING);
	assert_int_equal(sva_translate(dev, pasid, iova, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_BLOCKED);
	assert_int_equal(env_stats(&e).faults_reported[SVA_FAULT_PASID_BLOCKED], 1);
	assert_int_equal(sva_ats_translate(dev, pasid, iova, &(struct sva_ats_completion){ 0 }),
			 -EFAULT);
	sva_iommu_detach_device_pasid(&e.sw->blocked, dev, pasid);
	assert_int_equal(sva_swiommu_pasid_state(dev, pasid), SVA_PASID_ENTRY_INVALID);
	sva_iommu_free_global_pasid(e.isys, pasid);
	sva_page_put(page);
	env_done(&e);
}

static void test_attach_to_exited_mm_refused(void **state)
{
	struct env e;
	struct sva_device *d0, *d1;
	struct sva_mm *mm;
	struct sva_bond *b0, *b1 = NULL;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM);
	sva_test_quiet(e.w);
	d0 = env_dev(&e, "acc0", 20, false);
	d1 = env_dev(&e, "acc1", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	assert_int_equal(sva_bind_device(d0, mm, &b0), 0);
	pasid = sva_bond_pasid(b0);
	sva_mmgrab(mm); /* keep the struct to try a bind (a caller would hold a user) */
	sva_mmput(mm);
	/* neither sharing the released domain nor a new one (no user left) works */
	assert_int_equal(sva_bind_device(d1, mm, &b1), -EINVAL);
	assert_int_equal(sva_swiommu_pasid_state(d1, pasid), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_mm_sva_domains(e.isys, mm), 1);
	sva_unbind_device(b0);
	sva_mmdrop(mm);
	env_done(&e);
}

static void test_config_and_tiny_iotlb_end_to_end(void **state)
{
	struct sva_swiommu_config cfg = {
		.iotlb_sets = 1, .iotlb_ways = 1, .fault_log_entries = 4, .flush_all_pages = 2
	};
	struct sva_swiommu_config bad = { .iotlb_ways = 1000 };
	struct sva_swiommu *sw2;
	struct sva_fault_record rec;
	struct sva_translation t;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct env e;
	uint64_t a;
	uint32_t pasid;
	(void)state;

	env_init_cfg(&e, SVA_BACKEND_SIM, &cfg, 512);
	assert_int_equal(sva_swiommu_create(e.isys, &bad, &sw2), -EINVAL);
	/* every limit, one past it; a backend of the embedder's that can neither map nor copy */
	{
		const struct sva_swiommu_mem read_only = { .read = mem_read_stub };
		const struct sva_swiommu_mem write_only = { .write = mem_write_stub };
		const struct sva_swiommu_config over[] = {
			{ .pasid_bits = SVA_PASID_WIDTH_MAX + 1 },
			{ .iotlb_sets = SVA_IOTLB_MAX_SETS + 1 },
			{ .atc_entries = SVA_ATC_MAX_ENTRIES + 1 },
			{ .fault_log_entries = SVA_SW_MAX_FAULT_LOG + 1 },
			{ .prq_entries = SVA_SW_MAX_PRQ + 1 },
			{ .mem = &read_only },
			{ .mem = &write_only },
		};

		for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++)
			assert_int_equal(sva_swiommu_create(e.isys, &over[i], &sw2), -EINVAL);
	}
	/* the limits themselves are taken, as given */
	{
		const struct sva_swiommu_config at = { .pasid_bits = 8,
						       .atc_entries = SVA_ATC_MAX_ENTRIES,
						       .prq_entries = 4 };

		assert_int_equal(sva_swiommu_create(e.isys, &at, &sw2), 0);
		assert_int_equal(sw2->cfg.pasid_bits, 8);
		assert_int_equal(sw2->cfg.atc_entries, SVA_ATC_MAX_ENTRIES);
		assert_int_equal(sw2->cfg.prq_entries, 4);
		sva_swiommu_destroy(sw2);
	}
	assert_int_equal(sva_swiommu_create(e.isys, NULL, &sw2), 0); /* every default */
	assert_int_equal(sw2->cfg.iotlb_sets, 64);
	assert_int_equal(sw2->cfg.iotlb_ways, 4);
	assert_int_equal(sw2->cfg.flush_all_pages, 64);
	sva_swiommu_destroy(sw2);
	dev = env_dev(&e, "acc0", 20, false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = env_mmap(mm, 4 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	for (int i = 0; i < 4; i++)
		assert_int_equal(
			sva_translate(dev, pasid, a + (uint64_t)i * PAGE, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(env_stats(&e).iotlb_evictions, 3);
	assert_int_equal(env_stats(&e).iotlb_entries, 1);
	/* a 3-page invalidation is above flush_all_pages: the whole PASID goes */
	assert_int_equal(sva_mm_munmap(mm, a, 3 * PAGE), 0);
	assert_int_equal(env_stats(&e).iotlb_entries, 0);
	/* the fault log keeps the newest 4 of 6 */
	for (int i = 0; i < 6; i++)
		assert_int_equal(sva_translate(dev, pasid, a + (uint64_t)(i % 3) * PAGE,
					       SVA_ACCESS_READ, &t),
				 -EFAULT);
	assert_int_equal(sva_swiommu_faults_logged(e.sw), 6);
	assert_int_equal(sva_swiommu_fault_get(e.sw, 0, &rec), 0);
	assert_int_equal(rec.addr, a + 2 * PAGE);
	assert_int_equal(sva_swiommu_fault_get(e.sw, 3, &rec), 0);
	assert_int_equal(rec.addr, a + 2 * PAGE);
	assert_int_equal(sva_swiommu_fault_get(e.sw, 4, &rec), -ENOENT);
	sva_unbind_device(bond);
	sva_mmput(mm);
	env_done(&e);
}

/*
 * The swiommu's lifetime paths, each of their allocations failed in turn: its creation (the
 * IOTLB, the fault log), a device's probe (its group, its PASID table, the ATC), a bind (the
 * PASID, the domain, the PASID table's leaf) and then a second one on the same device.
 */
enum sw_stage { SW_CREATE, SW_PROBE, SW_BIND, SW_BIND_SECOND };

struct sw_fail {
	enum sw_stage stage;
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_mm *mm, *mm2;
	struct sva_bond *bond, *bond2;
	long live0; /* objects before the body */
};

static const struct sva_device_config sw_fail_dc = { .name = "acc0",
						     .pasid_bits = 20,
						     .ats = true };

static struct sva_world *sw_fail_setup(void *arg)
{
	struct sw_fail *f = arg;
	struct sva_mm_sys_config mc = { .frames = 256 };
	enum sw_stage stage = f->stage;

	memset(f, 0, sizeof(*f));
	f->stage = stage;
	f->w = sva_test_world(SVA_BACKEND_SIM, 1);
	assert_int_equal(sva_mm_sys_create(f->w, &mc, &f->mm_sys), 0);
	assert_int_equal(sva_iommu_sys_create(f->mm_sys, &f->isys), 0);
	if (stage > SW_CREATE)
		assert_int_equal(sva_swiommu_create(f->isys, NULL, &f->sw), 0);
	if (stage > SW_PROBE) {
		assert_int_equal(sva_device_add(sva_swiommu_iommu(f->sw), &sw_fail_dc, &f->dev), 0);
		assert_int_equal(sva_mm_create(f->mm_sys, "proc", &f->mm), 0);
	}
	if (stage > SW_BIND) {
		assert_int_equal(sva_bind_device(f->dev, f->mm, &f->bond), 0);
		assert_int_equal(sva_mm_create(f->mm_sys, "proc2", &f->mm2), 0);
	}
	f->live0 = sva_alloc_live_total(f->w);
	return f->w;
}

static int sw_fail_body(struct sva_world *w, void *arg)
{
	struct sw_fail *f = arg;

	(void)w;
	switch (f->stage) {
	case SW_CREATE:
		return sva_swiommu_create(f->isys, NULL, &f->sw);
	case SW_PROBE:
		return sva_device_add(sva_swiommu_iommu(f->sw), &sw_fail_dc, &f->dev);
	case SW_BIND:
		return sva_bind_device(f->dev, f->mm, &f->bond);
	case SW_BIND_SECOND:
		return sva_bind_device(f->dev, f->mm2, &f->bond2);
	}
	return -EINVAL;
}

static void sw_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct sw_fail *f = arg;
	struct sva_bond *b = f->stage == SW_BIND_SECOND ? f->bond2 : f->bond;

	if (r->ret == 0) {
		if (f->stage >= SW_BIND)
			assert_int_equal(sva_swiommu_pasid_state(f->dev, sva_bond_pasid(b)),
					 SVA_PASID_ENTRY_TRANSLATING);
		return;
	}
	if (f->stage >= SW_BIND) {
		sva_mm_sys_synchronize(f->mm_sys); /* a domain made goes with its notifier */
		assert_int_equal(sva_alloc_live(w, &sva_obj_bond), f->stage == SW_BIND_SECOND);
		assert_int_equal(sva_alloc_live(w, &sva_obj_domain), f->stage == SW_BIND_SECOND);
		if (f->stage == SW_BIND_SECOND) /* the first bond still translates */
			assert_int_equal(sva_swiommu_pasid_state(f->dev, sva_bond_pasid(f->bond)),
					 SVA_PASID_ENTRY_TRANSLATING);
	} else {
		assert_int_equal(sva_alloc_live_total(w), f->live0); /* exactly as before */
	}
}

static void sw_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct sw_fail *f = arg;
	struct sva_phys *phys = sva_mm_sys_phys(f->mm_sys);

	(void)w;
	(void)r;
	if (f->bond2)
		sva_unbind_device(f->bond2);
	if (f->bond)
		sva_unbind_device(f->bond);
	if (f->mm2)
		sva_mmput(f->mm2);
	if (f->mm)
		sva_mmput(f->mm);
	sva_mm_sys_synchronize(f->mm_sys);
	if (f->dev)
		sva_device_remove(f->dev);
	sva_swiommu_destroy(f->sw);
	sva_iommu_sys_destroy(f->isys);
	assert_int_equal(sva_phys_free_frames(phys), sva_phys_total_frames(phys) - 1);
	sva_mm_sys_destroy(f->mm_sys);
}

static void test_fail_nth_create_probe_bind(void **state)
{
	static const char *const names[] = { "swiommu create", "swiommu device add", "swiommu bind",
					     "swiommu second bind" };
	struct sw_fail f;
	struct sva_test_fail_case c = { .setup = sw_fail_setup,
					.body = sw_fail_body,
					.check = sw_fail_check,
					.teardown = sw_fail_teardown,
					.arg = &f,
					.checker = true };
	struct sva_test_fail_stats st;
	(void)state;

	for (enum sw_stage stage = SW_CREATE; stage <= SW_BIND_SECOND; stage++) {
		f.stage = stage;
		c.name = names[stage];
		sva_test_fail_sweep(&c, &st);
		assert_true(st.errors >= 2);
	}
}

/* ---- concurrency: DMA racing munmap and exit ---- */

#define TAG_A 0x5a5a5a5a5a5a5a5aull
#define TAG_B 0xb0b0b0b0b0b0b0b0ull

struct race {
	struct env e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t a;
	uint32_t pasid;
	int rounds;
	bool exit_too;
	/* results, written by the device actor */
	int bad_frame, bad_data, unexpected;
	int reads, faults;
};

/* One access of the device: through the IOTLB (sva_translate) or through its ATC (ATS). */
static int race_translate(struct race *r, bool ats, uint64_t *pfn)
{
	struct sva_translation t;
	struct sva_ats_completion c;

	if (!ats) {
		if (sva_translate(r->dev, r->pasid, r->a, SVA_ACCESS_READ, &t)) {
			if (t.reason != SVA_FAULT_NOT_PRESENT &&
			    t.reason != SVA_FAULT_PASID_BLOCKED)
				r->unexpected++;
			return -EFAULT;
		}
		*pfn = t.pfn;
		return 0;
	}
	if (!sva_atc_lookup(r->dev, r->pasid, r->a, &c)) {
		if (sva_ats_translate(r->dev, r->pasid, r->a, &c))
			r->unexpected++;
		if (!c.r)
			return -EFAULT;
		sva_sched_point(r->e.w); /* between the completion and the ATC lookup */
		if (!sva_atc_lookup(r->dev, r->pasid, r->a, &c))
			return -EFAULT; /* invalidated meanwhile (or never cached) */
	}
	*pfn = c.pfn;
	return 0;
}

/* The device: translate, touch the frame inside the section, check it is still ours. */
static int race_device(void *arg)
{
	struct race *r = arg;
	struct sva_phys *phys = sva_mm_sys_phys(r->e.mm_sys);

	for (int i = 0; i < r->rounds; i++) {
		struct sva_translation t;
		struct sva_page *page;
		uint64_t v, pfn;

		if (i % 4 == 3) { /* the DMA helper: its walk is covered by its section */
			struct sva_dma_status st;

			if (sva_dma_read(r->dev, r->pasid, r->a, &v, sizeof(v), &st) == 0) {
				r->reads++;
				r->bad_data += v != TAG_A;
			} else {
				r->faults++;
				r->unexpected += st.reason != SVA_FAULT_NOT_PRESENT &&
						 st.reason != SVA_FAULT_PASID_BLOCKED;
			}
			continue;
		}
		if (i % 4 == 2) { /* a bare translation (no access): its walk is still waited for */
			if (sva_translate(r->dev, r->pasid, r->a + PAGE, SVA_ACCESS_READ, &t))
				r->faults++;
			else
				r->reads++;
			continue;
		}
		sva_dma_begin(r->dev);
		if (race_translate(r, i % 4 == 1, &pfn)) {
			r->faults++;
			sva_dma_end(r->dev);
			continue;
		}
		sva_sched_point(r->e.w); /* between translation and access */
		page = sva_pfn_to_page(phys, pfn);
		memcpy(&v, sva_page_address(page), sizeof(v));
		if (sva_page_count(page) <= 0)
			r->bad_frame++;
		if (v != TAG_A)
			r->bad_data++;
		sva_dma_end(r->dev);
		r->reads++;
	}
	return 0;
}

/* The process: unmap the page (its frame freed after the invalidation) and reuse frames. */
static int race_process(void *arg)
{
	struct race *r = arg;
	uint64_t b, tag = TAG_B;

	sva_mm_munmap(r->mm, r->a, PAGE);
	/* elsewhere (the old address must stay unmapped), likely on the frame just freed */
	if (sva_mm_mmap(r->mm, r->a + 16 * PAGE, PAGE, RW, SVA_MAP_FIXED | SVA_MAP_POPULATE, NULL,
			0, &b) == 0)
		sva_mm_access(r->mm, b, &tag, sizeof(tag), true);
	if (r->exit_too)
		sva_mmput(r->mm); /* the last user: exit_mmap while the device runs */
	return 0;
}

static int race_setup_env(struct race *r, struct sva_world *w)
{
	struct sva_mm_sys_config mc = { .frames = 64 };
	struct sva_device_config dc = { .name = "acc0", .pasid_bits = 20, .ats = true };
	uint64_t tag = TAG_A;
	int ret;

	memset(&r->e, 0, sizeof(r->e));
	r->e.w = w;
	r->bad_frame = r->bad_data = r->unexpected = r->reads = r->faults = 0;
	ret = sva_mm_sys_create(w, &mc, &r->e.mm_sys);
	if (!ret)
		ret = sva_iommu_sys_create(r->e.mm_sys, &r->e.isys);
	if (!ret)
		ret = sva_swiommu_create(r->e.isys, NULL, &r->e.sw);
	if (!ret)
		ret = sva_device_add(sva_swiommu_iommu(r->e.sw), &dc, &r->dev);
	if (!ret)
		ret = sva_mm_create(r->e.mm_sys, "proc", &r->mm);
	if (!ret)
		ret = sva_mm_mmap(r->mm, 0, 2 * PAGE, RW, SVA_MAP_POPULATE, NULL, 0, &r->a);
	if (!ret)
		ret = sva_mm_access(r->mm, r->a, &tag, sizeof(tag), true);
	if (!ret)
		ret = sva_bind_device(r->dev, r->mm, &r->bond);
	if (!ret)
		r->pasid = sva_bond_pasid(r->bond);
	return ret;
}

static int race_setup(struct sva_world *w, void *arg)
{
	struct race *r = arg;
	int ret = race_setup_env(r, w);

	if (!ret)
		ret = sva_actor_spawn(w, "device", race_device, r, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "process", race_process, r, 0, NULL);
	return ret;
}

static int race_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct race *r = arg;
	struct sva_phys *phys = sva_mm_sys_phys(r->e.mm_sys);

	(void)w;
	sva_unbind_device(r->bond);
	if (!r->exit_too)
		sva_mmput(r->mm);
	sva_mm_sys_synchronize(r->e.mm_sys);
	if (run)
		return run;
	if (r->bad_frame || r->bad_data || r->unexpected) {
		snprintf(msg, len,
			 "device touched a freed frame: %d freed, %d bad data, %d odd faults",
			 r->bad_frame, r->bad_data, r->unexpected);
		return -1;
	}
	if (r->reads + r->faults != r->rounds) {
		snprintf(msg, len, "%d reads + %d faults != %d", r->reads, r->faults, r->rounds);
		return -1;
	}
	if (sva_phys_free_frames(phys) != sva_phys_total_frames(phys) - 1) {
		snprintf(msg, len, "frames leaked");
		return -1;
	}
	return 0;
}

static void race_teardown(struct sva_world *w, void *arg)
{
	struct race *r = arg;

	(void)w;
	sva_device_remove(r->dev);
	sva_swiommu_destroy(r->e.sw);
	sva_iommu_sys_destroy(r->e.isys);
	sva_mm_sys_destroy(r->e.mm_sys);
}

static void race_explore(bool exit_too, unsigned k, unsigned long max)
{
	struct race r = { .rounds = 4, .exit_too = exit_too };
	struct sva_program prog = { "dma-vs-munmap", race_setup, race_check,
				    race_teardown,   &r,	 false };
	struct sva_explore_config cfg = { .preemption_bound = k, .max_schedules = max };
	struct sva_explore_result res, full;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	if (res.failures)
		fprintf(stderr, "%s\nschedule %s\n", res.message, res.schedule);
	assert_int_equal(res.failures, 0);
	print_message("explored %lu schedules (%s), longest %lu decisions\n", res.schedules,
		      res.exhausted ? "exhausted" : "bounded", res.max_decisions);
	/* and every schedule, equivalent or not (partial-order reduction off): clean too */
	cfg.no_por = true;
	assert_int_equal(sva_explore(&cfg, &prog, &full), 0);
	assert_int_equal(full.failures, 0);
	assert_true(full.schedules > 50);
	assert_true(res.schedules <= full.schedules);
	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = seed };
		char msg[256];

		assert_int_equal(sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg)), 0);
	}
}

static void test_explore_dma_races_munmap(void **state)
{
	(void)state;
	race_explore(false, 2, 4000);
}

static void test_explore_dma_races_munmap_and_exit(void **state)
{
	(void)state;
	race_explore(true, 1, 4000);
}

/* Native: two DMA threads against munmap / mmap / mprotect / reclaim churn, then the exit of
 * the mm, on real threads (run under TSan). */
struct stress {
	struct env e;
	struct sva_device *dev[2];
	struct stress_dev {
		struct stress *s;
		struct sva_device *dev;
	} arg[2];
	struct sva_mm *mm;
	uint32_t pasid;
	uint64_t base;
	atomic_bool stop;
	atomic_int bad;
	atomic_long blocked;
	atomic_long reads, faults;
};

#define STRESS_PAGES 8

static int stress_device(void *arg)
{
	struct stress_dev *d = arg;
	struct stress *s = d->s;
	unsigned n = 0;

	while (!atomic_load(&s->stop)) {
		uint64_t va = s->base + (n++ % STRESS_PAGES) * PAGE, v = 0;
		struct sva_dma_status st;

		if (sva_dma_read(d->dev, s->pasid, va, &v, sizeof(v), &st) == 0) {
			if (v != TAG_A && v != 0)
				atomic_fetch_add(&s->bad, 1);
			atomic_fetch_add(&s->reads, 1);
		} else {
			if (st.reason == SVA_FAULT_PASID_BLOCKED)
				atomic_fetch_add(&s->blocked, 1);
			else if (st.reason != SVA_FAULT_NOT_PRESENT && st.reason != SVA_FAULT_USER)
				atomic_fetch_add(&s->bad, 1);
			atomic_fetch_add(&s->faults, 1);
		}
		if (n % 16 == 0) {
			struct sva_ats_completion c;

			sva_ats_translate(d->dev, s->pasid, va, &c);
			sva_atc_lookup(d->dev, s->pasid, va, &c);
		}
	}
	return 0;
}

/* No CPU store to a page a device may read (that would be a data race in C): new pages are
 * the zeroes the fault path wrote before it published them. */
static int stress_process(void *arg)
{
	struct stress *s = arg;

	/* let the devices get going first: the churn must meet DMA, not precede it */
	for (long spin = 0; spin < 10000000 && atomic_load(&s->reads) < 64; spin++)
		sva_yield(s->e.w);
	for (int i = 0; i < 300; i++) {
		uint64_t va = s->base + (uint64_t)(i % STRESS_PAGES) * PAGE, b;

		switch (i % 3) {
		case 0:
			sva_mm_munmap(s->mm, va, PAGE);
			sva_mm_mmap(s->mm, va, PAGE, RW, SVA_MAP_FIXED | SVA_MAP_POPULATE, NULL, 0,
				    &b);
			break;
		case 1:
			sva_mm_mprotect(s->mm, va, PAGE, SVA_PROT_NONE);
			sva_mm_mprotect(s->mm, va, PAGE, RW);
			break;
		default:
			sva_mm_sys_reclaim(s->e.mm_sys, 2);
			break;
		}
	}
	sva_mmput(s->mm); /* the last user: exit_mmap under running DMA */
	for (int i = 0; i < 100 && atomic_load(&s->blocked) < 100; i++)
		sva_msleep(s->e.w, 1);
	atomic_store(&s->stop, true);
	return 0;
}

static void test_native_dma_stress(void **state)
{
	struct stress *s = calloc(1, sizeof(*s));
	struct sva_bond *b0, *b1;
	struct sva_actor *a[3];
	uint64_t tag = TAG_A;
	(void)state;

	assert_non_null(s);
	env_init(&s->e, SVA_BACKEND_NATIVE);
	s->dev[0] = env_dev(&s->e, "acc0", 20, true);
	s->dev[1] = env_dev(&s->e, "acc1", 20, true);
	assert_int_equal(sva_mm_create(s->e.mm_sys, "proc", &s->mm), 0);
	s->base = env_mmap(s->mm, STRESS_PAGES * PAGE, RW, SVA_MAP_POPULATE);
	for (int i = 0; i < STRESS_PAGES; i++)
		assert_int_equal(
			sva_mm_access(s->mm, s->base + (uint64_t)i * PAGE, &tag, sizeof(tag), true),
			0);
	assert_int_equal(sva_bind_device(s->dev[0], s->mm, &b0), 0);
	assert_int_equal(sva_bind_device(s->dev[1], s->mm, &b1), 0);
	s->pasid = sva_bond_pasid(b0);
	for (int i = 0; i < 2; i++)
		s->arg[i] = (struct stress_dev){ .s = s, .dev = s->dev[i] };
	assert_int_equal(sva_actor_spawn(s->e.w, "dev0", stress_device, &s->arg[0], 0, &a[0]), 0);
	assert_int_equal(sva_actor_spawn(s->e.w, "dev1", stress_device, &s->arg[1], 0, &a[1]), 0);
	assert_int_equal(sva_actor_spawn(s->e.w, "proc", stress_process, s, 0, &a[2]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sva_actor_join(a[i], NULL), 0);
	print_message("%ld DMA reads, %ld faults, %ld silently blocked\n", atomic_load(&s->reads),
		      atomic_load(&s->faults), atomic_load(&s->blocked));
	assert_int_equal(atomic_load(&s->bad), 0);
	assert_true(atomic_load(&s->reads) > 0);
	assert_int_equal(sva_swiommu_pasid_state(s->dev[0], s->pasid),
			 SVA_PASID_ENTRY_BLOCKING_SILENT);
	sva_unbind_device(b0);
	sva_unbind_device(b1);
	env_done(&s->e);
	free(s);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iotlb_struct_key_never_aliases),
		cmocka_unit_test(test_iotlb_eviction_tiny_sizes),
		cmocka_unit_test(test_iotlb_geometry),
		cmocka_unit_test(test_iotlb_invalidation),
		cmocka_unit_test(test_walk_sections_are_waited_for),
		cmocka_unit_test(test_set_locked_walks_are_waited_for),
		cmocka_unit_test(test_pasid_table_states),
		cmocka_unit_test(test_atc_fill_evict_invalidate),
		cmocka_unit_test(test_translate_after_bind_demand_paging),
		cmocka_unit_test(test_pasid_checks),
		cmocka_unit_test(test_readonly_and_protections),
		cmocka_unit_test(test_mprotect_munmap_invalidate_iotlb_and_atc),
		cmocka_unit_test(seed003_three_phases_bind_exit_unbind),
		cmocka_unit_test(test_unbind_invalidates),
		cmocka_unit_test(test_two_devices_share_domain_iotlb_and_atc),
		cmocka_unit_test(test_dma_helpers_stop_at_first_fault),
		cmocka_unit_test(test_dma_run_frames_and_fallbacks),
		cmocka_unit_test(test_dma_run_memo_until_invalidated),
		cmocka_unit_test(test_dma_run_refusals_and_memo_slots),
		cmocka_unit_test(test_paging_and_blocked_domains),
		cmocka_unit_test(test_attach_to_exited_mm_refused),
		cmocka_unit_test(test_config_and_tiny_iotlb_end_to_end),
		cmocka_unit_test(test_fail_nth_create_probe_bind),
		cmocka_unit_test(test_explore_dma_races_munmap),
		cmocka_unit_test(test_explore_dma_races_munmap_and_exit),
		cmocka_unit_test(test_native_dma_stress),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("swiommu", tests, NULL, NULL);
}

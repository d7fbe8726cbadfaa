/* SPDX-License-Identifier: MIT */
/*
 * Tests of the global PASID space (src/iommu/pasid.c): lowest-free order, exhaustion of the full
 * 20-bit space, per-call bounds, invalid frees, memory use, injected allocation failures and
 * concurrent use by native actors and under the simulator. Every test ends with no object of the
 * world left alive.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "sva/base.h"
#include "sva/iommu.h"
#include "sva/sync.h"
#include "testutil.h"

#define KIB 1024u
#define MIB (1024u * 1024u)

/* ---- helpers --------------------------------------------------------------------------- */

static struct sva_world *world_native(void)
{
	struct sva_world *w = NULL;

	assert_int_equal(sva_world_create(NULL, &w), 0);
	assert_non_null(w);
	return w;
}

static struct sva_pasid_space *space_new(struct sva_world *w, uint32_t max)
{
	struct sva_pasid_space *s = NULL;

	assert_int_equal(sva_pasid_space_create(w, max, &s), 0);
	assert_non_null(s);
	return s;
}

/* Live objects of the world's own infrastructure (scheduler, trace ring, actors, stacks). */
static long live_infrastructure(struct sva_world *w)
{
	long n = 0;

	for (const struct sva_obj_class *const *c = SVA_TEST_IGNORED_TYPES; *c; c++)
		n += sva_alloc_live(w, *c);
	return n;
}

/*
 * Destroy the space and the world, asserting that nothing leaked: no chunk, no space, nothing
 * alive but the world's own infrastructure, and no report.
 */
static void teardown_all(struct sva_world *w, struct sva_pasid_space *s)
{
	sva_pasid_space_destroy(s);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_space), 0);
	assert_int_equal(sva_alloc_live_total(w), live_infrastructure(w));
	sva_test_world_done(w);
}

static uint32_t alloc_ok(struct sva_pasid_space *s, uint32_t max)
{
	uint32_t id = SVA_PASID_INVALID;

	assert_int_equal(sva_pasid_alloc(s, max, &id), 0);
	return id;
}

static void alloc_expect(struct sva_pasid_space *s, uint32_t max, uint32_t want)
{
	assert_int_equal(alloc_ok(s, max), want);
}

static void alloc_nospc(struct sva_pasid_space *s, uint32_t max)
{
	uint32_t id = 12345;

	assert_int_equal(sva_pasid_alloc(s, max, &id), -ENOSPC);
	assert_int_equal(id, 12345); /* untouched */
}

/* Allocate IDs 1..n in order (asserting each). */
static void fill_to(struct sva_pasid_space *s, uint32_t n)
{
	for (uint32_t i = 1; i <= n; i++)
		alloc_expect(s, SVA_PASID_MAX, i);
}

/* ---- creation -------------------------------------------------------------------------- */

static void test_pasid_create_rejects_bad_max(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = NULL;

	assert_int_equal(sva_pasid_space_create(w, 0, &s), -EINVAL);
	assert_int_equal(sva_pasid_space_create(w, SVA_PASID_MAX + 1, &s), -EINVAL);
	assert_int_equal(sva_pasid_space_create(w, UINT32_MAX, &s), -EINVAL);
	assert_int_equal(sva_pasid_space_create(NULL, 16, &s), -EINVAL);
	assert_int_equal(sva_pasid_space_create(w, 16, NULL), -EINVAL);
	assert_null(s);
	assert_int_equal(sva_alloc_live_total(w), live_infrastructure(w));

	/* max 1 is a space with no IDs at all. */
	s = space_new(w, 1);
	alloc_nospc(s, SVA_PASID_MAX);
	assert_int_equal(sva_pasid_free(s, 1), -EINVAL);
	teardown_all(w, s);
}

static void test_pasid_create_fails_cleanly_on_enomem(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = NULL;

	sva_alloc_fail_nth(w, 1);
	assert_int_equal(sva_pasid_space_create(w, SVA_PASID_MAX, &s), -ENOMEM);
	assert_true(sva_alloc_injected(w));
	assert_null(s);
	assert_int_equal(sva_alloc_live_total(w), live_infrastructure(w));
	s = space_new(w, SVA_PASID_MAX);
	teardown_all(w, s);
}

/* ---- order ----------------------------------------------------------------------------- */

static void test_pasid_first_id_is_one_never_zero(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	assert_false(sva_pasid_is_allocated(s, SVA_IOMMU_NO_PASID));
	alloc_expect(s, SVA_PASID_MAX, SVA_IOMMU_FIRST_GLOBAL_PASID);
	alloc_expect(s, SVA_PASID_MAX, 2);
	assert_true(sva_pasid_is_allocated(s, 1));
	assert_true(sva_pasid_is_allocated(s, 2));
	assert_false(sva_pasid_is_allocated(s, 3));
	assert_false(sva_pasid_is_allocated(s, SVA_IOMMU_NO_PASID));
	assert_int_equal(sva_pasid_allocated(s), 2);
	teardown_all(w, s);
}

static void test_pasid_lowest_free_reuse_order(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	fill_to(s, 10);
	assert_int_equal(sva_pasid_free(s, 7), 0);
	assert_int_equal(sva_pasid_free(s, 3), 0);
	assert_int_equal(sva_pasid_free(s, 5), 0);
	assert_int_equal(sva_pasid_allocated(s), 7);
	alloc_expect(s, SVA_PASID_MAX, 3);
	alloc_expect(s, SVA_PASID_MAX, 5);
	alloc_expect(s, SVA_PASID_MAX, 7);
	alloc_expect(s, SVA_PASID_MAX, 11);
	assert_int_equal(sva_pasid_allocated(s), 11);
	teardown_all(w, s);
}

/* Lowest-free across word and chunk boundaries (IDs 64/65 and 4096/4097 sit at the edges). */
static void test_pasid_lowest_free_across_boundaries(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);
	const uint32_t holes[] = { 4200, 4097, 4096, 65, 64, 1 };

	fill_to(s, 5000);
	for (size_t i = 0; i < sizeof(holes) / sizeof(holes[0]); i++)
		assert_int_equal(sva_pasid_free(s, holes[i]), 0);
	alloc_expect(s, SVA_PASID_MAX, 1);
	alloc_expect(s, SVA_PASID_MAX, 64);
	alloc_expect(s, SVA_PASID_MAX, 65);
	alloc_expect(s, SVA_PASID_MAX, 4096);
	alloc_expect(s, SVA_PASID_MAX, 4097);
	alloc_expect(s, SVA_PASID_MAX, 4200);
	alloc_expect(s, SVA_PASID_MAX, 5001);
	teardown_all(w, s);
}

/* All 2^20 - 1 IDs, in order, then -ENOSPC; a freed ID in the middle is the next one. */
static void test_pasid_exhaust_full_space(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);
	const uint32_t mid = SVA_PASID_MAX / 2 + 12345;

	for (uint32_t want = 1; want < SVA_PASID_MAX; want++) {
		uint32_t id = 0;
		int ret = sva_pasid_alloc(s, SVA_PASID_MAX, &id);
		if (ret || id != want)
			fail_msg("alloc #%u: ret %d id %u", want, ret, id);
	}
	assert_int_equal(sva_pasid_allocated(s), SVA_PASID_MAX - 1);
	assert_true(sva_pasid_is_allocated(s, SVA_PASID_MAX - 1));
	alloc_nospc(s, SVA_PASID_MAX);
	alloc_nospc(s, UINT32_MAX);

	assert_int_equal(sva_pasid_free(s, mid), 0);
	assert_false(sva_pasid_is_allocated(s, mid));
	assert_int_equal(sva_pasid_allocated(s), SVA_PASID_MAX - 2);
	alloc_expect(s, SVA_PASID_MAX, mid);
	alloc_nospc(s, SVA_PASID_MAX);

	/* The same hole, seen through device bounds just below and just above it. */
	assert_int_equal(sva_pasid_free(s, mid), 0);
	alloc_nospc(s, mid);
	alloc_expect(s, mid + 1, mid);
	alloc_nospc(s, SVA_PASID_MAX);

	/* The very last ID, and the first. */
	assert_int_equal(sva_pasid_free(s, SVA_PASID_MAX - 1), 0);
	assert_int_equal(sva_pasid_free(s, 1), 0);
	alloc_expect(s, SVA_PASID_MAX, 1);
	alloc_expect(s, SVA_PASID_MAX, SVA_PASID_MAX - 1);
	alloc_nospc(s, SVA_PASID_MAX);
	teardown_all(w, s);
}

/* A space smaller than one chunk: every ID, then -ENOSPC however large the device's bound. */
static void test_pasid_exhaust_small_space(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, 100);

	for (uint32_t want = 1; want < 100; want++)
		alloc_expect(s, SVA_PASID_MAX, want);
	alloc_nospc(s, SVA_PASID_MAX);
	alloc_nospc(s, 100);
	assert_int_equal(sva_pasid_allocated(s), 99);
	assert_int_equal(sva_pasid_free(s, 42), 0);
	alloc_expect(s, SVA_PASID_MAX, 42);
	teardown_all(w, s);
}

/* ---- bounds ---------------------------------------------------------------------------- */

static void test_pasid_per_call_max_bounds(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	/* A device with max_pasids 16 gets 1..15, then nothing though the space is bigger. */
	for (uint32_t i = 1; i <= 15; i++)
		alloc_expect(s, 16, i);
	alloc_nospc(s, 16);
	assert_int_equal(sva_pasid_allocated(s), 15);
	/* A device with a larger max_pasids continues above, up to its own bound. */
	alloc_expect(s, 32, 16);
	alloc_nospc(s, 17);
	for (uint32_t i = 17; i <= 31; i++)
		alloc_expect(s, 32, i);
	alloc_nospc(s, 32);
	alloc_expect(s, 1000, 32);
	assert_int_equal(sva_pasid_allocated(s), 32);

	/* A hole above a small bound is not visible to it; a hole below it is. */
	assert_int_equal(sva_pasid_free(s, 5), 0);
	alloc_nospc(s, 5);
	alloc_expect(s, 6, 5);
	assert_int_equal(sva_pasid_free(s, 2), 0);
	alloc_expect(s, 3, 2);
	teardown_all(w, s);
}

static void test_pasid_max_zero_one_is_enospc(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	alloc_nospc(s, 0);
	alloc_nospc(s, 1);
	assert_int_equal(sva_pasid_allocated(s), 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 0);
	alloc_expect(s, 2, 1);
	alloc_nospc(s, 2);
	alloc_nospc(s, 1);
	teardown_all(w, s);
}

static void test_pasid_max_above_space_clamps(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, 64);

	for (uint32_t i = 1; i < 64; i++)
		alloc_expect(s, i % 2 ? SVA_PASID_MAX : UINT32_MAX, i);
	alloc_nospc(s, SVA_PASID_MAX);
	alloc_nospc(s, UINT32_MAX);
	assert_int_equal(sva_pasid_allocated(s), 63);
	/* IDs at or above the space's max are never allocated and cannot be freed. */
	assert_false(sva_pasid_is_allocated(s, 64));
	assert_int_equal(sva_pasid_free(s, 64), -EINVAL);
	assert_int_equal(sva_pasid_free(s, 63), 0);
	alloc_expect(s, UINT32_MAX, 63);
	teardown_all(w, s);
}

/* A space whose max is not a multiple of the chunk size: the last partial chunk fills exactly. */
static void test_pasid_space_max_odd_size(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	const uint32_t max = 4096 + 100;
	struct sva_pasid_space *s = space_new(w, max);

	for (uint32_t i = 1; i < max; i++)
		alloc_expect(s, SVA_PASID_MAX, i);
	alloc_nospc(s, SVA_PASID_MAX);
	assert_int_equal(sva_pasid_allocated(s), max - 1);
	assert_int_equal(sva_pasid_free(s, 4097), 0);
	alloc_nospc(s, 4097);
	alloc_expect(s, max, 4097);
	teardown_all(w, s);
}

/* ---- invalid frees --------------------------------------------------------------------- */

static void test_pasid_invalid_free_changes_nothing(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, 8192);

	fill_to(s, 100);
	assert_int_equal(sva_pasid_free(s, 50), 0);
	size_t bytes = sva_pasid_space_bytes(s);
	long chunks = sva_alloc_live(w, &sva_obj_pasid_chunk);

	/* double free */
	assert_int_equal(sva_pasid_free(s, 50), -EINVAL);
	/* 0, never allocated (same chunk; a chunk that does not exist), out of range */
	assert_int_equal(sva_pasid_free(s, SVA_IOMMU_NO_PASID), -EINVAL);
	assert_int_equal(sva_pasid_free(s, 101), -EINVAL);
	assert_int_equal(sva_pasid_free(s, 4096), -EINVAL);
	assert_int_equal(sva_pasid_free(s, 5000), -EINVAL);
	assert_int_equal(sva_pasid_free(s, 8191), -EINVAL);
	assert_int_equal(sva_pasid_free(s, 8192), -EINVAL);
	assert_int_equal(sva_pasid_free(s, SVA_PASID_MAX), -EINVAL);
	assert_int_equal(sva_pasid_free(s, SVA_PASID_INVALID), -EINVAL);
	assert_int_equal(sva_pasid_free(NULL, 1), -EINVAL);

	assert_int_equal(sva_pasid_allocated(s), 99);
	assert_int_equal(sva_pasid_space_bytes(s), bytes);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), chunks);
	for (uint32_t i = 1; i <= 100; i++)
		assert_int_equal(sva_pasid_is_allocated(s, i), i != 50);
	assert_false(sva_pasid_is_allocated(s, SVA_PASID_INVALID));
	/* Order is intact: the hole comes first, then 101. */
	alloc_expect(s, SVA_PASID_MAX, 50);
	alloc_expect(s, SVA_PASID_MAX, 101);
	teardown_all(w, s);
}

static void test_pasid_alloc_null_args(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, 64);
	uint32_t id;

	assert_int_equal(sva_pasid_alloc(s, 64, NULL), -EINVAL);
	assert_int_equal(sva_pasid_alloc(NULL, 64, &id), -EINVAL);
	assert_int_equal(sva_pasid_allocated(s), 0);
	sva_pasid_space_destroy(NULL);
	teardown_all(w, s);
}

/* ---- memory ---------------------------------------------------------------------------- */

static void test_pasid_memory_proportional_to_use(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	size_t empty = sva_pasid_space_bytes(s);
	assert_true(empty > 0);
	assert_true(empty < 4 * KIB);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 0);

	alloc_expect(s, SVA_PASID_MAX, 1);
	size_t one = sva_pasid_space_bytes(s);
	assert_true(one > empty);
	assert_true(one < empty + 2 * KIB);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 1);

	for (uint32_t i = 2; i < SVA_PASID_MAX; i++)
		alloc_ok(s, SVA_PASID_MAX);
	size_t full = sva_pasid_space_bytes(s);
	print_message("pasid space bytes: empty %zu, one ID %zu, full %zu\n", empty, one, full);
	assert_true(full < MIB);
	assert_true(full > one);

	for (uint32_t i = 1; i < SVA_PASID_MAX; i++)
		assert_int_equal(sva_pasid_free(s, i), 0);
	assert_int_equal(sva_pasid_allocated(s), 0);
	/* Every chunk was freed but at most the one cached spare. */
	assert_true(sva_alloc_live(w, &sva_obj_pasid_chunk) <= 1);
	assert_true(sva_pasid_space_bytes(s) <= one);
	teardown_all(w, s);
}

/* Alloc/free across a chunk boundary does not go to the allocator each time (the spare). */
static void test_pasid_chunk_boundary_no_thrash(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	fill_to(s, 4096); /* chunk 0 is full */
	alloc_expect(s, SVA_PASID_MAX, 4097);
	assert_int_equal(sva_pasid_free(s, 4097), 0); /* chunk 1 empties */
	unsigned long attempts = sva_alloc_attempts(w);
	for (int i = 0; i < 1000; i++) {
		alloc_expect(s, SVA_PASID_MAX, 4097);
		assert_int_equal(sva_pasid_free(s, 4097), 0);
	}
	assert_int_equal(sva_alloc_attempts(w), attempts);
	assert_true(sva_alloc_live(w, &sva_obj_pasid_chunk) <= 2);
	teardown_all(w, s);
}

static void test_pasid_destroy_with_live_ids(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);

	fill_to(s, 3 * 4096 + 1); /* chunks 0, 1 and 2 full, one ID in chunk 3 */
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 4);
	teardown_all(w, s);
}

/* ---- injected allocation failures ---------------------------------------------------------- */

static void test_pasid_fail_nth_first_chunk(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);
	size_t bytes = sva_pasid_space_bytes(s);
	uint32_t id = 777;

	sva_alloc_fail_nth(w, 1);
	assert_int_equal(sva_pasid_alloc(s, SVA_PASID_MAX, &id), -ENOMEM);
	assert_true(sva_alloc_injected(w));
	assert_int_equal(id, 777);
	assert_int_equal(sva_pasid_allocated(s), 0);
	assert_false(sva_pasid_is_allocated(s, 1));
	assert_int_equal(sva_pasid_space_bytes(s), bytes);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 0);

	alloc_expect(s, SVA_PASID_MAX, 1);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 1);
	teardown_all(w, s);
}

static void test_pasid_fail_nth_next_chunk(void **state)
{
	(void)state;
	struct sva_world *w = world_native();
	struct sva_pasid_space *s = space_new(w, SVA_PASID_MAX);
	uint32_t id = 777;

	fill_to(s, 4096); /* chunk 0 full, no spare */
	size_t bytes = sva_pasid_space_bytes(s);
	sva_alloc_fail_nth(w, 1);
	assert_int_equal(sva_pasid_alloc(s, SVA_PASID_MAX, &id), -ENOMEM);
	assert_true(sva_alloc_injected(w));
	assert_int_equal(id, 777);
	assert_int_equal(sva_pasid_allocated(s), 4096);
	assert_false(sva_pasid_is_allocated(s, 4097));
	assert_int_equal(sva_pasid_space_bytes(s), bytes);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 1);

	/* Allocations that need no new chunk are unaffected by a pending failure. */
	assert_int_equal(sva_pasid_free(s, 10), 0);
	sva_alloc_fail_nth(w, 1);
	alloc_expect(s, SVA_PASID_MAX, 10);
	assert_false(sva_alloc_injected(w));
	sva_alloc_fail_nth(w, 0);

	alloc_expect(s, SVA_PASID_MAX, 4097);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), 2);
	teardown_all(w, s);
}

/*
 * Sequential allocation of four chunks' worth of IDs and one more, each chunk allocation failed
 * in turn: each failure hits exactly at a chunk boundary, changes nothing (the IDs given, the
 * chunks), and the order carries on after it.
 */
#define SWEEP_IDS (4 * 4096 + 1)

struct pasid_fail {
	struct sva_world *w;
	struct sva_pasid_space *s;
	uint32_t next; /* the next ID expected */
	long chunks;   /* before the call that failed */
};

static struct sva_world *pasid_fail_setup(void *arg)
{
	struct pasid_fail *f = arg;

	f->w = world_native();
	f->s = space_new(f->w, SVA_PASID_MAX);
	f->next = 1;
	return f->w;
}

static int pasid_fail_body(struct sva_world *w, void *arg)
{
	struct pasid_fail *f = arg;

	for (; f->next <= SWEEP_IDS; f->next++) {
		uint32_t id = 0;
		int ret;

		f->chunks = sva_alloc_live(w, &sva_obj_pasid_chunk);
		ret = sva_pasid_alloc(f->s, SVA_PASID_MAX, &id);
		if (ret)
			return ret;
		assert_int_equal(id, f->next);
	}
	return 0;
}

static void pasid_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct pasid_fail *f = arg;

	if (r->ret == 0) {
		assert_int_equal(sva_pasid_allocated(f->s), SWEEP_IDS);
		return;
	}
	assert_int_equal(r->inj.type, &sva_obj_pasid_chunk);
	assert_int_equal((f->next - 1) % 4096, 0); /* at a chunk boundary */
	assert_int_equal((f->next - 1) / 4096, r->nth - 1);
	assert_int_equal(sva_pasid_allocated(f->s), f->next - 1);
	assert_int_equal(sva_alloc_live(w, &sva_obj_pasid_chunk), f->chunks);
	assert_false(sva_pasid_is_allocated(f->s, f->next));
	alloc_expect(f->s, SVA_PASID_MAX, f->next); /* and the order carries on */
}

static void pasid_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct pasid_fail *f = arg;

	(void)r;
	sva_pasid_space_destroy(f->s);
	assert_int_equal(sva_alloc_live_total(w), live_infrastructure(w));
}

static void test_pasid_fail_nth_sweep(void **state)
{
	struct pasid_fail f;
	struct sva_test_fail_case c = { .name = "sequential PASIDs over five chunks",
					.setup = pasid_fail_setup,
					.body = pasid_fail_body,
					.check = pasid_fail_check,
					.teardown = pasid_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_int_equal(st.allocations, 5);
	assert_int_equal(st.errors, 5);
}

/* ---- concurrency ------------------------------------------------------------------------- */

#define CONC_ACTORS 4
#define CONC_SPACE  16384u

struct conc {
	struct sva_pasid_space *s;
	atomic_int *claims; /* CONC_SPACE entries: 1 while an actor holds the ID */
	atomic_long duplicates;
	atomic_long errors;
	atomic_long allocs;
	unsigned iterations;
	unsigned hold; /* IDs an actor holds at most at once */
};

struct conc_actor {
	struct conc *c;
	uint32_t *held;
	unsigned seed;
};

static unsigned conc_rand(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* Allocate an ID and claim it; false (counted as an error) when the allocation failed. */
static bool conc_take(struct conc *c, uint32_t *held, unsigned *n)
{
	uint32_t id = 0;
	int ret = sva_pasid_alloc(c->s, CONC_SPACE, &id);

	if (ret || id == 0 || id >= CONC_SPACE) {
		atomic_fetch_add(&c->errors, 1);
		return false;
	}
	if (atomic_exchange(&c->claims[id], 1))
		atomic_fetch_add(&c->duplicates, 1);
	atomic_fetch_add(&c->allocs, 1);
	held[(*n)++] = id;
	return true;
}

/* Release the claim on held[@i], then free it. */
static void conc_give(struct conc *c, uint32_t *held, unsigned *n, unsigned i)
{
	uint32_t id = held[i];

	held[i] = held[--(*n)];
	if (atomic_exchange(&c->claims[id], 0) != 1)
		atomic_fetch_add(&c->duplicates, 1);
	if (sva_pasid_free(c->s, id))
		atomic_fetch_add(&c->errors, 1);
}

static int conc_actor_fn(void *arg)
{
	struct conc_actor *a = arg;
	struct conc *c = a->c;
	unsigned n = 0;
	int ret = 0;

	for (unsigned it = 0; it < c->iterations && !ret; it++) {
		/* Grow or shrink to a random count, giving back random IDs (not the newest). */
		unsigned target = conc_rand(&a->seed) % (c->hold + 1);
		while (n < target && !ret)
			if (!conc_take(c, a->held, &n))
				ret = -EIO;
		while (n > target)
			conc_give(c, a->held, &n, conc_rand(&a->seed) % n);
	}
	while (n)
		conc_give(c, a->held, &n, n - 1);
	return ret;
}

/*
 * CONC_ACTORS actors allocate and free on one space, each holding up to @hold IDs; each claims
 * every ID it gets in a shared array, so an ID handed to two holders at once is counted. @prefill
 * IDs are taken first, to put the actors at a chunk boundary; a large @hold makes them allocate
 * and free whole chunks (the allocation with the lock dropped) all the time.
 */
static void conc_run(const struct sva_world_config *cfg, unsigned iterations, unsigned hold,
		     uint32_t prefill)
{
	static const char *const names[CONC_ACTORS] = { "pasid-0", "pasid-1", "pasid-2",
							"pasid-3" };
	struct sva_world *w = NULL;
	struct sva_actor *actors[CONC_ACTORS];
	struct conc_actor args[CONC_ACTORS];
	struct conc c = { .iterations = iterations, .hold = hold };
	int ret;

	assert_true(prefill + CONC_ACTORS * hold < CONC_SPACE);
	assert_int_equal(sva_world_create(cfg, &w), 0);
	c.s = space_new(w, CONC_SPACE);
	c.claims = calloc(CONC_SPACE, sizeof(*c.claims));
	assert_non_null(c.claims);
	for (uint32_t i = 1; i <= prefill; i++)
		alloc_expect(c.s, CONC_SPACE, i);

	for (int i = 0; i < CONC_ACTORS; i++) {
		args[i] = (struct conc_actor){
			.c = &c,
			.held = calloc(hold, sizeof(uint32_t)),
			.seed = 1234u + (unsigned)i * 7919u,
		};
		assert_non_null(args[i].held);
		assert_int_equal(
			sva_actor_spawn(w, names[i], conc_actor_fn, &args[i], 0, &actors[i]), 0);
	}
	assert_int_equal(sva_world_run(w), 0);
	for (int i = 0; i < CONC_ACTORS; i++) {
		assert_int_equal(sva_actor_join(actors[i], &ret), 0);
		assert_int_equal(ret, 0);
		free(args[i].held);
	}

	assert_int_equal(sva_report_total(w), 0);
	assert_int_equal(atomic_load(&c.duplicates), 0);
	assert_int_equal(atomic_load(&c.errors), 0);
	assert_true(atomic_load(&c.allocs) >= (long)iterations);
	assert_int_equal(sva_pasid_allocated(c.s), prefill);
	for (uint32_t i = 1; i < CONC_SPACE; i++) {
		assert_int_equal(atomic_load(&c.claims[i]), 0);
		assert_int_equal(sva_pasid_is_allocated(c.s, i), i <= prefill);
	}
	/* With the actors' IDs gone, the lowest free ID is right after the prefill. */
	alloc_expect(c.s, CONC_SPACE, prefill + 1);
	free(c.claims);
	teardown_all(w, c.s);
}

static void test_pasid_concurrent_native_no_duplicates(void **state)
{
	(void)state;
	conc_run(NULL, 20000, 6, 0);
}

static void test_pasid_concurrent_native_chunk_boundary(void **state)
{
	(void)state;
	/* 4096 - 10: the actors' IDs straddle chunks 0 and 1. */
	conc_run(NULL, 20000, 6, 4086);
}

static void test_pasid_concurrent_native_chunk_churn(void **state)
{
	(void)state;
	/* Up to 4 x 3000 IDs: chunks 1 to 3 come and go. */
	conc_run(NULL, 300, 3000, 4000);
}

static void test_pasid_concurrent_sim_no_duplicates(void **state)
{
	(void)state;
	struct sva_world_config cfg = { .backend = SVA_BACKEND_SIM, .seed = 1 };

	conc_run(&cfg, 500, 6, 4090);
}

static void test_pasid_concurrent_sim_chunk_churn(void **state)
{
	(void)state;
	struct sva_world_config cfg = { .backend = SVA_BACKEND_SIM, .seed = 2 };

	conc_run(&cfg, 12, 3000, 4000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pasid_create_rejects_bad_max),
		cmocka_unit_test(test_pasid_create_fails_cleanly_on_enomem),
		cmocka_unit_test(test_pasid_first_id_is_one_never_zero),
		cmocka_unit_test(test_pasid_lowest_free_reuse_order),
		cmocka_unit_test(test_pasid_lowest_free_across_boundaries),
		cmocka_unit_test(test_pasid_exhaust_full_space),
		cmocka_unit_test(test_pasid_exhaust_small_space),
		cmocka_unit_test(test_pasid_per_call_max_bounds),
		cmocka_unit_test(test_pasid_max_zero_one_is_enospc),
		cmocka_unit_test(test_pasid_max_above_space_clamps),
		cmocka_unit_test(test_pasid_space_max_odd_size),
		cmocka_unit_test(test_pasid_invalid_free_changes_nothing),
		cmocka_unit_test(test_pasid_alloc_null_args),
		cmocka_unit_test(test_pasid_memory_proportional_to_use),
		cmocka_unit_test(test_pasid_chunk_boundary_no_thrash),
		cmocka_unit_test(test_pasid_destroy_with_live_ids),
		cmocka_unit_test(test_pasid_fail_nth_first_chunk),
		cmocka_unit_test(test_pasid_fail_nth_next_chunk),
		cmocka_unit_test(test_pasid_fail_nth_sweep),
		cmocka_unit_test(test_pasid_concurrent_native_no_duplicates),
		cmocka_unit_test(test_pasid_concurrent_native_chunk_boundary),
		cmocka_unit_test(test_pasid_concurrent_native_chunk_churn),
		cmocka_unit_test(test_pasid_concurrent_sim_no_duplicates),
		cmocka_unit_test(test_pasid_concurrent_sim_chunk_churn),
	};

	return cmocka_run_group_tests_name("pasid", tests, NULL, NULL);
}

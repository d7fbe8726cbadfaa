/* SPDX-License-Identifier: MIT */
/*
 * Fibers on their own, below the scheduler: built twice, once with the x86-64 assembly switch
 * (test_fiber) and once with the ucontext fallback other machines use (test_fiber_ucontext,
 * -DSVA_FIBER_UCONTEXT), so the fallback is not code nobody ran.
 *
 * A fiber's locals, callee-saved registers and floating-point state survive switches; fibers
 * interleave in the order they are switched to; a fiber that ends switches away for good and
 * is destroyed; stacks go back to the cache and are taken again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../src/sync/fiber.h"
#include "sva/sync.h"

#define ROUNDS 1000
#define STACK  (64 * 1024)

struct ring {
	struct sva_fiber main;
	struct sva_fiber f[3];
	int log[3 * ROUNDS + 3];
	int nlog;
	double sums[3];
	bool done[3];
};

struct member {
	struct ring *r;
	int idx;
};

/* Deep enough to use a good part of the stack, so a shared or clobbered stack would show. */
static uint64_t walk(int depth, uint64_t acc)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth == 0)
		return acc + (uint64_t)pad[0];
	return walk(depth - 1, acc * 31 + (uint64_t)depth) + (uint64_t)pad[0];
}

static void member_main(void *arg)
{
	struct member *m = arg;
	struct ring *r = m->r;
	double sum = 0.5 * (m->idx + 1); /* lives in a register or on this stack across switches */
	uint64_t check = walk(100, (uint64_t)m->idx);

	for (int i = 0; i < ROUNDS; i++) {
		r->log[r->nlog++] = m->idx;
		sum += 0.25;
		assert_true(walk(100, (uint64_t)m->idx) == check);
		/* next member, or main after the last */
		sva_fiber_switch(&r->f[m->idx], m->idx < 2 ? &r->f[m->idx + 1] : &r->main, false);
	}
	r->sums[m->idx] = sum;
	r->done[m->idx] = true;
	sva_fiber_switch(&r->f[m->idx], &r->main, true);
}

static void run_ring(struct sva_stack_cache *cache)
{
	struct ring r = { .nlog = 0 };
	struct member m[3];

	sva_fiber_init_main(&r.main);
	for (int i = 0; i < 3; i++) {
		m[i] = (struct member){ .r = &r, .idx = i };
		assert_int_equal(sva_fiber_create(&r.f[i], STACK, cache, member_main, &m[i]), 0);
	}
	/* each round: main -> f0 -> f1 -> f2 -> main; then each ends, in order */
	for (int round = 0; round <= ROUNDS; round++)
		sva_fiber_switch(&r.main, &r.f[0], false);
	for (int i = 1; i < 3; i++)
		if (!r.done[i])
			sva_fiber_switch(&r.main, &r.f[i], false);
	for (int i = 0; i < 3; i++) {
		assert_true(r.done[i]);
		assert_true(r.sums[i] == 0.5 * (i + 1) + 0.25 * ROUNDS);
		sva_fiber_destroy(&r.f[i]);
	}
	assert_int_equal(r.nlog, 3 * ROUNDS);
	for (int k = 0; k < r.nlog; k++)
		assert_int_equal(r.log[k], k % 3);
}

static void test_fibers_interleave_and_keep_their_state(void **state)
{
	(void)state;
	run_ring(NULL);
}

static void test_stacks_come_back_to_the_cache(void **state)
{
	struct sva_stack_cache *cache;
	(void)state;

	assert_int_equal(sva_stack_cache_create(4, &cache), 0);
	run_ring(cache);
	assert_int_equal(sva_stack_cache_count(cache), 3);
	run_ring(cache); /* takes the same three again */
	assert_int_equal(sva_stack_cache_count(cache), 3);
	sva_stack_cache_destroy(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fibers_interleave_and_keep_their_state),
		cmocka_unit_test(test_stacks_come_back_to_the_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

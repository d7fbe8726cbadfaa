/* SPDX-License-Identifier: MIT */
/*
 * Use after free of the IOMMU core's objects is a violation, not a crash (sim worlds): a
 * model that frees a domain, a bond or a fault group too early is reported as a use after
 * free (the checker's I5) on the schedule that does it, the schedule replays to the same
 * report, and the faithful design is clean on every schedule explored.
 *
 *  - The detach that does not drain its PASID's page requests (SVA_BREAK_NO_PRQ_DRAIN) frees
 *    the domain under a queued request: the fault work, or the PRQ consumer, then meets the
 *    freed domain. Explored with and without partial-order reduction.
 *  - A bond unbound by two actors that bound it once: the second unbind meets the freed bond,
 *    before it takes iommu_sva_lock or while it waited for it.
 */
#include <stdio.h>
#include <string.h>

#include "sva/check.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define UAF_BOUND    1	   /* preemptions: the windows need one */
#define UAF_MAX_RUNS 20000 /* schedules and redundant runs per exploration */

struct uaf_stack {
	struct sva_world *w;
	struct sva_checker *c;
	struct sva_mm_sys *mms;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint32_t pasid;
	uint64_t addr;
	bool unbound; /* the bond is gone (the check must not unbind it again) */
	/* over an exploration: the runs that ended at a use after free, the first one's story */
	unsigned long uaf_runs, unexpected_runs;
	unsigned long first_i5;
	char first_msg[512];
	char first_schedule[4096];
};

/* A device with PRI bound to a fresh mm with one page, not populated (DMA faults on it). */
static int uaf_stack_build(struct uaf_stack *s, struct sva_world *w)
{
	struct sva_mm_sys_config mc = { .frames = 256 };
	struct sva_swiommu_config sc = { .name = "sw0" };
	struct sva_device_config dc = {
		.name = "acc0", .pasid_bits = 20, .ats = true, .pri = true
	};
	int ret;

	s->w = w;
	s->unbound = false;
	ret = sva_checker_attach(w, &s->c);
	if (!ret) {
		sva_checker_stop_on_violation(s->c, true);
		ret = sva_mm_sys_create(w, &mc, &s->mms);
	}
	if (!ret)
		ret = sva_iommu_sys_create(s->mms, &s->isys);
	if (!ret)
		ret = sva_swiommu_create(s->isys, &sc, &s->sw);
	if (!ret)
		ret = sva_device_add(sva_swiommu_iommu(s->sw), &dc, &s->dev);
	if (!ret)
		ret = sva_mm_create(s->mms, NULL, &s->mm);
	if (!ret)
		ret = sva_mm_mmap(s->mm, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL,
				  0, &s->addr);
	if (!ret)
		ret = sva_bind_device(s->dev, s->mm, &s->bond);
	if (!ret)
		s->pasid = sva_bond_pasid(s->bond);
	return ret;
}

/* What an exploration saw: a use after free (the first one kept), or another failure. */
static void uaf_record(struct uaf_stack *s, struct sva_world *w, int run)
{
	const char *first = sva_report_first(w);

	if (sva_report_count(w, SVA_REPORT_USE_AFTER_FREE) == 0) {
		/* the other ways these programs fail: the answer after the unbind, no user left */
		if (run && !strstr(first, "I2 no early reuse: a page re") &&
		    !strstr(first, "has no user left"))
			s->unexpected_runs++;
		return;
	}
	if (s->uaf_runs++ == 0) {
		snprintf(s->first_msg, sizeof(s->first_msg), "%s", first);
		sva_world_schedule(w, s->first_schedule, sizeof(s->first_schedule));
		s->first_i5 = sva_checker_violations(s->c, SVA_I5_REFCOUNT);
	}
}

static int uaf_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct uaf_stack *s = arg;

	uaf_record(s, w, run);
	if (run)
		snprintf(msg, len, "%s", sva_report_first(w));
	/*
	 * A stopped run leaves its actors where they were (one inside a drain, say): tearing the
	 * stack down would wait for them. The world's destruction frees what is left.
	 */
	if (sva_world_stopped(w))
		return run;
	if (!s->unbound)
		sva_unbind_device(s->bond);
	s->unbound = true;
	sva_mmput(s->mm);
	sva_mm_sys_synchronize(s->mms);
	return run;
}

static void uaf_teardown(struct sva_world *w, void *arg)
{
	struct uaf_stack *s = arg;

	if (!sva_world_stopped(w)) { /* else left to the world's destruction (uaf_check) */
		sva_device_remove(s->dev);
		sva_swiommu_destroy(s->sw);
		sva_iommu_sys_destroy(s->isys);
		sva_mm_sys_destroy(s->mms);
	}
	sva_checker_detach(s->c);
}

/* ---- a detach that does not drain: the domain freed under a queued page request ---- */

static int dma_actor(void *arg)
{
	struct uaf_stack *s = arg;
	struct sva_dma_status st;
	uint64_t v;

	(void)sva_dma_read(s->dev, s->pasid, s->addr, &v, sizeof(v), &st);
	return 0;
}

static int unbind_actor(void *arg)
{
	struct uaf_stack *s = arg;

	sva_unbind_device(s->bond);
	s->unbound = true;
	return 0;
}

static int undrained_setup(struct sva_world *w, void *arg)
{
	struct uaf_stack *s = arg;
	int ret = uaf_stack_build(s, w);

	if (!ret)
		ret = sva_actor_spawn(w, "dev", dma_actor, s, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "unbind", unbind_actor, s, 0, NULL);
	return ret;
}

/* Explore the program at K=UAF_BOUND (every failing schedule counted) under @breaks. */
static void uaf_explore(int (*setup)(struct sva_world *, void *), unsigned breaks, bool no_por,
			struct uaf_stack *s, struct sva_explore_result *res)
{
	struct sva_program prog = { "uaf", setup, uaf_check, uaf_teardown, s, false };
	struct sva_explore_config cfg = { .preemption_bound = UAF_BOUND,
					  .max_schedules = UAF_MAX_RUNS,
					  .keep_going = true,
					  .no_por = no_por,
					  .world = { .breaks = breaks, .quiet = true } };

	memset(s, 0, sizeof(*s));
	assert_int_equal(sva_explore(&cfg, &prog, res), 0);
	print_message("%s, breaks %#x: %lu schedules (%s), %lu failed, %lu a use after free\n",
		      no_por ? "no POR" : "POR", breaks, res->schedules,
		      res->exhausted ? "exhausted" : "bounded", res->failures, s->uaf_runs);
}

/* The first use-after-free schedule replays to the same report, on a fresh world. */
static void uaf_assert_replays(int (*setup)(struct sva_world *, void *), unsigned breaks,
			       struct uaf_stack *s)
{
	struct uaf_stack again;
	struct sva_program prog = { "uaf", setup, uaf_check, uaf_teardown, &again, false };
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
				       .schedule = s->first_schedule,
				       .nonpreemptive = true,
				       .breaks = breaks,
				       .quiet = true };
	char schedule[sizeof(s->first_schedule)], msg[512];

	memset(&again, 0, sizeof(again));
	assert_int_equal(
		sva_program_run_once(&wc, &prog, schedule, sizeof(schedule), msg, sizeof(msg)),
		-EFAULT);
	assert_string_equal(msg, s->first_msg);
	assert_int_equal(again.uaf_runs, 1);
}

static void test_undrained_detach_frees_domain_reported(void **state)
{
	struct uaf_stack s;
	struct sva_explore_result res;
	(void)state;

	for (int no_por = 0; no_por <= 1; no_por++) {
		uaf_explore(undrained_setup, 0, no_por, &s, &res);
		if (res.failures)
			fprintf(stderr, "%s\nschedule %s\n", res.message, res.schedule);
		assert_int_equal(res.failures, 0);
		assert_true(res.exhausted);

		uaf_explore(undrained_setup, SVA_BREAK_NO_PRQ_DRAIN, no_por, &s, &res);
		assert_true(res.exhausted);
		assert_true(s.uaf_runs > 0);
		/* the freed object is named, and the checker counted it as I5 */
		assert_non_null(strstr(s.first_msg, "use after free: "));
		assert_non_null(strstr(s.first_msg, "through a freed domain (allocation #"));
		assert_int_equal(s.first_i5, 1);
		/* every failure is the use after free or the I2 of the answer after the unbind */
		assert_int_equal(s.unexpected_runs, 0);
		uaf_assert_replays(undrained_setup, SVA_BREAK_NO_PRQ_DRAIN, &s);
	}
}

/* ---- a bond unbound twice: the second unbind meets it freed ---- */

static int unbind_twice_setup(struct sva_world *w, void *arg)
{
	struct uaf_stack *s = arg;
	int ret = uaf_stack_build(s, w);

	if (!ret)
		ret = sva_actor_spawn(w, "unbind1", unbind_actor, s, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "unbind2", unbind_actor, s, 0, NULL);
	return ret;
}

static void test_bond_unbound_twice_reported(void **state)
{
	struct uaf_stack s;
	struct sva_explore_result res;
	(void)state;

	uaf_explore(unbind_twice_setup, 0, false, &s, &res);
	/*
	 * On every schedule one unbind is one too many: it meets the freed bond (a use after
	 * free), or the bond between its last unbind and its free (no user left: refcount misuse).
	 */
	assert_true(res.exhausted);
	assert_int_equal(res.failures, res.schedules);
	assert_true(s.uaf_runs > 0);
	assert_int_equal(s.unexpected_runs, 0);
	assert_non_null(strstr(s.first_msg, "use after free: iommu_sva_unbind_device"));
	assert_non_null(strstr(s.first_msg, "through a freed bond (allocation #"));
	assert_int_equal(s.first_i5, 1);
	uaf_assert_replays(unbind_twice_setup, 0, &s);
}

/* The same objects in a native world: freed at once, never "gone" (no quarantine to see). */
static void test_native_live_objects_not_gone(void **state)
{
	struct uaf_stack s;
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	(void)state;

	memset(&s, 0, sizeof(s));
	sva_test_quiet(w);
	assert_int_equal(uaf_stack_build(&s, w), 0);
	assert_false(sva_obj_gone(&s.dev->iommu, "test"));
	assert_int_equal(sva_bond_users(s.bond), 1);
	assert_ptr_equal(sva_bond_device(s.bond), s.dev);
	assert_int_equal(sva_report_total(w), 0);
	s.unbound = false;
	uaf_check(w, &s, 0, NULL, 0);
	uaf_teardown(w, &s);
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_undrained_detach_frees_domain_reported),
		cmocka_unit_test(test_bond_unbound_twice_reported),
		cmocka_unit_test(test_native_live_objects_not_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

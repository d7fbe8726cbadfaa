/* SPDX-License-Identifier: MIT */
/*
 * Partial-order reduction in the explorer (sleep sets over step footprints): independent
 * actors cost fewer schedules and reach exactly the same set of outcomes as without it; a race
 * on one shared object is still found, and its schedule replays; turning it off gives back
 * every schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/check.h"
#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define ROUNDS	     2 /* appends per logging actor */
#define OWN_STEPS    3 /* lock/increment/unlock rounds of the independent actor */
#define MAX_OUTCOMES 64
#define DMA_BOUND    3 /* the DMA program's preemption bound */

/*
 * Two actors append their letter to a log under one mutex (the order is the outcome); a
 * third works on its own mutex and counter, independent of both: its steps commute with theirs.
 */
struct log_prog {
	struct sva_mutex log_lock, own_lock;
	char log[2 * ROUNDS + 1];
	unsigned len;
	long own;
	char outcomes[MAX_OUTCOMES][2 * ROUNDS + 8];
	unsigned noutcomes;
};

static int log_actor(void *arg, char letter)
{
	struct log_prog *p = arg;

	for (int i = 0; i < ROUNDS; i++) {
		sva_mutex_lock(&p->log_lock);
		p->log[p->len++] = letter;
		sva_mutex_unlock(&p->log_lock);
	}
	return 0;
}

static int log_a(void *arg)
{
	return log_actor(arg, 'A');
}

static int log_b(void *arg)
{
	return log_actor(arg, 'B');
}

static int own_actor(void *arg)
{
	struct log_prog *p = arg;

	for (int i = 0; i < OWN_STEPS; i++) {
		sva_mutex_lock(&p->own_lock);
		p->own++;
		sva_mutex_unlock(&p->own_lock);
	}
	return 0;
}

static int log_setup(struct sva_world *w, void *arg)
{
	struct log_prog *p = arg;
	int ret;

	memset(p->log, 0, sizeof(p->log));
	p->len = 0;
	p->own = 0;
	sva_mutex_init(w, &p->log_lock, "log_lock");
	sva_mutex_init(w, &p->own_lock, "own_lock");
	ret = sva_actor_spawn(w, "a", log_a, p, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "own", own_actor, p, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "b", log_b, p, 0, NULL);
	return ret;
}

/* Record the outcome (the log and the independent counter) once. */
static int log_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct log_prog *p = arg;
	char out[sizeof(p->outcomes[0])];

	(void)w;
	(void)msg;
	(void)len;
	sva_mutex_destroy(&p->log_lock);
	sva_mutex_destroy(&p->own_lock);
	if (run)
		return run;
	snprintf(out, sizeof(out), "%s/%ld", p->log, p->own);
	for (unsigned i = 0; i < p->noutcomes; i++)
		if (!strcmp(p->outcomes[i], out))
			return 0;
	if (p->noutcomes < MAX_OUTCOMES)
		snprintf(p->outcomes[p->noutcomes++], sizeof(p->outcomes[0]), "%s", out);
	return 0;
}

static int outcome_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void explore_log(bool no_por, unsigned bound, struct log_prog *p,
			struct sva_explore_result *res)
{
	struct sva_program prog = { "log", log_setup, log_check, NULL, p, false };
	struct sva_explore_config cfg = { .preemption_bound = bound, .no_por = no_por };

	memset(p, 0, sizeof(*p));
	assert_int_equal(sva_explore(&cfg, &prog, res), 0);
	assert_true(res->exhausted);
	assert_int_equal(res->failures, 0);
	qsort(p->outcomes, p->noutcomes, sizeof(p->outcomes[0]), outcome_cmp);
}

static void test_independent_actor_fewer_schedules_same_outcomes(void **state)
{
	static struct log_prog with, without;
	struct sva_explore_result rw, ro;
	(void)state;

	/* a bound high enough not to cut anything: sleep sets alone decide what is skipped */
	explore_log(false, 16, &with, &rw);
	explore_log(true, 16, &without, &ro);
	assert_true(rw.schedules < ro.schedules);
	assert_int_equal(ro.redundant, 0); /* no reduction, nothing cut short */
	/* every order of AABB, the independent counter always complete */
	assert_int_equal(without.noutcomes, 6);
	assert_int_equal(with.noutcomes, without.noutcomes);
	for (unsigned i = 0; i < with.noutcomes; i++)
		assert_string_equal(with.outcomes[i], without.outcomes[i]);
}

static void test_por_at_the_preemption_bound(void **state)
{
	static struct log_prog with, without;
	struct sva_explore_result rw, ro;
	(void)state;

	/* K = 1: fewer schedules, and never one the bound excludes */
	explore_log(false, 1, &with, &rw);
	explore_log(true, 1, &without, &ro);
	assert_true(rw.schedules < ro.schedules);
	assert_true(with.noutcomes >= 1 && with.noutcomes <= without.noutcomes);
}

/* A read-modify-write of one sva_atomic split by its own operations: updates get lost. */
struct race_prog {
	struct sva_atomic x;
	struct sva_mutex own_lock;
	long own;
};

static int race_actor(void *arg)
{
	struct race_prog *p = arg;

	for (int i = 0; i < 2; i++) {
		long v = sva_atomic_read(&p->x);

		sva_atomic_set(&p->x, v + 1); /* a switch between the two loses an update */
	}
	return 0;
}

static int race_own(void *arg)
{
	struct race_prog *p = arg;

	for (int i = 0; i < OWN_STEPS; i++) {
		sva_mutex_lock(&p->own_lock);
		p->own++;
		sva_mutex_unlock(&p->own_lock);
	}
	return 0;
}

static int race_setup(struct sva_world *w, void *arg)
{
	struct race_prog *p = arg;
	int ret;

	sva_atomic_init(w, &p->x, 0);
	sva_mutex_init(w, &p->own_lock, "own_lock");
	p->own = 0;
	ret = sva_actor_spawn(w, "own", race_own, p, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "inc0", race_actor, p, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "inc1", race_actor, p, 0, NULL);
	return ret;
}

static int race_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct race_prog *p = arg;
	long x = atomic_load(&p->x.v);

	(void)w;
	sva_mutex_destroy(&p->own_lock);
	if (run)
		return run;
	if (x != 4) {
		snprintf(msg, len, "lost update: x = %ld", x);
		return -1;
	}
	return 0;
}

static void test_race_on_one_object_still_found(void **state)
{
	struct race_prog p;
	struct sva_program prog = { "race", race_setup, race_check, NULL, &p, false };
	struct sva_explore_config cfg = { .preemption_bound = 2, .keep_going = true };
	struct sva_explore_result with, without;
	char schedule[4096], msg[256];
	(void)state;

	assert_int_equal(sva_explore(&cfg, &prog, &with), 0);
	cfg.no_por = true;
	assert_int_equal(sva_explore(&cfg, &prog, &without), 0);
	assert_true(with.exhausted && without.exhausted);
	assert_true(without.failures > 0);
	assert_true(with.failures > 0);
	assert_true(with.schedules < without.schedules);
	assert_non_null(strstr(with.message, "lost update"));

	/* the failing schedule found under reduction replays, without it */
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
				       .schedule = with.schedule,
				       .nonpreemptive = true };

	assert_int_equal(
		sva_program_run_once(&wc, &prog, schedule, sizeof(schedule), msg, sizeof(msg)),
		-EFAULT);
	assert_string_equal(msg, with.message);
}

/*
 * The device's steps name what they read (docs/concurrency.md "What each point names"): the
 * PASID entry, the IOTLB set and generation, the page table and the frames (the arena), the
 * checker's shadow. A device reads one page and writes another while a CPU writes the first and
 * unmaps the second (an invalidation that waits for the DMA section): every outcome the full
 * enumeration reaches - what the device read, whether its write landed or faulted, what the
 * checker said - POR reaches too. A footprint too small would lose one of them.
 */
struct dma_prog {
	struct sva_checker *c;
	struct sva_mm_sys *mms;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t addr;
	uint64_t read;
	int read_ret, write_ret;
	bool unbind; /* the CPU side unbinds instead (the PASID entry changes under the DMA) */
	bool ats;    /* the device translates through ATS and its ATC (the ATS request's point) */
	uint32_t pasid;
	char outcomes[MAX_OUTCOMES][48];
	unsigned noutcomes;
};

static int dma_dev(void *arg)
{
	struct dma_prog *p = arg;
	struct sva_dma_status st;
	uint64_t v = 42;

	p->read_ret = sva_dma_read(p->dev, p->pasid, p->addr, &p->read, sizeof(p->read), &st);
	p->write_ret = sva_dma_write(p->dev, p->pasid, p->addr + SVA_PAGE_SIZE, &v, sizeof(v), &st);
	return 0;
}

static int dma_cpu(void *arg)
{
	struct dma_prog *p = arg;
	uint64_t v = 7;

	if (p->unbind) {
		sva_unbind_device(p->bond);
		return 0;
	}
	if (sva_mm_access(p->mm, p->addr, &v, sizeof(v), true))
		return -1;
	return sva_mm_munmap(p->mm, p->addr + SVA_PAGE_SIZE, SVA_PAGE_SIZE);
}

static int dma_setup(struct sva_world *w, void *arg)
{
	struct dma_prog *p = arg;
	struct sva_mm_sys_config mc = { .frames = 64 };
	struct sva_swiommu_config sc = { .name = "sw0" };
	struct sva_device_config dc = { .name = "acc0", .pasid_bits = 20, .ats = p->ats };
	uint64_t one = 1;
	int ret;

	p->read = 0;
	p->read_ret = p->write_ret = 1;
	ret = sva_checker_attach(w, &p->c);
	if (!ret)
		ret = sva_mm_sys_create(w, &mc, &p->mms);
	if (!ret)
		ret = sva_iommu_sys_create(p->mms, &p->isys);
	if (!ret)
		ret = sva_swiommu_create(p->isys, &sc, &p->sw);
	if (!ret)
		ret = sva_device_add(sva_swiommu_iommu(p->sw), &dc, &p->dev);
	if (!ret)
		ret = sva_mm_create(p->mms, NULL, &p->mm);
	if (!ret)
		ret = sva_mm_mmap(p->mm, 0, 2 * SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				  SVA_MAP_POPULATE, NULL, 0, &p->addr);
	if (!ret)
		ret = sva_mm_access(p->mm, p->addr, &one, sizeof(one), true);
	if (!ret)
		ret = sva_bind_device(p->dev, p->mm, &p->bond);
	if (!ret)
		p->pasid = sva_bond_pasid(p->bond);
	if (!ret)
		ret = sva_actor_spawn(w, "dev", dma_dev, p, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "cpu", dma_cpu, p, 0, NULL);
	return ret;
}

/* Record the outcome: the device's read and write, and the checker's violations. */
static int dma_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct dma_prog *p = arg;
	char out[sizeof(p->outcomes[0])];

	(void)w;
	(void)msg;
	(void)len;
	if (!p->unbind)
		sva_unbind_device(p->bond);
	sva_mmput(p->mm);
	sva_mm_sys_synchronize(p->mms);
	if (run)
		return run;
	snprintf(out, sizeof(out), "read %d:%llu write %d I3 %lu", p->read_ret,
		 (unsigned long long)p->read, p->write_ret,
		 sva_checker_violations(p->c, SVA_I3_ISOLATION));
	for (unsigned i = 0; i < p->noutcomes; i++)
		if (!strcmp(p->outcomes[i], out))
			return 0;
	if (p->noutcomes < MAX_OUTCOMES)
		snprintf(p->outcomes[p->noutcomes++], sizeof(p->outcomes[0]), "%s", out);
	return 0;
}

static void dma_teardown(struct sva_world *w, void *arg)
{
	struct dma_prog *p = arg;

	(void)w;
	sva_device_remove(p->dev);
	sva_swiommu_destroy(p->sw);
	sva_iommu_sys_destroy(p->isys);
	sva_mm_sys_destroy(p->mms);
	sva_checker_detach(p->c);
}

static void explore_dma(bool no_por, unsigned bound, unsigned breaks, bool unbind, bool ats,
			struct dma_prog *p, struct sva_explore_result *res)
{
	/* the check judges: a broken design's violations are outcomes, not failures */
	struct sva_program prog = { "dma", dma_setup, dma_check, dma_teardown, p, true };
	struct sva_explore_config cfg = { .preemption_bound = bound,
					  .no_por = no_por,
					  .world = { .quiet = true, .breaks = breaks } };

	memset(p, 0, sizeof(*p));
	p->unbind = unbind;
	p->ats = ats;
	assert_int_equal(sva_explore(&cfg, &prog, res), 0);
	print_message("dma%s%s, K=%u, %s%s: %lu schedules, %lu redundant, %u outcomes\n",
		      ats ? " through ATS" : "", unbind ? " under unbind" : "", bound,
		      no_por ? "no POR" : "POR", breaks ? ", broken" : "", res->schedules,
		      res->redundant, p->noutcomes);
	assert_true(res->exhausted);
	assert_int_equal(res->failures, 0);
	qsort(p->outcomes, p->noutcomes, sizeof(p->outcomes[0]), outcome_cmp);
}

static void dma_same_outcomes(unsigned breaks, bool unbind, bool ats, unsigned min_outcomes)
{
	static struct dma_prog with, without;
	struct sva_explore_result rw, ro;

	explore_dma(false, DMA_BOUND, breaks, unbind, ats, &with, &rw);
	explore_dma(true, DMA_BOUND, breaks, unbind, ats, &without, &ro);
	for (unsigned i = 0; i < without.noutcomes; i++)
		print_message("  %s\n", without.outcomes[i]);
	assert_true(rw.schedules < ro.schedules);
	assert_true(without.noutcomes >= min_outcomes);
	assert_int_equal(with.noutcomes, without.noutcomes);
	for (unsigned i = 0; i < with.noutcomes; i++)
		assert_string_equal(with.outcomes[i], without.outcomes[i]);
}

static void test_device_steps_named_same_outcomes(void **state)
{
	(void)state;
	/* the read sees 1 or 7, the write lands or faults on the unmapped page */
	dma_same_outcomes(0, false, false, 4);
	/*
	 * The munmap leaves the IOTLB entry: the write through it after the unmap is a violation
	 * (I3) in some orders only - the checker's verdict is an outcome too.
	 */
	dma_same_outcomes(SVA_BREAK_KEEP_IOTLB, false, false, 5);
	/* the entry goes away under the device: each access translates, faults, or never starts */
	dma_same_outcomes(0, true, false, 2);
	/*
	 * The same through ATS: the ATS request's steps name the ATC's generation, its entries
	 * (their lock) and what a translation reads; the kept ATC entry's I3 is an outcome too.
	 * (Under an unbind too it reaches the same 3 outcomes, but its full enumeration is 46,209
	 * schedules: too long for the suite under ASan.)
	 */
	dma_same_outcomes(0, false, true, 4);
	dma_same_outcomes(SVA_BREAK_KEEP_IOTLB, false, true, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_independent_actor_fewer_schedules_same_outcomes),
		cmocka_unit_test(test_por_at_the_preemption_bound),
		cmocka_unit_test(test_race_on_one_object_still_found),
		cmocka_unit_test(test_device_steps_named_same_outcomes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

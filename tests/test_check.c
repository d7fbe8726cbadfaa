/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker: each invariant caught from a crafted event sequence (as the layers
 * emit them), nothing reported on the same sequences done right, and a real run - bind, DMA,
 * exit while bound, unbind, the PASID back - checked clean from its own events.
 */
#include <string.h>

#include "sva/check.h"
#include "sva/swiommu.h"
#include "testutil.h"

static struct sva_world *check_world(struct sva_checker **c)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);

	sva_test_quiet(w);
	assert_int_equal(sva_checker_attach(w, c), 0);
	return w;
}

static void pasid_begin(struct sva_world *w, uint32_t pasid, uint64_t mm)
{
	sva_trace(w, PASID_ALLOC, pasid, mm);
}

static void pasid_end(struct sva_world *w, uint32_t pasid, uint64_t mm)
{
	sva_trace(w, PASID_FREE, pasid, mm);
}

static void entry(struct sva_world *w, const char *dev, uint32_t pasid, uint64_t state)
{
	sva_trace(w, SWIOMMU_PASID_ENTRY, dev, pasid, state, 0);
}

static void test_i1_one_owner_per_pasid(void **state)
{
	struct sva_checker *c;
	struct sva_world *w = check_world(&c);
	(void)state;

	pasid_begin(w, 5, 1);
	pasid_end(w, 5, 1);
	pasid_begin(w, 5, 2); /* reuse after a free: fine */
	assert_int_equal(sva_checker_violations(c, SVA_I1_UNIQUENESS), 0);
	pasid_begin(w, 5, 3); /* while mm2 has it */
	assert_int_equal(sva_checker_violations(c, SVA_I1_UNIQUENESS), 1);
	assert_int_equal(sva_report_count(w, SVA_REPORT_INVARIANT), 1);
	assert_non_null(strstr(sva_report_first(w), "I1 uniqueness: PASID 5 given to mm3"));
	sva_trace(w, PASID_ALLOC_PRIVATE, 5, "acc0"); /* a driver's, colliding */
	assert_int_equal(sva_checker_violations(c, SVA_I1_UNIQUENESS), 2);
	sva_checker_detach(c);
	sva_world_destroy(w);
}

static void test_i2_free_while_a_device_holds_it(void **state)
{
	struct sva_checker *c;
	struct sva_world *w = check_world(&c);
	(void)state;

	pasid_begin(w, 7, 1);
	entry(w, "acc0", 7, 1); /* translating */
	entry(w, "acc0", 7, 0); /* unbind: invalid */
	pasid_end(w, 7, 1);
	assert_int_equal(sva_checker_violations(c, SVA_I2_NO_EARLY_REUSE), 0);
	pasid_begin(w, 7, 2);
	entry(w, "acc1", 7, 2); /* released, not unbound */
	pasid_end(w, 7, 2);	/* freed at mmput: v5.18-rc1's bug */
	assert_int_equal(sva_checker_violations(c, SVA_I2_NO_EARLY_REUSE), 1);
	assert_non_null(strstr(sva_report_first(w), "I2 no early reuse: PASID 7 freed while acc1"));
	sva_checker_detach(c);
	sva_world_destroy(w);
}

static void test_i6_groups_answered_exactly_once(void **state)
{
	struct sva_checker *c;
	struct sva_world *w = check_world(&c);
	(void)state;

	sva_trace(w, IOPF_REPORT, "acc0", 3, 1, 0);
	sva_trace(w, IOPF_REPORT, "acc0", 3, 1, 1);
	sva_trace(w, IOPF_RESPONSE, "acc0", 3, 1, 0);
	assert_int_equal(sva_checker_violations(c, SVA_I6_LIVENESS), 0);
	sva_trace(w, IOPF_RESPONSE, "acc0", 3, 1, 1); /* a second answer */
	assert_int_equal(sva_checker_violations(c, SVA_I6_LIVENESS), 1);
	sva_trace(w, IOPF_REPORT, "acc0", 3, 2, 1);
	pasid_begin(w, 3, 1);
	pasid_end(w, 3, 1); /* freed with group 2 pending */
	assert_int_equal(sva_checker_violations(c, SVA_I2_NO_EARLY_REUSE), 1);
	sva_checker_finish(c); /* and never answered */
	assert_int_equal(sva_checker_violations(c, SVA_I6_LIVENESS), 2);
	sva_checker_detach(c);
	sva_world_destroy(w);
}

static void test_i7_silent_between_release_and_unbind(void **state)
{
	struct sva_checker *c;
	struct sva_world *w = check_world(&c);
	(void)state;

	entry(w, "acc0", 9, 1);
	sva_trace(w, SWIOMMU_FAULT, "acc0", 9, 0x1000, 5); /* a page fault while bound: fine */
	entry(w, "acc0", 9, 2);				   /* release */
	assert_int_equal(sva_checker_violations(c, SVA_I7_QUIET_TEARDOWN), 0);
	sva_trace(w, SWIOMMU_FAULT, "acc0", 9, 0x2000, 4);
	assert_int_equal(sva_checker_violations(c, SVA_I7_QUIET_TEARDOWN), 1);
	entry(w, "acc0", 9, 0); /* unbind: reporting again is right */
	sva_trace(w, SWIOMMU_FAULT, "acc0", 9, 0x2000, 3);
	assert_int_equal(sva_checker_violations(c, SVA_I7_QUIET_TEARDOWN), 1);
	sva_checker_detach(c);
	sva_world_destroy(w);
}

static void test_i4_i5_at_the_end(void **state)
{
	struct sva_checker *c;
	struct sva_world *w = check_world(&c);
	struct sva_refcount r;
	void *obj = sva_alloc(w, SVA_OBJ_TEST, 8);
	(void)state;

	sva_refcount_init(w, &r, "thing", 1);
	sva_refcount_dec_and_test(&r);
	sva_refcount_dec_and_test(&r); /* underflow */
	assert_int_equal(sva_checker_violations(c, SVA_I5_REFCOUNT), 1);
	sva_checker_finish(c);
	assert_int_equal(sva_checker_violations(c, SVA_I4_NO_LEAKS), 1);
	sva_free(w, SVA_OBJ_TEST, obj);
	sva_checker_detach(c);
	sva_world_destroy(w);
}

/* ---- a real run, checked from its own events ---- */

static void test_real_lifetime_checks_clean(void **state)
{
	for (uint64_t seed = 0; seed < 4; seed++) {
		struct sva_world *w =
			sva_test_world(seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed);
		struct sva_mm_sys_config mc = { .frames = 256 };
		struct sva_swiommu_config sc = { .name = "sw0" };
		struct sva_device_config dc = { .name = "acc0", .pasid_bits = 20, .ats = true };
		struct sva_checker *c;
		struct sva_mm_sys *mms;
		struct sva_iommu_sys *isys;
		struct sva_swiommu *sw;
		struct sva_device *dev;
		struct sva_mm *mm, *mm2;
		struct sva_bond *b;
		struct sva_dma_status st;
		uint64_t a, v = 42;
		(void)state;

		assert_int_equal(sva_checker_attach(w, &c), 0);
		assert_int_equal(sva_mm_sys_create(w, &mc, &mms), 0);
		assert_int_equal(sva_iommu_sys_create(mms, &isys), 0);
		assert_int_equal(sva_swiommu_create(isys, &sc, &sw), 0);
		assert_int_equal(sva_device_add(sva_swiommu_iommu(sw), &dc, &dev), 0);
		assert_int_equal(sva_mm_create(mms, NULL, &mm), 0);
		assert_int_equal(sva_mm_mmap(mm, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
					     SVA_MAP_POPULATE, NULL, 0, &a),
				 0);
		assert_int_equal(sva_bind_device(dev, mm, &b), 0);
		assert_int_equal(sva_dma_write(dev, sva_bond_pasid(b), a, &v, sizeof(v), &st), 0);
		sva_mmput(mm); /* exit while bound: DMA aborted silently from here */
		assert_int_equal(sva_dma_read(dev, sva_bond_pasid(b), a, &v, sizeof(v), &st),
				 -EFAULT);
		sva_unbind_device(b);
		assert_int_equal(sva_mm_create(mms, NULL, &mm2), 0); /* the next owner */
		assert_int_equal(sva_bind_device(dev, mm2, &b), 0);
		sva_unbind_device(b);
		sva_mmput(mm2);
		sva_mm_sys_synchronize(mms);
		sva_device_remove(dev);
		sva_swiommu_destroy(sw);
		sva_iommu_sys_destroy(isys);
		sva_mm_sys_destroy(mms);
		sva_checker_finish(c);
		assert_true(sva_checker_events(c) > 10);
		assert_int_equal(sva_checker_violations(c, 0), 0);
		sva_checker_detach(c);
		sva_test_world_done(w);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i1_one_owner_per_pasid),
		cmocka_unit_test(test_i2_free_while_a_device_holds_it),
		cmocka_unit_test(test_i6_groups_answered_exactly_once),
		cmocka_unit_test(test_i7_silent_between_release_and_unbind),
		cmocka_unit_test(test_i4_i5_at_the_end),
		cmocka_unit_test(test_real_lifetime_checks_clean),
	};

	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The DSA-like software accelerator (src/drivers/accel/) driven by processes through uacce and
 * the client library: every opcode's result and completion record, dedicated and shared WQs,
 * ENQCMD's PASID register (lazy load, #GP, threads, fork, exec, unbind), faults without
 * block-on-fault (partial completion, resubmission) and with it (PRI), a full WQ and PUT_Q with
 * descriptors pending, and the lifetime stories: exit, kill and device removal with
 * descriptors in flight, with no DMA on a PASID after its unbind (a trace monitor and the
 * swiommu's fault counters) and nothing leaked. A sim exploration runs submit against exit.
 *
 * Each story runs on native threads and under several sim seeds. Tasks cannot use cmocka's
 * asserts (they run on actors): they return 0 or the line of the first failed check, and the
 * test asserts the process's exit status. Tests named seedNNN_* also run alone in CTest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/accel.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE	  SVA_PAGE_SIZE
#define RW	  (SVA_PROT_READ | SVA_PROT_WRITE)
#define MAX_POLLS 50000000ul
#define NPASIDS	  64

/* In a task: fail with the line of the check. */
#define TCHECK(cond)                                                                          \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "task check failed, line %d: %s\n", __LINE__, #cond); \
			return __LINE__;                                                      \
		}                                                                             \
	} while (0)
#define TRY(expr)                    \
	do {                         \
		int try_ = (expr);   \
		if (try_)            \
			return try_; \
	} while (0)

/* ---- a monitor of the trace: no device activity on a PASID that is not bound ---- */

struct monitor {
	atomic_int bound[NPASIDS];
	atomic_int violations;
	atomic_int starts[NPASIDS];
	atomic_int msr_loads;
	atomic_int submits, ends; /* descriptors accepted / completed or aborted */
};

/* The PASID an event of the monitor's concern is about (the accelerator's are on its track). */
static bool monitor_pasid(const struct sva_trace_event *ev, uint64_t *pasid)
{
	switch (ev->kind) {
	case SVA_EV_SVA_BIND:
		*pasid = sva_ev_num(ev, SVA_BIND, pasid);
		return true;
	case SVA_EV_SVA_UNBIND:
		*pasid = sva_ev_num(ev, SVA_UNBIND, pasid);
		return true;
	case SVA_EV_ACCEL_SUBMIT:
	case SVA_EV_ACCEL_START:
	case SVA_EV_ACCEL_COMPLETE:
	case SVA_EV_ACCEL_ABORT:
	case SVA_EV_ACCEL_ABORT_QUEUED:
	case SVA_EV_ACCEL_RECORD_LOST:
	case SVA_EV_ACCEL_PASID_MSR_LOAD:
		*pasid = ev->track_id;
		return true;
	default:
		return false;
	}
}

static void monitor_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct monitor *m = ctx;
	uint64_t pasid;

	(void)w;
	if (!monitor_pasid(ev, &pasid) || pasid >= NPASIDS)
		return;
	switch (ev->kind) {
	case SVA_EV_SVA_BIND:
		atomic_store(&m->bound[pasid], 1);
		break;
	case SVA_EV_SVA_UNBIND:
		if (sva_ev_num(ev, SVA_UNBIND, last))
			atomic_store(&m->bound[pasid], 0);
		break;
	case SVA_EV_ACCEL_PASID_MSR_LOAD:
		atomic_fetch_add(&m->msr_loads, 1);
		break;
	default: /* a descriptor's life */
		if (!atomic_load(&m->bound[pasid])) {
			fprintf(stderr, "monitor: %s on PASID %llu, not bound\n",
				sva_event_name(ev->kind), (unsigned long long)pasid);
			atomic_fetch_add(&m->violations, 1);
		}
		if (ev->kind == SVA_EV_ACCEL_START)
			atomic_fetch_add(&m->starts[pasid], 1);
		if (ev->kind == SVA_EV_ACCEL_SUBMIT)
			atomic_fetch_add(&m->submits, 1);
		if (ev->kind == SVA_EV_ACCEL_COMPLETE || ev->kind == SVA_EV_ACCEL_ABORT ||
		    ev->kind == SVA_EV_ACCEL_ABORT_QUEUED)
			atomic_fetch_add(&m->ends, 1);
		break;
	}
}

/* ---- the machine ---- */

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_accel *a;
	struct monitor mon;
	bool destroyed;
};

/* dsa0wq0: dedicated; dsa0wq1: shared; dsa0wq2: shared with block-on-fault. Depth 8 each. */
static void accel_config(struct sva_accel_config *c, unsigned engines)
{
	*c = (struct sva_accel_config){
		.name = "dsa0",
		.engines = engines,
		.nwqs = 3,
		.wqs = { { .mode = SVA_ACCEL_WQ_DEDICATED, .depth = 8 },
			 { .mode = SVA_ACCEL_WQ_SHARED, .depth = 8 },
			 { .mode = SVA_ACCEL_WQ_SHARED, .depth = 8, .block_on_fault = true } },
		.max_xfer = 64 * PAGE,
		.max_batch = 8,
	};
}

static void env_init_rule(struct env *e, struct sva_world *w, bool pri, unsigned engines,
			  enum sva_accel_cdev_rule rule)
{
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = { .name = "accdev", .pasid_bits = 20, .pri = pri };
	struct sva_accel_config acfg;

	memset(e, 0, sizeof(*e));
	e->w = w;
	sva_world_subscribe(w, monitor_event, &e->mon);
	assert_int_equal(sva_kernel_create(e->w, NULL, &e->k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e->k), &e->isys), 0);
	assert_int_equal(sva_swiommu_create(e->isys, &scfg, &e->sw), 0);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e->sw), &dcfg, &e->dev), 0);
	accel_config(&acfg, engines);
	acfg.cdev_rule = rule;
	assert_int_equal(sva_accel_create(e->k, e->dev, &acfg, &e->a), 0);
}

static void env_init_world(struct env *e, struct sva_world *w, bool pri, unsigned engines)
{
	env_init_rule(e, w, pri, engines, SVA_ACCEL_CDEV_IDXD);
}

static void env_init(struct env *e, enum sva_backend b, uint64_t seed, bool pri)
{
	env_init_world(e, sva_test_world(b, seed), pri, 2);
}

/* The invariants every story ends with. */
static void env_check(struct env *e)
{
	struct sva_accel_stats s;
	struct sva_swiommu_stats ss;

	sva_accel_get_stats(e->a, &s);
	sva_swiommu_get_stats(e->sw, &ss);
	assert_int_equal(s.submitted, s.completed + s.aborted); /* every descriptor completed */
	assert_int_equal(s.submitted, atomic_load(&e->mon.submits));
	assert_int_equal(atomic_load(&e->mon.submits), atomic_load(&e->mon.ends));
	assert_int_equal(ss.faults_reported[SVA_FAULT_PASID_INVALID], 0); /* no DMA after unbind */
	assert_int_equal(atomic_load(&e->mon.violations), 0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(sva_accel_wq_pending(e->a, i), 0);
}

/* Everything but the world: the accelerator (checked first), the device, the IOMMU, the kernel. */
static void env_release(struct env *e)
{
	sva_iopf_quiesce(e->k, &e->dev, 1);
	if (!e->destroyed) {
		env_check(e);
		sva_accel_destroy(e->a);
	}
	sva_kernel_quiesce(e->k);
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e->isys)), 0);
	assert_int_equal(atomic_load(&e->mon.violations), 0);
	sva_device_remove(e->dev);
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	sva_kernel_destroy(e->k);
	sva_world_unsubscribe(e->w, monitor_event, &e->mon);
}

static void env_done(struct env *e)
{
	env_release(e);
	sva_test_world_done(e->w);
}

/* ---- helpers for tasks ---- */

static uint64_t t_mmap(struct sva_task *t, uint64_t pages, bool populate)
{
	uint64_t a;

	if (sva_sys_mmap(t, 0, pages * PAGE, RW, populate ? SVA_MAP_POPULATE : 0, -1, 0, &a))
		return 0;
	return a;
}

/* Zero the record at @comp, submit @d, wait for the record. */
static int t_run(struct sva_task *t, struct sva_accel_client *c, const struct dsa_hw_desc *d,
		 uint64_t comp, struct dsa_completion_record *r)
{
	static const struct dsa_completion_record zero;

	TCHECK(sva_sys_write_mem(t, comp, &zero, sizeof(zero)) == 0);
	TCHECK(sva_accel_client_submit(t, c, d) == 0);
	TCHECK(sva_accel_client_wait(t, c, comp, r, MAX_POLLS) == 0);
	return 0;
}

static void pattern_bytes(uint8_t *buf, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seed + i * 7 + (i >> 8));
}

/* ---- CRC32C ---- */

static void test_crc32c_known_vectors(void **state)
{
	uint8_t zeros[32] = { 0 }, ones[32], inc[32];
	const char *s = "123456789";
	(void)state;

	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 32; i++)
		inc[i] = (uint8_t)i;
	assert_int_equal(sva_crc32c(0, s, 9), 0xe3069283u);
	assert_int_equal(sva_crc32c(0, "", 0), 0);
	/* RFC 3720 B.4 */
	assert_int_equal(sva_crc32c(0, zeros, 32), 0x8a9136aau);
	assert_int_equal(sva_crc32c(0, ones, 32), 0x62a8ab43u);
	assert_int_equal(sva_crc32c(0, inc, 32), 0x46dd794eu);
	/* chained through the seed */
	assert_int_equal(sva_crc32c(sva_crc32c(0, s, 4), s + 4, 5), 0xe3069283u);
}

/* ---- every opcode ---- */

#define OPC_PAGES 3
#define OPC_N	  (2 * PAGE + 1000)

struct opc {
	const char *wq;
	bool bof_wq;
	uint8_t src[OPC_PAGES * PAGE], exp[OPC_PAGES * PAGE], got[OPC_PAGES * PAGE];
};

struct opc_mem {
	uint64_t comp, src, dst, dst2, list;
};

static int opc_moves(struct sva_task *t, struct sva_accel_client *c, struct opc *o,
		     const struct opc_mem *m)
{
	struct dsa_completion_record r;
	struct dsa_hw_desc d;

	sva_dsa_desc_noop(&d, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS);

	/* across pages, unaligned */
	sva_dsa_desc_memmove(&d, m->dst + 300, m->src + 100, OPC_N, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == OPC_N && r.result == 0);
	TCHECK(sva_sys_read_mem(t, m->dst + 300, o->got, OPC_N) == 0);
	TCHECK(memcmp(o->got, o->src + 100, OPC_N) == 0);

	/* overlapping, to a higher address: copied backward (result 1) */
	TCHECK(sva_sys_read_mem(t, m->dst, o->exp, sizeof(o->exp)) == 0);
	memmove(o->exp + 1000, o->exp, 2 * PAGE);
	sva_dsa_desc_memmove(&d, m->dst + 1000, m->dst, 2 * PAGE, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 1 && r.bytes_completed == 2 * PAGE);
	TCHECK(sva_sys_read_mem(t, m->dst, o->got, sizeof(o->got)) == 0);
	TCHECK(memcmp(o->got, o->exp, sizeof(o->got)) == 0);

	/* overlapping, to a lower address: forward */
	memmove(o->exp, o->exp + 500, 2 * PAGE);
	sva_dsa_desc_memmove(&d, m->dst, m->dst + 500, 2 * PAGE, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 0);
	TCHECK(sva_sys_read_mem(t, m->dst, o->got, sizeof(o->got)) == 0);
	TCHECK(memcmp(o->got, o->exp, sizeof(o->got)) == 0);

	/* dualcast */
	sva_dsa_desc_dualcast(&d, m->dst + 8, m->dst2 + 8, m->src + 16, OPC_N, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == OPC_N);
	TCHECK(sva_sys_read_mem(t, m->dst + 8, o->got, OPC_N) == 0);
	TCHECK(memcmp(o->got, o->src + 16, OPC_N) == 0);
	TCHECK(sva_sys_read_mem(t, m->dst2 + 8, o->got, OPC_N) == 0);
	TCHECK(memcmp(o->got, o->src + 16, OPC_N) == 0);
	return 0;
}

static int opc_fill_compare(struct sva_task *t, struct sva_accel_client *c, struct opc *o,
			    const struct opc_mem *m)
{
	const uint64_t pattern = 0x0807060504030201ull;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;
	uint8_t x;

	sva_dsa_desc_fill(&d, m->dst + 3, pattern, 5000, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == 5000);
	TCHECK(sva_sys_read_mem(t, m->dst + 3, o->got, 5000) == 0);
	for (int i = 0; i < 5000; i++)
		TCHECK(o->got[i] == i % 8 + 1);

	sva_dsa_desc_compare_pattern(&d, m->dst + 3, pattern, 5000, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 0 && r.bytes_completed == 5000);
	x = 0xee;
	TCHECK(sva_sys_write_mem(t, m->dst + 3 + 4097, &x, 1) == 0);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 1 && r.bytes_completed == 4097);

	TCHECK(sva_sys_write_mem(t, m->dst2, o->src, sizeof(o->src)) == 0);
	sva_dsa_desc_compare(&d, m->src, m->dst2, OPC_PAGES * PAGE, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 0 &&
	       r.bytes_completed == OPC_PAGES * PAGE);
	x = (uint8_t)(o->src[5000] ^ 0xff);
	TCHECK(sva_sys_write_mem(t, m->dst2 + 5000, &x, 1) == 0);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 1 && r.bytes_completed == 5000);
	return 0;
}

static int opc_crc(struct sva_task *t, struct sva_accel_client *c, struct opc *o,
		   const struct opc_mem *m)
{
	uint32_t want = sva_crc32c(0, o->src + 5, OPC_N), head = sva_crc32c(0, o->src + 5, 1000);
	struct dsa_completion_record r;
	struct dsa_hw_desc d;

	sva_dsa_desc_crc32c(&d, m->src + 5, OPC_N, 0, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.crc_val == want && r.bytes_completed == OPC_N);
	/* chained: the CRC of the head is the seed of the rest */
	sva_dsa_desc_crc32c(&d, m->src + 1005, OPC_N - 1000, head, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.crc_val == want);

	sva_dsa_desc_copy_crc(&d, m->dst, m->src + 5, OPC_N, 0, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.crc_val == want && r.bytes_completed == OPC_N);
	TCHECK(sva_sys_read_mem(t, m->dst, o->got, OPC_N) == 0);
	TCHECK(memcmp(o->got, o->src + 5, OPC_N) == 0);
	return 0;
}

static int opc_batch(struct sva_task *t, struct sva_accel_client *c, const struct opc_mem *m)
{
	static const struct dsa_completion_record zero[4];
	struct dsa_completion_record r, sub[3];
	struct dsa_hw_desc d, b[3];

	sva_dsa_desc_memmove(&b[0], m->dst, m->src, PAGE, m->comp + 32);
	sva_dsa_desc_fill(&b[1], m->dst2, 0x1111111111111111ull, 100, m->comp + 64);
	sva_dsa_desc_noop(&b[2], m->comp + 96);
	b[2].opcode = 0x7f;
	TCHECK(sva_sys_write_mem(t, m->list, b, sizeof(b)) == 0);
	TCHECK(sva_sys_write_mem(t, m->comp, zero, sizeof(zero)) == 0);
	sva_dsa_desc_batch(&d, m->list, 3, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_BATCH_FAIL && r.bytes_completed == 3);
	TCHECK(sva_sys_read_mem(t, m->comp + 32, sub, sizeof(sub)) == 0);
	TCHECK(sub[0].status == DSA_COMP_SUCCESS && sub[0].bytes_completed == PAGE);
	TCHECK(sub[1].status == DSA_COMP_SUCCESS && sub[1].bytes_completed == 100);
	TCHECK(sub[2].status == DSA_COMP_BAD_OPCODE);

	sva_dsa_desc_batch(&d, m->list, 2, m->comp); /* the two good ones */
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == 2);

	sva_dsa_desc_batch(&b[0], m->list, 2, m->comp + 32); /* a batch in a batch */
	TCHECK(sva_sys_write_mem(t, m->list, b, sizeof(b[0])) == 0);
	TCHECK(sva_sys_write_mem(t, m->comp, zero, sizeof(zero)) == 0);
	sva_dsa_desc_batch(&d, m->list, 2, m->comp);
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_BATCH_FAIL && r.bytes_completed == 2);
	TCHECK(sva_sys_read_mem(t, m->comp + 32, sub, sizeof(sub[0])) == 0);
	TCHECK(sub[0].status == DSA_COMP_BAD_OPCODE);

	sva_dsa_desc_batch(&d, m->list, 1, m->comp); /* DSA 1.0: two at least */
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_DESC_CNT_ERANGE);
	sva_dsa_desc_batch(&d, m->list, 9, m->comp); /* beyond max_batch */
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_DESC_CNT_ERANGE);
	return 0;
}

static int opc_errors(struct sva_task *t, struct sva_accel_client *c, struct opc *o,
		      const struct opc_mem *m)
{
	struct dsa_completion_record r;
	struct dsa_hw_desc d;

	sva_dsa_desc_noop(&d, m->comp);
	d.opcode = 0x7f;
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_BAD_OPCODE);

	sva_dsa_desc_memmove(&d, m->dst, m->src, 64 * PAGE + 1, m->comp); /* beyond max_xfer */
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_XFER_ERANGE);

	sva_dsa_desc_memmove(&d, UINT64_MAX - 10, m->src, 100, m->comp); /* wraps */
	TRY(t_run(t, c, &d, m->comp, &r));
	TCHECK(r.status == DSA_COMP_XFER_ERANGE);

	if (!o->bof_wq) { /* asking to block on a WQ that does not allow it */
		sva_dsa_desc_noop(&d, m->comp);
		d.flags |= IDXD_OP_FLAG_BOF;
		TRY(t_run(t, c, &d, m->comp, &r));
		TCHECK(r.status == DSA_COMP_INVALID_FLAGS);
	}
	return 0;
}

static int opcodes_task(struct sva_task *t, void *arg)
{
	struct opc *o = arg;
	struct sva_accel_client *c;
	struct opc_mem m;

	TCHECK(sva_accel_client_open(t, o->wq, &c) == 0);
	m = (struct opc_mem){
		.comp = t_mmap(t, 1, true),
		.src = t_mmap(t, OPC_PAGES, true),
		.dst = t_mmap(t, OPC_PAGES, true),
		.dst2 = t_mmap(t, OPC_PAGES, true),
		.list = t_mmap(t, 1, true),
	};
	TCHECK(m.comp && m.src && m.dst && m.dst2 && m.list);
	pattern_bytes(o->src, sizeof(o->src), 3);
	TCHECK(sva_sys_write_mem(t, m.src, o->src, sizeof(o->src)) == 0);
	TRY(opc_moves(t, c, o, &m));
	TRY(opc_fill_compare(t, c, o, &m));
	TRY(opc_crc(t, c, o, &m));
	TRY(opc_batch(t, c, &m));
	TRY(opc_errors(t, c, o, &m));
	sva_accel_client_close(t, c);
	return 0;
}

static void test_every_opcode_and_record(void **state)
{
	static const char *const wqs[] = { "dsa0wq0", "dsa0wq1", "dsa0wq2" };
	struct opc *o = calloc(1, sizeof(*o));
	(void)state;

	assert_non_null(o);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		for (unsigned i = 0; i < 3; i++) {
			struct sva_accel_stats s;
			struct env e;

			o->wq = wqs[i];
			o->bof_wq = i == 2;
			env_init(&e, bc->backend, bc->seed, i == 2);
			/* the WQs are named as their char devices, in order; none beyond */
			assert_string_equal(sva_accel_wq_name(e.a, i), wqs[i]);
			assert_null(sva_accel_wq_name(e.a, 3));
			assert_int_equal(sva_test_run_process(e.k, opcodes_task, o), 0);
			sva_accel_get_stats(e.a, &s);
			assert_int_equal(s.completed, i == 2 ? 21 : 22);
			assert_int_equal(s.errors, i == 2 ? 5 : 6);
			assert_int_equal(s.aborted, 0);
			assert_int_equal(s.page_faults, 0);
			assert_int_equal(s.records_lost, 0);
			env_done(&e);
		}
	}
	free(o);
}

/* ---- dedicated WQs ---- */

struct ded {
	struct env *e;
	int second_open, other_open, enqcmd_ret, shared_movdir_ret, reopen;
	uint32_t pasid, programmed, after_close;
	struct sva_completion opened, tried;
	uint64_t result;
};

static int ded_other(struct sva_task *t, void *arg)
{
	struct ded *d = arg;

	sva_wait_for_completion(&d->opened);
	d->other_open = sva_sys_open(t, "dsa0wq0");
	sva_complete(&d->tried);
	return 0;
}

static int ded_main(struct sva_task *t, void *arg)
{
	struct ded *dd = arg;
	struct sva_accel_client *c, *sc;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), buf = t_mmap(t, 1, true), v = 0x5a5a5a5a5a5a5a5aull;

	TCHECK(comp && buf);
	TCHECK(sva_accel_client_open(t, "dsa0wq0", &c) == 0);
	dd->pasid = sva_mm_get_pasid(sva_task_mm(t));
	dd->programmed = sva_accel_wq_pasid(dd->e->a, 0);
	dd->second_open = sva_sys_open(t, "dsa0wq0");
	sva_complete(&dd->opened);
	sva_wait_for_completion(&dd->tried);

	/* MOVDIR64B: the descriptor's PASID field means nothing, the WQ's PASID is used */
	sva_dsa_desc_fill(&d, buf, v, 8, comp);
	d.pasid = 0x777;
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS);
	TCHECK(sva_sys_read_mem(t, buf, &dd->result, sizeof(dd->result)) == 0);
	dd->enqcmd_ret = sva_accel_enqcmd(t, sva_accel_client_portal(c), &d);

	TCHECK(sva_accel_client_open(t, "dsa0wq1", &sc) == 0);
	dd->shared_movdir_ret = sva_accel_movdir64b(t, sva_accel_client_portal(sc), &d);
	sva_accel_client_close(t, sc);

	sva_accel_client_close(t, c);
	dd->after_close = sva_accel_wq_pasid(dd->e->a, 0);
	TCHECK(sva_accel_client_open(t, "dsa0wq0", &c) == 0); /* free again */
	sva_accel_client_close(t, c);
	return 0;
}

static void test_dedicated_wq_one_open(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct env e;
		struct ded d = { .e = &e };
		struct sva_process *p1, *p2;
		int s1 = -1, s2 = -1;

		env_init(&e, bc->backend, bc->seed, false);
		sva_completion_init(e.w, &d.opened, "opened");
		sva_completion_init(e.w, &d.tried, "tried");
		assert_int_equal(sva_process_start(e.k, "owner", ded_main, &d, &p1), 0);
		assert_int_equal(sva_process_start(e.k, "other", ded_other, &d, &p2), 0);
		assert_int_equal(sva_process_wait(p1, &s1), 0);
		assert_int_equal(sva_process_wait(p2, &s2), 0);
		assert_int_equal(s1, 0);
		assert_int_equal(s2, 0);
		assert_int_equal(d.second_open, -EBUSY);
		assert_int_equal(d.other_open, -EBUSY);
		assert_int_not_equal(d.pasid, SVA_PASID_INVALID);
		assert_int_equal(d.programmed, d.pasid);
		assert_int_equal(d.after_close, SVA_PASID_INVALID);
		assert_int_equal(d.result, 0x5a5a5a5a5a5a5a5aull);
		assert_int_equal(d.enqcmd_ret, -EINVAL);
		assert_int_equal(d.shared_movdir_ret, -EINVAL);
		sva_completion_destroy(&d.opened);
		sva_completion_destroy(&d.tried);
		env_done(&e);
	}
}

/* ---- a shared WQ, several processes: each descriptor carries its own PASID ---- */

#define NPROC 3

struct shared_proc {
	uint32_t pasid, desc_pasid;
	atomic_int *bound; /* processes bound so far: all stay alive until every one is */
	uint8_t want[PAGE + 512], got[PAGE + 512];
};

static int shared_task(struct sva_task *t, void *arg)
{
	struct shared_proc *sp = arg;
	struct sva_accel_client *c;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), src = t_mmap(t, 2, true), dst = t_mmap(t, 2, true);

	TCHECK(comp && src && dst);
	TCHECK(sva_accel_client_open(t, "dsa0wq1", &c) == 0);
	sp->pasid = sva_mm_get_pasid(sva_task_mm(t));
	/* the PASIDs must coexist to be distinct: a freed one is reused, lowest first */
	atomic_fetch_add(sp->bound, 1);
	for (long spin = 0; spin < 10000000 && atomic_load(sp->bound) < NPROC; spin++)
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
	TCHECK(sva_sys_write_mem(t, src, sp->want, sizeof(sp->want)) == 0);
	for (int round = 0; round < 3; round++) {
		TCHECK(sva_sys_write_mem(t, comp, &(struct dsa_completion_record){ 0 }, 32) == 0);
		sva_dsa_desc_memmove(&d, dst, src, sizeof(sp->want), comp);
		d.pasid = 0; /* user space cannot choose: ENQCMD writes it */
		TCHECK(sva_accel_enqcmd(t, sva_accel_client_portal(c), &d) == 0);
		sp->desc_pasid = d.pasid;
		TCHECK(sva_accel_client_wait(t, c, comp, &r, MAX_POLLS) == 0);
		TCHECK(r.status == DSA_COMP_SUCCESS);
	}
	TCHECK(sva_sys_read_mem(t, dst, sp->got, sizeof(sp->got)) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_shared_wq_each_process_its_pasid(void **state)
{
	struct shared_proc *sp = calloc(NPROC, sizeof(*sp));
	(void)state;

	assert_non_null(sp);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_process *p[NPROC];
		atomic_int bound = 0;
		struct env e;

		env_init(&e, bc->backend, bc->seed, false);
		for (int i = 0; i < NPROC; i++) {
			memset(&sp[i], 0, sizeof(sp[i]));
			sp[i].bound = &bound;
			pattern_bytes(sp[i].want, sizeof(sp[i].want), (uint8_t)(i * 50));
			assert_int_equal(sva_process_start(e.k, "user", shared_task, &sp[i], &p[i]),
					 0);
		}
		for (int i = 0; i < NPROC; i++) {
			int status = -1;

			assert_int_equal(sva_process_wait(p[i], &status), 0);
			assert_int_equal(status, 0);
		}
		for (int i = 0; i < NPROC; i++) {
			assert_true(sp[i].pasid > 0 && sp[i].pasid < NPASIDS);
			assert_int_equal(sp[i].desc_pasid, sp[i].pasid); /* PASID field: 19:0 */
			assert_memory_equal(sp[i].got, sp[i].want, sizeof(sp[i].want));
			/* the device ran each process's descriptors on that process's PASID */
			assert_int_equal(atomic_load(&e.mon.starts[sp[i].pasid]), 3);
			for (int j = 0; j < i; j++)
				assert_int_not_equal(sp[i].pasid, sp[j].pasid);
		}
		env_done(&e);
	}
	free(sp);
}

/* ---- ENQCMD and IA32_PASID ---- */

#define NTHREADS 3

struct enq_thread {
	struct enq *q;
	uint32_t msr_before, msr_after, desc_pasid;
	uint64_t comp, dst;
	int status;
	struct sva_completion done;
};

struct enq {
	struct sva_accel_client *c;
	uint32_t pasid;
	int no_pasid_ret, first_ret, child_ret, after_unbind_ret, after_exec_ret, misaligned,
		not_a_portal;
	uint32_t msr_no_pasid, msr_after_open, msr_first, msr_after_unbind, msr_after_exec;
	uint32_t child_msr, first_desc_pasid;
	struct enq_thread th[NTHREADS];
};

static int enq_thread(struct sva_task *t, void *arg)
{
	struct enq_thread *th = arg;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;

	th->msr_before = sva_accel_pasid_msr(t); /* a new thread starts without it */
	sva_dsa_desc_fill(&d, th->dst, 0x0101010101010101ull * (th - th->q->th + 1), 64, th->comp);
	if (sva_sys_write_mem(t, th->comp, &(struct dsa_completion_record){ 0 }, 32) == 0 &&
	    sva_accel_enqcmd(t, sva_accel_client_portal(th->q->c), &d) == 0 &&
	    sva_accel_client_wait(t, th->q->c, th->comp, &r, MAX_POLLS) == 0)
		th->status = r.status;
	th->desc_pasid = d.pasid;
	th->msr_after = sva_accel_pasid_msr(t);
	sva_complete(&th->done);
	return 0;
}

static int enq_child(struct sva_task *t, void *arg)
{
	struct enq *q = arg;
	struct dsa_hw_desc d;

	q->child_msr = sva_accel_pasid_msr(t);
	sva_dsa_desc_noop(&d, 0);
	q->child_ret = sva_accel_enqcmd(t, sva_accel_client_portal(q->c), &d);
	return 0;
}

static int enq_main(struct sva_task *t, void *arg)
{
	struct enq *q = arg;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), dst = t_mmap(t, 1, true), portal;
	int pid, st;

	TCHECK(comp && dst);
	sva_dsa_desc_noop(&d, 0);
	q->no_pasid_ret = sva_accel_enqcmd(t, dst, &d); /* #GP: no PASID anywhere */
	q->msr_no_pasid = sva_accel_pasid_msr(t);
	TCHECK(sva_accel_client_open(t, "dsa0wq1", &q->c) == 0);
	portal = sva_accel_client_portal(q->c);
	q->pasid = sva_mm_get_pasid(sva_task_mm(t));
	q->msr_after_open = sva_accel_pasid_msr(t); /* nothing written at bind */
	sva_dsa_desc_noop(&d, 0);
	d.pasid = 0x1234;
	d.priv = 1; /* ENQCMD clears it: user space submits unprivileged */
	q->first_ret = sva_accel_enqcmd(t, portal, &d);
	q->first_desc_pasid = d.pasid | (uint32_t)d.priv << 31;
	q->msr_first = sva_accel_pasid_msr(t);
	q->misaligned = sva_accel_enqcmd(t, portal + 8, &d);
	q->not_a_portal = sva_accel_enqcmd(t, dst, &d);

	for (int i = 0; i < NTHREADS; i++) {
		q->th[i].q = q;
		q->th[i].comp = comp + 32 * (uint64_t)i;
		q->th[i].dst = dst + 64 * (uint64_t)i;
		TCHECK(sva_sys_clone(t, enq_thread, &q->th[i]) > 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		sva_wait_for_completion(&q->th[i].done);

	pid = sva_sys_fork(t, "child", enq_child, q);
	TCHECK(pid > 0 && sva_sys_wait(t, pid, &st) == pid && st == 0);

	sva_accel_client_close(t, q->c); /* release: unbind */
	q->c = NULL;
	q->msr_after_unbind = sva_accel_pasid_msr(t);
	q->after_unbind_ret = sva_accel_enqcmd(t, portal, &d);

	TCHECK(sva_sys_exec(t, "exec'd") == 0);
	q->msr_after_exec = sva_accel_pasid_msr(t);
	q->after_exec_ret = sva_accel_enqcmd(t, portal, &d);
	return 0;
}

static void seed001_enqcmd_threads_share_the_mm_pasid(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct enq *q = calloc(1, sizeof(*q));
		uint32_t valid;
		struct env e;

		assert_non_null(q);
		env_init(&e, bc->backend, bc->seed, false);
		for (int i = 0; i < NTHREADS; i++)
			sva_completion_init(e.w, &q->th[i].done, "thread_done");
		assert_int_equal(sva_test_run_process(e.k, enq_main, q), 0);
		valid = SVA_PASID_MSR_VALID | q->pasid;
		assert_int_equal(q->no_pasid_ret, SVA_ACCEL_EGP);
		assert_int_equal(q->msr_no_pasid, 0);
		assert_int_equal(q->msr_after_open, 0);
		assert_int_equal(q->first_ret, 0);
		assert_int_equal(q->first_desc_pasid, q->pasid); /* priv clear */
		assert_int_equal(q->msr_first, valid);
		assert_int_equal(q->misaligned, SVA_ACCEL_EGP);
		assert_int_equal(q->not_a_portal, -EFAULT);
		for (int i = 0; i < NTHREADS; i++) {
			assert_int_equal(q->th[i].msr_before, 0);
			assert_int_equal(q->th[i].msr_after, valid);
			assert_int_equal(q->th[i].desc_pasid, q->pasid);
			assert_int_equal(q->th[i].status, DSA_COMP_SUCCESS);
			sva_completion_destroy(&q->th[i].done);
		}
		/* the main thread's fix-up, then one per new thread */
		assert_int_equal(atomic_load(&e.mon.msr_loads), 1 + NTHREADS);
		assert_int_equal(q->child_msr, 0);
		assert_int_equal(q->child_ret, SVA_ACCEL_EGP);
		assert_int_equal(q->msr_after_unbind, valid);	/* unbind does not clear it */
		assert_int_equal(q->after_unbind_ret, -EFAULT); /* but the portal is gone */
		assert_int_equal(q->msr_after_exec, 0);
		assert_int_equal(q->after_exec_ret, SVA_ACCEL_EGP);
		env_done(&e);
		free(q);
	}
}

/*
 * The register is raw: a thread whose register holds another mm's PASID - here a forked child
 * whose copy is set back to its parent's value, standing in for a kernel without fpu_clone's
 * clear - submits on that PASID without a #GP, and accel.submit shows the PASID together with
 * the submitting mm, which does not own it (what the checker judges).
 */
struct stale {
	uint32_t parent_msr, child_pasid, child_desc_pasid;
	uint64_t child_mm;
	int child_ret, child_open;
	atomic_int submits_by_child_mm, on_pasid; /* accel.submit from the child's mm / on which */
};

static void stale_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct stale *st = ctx;

	(void)w;
	if (ev->kind != SVA_EV_ACCEL_SUBMIT || !st->child_mm ||
	    sva_ev_num(ev, ACCEL_SUBMIT, mm) != st->child_mm)
		return;
	atomic_fetch_add(&st->submits_by_child_mm, 1);
	atomic_store(&st->on_pasid, (int)sva_ev_num(ev, ACCEL_SUBMIT, pasid));
}

static int stale_child(struct sva_task *t, void *arg)
{
	struct stale *st = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;

	st->child_open = sva_accel_client_open(t, "dsa0wq1", &c); /* its own bind, its own PASID */
	if (st->child_open)
		return 0;
	st->child_pasid = sva_mm_get_pasid(sva_task_mm(t));
	st->child_mm = sva_mm_id(sva_task_mm(t));
	sva_task_set_pasid_msr(t, st->parent_msr); /* the clear fork must do, not done */
	sva_dsa_desc_noop(&d, 0);
	st->child_ret = sva_accel_enqcmd(t, sva_accel_client_portal(c), &d);
	st->child_desc_pasid = d.pasid;
	sva_accel_client_close(t, c);
	return 0;
}

static int stale_main(struct sva_task *t, void *arg)
{
	struct stale *st = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	int pid, status;

	TCHECK(sva_accel_client_open(t, "dsa0wq1", &c) == 0);
	sva_dsa_desc_noop(&d, 0);
	TCHECK(sva_accel_enqcmd(t, sva_accel_client_portal(c), &d) == 0);
	st->parent_msr = sva_accel_pasid_msr(t);
	pid = sva_sys_fork(t, "child", stale_child, st);
	TCHECK(pid > 0 && sva_sys_wait(t, pid, &status) == pid && status == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void enqcmd_with_a_stale_register_shows_in_the_submission(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct stale st = { 0 };
		struct env e;

		env_init(&e, bc->backend, bc->seed, false);
		sva_world_subscribe(e.w, stale_event, &st);
		assert_int_equal(sva_test_run_process(e.k, stale_main, &st), 0);
		assert_int_equal(st.child_open, 0);
		assert_true(st.parent_msr & SVA_PASID_MSR_VALID);
		assert_int_not_equal(st.child_pasid, st.parent_msr & SVA_PASID_MSR_MASK);
		assert_int_equal(st.child_ret, 0); /* no #GP: the register looked valid */
		assert_int_equal(st.child_desc_pasid, st.parent_msr & SVA_PASID_MSR_MASK);
		assert_int_equal(atomic_load(&st.submits_by_child_mm), 1);
		assert_int_equal(atomic_load(&st.on_pasid), st.parent_msr & SVA_PASID_MSR_MASK);
		env_done(&e);
	}
}

/*
 * ---- the char-device rule: another mm holding the queue's fd (a forked child) ----
 *
 * idxd: -EPERM at mmap and ioctl, so it can submit nothing. uacce: it may map the portal, and
 * what it submits runs on the opener's PASID, in the opener's address space; once the opener's
 * mm is gone, that DMA is aborted silently (no fault reported, the record lost).
 */
#define CDEV_PATTERN 0x5a5a5a5a5a5a5a5aull

struct cdev_case {
	struct env *e;
	int fd;
	uint64_t dst, comp;
	int child_mmap, child_ioctl, child_submit;
	struct dsa_completion_record rec;
	uint64_t got;
	struct sva_completion ready;
};

/* In the child: map the inherited queue's portal, ask WQ info, submit a fill at c->dst. */
static int cdev_child_use(struct sva_task *t, struct cdev_case *c)
{
	struct sva_accel_wq_info info;
	struct dsa_hw_desc d;
	uint64_t portal = 0;

	c->child_mmap = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, c->fd, 0, &portal);
	c->child_ioctl = (int)sva_sys_ioctl(t, c->fd, SVA_ACCEL_IOCTL_WQ_INFO,
					    (unsigned long)(uintptr_t)&info);
	if (c->child_mmap)
		return 0;
	sva_dsa_desc_fill(&d, c->dst, CDEV_PATTERN, 8, c->comp);
	c->child_submit = sva_accel_movdir64b(t, portal, &d);
	return 0;
}

static int cdev_child(struct sva_task *t, void *arg)
{
	struct cdev_case *c = arg;

	sva_wait_for_completion(&c->ready); /* the opener's pages are its own again (no CoW) */
	return cdev_child_use(t, c);
}

static int cdev_opener(struct sva_task *t, void *arg)
{
	static const struct dsa_completion_record zero;
	struct cdev_case *c = arg;
	struct sva_accel_client *cl;
	int pid, status;

	c->comp = t_mmap(t, 1, true);
	c->dst = t_mmap(t, 1, true);
	TCHECK(c->comp && c->dst);
	TCHECK(sva_accel_client_open(t, "dsa0wq0", &cl) == 0); /* dedicated: the opener's PASID */
	c->fd = sva_accel_client_fd(cl);
	pid = sva_sys_fork(t, "child", cdev_child, c);
	TCHECK(pid > 0);
	TCHECK(sva_sys_write_mem(t, c->comp, &zero, sizeof(zero)) == 0);
	TCHECK(sva_sys_write_mem(t, c->dst, &(uint64_t){ 0 }, 8) == 0);
	sva_complete(&c->ready);
	TCHECK(sva_sys_wait(t, pid, &status) == pid && status == 0);
	if (c->child_submit == 0 && c->child_mmap == 0)
		TCHECK(sva_accel_client_wait(t, cl, c->comp, &c->rec, MAX_POLLS) == 0);
	TCHECK(sva_sys_read_mem(t, c->dst, &c->got, 8) == 0);
	sva_accel_client_close(t, cl);
	return 0;
}

static void cdev_case_init(struct cdev_case *c, struct env *e)
{
	memset(c, 0, sizeof(*c));
	c->e = e;
	c->child_submit = 1; /* not tried */
	sva_completion_init(e->w, &c->ready, "ready");
}

static void cdev_case_destroy(struct cdev_case *c)
{
	sva_completion_destroy(&c->ready);
}

static void cdev_rule_idxd_refuses_another_mm(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_accel_stats st;
		struct cdev_case c;
		struct env e;

		env_init_rule(&e, sva_test_world(bc->backend, bc->seed), false, 1,
			      SVA_ACCEL_CDEV_IDXD);
		cdev_case_init(&c, &e);
		assert_int_equal(sva_test_run_process(e.k, cdev_opener, &c), 0);
		assert_int_equal(c.child_mmap, -EPERM);
		assert_int_equal(c.child_ioctl, -EPERM);
		assert_int_equal(c.child_submit, 1); /* no portal to submit to */
		assert_int_equal(c.got, 0);
		sva_accel_get_stats(e.a, &st);
		assert_int_equal(st.submitted, 0);
		cdev_case_destroy(&c);
		env_done(&e);
	}
}

static void cdev_rule_uacce_queue_is_the_openers(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct cdev_case c;
		struct env e;

		env_init_rule(&e, sva_test_world(bc->backend, bc->seed), false, 1,
			      SVA_ACCEL_CDEV_UACCE);
		cdev_case_init(&c, &e);
		assert_int_equal(sva_test_run_process(e.k, cdev_opener, &c), 0);
		assert_int_equal(c.child_mmap, 0);
		assert_int_equal(c.child_ioctl, 0);
		assert_int_equal(c.child_submit, 0);
		/* the child's descriptor ran on the opener's PASID: the opener's memory changed */
		assert_int_equal(c.rec.status, DSA_COMP_SUCCESS);
		assert_int_equal(c.got, CDEV_PATTERN);
		cdev_case_destroy(&c);
		env_done(&e);
	}
}

/*
 * uacce: the opener's mm dies (exec: the old mm's exit_mmap releases its PASID) while the fd
 * stays open; the new mm maps the queue and submits: the DMA is aborted silently.
 */
static int cdev_after_exec(struct sva_task *t, void *arg)
{
	struct cdev_case *c = arg;
	struct sva_accel_client *cl;
	struct sva_accel_stats st;
	unsigned long polls = 0;

	c->comp = t_mmap(t, 1, true);
	c->dst = t_mmap(t, 1, true);
	TCHECK(c->comp && c->dst);
	TCHECK(sva_accel_client_open(t, "dsa0wq0", &cl) == 0);
	c->fd = sva_accel_client_fd(cl);
	sva_accel_client_discard(sva_kernel_world(sva_task_kernel(t)), cl); /* fd kept open */
	TCHECK(sva_sys_exec(t, "exec'd") == 0); /* the opener's mm is gone */
	TCHECK(t_mmap(t, 2, true) != 0);	/* the addresses mean something here too */
	cdev_child_use(t, c);
	do {
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
		sva_accel_get_stats(c->e->a, &st);
	} while (c->child_submit == 0 && st.completed + st.aborted < st.submitted &&
		 ++polls < MAX_POLLS);
	return 0; /* its exit closes the fd: release, unbind */
}

static void cdev_rule_uacce_dma_after_the_openers_mm_died_is_aborted(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_swiommu_stats ss;
		struct sva_accel_stats st;
		struct cdev_case c;
		struct env e;

		env_init_rule(&e, sva_test_world(bc->backend, bc->seed), false, 1,
			      SVA_ACCEL_CDEV_UACCE);
		cdev_case_init(&c, &e);
		assert_int_equal(sva_test_run_process(e.k, cdev_after_exec, &c), 0);
		assert_int_equal(c.child_mmap, 0);
		assert_int_equal(c.child_submit, 0);
		sva_accel_get_stats(e.a, &st);
		sva_swiommu_get_stats(e.sw, &ss);
		assert_int_equal(st.submitted, 1);
		assert_int_equal(st.page_faults, 1);  /* its fill went nowhere */
		assert_int_equal(st.records_lost, 1); /* nor did its record */
		assert_true(ss.faults_silenced >= 2);
		assert_int_equal(sva_swiommu_faults_logged(e.sw), 0); /* silently */
		cdev_case_destroy(&c);
		env_done(&e);
	}
}

/* ---- block-on-fault off: partial completion, touch, resubmit ---- */

struct partial {
	const char *wq;
	struct dsa_completion_record first, second, crc_first, crc_second;
	uint64_t dst, src2;
	uint8_t want[2 * PAGE], got[2 * PAGE];
};

static int partial_task(struct sva_task *t, void *arg)
{
	struct partial *pa = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), src = t_mmap(t, 2, true), dst = t_mmap(t, 2, false);
	uint32_t done;

	TCHECK(comp && src && dst);
	pa->dst = dst;
	TCHECK(sva_accel_client_open(t, pa->wq, &c) == 0);
	TCHECK(sva_sys_write_mem(t, src, pa->want, sizeof(pa->want)) == 0);
	TCHECK(sva_sys_touch(t, dst, 1, true) == 0); /* the first page only */
	sva_dsa_desc_memmove(&d, dst, src, 2 * PAGE, comp);
	TRY(t_run(t, c, &d, comp, &pa->first));
	/* the client's part: touch the page that faulted, submit the rest */
	done = pa->first.bytes_completed;
	TCHECK(sva_sys_touch(t, pa->first.fault_addr, 1, true) == 0);
	sva_dsa_desc_memmove(&d, dst + done, src + done, 2 * PAGE - done, comp);
	TRY(t_run(t, c, &d, comp, &pa->second));
	TCHECK(sva_sys_read_mem(t, dst, pa->got, sizeof(pa->got)) == 0);

	/* a partial CRC is the seed of the rest: the source's second page never touched */
	TCHECK(sva_sys_munmap(t, src, 2 * PAGE) == 0);
	TCHECK((src = t_mmap(t, 2, false)) != 0);
	TCHECK(sva_sys_write_mem(t, src, pa->want, PAGE) == 0);
	sva_dsa_desc_crc32c(&d, src, 2 * PAGE, 0, comp);
	TRY(t_run(t, c, &d, comp, &pa->crc_first));
	TCHECK(sva_sys_touch(t, pa->crc_first.fault_addr, 1, false) == 0);
	done = pa->crc_first.bytes_completed;
	sva_dsa_desc_crc32c(&d, src + done, 2 * PAGE - done, (uint32_t)pa->crc_first.crc_val, comp);
	TRY(t_run(t, c, &d, comp, &pa->crc_second));
	pa->src2 = src;
	sva_accel_client_close(t, c);
	return 0;
}

static void test_no_block_on_fault_partial_then_resubmit(void **state)
{
	static const uint8_t zero[PAGE];
	struct partial *pa = calloc(1, sizeof(*pa));
	(void)state;

	assert_non_null(pa);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		for (int pri = 0; pri < 2;
		     pri++) { /* a PRI-capable device does not use it either */
			struct sva_swiommu_stats ss;
			struct sva_accel_stats s;
			struct env e;

			memset(pa, 0, sizeof(*pa));
			pa->wq = "dsa0wq1";
			pattern_bytes(pa->want, sizeof(pa->want), 9);
			env_init(&e, bc->backend, bc->seed, pri);
			assert_int_equal(sva_test_run_process(e.k, partial_task, pa), 0);
			/* a write fault: bit 7 of the status */
			assert_int_equal(pa->first.status,
					 DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
			assert_int_equal(pa->first.bytes_completed, PAGE);
			assert_int_equal(pa->first.fault_addr, pa->dst + PAGE);
			assert_int_equal(pa->second.status, DSA_COMP_SUCCESS);
			assert_int_equal(pa->second.bytes_completed, PAGE);
			assert_memory_equal(pa->got, pa->want, sizeof(pa->want));
			assert_int_equal(pa->crc_first.status,
					 DSA_COMP_PAGE_FAULT_NOBOF); /* a read */
			assert_int_equal(pa->crc_first.bytes_completed, PAGE);
			assert_int_equal(pa->crc_first.fault_addr, pa->src2 + PAGE);
			assert_int_equal(pa->crc_first.crc_val, sva_crc32c(0, pa->want, PAGE));
			assert_int_equal(pa->crc_second.status, DSA_COMP_SUCCESS);
			assert_int_equal(pa->crc_second.crc_val,
					 sva_crc32c(sva_crc32c(0, pa->want, PAGE), zero, PAGE));
			sva_accel_get_stats(e.a, &s);
			sva_swiommu_get_stats(e.sw, &ss);
			assert_int_equal(s.page_faults, 2);
			assert_int_equal(s.page_requests, 0);
			assert_int_equal(ss.faults_reported[SVA_FAULT_NOT_PRESENT], 2);
			env_done(&e);
		}
	}
	free(pa);
}

/* ---- block-on-fault on, PRI: the device waits for the page and goes on ---- */

static int bof_task(struct sva_task *t, void *arg)
{
	struct partial *pa = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), src = t_mmap(t, 2, true), dst = t_mmap(t, 2, false);

	TCHECK(comp && src && dst);
	TCHECK(sva_accel_client_open(t, pa->wq, &c) == 0);
	TCHECK(sva_accel_client_info(c)->block_on_fault);
	TCHECK(sva_sys_write_mem(t, src, pa->want, sizeof(pa->want)) == 0);
	sva_dsa_desc_memmove(&d, dst, src, 2 * PAGE, comp); /* dst never touched */
	TRY(t_run(t, c, &d, comp, &pa->first));
	TCHECK(sva_sys_read_mem(t, dst, pa->got, sizeof(pa->got)) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_block_on_fault_with_pri(void **state)
{
	struct partial *pa = calloc(1, sizeof(*pa));
	(void)state;

	assert_non_null(pa);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_accel_stats s;
		struct env e;

		memset(pa, 0, sizeof(*pa));
		pa->wq = "dsa0wq2";
		pattern_bytes(pa->want, sizeof(pa->want), 77);
		env_init(&e, bc->backend, bc->seed, true);
		assert_int_equal(sva_test_run_process(e.k, bof_task, pa), 0);
		assert_int_equal(pa->first.status, DSA_COMP_SUCCESS);
		assert_int_equal(pa->first.bytes_completed, 2 * PAGE);
		assert_memory_equal(pa->got, pa->want, sizeof(pa->want));
		sva_accel_get_stats(e.a, &s);
		assert_int_equal(s.page_faults, 0);
		assert_true(s.page_requests >= 2); /* one per page of dst, at least */
		env_done(&e);
	}
	free(pa);
}

/* ---- a full WQ, and PUT_Q with descriptors pending (sim, never preempted: the engines do not
 * run while the task submits) ---- */

struct full {
	const char *wq;
	int full_ret, after_put_ret;
	struct dsa_completion_record rec[8];
};

static int full_task(struct sva_task *t, void *arg)
{
	struct full *f = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), buf = t_mmap(t, 1, true);
	int fd;

	TCHECK(comp && buf);
	TCHECK(sva_accel_client_open(t, f->wq, &c) == 0);
	fd = sva_accel_client_fd(c);
	for (int i = 0; i < 8; i++) {
		sva_dsa_desc_fill(&d, buf, 0xffull, 64, comp + 32 * (uint64_t)i);
		TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	}
	sva_dsa_desc_noop(&d, 0);
	if (sva_accel_client_info(c)->mode == SVA_ACCEL_WQ_SHARED)
		f->full_ret = sva_accel_enqcmd(t, sva_accel_client_portal(c), &d);
	else
		f->full_ret = sva_accel_movdir64b(t, sva_accel_client_portal(c), &d);
	TCHECK(sva_sys_ioctl(t, fd, SVA_UACCE_CMD_PUT_Q, 0) == 0);
	TCHECK(sva_sys_read_mem(t, comp, f->rec, sizeof(f->rec)) == 0);
	f->after_put_ret = sva_accel_client_submit(t, c, &d);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_full_wq_and_put_q_aborts_pending(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		for (int i = 0; i < 2; i++) {
			struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
						       .seed = seed,
						       .nonpreemptive = true };
			struct full f = { .wq = i ? "dsa0wq1" : "dsa0wq0" };
			struct sva_accel_stats s;
			struct sva_world *w;
			struct env e;

			assert_int_equal(sva_world_create(&wc, &w), 0);
			env_init_world(&e, w, false, 1);
			assert_int_equal(sva_test_run_process(e.k, full_task, &f), 0);
			/* ENQCMD answers retry (ZF=1); MOVDIR64B is posted: dropped, no answer */
			assert_int_equal(f.full_ret, i ? -EAGAIN : 0);
			assert_int_equal(f.after_put_ret, -EPERM);
			/* a stop returns once every descriptor has its record: here all aborted */
			for (int j = 0; j < 8; j++)
				assert_int_equal(f.rec[j].status, SVA_DSA_COMP_ABORTED);
			sva_accel_get_stats(e.a, &s);
			assert_int_equal(s.aborted, 8);
			assert_int_equal(s.submitted, 8);
			assert_int_equal(s.dropped, i ? 0 : 1);
			assert_int_equal(s.retries, i ? 1 : 0);
			env_done(&e);
		}
	}
}

/* PUT_Q racing the engines (any backend): every record is written by the time it returns. */
static int put_race_task(struct sva_task *t, void *arg)
{
	struct full *f = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), src = t_mmap(t, 4, true), dst = t_mmap(t, 4, true);

	TCHECK(comp && src && dst);
	TCHECK(sva_accel_client_open(t, f->wq, &c) == 0);
	for (int i = 0; i < 8; i++) {
		sva_dsa_desc_memmove(&d, dst, src, 4 * PAGE, comp + 32 * (uint64_t)i);
		TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	}
	TCHECK(sva_sys_ioctl(t, sva_accel_client_fd(c), SVA_UACCE_CMD_PUT_Q, 0) == 0);
	TCHECK(sva_sys_read_mem(t, comp, f->rec, sizeof(f->rec)) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_put_q_racing_engines_leaves_every_record(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct full f = { .wq = "dsa0wq1" };
		struct sva_accel_stats s;
		struct env e;

		env_init(&e, bc->backend, bc->seed, false);
		assert_int_equal(sva_test_run_process(e.k, put_race_task, &f), 0);
		for (int j = 0; j < 8; j++) {
			assert_true(f.rec[j].status == DSA_COMP_SUCCESS ||
				    f.rec[j].status == SVA_DSA_COMP_ABORTED);
			if (f.rec[j].status == SVA_DSA_COMP_ABORTED)
				assert_true(f.rec[j].bytes_completed < 4 * PAGE);
		}
		sva_accel_get_stats(e.a, &s);
		assert_int_equal(s.submitted, 8);
		env_done(&e);
	}
}

/* ---- exit, kill, device removal with descriptors in flight ---- */

struct inflight {
	const char *wq;
	bool populate_dst, wait_forever;
	struct sva_accel_client *c; /* left to the test when the task cannot close it */
	struct sva_completion submitted, go;
	uint32_t pasid;
	int after_ret;
	struct dsa_completion_record rec;
};

/* Submit four 8-page copies; then exit at once, or wait for the last one. */
/* Open the queue and submit four copies; 0 or the failing line. */
static int inflight_submit(struct sva_task *t, struct inflight *f, uint64_t *comp_out)
{
	struct dsa_hw_desc d;
	uint64_t comp = t_mmap(t, 1, true), src = t_mmap(t, 8, true),
		 dst = t_mmap(t, 8, f->populate_dst);

	TCHECK(comp && src && dst);
	TCHECK(sva_accel_client_open(t, f->wq, &f->c) == 0);
	f->pasid = sva_mm_get_pasid(sva_task_mm(t));
	for (int i = 0; i < 4; i++) {
		sva_dsa_desc_memmove(&d, dst, src, 8 * PAGE, comp + 32 * (uint64_t)i);
		TCHECK(sva_accel_client_submit(t, f->c, &d) == 0);
	}
	*comp_out = comp;
	return 0;
}

static int inflight_task(struct sva_task *t, void *arg)
{
	struct inflight *f = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	uint64_t comp = 0;
	int ret = inflight_submit(t, f, &comp);

	sva_complete(&f->submitted); /* even on failure: the test waits for it */
	if (ret)
		return ret;
	if (!f->wait_forever)
		return 0; /* exit with the descriptors in flight: the kernel releases the queue */
	TCHECK(sva_accel_client_wait(t, f->c, comp + 96, &f->rec, MAX_POLLS) == 0);
	if (sva_wait_for_completion_killable(&f->go))
		return 1; /* killed: the client is left to the test */
	sva_dsa_desc_noop(&d, 0);
	f->after_ret = sva_accel_client_submit(t, f->c, &d);
	c = f->c;
	f->c = NULL;
	sva_accel_client_close(t, c);
	return 0;
}

static void inflight_init(struct env *e, struct inflight *f, const char *wq, bool populate)
{
	memset(f, 0, sizeof(*f));
	f->wq = wq;
	f->populate_dst = populate;
	sva_completion_init(e->w, &f->submitted, "submitted");
	sva_completion_init(e->w, &f->go, "go");
}

static void inflight_done(struct env *e, struct inflight *f)
{
	sva_accel_client_discard(e->w, f->c);
	sva_completion_destroy(&f->submitted);
	sva_completion_destroy(&f->go);
}

/* After a process died with descriptors in flight: released, unbound, nothing on its PASID. */
static void assert_released(struct env *e, struct inflight *f)
{
	struct sva_swiommu_stats ss;
	struct sva_accel_stats s;

	sva_iopf_quiesce(e->k, &e->dev, 1); /* a fault handler may hold the victim's last user */
	sva_accel_get_stats(e->a, &s);
	sva_swiommu_get_stats(e->sw, &ss);
	print_message("%s: %llu completed (%llu partial), %llu aborted, %llu records lost, "
		      "%llu DMA blocked silently, %llu page requests\n",
		      sva_world_backend(e->w) == SVA_BACKEND_SIM ? "sim" : "native",
		      (unsigned long long)s.completed, (unsigned long long)s.page_faults,
		      (unsigned long long)s.aborted, (unsigned long long)s.records_lost,
		      (unsigned long long)ss.faults_silenced, (unsigned long long)s.page_requests);
	assert_int_equal(sva_uacce_queues(sva_accel_wq_uacce(e->a, 1)), 0);
	assert_int_equal(sva_uacce_queues(sva_accel_wq_uacce(e->a, 2)), 0);
	assert_int_equal(sva_swiommu_pasid_state(e->dev, f->pasid), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e->isys)), 0);
	env_check(e);
}

static void exit_in_flight(bool bof)
{
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct inflight f;
		struct env e;

		env_init(&e, bc->backend, bc->seed, bof);
		/* block-on-fault: dst untouched, the engine waits on page requests as the mm goes;
		 * without: dst present, the engine is mid-copy */
		inflight_init(&e, &f, bof ? "dsa0wq2" : "dsa0wq1", !bof);
		assert_int_equal(sva_test_run_process(e.k, inflight_task, &f), 0);
		assert_released(&e, &f);
		inflight_done(&e, &f);
		env_done(&e);
	}
}

static void seed003_exit_with_descriptors_in_flight_block_on_fault(void **state)
{
	(void)state;
	exit_in_flight(true);
}

static void seed004_exit_with_descriptors_in_flight_no_block_on_fault(void **state)
{
	(void)state;
	exit_in_flight(false);
}

static void test_kill_mid_dma(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		for (int bof = 0; bof < 2; bof++) {
			struct sva_process *p;
			struct inflight f;
			struct env e;
			int status = -1;

			env_init(&e, bc->backend, bc->seed, bof);
			inflight_init(&e, &f, bof ? "dsa0wq2" : "dsa0wq1", !bof);
			f.wait_forever = true;
			assert_int_equal(sva_process_start(e.k, "victim", inflight_task, &f, &p),
					 0);
			sva_wait_for_completion(&f.submitted);
			sva_process_kill(p); /* while it polls, the engine copying */
			assert_int_equal(sva_process_wait(p, &status), 0);
			assert_int_equal(status, 128 + 9);
			assert_released(&e, &f);
			inflight_done(&e, &f);
			env_done(&e);
		}
	}
}

/*
 * The device removed under a descriptor whose record cannot be written (the record page is
 * copy-on-write after a fork; no PRI on this WQ): the client's wait sees the queue stopped and
 * returns -ECANCELED promptly, on both backends, whether the removal caught the descriptor
 * pending, in flight or done.
 */
struct lost_case {
	struct sva_accel *a;
	int wait_ret;
	struct dsa_completion_record rec;
	struct sva_completion removed;
};

static int exits_at_once(struct sva_task *t, void *arg)
{
	(void)t, (void)arg;
	return 0;
}

/* A thread of the process removes the device (hot-unplug, from the kernel's side). */
static int lost_remover(struct sva_task *t, void *arg)
{
	struct lost_case *lc = arg;

	(void)t;
	sva_accel_destroy(lc->a);
	sva_complete(&lc->removed);
	return 0;
}

static int lost_record_task(struct sva_task *t, void *arg)
{
	static const struct dsa_completion_record zero;
	struct lost_case *lc = arg;
	uint64_t comp = t_mmap(t, 1, true), src = t_mmap(t, 256, true), dst = t_mmap(t, 256, true);
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	int pid, status;

	TCHECK(comp && src && dst);
	TCHECK(sva_accel_client_open(t, "dsa0wq1", &c) == 0);
	TCHECK(sva_sys_write_mem(t, comp, &zero, sizeof(zero)) == 0);
	pid = sva_sys_fork(t, "child", exits_at_once, NULL); /* the record page: copy-on-write */
	TCHECK(pid > 0 && sva_sys_wait(t, pid, &status) == pid);
	sva_dsa_desc_memmove(&d, dst, src, 256 * PAGE, comp);
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	TCHECK(sva_sys_clone(t, lost_remover, lc) > 0); /* the descriptor pending or in flight */
	lc->wait_ret = sva_accel_client_wait(t, c, comp, &lc->rec, 1ul << 22);
	sva_wait_for_completion(&lc->removed);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_wait_after_removal_with_a_lost_record_is_prompt(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct lost_case lc = { 0 };
		struct sva_process *p;
		struct env e;
		int status = -1;

		env_init(&e, bc->backend, bc->seed, false);
		lc.a = e.a;
		sva_completion_init(e.w, &lc.removed, "removed");
		assert_int_equal(sva_process_start(e.k, "user", lost_record_task, &lc, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		e.destroyed = true;
		assert_int_equal(status, 0);
		assert_int_equal(lc.wait_ret, -ECANCELED); /* not -ETIMEDOUT after 4M polls */
		assert_int_equal(lc.rec.status, DSA_COMP_NONE);
		sva_completion_destroy(&lc.removed);
		env_done(&e);
	}
}

static void test_device_destroy_during_dma(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_swiommu_stats ss;
		struct sva_process *p;
		struct inflight f;
		struct env e;
		int status = -1;

		env_init(&e, bc->backend, bc->seed, false);
		inflight_init(&e, &f, "dsa0wq1", true);
		f.wait_forever = true;
		assert_int_equal(sva_process_start(e.k, "user", inflight_task, &f, &p), 0);
		sva_wait_for_completion(&f.submitted);
		sva_accel_destroy(
			e.a); /* while the engines copy: queues stopped, unbound, zapped */
		e.destroyed = true;
		/* every descriptor completed; nothing may run on the PASID any more */
		assert_int_equal(atomic_load(&e.mon.submits), 4);
		assert_int_equal(atomic_load(&e.mon.ends), 4);
		assert_int_equal(sva_swiommu_pasid_state(e.dev, f.pasid), SVA_PASID_ENTRY_INVALID);
		sva_swiommu_get_stats(e.sw, &ss);
		assert_int_equal(ss.faults_reported[SVA_FAULT_PASID_INVALID], 0);
		sva_complete(&f.go);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		/* the last descriptor: done before the removal, or aborted by it */
		assert_true(f.rec.status == DSA_COMP_SUCCESS ||
			    f.rec.status == SVA_DSA_COMP_ABORTED);
		assert_int_equal(f.after_ret, -EFAULT); /* the portal was zapped */
		inflight_done(&e, &f);
		env_done(&e);
	}
}

/*
 * Native: an exit, a kill and a device removal at once, with DMA in flight. (It found a WQ slot
 * taken from an empty free list while a stopper held slots: see internal.h.)
 *
 * Under TSan too: the engines write completion records into a process's pages while the
 * process polls them - CPU and device sharing memory, racing by C's rules as DMA does by
 * design - and sva_frame_copy() keeps those copies out of TSan's sight; everything else is
 * watched.
 */
static void test_native_stress_exit_kill_destroy(void **state)
{
	(void)state;
	for (int iter = 0; iter < 12; iter++) {
		bool bof = iter & 1;
		const char *wq = bof ? "dsa0wq2" : "dsa0wq1";
		struct inflight f[3];
		struct sva_process *p[3];
		int status[3] = { -1, -1, -1 };
		struct env e;

		env_init(&e, SVA_BACKEND_NATIVE, 0, bof);
		for (int i = 0; i < 3; i++) {
			inflight_init(&e, &f[i], wq, !bof);
			f[i].wait_forever = i > 0;
			assert_int_equal(
				sva_process_start(e.k, "user", inflight_task, &f[i], &p[i]), 0);
		}
		sva_wait_for_completion(&f[0].submitted); /* then it exits, racing the rest */
		sva_wait_for_completion(&f[1].submitted);
		sva_process_kill(p[1]);
		sva_wait_for_completion(&f[2].submitted);
		sva_accel_destroy(e.a);
		e.destroyed = true;
		sva_complete(&f[2].go);
		for (int i = 0; i < 3; i++)
			assert_int_equal(sva_process_wait(p[i], &status[i]), 0);
		assert_int_equal(status[0], 0);
		assert_int_equal(status[1], 128 + 9);
		assert_int_equal(status[2], 0);
		assert_int_equal(f[2].after_ret, -EFAULT);
		sva_kernel_quiesce(e.k);
		assert_int_equal(atomic_load(&e.mon.submits), 12);
		assert_int_equal(atomic_load(&e.mon.ends), 12);
		for (int i = 0; i < 3; i++)
			inflight_done(&e, &f[i]);
		env_done(&e);
	}
}

/* ---- the explorer: submit against exit ---- */

struct xp {
	struct env e;
	struct inflight f;
	struct sva_process *p;
	bool bof;
	/* schedules where the exit met the device: descriptors aborted, DMA silently blocked
	 * (the mm gone, the PASID still bound), records lost, partial completions */
	unsigned long aborted, silenced, lost, partial;
};

static int xp_setup(struct sva_world *w, void *arg)
{
	struct xp *x = arg;
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = { .name = "accdev", .pasid_bits = 20, .pri = x->bof };
	struct sva_kernel_config kc = { .frames = 256 };
	struct sva_accel_config acfg = {
		.name = "dsa0",
		.engines = 1,
		.nwqs = 1,
		.wqs = { { .mode = SVA_ACCEL_WQ_SHARED, .depth = 4, .block_on_fault = x->bof } },
	};
	int ret;

	memset(&x->e, 0, sizeof(x->e));
	memset(&x->f, 0, sizeof(x->f));
	x->e.w = w;
	sva_world_subscribe(w, monitor_event, &x->e.mon);
	ret = sva_kernel_create(w, &kc, &x->e.k);
	if (!ret)
		ret = sva_iommu_sys_create(sva_kernel_mm_sys(x->e.k), &x->e.isys);
	if (!ret)
		ret = sva_swiommu_create(x->e.isys, &scfg, &x->e.sw);
	if (!ret)
		ret = sva_device_add(sva_swiommu_iommu(x->e.sw), &dcfg, &x->e.dev);
	if (!ret)
		ret = sva_accel_create(x->e.k, x->e.dev, &acfg, &x->e.a);
	x->f.wq = "dsa0wq0";
	x->f.populate_dst = !x->bof;
	sva_completion_init(w, &x->f.submitted, "submitted");
	sva_completion_init(w, &x->f.go, "go");
	if (!ret)
		ret = sva_process_start(x->e.k, "app", inflight_task, &x->f, &x->p);
	return ret;
}

static int xp_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct xp *x = arg;
	struct sva_swiommu_stats ss;
	struct sva_accel_stats s;
	int status = -1;

	(void)w;
	if (run)
		return run;
	if (sva_process_wait(x->p, &status) || status) {
		snprintf(msg, len, "the process failed: %d", status);
		return -1;
	}
	sva_kernel_quiesce(x->e.k);
	sva_accel_get_stats(x->e.a, &s);
	sva_swiommu_get_stats(x->e.sw, &ss);
	if (s.submitted != s.completed + s.aborted) {
		snprintf(msg, len, "%llu submitted, %llu completed, %llu aborted",
			 (unsigned long long)s.submitted, (unsigned long long)s.completed,
			 (unsigned long long)s.aborted);
		return -1;
	}
	if (ss.faults_reported[SVA_FAULT_PASID_INVALID] || atomic_load(&x->e.mon.violations)) {
		snprintf(msg, len, "DMA after unbind: %llu faults, %d trace violations",
			 (unsigned long long)ss.faults_reported[SVA_FAULT_PASID_INVALID],
			 atomic_load(&x->e.mon.violations));
		return -1;
	}
	x->aborted += s.aborted > 0;
	x->silenced += ss.faults_silenced > 0;
	x->lost += s.records_lost > 0;
	x->partial += s.page_faults > 0;
	if (sva_uacce_queues(sva_accel_wq_uacce(x->e.a, 0)) ||
	    sva_pasid_allocated(sva_iommu_sys_pasids(x->e.isys))) {
		snprintf(msg, len, "queue or PASID left after exit");
		return -1;
	}
	return 0;
}

static void xp_teardown(struct sva_world *w, void *arg)
{
	struct xp *x = arg;

	sva_accel_client_discard(w, x->f.c);
	x->f.c = NULL;
	sva_completion_destroy(&x->f.submitted);
	sva_completion_destroy(&x->f.go);
	if (x->e.a)
		sva_accel_destroy(x->e.a);
	if (x->e.dev)
		sva_device_remove(x->e.dev);
	if (x->e.sw)
		sva_swiommu_destroy(x->e.sw);
	if (x->e.isys)
		sva_iommu_sys_destroy(x->e.isys);
	if (x->e.k)
		sva_kernel_destroy(x->e.k);
	sva_world_unsubscribe(w, monitor_event, &x->e.mon);
}

static void explore_submit_vs_exit(bool bof, unsigned long max)
{
	struct xp *x = calloc(1, sizeof(*x));
	struct sva_program prog = {
		"accel-submit-vs-exit", xp_setup, xp_check, xp_teardown, x, false
	};
	struct sva_explore_config cfg = { .preemption_bound = 1, .max_schedules = max };
	struct sva_explore_result *res = calloc(1, sizeof(*res));

	assert_non_null(x);
	assert_non_null(res);
	x->bof = bof;
	cfg.world.quiet = true;
	assert_int_equal(sva_explore(&cfg, &prog, res), 0);
	if (res->failures)
		fprintf(stderr, "%s\nschedule %s\n", res->message, res->schedule);
	assert_int_equal(res->failures, 0);
	print_message("explored %lu schedules (%s), longest %lu decisions; the exit met the "
		      "device in %lu (aborted), %lu (DMA blocked silently), %lu (record lost), "
		      "%lu (partial)\n",
		      res->schedules, res->exhausted ? "exhausted" : "bounded", res->max_decisions,
		      x->aborted, x->silenced, x->lost, x->partial);
	assert_true(res->schedules >= 50 || res->exhausted);
	/* and random schedules, which reach interleavings far from the enumeration's start */
	x->aborted = x->silenced = x->lost = x->partial = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
					       .seed = seed,
					       .quiet = true };
		char msg[256];

		assert_int_equal(sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg)), 0);
	}
	print_message("40 random schedules: the exit met the device in %lu (aborted), %lu (DMA "
		      "blocked silently), %lu (record lost), %lu (partial)\n",
		      x->aborted, x->silenced, x->lost, x->partial);
	free(res);
	free(x);
}

static void test_explore_submit_vs_exit(void **state)
{
	(void)state;
	explore_submit_vs_exit(false, 2000);
}

static void test_explore_submit_vs_exit_block_on_fault(void **state)
{
	(void)state;
	explore_submit_vs_exit(true, 1000);
}

/* ---- misuse ---- */

static void test_create_refuses_bad_devices(void **state)
{
	struct sva_device_config nopasid = { .name = "nopasid" };
	struct sva_accel_config acfg;
	struct sva_device *dev1;
	struct sva_accel *a2;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0, false);
	sva_test_quiet(e.w);
	accel_config(&acfg, 1);
	assert_int_equal(sva_accel_create(e.k, e.dev, &acfg, &a2), -EBUSY); /* already claimed */
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e.sw), &nopasid, &dev1), 0);
	assert_int_equal(sva_accel_create(e.k, dev1, &acfg, &a2), -ENODEV);
	acfg.nwqs = 0;
	assert_int_equal(sva_accel_create(e.k, dev1, &acfg, &a2), -EINVAL);
	sva_device_remove(dev1);
	env_done(&e);
}

/* Every message logged at ERR, one a line, in @ctx (a char[1024]). */
static void err_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	size_t n = strlen(ctx);

	if (level == SVA_LOG_ERR && n < 1024)
		snprintf((char *)ctx + n, 1024 - n, "%s\n", msg);
}

/* Configuration @i of test_create_refuses_bad_configs: what is wrong in it, or NULL (the end). */
static const char *spoil_config(struct sva_accel_config *c, int i)
{
	accel_config(c, 2);
	switch (i) {
	case 0:
		c->nwqs = SVA_ACCEL_MAX_WQS + 1;
		return "accel: bad configuration (9 WQs, 2 engines)";
	case 1:
		c->cdev_rule = (enum sva_accel_cdev_rule)7;
		return "accel: bad configuration (3 WQs";
	case 2:
		c->engines = SVA_ACCEL_MAX_ENGINES + 1;
		return "accel: bad configuration (3 WQs, 9 engines)";
	case 3:
		c->max_batch = 100000;
		return "accel: bad configuration";
	case 4:
		c->engine_group[1] = SVA_ACCEL_MAX_GROUPS;
		return "accel: engine 1: no group 4";
	case 5:
		c->wqs[2].group = 1; /* both engines serve group 0 */
		return "accel: WQ 2: group 1 has no engine";
	case 6:
		c->wqs[1].group = SVA_ACCEL_MAX_GROUPS;
		return "accel: WQ 1: group 4 has no engine";
	case 7:
		c->wqs[1].depth = SVA_ACCEL_MAX_DEPTH + 1;
		return "accel dsa0: WQ 1: bad configuration (size 1025";
	case 8:
		c->wqs[0].mode = (enum sva_accel_wq_mode)9;
		return "accel dsa0: WQ 0: bad configuration";
	case 9:
		c->wqs[2].priority = 16;
		return "accel dsa0: WQ 2: bad configuration (size 8, group 0, priority 16";
	case 10:
		c->wqs[1].threshold = 9;
		return "accel dsa0: WQ 1: bad configuration (size 8, group 0, priority 0, "
		       "threshold 9)";
	default:
		return NULL;
	}
}

static void test_create_refuses_bad_configs(void **state)
{
	struct sva_device_config dcfg = { .name = "dev1", .pasid_bits = 8 };
	struct sva_accel_config acfg;
	struct sva_device *dev1;
	struct sva_accel *a2;
	char err[1024] = "";
	const char *want;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1, false);
	sva_world_set_log_sink(e.w, err_sink, err);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e.sw), &dcfg, &dev1), 0);
	assert_int_equal(sva_accel_create(e.k, dev1, NULL, &a2), -EINVAL);
	assert_non_null(strstr(err, "accel: bad configuration (0 WQs, 0 engines)"));
	for (int i = 0; (want = spoil_config(&acfg, i)); i++) {
		err[0] = '\0';
		a2 = NULL;
		acfg.name = "dsa0"; /* the device's name is not checked: it is dev1's */
		assert_int_equal(sva_accel_create(e.k, dev1, &acfg, &a2), -EINVAL);
		assert_null(a2);
		if (!strstr(err, want))
			fail_msg("config %d: expected \"%s\", got \"%s\"", i, want, err);
	}
	/* and a good one on the same device still works: nothing was left claimed */
	accel_config(&acfg, 1);
	acfg.name = "dsa1";
	acfg.wqs[0].name = "mine";
	assert_int_equal(sva_accel_create(e.k, dev1, &acfg, &a2), 0);
	assert_string_equal(sva_accel_wq_name(a2, 0), "mine");
	assert_string_equal(sva_accel_wq_name(a2, 1), "dsa1wq1");
	assert_null(sva_accel_wq_uacce(a2, 3));
	assert_int_equal(sva_accel_wq_pasid(a2, 3), SVA_PASID_INVALID);
	assert_int_equal(sva_accel_wq_pending(a2, 3), 0);
	sva_accel_destroy(a2);
	sva_device_remove(dev1);
	env_done(&e);
}

/* The driver's ioctl: only WQ_INFO, and it needs somewhere to write. */
static int bad_ioctl_task(struct sva_task *t, void *arg)
{
	struct sva_accel_wq_info info;
	int fd = sva_sys_open(t, "dsa0wq1");

	(void)arg;
	TCHECK(fd >= 0);
	TCHECK(sva_sys_ioctl(t, fd, 0x6199u, 0) == -ENOTTY);
	TCHECK(sva_sys_ioctl(t, fd, SVA_ACCEL_IOCTL_WQ_INFO, 0) == -EFAULT);
	TCHECK(sva_sys_ioctl(t, fd, SVA_ACCEL_IOCTL_WQ_INFO, (unsigned long)(uintptr_t)&info) == 0);
	TCHECK(info.index == 1 && info.mode == SVA_ACCEL_WQ_SHARED);
	TCHECK(sva_sys_close(t, fd) == 0);
	/* waiting for a record nothing writes: -ETIMEDOUT after the polls (no client to ask
	   whether its queue stopped); a record at no address: its fault */
	{
		struct dsa_completion_record r;
		uint64_t comp = t_mmap(t, 1, true);

		TCHECK(comp != 0);
		TCHECK(sva_accel_client_wait(t, NULL, comp, &r, 70) == -ETIMEDOUT);
		TCHECK(r.status == DSA_COMP_NONE);
		TCHECK(sva_sys_munmap(t, comp, PAGE) == 0);
		TCHECK(sva_accel_client_wait(t, NULL, comp, &r, 70) == -EFAULT);
	}
	/* a portal store to memory that is no portal (anonymous, nothing mapped) or to a portal
	   mapped read-only faults as the CPU's would: -EFAULT */
	{
		struct dsa_hw_desc d;
		uint64_t anon = t_mmap(t, 1, true), ro = 0;
		int fd2 = sva_sys_open(t, "dsa0wq1");

		TCHECK(anon != 0 && fd2 >= 0);
		sva_dsa_desc_noop(&d, 0);
		TCHECK(sva_accel_enqcmd(t, anon, &d) == -EFAULT);
		TCHECK(sva_accel_enqcmd(t, 0x1000, &d) == -EFAULT);
		TCHECK(sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, SVA_MAP_SHARED, fd2, 0, &ro) == 0);
		TCHECK(sva_accel_enqcmd(t, ro, &d) == -EFAULT);
		TCHECK(sva_sys_close(t, fd2) == 0);
	}
	return 0;
}

/* The portal instructions without a descriptor: refused, reported (a caller's bug). */
static int no_desc_task(struct sva_task *t, void *arg)
{
	uint64_t portal = 0x10000;

	(void)arg;
	TCHECK(sva_accel_movdir64b(t, portal, NULL) == -EINVAL);
	TCHECK(sva_accel_movdir64b_retry(t, portal, NULL) == -EINVAL);
	TCHECK(sva_accel_enqcmd(t, portal, NULL) == -EINVAL);
	return 0;
}

static void test_driver_ioctl_refusals(void **state)
{
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1, false);
	assert_int_equal(sva_test_run_process(e.k, bad_ioctl_task, NULL), 0);
	sva_test_quiet(e.w);
	assert_int_equal(sva_test_run_process(e.k, no_desc_task, NULL), 0);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 3);
	assert_non_null(strstr(sva_report_first(e.w), "accel: MOVDIR64B for task"));
	/* ENQCMDS: no device, no descriptor, no such WQ, a dedicated one; each refusal names the
	   WQ, nothing queued */
	assert_int_equal(sva_accel_enqcmds(NULL, 1, false, NULL), -EINVAL);
	{
		struct dsa_hw_desc d = { .opcode = DSA_OPCODE_NOOP };
		char err[1024] = ""; /* err_sink's size */

		sva_world_set_log_sink(e.w, err_sink, err);
		assert_int_equal(sva_accel_enqcmds(e.a, 1, false, NULL), -EINVAL);
		assert_non_null(strstr(err, "accel dsa0: ENQCMDS to WQ 1 refused"));
		assert_int_equal(sva_accel_enqcmds(e.a, 3, false, &d), -EINVAL);
		assert_non_null(strstr(err, "ENQCMDS to WQ 3 refused"));
		assert_int_equal(sva_accel_enqcmds(e.a, 0, false, &d), -EINVAL);
		assert_non_null(strstr(err, "ENQCMDS to WQ 0 refused"));
		for (unsigned i = 0; i < 3; i++)
			assert_int_equal(sva_accel_wq_pending(e.a, i), 0);
		sva_test_quiet(e.w);
	}
	env_release(&e);
	assert_int_equal(sva_alloc_describe_live(e.w, SVA_TEST_IGNORED_TYPES, NULL, 0), 0);
	sva_world_destroy(e.w); /* with the reports this test made */
}

/*
 * The accelerator's lifetime paths, each allocation failed in turn: its creation (its WQs, its
 * engines, their char devices) and a client's whole use - open a shared WQ (the PASID, the bond,
 * the portal), submit a copy, wait for its record, close - then the same on the dedicated WQ.
 */
struct accel_fail {
	struct env e;
	bool use;		/* the body is a process using the WQs, not the creation */
	bool dma;		/* the process's copy faults on its destination (PRI) instead */
	struct sva_accel *made; /* by the creation body */
	struct sva_process *p;
	int status;
	int err;      /* the process's first error */
	int fds_left; /* fds a failed open left open (it must close what it opened) */
	uint8_t got[2][256];
	struct dsa_completion_record rec[2];
};

static int accel_fail_use(struct sva_task *t, void *arg)
{
	static const char *const wqs[] = { "dsa0wq1", "dsa0wq0" };
	struct accel_fail *f = arg;
	uint8_t want[256];
	uint64_t comp = 0, src = 0, dst = 0;
	int ret;

	pattern_bytes(want, sizeof(want), 3);
	ret = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_POPULATE, -1, 0, &comp);
	if (!ret)
		ret = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_POPULATE, -1, 0, &src);
	if (!ret)
		ret = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_POPULATE, -1, 0, &dst);
	if (!ret)
		ret = sva_sys_write_mem(t, src, want, sizeof(want));
	for (int i = 0; i < 2 && !ret; i++) {
		struct sva_accel_client *c;
		struct dsa_hw_desc d;

		ret = sva_accel_client_open(t, wqs[i], &c);
		if (ret) { /* nothing else is open here: the open closed what it opened */
			for (int fd = 0; fd < 16; fd++)
				f->fds_left += sva_sys_close(t, fd) == 0;
			break;
		}
		sva_dsa_desc_memmove(&d, dst, src, sizeof(want), comp);
		ret = sva_sys_write_mem(t, comp, &(struct dsa_completion_record){ 0 }, 32);
		if (!ret)
			ret = sva_accel_client_submit(t, c, &d);
		if (!ret)
			ret = sva_accel_client_wait(t, c, comp, &f->rec[i], MAX_POLLS);
		if (!ret)
			ret = sva_sys_read_mem(t, dst, f->got[i], sizeof(f->got[i]));
		sva_accel_client_close(t, c);
	}
	f->err = ret;
	return ret ? 1 : 0;
}

/*
 * A copy to a destination never touched, on the block-on-fault WQ of a PRI device: each page
 * of it a page request, the fault handled (iopf groups), the response, the copy resumed.
 */
static int accel_fail_dma(struct sva_task *t, void *arg)
{
	struct accel_fail *f = arg;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	uint8_t want[256];
	uint64_t comp = 0, src = 0, dst = 0;
	int ret;

	pattern_bytes(want, sizeof(want), 5);
	ret = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_POPULATE, -1, 0, &comp);
	if (!ret)
		ret = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_POPULATE, -1, 0, &src);
	if (!ret)
		ret = sva_sys_mmap(t, 0, 2 * PAGE, RW, 0, -1, 0, &dst);
	if (!ret)
		ret = sva_sys_write_mem(t, src, want, sizeof(want));
	if (!ret)
		ret = sva_accel_client_open(t, "dsa0wq2", &c);
	if (ret) {
		f->err = ret;
		return 1;
	}
	sva_dsa_desc_memmove(&d, dst + PAGE - 128, src, sizeof(want), comp); /* two pages */
	ret = sva_sys_write_mem(t, comp, &(struct dsa_completion_record){ 0 }, 32);
	if (!ret)
		ret = sva_accel_client_submit(t, c, &d);
	if (!ret) /* a page request never answered is a timeout, not a hang */
		ret = sva_accel_client_wait(t, c, comp, &f->rec[0], 20000);
	if (!ret && f->rec[0].status == DSA_COMP_SUCCESS)
		ret = sva_sys_read_mem(t, dst + PAGE - 128, f->got[0], sizeof(f->got[0]));
	sva_accel_client_close(t, c);
	f->err = ret;
	return ret ? 1 : 0;
}

static struct sva_world *accel_fail_setup(void *arg)
{
	struct accel_fail *f = arg;
	bool use = f->use, dma = f->dma;

	memset(f, 0, sizeof(*f));
	f->use = use;
	f->dma = dma;
	f->status = -1;
	if (dma) { /* a page request never answered stops at the budget, a report, not a hang */
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
					       .seed = 1,
					       .max_steps = 100000 };
		struct sva_world *w = NULL;

		assert_int_equal(sva_world_create(&wc, &w), 0);
		env_init_world(&f->e, w, true, 2);
	} else {
		env_init(&f->e, SVA_BACKEND_SIM, 1, false);
	}
	sva_test_quiet(f->e.w);
	if (!use) {
		sva_accel_destroy(f->e.a); /* the device free again */
		f->e.a = NULL;
	}
	return f->e.w;
}

static int accel_fail_body(struct sva_world *w, void *arg)
{
	struct accel_fail *f = arg;
	struct sva_accel_config acfg;
	int ret;

	(void)w;
	if (!f->use) {
		accel_config(&acfg, 2);
		return sva_accel_create(f->e.k, f->e.dev, &acfg, &f->made);
	}
	ret = sva_process_start(f->e.k, "user", f->dma ? accel_fail_dma : accel_fail_use, f, &f->p);
	if (ret)
		return ret;
	assert_int_equal(sva_process_wait(f->p, &f->status), 0);
	return f->err;
}

static void accel_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct accel_fail *f = arg;
	uint8_t want[256];

	if (!f->use) {
		if (r->ret) { /* nothing of it left */
			assert_null(f->e.dev->priv);
			assert_int_equal(sva_alloc_live(w, &sva_obj_accel), 0);
		}
		return;
	}
	sva_kernel_quiesce(f->e.k);
	env_check(&f->e); /* every descriptor accepted completed, none left queued */
	assert_int_equal(f->fds_left, 0);
	if (f->dma) {
		pattern_bytes(want, sizeof(want), 5);
		if (r->ret == 0 && f->rec[0].status == DSA_COMP_SUCCESS)
			assert_memory_equal(f->got[0], want, sizeof(want));
		else if (r->ret == 0) /* a page request answered with a failure: said so */
			assert_true(r->injected && r->inj.type == &sva_obj_iopf_group &&
				    sva_dsa_status_code(f->rec[0].status) ==
					    DSA_COMP_PAGE_FAULT_IR);
		if (!r->injected)
			assert_int_equal(f->rec[0].status, DSA_COMP_SUCCESS);
	} else if (r->ret == 0) {
		pattern_bytes(want, sizeof(want), 3);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(f->rec[i].status, DSA_COMP_SUCCESS);
			assert_memory_equal(f->got[i], want, sizeof(want));
		}
	} else if (f->p) {
		assert_int_equal(f->status, 1);
	}
}

static void accel_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct accel_fail *f = arg;

	(void)w;
	(void)r;
	if (!f->use) {
		f->e.a = f->made;
		f->e.destroyed = !f->made;
	}
	env_release(&f->e);
}

static void test_create_unwinds_at_every_failure(void **state)
{
	struct accel_fail f = { .use = false };
	struct sva_test_fail_case c = { .name = "accel create",
					.setup = accel_fail_setup,
					.body = accel_fail_body,
					.check = accel_fail_check,
					.teardown = accel_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 6); /* the accel, its WQs, engines, cdevs */
	f.use = true;
	c.name = "accel open, submit, wait, close (shared, then dedicated)";
	c.checker = true;
	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 6);
	f.dma = true;
	c.name = "accel DMA faulting on its destination, PRI, block on fault";
	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 6);
	/* an iopf group not made: its page request answered with a failure, the record says so */
	assert_true(st.absorbed >= 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_known_vectors),
		cmocka_unit_test(test_every_opcode_and_record),
		cmocka_unit_test(test_dedicated_wq_one_open),
		cmocka_unit_test(test_shared_wq_each_process_its_pasid),
		cmocka_unit_test(seed001_enqcmd_threads_share_the_mm_pasid),
		cmocka_unit_test(enqcmd_with_a_stale_register_shows_in_the_submission),
		cmocka_unit_test(cdev_rule_idxd_refuses_another_mm),
		cmocka_unit_test(cdev_rule_uacce_queue_is_the_openers),
		cmocka_unit_test(cdev_rule_uacce_dma_after_the_openers_mm_died_is_aborted),
		cmocka_unit_test(test_no_block_on_fault_partial_then_resubmit),
		cmocka_unit_test(test_block_on_fault_with_pri),
		cmocka_unit_test(test_full_wq_and_put_q_aborts_pending),
		cmocka_unit_test(test_put_q_racing_engines_leaves_every_record),
		cmocka_unit_test(seed003_exit_with_descriptors_in_flight_block_on_fault),
		cmocka_unit_test(seed004_exit_with_descriptors_in_flight_no_block_on_fault),
		cmocka_unit_test(test_kill_mid_dma),
		cmocka_unit_test(test_device_destroy_during_dma),
		cmocka_unit_test(test_wait_after_removal_with_a_lost_record_is_prompt),
		cmocka_unit_test(test_native_stress_exit_kill_destroy),
		cmocka_unit_test(test_explore_submit_vs_exit),
		cmocka_unit_test(test_explore_submit_vs_exit_block_on_fault),
		cmocka_unit_test(test_create_refuses_bad_devices),
		cmocka_unit_test(test_create_refuses_bad_configs),
		cmocka_unit_test(test_driver_ioctl_refusals),
		cmocka_unit_test(test_create_unwinds_at_every_failure),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("accel", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * PRI and I/O page faults through the software IOMMU, end to end: a device touching memory
 * never touched completes through page requests; INVALID for a write to a read-only VMA and for
 * an address without a VMA; a fault racing the exit of the process and one racing unbind (and
 * a second mm that gets the PASID) under the sim explorer; a tiny page-request queue that
 * overflows; copy-on-write after fork; reclaim; FAILURE stopping the device's PRI until reset;
 * every allocation of a PRI-capable device's probe failing; stop markers; a detach with
 * requests still queued; PRI on native threads under unbind, munmap and reclaim churn.
 *
 * Every test keeps a ledger of page-request groups from the trace (a subscriber): a group is
 * opened when the device sends it and closed by its response, so "answered exactly once" is
 * checked on every run, native or sim. Each world ends with the leak and report check.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/swiommu/internal.h"
#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE   SVA_PAGE_SIZE
#define RW     (SVA_PROT_READ | SVA_PROT_WRITE)
#define MAXDEV 4
#define SEEDS  200

/* Under TSan a sim run costs ten times more and finds no more (it is there for the native
 * tests): explore fewer schedules, run fewer seeds. */
#if defined(__SANITIZE_THREAD__)
#define EXPLORE_SCALE 8
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) /* clang */
#define EXPLORE_SCALE 8
#endif
#endif
#ifndef EXPLORE_SCALE
#define EXPLORE_SCALE 1
#endif

/* ---- the ledger: every page-request group answered exactly once ---- */

struct ledger {
	pthread_mutex_t lock; /* native: subscribers run on every thread */
	const char *names[MAXDEV];
	unsigned ndev;
	unsigned open[MAXDEV][SVA_SW_PRGI_MAX];
	uint32_t pasid[MAXDEV][SVA_SW_PRGI_MAX];
	unsigned long sent, answered, errors, codes[SVA_PAGE_RESP_CODES];
	char first_error[128];
	unsigned long queued_by_did[64]; /* "swiommu.prq_request" per domain id (below 64) */
	unsigned long drains_waited;	 /* drains that found requests still queued */
};

static void ledger_reset(struct ledger *lg)
{
	pthread_mutex_t lock = lg->lock;

	memset(lg, 0, sizeof(*lg));
	lg->lock = lock;
}

static void ledger_init(struct ledger *lg)
{
	memset(lg, 0, sizeof(*lg));
	pthread_mutex_init(&lg->lock, NULL);
}

static int ledger_dev(struct ledger *lg, const char *name)
{
	for (unsigned i = 0; i < lg->ndev; i++)
		if (strcmp(lg->names[i], name) == 0)
			return (int)i;
	return -1;
}

static void ledger_error(struct ledger *lg, const char *what, uint64_t pasid, uint64_t grpid)
{
	if (!lg->errors++)
		snprintf(lg->first_error, sizeof(lg->first_error), "%s (PASID %llu group %llu)",
			 what, (unsigned long long)pasid, (unsigned long long)grpid);
}

/* A group sent (@code < 0) or answered with @code, on device @dev. */
static void ledger_group(struct ledger *lg, const char *dev, uint64_t pasid, uint64_t grpid,
			 int64_t code)
{
	int d = ledger_dev(lg, dev);

	if (d < 0 || grpid >= SVA_SW_PRGI_MAX) {
		ledger_error(lg, "unknown device or group index", pasid, grpid);
		return;
	}
	if (code < 0) {
		if (lg->open[d][grpid]++)
			ledger_error(lg, "group index reused while outstanding", pasid, grpid);
		lg->pasid[d][grpid] = (uint32_t)pasid;
		lg->sent++;
		return;
	}
	if (!lg->open[d][grpid] || lg->pasid[d][grpid] != pasid)
		ledger_error(lg, "response without its group", pasid, grpid);
	else
		lg->open[d][grpid]--;
	lg->answered++;
	if (code < SVA_PAGE_RESP_CODES)
		lg->codes[code]++;
}

static void ledger_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct ledger *lg = ctx;
	uint64_t did;

	(void)w;
	pthread_mutex_lock(&lg->lock);
	switch (ev->kind) {
	case SVA_EV_SWIOMMU_PRI_REQUEST:
		ledger_group(lg, sva_ev_str(ev, SWIOMMU_PRI_REQUEST, device),
			     sva_ev_num(ev, SWIOMMU_PRI_REQUEST, pasid),
			     sva_ev_num(ev, SWIOMMU_PRI_REQUEST, grpid), -1);
		break;
	case SVA_EV_SWIOMMU_PRI_RESPONSE:
		ledger_group(lg, sva_ev_str(ev, SWIOMMU_PRI_RESPONSE, device),
			     sva_ev_num(ev, SWIOMMU_PRI_RESPONSE, pasid),
			     sva_ev_num(ev, SWIOMMU_PRI_RESPONSE, grpid),
			     (int64_t)sva_ev_num(ev, SWIOMMU_PRI_RESPONSE, code));
		break;
	case SVA_EV_SWIOMMU_PRI_UNMATCHED:
		ledger_error(lg, "response matched no outstanding group",
			     sva_ev_num(ev, SWIOMMU_PRI_UNMATCHED, pasid),
			     sva_ev_num(ev, SWIOMMU_PRI_UNMATCHED, grpid));
		break;
	case SVA_EV_SWIOMMU_PRQ_REQUEST:
		did = sva_ev_num(ev, SWIOMMU_PRQ_REQUEST, domain);
		if (did < 64)
			lg->queued_by_did[did]++;
		break;
	case SVA_EV_SWIOMMU_PRQ_DRAIN:
		if (sva_ev_num(ev, SWIOMMU_PRQ_DRAIN, pending) > 0)
			lg->drains_waited++;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&lg->lock);
}

/* 0 when every group sent was answered once and none is open; else -1 and @msg. */
static int ledger_verdict(struct ledger *lg, char *msg, size_t len)
{
	if (lg->errors) {
		snprintf(msg, len, "ledger: %s", lg->first_error);
		return -1;
	}
	if (lg->sent != lg->answered) {
		snprintf(msg, len, "ledger: %lu groups sent, %lu answered", lg->sent, lg->answered);
		return -1;
	}
	return 0;
}

static void ledger_assert(struct ledger *lg)
{
	char msg[256];

	if (ledger_verdict(lg, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

/* ---- an environment: world, mm subsystem, IOMMU core, a swiommu, devices ---- */

/* Explored programs keep one first in their state (program_teardown relies on it). */
struct ienv {
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev[MAXDEV];
	unsigned ndev;
	struct ledger *lg;
};

/* For explored programs (no cmocka asserts there): 0 or an error. */
static int ienv_setup(struct ienv *e, struct sva_world *w, unsigned prq_entries, size_t frames,
		      struct ledger *lg)
{
	struct sva_mm_sys_config mc = { .frames = frames };
	struct sva_swiommu_config cfg = { .name = "swiommu0", .prq_entries = prq_entries };
	int ret;

	memset(e, 0, sizeof(*e));
	e->w = w;
	e->lg = lg;
	ledger_reset(lg);
	ret = sva_world_subscribe(w, ledger_event, lg);
	if (!ret)
		ret = sva_mm_sys_create(w, &mc, &e->mm_sys);
	if (!ret)
		ret = sva_iommu_sys_create(e->mm_sys, &e->isys);
	if (!ret)
		ret = sva_swiommu_create(e->isys, &cfg, &e->sw);
	return ret;
}

static int ienv_add(struct ienv *e, const char *name, bool pri, struct sva_device **out)
{
	struct sva_device_config dc = { .name = name, .pasid_bits = 20, .ats = true, .pri = pri };
	int ret = sva_device_add(sva_swiommu_iommu(e->sw), &dc, out);

	if (ret)
		return ret;
	e->dev[e->ndev++] = *out;
	e->lg->names[e->lg->ndev++] = (*out)->name;
	return 0;
}

static bool ienv_frames_free(struct ienv *e)
{
	struct sva_phys *phys = sva_mm_sys_phys(e->mm_sys);

	return sva_phys_free_frames(phys) == sva_phys_total_frames(phys) - 1;
}

static void ienv_teardown(struct ienv *e)
{
	if (e->mm_sys)
		sva_mm_sys_synchronize(e->mm_sys);
	while (e->ndev)
		sva_device_remove(e->dev[--e->ndev]);
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	sva_mm_sys_destroy(e->mm_sys);
}

/* Plain tests: a world of @backend, asserted setup. */
static void ienv_init(struct ienv *e, enum sva_backend b, unsigned prq_entries, struct ledger *lg)
{
	ledger_init(lg);
	assert_int_equal(ienv_setup(e, sva_test_world(b, 1), prq_entries, 512, lg), 0);
}

static struct sva_device *ienv_dev(struct ienv *e, const char *name, bool pri)
{
	struct sva_device *dev = NULL;

	assert_int_equal(ienv_add(e, name, pri, &dev), 0);
	return dev;
}

static void ienv_done(struct ienv *e)
{
	struct sva_world *w = e->w;

	sva_mm_sys_synchronize(e->mm_sys);
	assert_true(ienv_frames_free(e));
	ienv_teardown(e);
	sva_test_world_done(w);
	pthread_mutex_destroy(&e->lg->lock);
}

static uint64_t mmap_at(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot,
			unsigned flags)
{
	uint64_t a = 0;

	assert_int_equal(sva_mm_mmap(mm, addr, len, prot, flags, NULL, 0, &a), 0);
	return a;
}

static struct sva_swiommu_stats stats(struct ienv *e)
{
	struct sva_swiommu_stats s;

	sva_swiommu_get_stats(e->sw, &s);
	return s;
}

/* The CPU's page table has a present page at @va. */
static bool mm_has_page(struct sva_mm *mm, uint64_t va)
{
	sva_pte_t *pte = sva_pgtable_walk(sva_mm_pgtable(mm), va, false, NULL);

	return pte && (sva_pte_read(pte) & SVA_PTE_PRESENT);
}

static uint32_t pasid_domain_id(struct sva_device *dev, uint32_t pasid)
{
	struct sva_domain *d = sva_iommu_get_domain_for_pasid(dev, pasid);

	return d ? d->id : 0;
}

/* An explored program, then SEEDS seeded random runs of it. */
static void explore_and_seeds(const struct sva_program *prog, unsigned k, unsigned long max,
			      unsigned long min_schedules)
{
	struct sva_explore_config cfg = { .preemption_bound = k,
					  .max_schedules = max / EXPLORE_SCALE };
	struct sva_explore_result res;

	assert_int_equal(sva_explore(&cfg, prog, &res), 0);
	if (res.failures)
		fprintf(stderr, "%s: %s\nschedule %s\n", prog->name, res.message, res.schedule);
	assert_int_equal(res.failures, 0);
	print_message("%s: explored %lu schedules (%s), longest %lu decisions\n", prog->name,
		      res.schedules, res.exhausted ? "exhausted" : "bounded", res.max_decisions);
	/* The budget counts the runs POR cuts short; a scaled budget buys fewer classes. */
	assert_true(res.schedules >= min_schedules / EXPLORE_SCALE);
	for (uint64_t seed = 1; seed <= SEEDS / EXPLORE_SCALE; seed++) {
		struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = seed };
		char msg[512] = "";

		if (sva_program_run_once(&wc, prog, NULL, 0, msg, sizeof(msg)))
			fail_msg("%s, seed %llu: %s", prog->name, (unsigned long long)seed, msg);
	}
}

/* ---- demand faults, INVALID ---- */

static void demand_fault_on(enum sva_backend b)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_dma_status st;
	struct sva_swiommu_stats s;
	static unsigned char in[3 * PAGE], out[3 * PAGE];
	uint64_t a, zero = 1;
	uint32_t pasid;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 13 + 7);
	ienv_init(&e, b, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, 4 * PAGE, RW, 0); /* never touched */
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* a write across three untouched pages: one page request each, each answered SUCCESS */
	assert_int_equal(sva_dma_write(dev, pasid, a + 100, in, 2 * PAGE + 50, &st), 0);
	assert_int_equal(st.done, 2 * PAGE + 50);
	assert_int_equal(st.reason, SVA_FAULT_NONE);
	assert_int_equal(st.pri_requests, 3);
	assert_int_equal(st.response, SVA_PAGE_RESP_SUCCESS);
	assert_int_equal(sva_mm_access(mm, a + 100, out, 2 * PAGE + 50, false), 0);
	assert_memory_equal(out, in, 2 * PAGE + 50);
	/* the pages are there now: the device reads back without a request */
	memset(out, 0, sizeof(out));
	assert_int_equal(sva_dma_read(dev, pasid, a + 100, out, 2 * PAGE + 50, &st), 0);
	assert_int_equal(st.pri_requests, 0);
	assert_memory_equal(out, in, 2 * PAGE + 50);
	/* a read of the fourth, untouched page: a demand-zero page */
	assert_int_equal(sva_dma_read(dev, pasid, a + 3 * PAGE + 8, &zero, sizeof(zero), &st), 0);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(zero, 0);
	assert_true(mm_has_page(mm, a + 3 * PAGE));

	s = stats(&e);
	assert_int_equal(s.prq_requests, 4);
	assert_int_equal(s.prq_responses[SVA_PAGE_RESP_SUCCESS], 4);
	assert_int_equal(s.prq_responses[SVA_PAGE_RESP_INVALID], 0);
	assert_int_equal(s.prq_responses[SVA_PAGE_RESP_FAILURE], 0);
	assert_int_equal(s.prq_overflows + s.prq_auto_responses + s.prq_refused, 0);
	assert_int_equal(s.prq_unmatched, 0);
	/* ATS: each page was refused by a translation request (R = W = 0), not reported as a fault
	 */
	assert_int_equal(s.faults_reported[SVA_FAULT_NOT_PRESENT], 0);
	assert_true(s.ats_requests >= 4);
	assert_int_equal(sva_iopf_dev_pending(dev), 0);
	ledger_assert(&lg);
	assert_int_equal(lg.sent, 4);
	assert_int_equal(lg.codes[SVA_PAGE_RESP_SUCCESS], 4);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

static void iopf_demand_fault(void **state)
{
	(void)state;
	demand_fault_on(SVA_BACKEND_SIM);
	demand_fault_on(SVA_BACKEND_NATIVE);
}

/* ---- an external mm: memory the embedder owns (a real process's, under sva exec) ---- */

struct ext_mem {
	unsigned char page[4][PAGE];
	bool present[4], ro[4];
	bool gone;    /* the owner's memory is gone (present: -ESRCH) */
	bool refuses; /* the owner's access fails */
	unsigned faults, accesses, released;
};

static int ext_index(uint64_t va)
{
	return va >= 0x10000 && va < 0x10000 + 4 * PAGE ? (int)((va - 0x10000) / PAGE) : -1;
}

static int ext_present(void *ctx, uint64_t va, bool write)
{
	struct ext_mem *m = ctx;
	int i = ext_index(va);

	if (m->gone)
		return -ESRCH;
	if (i < 0 || (write && m->ro[i]))
		return -EFAULT;
	return m->present[i];
}

static int ext_fault(void *ctx, uint64_t va, bool write)
{
	struct ext_mem *m = ctx;
	int i = ext_index(va);

	m->faults++;
	if (i < 0 || (write && m->ro[i]))
		return -EFAULT;
	m->present[i] = true;
	return 0;
}

static int ext_access(void *ctx, uint64_t va, void *buf, size_t len, bool write)
{
	struct ext_mem *m = ctx;
	int i = ext_index(va);

	m->accesses++;
	if (m->refuses)
		return -EIO;
	assert_true(i >= 0 && m->present[i] && (va & ~SVA_PAGE_MASK) + len <= PAGE);
	if (write)
		memcpy(&m->page[i][va & ~SVA_PAGE_MASK], buf, len);
	else
		memcpy(buf, &m->page[i][va & ~SVA_PAGE_MASK], len);
	return 0;
}

static void ext_release(void *ctx)
{
	((struct ext_mem *)ctx)->released++;
}

/*
 * DMA on an external mm's PASID reaches the embedder's memory through its callbacks: a page
 * not present is a page request its fault callback answers, a read-only page's write is
 * INVALID, nothing is cached (a change the owner makes is seen at once), exit_mmap blocks the
 * PASID (no callback reached after it), and __mmdrop releases the memory - on both backends.
 */
static void external_mm_on(enum sva_backend b)
{
	static struct ext_mem m;
	const struct sva_mm_external ext = { .present = ext_present,
					     .fault = ext_fault,
					     .access = ext_access,
					     .release = ext_release,
					     .ctx = &m };
	struct sva_device_config dc = { .name = "dsa0", .pasid_bits = 20, .pri = true };
	unsigned char in[2 * PAGE], out[2 * PAGE];
	struct sva_dma_status st;
	struct sva_device *dev;
	struct sva_bond *bond;
	struct sva_mm *mm;
	struct ledger lg;
	struct ienv e;
	uint32_t pasid;
	unsigned acc;

	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 1);
	m.present[0] = true;
	m.ro[3] = true;
	m.present[3] = true;
	ienv_init(&e, b, 0, &lg);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e.sw), &dc, &dev), 0);
	e.dev[e.ndev++] = dev;
	lg.names[lg.ndev++] = dev->name;
	assert_int_equal(sva_mm_create(e.mm_sys, "real", &mm), 0);
	sva_mm_set_external(mm, &ext);
	assert_ptr_equal(sva_mm_external(mm), &ext);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* across page 0 (present) and page 1 (not): one page request, answered by the owner */
	assert_int_equal(sva_dma_write(dev, pasid, 0x10000 + 100, in, PAGE + 50, &st), 0);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(m.faults, 1);
	assert_true(m.present[1]);
	assert_memory_equal(&m.page[0][100], in, PAGE - 100);
	assert_memory_equal(&m.page[1][0], in + PAGE - 100, 150);
	assert_int_equal(sva_dma_read(dev, pasid, 0x10000 + 100, out, PAGE + 50, &st), 0);
	assert_int_equal(st.pri_requests, 0);
	assert_memory_equal(out, in, PAGE + 50);
	/* nothing cached: the owner's change (the page went away) is seen at the next access */
	m.present[1] = false;
	assert_int_equal(sva_dma_read(dev, pasid, 0x10000 + PAGE, out, 8, &st), 0);
	assert_int_equal(st.pri_requests, 1);
	/* a write to the read-only page and one outside any mapping: INVALID, nothing written */
	acc = m.accesses;
	assert_int_equal(sva_dma_write(dev, pasid, 0x10000 + 3 * PAGE, in, 8, &st), -EFAULT);
	assert_int_equal(st.response, SVA_PAGE_RESP_INVALID);
	assert_int_equal(sva_dma_write(dev, pasid, 0x90000, in, 8, &st), -EFAULT);
	assert_int_equal(m.accesses, acc);
	assert_int_equal(m.page[3][0], 0);
	assert_int_equal(sva_dma_read(dev, pasid, 0x10000 + 3 * PAGE, out, 8, &st), 0);
	/* a device does not execute from a real process's memory: refused before the owner */
	{
		struct sva_translation t;
		unsigned asked = m.faults;

		assert_int_equal(
			sva_translate(dev, pasid, 0x10000, SVA_ACCESS_READ | SVA_ACCESS_EXEC, &t),
			-EFAULT);
		assert_int_equal(t.reason, SVA_FAULT_EXEC);
		assert_int_equal(m.faults, asked);
	}

	/* the owner's access fails: a bus error at the page; its memory gone: blocked, silently */
	m.refuses = true;
	assert_int_equal(sva_dma_read(dev, pasid, 0x10000 + 8, out, 8, &st), -EIO);
	assert_int_equal(st.fault_addr, 0x10000 + 8);
	assert_int_equal(st.done, 0);
	m.refuses = false;
	m.gone = true;
	{
		uint64_t logged = sva_swiommu_faults_logged(e.sw);

		assert_int_equal(sva_dma_read(dev, pasid, 0x10000, out, 8, &st), -EFAULT);
		assert_int_equal(st.reason, SVA_FAULT_PASID_BLOCKED);
		assert_int_equal(st.pri_requests, 0);
		assert_int_equal(sva_swiommu_faults_logged(e.sw), logged);
	}
	m.gone = false;
	/* exit_mmap: the PASID blocks, the owner's memory is never reached again */
	sva_mmgrab(mm);
	sva_mmput(mm);
	acc = m.accesses;
	assert_int_equal(sva_dma_read(dev, pasid, 0x10000, out, 8, &st), -EFAULT);
	assert_int_equal(m.accesses, acc);
	assert_int_equal(m.released, 0);
	sva_unbind_device(bond);
	sva_mmdrop(mm);
	ienv_done(&e);
	assert_int_equal(m.released, 1);
}

static void iopf_external_mm(void **state)
{
	(void)state;
	external_mm_on(SVA_BACKEND_SIM);
	external_mm_on(SVA_BACKEND_NATIVE);
}

static void iopf_readonly_write_invalid(void **state)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_dma_status st;
	uint64_t ro, ro_untouched, v = 0x1234, back = 0;
	uint32_t pasid;
	(void)state;

	ienv_init(&e, SVA_BACKEND_SIM, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	ro = mmap_at(mm, 0, PAGE, SVA_PROT_READ, SVA_MAP_POPULATE);
	ro_untouched = mmap_at(mm, 0, PAGE, SVA_PROT_READ, 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* present, read-only: WRITE, the request is answered INVALID (the VMA forbids writes) */
	assert_int_equal(sva_dma_write(dev, pasid, ro + 8, &v, sizeof(v), &st), -EFAULT);
	assert_int_equal(st.done, 0);
	assert_int_equal(st.reason, SVA_FAULT_WRITE);
	assert_int_equal(st.fault_addr, ro + 8);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(st.response, SVA_PAGE_RESP_INVALID);
	/* not present, read-only VMA: NOT_PRESENT, a write request, INVALID as well */
	assert_int_equal(sva_dma_write(dev, pasid, ro_untouched, &v, sizeof(v), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(st.response, SVA_PAGE_RESP_INVALID);
	assert_false(mm_has_page(mm, ro_untouched));
	/* reads work, and the page was never written */
	assert_int_equal(sva_dma_read(dev, pasid, ro + 8, &back, sizeof(back), &st), 0);
	assert_int_equal(st.pri_requests, 0);
	assert_int_equal(back, 0);
	assert_int_equal(stats(&e).prq_responses[SVA_PAGE_RESP_INVALID], 2);
	assert_int_equal(stats(&e).prq_responses[SVA_PAGE_RESP_SUCCESS], 0);
	assert_int_equal(sva_iopf_dev_pending(dev), 0);
	ledger_assert(&lg);
	assert_int_equal(lg.codes[SVA_PAGE_RESP_INVALID], 2);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

static void iopf_no_vma_invalid(void **state)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev, *plain;
	struct sva_mm *mm;
	struct sva_bond *bond, *pbond;
	struct sva_dma_status st;
	enum sva_page_response_code code;
	uint64_t a, hole, v;
	uint32_t pasid;
	(void)state;

	ienv_init(&e, SVA_BACKEND_SIM, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	plain = ienv_dev(&e, "plain", false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, PAGE, RW, 0);
	hole = a + 0x40000000ull; /* no VMA there */
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	assert_int_equal(sva_bind_device(plain, mm, &pbond), 0);
	pasid = sva_bond_pasid(bond);

	/* the DMA helper asks, the core finds no VMA: INVALID, the helper reports the fault */
	assert_int_equal(sva_dma_read(dev, pasid, hole, &v, sizeof(v), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(st.fault_addr, hole);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(st.response, SVA_PAGE_RESP_INVALID);
	/* the same, asked directly */
	assert_int_equal(sva_pri_request(dev, pasid, hole, SVA_ACCESS_READ, &code), 0);
	assert_int_equal(code, SVA_PAGE_RESP_INVALID);
	/* above user space: nothing to ask for */
	assert_int_equal(sva_pri_request(dev, pasid, SVA_TASK_SIZE, SVA_ACCESS_READ, &code),
			 -EINVAL);
	assert_int_equal(sva_dma_read(dev, pasid, SVA_TASK_SIZE, &v, sizeof(v), &st), -EFAULT);
	assert_int_equal(st.pri_requests, 0);
	/* a PASID not attached: the IOMMU answers INVALID itself, nothing is queued */
	assert_int_equal(sva_pri_request(dev, pasid + 1, a, SVA_ACCESS_READ, &code), 0);
	assert_int_equal(code, SVA_PAGE_RESP_INVALID);
	assert_int_equal(stats(&e).prq_refused, 1);
	assert_int_equal(stats(&e).prq_requests, 2);
	/* bad groups; a device without PRI */
	assert_int_equal(sva_pri_request_group(dev, pasid, NULL, 0, &code), -EINVAL);
	{
		struct sva_pri_page many[SVA_PRI_GROUP_MAX + 1];

		for (unsigned i = 0; i <= SVA_PRI_GROUP_MAX; i++)
			many[i] = (struct sva_pri_page){ a, SVA_ACCESS_READ };
		assert_int_equal(
			sva_pri_request_group(dev, pasid, many, SVA_PRI_GROUP_MAX + 1, &code),
			-EINVAL);
		assert_int_equal(sva_pri_request_group(dev, dev->max_pasids, many, 1, &code),
				 -EINVAL);
	}
	assert_int_equal(sva_pri_request(dev, pasid, a, 0, &code), -EINVAL);
	assert_int_equal(sva_pri_request(plain, pasid, a, SVA_ACCESS_READ, &code), -EOPNOTSUPP);
	assert_int_equal(sva_dma_read(plain, pasid, a, &v, sizeof(v), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(st.pri_requests, 0);
	assert_false(mm_has_page(mm, a));

	assert_int_equal(stats(&e).prq_responses[SVA_PAGE_RESP_INVALID], 3);
	assert_int_equal(sva_iopf_dev_pending(dev), 0);
	ledger_assert(&lg);
	assert_int_equal(lg.sent, 3);
	sva_unbind_device(pbond);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

/* iommu_dev_disable_feature(IOPF): the device leaves its fault queue, PRI stays on */
static void iopf_disable_answers_invalid(void **state)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev, *plain;
	struct sva_mm *mm;
	struct sva_bond *bond;
	enum sva_page_response_code code;
	uint64_t a, b;
	uint32_t pasid;
	(void)state;

	ienv_init(&e, SVA_BACKEND_SIM, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	plain = ienv_dev(&e, "plain", false);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, PAGE, RW, 0);
	b = mmap_at(mm, 0, PAGE, RW, 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* enabled: the core resolves the fault */
	assert_int_equal(sva_pri_request(dev, pasid, a, SVA_ACCESS_READ, &code), 0);
	assert_int_equal(code, SVA_PAGE_RESP_SUCCESS);
	assert_true(mm_has_page(mm, a));
	assert_int_equal(sva_swiommu_disable_iopf(dev), 0);
	assert_int_equal(sva_swiommu_disable_iopf(dev), 0); /* idempotent */
	assert_int_equal(sva_swiommu_disable_iopf(plain), -ENODEV);
	/* disabled: the request is answered INVALID, nothing is faulted in, PRI still works */
	assert_int_equal(sva_pri_request(dev, pasid, b, SVA_ACCESS_READ, &code), 0);
	assert_int_equal(code, SVA_PAGE_RESP_INVALID);
	assert_false(mm_has_page(mm, b));
	assert_false(sva_pri_is_stopped(dev));
	assert_int_equal(sva_iopf_dev_pending(dev), 0);
	ledger_assert(&lg);
	assert_int_equal(lg.codes[SVA_PAGE_RESP_SUCCESS], 1);
	assert_int_equal(lg.codes[SVA_PAGE_RESP_INVALID], 1);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

/* ---- a fault racing the exit of the process ---- */

struct exit_race {
	struct ienv e;
	struct ledger lg;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t a, v;
	uint32_t pasid;
	int ret;
	struct sva_dma_status st;
	unsigned long served, invalid, blocked; /* outcomes over every run */
};

static int exit_device(void *arg)
{
	struct exit_race *r = arg;

	r->ret = sva_dma_read(r->dev, r->pasid, r->a + 8, &r->v, sizeof(r->v), &r->st);
	return 0;
}

static int exit_process(void *arg)
{
	struct exit_race *r = arg;

	sva_mmput(r->mm); /* the last user: exit_mmap, release, while the fault is in flight */
	return 0;
}

static int exit_setup(struct sva_world *w, void *arg)
{
	struct exit_race *r = arg;
	int ret = ienv_setup(&r->e, w, 0, 64, &r->lg);

	r->v = 1;
	r->ret = 1;
	if (!ret)
		ret = ienv_add(&r->e, "acc0", true, &r->dev);
	if (!ret)
		ret = sva_mm_create(r->e.mm_sys, "proc", &r->mm);
	if (!ret)
		ret = sva_mm_mmap(r->mm, 0, PAGE, RW, 0, NULL, 0, &r->a);
	if (!ret)
		ret = sva_bind_device(r->dev, r->mm, &r->bond);
	if (!ret)
		r->pasid = sva_bond_pasid(r->bond);
	if (!ret)
		ret = sva_actor_spawn(w, "device", exit_device, r, 0, NULL);
	if (!ret)
		ret = sva_actor_spawn(w, "process", exit_process, r, 0, NULL);
	return ret;
}

/* What the device saw: served (the mm was alive), INVALID, or blocked silently. */
static int exit_outcome(struct exit_race *r)
{
	const struct sva_dma_status *st = &r->st;

	if (r->ret == 0 && r->v == 0 && st->pri_requests >= 1)
		r->served++;
	else if (r->ret == -EFAULT && st->reason == SVA_FAULT_NOT_PRESENT &&
		 st->pri_requests >= 1 && st->response == SVA_PAGE_RESP_INVALID)
		r->invalid++;
	else if (r->ret == -EFAULT && st->reason == SVA_FAULT_PASID_BLOCKED)
		r->blocked++;
	else
		return -1;
	return 0;
}

static int exit_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct exit_race *r = arg;
	bool untouched = ienv_frames_free(&r->e); /* the dead mm holds no page, no table */
	unsigned pending = sva_iopf_dev_pending(r->dev);

	(void)w;
	sva_unbind_device(r->bond);
	sva_mm_sys_synchronize(r->e.mm_sys);
	if (run)
		return run;
	if (!untouched) {
		snprintf(msg, len, "a page was mapped into the dead mm");
		return -1;
	}
	if (pending) {
		snprintf(msg, len, "%u groups still pending after the exit", pending);
		return -1;
	}
	if (exit_outcome(r)) {
		snprintf(msg, len, "device: %d, %s, %u requests, response %d", r->ret,
			 sva_fault_reason_name(r->st.reason), r->st.pri_requests, r->st.response);
		return -1;
	}
	return ledger_verdict(&r->lg, msg, len);
}

/* The teardown of every explored program: each keeps its environment first. */
static void program_teardown(struct sva_world *w, void *arg)
{
	(void)w;
	ienv_teardown(arg);
}

static void iopf_fault_races_exit(void **state)
{
	struct exit_race *r = calloc(1, sizeof(*r));
	struct sva_program prog = { "fault-vs-exit",  exit_setup, exit_check,
				    program_teardown, r,	  false };
	(void)state;

	assert_non_null(r);
	ledger_init(&r->lg);
	explore_and_seeds(&prog, 2, 10000, 100);
	print_message("served %lu, INVALID %lu, blocked %lu\n", r->served, r->invalid, r->blocked);
	/* each side of the race was run */
	assert_true(r->served > 0);
	assert_true(r->invalid > 0);
	assert_true(r->blocked > 0);
	pthread_mutex_destroy(&r->lg.lock);
	free(r);
}

/* ---- a fault racing unbind, and the PASID's next owner ---- */

struct unbind_race {
	struct ienv e;
	struct ledger lg;
	struct sva_device *dev;
	struct sva_mm *mm1, *mm2;
	struct sva_bond *b1, *b2;
	uint64_t a, v;
	uint32_t pasid, pasid2, did2;
	int ret, bind2;
	struct sva_dma_status st;
	unsigned long drains_waited; /* over every run */
};

static int unbind_device(void *arg)
{
	struct unbind_race *r = arg;

	r->ret = sva_dma_read(r->dev, r->pasid, r->a, &r->v, sizeof(r->v), &r->st);
	return 0;
}

/* The driver: unbind, the process goes, the PASID is freed and given to the next process. */
static int unbind_driver(void *arg)
{
	struct unbind_race *r = arg;
	uint64_t b;

	sva_unbind_device(r->b1);
	sva_mmput(r->mm1);
	sva_mm_sys_synchronize(r->e.mm_sys); /* mm1 dropped: its PASID is free */
	r->bind2 = sva_mm_create(r->e.mm_sys, "next", &r->mm2);
	if (r->bind2)
		return 0;
	r->bind2 = sva_mm_mmap(r->mm2, r->a, PAGE, RW, SVA_MAP_FIXED, NULL, 0, &b);
	if (!r->bind2)
		r->bind2 = sva_bind_device(r->dev, r->mm2, &r->b2);
	if (!r->bind2) {
		r->pasid2 = sva_bond_pasid(r->b2);
		r->did2 = pasid_domain_id(r->dev, r->pasid2);
	}
	return 0;
}

/*
 * The actors are spawned first: in the explorer's first run, which continues the lowest actor
 * that can run, the device sends its request and the driver then unbinds before the "prq"
 * thread has taken it - the drain has work - and the other orders are explored from there.
 */
static int unbind_setup(struct sva_world *w, void *arg)
{
	struct unbind_race *r = arg;
	int ret = sva_actor_spawn(w, "device", unbind_device, r, 0, NULL);

	r->mm2 = NULL;
	r->b2 = NULL;
	r->bind2 = -1;
	r->did2 = 0;
	if (!ret)
		ret = sva_actor_spawn(w, "driver", unbind_driver, r, 0, NULL);
	if (!ret)
		ret = ienv_setup(&r->e, w, 0, 64, &r->lg);
	if (!ret)
		ret = ienv_add(&r->e, "acc0", true, &r->dev);
	if (!ret)
		ret = sva_mm_create(r->e.mm_sys, "proc", &r->mm1);
	if (!ret)
		ret = sva_mm_mmap(r->mm1, 0, PAGE, RW, 0, NULL, 0, &r->a);
	if (!ret)
		ret = sva_bind_device(r->dev, r->mm1, &r->b1);
	if (!ret)
		r->pasid = sva_bond_pasid(r->b1);
	return ret;
}

static int unbind_verdict(struct unbind_race *r, bool page2, unsigned pending, char *msg,
			  size_t len)
{
	if (r->bind2 || r->pasid2 != r->pasid || r->did2 >= 64) {
		snprintf(msg, len, "second bind: %d, PASID %u (first %u)", r->bind2, r->pasid2,
			 r->pasid);
		return -1;
	}
	/* mm2 may have a page at a only if the device asked for it through mm2's domain */
	if (page2 && !r->lg.queued_by_did[r->did2]) {
		snprintf(msg, len, "a fault of the first mm was handled against the second");
		return -1;
	}
	if (pending) {
		snprintf(msg, len, "%u groups still pending", pending);
		return -1;
	}
	if (r->ret != 0 && r->ret != -EFAULT) {
		snprintf(msg, len, "device: %d", r->ret);
		return -1;
	}
	return ledger_verdict(&r->lg, msg, len);
}

static int unbind_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct unbind_race *r = arg;
	bool page2 = r->mm2 && mm_has_page(r->mm2, r->a);
	unsigned pending = sva_iopf_dev_pending(r->dev);

	(void)w;
	if (r->b2)
		sva_unbind_device(r->b2);
	if (r->mm2)
		sva_mmput(r->mm2);
	sva_mm_sys_synchronize(r->e.mm_sys);
	r->drains_waited += r->lg.drains_waited;
	if (run)
		return run;
	return unbind_verdict(r, page2, pending, msg, len);
}

static void iopf_fault_races_unbind(void **state)
{
	struct unbind_race *r = calloc(1, sizeof(*r));
	struct sva_program prog = {
		"fault-vs-unbind", unbind_setup, unbind_check, program_teardown, r, false
	};
	(void)state;

	assert_non_null(r);
	ledger_init(&r->lg);
	explore_and_seeds(&prog, 2, 8000, 100);
	print_message("drains that found requests queued: %lu\n", r->drains_waited);
	assert_true(r->drains_waited > 0); /* the race the drain is for was run */
	pthread_mutex_destroy(&r->lg.lock);
	free(r);
}

/* ---- a detach with requests still queued ---- */

struct detach_race {
	struct ienv e;
	struct ledger lg;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t a;
	uint32_t pasid;
	int ret;
	enum sva_page_response_code code;
	unsigned long drains_waited, success, invalid; /* over every run */
};

static int detach_device(void *arg)
{
	struct detach_race *r = arg;
	struct sva_pri_page pages[3];

	for (unsigned i = 0; i < 3; i++)
		pages[i] =
			(struct sva_pri_page){ .va = r->a + i * PAGE, .access = SVA_ACCESS_READ };
	r->ret = sva_pri_request_group(r->dev, r->pasid, pages, 3, &r->code);
	return 0;
}

static int detach_unbind(void *arg)
{
	struct detach_race *r = arg;

	sva_unbind_device(r->bond);
	return 0;
}

/* Actors first, as for unbind: the first run detaches with the group queued. */
static int detach_setup(struct sva_world *w, void *arg)
{
	struct detach_race *r = arg;
	int ret = sva_actor_spawn(w, "device", detach_device, r, 0, NULL);

	r->ret = 1;
	if (!ret)
		ret = sva_actor_spawn(w, "unbind", detach_unbind, r, 0, NULL);
	if (!ret)
		ret = ienv_setup(&r->e, w, 0, 64, &r->lg);
	if (!ret)
		ret = ienv_add(&r->e, "acc0", true, &r->dev);
	if (!ret)
		ret = sva_mm_create(r->e.mm_sys, "proc", &r->mm);
	if (!ret)
		ret = sva_mm_mmap(r->mm, 0, 3 * PAGE, RW, 0, NULL, 0, &r->a);
	if (!ret)
		ret = sva_bind_device(r->dev, r->mm, &r->bond);
	if (!ret)
		r->pasid = sva_bond_pasid(r->bond);
	return ret;
}

static int detach_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct detach_race *r = arg;
	unsigned pending = sva_iopf_dev_pending(r->dev), present = 0;

	(void)w;
	for (unsigned i = 0; i < 3; i++)
		present += mm_has_page(r->mm, r->a + i * PAGE);
	sva_mmput(r->mm);
	sva_mm_sys_synchronize(r->e.mm_sys);
	r->drains_waited += r->lg.drains_waited;
	if (run)
		return run;
	if (pending || r->ret) {
		snprintf(msg, len, "after the detach: %u pending, request %d", pending, r->ret);
		return -1;
	}
	/* answered: SUCCESS once the whole group was handled, or INVALID */
	if (r->code == SVA_PAGE_RESP_SUCCESS && present == 3)
		r->success++;
	else if (r->code == SVA_PAGE_RESP_INVALID)
		r->invalid++;
	else {
		snprintf(msg, len, "answered %d with %u of 3 pages present", r->code, present);
		return -1;
	}
	return ledger_verdict(&r->lg, msg, len);
}

static void iopf_detach_answers_queued(void **state)
{
	struct detach_race *r = calloc(1, sizeof(*r));
	struct sva_program prog = {
		"detach-vs-queued", detach_setup, detach_check, program_teardown, r, false
	};
	(void)state;

	assert_non_null(r);
	ledger_init(&r->lg);
	explore_and_seeds(&prog, 2, 8000, 100);
	print_message("SUCCESS %lu, INVALID %lu, drains that found requests queued %lu\n",
		      r->success, r->invalid, r->drains_waited);
	assert_true(r->drains_waited > 0);
	assert_true(r->success > 0);
	assert_true(r->invalid > 0);
	pthread_mutex_destroy(&r->lg.lock);
	free(r);
}

/* ---- a page-request queue that overflows ---- */

/* Deterministic: a group bigger than the queue. The requests that fit are queued, the rest
 * dropped; the dropped last request gets an automatic SUCCESS; nothing of the group is handled
 * (its partial requests are discarded when the queue reopens), and the device then completes. */
static void overflow_group_drops(void)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_pri_page pages[4];
	struct sva_dma_status st;
	struct sva_swiommu_stats s;
	enum sva_page_response_code code;
	static unsigned char buf[4 * PAGE];
	uint64_t a;
	uint32_t pasid;

	ienv_init(&e, SVA_BACKEND_SIM, 2, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, 6 * PAGE, RW, 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	for (unsigned i = 0; i < 4; i++)
		pages[i] = (struct sva_pri_page){ .va = a + i * PAGE, .access = SVA_ACCESS_READ };
	/* returns once the queue has reopened (the consumer emptied it) */
	assert_int_equal(sva_pri_request_group(dev, pasid, pages, 4, &code), 0);
	assert_int_equal(code, SVA_PAGE_RESP_SUCCESS);
	s = stats(&e);
	assert_int_equal(s.prq_requests, 2);
	assert_int_equal(s.prq_overflows, 2);
	assert_int_equal(s.prq_auto_responses, 1);
	assert_int_equal(s.prq_responses[SVA_PAGE_RESP_SUCCESS], 1);
	for (unsigned i = 0; i < 4; i++)
		assert_false(mm_has_page(mm, a + i * PAGE)); /* the partial requests: discarded */
	assert_int_equal(sva_iopf_dev_pending(dev), 0);

	/* reopened: a group that fits is queued and handled */
	assert_int_equal(sva_pri_request_group(dev, pasid, pages, 2, &code), 0);
	assert_int_equal(code, SVA_PAGE_RESP_SUCCESS);
	assert_true(mm_has_page(mm, a) && mm_has_page(mm, a + PAGE));
	assert_int_equal(stats(&e).prq_requests, 4);
	assert_int_equal(stats(&e).prq_overflows, 2);
	/* the device retries as it should: the whole range completes */
	assert_int_equal(sva_dma_read(dev, pasid, a, buf, sizeof(buf), &st), 0);
	assert_int_equal(st.pri_requests, 2);
	ledger_assert(&lg);
	assert_int_equal(lg.sent, 4);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

#define OVF_DEVS 3
#define TAG	 0x7a6b5c4d3e2f1001ull

struct ovf_race;
struct ovf_arg {
	struct ovf_race *r;
	unsigned i;
};

struct ovf_race {
	struct ienv e;
	struct ledger lg;
	struct sva_device *dev[OVF_DEVS];
	struct sva_bond *bond[OVF_DEVS];
	struct ovf_arg args[OVF_DEVS];
	struct sva_mm *mm;
	uint64_t a;
	uint32_t pasid;
	int ret[OVF_DEVS];
	uint64_t got[OVF_DEVS];
	unsigned long overflows, runs; /* over every run */
};

/* Device i writes its tag to a page never touched, then reads it back. */
static int ovf_device(void *arg)
{
	struct ovf_arg *d = arg;
	struct ovf_race *r = d->r;
	uint64_t va = r->a + d->i * PAGE, tag = TAG + d->i;
	struct sva_dma_status st;

	r->ret[d->i] = sva_dma_write(r->dev[d->i], r->pasid, va, &tag, sizeof(tag), &st);
	if (!r->ret[d->i])
		r->ret[d->i] = sva_dma_read(r->dev[d->i], r->pasid, va, &r->got[d->i],
					    sizeof(r->got[d->i]), &st);
	return 0;
}

static int ovf_setup(struct sva_world *w, void *arg)
{
	struct ovf_race *r = arg;
	static const char *const names[OVF_DEVS] = { "acc0", "acc1", "acc2" };
	int ret = ienv_setup(&r->e, w, 1, 64, &r->lg); /* a one-entry queue */

	if (!ret)
		ret = sva_mm_create(r->e.mm_sys, "proc", &r->mm);
	if (!ret)
		ret = sva_mm_mmap(r->mm, 0, OVF_DEVS * PAGE, RW, 0, NULL, 0, &r->a);
	for (unsigned i = 0; i < OVF_DEVS && !ret; i++) {
		r->ret[i] = 1;
		r->got[i] = 0;
		r->args[i] = (struct ovf_arg){ .r = r, .i = i };
		ret = ienv_add(&r->e, names[i], true, &r->dev[i]);
		if (!ret)
			ret = sva_bind_device(r->dev[i], r->mm, &r->bond[i]);
	}
	if (!ret)
		r->pasid = sva_bond_pasid(r->bond[0]);
	for (unsigned i = 0; i < OVF_DEVS && !ret; i++)
		ret = sva_actor_spawn(w, names[i], ovf_device, &r->args[i], 0, NULL);
	return ret;
}

static int ovf_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct ovf_race *r = arg;
	struct sva_swiommu_stats s = stats(&r->e);
	unsigned pending = 0;

	(void)w;
	for (unsigned i = 0; i < OVF_DEVS; i++) {
		pending += sva_iopf_dev_pending(r->dev[i]);
		sva_unbind_device(r->bond[i]);
	}
	sva_mmput(r->mm);
	sva_mm_sys_synchronize(r->e.mm_sys);
	r->overflows += s.prq_overflows;
	r->runs++;
	if (run)
		return run;
	for (unsigned i = 0; i < OVF_DEVS; i++)
		if (r->ret[i] || r->got[i] != TAG + i) {
			snprintf(msg, len, "device %u: %d, read %#llx", i, r->ret[i],
				 (unsigned long long)r->got[i]);
			return -1;
		}
	/* every request is alone in its group: each one dropped was answered automatically */
	if (s.prq_auto_responses != s.prq_overflows || pending || s.prq_unmatched) {
		snprintf(msg, len, "%llu dropped, %llu automatic responses, %u pending",
			 (unsigned long long)s.prq_overflows,
			 (unsigned long long)s.prq_auto_responses, pending);
		return -1;
	}
	return ledger_verdict(&r->lg, msg, len);
}

static void overflow_native(void)
{
	struct ovf_race *r = calloc(1, sizeof(*r));
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 1);
	char msg[256] = "";

	assert_non_null(r);
	ledger_init(&r->lg);
	for (int round = 0; round < 20; round++) {
		assert_int_equal(ovf_setup(w, r), 0);
		assert_int_equal(sva_world_run(w), 0);
		if (ovf_check(w, r, 0, msg, sizeof(msg)))
			fail_msg("native round %d: %s", round, msg);
		ienv_teardown(&r->e);
		sva_world_unsubscribe(w, ledger_event, &r->lg);
	}
	print_message("native: %lu requests dropped in 20 rounds\n", r->overflows);
	sva_test_world_done(w);
	pthread_mutex_destroy(&r->lg.lock);
	free(r);
}

static void iopf_queue_overflow(void **state)
{
	struct ovf_race *r = calloc(1, sizeof(*r));
	struct sva_program prog = { "overflow", ovf_setup, ovf_check, program_teardown, r, false };
	(void)state;

	overflow_group_drops();
	assert_non_null(r);
	ledger_init(&r->lg);
	explore_and_seeds(&prog, 2, 5000, 100);
	print_message("sim: %lu requests dropped over %lu runs\n", r->overflows, r->runs);
	assert_true(r->overflows > 0);
	pthread_mutex_destroy(&r->lg.lock);
	free(r);
	overflow_native();
}

/* ---- copy-on-write after fork, reclaim ---- */

static void fork_cow_on(enum sva_backend b)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *parent, *child;
	struct sva_bond *bond;
	struct sva_dma_status st;
	char buf[16];
	uint64_t a;
	uint32_t pasid;

	ienv_init(&e, b, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "parent", &parent), 0);
	a = mmap_at(parent, 0, PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_bind_device(dev, parent, &bond), 0);
	pasid = sva_bond_pasid(bond);
	/* the device writes first: its IOTLB holds a writable translation */
	assert_int_equal(sva_dma_write(dev, pasid, a, "old contents", 13, &st), 0);
	assert_int_equal(st.pri_requests, 0);

	/* fork: the page is shared copy-on-write, the parent's range invalidated */
	assert_int_equal(sva_mm_dup(parent, "child", &child), 0);
	assert_int_equal(sva_dma_write(dev, pasid, a, "new contents", 13, &st), 0);
	assert_int_equal(st.pri_requests, 1); /* WRITE fault, request, COW break, SUCCESS */
	assert_int_equal(st.response, SVA_PAGE_RESP_SUCCESS);
	assert_int_equal(stats(&e).faults_reported[SVA_FAULT_WRITE], 1);
	assert_int_equal(sva_mm_access(parent, a, buf, 13, false), 0);
	assert_string_equal(buf, "new contents");
	assert_int_equal(sva_mm_access(child, a, buf, 13, false), 0);
	assert_string_equal(buf, "old contents");
	assert_int_equal(sva_dma_read(dev, pasid, a, buf, 13, &st), 0);
	assert_string_equal(buf, "new contents");
	/* the child's own write is its own */
	assert_int_equal(sva_mm_access(child, a, "child's words", 14, true), 0);
	assert_int_equal(sva_dma_read(dev, pasid, a, buf, 13, &st), 0);
	assert_string_equal(buf, "new contents");
	ledger_assert(&lg);
	assert_int_equal(lg.sent, 1);
	sva_unbind_device(bond);
	sva_mmput(child);
	sva_mmput(parent);
	ienv_done(&e);
}

static void iopf_fork_cow(void **state)
{
	(void)state;
	fork_cow_on(SVA_BACKEND_SIM);
	fork_cow_on(SVA_BACKEND_NATIVE);
}

static void reclaim_on(enum sva_backend b)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_dma_status st;
	static unsigned char in[4 * PAGE], out[4 * PAGE];
	unsigned gone = 0;
	size_t evicted;
	uint64_t a;
	uint32_t pasid;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 31 + 5);
	ienv_init(&e, b, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, 4 * PAGE, RW, SVA_MAP_POPULATE);
	assert_int_equal(sva_mm_access(mm, a, in, sizeof(in), true), 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	assert_int_equal(sva_dma_read(dev, pasid, a, out, sizeof(out), &st), 0);
	assert_int_equal(st.pri_requests, 0);

	evicted = sva_mm_sys_reclaim(e.mm_sys, 4);
	for (unsigned i = 0; i < 4; i++)
		gone += !mm_has_page(mm, a + i * PAGE);
	assert_true(evicted > 0);
	assert_int_equal(gone, evicted);
	/* the device faults them back in through PRI: swap-in, contents intact */
	memset(out, 0, sizeof(out));
	assert_int_equal(sva_dma_read(dev, pasid, a, out, sizeof(out), &st), 0);
	assert_int_equal(st.pri_requests, evicted);
	assert_memory_equal(out, in, sizeof(in));
	ledger_assert(&lg);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

static void iopf_reclaim(void **state)
{
	(void)state;
	reclaim_on(SVA_BACKEND_SIM);
	reclaim_on(SVA_BACKEND_NATIVE);
}

/* ---- FAILURE, stop markers ---- */

static void iopf_failure_stops_pri(void **state)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_dma_status st;
	enum sva_page_response_code code;
	uint64_t a, v = 1;
	uint32_t pasid;
	(void)state;

	ienv_init(&e, SVA_BACKEND_SIM, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, PAGE, RW, 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	/* the core cannot allocate the group: it answers FAILURE, the device's PRI stops */
	sva_alloc_fail_nth(e.w, 1);
	assert_int_equal(sva_dma_read(dev, pasid, a, &v, sizeof(v), &st), -EIO);
	assert_true(sva_alloc_injected(e.w));
	sva_alloc_fail_nth(e.w, 0);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(st.response, SVA_PAGE_RESP_FAILURE);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_true(sva_pri_is_stopped(dev));
	assert_int_equal(stats(&e).prq_responses[SVA_PAGE_RESP_FAILURE], 1);
	/* stopped: nothing is sent until reset */
	assert_int_equal(sva_dma_read(dev, pasid, a, &v, sizeof(v), &st), -EIO);
	assert_int_equal(st.pri_requests, 0);
	assert_int_equal(sva_pri_request(dev, pasid, a, SVA_ACCESS_READ, &code), -EIO);
	assert_int_equal(sva_pri_stop_marker(dev, pasid), -EIO);
	assert_int_equal(stats(&e).prq_requests, 1);
	assert_false(mm_has_page(mm, a));
	/* reset: requests again, served */
	sva_pri_reset(dev);
	assert_false(sva_pri_is_stopped(dev));
	assert_int_equal(sva_dma_read(dev, pasid, a, &v, sizeof(v), &st), 0);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(v, 0);
	assert_int_equal(sva_iopf_dev_pending(dev), 0);
	ledger_assert(&lg);
	assert_int_equal(lg.codes[SVA_PAGE_RESP_FAILURE], 1);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

/*
 * Every allocation of a PRI-capable device's probe (its PRQ, the fault queue and its workers,
 * the "prq" thread, the fault param) failing in turn: -ENOMEM, and nothing is left behind; the
 * queue goes with the last PRI-capable device.
 */
struct probe_fail {
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	long live0;
};

static struct sva_world *probe_fail_setup(void *arg)
{
	struct probe_fail *f = arg;
	char live[256];

	ienv_init(&f->e, SVA_BACKEND_SIM, 0, &f->lg);
	f->dev = NULL;
	f->live0 = sva_alloc_describe_live(f->e.w, SVA_TEST_IGNORED_TYPES, live, sizeof(live));
	return f->e.w;
}

static int probe_fail_body(struct sva_world *w, void *arg)
{
	struct probe_fail *f = arg;

	(void)w;
	return ienv_add(&f->e, "acc0", true, &f->dev);
}

static void probe_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct probe_fail *f = arg;
	char live[256];

	if (r->ret) {
		assert_int_equal(
			sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, live, sizeof(live)),
			f->live0);
		assert_null(sva_unguarded(f->e.sw->prq));
		return;
	}
	assert_non_null(sva_unguarded(f->e.sw->prq));
	assert_int_equal(sva_alloc_live(w, &sva_obj_prq), 1);
	/* the queue goes with the last PRI-capable device */
	sva_device_remove(f->dev);
	f->e.ndev = 0;
	assert_null(sva_unguarded(f->e.sw->prq));
	assert_int_equal(sva_alloc_live(w, &sva_obj_prq), 0);
}

static void probe_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct probe_fail *f = arg;

	(void)w;
	(void)r;
	sva_mm_sys_synchronize(f->e.mm_sys);
	assert_true(ienv_frames_free(&f->e));
	ienv_teardown(&f->e);
	ledger_assert(&f->lg);
	pthread_mutex_destroy(&f->lg.lock);
}

static void iopf_probe_fail_nth(void **state)
{
	struct probe_fail f;
	struct sva_test_fail_case c = { .name = "PRI device probe",
					.setup = probe_fail_setup,
					.body = probe_fail_body,
					.check = probe_fail_check,
					.teardown = probe_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 8); /* device, group, context, PRQ, fault queue, workers, ... */
}

static void iopf_stop_marker_discarded(void **state)
{
	struct ledger lg;
	struct ienv e;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_swiommu_stats s;
	struct sva_dma_status st;
	uint64_t a, v = 1;
	uint32_t pasid;
	(void)state;

	ienv_init(&e, SVA_BACKEND_SIM, 0, &lg);
	dev = ienv_dev(&e, "acc0", true);
	assert_int_equal(sva_mm_create(e.mm_sys, "proc", &mm), 0);
	a = mmap_at(mm, 0, PAGE, RW, 0);
	assert_int_equal(sva_bind_device(dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);

	assert_int_equal(sva_pri_stop_marker(dev, pasid), 0);
	assert_int_equal(sva_world_run(e.w), 0); /* the consumer takes it */
	s = stats(&e);
	assert_int_equal(s.prq_requests, 1);
	assert_int_equal(s.prq_stop_markers, 1);
	assert_int_equal(s.prq_responses[0] + s.prq_responses[1] + s.prq_responses[2], 0);
	assert_int_equal(s.prq_unmatched, 0);
	assert_int_equal(sva_iopf_dev_pending(dev), 0);
	/* on a PASID not attached: refused, and not answered either */
	assert_int_equal(sva_pri_stop_marker(dev, pasid + 1), 0);
	assert_int_equal(sva_world_run(e.w), 0);
	s = stats(&e);
	assert_int_equal(s.prq_refused, 1);
	assert_int_equal(s.prq_stop_markers, 1);
	assert_int_equal(s.prq_responses[0] + s.prq_responses[1] + s.prq_responses[2], 0);
	/* requests go on as before */
	assert_int_equal(sva_dma_read(dev, pasid, a, &v, sizeof(v), &st), 0);
	assert_int_equal(st.pri_requests, 1);
	ledger_assert(&lg);
	assert_int_equal(lg.sent, 1);
	sva_unbind_device(bond);
	sva_mmput(mm);
	ienv_done(&e);
}

/* ---- native: PRI under unbind / bind, munmap and reclaim churn ---- */

#define CHURN_PAGES 16
#define CHURN_TAG   0x0123456789abcdefull

struct churn {
	struct ienv e;
	struct ledger lg;
	struct sva_device *dev[2];
	struct sva_bond *b1; /* the driver's: detached and attached again */
	struct sva_mm *mm;
	uint64_t a;
	uint32_t pasid;
	atomic_bool stop;
	atomic_long ok, faults, bad;
	struct churn_dev {
		struct churn *c;
		struct sva_device *dev;
		unsigned seed;
	} args[2];
};

static int churn_device(void *arg)
{
	struct churn_dev *d = arg;
	struct churn *c = d->c;
	unsigned n = d->seed;

	while (!atomic_load(&c->stop)) {
		uint64_t va = c->a + (n++ % CHURN_PAGES) * PAGE, v = CHURN_TAG;
		struct sva_dma_status st;
		int ret = n % 2 ? sva_dma_write(d->dev, c->pasid, va, &v, sizeof(v), &st)
				: sva_dma_read(d->dev, c->pasid, va, &v, sizeof(v), &st);

		if (ret == 0 && v != CHURN_TAG && v != 0)
			atomic_fetch_add(&c->bad, 1);
		else if (ret && ret != -EFAULT)
			atomic_fetch_add(&c->bad, 1);
		atomic_fetch_add(ret ? &c->faults : &c->ok, 1);
	}
	return 0;
}

/* acc1's driver detaches and attaches its PASID while the process unmaps and reclaims. */
static int churn_driver(void *arg)
{
	struct churn *c = arg;

	/* let the devices get going: the churn must meet page requests, not precede them */
	for (long spin = 0; spin < 10000000 && atomic_load(&c->ok) < 64; spin++)
		sva_yield(c->e.w);
	for (int i = 0; i < 300; i++) {
		uint64_t va = c->a + (uint64_t)(i % CHURN_PAGES) * PAGE, got;

		if (i % 2 == 0) {
			sva_unbind_device(c->b1); /* the last user: detach, drain */
			sva_yield(c->e.w);
			if (sva_bind_device(c->dev[1], c->mm, &c->b1))
				atomic_fetch_add(&c->bad, 1);
		}
		if (i % 3 == 0) {
			sva_mm_munmap(c->mm, va, PAGE);
			sva_mm_mmap(c->mm, va, PAGE, RW, SVA_MAP_FIXED, NULL, 0, &got);
		} else if (i % 3 == 1) {
			sva_mm_sys_reclaim(c->e.mm_sys, 4);
		}
	}
	atomic_store(&c->stop, true);
	return 0;
}

static void iopf_native_churn(void **state)
{
	struct churn *c = calloc(1, sizeof(*c));
	struct sva_bond *b0;
	struct sva_actor *a[3];
	(void)state;

	assert_non_null(c);
	ienv_init(&c->e, SVA_BACKEND_NATIVE, 4, &c->lg);
	c->dev[0] = ienv_dev(&c->e, "acc0", true);
	c->dev[1] = ienv_dev(&c->e, "acc1", true);
	assert_int_equal(sva_mm_create(c->e.mm_sys, "proc", &c->mm), 0);
	c->a = mmap_at(c->mm, 0, CHURN_PAGES * PAGE, RW, 0);
	assert_int_equal(sva_bind_device(c->dev[0], c->mm, &b0), 0);
	assert_int_equal(sva_bind_device(c->dev[1], c->mm, &c->b1), 0);
	c->pasid = sva_bond_pasid(b0);
	for (unsigned i = 0; i < 2; i++) {
		c->args[i] = (struct churn_dev){ .c = c, .dev = c->dev[i], .seed = i * 7 };
		assert_int_equal(sva_actor_spawn(c->e.w, i ? "acc1" : "acc0", churn_device,
						 &c->args[i], 0, &a[i]),
				 0);
	}
	assert_int_equal(sva_actor_spawn(c->e.w, "driver", churn_driver, c, 0, &a[2]), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sva_actor_join(a[i], NULL), 0);
	print_message("%ld DMA done, %ld faulted; %llu page requests, %llu dropped\n",
		      atomic_load(&c->ok), atomic_load(&c->faults),
		      (unsigned long long)stats(&c->e).prq_requests,
		      (unsigned long long)stats(&c->e).prq_overflows);
	assert_int_equal(atomic_load(&c->bad), 0);
	assert_true(atomic_load(&c->ok) > 0);
	assert_true(atomic_load(&c->faults) > 0); /* acc1 met its PASID detached */
	sva_unbind_device(b0);
	sva_unbind_device(c->b1);
	assert_int_equal(sva_iopf_dev_pending(c->dev[0]) + sva_iopf_dev_pending(c->dev[1]), 0);
	ledger_assert(&c->lg);
	assert_int_equal(stats(&c->e).prq_unmatched, 0);
	sva_mmput(c->mm);
	ienv_done(&c->e);
	free(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(iopf_demand_fault),
		cmocka_unit_test(iopf_readonly_write_invalid),
		cmocka_unit_test(iopf_no_vma_invalid),
		cmocka_unit_test(iopf_fault_races_exit),
		cmocka_unit_test(iopf_fault_races_unbind),
		cmocka_unit_test(iopf_queue_overflow),
		cmocka_unit_test(iopf_fork_cow),
		cmocka_unit_test(iopf_reclaim),
		cmocka_unit_test(iopf_disable_answers_invalid),
		cmocka_unit_test(iopf_failure_stops_pri),
		cmocka_unit_test(iopf_probe_fail_nth),
		cmocka_unit_test(iopf_stop_marker_discarded),
		cmocka_unit_test(iopf_detach_answers_queued),
		cmocka_unit_test(iopf_native_churn),
		cmocka_unit_test(iopf_external_mm),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("swiommu_iopf", tests, NULL, NULL);
}

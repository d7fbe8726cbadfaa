/* SPDX-License-Identifier: MIT */
/*
 * The swiommu for an embedder's memory: first-stage tables built by the test in its own guest
 * memory (a host-pointer backend and a read/write-only one), walked with 4 KiB, 2 MiB and
 * 1 GiB pages, answered as QEMU-style entries and ATS completions; A/D bits set in guest
 * memory; DMA helpers landing in guest memory; the embedder's invalidation (a huge page
 * dropped whole), the unmap notifier; requester IDs; page requests answered by the embedder,
 * submitted asynchronously (poll and callback); the one-call setup and teardown; bad input.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sva/check.h"
#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define GUEST_SIZE (8ull << 20)
#define PASID	   5u
#define TBL_FLAGS  (SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER)

/* ---- a guest: memory, a table allocator, the backend ---- */

struct guest {
	uint8_t *mem;
	uint64_t next_table; /* tables from 0x1000 up */
	uint64_t next_page;  /* pages for page requests, from 6 MiB up */
	uint64_t root;
	bool host;		  /* give a host pointer */
	atomic_int backend_reads; /* through read() */
	atomic_int unmaps;	  /* notifier calls */
	uint64_t unmap_start, unmap_end;
	uint32_t unmap_pasid;
	atomic_int page_requests;
	atomic_int cmpxchg_calls, cmpxchg_busy; /* cmpxchg64's calls; the next to find it changed */
	bool lie; /* answer page requests SUCCESS without mapping anything */
	struct sva_swiommu_mem ops;
};

static bool g_in(uint64_t gpa, size_t len)
{
	return gpa < GUEST_SIZE && len <= GUEST_SIZE - gpa;
}

static void *g_host_ptr(void *ctx, uint64_t gpa, size_t len)
{
	struct guest *g = ctx;

	return g->host && g_in(gpa, len) ? g->mem + gpa : NULL;
}

static int g_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	struct guest *g = ctx;

	if (!g_in(gpa, len))
		return -EFAULT;
	atomic_fetch_add(&g->backend_reads, 1);
	memcpy(buf, g->mem + gpa, len);
	return 0;
}

static int g_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	struct guest *g = ctx;

	if (!g_in(gpa, len))
		return -EFAULT;
	memcpy(g->mem + gpa, buf, len);
	return 0;
}

static uint64_t *g_entry(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(void *)(g->mem + gpa);
}

static uint64_t g_table(struct guest *g)
{
	uint64_t t = g->next_table;

	g->next_table += SVA_PAGE_SIZE;
	assert_true(g->next_table < (1ull << 20));
	return t;
}

/* The address of the entry mapping @va with a page of 1 << @shift (tables made on the way). */
static uint64_t g_slot(struct guest *g, uint64_t va, unsigned shift)
{
	uint64_t t = g->root;

	for (int level = 4;; level--) {
		unsigned lshift = 12 + 9 * (unsigned)(level - 1);
		uint64_t slot = t + ((va >> lshift) & 511) * 8;

		if (lshift == shift)
			return slot;
		if (!(*g_entry(g, slot) & SVA_PTE_PRESENT))
			*g_entry(g, slot) = g_table(g) | TBL_FLAGS;
		t = *g_entry(g, slot) & SVA_PTE_PFN_MASK;
	}
}

static void g_map(struct guest *g, uint64_t va, uint64_t pa, unsigned shift, uint64_t flags)
{
	*g_entry(g, g_slot(g, va, shift)) =
		pa | flags | SVA_PTE_PRESENT | (shift > 12 ? SVA_PTE_PS : 0);
}

/* The embedder's OS: a page request maps a fresh page, writable, and answers SUCCESS. */
static int g_page_request(void *ctx, struct sva_device *dev, struct sva_iopf_group *group)
{
	struct guest *g = ctx;

	(void)dev;
	atomic_fetch_add(&g->page_requests, 1);
	for (unsigned i = 0; i < group->nfaults && !g->lie; i++) {
		g_map(g, group->faults[i].addr, g->next_page, 12, SVA_PTE_WRITE | SVA_PTE_USER);
		g->next_page += SVA_PAGE_SIZE;
	}
	sva_swiommu_page_response(group, SVA_PAGE_RESP_SUCCESS);
	return 0;
}

static void g_unmap_notify(void *ctx, struct sva_device *dev, uint32_t pasid, uint64_t start,
			   uint64_t end)
{
	struct guest *g = ctx;

	(void)dev;
	g->unmap_pasid = pasid;
	g->unmap_start = start;
	g->unmap_end = end;
	atomic_fetch_add(&g->unmaps, 1);
}

static void g_init(struct guest *g, bool host)
{
	memset(g, 0, sizeof(*g));
	g->mem = calloc(1, GUEST_SIZE);
	assert_non_null(g->mem);
	g->host = host;
	g->next_table = 0x1000;
	g->next_page = 6ull << 20;
	g->root = g_table(g);
	g->ops = (struct sva_swiommu_mem){ .read = g_read,
					   .write = g_write,
					   .host_ptr = host ? g_host_ptr : NULL,
					   .page_request = g_page_request,
					   .ctx = g };
}

/* ---- a kernel around it ---- */

struct env {
	struct sva_world *w;
	struct sva_embed *e;
	struct sva_device *dev;
	struct guest g;
};

/* @pri_reqs: the device's PRI allocation (0: the swiommu's maximum) */
static void env_init_reqs(struct env *v, bool host, bool pri, bool ats, enum sva_backend b,
			  unsigned pri_reqs)
{
	struct sva_swiommu_config ic = { .name = "vtd0", .mem = &v->g.ops };
	struct sva_swiommu_device_config dc = { .name = "dma0",
						.rid = SVA_RID(0, 3, 0),
						.pasid_bits = 8,
						.ats = ats,
						.pri = pri,
						.pri_reqs = pri_reqs };
	struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };

	g_init(&v->g, host);
	v->w = sva_test_world(b, 1);
	cfg.world = v->w;
	assert_int_equal(sva_embed_create(&cfg, &v->e), 0);
	v->dev = sva_embed_device(v->e, 0);
	sva_swiommu_set_unmap_notifier(v->dev, g_unmap_notify, &v->g);
	/* 4 KiB at 0x1000 -> 0x100000 RW; 2 MiB at 0x200000 -> 0x200000 RO; 1 GiB RW */
	g_map(&v->g, 0x1000, 0x100000, 12, SVA_PTE_WRITE | SVA_PTE_USER);
	g_map(&v->g, 0x200000, 0x200000, 21, SVA_PTE_USER | SVA_PTE_NX);
	g_map(&v->g, 0x40000000, 0x40000000, 30, SVA_PTE_WRITE | SVA_PTE_USER);
	assert_int_equal(sva_swiommu_set_pasid_table(v->dev, PASID, v->g.root), 0);
	/* programming the entry flushed the PASID: the notifier heard of it */
	assert_int_equal(atomic_load(&v->g.unmaps), 1);
	assert_int_equal(v->g.unmap_end, UINT64_MAX);
	atomic_store(&v->g.unmaps, 0);
}

static void env_init_on(struct env *v, bool host, bool pri, bool ats, enum sva_backend b)
{
	env_init_reqs(v, host, pri, ats, b, 0);
}

static void env_init_ats(struct env *v, bool host, bool pri, bool ats)
{
	env_init_on(v, host, pri, ats, SVA_BACKEND_NATIVE);
}

static void env_init(struct env *v, bool host, bool pri)
{
	env_init_ats(v, host, pri, true);
}

static void env_done(struct env *v)
{
	assert_int_equal(sva_embed_destroy(v->e), 0); /* clears the table still set */
	sva_test_world_done(v->w);
	free(v->g.mem);
}

/* ---- walks, entries, A/D ---- */

static void check_sizes(bool host, enum sva_backend b)
{
	struct env v;
	struct sva_tlb_entry te;
	struct sva_translation t;
	enum sva_fault_reason why;

	env_init_on(&v, host, false, true, b);
	assert_int_equal(sva_translate_entry(v.dev, PASID, 0x1234, SVA_ACCESS_READ, &te, &why), 0);
	assert_int_equal(te.iova, 0x1000);
	assert_int_equal(te.translated_addr, 0x100000);
	assert_int_equal(te.addr_mask, 0xfff);
	assert_int_equal(te.perm, SVA_ACCESS_READ | SVA_ACCESS_EXEC); /* W only for a write */
	assert_true(te.embedder);
	assert_int_equal(sva_translate_entry(v.dev, PASID, 0x1234, SVA_ACCESS_WRITE, &te, NULL), 0);
	assert_true(te.perm & SVA_ACCESS_WRITE);

	/* 2 MiB, read-only, no-execute: the page of the address, the 4 KiB frame inside it */
	assert_int_equal(sva_translate_entry(v.dev, PASID, 0x3456f0, SVA_ACCESS_READ, &te, NULL),
			 0);
	assert_int_equal(te.iova, 0x200000);
	assert_int_equal(te.translated_addr, 0x200000);
	assert_int_equal(te.addr_mask, 0x1fffff);
	assert_int_equal(te.perm, SVA_ACCESS_READ);
	assert_int_equal(sva_translate(v.dev, PASID, 0x3456f0, SVA_ACCESS_READ, &t), 0);
	assert_true(t.iotlb_hit);
	assert_int_equal(t.pfn, 0x345);
	assert_int_equal(t.page_shift, 21);
	assert_int_equal(sva_translate_entry(v.dev, PASID, 0x300000, SVA_ACCESS_WRITE, &te, &why),
			 -EFAULT);
	assert_int_equal(why, SVA_FAULT_WRITE);
	assert_int_equal(te.perm, 0);
	assert_int_equal(sva_translate(v.dev, PASID, 0x300000, SVA_ACCESS_EXEC, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_EXEC);

	/* 1 GiB */
	assert_int_equal(sva_translate_entry(v.dev, PASID, 0x7654321f, SVA_ACCESS_WRITE, &te, NULL),
			 0);
	assert_int_equal(te.iova, 0x40000000);
	assert_int_equal(te.translated_addr, 0x40000000);
	assert_int_equal(te.addr_mask, 0x3fffffff);

	/* not mapped; no PASID entry; a write sets A and D in the guest's own entry */
	assert_int_equal(sva_translate(v.dev, PASID, 0x5000, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(sva_translate(v.dev, PASID + 1, 0x1000, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_PASID_INVALID);
	/* as entries: beyond the device's PASIDs, beyond the task size, a PASID not set */
	assert_int_equal(sva_translate_entry(v.dev, 256, 0x1000, SVA_ACCESS_READ, &te, &why),
			 -EFAULT);
	assert_int_equal(why, SVA_FAULT_PASID_RANGE);
	assert_int_equal(te.perm, 0);
	assert_int_equal(
		sva_translate_entry(v.dev, PASID, SVA_TASK_SIZE, SVA_ACCESS_READ, &te, &why),
		-EFAULT);
	assert_int_equal(why, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(sva_translate_entry(v.dev, PASID + 1, 0x1000, SVA_ACCESS_READ, &te, &why),
			 -EFAULT);
	assert_int_equal(why, SVA_FAULT_PASID_INVALID);
	assert_true(*g_entry(&v.g, g_slot(&v.g, 0x1000, 12)) & SVA_PTE_ACCESSED);
	assert_true(*g_entry(&v.g, g_slot(&v.g, 0x1000, 12)) & SVA_PTE_DIRTY);
	assert_true(*g_entry(&v.g, g_slot(&v.g, 0x200000, 21)) & SVA_PTE_ACCESSED);
	assert_false(*g_entry(&v.g, g_slot(&v.g, 0x200000, 21)) & SVA_PTE_DIRTY);
	/* the read/write-only backend was used for the walks, the host pointer otherwise */
	if (host)
		assert_int_equal(atomic_load(&v.g.backend_reads), 0);
	else
		assert_true(atomic_load(&v.g.backend_reads) > 0);
	env_done(&v);
}

/* Native, and sim (every walk and copy of guest memory a scheduling point). */
static void test_embed_walk_host_ptr(void **state)
{
	(void)state;
	check_sizes(true, SVA_BACKEND_NATIVE);
	check_sizes(true, SVA_BACKEND_SIM);
}

static void test_embed_walk_read_write(void **state)
{
	(void)state;
	check_sizes(false, SVA_BACKEND_NATIVE);
	check_sizes(false, SVA_BACKEND_SIM);
}

/* ---- DMA into guest memory ---- */

static void check_dma(bool host, enum sva_backend b)
{
	struct env v;
	struct sva_dma_status st;
	char msg[] = "through the first stage", out[sizeof(msg)] = "";
	char big[3 * 4096];

	env_init_on(&v, host, false, true, b);
	assert_int_equal(sva_dma_write(v.dev, PASID, 0x1ff0, msg, sizeof(msg), &st), -EFAULT);
	assert_int_equal(st.done, 0x10); /* 0x2000 is not mapped */
	assert_int_equal(st.fault_addr, 0x2000);
	assert_int_equal(sva_dma_write(v.dev, PASID, 0x1010, msg, sizeof(msg), &st), 0);
	assert_memory_equal(v.g.mem + 0x100010, msg, sizeof(msg));
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x1010, out, sizeof(out), &st), 0);
	assert_string_equal(out, msg);
	/* across 4 KiB pieces of the 2 MiB page: the guest's bytes at the same offsets */
	for (size_t i = 0; i < sizeof(big); i++)
		v.g.mem[0x200800 + i] = (uint8_t)(i * 7);
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x200800, big, sizeof(big), &st), 0);
	assert_memory_equal(big, v.g.mem + 0x200800, sizeof(big));
	/* a write to the read-only huge page faults, nothing written */
	assert_int_equal(sva_dma_write(v.dev, PASID, 0x200800, msg, sizeof(msg), &st), -EFAULT);
	assert_int_equal(st.reason, SVA_FAULT_WRITE);
	assert_int_equal(v.g.mem[0x200800], 0);
	/* guest memory ends at 8 MiB: the 1 GiB page translates, its DMA is a bus error */
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x40000000, out, 8, &st), -EIO);
	env_done(&v);
}

static void test_embed_dma_host_ptr(void **state)
{
	(void)state;
	check_dma(true, SVA_BACKEND_NATIVE);
	check_dma(true, SVA_BACKEND_SIM);
}

static void test_embed_dma_read_write(void **state)
{
	(void)state;
	check_dma(false, SVA_BACKEND_NATIVE);
	check_dma(false, SVA_BACKEND_SIM);
}

/*
 * A DMA run (native) reaches only libsva's frames directly: a page of the embedder's memory is
 * not at hand - walked (then cached), hit in the IOTLB, with or without a memo, or found in the
 * ATC of an ATS device - and is left to the DMA helpers, which reach it through the backend.
 */
static void check_dma_run(bool ats)
{
	struct sva_dma_status st;
	struct sva_dma_memo memo;
	struct sva_dma_run run;
	struct sva_swiommu_stats s0, s1;
	struct sva_ats_completion c;
	struct env v;
	uint64_t pfn = 0;
	char out[8];

	env_init_ats(&v, true, false, ats);
	sva_dma_memo_reset(&memo);
	memcpy(v.g.mem + 0x100010, "guest!!", 8);
	if (ats) { /* the ATC holds the embedder's page: still not a frame of libsva's */
		assert_int_equal(sva_ats_translate(v.dev, PASID, 0x1000, &c), 0);
		assert_true(c.embedder && c.r);
		assert_true(sva_atc_lookup(v.dev, PASID, 0x1010, &c));
	}
	for (int i = 0; i < 3; i++) { /* a walk that fills the IOTLB, then its hits */
		sva_swiommu_get_stats(sva_embed_swiommu(v.e), &s0);
		assert_true(sva_dma_run_begin_memo(&run, v.dev, PASID, 0, i == 2 ? &memo : NULL));
		assert_null(sva_dma_run_page(&run, 0x1010, false, &pfn));
		assert_null(sva_dma_run_page(&run, 0x1010, true, &pfn));
		sva_dma_run_end(&run);
		sva_swiommu_get_stats(sva_embed_swiommu(v.e), &s1);
		assert_int_equal(s1.faults_reported[SVA_FAULT_NOT_PRESENT],
				 s0.faults_reported[SVA_FAULT_NOT_PRESENT]);
		if (!ats && i == 0) /* each walked: the read's entry does not grant a write */
			assert_int_equal(s1.walks - s0.walks, 2);
		else if (!ats)
			assert_int_equal(s1.walks, s0.walks);
	}
	assert_false(memo.e[(0x1 * 2) % SVA_DMA_MEMO_ENTRIES].valid); /* nothing memoised */
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x1010, out, sizeof(out), &st), 0);
	assert_string_equal(out, "guest!!");
	env_done(&v);
}

static void test_embed_dma_run_leaves_guest_memory_to_the_helpers(void **state)
{
	(void)state;
	check_dma_run(false);
	check_dma_run(true);
}

/* The embedder's atomic: counts its calls; the first cmpxchg_busy calls find it changed. */
static int g_cmpxchg64(void *ctx, uint64_t gpa, uint64_t old, uint64_t val)
{
	struct guest *g = ctx;
	uint64_t *e = g_entry(g, gpa);

	atomic_fetch_add(&g->cmpxchg_calls, 1);
	if (atomic_fetch_sub(&g->cmpxchg_busy, 1) > 0 || *e != old)
		return -EAGAIN;
	*e = val;
	return 0;
}

/*
 * A read / write backend with the embedder's own compare-and-exchange: A and D are set through
 * it (retried when the entry changed meanwhile); a table entry pointing outside guest memory
 * reads as not present.
 */
static void test_embed_cmpxchg64_and_unreadable_tables(void **state)
{
	struct sva_translation t;
	struct env v;
	uint64_t slot;

	(void)state;
	{
		struct sva_swiommu_config ic = { .name = "vtd0", .mem = &v.g.ops };
		struct sva_swiommu_device_config dc = { .name = "dma0", .pasid_bits = 8 };
		struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };

		g_init(&v.g, false);
		v.g.ops.cmpxchg64 = g_cmpxchg64;
		v.w = sva_test_world(SVA_BACKEND_NATIVE, 0);
		cfg.world = v.w;
		assert_int_equal(sva_embed_create(&cfg, &v.e), 0);
		v.dev = sva_embed_device(v.e, 0);
	}
	g_map(&v.g, 0x1000, 0x100000, 12, SVA_PTE_WRITE | SVA_PTE_USER);
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, PASID, v.g.root), 0);
	atomic_store(&v.g.cmpxchg_busy, 1);
	slot = g_slot(&v.g, 0x1000, 12);
	assert_int_equal(sva_translate(v.dev, PASID, 0x1000, SVA_ACCESS_WRITE, &t), 0);
	assert_int_equal(t.pfn, 0x100);
	assert_true(*g_entry(&v.g, slot) & SVA_PTE_ACCESSED);
	assert_true(*g_entry(&v.g, slot) & SVA_PTE_DIRTY);
	assert_int_equal(atomic_load(&v.g.cmpxchg_calls), 2); /* the leaf's, retried once */
	assert_true(atomic_load(&v.g.backend_reads) > 0);
	/* PS in a top-level entry is no 512 GiB page: the walk goes on through its table */
	*g_entry(&v.g, v.g.root) |= SVA_PTE_PS;
	assert_int_equal(sva_swiommu_invalidate(v.dev, PASID, 0, 0), 0); /* walk again */
	assert_int_equal(sva_translate(v.dev, PASID, 0x1008, SVA_ACCESS_READ, &t), 0);
	assert_false(t.iotlb_hit);
	assert_int_equal(t.pfn, 0x100);
	assert_int_equal(t.page_shift, 12);
	/* the top-level entry of 0x8000000000 points beyond guest memory: not present */
	*g_entry(&v.g, v.g.root + 8) = (GUEST_SIZE + 0x1000) | TBL_FLAGS;
	assert_int_equal(sva_translate(v.dev, PASID, 0x8000000000ull, SVA_ACCESS_READ, &t),
			 -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	env_done(&v);
}

/*
 * A backend that gives host pointers only (no read, no write): walks and A/D go through them;
 * a table beyond guest memory (no pointer, nothing to read it with) is not present. Without a
 * page_request callback, a PRI device's page request is answered INVALID by the IOMMU.
 */
static void test_embed_host_pointers_only_and_no_page_request(void **state)
{
	struct sva_swiommu_config ic = { .name = "vtd0" };
	struct sva_swiommu_device_config dc = {
		.name = "dma0", .rid = SVA_RID(0, 3, 0), .pasid_bits = 8, .pri = true
	};
	struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };
	struct sva_translation t;
	struct sva_dma_status st;
	struct env v;
	char out[8];

	(void)state;
	g_init(&v.g, true);
	v.g.ops.read = NULL;
	v.g.ops.write = NULL;
	v.g.ops.page_request = NULL;
	ic.mem = &v.g.ops;
	v.w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	cfg.world = v.w;
	assert_int_equal(sva_embed_create(&cfg, &v.e), 0);
	v.dev = sva_embed_device(v.e, 0);
	g_map(&v.g, 0x1000, 0x100000, 12, SVA_PTE_WRITE | SVA_PTE_USER);
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, PASID, v.g.root), 0);
	memcpy(v.g.mem + 0x100000, "hostptr", 8);
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x1000, out, sizeof(out), &st), 0);
	assert_string_equal(out, "hostptr");
	assert_int_equal(sva_translate(v.dev, PASID, 0x1000, SVA_ACCESS_WRITE, &t), 0);
	assert_true(*g_entry(&v.g, g_slot(&v.g, 0x1000, 12)) & SVA_PTE_DIRTY);
	*g_entry(&v.g, v.g.root + 8) = (GUEST_SIZE + 0x1000) | TBL_FLAGS;
	assert_int_equal(sva_translate(v.dev, PASID, 0x8000000000ull, SVA_ACCESS_READ, &t),
			 -EFAULT);
	assert_int_equal(t.reason, SVA_FAULT_NOT_PRESENT);
	/* a page request with no one to ask: INVALID, the DMA stops at the page */
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x5000, out, sizeof(out), &st), -EFAULT);
	assert_int_equal(st.pri_requests, 1);
	assert_int_equal(st.response, SVA_PAGE_RESP_INVALID);
	assert_int_equal(st.fault_addr, 0x5000);
	/* an invalidation whose size wraps: the whole PASID */
	assert_int_equal(sva_swiommu_invalidate(v.dev, PASID, 0x1000, UINT64_MAX), 0);
	assert_int_equal(sva_translate(v.dev, PASID, 0x1000, SVA_ACCESS_READ, &t), 0);
	assert_false(t.iotlb_hit);
	env_done(&v);
}

/* ---- invalidation by the embedder; the unmap notifier ---- */

static void test_embed_invalidate(void **state)
{
	struct env v;
	struct sva_translation t;
	struct sva_ats_completion c;

	(void)state;
	env_init(&v, true, false);
	assert_int_equal(sva_translate(v.dev, PASID, 0x205000, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(sva_translate(v.dev, PASID, 0x3ff000, SVA_ACCESS_READ, &t), 0);
	assert_int_equal(sva_ats_translate(v.dev, PASID, 0x3ff000, &c), 0);
	assert_int_equal(c.page_size, 2u << 20);
	assert_true(sva_atc_lookup(v.dev, PASID, 0x3ff000, &c));
	/* the guest moves the 2 MiB page: until it invalidates, the IOTLB answers the old one */
	g_map(&v.g, 0x200000, 0x400000, 21, SVA_PTE_USER);
	assert_int_equal(sva_translate(v.dev, PASID, 0x205000, SVA_ACCESS_READ, &t), 0);
	assert_true(t.iotlb_hit);
	assert_int_equal(t.pfn, 0x205);
	/* invalidating one 4 KiB of it drops the whole huge page, in every set and the ATC */
	assert_int_equal(sva_swiommu_invalidate(v.dev, PASID, 0x200000, 4096), 0);
	assert_int_equal(atomic_load(&v.g.unmaps), 1);
	assert_int_equal(v.g.unmap_pasid, PASID);
	assert_int_equal(v.g.unmap_start, 0x200000);
	assert_int_equal(v.g.unmap_end, 0x201000);
	assert_false(sva_atc_lookup(v.dev, PASID, 0x3ff000, &c));
	assert_int_equal(sva_translate(v.dev, PASID, 0x205000, SVA_ACCESS_READ, &t), 0);
	assert_false(t.iotlb_hit);
	assert_int_equal(t.pfn, 0x405);
	assert_int_equal(sva_translate(v.dev, PASID, 0x3ff000, SVA_ACCESS_READ, &t), 0);
	assert_false(t.iotlb_hit);
	assert_int_equal(t.pfn, 0x5ff);
	/* size 0: the whole PASID */
	assert_int_equal(sva_swiommu_invalidate(v.dev, PASID, 0x1234, 0), 0);
	assert_int_equal(v.g.unmap_start, 0);
	assert_int_equal(v.g.unmap_end, UINT64_MAX);
	assert_int_equal(sva_swiommu_invalidate(v.dev, PASID + 1, 0, 0), -ENOENT);
	/* a new root replaces the old table */
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, PASID, g_table(&v.g)), 0);
	assert_int_equal(sva_translate(v.dev, PASID, 0x205000, SVA_ACCESS_READ, &t), -EFAULT);
	assert_int_equal(sva_swiommu_clear_pasid_table(v.dev, PASID), 0);
	assert_int_equal(sva_swiommu_pasid_state(v.dev, PASID), SVA_PASID_ENTRY_INVALID);
	assert_int_equal(sva_swiommu_clear_pasid_table(v.dev, PASID), -ENOENT);
	env_done(&v);
}

/* ---- ATS entries ---- */

static void test_embed_ats_entry(void **state)
{
	struct env v;
	struct sva_tlb_entry te;

	(void)state;
	env_init(&v, true, false);
	assert_int_equal(sva_ats_translate_entry(v.dev, PASID, 0x201000, &te), 0);
	assert_int_equal(te.iova, 0x200000);
	assert_int_equal(te.addr_mask, 0x1fffff);
	assert_int_equal(te.perm, SVA_ACCESS_READ);
	assert_int_equal(sva_ats_translate_entry(v.dev, PASID, 0x1000, &te), 0);
	assert_int_equal(te.perm, SVA_ACCESS_READ | SVA_ACCESS_WRITE | SVA_ACCESS_EXEC);
	assert_true(*g_entry(&v.g, g_slot(&v.g, 0x1000, 12)) & SVA_PTE_DIRTY); /* ATS asks W */
	/* not present: a completion with R = W = 0, no error */
	assert_int_equal(sva_ats_translate_entry(v.dev, PASID, 0x9000, &te), 0);
	assert_int_equal(te.perm, 0);
	assert_int_equal(sva_ats_translate_entry(v.dev, PASID + 1, 0x1000, &te), -EFAULT);
	env_done(&v);
}

/* ATS after the mm's release (an SVA bind on libsva's frames): R = W = 0, no error. */
static void test_embed_ats_after_release(void **state)
{
	struct env v;
	struct sva_tlb_entry te;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint64_t a;
	uint32_t pasid;

	(void)state;
	env_init(&v, true, false);
	assert_int_equal(sva_mm_create(sva_embed_mm_sys(v.e), "app", &mm), 0);
	assert_int_equal(sva_mm_mmap(mm, 0, 4096, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE,
				     NULL, 0, &a),
			 0);
	assert_int_equal(sva_bind_device(v.dev, mm, &bond), 0);
	pasid = sva_bond_pasid(bond);
	assert_int_equal(sva_ats_translate_entry(v.dev, pasid, a, &te), 0);
	assert_int_equal(te.perm, SVA_ACCESS_READ | SVA_ACCESS_WRITE);
	assert_false(te.embedder);
	assert_int_equal(te.addr_mask, 0xfff);
	sva_mmput(mm); /* the last user goes while bound: exit_mmap, release */
	assert_int_equal(sva_swiommu_pasid_state(v.dev, pasid), SVA_PASID_ENTRY_BLOCKING_SILENT);
	assert_int_equal(sva_ats_translate_entry(v.dev, pasid, a, &te), 0);
	assert_int_equal(te.perm, 0);
	sva_unbind_device(bond);
	env_done(&v);
}

/* ---- requester IDs, the one-call setup ---- */

static void test_embed_rid_and_setup(void **state)
{
	struct sva_swiommu_device_config dc[3] = {
		{ .name = "a", .rid = SVA_RID(0, 1, 0), .pasid_bits = 20 },
		{ .name = "b", .pasid_bits = 4 },
		{ .name = "c", .rid = SVA_RID(2, 31, 7), .pasid_bits = 0 },
	};
	struct sva_swiommu_device_config dup = { .name = "d", .rid = SVA_RID(2, 31, 7) };
	struct sva_embed_config cfg = { .devices = dc, .ndevices = 3 };
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_device *d;
	struct sva_embed *e;

	(void)state;
	cfg.world = w;
	assert_int_equal(sva_embed_create(&cfg, &e), 0);
	assert_int_equal(sva_swiommu_device_rid(sva_embed_device(e, 0)), 0x0008);
	assert_int_equal(sva_swiommu_device_rid(sva_embed_device(e, 1)), SVA_RID(0, 2, 0));
	assert_int_equal(SVA_RID(2, 31, 7), 0x02ff);
	assert_ptr_equal(sva_swiommu_find_device(sva_embed_swiommu(e), 0x02ff),
			 sva_embed_device(e, 2));
	assert_null(sva_swiommu_find_device(sva_embed_swiommu(e), 0x0100));
	assert_null(sva_embed_device(e, 3));
	assert_int_equal(sva_embed_device(e, 1)->max_pasids, 16);
	assert_int_equal(sva_embed_device(e, 2)->max_pasids, 0);
	assert_int_equal(sva_swiommu_device_add(sva_embed_swiommu(e), &dup, &d), -EEXIST);
	assert_int_equal(sva_swiommu_device_add(sva_embed_swiommu(e), NULL, &d), -EINVAL);
	assert_int_equal(sva_swiommu_device_add(sva_embed_swiommu(e), &dup, NULL), -EINVAL);
	{ /* a PRI allocation needs PRI */
		struct sva_swiommu_device_config noprireqs = { .name = "e",
							       .rid = 0x0300,
							       .pri_reqs = 2 };

		assert_int_equal(sva_swiommu_device_add(sva_embed_swiommu(e), &noprireqs, &d),
				 -EINVAL);
	}
	/* no backend: embedder tables are refused */
	assert_int_equal(sva_swiommu_set_pasid_table(sva_embed_device(e, 0), 1, 0x1000),
			 -EOPNOTSUPP);
	assert_ptr_equal(sva_embed_world(e), w);
	assert_int_equal(sva_embed_destroy(e), 0);
	sva_test_world_done(w);

	/* devices without a requester ID get 00:02.0 up to 00:1f.0: a 32nd has none left */
	{
		struct sva_swiommu_device_config many[32];
		struct sva_world *w2 = sva_test_world(SVA_BACKEND_NATIVE, 0);
		struct sva_embed_config mc = { .devices = many, .ndevices = 31, .world = w2 };

		memset(many, 0, sizeof(many));
		for (int i = 0; i < 32; i++)
			many[i] =
				(struct sva_swiommu_device_config){ .name = "d", .pasid_bits = 4 };
		assert_int_equal(sva_embed_create(&mc, &e), 0);
		assert_int_equal(sva_swiommu_device_rid(sva_embed_device(e, 30)),
				 SVA_RID(0, 31, 0));
		assert_int_equal(sva_embed_destroy(e), 0);
		mc.ndevices = 32;
		e = NULL;
		assert_int_equal(sva_embed_create(&mc, &e), -EEXIST);
		assert_null(e);
		sva_test_world_done(w2); /* the failed creation left nothing */
	}
	/* onto an IOMMU of the caller's: only the devices are the holder's, destroy keeps the rest
	 */
	{
		struct sva_world *w3 = sva_test_world(SVA_BACKEND_NATIVE, 0);
		struct sva_embed_config host = { .devices = dc, .ndevices = 1, .world = w3 };
		struct sva_embed_config plug = { .devices = &dc[1], .ndevices = 1 };
		struct sva_embed *h, *p;

		assert_int_equal(sva_embed_create(&host, &h), 0);
		plug.swiommu = sva_embed_swiommu(h);
		assert_int_equal(sva_embed_create(&plug, &p), 0);
		assert_ptr_equal(sva_embed_swiommu(p), sva_embed_swiommu(h));
		assert_ptr_equal(sva_embed_world(p), w3);
		assert_null(sva_embed_mm_sys(p));
		assert_ptr_equal(sva_swiommu_find_device(plug.swiommu, SVA_RID(0, 1, 0)),
				 sva_embed_device(h, 0)); /* the host's device, rid 00:01.0 */
		/* "b" has no rid and is first of its holder: none given, so 00:00.0 */
		assert_ptr_equal(sva_swiommu_find_device(plug.swiommu, 0), sva_embed_device(p, 0));
		assert_int_equal(sva_embed_create(&plug, &e), -EEXIST); /* its rid is taken */
		assert_int_equal(sva_embed_destroy(p), 0);
		assert_null(sva_swiommu_find_device(plug.swiommu, 0)); /* removed, the IOMMU kept */
		assert_ptr_equal(sva_swiommu_find_device(plug.swiommu, SVA_RID(0, 1, 0)),
				 sva_embed_device(h, 0));
		assert_int_equal(sva_embed_destroy(h), 0);
		sva_test_world_done(w3); /* nothing left: the plugged device went with its holder */
	}
	cfg.ndevices = 0;
	assert_int_equal(sva_embed_create(&cfg, &e), -EINVAL);
	assert_int_equal(sva_embed_create(NULL, &e), -EINVAL);
	cfg.ndevices = 3;
	assert_int_equal(sva_embed_create(&cfg, NULL), -EINVAL);
	cfg.devices = NULL;
	assert_int_equal(sva_embed_create(&cfg, &e), -EINVAL);
}

static void test_embed_bad_input(void **state)
{
	struct env v;

	(void)state;
	env_init(&v, true, false);
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, PASID, 0x1234), -EINVAL);
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, 0, 0x1000), -EINVAL);
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, 256, 0x1000), -EINVAL);
	assert_int_equal(sva_pri_submit(v.dev, PASID, 0x5000, SVA_ACCESS_READ, NULL, NULL, NULL),
			 -EOPNOTSUPP);
	/* a PASID another domain holds: -EBUSY, that domain still translates; its domain not
	   allocated: -ENOMEM, the entry stays invalid; a second table beside the first */
	{
		struct sva_domain *dom;

		assert_int_equal(sva_iommu_paging_domain_alloc(v.dev, &dom), 0);
		assert_int_equal(sva_iommu_attach_device_pasid(dom, v.dev, 6, NULL), 0);
		assert_int_equal(sva_swiommu_set_pasid_table(v.dev, 6, v.g.root), -EBUSY);
		assert_ptr_equal(sva_iommu_get_domain_for_pasid(v.dev, 6), dom);
		assert_int_equal(sva_swiommu_pasid_state(v.dev, 6), SVA_PASID_ENTRY_TRANSLATING);
		sva_iommu_detach_device_pasid(dom, v.dev, 6);
		sva_iommu_domain_free(dom);
		sva_alloc_fail_nth(v.w, 1);
		assert_int_equal(sva_swiommu_set_pasid_table(v.dev, 7, v.g.root), -ENOMEM);
		sva_alloc_fail_nth(v.w, 0);
		assert_int_equal(sva_swiommu_pasid_state(v.dev, 7), SVA_PASID_ENTRY_INVALID);
		assert_int_equal(sva_swiommu_set_pasid_table(v.dev, 7, v.g.root), 0);
		assert_int_equal(sva_swiommu_clear_pasid_table(v.dev, 7), 0);
		assert_int_equal(sva_swiommu_pasid_state(v.dev, PASID),
				 SVA_PASID_ENTRY_TRANSLATING);
	}
	/* without PRI: never stopped, a reset does nothing (and traces nothing), no group to poll
	 */
	{
		enum sva_page_response_code code = SVA_PAGE_RESP_SUCCESS;
		char *text;

		assert_false(sva_pri_is_stopped(v.dev));
		sva_pri_reset(v.dev);
		text = sva_test_trace_string(v.w, sva_trace_write_text);
		assert_non_null(strstr(text, "swiommu.pasid_entry")); /* the trace is kept */
		assert_null(strstr(text, "swiommu.pri_reset"));
		free(text);
		assert_int_equal(sva_pri_poll(v.dev, 1, &code), -ENOENT);
		assert_int_equal(code, SVA_PAGE_RESP_SUCCESS);
	}
	env_done(&v);
}

/* ---- creation unwound at every allocation failure; the accessors of none ---- */

struct embed_fail {
	struct sva_embed *e;
};

static struct sva_world *embed_fail_setup(void *arg)
{
	((struct embed_fail *)arg)->e = NULL;
	return sva_test_world(SVA_BACKEND_SIM, 1);
}

static int embed_fail_body(struct sva_world *w, void *arg)
{
	struct embed_fail *f = arg;
	struct sva_swiommu_device_config dc[2] = {
		{ .name = "a", .rid = SVA_RID(0, 1, 0), .pasid_bits = 8, .pri = true },
		{ .name = "b", .pasid_bits = 4 },
	};
	struct sva_embed_config cfg = { .devices = dc, .ndevices = 2, .world = w };

	return sva_embed_create(&cfg, &f->e);
}

static void embed_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct embed_fail *f = arg;

	(void)w;
	if (r->ret) {
		assert_null(f->e); /* nothing handed out */
		return;
	}
	assert_non_null(sva_embed_device(f->e, 1));
	assert_ptr_equal(sva_embed_world(f->e), w);
}

static void embed_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct embed_fail *f = arg;

	(void)w;
	(void)r;
	if (f->e)
		assert_int_equal(sva_embed_destroy(f->e), 0);
}

static void test_embed_create_unwinds_at_every_failure(void **state)
{
	struct embed_fail f;
	struct sva_test_fail_case c = { .name = "embed create (IOMMU, two devices)",
					.setup = embed_fail_setup,
					.body = embed_fail_body,
					.check = embed_fail_check,
					.teardown = embed_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 3);
	/* the accessors of no embedding, and its destroy */
	assert_null(sva_embed_device(NULL, 0));
	assert_null(sva_embed_swiommu(NULL));
	assert_null(sva_embed_world(NULL));
	assert_null(sva_embed_mm_sys(NULL));
	assert_int_equal(sva_embed_destroy(NULL), 0);
	assert_int_equal(sva_swiommu_device_add(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(sva_swiommu_set_pasid_table(NULL, 1, 0x1000), -EINVAL);
}

/* ---- page requests answered by the embedder, from an event loop ---- */

struct answer {
	atomic_int calls;
	uint32_t pasid, grpid;
	enum sva_page_response_code code;
};

static void on_answer(void *ctx, struct sva_device *dev, uint32_t pasid, uint32_t grpid,
		      enum sva_page_response_code code)
{
	struct answer *a = ctx;

	(void)dev;
	a->pasid = pasid;
	a->grpid = grpid;
	a->code = code;
	atomic_fetch_add(&a->calls, 1);
}

/*
 * A page request answered SUCCESS that leaves the page absent: the DMA helpers ask again, up to
 * SVA_PRI_RETRIES times for the page, then stop at it with the fault; the ATC is never filled.
 */
static void test_embed_pri_success_without_the_page_gives_up(void **state)
{
	struct sva_dma_status st;
	struct sva_ats_completion c;
	struct env v;
	char buf[8];

	(void)state;
	env_init(&v, true, true);
	v.g.lie = true;
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x5000, buf, sizeof(buf), &st), -EFAULT);
	assert_int_equal(st.pri_requests, SVA_PRI_RETRIES);
	assert_int_equal(atomic_load(&v.g.page_requests), SVA_PRI_RETRIES);
	assert_int_equal(st.response, SVA_PAGE_RESP_SUCCESS);
	assert_int_equal(st.reason, SVA_FAULT_NOT_PRESENT);
	assert_int_equal(st.fault_addr, 0x5000);
	assert_int_equal(st.done, 0);
	assert_false(sva_atc_lookup(v.dev, PASID, 0x5000, &c));
	/* an honest answer: the same read completes */
	v.g.lie = false;
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x5000, buf, sizeof(buf), &st), 0);
	assert_int_equal(st.pri_requests, 1);
	env_done(&v);
}

static void test_embed_pri_async(void **state)
{
	struct env v;
	struct sva_translation t;
	enum sva_page_response_code code = SVA_PAGE_RESP_FAILURE;
	struct answer a = { .code = SVA_PAGE_RESP_FAILURE };
	uint32_t grpid = 0, grpid2 = 0;
	int ret;

	(void)state;
	env_init(&v, true, true);
	assert_int_equal(sva_translate(v.dev, PASID, 0x5000, SVA_ACCESS_WRITE, &t), -EFAULT);
	/* polled: submit returns at once; the event loop polls until the answer is in */
	assert_int_equal(sva_pri_submit(v.dev, PASID, 0x5000, SVA_ACCESS_WRITE, NULL, NULL, &grpid),
			 0);
	while ((ret = sva_pri_poll(v.dev, grpid, &code)) == -EAGAIN)
		sched_yield();
	assert_int_equal(ret, 0);
	assert_int_equal(code, SVA_PAGE_RESP_SUCCESS);
	assert_int_equal(sva_pri_poll(v.dev, grpid, &code), -ENOENT); /* consumed */
	assert_int_equal(atomic_load(&v.g.page_requests), 1);
	assert_int_equal(sva_translate(v.dev, PASID, 0x5000, SVA_ACCESS_WRITE, &t), 0);
	assert_int_equal(t.pfn, 6ull << 20 >> 12);
	/* with a callback */
	assert_int_equal(
		sva_pri_submit(v.dev, PASID, 0x6000, SVA_ACCESS_READ, on_answer, &a, &grpid2), 0);
	while (!atomic_load(&a.calls))
		sched_yield();
	assert_int_equal(a.grpid, grpid2);
	assert_int_equal(a.pasid, PASID);
	assert_int_equal(a.code, SVA_PAGE_RESP_SUCCESS);
	assert_int_equal(sva_translate(v.dev, PASID, 0x6000, SVA_ACCESS_READ, &t), 0);
	/* on a PASID with no translation the IOMMU answers INVALID itself, at once */
	assert_int_equal(
		sva_pri_submit(v.dev, PASID + 1, 0x6000, SVA_ACCESS_READ, on_answer, &a, NULL), 0);
	assert_int_equal(atomic_load(&a.calls), 2);
	assert_int_equal(a.code, SVA_PAGE_RESP_INVALID);
	/* the DMA helpers do the same on their own (blocking) */
	{
		struct sva_dma_status st;
		char msg[] = "demand paged";

		assert_int_equal(sva_dma_write(v.dev, PASID, 0x7010, msg, sizeof(msg), &st), 0);
		assert_int_equal(st.pri_requests, 1);
		assert_int_equal(atomic_load(&v.g.page_requests), 3);
		assert_memory_equal(v.g.mem + (6ull << 20) + 2 * 4096 + 0x10, msg, sizeof(msg));
	}
	env_done(&v);
}

/* ---- a full outstanding-group table: a blocking requester waits for a slot ---- */

struct waiter {
	struct env *v;
	atomic_int done;
	int ret;
	enum sva_page_response_code code;
};

static int blocking_requester(void *arg)
{
	struct waiter *r = arg;

	r->ret = sva_pri_request(r->v->dev, PASID, 0x5000, SVA_ACCESS_READ, &r->code);
	atomic_store(&r->done, 1);
	return 0;
}

/*
 * The device's allocation of polled groups (@reqs; 0: SVA_PRI_OUTSTANDING) fills its table -
 * the next submit is -EBUSY - and answered, they keep their slots until polled: a blocking
 * request sleeps meanwhile, and the first poll frees a slot for it.
 */
static void pri_full_table_waits(unsigned reqs)
{
	const unsigned n = reqs ? reqs : SVA_PRI_OUTSTANDING;
	uint32_t grpid[SVA_PRI_OUTSTANDING];
	enum sva_page_response_code code;
	struct sva_actor *a;
	struct waiter r = { .code = SVA_PAGE_RESP_FAILURE };
	struct env v;
	int ret;

	env_init_reqs(&v, true, true, true, SVA_BACKEND_NATIVE, reqs);
	r.v = &v;
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(sva_pri_submit(v.dev, PASID, 0x5000, SVA_ACCESS_READ, NULL, NULL,
						&grpid[i]),
				 0);
	assert_int_equal(sva_pri_submit(v.dev, PASID, 0x5000, SVA_ACCESS_READ, NULL, NULL, NULL),
			 -EBUSY);
	while ((unsigned)atomic_load(&v.g.page_requests) < n)
		sched_yield();
	assert_int_equal(sva_actor_spawn(v.w, "requester", blocking_requester, &r, 0, &a), 0);
	usleep(20000);
	assert_int_equal(atomic_load(&r.done), 0); /* no slot: it sleeps */
	while ((ret = sva_pri_poll(v.dev, grpid[0], &code)) == -EAGAIN)
		sched_yield();
	assert_int_equal(ret, 0);
	assert_int_equal(code, SVA_PAGE_RESP_SUCCESS);
	assert_int_equal(sva_actor_join(a, &ret), 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.code, SVA_PAGE_RESP_SUCCESS);
	for (unsigned i = 1; i < n; i++) {
		while ((ret = sva_pri_poll(v.dev, grpid[i], &code)) == -EAGAIN)
			sched_yield();
		assert_int_equal(ret, 0);
	}
	env_done(&v);
}

static void test_embed_pri_full_table_waits(void **state)
{
	(void)state;
	pri_full_table_waits(0);
	pri_full_table_waits(2); /* a device enabled with two outstanding requests */
}

/*
 * The checker on the embedder's memory: the DMA's accesses are judged against the embedder's
 * table (read through sva_swiommu_query_table); a change announced before its invalidation
 * may be used until the invalidation is done; an unannounced one used through a stale
 * translation is I3, as is any stale use after the invalidation.
 */
static void test_embed_checker_judges_guest_dma(void **state)
{
	struct sva_checker *c;
	struct env v;
	char buf[16] = { 0 };
	struct sva_dma_status st;
	(void)state;

	env_init(&v, true, false);
	sva_test_quiet(v.w);
	assert_int_equal(sva_checker_attach(v.w, &c), 0);
	/* the query: the 4 KiB page, and the 4 KiB piece of the 2 MiB page (read-only, no PS) */
	assert_int_equal(sva_swiommu_query_table(sva_embed_swiommu(v.e), v.g.root, 0x1234) &
				 (SVA_PTE_PFN_MASK | SVA_PTE_WRITE | SVA_PTE_USER),
			 0x100000 | SVA_PTE_WRITE | SVA_PTE_USER);
	assert_int_equal(sva_swiommu_query_table(sva_embed_swiommu(v.e), v.g.root, 0x3456f0) &
				 (SVA_PTE_PFN_MASK | SVA_PTE_PS | SVA_PTE_WRITE),
			 0x345000);
	assert_int_equal(sva_swiommu_query_table(sva_embed_swiommu(v.e), v.g.root, 0x5000), 0);
	/* a table set before the checker came: set again, so that it knows whose it is */
	assert_int_equal(sva_swiommu_set_pasid_table(v.dev, PASID, v.g.root), 0);
	assert_int_equal(sva_dma_write(v.dev, PASID, 0x1000, buf, sizeof(buf), &st), 0);
	assert_true(sva_checker_events_of(c, SVA_EV_DMA_ACCESS_GUEST) >= 1);
	assert_int_equal(sva_checker_violations(c, 0), 0);

	/* announced, then changed: the cached translation may still be used until invalidated */
	sva_swiommu_table_changed(v.dev, PASID, 0x1000, SVA_PAGE_SIZE);
	g_map(&v.g, 0x1000, 0x101000, 12, SVA_PTE_WRITE | SVA_PTE_USER);
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x1000, buf, sizeof(buf), &st), 0);
	assert_int_equal(sva_checker_violations(c, 0), 0);
	assert_int_equal(sva_swiommu_invalidate(v.dev, PASID, 0x1000, SVA_PAGE_SIZE), 0);
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x1000, buf, sizeof(buf), &st), 0);
	assert_int_equal(sva_checker_violations(c, 0), 0);

	/* changed without a word: the device's cached translation reaches the old page (I3) */
	g_map(&v.g, 0x1000, 0x102000, 12, SVA_PTE_WRITE | SVA_PTE_USER);
	assert_int_equal(sva_dma_read(v.dev, PASID, 0x1000, buf, sizeof(buf), &st), 0);
	assert_int_equal(sva_checker_violations(c, SVA_I3_ISOLATION), 1);
	assert_non_null(strstr(sva_report_first(v.w), "maps to 0x102000"));

	sva_checker_detach(c);
	assert_int_equal(sva_embed_destroy(v.e), 1); /* the one report: the violation */
	sva_world_destroy(v.w);
	free(v.g.mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embed_walk_host_ptr),
		cmocka_unit_test(test_embed_pri_full_table_waits),
		cmocka_unit_test(test_embed_walk_read_write),
		cmocka_unit_test(test_embed_dma_host_ptr),
		cmocka_unit_test(test_embed_dma_read_write),
		cmocka_unit_test(test_embed_host_pointers_only_and_no_page_request),
		cmocka_unit_test(test_embed_cmpxchg64_and_unreadable_tables),
		cmocka_unit_test(test_embed_dma_run_leaves_guest_memory_to_the_helpers),
		cmocka_unit_test(test_embed_invalidate),
		cmocka_unit_test(test_embed_ats_entry),
		cmocka_unit_test(test_embed_ats_after_release),
		cmocka_unit_test(test_embed_rid_and_setup),
		cmocka_unit_test(test_embed_create_unwinds_at_every_failure),
		cmocka_unit_test(test_embed_bad_input),
		cmocka_unit_test(test_embed_pri_success_without_the_page_gives_up),
		cmocka_unit_test(test_embed_pri_async),
		cmocka_unit_test(test_embed_checker_judges_guest_dma),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * A device model written as an embedder writes one (QEMU, a SystemC model, an FPGA test
 * bench): libsva is only its IOMMU. Everything else is the model's own:
 *
 *  - the guest: its memory (a buffer of the model's), its OS (a frame allocator, x86-64
 *    4-level first-stage tables it builds itself, one process address space with two regions,
 *    demand paging of the second one), and its IOMMU driver's part: pointing the device's
 *    PASID at the table, invalidating after it changes the table;
 *  - the device: a DMA engine with a translation cache of its own (a device TLB), filled by
 *    ATS translation requests, kept coherent by libsva's unmap notifier; a miss on a page the
 *    guest has not made present becomes a PRI page request, submitted without blocking and
 *    polled from the model's event loop, which also runs the guest OS that answers it;
 *  - copies are done by the engine itself, in the guest's memory, at the addresses libsva
 *    translated to, each inside an in-flight section (sva_dma_begin/end) so that an
 *    invalidation completes only after the copies that used the old translation.
 *
 * The engine runs one job list in the main thread; the guest OS's page requests arrive on the
 * IOMMU's "prq" thread and are queued to the event loop (guest.lock). The program checks
 * what it sees and exits 1 on the first surprise; CTest runs it (example_embed_device_model).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/swiommu.h"

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "embed_device_model: %s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                                        \
			exit(1);                                                               \
		}                                                                              \
	} while (0)
#define CHECK0(expr) CHECK((expr) == 0)

#define PAGE	    4096ull
#define GUEST_SIZE  (4ull << 20)
#define PASID	    7u
#define SRC	    0x10000000ull /* the process's source buffer: mapped up front */
#define DST	    0x20000000ull /* its destination: reserved, made present on demand */
#define NPAGES	    4u
#define TBL_FLAGS   (SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER)
#define QUEUE_MAX   16u
#define DEV_TLB_MAX 16u

/* ---- the guest: memory, OS, page tables ------------------------------------------------ */

struct region {
	uint64_t start, len;
	bool present; /* false once unmapped */
};

struct guest {
	uint8_t *mem;
	uint64_t next_frame; /* frames from 64 KiB up; never reused here */
	uint64_t root;	     /* the process's PML4 */
	struct region regions[2];
	struct sva_device *dev;
	/* page requests the IOMMU handed over, for the event loop (the prq thread adds) */
	pthread_mutex_t lock;
	struct sva_iopf_group *queue[QUEUE_MAX];
	unsigned queued;
	unsigned requests_answered, requests_refused;
};

static uint64_t *g_entry(struct guest *g, uint64_t gpa)
{
	return (uint64_t *)(void *)(g->mem + gpa);
}

static uint64_t g_frame(struct guest *g)
{
	uint64_t f = g->next_frame;

	g->next_frame += PAGE;
	CHECK(g->next_frame <= GUEST_SIZE);
	memset(g->mem + f, 0, PAGE);
	return f;
}

/* The leaf entry of @va (4 KiB pages), tables made on the way. */
static uint64_t g_leaf(struct guest *g, uint64_t va)
{
	uint64_t t = g->root;

	for (unsigned shift = 39; shift > 12; shift -= 9) {
		uint64_t slot = t + ((va >> shift) & 511) * 8;

		if (!(*g_entry(g, slot) & SVA_PTE_PRESENT))
			*g_entry(g, slot) = g_frame(g) | TBL_FLAGS;
		t = *g_entry(g, slot) & SVA_PTE_PFN_MASK;
	}
	return t + ((va >> 12) & 511) * 8;
}

static void g_map(struct guest *g, uint64_t va)
{
	*g_entry(g, g_leaf(g, va)) = g_frame(g) | SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER;
}

/* The guest CPU's view: the frame behind @va, or NULL. */
static uint8_t *g_cpu(struct guest *g, uint64_t va)
{
	uint64_t pte = *g_entry(g, g_leaf(g, va));

	return pte & SVA_PTE_PRESENT ? g->mem + (pte & SVA_PTE_PFN_MASK) + (va & (PAGE - 1)) : NULL;
}

static struct region *g_region(struct guest *g, uint64_t va)
{
	for (unsigned i = 0; i < 2; i++)
		if (g->regions[i].present && va - g->regions[i].start < g->regions[i].len)
			return &g->regions[i];
	return NULL;
}

/* munmap: clear the entries, then the IOMMU driver's part - invalidate (waits for DMA). */
static void g_munmap(struct guest *g, struct region *r)
{
	for (uint64_t va = r->start; va < r->start + r->len; va += PAGE)
		*g_entry(g, g_leaf(g, va)) = 0;
	r->present = false;
	CHECK0(sva_swiommu_invalidate(g->dev, PASID, r->start, r->len));
}

/* The backend libsva walks the tables and copies through (cfg.mem). */
static void *g_host_ptr(void *ctx, uint64_t gpa, size_t len)
{
	struct guest *g = ctx;

	return gpa < GUEST_SIZE && len <= GUEST_SIZE - gpa ? g->mem + gpa : NULL;
}

static int g_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	void *p = g_host_ptr(ctx, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int g_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	void *p = g_host_ptr(ctx, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

/* The prq thread: hand the group to the event loop (never block, never call back in). */
static int g_page_request(void *ctx, struct sva_device *dev, struct sva_iopf_group *group)
{
	struct guest *g = ctx;
	int ret = 0;

	(void)dev;
	pthread_mutex_lock(&g->lock);
	if (g->queued < QUEUE_MAX)
		g->queue[g->queued++] = group;
	else
		ret = -EBUSY;
	pthread_mutex_unlock(&g->lock);
	if (ret)
		sva_swiommu_page_response(group, SVA_PAGE_RESP_INVALID);
	return 0;
}

/* The event loop's guest OS: demand-page what a region covers, refuse the rest. */
static void g_service(struct guest *g)
{
	struct sva_iopf_group *todo[QUEUE_MAX];
	unsigned n;

	pthread_mutex_lock(&g->lock);
	n = g->queued;
	memcpy(todo, g->queue, n * sizeof(todo[0]));
	g->queued = 0;
	pthread_mutex_unlock(&g->lock);
	for (unsigned i = 0; i < n; i++) {
		bool ok = true;

		for (unsigned j = 0; j < todo[i]->nfaults; j++) {
			uint64_t va = todo[i]->faults[j].addr;

			if (!g_region(g, va))
				ok = false;
			else if (!g_cpu(g, va))
				g_map(g, va);
		}
		if (ok)
			g->requests_answered++;
		else
			g->requests_refused++;
		sva_swiommu_page_response(todo[i],
					  ok ? SVA_PAGE_RESP_SUCCESS : SVA_PAGE_RESP_INVALID);
	}
}

/* ---- the device: a DMA engine with its own translation cache --------------------------- */

struct dev_tlb_entry {
	bool valid;
	uint32_t pasid;
	uint64_t iova, mask, gpa;
	unsigned perm;
};

struct engine {
	struct sva_device *dev;
	struct guest *guest;
	struct dev_tlb_entry tlb[DEV_TLB_MAX];
	unsigned next_victim;
	unsigned long gen; /* bumped by every invalidation the notifier tells of */
	unsigned hits, misses, ats_requests, pri_requests, notified, dropped;
};

/* libsva's unmap notifier: the device's own cache follows the IOMMU's (no call back in). */
static void e_unmap(void *ctx, struct sva_device *dev, uint32_t pasid, uint64_t start, uint64_t end)
{
	struct engine *e = ctx;

	(void)dev;
	e->notified++;
	e->gen++;
	for (unsigned i = 0; i < DEV_TLB_MAX; i++) {
		struct dev_tlb_entry *t = &e->tlb[i];

		if (t->valid && t->pasid == pasid && t->iova <= end - 1 &&
		    start <= t->iova + t->mask) {
			t->valid = false;
			e->dropped++;
		}
	}
}

static struct dev_tlb_entry *e_lookup(struct engine *e, uint64_t va, unsigned access)
{
	for (unsigned i = 0; i < DEV_TLB_MAX; i++) {
		struct dev_tlb_entry *t = &e->tlb[i];

		if (t->valid && t->pasid == PASID && (va & ~t->mask) == t->iova &&
		    (t->perm & access) == access)
			return t;
	}
	return NULL;
}

/*
 * The guest-physical address of @va for @access: the device TLB, else an ATS request, else a
 * page request (submitted, then polled while the event loop runs the guest OS) and ATS again.
 * -EFAULT when the guest refused the page.
 */
static int e_translate(struct engine *e, uint64_t va, unsigned access, uint64_t *gpa)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		struct dev_tlb_entry *t = e_lookup(e, va, access);
		struct sva_tlb_entry te;
		enum sva_page_response_code code;
		uint32_t grpid;
		int ret;

		if (t) {
			if (attempt == 0)
				e->hits++;
			*gpa = t->gpa | (va & t->mask);
			return 0;
		}
		if (attempt == 0)
			e->misses++;
		e->ats_requests++;
		CHECK0(sva_ats_translate_entry(e->dev, PASID, va, &te));
		if ((te.perm & access) == access) {
			CHECK(te.embedder); /* the guest's memory, not libsva's frames */
			t = &e->tlb[e->next_victim++ % DEV_TLB_MAX];
			*t = (struct dev_tlb_entry){ .valid = true,
						     .pasid = PASID,
						     .iova = te.iova,
						     .mask = te.addr_mask,
						     .gpa = te.translated_addr,
						     .perm = te.perm };
			continue; /* found in the cache now */
		}
		/* not present (or not writable): ask the guest through PRI, from the event loop */
		e->pri_requests++;
		CHECK0(sva_pri_submit(e->dev, PASID, va, access, NULL, NULL, &grpid));
		while ((ret = sva_pri_poll(e->dev, grpid, &code)) == -EAGAIN) {
			g_service(e->guest);
			sched_yield();
		}
		CHECK0(ret);
		if (code != SVA_PAGE_RESP_SUCCESS)
			return -EFAULT;
	}
	return -EFAULT;
}

/*
 * Copy @len bytes from @src to @dst (process addresses on PASID): page by page, translated
 * outside the in-flight section, copied inside it unless an invalidation came in between.
 * 0, or -EFAULT with *@fault_va.
 */
static int e_copy(struct engine *e, uint64_t dst, uint64_t src, uint64_t len, uint64_t *fault_va)
{
	while (len) {
		uint64_t n = PAGE - (src & (PAGE - 1)), s, d;
		unsigned long gen;

		if (PAGE - (dst & (PAGE - 1)) < n)
			n = PAGE - (dst & (PAGE - 1));
		if (len < n)
			n = len;
		gen = e->gen;
		if (e_translate(e, src, SVA_ACCESS_READ, &s)) {
			*fault_va = src;
			return -EFAULT;
		}
		if (e_translate(e, dst, SVA_ACCESS_WRITE, &d)) {
			*fault_va = dst;
			return -EFAULT;
		}
		sva_dma_begin(e->dev);
		if (gen != e->gen) { /* invalidated meanwhile: translate again */
			sva_dma_end(e->dev);
			continue;
		}
		memcpy(e->guest->mem + d, e->guest->mem + s, n);
		sva_dma_end(e->dev);
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/* ---- the model ------------------------------------------------------------------------- */

int main(void)
{
	struct guest g = { 0 };
	struct engine e = { 0 };
	struct sva_swiommu_mem mem = { .read = g_read,
				       .write = g_write,
				       .host_ptr = g_host_ptr,
				       .page_request = g_page_request,
				       .ctx = &g };
	struct sva_swiommu_config ic = { .name = "model-iommu", .mem = &mem };
	struct sva_swiommu_device_config dc = { .name = "dma-engine",
						.rid = SVA_RID(0, 3, 0),
						.pasid_bits = 8,
						.ats = true,
						.pri = true };
	struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };
	struct sva_swiommu_stats st;
	struct sva_embed *emb;
	uint64_t fault_va = 0;
	unsigned hits_before;

	/* the guest: memory, a process with SRC mapped and filled, DST reserved */
	g.mem = calloc(1, GUEST_SIZE);
	CHECK(g.mem);
	pthread_mutex_init(&g.lock, NULL);
	g.next_frame = 0x10000;
	g.root = g_frame(&g);
	g.regions[0] = (struct region){ SRC, NPAGES * PAGE, true };
	g.regions[1] = (struct region){ DST, NPAGES * PAGE, true };
	for (unsigned i = 0; i < NPAGES; i++) {
		g_map(&g, SRC + i * PAGE);
		for (unsigned b = 0; b < PAGE; b++)
			g_cpu(&g, SRC + i * PAGE)[b] = (uint8_t)(i * 31 + b);
	}

	/* libsva: the IOMMU with the device behind it; the PASID points at the guest's table */
	CHECK0(sva_embed_create(&cfg, &emb));
	e.dev = g.dev = sva_embed_device(emb, 0);
	e.guest = &g;
	CHECK(sva_swiommu_device_rid(e.dev) == SVA_RID(0, 3, 0));
	sva_swiommu_set_unmap_notifier(e.dev, e_unmap, &e);
	CHECK0(sva_swiommu_set_pasid_table(e.dev, PASID, g.root));

	/* job 1: SRC -> DST; every DST page is absent and comes in through a page request */
	CHECK0(e_copy(&e, DST, SRC, NPAGES * PAGE, &fault_va));
	for (unsigned i = 0; i < NPAGES; i++)
		CHECK(g_cpu(&g, DST + i * PAGE) &&
		      memcmp(g_cpu(&g, DST + i * PAGE), g_cpu(&g, SRC + i * PAGE), PAGE) == 0);
	CHECK(e.pri_requests == NPAGES);
	CHECK(g.requests_answered == NPAGES && g.requests_refused == 0);
	CHECK(e.misses == 2 * NPAGES);
	printf("job 1: %u pages copied, %u ATS requests, %u page requests (all demand-paged)\n",
	       NPAGES, e.ats_requests, e.pri_requests);

	/* job 2: the same copy again, from the device's own cache: no ATS request at all */
	hits_before = e.hits;
	sva_swiommu_get_stats(sva_embed_swiommu(emb), &st);
	{
		uint64_t ats_before = st.ats_requests;

		CHECK0(e_copy(&e, DST + 8, SRC + 8, NPAGES * PAGE - 16, &fault_va));
		sva_swiommu_get_stats(sva_embed_swiommu(emb), &st);
		CHECK(st.ats_requests == ats_before);
	}
	CHECK(e.hits - hits_before == 2 * NPAGES);
	printf("job 2: %u device-TLB hits, no ATS request\n", e.hits - hits_before);

	/* the guest unmaps SRC: the notifier drops the device's cached translations of it */
	g_munmap(&g, &g.regions[0]);
	CHECK(e.notified >= 1 && e.dropped >= NPAGES);
	CHECK(!e_lookup(&e, SRC, SVA_ACCESS_READ));

	/* job 3: reading SRC now faults; the page request is refused by the guest (INVALID) */
	CHECK(e_copy(&e, DST, SRC, PAGE, &fault_va) == -EFAULT);
	CHECK(fault_va == SRC);
	CHECK(g.requests_refused == 1);
	printf("job 3: after munmap, the copy faults at %#llx (page request refused)\n",
	       (unsigned long long)fault_va);

	sva_swiommu_get_stats(sva_embed_swiommu(emb), &st);
	CHECK(st.prq_requests == NPAGES + 1);
	CHECK(st.prq_responses[SVA_PAGE_RESP_SUCCESS] == NPAGES);
	CHECK(st.prq_responses[SVA_PAGE_RESP_INVALID] == 1);
	printf("IOMMU: %llu ATS requests, %llu walks, %llu page requests; device TLB %u hits / %u "
	       "misses, %u entries dropped by %u notifications\n",
	       (unsigned long long)st.ats_requests, (unsigned long long)st.walks,
	       (unsigned long long)st.prq_requests, e.hits, e.misses, e.dropped, e.notified);

	CHECK(sva_embed_destroy(emb) == 0); /* no report: a clean teardown */
	pthread_mutex_destroy(&g.lock);
	free(g.mem);
	printf("embed_device_model: ok\n");
	return 0;
}

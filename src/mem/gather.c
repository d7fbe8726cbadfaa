/* SPDX-License-Identifier: MIT */
/*
 * The gather (the kernel's mmu_gather): pages waiting for an invalidation before they are freed.
 *
 * Rules:
 *  - A gathered page's reference belongs to the gather: the one the page-table entry held for a
 *    data page, the one its parent entry held for a table page. sva_tlb_finish() drops them.
 *  - The gather never allocates: it holds SVA_TLB_BATCH pages, and when the batch is full it
 *    calls the owner's flush *before* adding, so the pages already gathered are invalidated and
 *    dropped first. The owner's flush invalidates [start, end) in every cache that may hold a
 *    translation through those pages (TLB, IOTLB, ATC, walk caches), then calls sva_tlb_finish().
 *    A NULL flush means no cache exists: the gather finishes at once.
 *  - The range is [start, end); start = UINT64_MAX, end = 0 when empty.
 *  - A gather belongs to one actor (it lives on its stack): no lock.
 */
#include <stdint.h>

#include "phys.h"

static void sva_tlb_range_reset(struct sva_mmu_gather *tlb)
{
	tlb->start = UINT64_MAX;
	tlb->end = 0;
}

void sva_tlb_gather_init(struct sva_mmu_gather *tlb, struct sva_phys *phys,
			 void (*flush)(struct sva_mmu_gather *tlb, void *ctx), void *ctx)
{
	tlb->phys = phys;
	tlb->flush = flush;
	tlb->ctx = ctx;
	tlb->npages = 0;
	sva_tlb_range_reset(tlb);
}

/* Have the owner invalidate and finish; a flush that did not finish is reported and finished. */
static void sva_tlb_flush(struct sva_mmu_gather *tlb)
{
	if (!tlb->flush) {
		sva_tlb_finish(tlb);
		return;
	}
	tlb->flush(tlb, tlb->ctx);
	/* POR: the flush had scheduling points; a zap goes on in this step, with its tables */
	sva_phys_touch(tlb->phys);
	if (tlb->npages || tlb->start < tlb->end) {
		sva_report(tlb->phys->w, SVA_REPORT_BAD_USAGE,
			   "mmu_gather flush returned without sva_tlb_finish (%zu pages)",
			   tlb->npages);
		sva_tlb_finish(tlb);
	}
}

void sva_tlb_gather_range(struct sva_mmu_gather *tlb, uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	if (start < tlb->start)
		tlb->start = start;
	if (end > tlb->end)
		tlb->end = end;
}

void sva_tlb_gather_page(struct sva_mmu_gather *tlb, struct sva_page *page, uint64_t start,
			 uint64_t end)
{
	if (tlb->npages == SVA_TLB_BATCH)
		sva_tlb_flush(tlb);
	tlb->pages[tlb->npages++] = page;
	sva_tlb_gather_range(tlb, start, end);
}

void sva_tlb_finish(struct sva_mmu_gather *tlb)
{
	size_t n = tlb->npages;

	tlb->npages = 0;
	sva_tlb_range_reset(tlb);
	for (size_t i = 0; i < n; i++)
		sva_page_put(tlb->pages[i]);
}

void sva_tlb_gather_done(struct sva_mmu_gather *tlb)
{
	if (tlb->npages || tlb->start < tlb->end)
		sva_tlb_flush(tlb);
}

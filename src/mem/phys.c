/* SPDX-License-Identifier: MIT */
/*
 * Physical memory: an arena of 4 KiB frames per world, each with its struct sva_page.
 *
 * Layout: one sva_alloc'd object of type PHYS holds struct sva_phys, the pages[] array (indexed
 * by pfn), the free stack and the page-aligned frame data (see phys.h), so a world destroyed
 * after an abandoned run frees an arena left behind with everything else.
 *
 * Rules:
 *  - pfn 0 is reserved (SVA_PAGE_RESERVED, refcount 0, never on the free stack), so a page-table
 *    entry of 0 maps nothing.
 *  - A frame's refcount is a C11 atomic, not a refcount_t: taking and dropping a page reference
 *    is not a scheduling point in sim (it is a CPU instruction, not a lock). Whoever holds a
 *    reference owns a share of the frame: a present page-table entry holds one, a gather holds
 *    the one the entry held until its flush is done (pgtable.c, gather.c).
 *  - A frame is free iff its refcount is 0 (pfn 0 excepted): on the free stack once it has been
 *    used, above @fresh before. get or put of a frame at 0 is reported (SVA_REPORT_REFCOUNT)
 *    and changes nothing, so misuse cannot corrupt the free stack.
 *  - Handing out prefers the free stack (the most recently freed frame), then the lowest fresh
 *    pfn: from a fresh arena, frames come in pfn order.
 *  - @lock (a spinlock: a scheduling point in sim) protects the free stack, @fresh and @nfree;
 *    nothing else is done under it. A reused frame is zeroed by the allocator after the pop,
 *    outside the lock; a fresh one is still calloc's zero.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "../base/sanitizers.h"
#include "phys.h"

SVA_OBJ_CLASS(phys);

/* pfns must fit the entry's pfn field. */
#define SVA_PHYS_MAX_FRAMES  (SVA_PTE_PFN_MASK >> SVA_PAGE_SHIFT)
#define SVA_PAGE_VALID_FLAGS (SVA_PAGE_ANON | SVA_PAGE_TABLE)

/* Bytes of the arena object, with slack to align the data; 0 when it does not fit a size_t. */
static size_t sva_phys_size(size_t nframes, size_t *stack_off, size_t *data_off)
{
	size_t per_frame = sizeof(struct sva_page) + sizeof(uint64_t) + SVA_PAGE_SIZE;
	size_t fixed = sizeof(struct sva_phys) + SVA_PAGE_SIZE;

	if (nframes > (SIZE_MAX - fixed) / per_frame)
		return 0;
	*stack_off = sizeof(struct sva_phys) + nframes * sizeof(struct sva_page);
	*data_off = *stack_off + nframes * sizeof(uint64_t);
	return fixed + nframes * per_frame;
}

/* struct sva_page of @pfn, its pfn set on first use (idempotent: racing callers agree). */
static struct sva_page *sva_phys_page(struct sva_phys *phys, uint64_t pfn)
{
	struct sva_page *page = &phys->pages[pfn];

	if (atomic_load_explicit(&page->pfn, memory_order_relaxed) != pfn)
		atomic_store_explicit(&page->pfn, pfn, memory_order_relaxed);
	return page;
}

int sva_phys_create(struct sva_world *w, size_t nframes, struct sva_phys **out)
{
	size_t stack_off, data_off, size;
	struct sva_phys *phys;
	uintptr_t data;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!w || nframes < 2 || nframes > SVA_PHYS_MAX_FRAMES)
		return -EINVAL;
	size = sva_phys_size(nframes, &stack_off, &data_off);
	if (!size)
		return -ENOMEM;
	phys = sva_alloc(w, &sva_obj_phys, size);
	if (!phys)
		return -ENOMEM;
	phys->w = w;
	phys->por_id = sva_por_object(w);
	phys->nframes = nframes;
	phys->free_stack = (uint64_t *)(void *)((char *)phys + stack_off);
	data = ((uintptr_t)phys + data_off + SVA_PAGE_SIZE - 1) & ~(uintptr_t)(SVA_PAGE_SIZE - 1);
	phys->data = (unsigned char *)data;
	phys->fresh = 1;
	atomic_init(&phys->nfree, nframes - 1);
	atomic_init(&phys->pages[0].flags, SVA_PAGE_RESERVED);
	sva_spin_lock_init(w, &phys->lock, "phys");
	*out = phys;
	return 0;
}

/* Frames with a reference, and how many of them are page tables (for the leak report). */
static size_t sva_phys_count_used(struct sva_phys *phys, size_t *tables)
{
	size_t used = 0;

	*tables = 0;
	for (size_t pfn = 1; pfn < phys->fresh; pfn++) {
		struct sva_page *page = &phys->pages[pfn];

		if (atomic_load(&page->refcount) <= 0)
			continue;
		used++;
		if (atomic_load(&page->flags) & SVA_PAGE_TABLE)
			(*tables)++;
	}
	return used;
}

void sva_phys_destroy(struct sva_phys *phys)
{
	size_t used, tables;

	if (!phys)
		return;
	used = sva_phys_count_used(phys, &tables);
	if (used)
		sva_report(phys->w, SVA_REPORT_BAD_USAGE,
			   "phys arena destroyed with %zu frames still allocated (%zu page tables)",
			   used, tables);
	sva_spin_lock_destroy(&phys->lock);
	sva_free(phys->w, &sva_obj_phys, phys);
}

/* ---- the free stack ------------------------------------------------------------------- */

/* Take a free pfn, *@fresh telling whether it was never used; 0 when there is none. */
static uint64_t sva_phys_pop(struct sva_phys *phys, bool *fresh)
{
	uint64_t pfn = 0;
	size_t n;

	sva_spin_lock(&phys->lock);
	n = atomic_load_explicit(&phys->nfree, memory_order_relaxed);
	*fresh = !phys->nstack;
	if (phys->nstack)
		pfn = phys->free_stack[--phys->nstack];
	else if (phys->fresh < phys->nframes)
		pfn = phys->fresh++;
	if (pfn)
		atomic_store_explicit(&phys->nfree, n - 1, memory_order_relaxed);
	sva_spin_unlock(&phys->lock);
	return pfn;
}

static void sva_phys_push(struct sva_phys *phys, uint64_t pfn)
{
	size_t n;

	sva_spin_lock(&phys->lock);
	n = atomic_load_explicit(&phys->nfree, memory_order_relaxed);
	phys->free_stack[phys->nstack++] = pfn;
	atomic_store_explicit(&phys->nfree, n + 1, memory_order_relaxed);
	sva_spin_unlock(&phys->lock);
}

/* ---- frames --------------------------------------------------------------------------- */

struct sva_page *sva_page_alloc(struct sva_phys *phys, unsigned flags)
{
	struct sva_page *page;
	bool fresh;
	uint64_t pfn = sva_phys_pop(phys, &fresh);

	sva_phys_touch(phys);
	if (!pfn)
		return NULL;
	page = sva_phys_page(phys, pfn);
	if (!fresh)
		memset(phys->data + pfn * SVA_PAGE_SIZE, 0, SVA_PAGE_SIZE);
	atomic_store_explicit(&page->flags, flags & SVA_PAGE_VALID_FLAGS, memory_order_relaxed);
	atomic_store_explicit(&page->refcount, 1, memory_order_release);
	return page;
}

static void sva_page_misuse(struct sva_page *page, const char *op)
{
	struct sva_phys *phys = sva_page_phys(page);

	sva_report(phys->w, SVA_REPORT_REFCOUNT, "page %s of %s pfn %llu", op,
		   page->pfn ? "free" : "reserved", (unsigned long long)page->pfn);
}

void sva_page_get(struct sva_page *page)
{
	long v = atomic_load_explicit(&page->refcount, memory_order_relaxed);

	sva_phys_touch(sva_page_phys(page));
	do {
		if (v <= 0) {
			sva_page_misuse(page, "get");
			return;
		}
	} while (!atomic_compare_exchange_weak_explicit(
		&page->refcount, &v, v + 1, memory_order_relaxed, memory_order_relaxed));
}

void sva_page_put(struct sva_page *page)
{
	long v = atomic_load_explicit(&page->refcount, memory_order_relaxed);

	sva_phys_touch(sva_page_phys(page));
	do {
		if (v <= 0) {
			sva_page_misuse(page, "put");
			return;
		}
	} while (!atomic_compare_exchange_weak_explicit(
		&page->refcount, &v, v - 1, memory_order_acq_rel, memory_order_relaxed));
	if (v > 1)
		return;
	atomic_store_explicit(&page->flags, 0, memory_order_relaxed);
	sva_phys_push(sva_page_phys(page), page->pfn);
}

long sva_page_count(struct sva_page *page)
{
	sva_phys_touch(sva_page_phys(page));
	return atomic_load_explicit(&page->refcount, memory_order_acquire);
}

#ifdef SVA_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
#endif

void sva_frame_copy(void *dst, const void *src, size_t n)
{
#ifdef SVA_TSAN
	AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
	AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
#endif
	memcpy(dst, src, n);
#ifdef SVA_TSAN
	AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
	AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
}

void *sva_page_address(struct sva_page *page)
{
	sva_phys_touch(sva_page_phys(page));
	return sva_page_phys(page)->data + page->pfn * SVA_PAGE_SIZE;
}

struct sva_page *sva_pfn_to_page(struct sva_phys *phys, uint64_t pfn)
{
	sva_phys_touch(phys);
	if (pfn >= phys->nframes)
		return NULL;
	return sva_phys_page(phys, pfn);
}

size_t sva_phys_free_frames(struct sva_phys *phys)
{
	return atomic_load_explicit(&phys->nfree, memory_order_relaxed);
}

size_t sva_phys_total_frames(struct sva_phys *phys)
{
	return phys->nframes;
}

struct sva_world *sva_phys_world(struct sva_phys *phys)
{
	return phys->w;
}

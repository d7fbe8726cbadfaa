/* SPDX-License-Identifier: MIT */
/*
 * libsva physical memory: frames in a per-world arena, and 4-level page tables.
 *
 * Frames ("struct page") are 4 KiB, zeroed when allocated, refcounted; -ENOMEM when the arena is
 * exhausted. Page tables are x86-64-like: 4 levels of 512 entries, 48-bit virtual addresses,
 * 4 KiB pages; every entry is a 64-bit atomic, published with release stores, because the IOMMU
 * walks these tables from another actor while the mm changes them. Table pages come from the
 * same arena.
 *
 * Freeing is two-phase, as in the kernel's mmu_gather: zapping a range hands the data pages it
 * unmapped and the table pages it emptied to a gather; the caller invalidates every cache that
 * may hold them (mmu notifiers: IOTLB, ATC) and only then finishes the gather, which drops the
 * pages. A walker can therefore never see a reused page through a stale entry (reference §9.3).
 */
#ifndef SVA_MEM_H
#define SVA_MEM_H

#include <stdint.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif

#include "sva/api.h"
#include "sva/base.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): a world's frame arena.
 */
extern const struct sva_obj_class sva_obj_phys;

#define SVA_PAGE_SHIFT	  12
#define SVA_PAGE_SIZE	  (1ull << SVA_PAGE_SHIFT)
#define SVA_PAGE_MASK	  (~(SVA_PAGE_SIZE - 1))
#define SVA_VA_BITS	  48
/* User addresses are [0, SVA_TASK_SIZE): the lower half of the canonical space. */
#define SVA_TASK_SIZE	  (1ull << (SVA_VA_BITS - 1))
#define SVA_PT_LEVELS	  4
#define SVA_PT_ENTRIES	  512
/* Page sizes a leaf maps: 4 KiB (level 1), 2 MiB (level 2, PS), 1 GiB (level 3, PS). */
#define SVA_HUGE_2M_SHIFT 21
#define SVA_HUGE_1G_SHIFT 30

/* Page-table entry bits, x86-64-like, plus software bits. */
#define SVA_PTE_PRESENT	 (1ull << 0)
#define SVA_PTE_WRITE	 (1ull << 1)
#define SVA_PTE_USER	 (1ull << 2)
#define SVA_PTE_ACCESSED (1ull << 5)
#define SVA_PTE_DIRTY	 (1ull << 6)
#define SVA_PTE_PS	 (1ull << 7)  /* levels 3 and 2: a leaf of 1 GiB or 2 MiB (a huge page) */
#define SVA_PTE_COW	 (1ull << 9)  /* software: write-protected for copy-on-write */
#define SVA_PTE_SWAP	 (1ull << 10) /* software, not present: reclaimed, pfn field = swap slot */
#define SVA_PTE_NX	 (1ull << 63)
#define SVA_PTE_PFN_MASK 0x000ffffffffff000ull

static inline uint64_t sva_pte_pfn(uint64_t pte)
{
	return (pte & SVA_PTE_PFN_MASK) >> SVA_PAGE_SHIFT;
}

static inline uint64_t sva_pte_make(uint64_t pfn, uint64_t flags)
{
	return (pfn << SVA_PAGE_SHIFT) | flags;
}

/* ---- frames ---------------------------------------------------------------------------- */

struct sva_phys;

enum {
	SVA_PAGE_ANON = 1u << 0,     /* anonymous memory (reclaimable) */
	SVA_PAGE_TABLE = 1u << 1,    /* a page-table page */
	SVA_PAGE_RESERVED = 1u << 2, /* pfn 0: never handed out, so an entry of 0 maps nothing */
};

/* private: a frame's state (sva_page_count(), sva_page_address()... read it) */
struct sva_page {
	SVA_ATOMIC(long) refcount;
	SVA_ATOMIC(uint64_t) pfn; /* set when the frame is first handed out or looked up */
	SVA_ATOMIC(unsigned) flags;
};

/* An arena of @nframes frames (pfn 0 reserved). 0, -EINVAL or -ENOMEM. */
int sva_phys_create(struct sva_world *w, size_t nframes, struct sva_phys **out);
/* Frees the arena; frames still allocated are reported as a leak (SVA_REPORT_BAD_USAGE). */
void sva_phys_destroy(struct sva_phys *phys);
/* A zeroed frame with refcount 1; NULL when the arena is exhausted. */
struct sva_page *sva_page_alloc(struct sva_phys *phys, unsigned flags);
void sva_page_get(struct sva_page *page);
/* Drop a reference; the frame returns to the arena at zero. Underflow is reported, not done. */
void sva_page_put(struct sva_page *page);
long sva_page_count(struct sva_page *page);
void *sva_page_address(struct sva_page *page);
/*
 * Copy @n bytes to or from frame data: memory the CPUs and the devices share. Use it for every
 * access to what a frame holds (not for its page-table entries). Under ThreadSanitizer the
 * copy is not watched: a device writing a completion record while the process polls it races
 * by C's rules, as real DMA does by design; the model's locks and atomics are checked as ever.
 */
void sva_frame_copy(void *dst, const void *src, size_t n);
/* The frame of @pfn, or NULL when it is outside the arena. */
struct sva_page *sva_pfn_to_page(struct sva_phys *phys, uint64_t pfn);
size_t sva_phys_free_frames(struct sva_phys *phys);
size_t sva_phys_total_frames(struct sva_phys *phys);
struct sva_world *sva_phys_world(struct sva_phys *phys);

/* ---- page tables ------------------------------------------------------------------------ */

/* A page-table entry: read and written with sva_pte_read() / sva_pte_write() only. */
typedef SVA_ATOMIC(uint64_t) sva_pte_t;

/* Fields read-only to users: the tables' pages belong to libsva. */
struct sva_pgtable {
	struct sva_phys *phys;
	struct sva_page *root; /* level-4 table (PML4) */
};

/*
 * Pages one gather holds before it must flush: a page of pointers, as the kernel's batch page
 * (MAX_GATHER_BATCH, (4096 - 16) / 8 on x86-64). The kernel chains more batch pages while it can
 * allocate them; the model never allocates, so it flushes as the kernel does when it cannot.
 * A munmap of up to 2 MiB is one invalidation, as in the kernel - not one per 64 pages, which
 * would hide an IOMMU's flush of the whole PASID above its threshold.
 */
#define SVA_TLB_BATCH 510

/*
 * Pages waiting for an invalidation before they may be freed (the kernel's mmu_gather). The
 * owner supplies @flush: invalidate [start, end) in every cache, then call sva_tlb_finish().
 * The gather calls it itself when its batch is full, so gathering never allocates.
 */
/* Every field private but @flush and @ctx, given to sva_tlb_gather_init(). */
struct sva_mmu_gather {
	struct sva_phys *phys;
	uint64_t start, end; /* range to invalidate: [start, end), empty when start >= end */
	void (*flush)(struct sva_mmu_gather *tlb, void *ctx);
	void *ctx;
	size_t npages;
	struct sva_page *pages[SVA_TLB_BATCH];
};

int sva_pgtable_init(struct sva_pgtable *pt, struct sva_phys *phys);
/* Free every table page; all leaf entries must already be zapped (reported otherwise). */
void sva_pgtable_destroy(struct sva_pgtable *pt);

#ifdef __cplusplus /* a plain uint64_t there: the same 64-bit atomics, as GCC builtins */
static inline uint64_t sva_pte_read(sva_pte_t *e)
{
	return __atomic_load_n(e, __ATOMIC_ACQUIRE);
}

static inline void sva_pte_write(sva_pte_t *e, uint64_t v)
{
	__atomic_store_n(e, v, __ATOMIC_RELEASE);
}
#else
static inline uint64_t sva_pte_read(sva_pte_t *e)
{
	return atomic_load_explicit(e, memory_order_acquire);
}

static inline void sva_pte_write(sva_pte_t *e, uint64_t v)
{
	atomic_store_explicit(e, v, memory_order_release);
}
#endif

/*
 * The leaf entry of @va. With @alloc, missing intermediate tables are allocated (NULL and
 * *@err = -ENOMEM when the arena is exhausted); without, NULL and -ENOENT when a level is absent.
 * @va >= SVA_TASK_SIZE: NULL and -EFAULT. *@err is 0 on success; @err may be NULL.
 */
sva_pte_t *sva_pgtable_walk(struct sva_pgtable *pt, uint64_t va, bool alloc, int *err);

/*
 * What hardware sees: the leaf value of @va (0 when a level is absent), setting ACCESSED (and
 * DIRTY when @write and the entry is present and writable) atomically, as an MMU or IOMMU does.
 */
uint64_t sva_pgtable_hw_walk(struct sva_pgtable *pt, uint64_t va, bool write);
/*
 * The same walk, huge-page aware: a PS entry at level 3 or 2 is a leaf of 1 GiB or 2 MiB.
 * Returns the leaf (its W and U bits cleared unless every level has them, NX set if any level
 * has it, as x86-64 combines them) and *@shift, the log2 of the page it maps (12, 21 or 30).
 * The pfn of a huge leaf is its first frame (the PAT bit 12 and reserved bits masked off).
 */
uint64_t sva_pgtable_hw_walk_leaf(struct sva_pgtable *pt, uint64_t va, bool write, unsigned *shift);

/*
 * Page tables in memory that is not the arena's: a device model's guest memory, a process's
 * memory through /proc/PID/mem. A table is named by its physical address (4 KiB aligned).
 *  - @table: a host pointer to the 512 entries at @pa, or NULL when the memory has none (or
 *    @table itself is NULL); then @read is used, one entry at a time.
 *  - @read: the 64-bit entry at @pa; 0 or a negative errno (the walk then sees "not present").
 *  - @cmpxchg: replace the entry at @pa by @val if it still holds @old (0, -EAGAIN when it
 *    changed): how the walker sets ACCESSED / DIRTY when it has no host pointer. NULL: the
 *    walker sets no A/D bit through @read memory.
 * Entries read through a host pointer are read and updated with 64-bit atomics, as hardware does.
 */
struct sva_pt_mem {
	sva_pte_t *(*table)(void *ctx, uint64_t pa);
	int (*read)(void *ctx, uint64_t pa, uint64_t *val);
	int (*cmpxchg)(void *ctx, uint64_t pa, uint64_t old, uint64_t val);
	void *ctx;
};

/*
 * sva_pgtable_hw_walk_leaf() for the tables rooted at @root_pa in @mem: x86-64 4-level, as a
 * VT-d scalable-mode first-stage table (or a CPU's CR3). 0 when not present.
 */
uint64_t sva_pgtable_hw_walk_mem(const struct sva_pt_mem *mem, uint64_t root_pa, uint64_t va,
				 bool write, unsigned *shift);

/*
 * The leaf entry of @va as it is now, 0 when a level is absent: a read-only walk that changes
 * nothing, takes no lock and makes no scheduling point (the invariant checker's query).
 */
uint64_t sva_pgtable_query(struct sva_pgtable *pt, uint64_t va);

/*
 * Clear every leaf entry in [start, end) (page-aligned). Present entries' pages and the table
 * pages that became empty go to @tlb, whose range grows to cover them; swap entries are returned
 * through @swap_free(ctx, slot) when it is given. A freed table adds the part of [start, end) it
 * translates, as the kernel's pte_free_tlb(): invalidating [start, end) must drop every cached
 * entry, of any level, used to translate an address in the range.
 */
void sva_pgtable_zap_range(struct sva_pgtable *pt, uint64_t start, uint64_t end,
			   struct sva_mmu_gather *tlb, void (*swap_free)(void *ctx, uint64_t slot),
			   void *ctx);

/*
 * Apply @set / @clear to the flags of every present leaf entry in [start, end); the range whose
 * entries changed is added to @tlb (nothing is freed). Returns the number of entries changed.
 */
size_t sva_pgtable_protect(struct sva_pgtable *pt, uint64_t start, uint64_t end, uint64_t set,
			   uint64_t clear, struct sva_mmu_gather *tlb);

/* @flush NULL: no cache to invalidate, the gather finishes itself when it would flush. */
void sva_tlb_gather_init(struct sva_mmu_gather *tlb, struct sva_phys *phys,
			 void (*flush)(struct sva_mmu_gather *tlb, void *ctx), void *ctx);
/* Queue @page (its reference is dropped at finish) and cover [start, end); may flush. */
void sva_tlb_gather_page(struct sva_mmu_gather *tlb, struct sva_page *page, uint64_t start,
			 uint64_t end);
void sva_tlb_gather_range(struct sva_mmu_gather *tlb, uint64_t start, uint64_t end);
/* After the owner invalidated [tlb->start, tlb->end): drop the pages, empty the range. */
void sva_tlb_finish(struct sva_mmu_gather *tlb);
/* The end of an operation: call @flush if anything is gathered or a range is pending. */
void sva_tlb_gather_done(struct sva_mmu_gather *tlb);

SVA_END_DECLS

#endif /* SVA_MEM_H */

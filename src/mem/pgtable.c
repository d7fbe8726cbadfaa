/* SPDX-License-Identifier: MIT */
/*
 * Page tables: 4 levels of 512 entries (PML4, PDPT, PD, PT), 48-bit virtual addresses, 4 KiB
 * pages, as x86-64. Level 4 is the root, level 1 holds the leaves. The hardware walkers also
 * understand huge leaves (PS at level 3: 1 GiB, at level 2: 2 MiB), which libsva's mm never
 * writes but tables a device model builds do, and walk tables outside the arena
 * (sva_pgtable_hw_walk_mem: a device model's guest memory, through its callbacks).
 *
 * Every table is a frame of the arena (SVA_PAGE_TABLE); its parent entry holds its reference.
 * Intermediate entries are PRESENT | WRITE | USER plus the table's pfn; leaf entries carry what
 * the caller wrote (a present entry holds a reference on its frame; a swap entry, SWAP and not
 * PRESENT, holds a swap slot in its pfn field).
 *
 * Concurrency:
 *  - Every entry is read and written with atomics (sva_pte_read/sva_pte_write, exchange,
 *    compare-exchange): hardware walkers (sva_pgtable_hw_walk(), the IOMMU) read the tables
 *    from other actors at any time, with no lock, and set ACCESSED/DIRTY on present leaves.
 *  - Changes to a range (walk with alloc and leaf writes, zap, protect) are serialised by the
 *    owner (the mm's page-table lock); two walks with alloc may still race to install the same
 *    table: the installer publishes with a compare-exchange and the loser frees its page.
 *  - A table is unlinked only by zap, when the zap leaves it empty, and is handed to the gather:
 *    it is freed after the owner invalidated every cache, so a walker that read the old parent
 *    entry never reads a reused frame (reference §9.3). The root is never freed before destroy.
 *  - No scheduling point here: in sim, a walk or a zap is one step; callers add points.
 */
#include <errno.h>
#include <stdint.h>

#include "phys.h"

#define SVA_PT_INDEX_BITS	 9
#define SVA_PT_TABLE_FLAGS	 (SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER)
/* Bits protect may change: not the pfn, not what makes an entry present or a swap entry. */
#define SVA_PT_PROTECT_FORBIDDEN (SVA_PTE_PFN_MASK | SVA_PTE_PRESENT | SVA_PTE_SWAP)

_Static_assert(SVA_PT_ENTRIES == 1 << SVA_PT_INDEX_BITS, "a table is 512 entries");
_Static_assert(SVA_PT_ENTRIES * sizeof(sva_pte_t) == SVA_PAGE_SIZE, "a table is one frame");

/* The lowest address bit translated by an entry of @level: an entry maps 1 << shift bytes. */
static inline unsigned sva_pt_shift(int level)
{
	return SVA_PAGE_SHIFT + SVA_PT_INDEX_BITS * (unsigned)(level - 1);
}

static inline unsigned sva_pt_index(uint64_t va, int level)
{
	return (unsigned)(va >> sva_pt_shift(level)) & (SVA_PT_ENTRIES - 1);
}

/* The top table, or NULL once the tables were destroyed (exit_mmap): nothing to walk. */
static inline sva_pte_t *sva_pt_root(struct sva_pgtable *pt)
{
	sva_phys_touch(pt->phys); /* POR: @root too is the arena's (destroy clears it) */
	/* sva_page_address() inline: every walk starts here */
	return pt->root ? (sva_pte_t *)(void *)(sva_page_phys(pt->root)->data +
						pt->root->pfn * SVA_PAGE_SIZE)
			: NULL;
}

/* The table an intermediate entry @v (present) points to; NULL (reported) if it is corrupt. */
static sva_pte_t *sva_pt_table_of(struct sva_pgtable *pt, uint64_t v)
{
	sva_pte_t *t = sva_phys_pfn_address(pt->phys, sva_pte_pfn(v));

	if (!t)
		sva_report(pt->phys->w, SVA_REPORT_BAD_USAGE,
			   "page-table entry %#llx points outside the arena",
			   (unsigned long long)v);
	return t;
}

int sva_pgtable_init(struct sva_pgtable *pt, struct sva_phys *phys)
{
	pt->phys = phys;
	pt->root = sva_page_alloc(phys, SVA_PAGE_TABLE);
	return pt->root ? 0 : -ENOMEM;
}

/* ---- walks ---------------------------------------------------------------------------- */

/* Install a zeroed table in the empty intermediate entry @e, or use the one a racer installed. */
static sva_pte_t *sva_pt_install(struct sva_pgtable *pt, sva_pte_t *e, int *err)
{
	struct sva_page *page = sva_page_alloc(pt->phys, SVA_PAGE_TABLE);
	uint64_t old = 0;

	if (!page) {
		*err = -ENOMEM;
		return NULL;
	}
	/* Release: the zeroed table is visible before the entry that points to it. */
	if (atomic_compare_exchange_strong_explicit(e, &old,
						    sva_pte_make(page->pfn, SVA_PT_TABLE_FLAGS),
						    memory_order_acq_rel, memory_order_acquire))
		return sva_page_address(page);
	sva_page_put(page);
	if (old & SVA_PTE_PRESENT)
		return sva_pt_table_of(pt, old);
	*err = -EFAULT;
	return NULL;
}

/* The table below intermediate entry @e; NULL and *@err when absent (or out of frames). */
static sva_pte_t *sva_pt_next(struct sva_pgtable *pt, sva_pte_t *e, bool alloc, int *err)
{
	uint64_t v = sva_pte_read(e);
	sva_pte_t *t;

	if (v & SVA_PTE_PRESENT) {
		t = sva_pt_table_of(pt, v);
		if (!t)
			*err = -EFAULT;
		return t;
	}
	if (v) {
		sva_report(pt->phys->w, SVA_REPORT_BAD_USAGE,
			   "intermediate page-table entry %#llx is not a table",
			   (unsigned long long)v);
		*err = -EFAULT;
		return NULL;
	}
	if (!alloc) {
		*err = -ENOENT;
		return NULL;
	}
	return sva_pt_install(pt, e, err);
}

sva_pte_t *sva_pgtable_walk(struct sva_pgtable *pt, uint64_t va, bool alloc, int *err)
{
	sva_pte_t *table = NULL;
	int ret = -EFAULT;

	if (va < SVA_TASK_SIZE) {
		table = sva_pt_root(pt);
		ret = table ? 0 : -ENOENT;
		for (int level = SVA_PT_LEVELS; table && level > 1; level--)
			table = sva_pt_next(pt, &table[sva_pt_index(va, level)], alloc, &ret);
	}
	if (err)
		*err = ret;
	return table ? &table[sva_pt_index(va, 1)] : NULL;
}

/* Hardware's access to a leaf: set ACCESSED (and DIRTY) on it only while it is present. */
static uint64_t sva_pt_hw_touch(sva_pte_t *e, bool write)
{
	uint64_t v = sva_pte_read(e);

	while (v & SVA_PTE_PRESENT) {
		uint64_t bits = SVA_PTE_ACCESSED;

		if (write && (v & SVA_PTE_WRITE))
			bits |= SVA_PTE_DIRTY;
		if ((v & bits) == bits)
			return v;
		if (atomic_compare_exchange_weak_explicit(e, &v, v | bits, memory_order_acq_rel,
							  memory_order_acquire))
			return v | bits;
	}
	return v;
}

/*
 * A leaf's permissions as the levels above combine them (x86-64): W and U only if every level
 * has them, NX if any level has it. @acc is what the levels above allow (W, U) and forbid (NX).
 */
static inline uint64_t sva_pt_combine(uint64_t leaf, uint64_t acc)
{
	return (leaf & ~(SVA_PTE_WRITE | SVA_PTE_USER)) |
	       (leaf & acc & (SVA_PTE_WRITE | SVA_PTE_USER)) | (acc & SVA_PTE_NX);
}

/* What an intermediate entry @v adds to @acc. */
static inline uint64_t sva_pt_accumulate(uint64_t acc, uint64_t v)
{
	return (acc & (v | SVA_PTE_NX)) | (v & SVA_PTE_NX);
}

#define SVA_PT_ACC_INIT (SVA_PTE_WRITE | SVA_PTE_USER)

/* A huge leaf's pfn field holds PAT at bit 12 and reserved bits below its alignment. */
static inline uint64_t sva_pt_huge_clean(uint64_t v, unsigned shift)
{
	return v & ~(((1ull << shift) - 1) & SVA_PTE_PFN_MASK);
}

uint64_t sva_pgtable_hw_walk_leaf(struct sva_pgtable *pt, uint64_t va, bool write, unsigned *shift)
{
	uint64_t acc = SVA_PT_ACC_INIT;
	sva_pte_t *table;

	*shift = SVA_PAGE_SHIFT;
	if (va >= SVA_TASK_SIZE)
		return 0;
	table = sva_pt_root(pt);
	if (!table)
		return 0;
	for (int level = SVA_PT_LEVELS; level > 1; level--) {
		sva_pte_t *e = &table[sva_pt_index(va, level)];
		uint64_t v = sva_pte_read(e);

		if (!(v & SVA_PTE_PRESENT))
			return 0;
		if ((v & SVA_PTE_PS) && level <= 3) {
			*shift = sva_pt_shift(level);
			return sva_pt_huge_clean(sva_pt_combine(sva_pt_hw_touch(e, write), acc),
						 *shift);
		}
		acc = sva_pt_accumulate(acc, v);
		table = sva_pt_table_of(pt, v);
		if (!table)
			return 0;
	}
	return sva_pt_combine(sva_pt_hw_touch(&table[sva_pt_index(va, 1)], write), acc);
}

uint64_t sva_pgtable_hw_walk(struct sva_pgtable *pt, uint64_t va, bool write)
{
	unsigned shift;

	return sva_pgtable_hw_walk_leaf(pt, va, write, &shift);
}

/* ---- walks of tables in someone else's memory ------------------------------------------- */

/* The entry at @pa: through the host pointer @t when there is one, else @mem->read. */
static uint64_t sva_pt_mem_read(const struct sva_pt_mem *mem, sva_pte_t *t, uint64_t pa)
{
	uint64_t v = 0;

	if (t)
		return sva_pte_read(t);
	return mem->read && mem->read(mem->ctx, pa, &v) == 0 ? v : 0;
}

/* sva_pt_hw_touch() on an entry of @mem: atomically on a host pointer, else by @mem->cmpxchg. */
static uint64_t sva_pt_mem_touch(const struct sva_pt_mem *mem, sva_pte_t *t, uint64_t pa,
				 uint64_t v, bool write)
{
	if (t)
		return sva_pt_hw_touch(t, write);
	for (int tries = 0; (v & SVA_PTE_PRESENT) && mem->cmpxchg && tries < 64; tries++) {
		uint64_t bits = SVA_PTE_ACCESSED;

		if (write && (v & SVA_PTE_WRITE))
			bits |= SVA_PTE_DIRTY;
		if ((v & bits) == bits || mem->cmpxchg(mem->ctx, pa, v, v | bits) == 0)
			return v | bits;
		v = sva_pt_mem_read(mem, NULL, pa); /* it changed: judge what is there now */
	}
	return v;
}

/*
 * The leaf entry mapping @va in the tables at @root_pa of @mem, combined with the permissions
 * of the levels above (0: not mapped), and its level's page shift in *@shift; with @touch,
 * accessed (and dirty for @write) are set in it as the hardware's walk sets them.
 */
static uint64_t sva_pt_mem_leaf(const struct sva_pt_mem *mem, uint64_t root_pa, uint64_t va,
				bool touch, bool write, unsigned *shift)
{
	uint64_t acc = SVA_PT_ACC_INIT, table = root_pa & SVA_PTE_PFN_MASK;

	*shift = SVA_PAGE_SHIFT;
	if (va >= SVA_TASK_SIZE)
		return 0;
	for (int level = SVA_PT_LEVELS; level >= 1; level--) {
		sva_pte_t *base = mem->table ? mem->table(mem->ctx, table) : NULL;
		unsigned i = sva_pt_index(va, level);
		uint64_t pa = table + (uint64_t)i * sizeof(sva_pte_t);
		sva_pte_t *t = base ? &base[i] : NULL;
		uint64_t v = sva_pt_mem_read(mem, t, pa);

		if (!(v & SVA_PTE_PRESENT))
			return 0;
		if (level == 1 || ((v & SVA_PTE_PS) && level <= 3)) {
			*shift = sva_pt_shift(level);
			if (touch)
				v = sva_pt_mem_touch(mem, t, pa, v, write);
			v = sva_pt_combine(v, acc);
			return level == 1 ? v : sva_pt_huge_clean(v, *shift);
		}
		acc = sva_pt_accumulate(acc, v);
		table = v & SVA_PTE_PFN_MASK;
	}
	return 0;
}

uint64_t sva_pgtable_hw_walk_mem(const struct sva_pt_mem *mem, uint64_t root_pa, uint64_t va,
				 bool write, unsigned *shift)
{
	return sva_pt_mem_leaf(mem, root_pa, va, true, write, shift);
}

uint64_t sva_pgtable_query_mem(const struct sva_pt_mem *mem, uint64_t root_pa, uint64_t va)
{
	unsigned shift;
	uint64_t v = sva_pt_mem_leaf(mem, root_pa, va, false, false, &shift);

	if (!v || shift == SVA_PAGE_SHIFT)
		return v;
	/* a huge page, as the 4 KiB entry of va's page */
	return (v & ~SVA_PTE_PS) + (va & ((1ull << shift) - 1) & SVA_PAGE_MASK);
}

uint64_t sva_pgtable_query(struct sva_pgtable *pt, uint64_t va)
{
	sva_pte_t *table = va < SVA_TASK_SIZE ? sva_pt_root(pt) : NULL;

	for (int level = SVA_PT_LEVELS; table && level > 1; level--) {
		uint64_t v = sva_pte_read(&table[sva_pt_index(va, level)]);

		table = v & SVA_PTE_PRESENT ? sva_pt_table_of(pt, v) : NULL;
	}
	return table ? sva_pte_read(&table[sva_pt_index(va, 1)]) : 0;
}

/* ---- range operations ----------------------------------------------------------------- */

/*
 * A visit of the entries translating [start, end): @leaf for every leaf entry slot in the range
 * (present or not), @table_done after the entries below a present intermediate entry were
 * visited (it may unlink the table).
 */
struct sva_pt_range_op {
	struct sva_pgtable *pt;
	uint64_t start, end;
	void (*leaf)(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t va);
	void (*table_done)(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t v, sva_pte_t *table,
			   int level, uint64_t va);
};

static void sva_pt_visit_table(struct sva_pt_range_op *op, sva_pte_t *table, int level,
			       uint64_t base);

static void sva_pt_visit_child(struct sva_pt_range_op *op, sva_pte_t *e, int level, uint64_t va)
{
	uint64_t v = sva_pte_read(e);
	sva_pte_t *child;

	if (!(v & SVA_PTE_PRESENT))
		return;
	child = sva_pt_table_of(op->pt, v);
	if (!child)
		return;
	sva_pt_visit_table(op, child, level - 1, va);
	if (op->table_done)
		op->table_done(op, e, v, child, level, va);
}

/* The entries of @table (of @level, translating from @base) that overlap [start, end). */
static void sva_pt_visit_table(struct sva_pt_range_op *op, sva_pte_t *table, int level,
			       uint64_t base)
{
	unsigned shift = sva_pt_shift(level);
	unsigned first = op->start > base ? (unsigned)((op->start - base) >> shift) : 0;
	uint64_t last = (op->end - 1 - base) >> shift;

	if (last >= SVA_PT_ENTRIES)
		last = SVA_PT_ENTRIES - 1;
	for (unsigned i = first; i <= last; i++) {
		uint64_t va = base + ((uint64_t)i << shift);

		if (level == 1)
			op->leaf(op, &table[i], va);
		else
			sva_pt_visit_child(op, &table[i], level, va);
	}
}

/* Page-align [start, end) outwards and clip it to user space; false when it is empty. */
static bool sva_pt_range_init(struct sva_pt_range_op *op, struct sva_pgtable *pt, uint64_t start,
			      uint64_t end)
{
	op->pt = pt;
	op->start = start & SVA_PAGE_MASK;
	op->end = end > SVA_TASK_SIZE ? SVA_TASK_SIZE : (end + SVA_PAGE_SIZE - 1) & SVA_PAGE_MASK;
	op->table_done = NULL;
	return pt->root && op->start < op->end;
}

static void sva_pt_range_run(struct sva_pt_range_op *op)
{
	sva_pt_visit_table(op, sva_pt_root(op->pt), SVA_PT_LEVELS, 0);
}

static bool sva_pt_table_empty(sva_pte_t *table)
{
	for (unsigned i = 0; i < SVA_PT_ENTRIES; i++)
		if (sva_pte_read(&table[i]))
			return false;
	return true;
}

/* ---- zap ------------------------------------------------------------------------------ */

struct sva_pt_zap {
	struct sva_pt_range_op op;
	struct sva_mmu_gather *tlb;
	void (*swap_free)(void *ctx, uint64_t slot);
	void *ctx;
};

static struct sva_pt_zap *sva_pt_zap_of(struct sva_pt_range_op *op)
{
	return (struct sva_pt_zap *)(void *)((char *)op - offsetof(struct sva_pt_zap, op));
}

/* The page a present leaf @v maps, or NULL (reported) when it maps none. */
static struct sva_page *sva_pt_leaf_page(struct sva_pgtable *pt, uint64_t v)
{
	uint64_t pfn = sva_pte_pfn(v);
	struct sva_page *page = pfn ? sva_pfn_to_page(pt->phys, pfn) : NULL;

	if (!page)
		sva_report(pt->phys->w, SVA_REPORT_BAD_USAGE,
			   "present page-table entry %#llx maps no frame of the arena",
			   (unsigned long long)v);
	return page;
}

static void sva_pt_zap_leaf(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t va)
{
	struct sva_pt_zap *z = sva_pt_zap_of(op);
	struct sva_page *page;
	uint64_t v;

	if (!sva_pte_read(e))
		return;
	/* Exchange: a walker setting ACCESSED/DIRTY now either lands before or fails. */
	v = atomic_exchange_explicit(e, 0, memory_order_acq_rel);
	if (v & SVA_PTE_PRESENT) {
		page = sva_pt_leaf_page(op->pt, v);
		if (page)
			sva_tlb_gather_page(z->tlb, page, va, va + SVA_PAGE_SIZE);
	} else if ((v & SVA_PTE_SWAP) && z->swap_free) {
		z->swap_free(z->ctx, sva_pte_pfn(v));
	}
}

/*
 * A table left empty is unlinked and gathered; the range grows by the part of the zapped range
 * it translates, so the flush drops the walk-cache entries that lead through it.
 */
static void sva_pt_zap_table_done(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t v,
				  sva_pte_t *table, int level, uint64_t va)
{
	struct sva_pt_zap *z = sva_pt_zap_of(op);
	uint64_t end = va + (1ull << sva_pt_shift(level));
	struct sva_page *page;

	if (!sva_pt_table_empty(table))
		return;
	page = sva_pfn_to_page(op->pt->phys, sva_pte_pfn(v));
	sva_pte_write(e, 0);
	sva_tlb_gather_page(z->tlb, page, va > op->start ? va : op->start,
			    end < op->end ? end : op->end);
}

void sva_pgtable_zap_range(struct sva_pgtable *pt, uint64_t start, uint64_t end,
			   struct sva_mmu_gather *tlb, void (*swap_free)(void *ctx, uint64_t slot),
			   void *ctx)
{
	struct sva_pt_zap z = { .tlb = tlb, .swap_free = swap_free, .ctx = ctx };

	if (!sva_pt_range_init(&z.op, pt, start, end))
		return;
	z.op.leaf = sva_pt_zap_leaf;
	z.op.table_done = sva_pt_zap_table_done;
	sva_pt_range_run(&z.op);
}

/* ---- protect -------------------------------------------------------------------------- */

struct sva_pt_protect {
	struct sva_pt_range_op op;
	struct sva_mmu_gather *tlb;
	uint64_t set, clear;
	size_t changed;
};

static void sva_pt_protect_leaf(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t va)
{
	struct sva_pt_protect *p =
		(struct sva_pt_protect *)(void *)((char *)op - offsetof(struct sva_pt_protect, op));
	uint64_t v = sva_pte_read(e);

	while (v & SVA_PTE_PRESENT) {
		uint64_t nv = (v & ~p->clear) | p->set;

		if (nv == v)
			return;
		/* A walker may set ACCESSED/DIRTY meanwhile: retry on what it wrote. */
		if (atomic_compare_exchange_weak_explicit(e, &v, nv, memory_order_acq_rel,
							  memory_order_acquire)) {
			p->changed++;
			sva_tlb_gather_range(p->tlb, va, va + SVA_PAGE_SIZE);
			return;
		}
	}
}

size_t sva_pgtable_protect(struct sva_pgtable *pt, uint64_t start, uint64_t end, uint64_t set,
			   uint64_t clear, struct sva_mmu_gather *tlb)
{
	struct sva_pt_protect p = { .tlb = tlb, .set = set, .clear = clear };

	if ((set | clear) & SVA_PT_PROTECT_FORBIDDEN) {
		sva_report(pt->phys->w, SVA_REPORT_BAD_USAGE,
			   "pgtable protect may not change pfn, PRESENT or SWAP (set %#llx clear "
			   "%#llx)",
			   (unsigned long long)set, (unsigned long long)clear);
		return 0;
	}
	if (!sva_pt_range_init(&p.op, pt, start, end))
		return 0;
	p.op.leaf = sva_pt_protect_leaf;
	sva_pt_range_run(&p.op);
	return p.changed;
}

/* ---- destroy -------------------------------------------------------------------------- */

struct sva_pt_teardown {
	struct sva_pt_range_op op;
	size_t present, swap;
};

static struct sva_pt_teardown *sva_pt_teardown_of(struct sva_pt_range_op *op)
{
	return (struct sva_pt_teardown *)(void *)((char *)op -
						  offsetof(struct sva_pt_teardown, op));
}

static void sva_pt_teardown_leaf(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t va)
{
	struct sva_pt_teardown *t = sva_pt_teardown_of(op);
	uint64_t v = sva_pte_read(e);
	struct sva_page *page;

	(void)va;
	if (v & SVA_PTE_PRESENT) {
		t->present++;
		page = sva_pt_leaf_page(op->pt, v);
		if (page)
			sva_page_put(page);
	} else if (v) {
		t->swap++;
	}
}

static void sva_pt_teardown_table(struct sva_pt_range_op *op, sva_pte_t *e, uint64_t v,
				  sva_pte_t *table, int level, uint64_t va)
{
	(void)table;
	(void)level;
	(void)va;
	sva_pte_write(e, 0);
	sva_page_put(sva_pfn_to_page(op->pt->phys, sva_pte_pfn(v)));
}

void sva_pgtable_destroy(struct sva_pgtable *pt)
{
	struct sva_pt_teardown t = { .present = 0 };

	if (!pt || !pt->root)
		return;
	sva_pt_range_init(&t.op, pt, 0, SVA_TASK_SIZE);
	t.op.leaf = sva_pt_teardown_leaf;
	t.op.table_done = sva_pt_teardown_table;
	sva_pt_range_run(&t.op);
	if (t.present || t.swap)
		sva_report(pt->phys->w, SVA_REPORT_BAD_USAGE,
			   "page table destroyed with %zu present and %zu swap entries left",
			   t.present, t.swap);
	sva_page_put(pt->root);
	pt->root = NULL;
}

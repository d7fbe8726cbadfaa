/* SPDX-License-Identifier: MIT */
/*
 * Translation: what the swiommu hardware does for a DMA request, an ATS translation request,
 * and the DMA helpers device models use.
 *
 * A request (device, PASID, address, access):
 *  1. PASID checks: the device has no PASID support (max_pasids 0), or the PASID is beyond it.
 *  2. The PASID entry (one atomic word: state and domain id): invalid, blocking (reported or
 *     silent), or translating.
 *  3. The IOTLB, keyed by (domain id, PASID, page): a hit that grants what the access needs
 *     ends here. Lock-free, no reference taken: the hit path reads no domain.
 *  4. Otherwise, inside a walk section (inflight.h; the DMA helpers' own DMA section covers
 *     their walks, which saves two atomic read-modify-writes; in native a bare walk's section
 *     is the lock of the IOTLB set its fill goes to, which saves them too): re-read the entry
 *     and its domain, refuse if the mm has been released (its table may be freed: never walk
 *     it), walk the page table as hardware does (accessed / dirty set atomically), fill the
 *     IOTLB if no invalidation ran meanwhile, and judge the access: not present, user request
 *     to a supervisor page, write to a read-only page, execute from a no-execute page.
 * A fault is logged with its reason (the kernel's dmesg) unless the entry is blocking-silent,
 * where it is only counted as silenced. Faults are never cached.
 *
 * The frame of a translation may be touched only inside a DMA section (sva_dma_begin/end):
 * an invalidation waits for the sections that began before it, then the mm frees the frame.
 * In sim, every translation, every walk and every page of the DMA helpers is a scheduling
 * point. In native the hit path is kept small and out of the slow path's way, and the DMA
 * helpers' own sections are walk sections of the in-flight counts (two atomics, not the
 * rw-semaphore's two mutex round trips), one over all the pages that translate at once; a DMA
 * run (sva_dma_run_*) is such a section in which a device model reaches frames directly, a page
 * not at hand left to the helpers (nothing logged or counted for it first).
 *
 * The DMA helpers of a PRI-capable device resolve NOT_PRESENT and WRITE faults with a page
 * request (pri.c): end the section, request, wait for the response, and on SUCCESS begin again
 * and translate again (bounded: SVA_PRI_RETRIES per page). Waiting inside a section would
 * deadlock: the fault handler's copy-on-write break invalidates, and waits for sections.
 *
 * Locks: none on the hit path; a walk takes an IOTLB set spinlock to fill (a native walk outside
 * a DMA section holds it for the whole walk, taking nothing under it); a fault takes the
 * fault log spinlock; ATS takes the ATC spinlock; a DMA section holds the device's dma
 * rw-semaphore for read. Nothing here sleeps except sva_dma_begin() and the DMA helpers (a
 * page request waits with no section held).
 */
#include <errno.h>
#include <string.h>

#include "../../mem/phys.h"
#include "internal.h"

/* A walker retrying a PASID entry caught between its two stores gives up after this. */
#define SVA_SW_ENTRY_RETRIES 1000000

/* How a translation is asked for. */
enum {
	SVA_SW_ATS = 1u << 0,	 /* a translation request: write permission if the page allows */
	SVA_SW_MISSED = 1u << 1, /* the caller already missed in the IOTLB: walk directly */
	SVA_SW_IN_SECTION = 1u << 2, /* inside a DMA section, which covers the walk too */
	SVA_SW_PROBE = 1u << 3,	     /* a DMA run's (native): a walk that faults or would ask an
					external mm's owner is not counted (the slow path does it) */
	SVA_SW_NAMED = 1u << 4,	     /* the caller (the DMA helpers) names what it goes on with */
};

struct sva_sw_tr {
	uint64_t pfn;
	unsigned perm; /* SVA_IOTLB_*, the size and memory flags included */
	enum sva_fault_reason reason;
	bool silent; /* blocked silently: counted, not logged */
	bool hit;
	bool external; /* the mm is external: nothing cached, pfn unused */
};

/* What an IOTLB entry must grant for @access. */
static unsigned sva_sw_need(unsigned access)
{
	unsigned need = SVA_IOTLB_R;

	if (access & SVA_ACCESS_WRITE)
		need |= SVA_IOTLB_W;
	if (access & SVA_ACCESS_EXEC)
		need |= SVA_IOTLB_X;
	if (!(access & SVA_ACCESS_PRIV))
		need |= SVA_IOTLB_U;
	return need;
}

static unsigned sva_sw_pte_perm(uint64_t pte)
{
	unsigned perm;

	if (!(pte & SVA_PTE_PRESENT))
		return 0;
	perm = SVA_IOTLB_R;
	if (pte & SVA_PTE_USER)
		perm |= SVA_IOTLB_U;
	if (pte & SVA_PTE_WRITE)
		perm |= SVA_IOTLB_WP | (pte & SVA_PTE_DIRTY ? SVA_IOTLB_W : 0);
	if (!(pte & SVA_PTE_NX))
		perm |= SVA_IOTLB_X;
	return perm;
}

static enum sva_fault_reason sva_sw_perm_check(unsigned perm, unsigned access)
{
	if (!(perm & SVA_IOTLB_R))
		return SVA_FAULT_NOT_PRESENT;
	if (!(access & SVA_ACCESS_PRIV) && !(perm & SVA_IOTLB_U))
		return SVA_FAULT_USER;
	if ((access & SVA_ACCESS_WRITE) && !(perm & SVA_IOTLB_WP))
		return SVA_FAULT_WRITE;
	if ((access & SVA_ACCESS_EXEC) && !(perm & SVA_IOTLB_X))
		return SVA_FAULT_EXEC;
	return SVA_FAULT_NONE;
}

/* The reason an entry in @state does not translate. */
static enum sva_fault_reason sva_sw_state_reason(enum sva_pasid_entry_state state, bool *silent)
{
	*silent = state == SVA_PASID_ENTRY_BLOCKING_SILENT;
	return state == SVA_PASID_ENTRY_INVALID ? SVA_FAULT_PASID_INVALID : SVA_FAULT_PASID_BLOCKED;
}

/* The translating domain of @e, consistent with its word; NULL when it no longer translates. */
static struct sva_sw_domain *sva_sw_entry_domain(struct sva_pasid_entry *e, struct sva_sw_tr *tr)
{
	for (long i = 0; i < SVA_SW_ENTRY_RETRIES; i++) {
		uint64_t word = atomic_load(&e->word); /* seq_cst: after walk_begin */
		enum sva_pasid_entry_state state = sva_pasid_word_state(word);
		struct sva_domain *d;

		if (state != SVA_PASID_ENTRY_TRANSLATING) {
			tr->reason = sva_sw_state_reason(state, &tr->silent);
			return NULL;
		}
		d = atomic_load(&e->domain);
		if (d && d->type != SVA_DOMAIN_BLOCKED && d->id == sva_pasid_word_did(word))
			return sva_sw_domain_of(d);
	}
	tr->reason = SVA_FAULT_PASID_INVALID;
	return NULL;
}

/*
 * The walk of an external mm (a real process's memory, sva/mm.h): asked of its owner, never
 * cached - libsva sees none of its page-table changes, so an IOTLB entry could not be
 * invalidated. Refused to ATS (no ATC entry for memory libsva does not own). Not present, not
 * mapped or not allowed is a fault the usual way (a page request when the device has PRI);
 * gone (its exit_mmap ran) is blocked silently, as after release.
 */
static void sva_sw_walk_external(struct sva_sw_domain *sd, uint64_t va, unsigned access,
				 unsigned flags, struct sva_sw_tr *tr)
{
	const struct sva_mm_external *x = sva_mm_external(sd->mm);
	bool write = access & SVA_ACCESS_WRITE;
	int r;

	if (flags & SVA_SW_ATS) {
		tr->reason = SVA_FAULT_NOT_PRESENT;
		return;
	}
	if (access & SVA_ACCESS_EXEC) {
		tr->reason = SVA_FAULT_EXEC;
		return;
	}
	r = x->present(x->ctx, va, write);
	if (r == 1) {
		tr->perm = SVA_IOTLB_R | SVA_IOTLB_U | (write ? SVA_IOTLB_W | SVA_IOTLB_WP : 0);
		tr->external = true;
	} else if (r == 0 || r == -EFAULT) {
		tr->reason = write && r == -EFAULT ? SVA_FAULT_WRITE : SVA_FAULT_NOT_PRESENT;
	} else {
		tr->reason = SVA_FAULT_PASID_BLOCKED;
		tr->silent = true;
	}
}

/*
 * A scheduling point of a translation (sim). In the DMA helpers every step from it names what
 * it touches, up to the access (sva_sched_point_named()); a caller of sva_translate() goes on
 * in the step after the point with state of its own that names nothing (a device model's
 * memory, say), so there the point stays bare and both steps "all".
 */
static void sva_sw_point(struct sva_sw_device *sdev, unsigned flags)
{
	if (flags & (SVA_SW_IN_SECTION | SVA_SW_NAMED))
		sva_sched_point_named(sdev->sw->w);
	else
		sva_sched_point(sdev->sw->w);
}

/*
 * The walk of an IOTLB miss, in a walk section its caller holds: re-read the entry's domain,
 * walk its page table, fill the IOTLB. With @set_locked the section is set @set's lock (see
 * sva_sw_walk()): then a walk that would call out of the library - an external mm's owner, an
 * embedder's table - is not done (false, nothing counted: the caller walks again in a counted
 * section). True once walked.
 */
static inline __attribute__((always_inline)) bool
sva_sw_walk_in(struct sva_sw_device *sdev, struct sva_pasid_entry *e,
	       const struct sva_iotlb_key *key, uint64_t va, unsigned access, unsigned flags,
	       bool set_locked, unsigned set, struct sva_sw_tr *tr)
{
	struct sva_iotlb *iotlb = sdev->iotlb;
	bool probe = flags & SVA_SW_PROBE;
	uint64_t gen = sva_iotlb_gen(iotlb); /* before the entry and the table are read */
	struct sva_sw_domain *sd = sva_sw_entry_domain(e, tr);
	bool write = (access & SVA_ACCESS_WRITE) || (flags & SVA_SW_ATS);
	bool released, external;
	unsigned shift;
	uint64_t pte;

	if (!sd) {
		if (!probe)
			sva_sw_count(&sdev->c.iotlb_misses);
		return true;
	}
	if (sdev->sim)
		sva_mutex_reads(&sd->lock);    /* @released is written under it */
	released = atomic_load(&sd->released); /* the mm is exiting: its table may be freed */
	external = !released && sd->mm && sva_mm_external(sd->mm);
	if (set_locked && !released && (external || !sd->pt))
		return false; /* not under a spinlock: callbacks */
	if (!probe)
		sva_sw_count(&sdev->c.iotlb_misses);
	if (released) {
		tr->reason = SVA_FAULT_PASID_BLOCKED;
		tr->silent = true;
		return true;
	}
	if (external) {
		if (probe) /* not at hand: the owner is asked once, by the slow path */
			tr->reason = SVA_FAULT_NOT_PRESENT;
		else
			sva_sw_walk_external(sd, va, access, flags, tr);
		return true;
	}
	if (sdev->sim) /* the walk reads memory another actor changes: the arena's, named */
		sva_sw_point(sdev, flags);
	if (sdev->sim && !sd->pt)
		sva_sched_shared(sdev->sw->w); /* an embedder's table: named by nothing */
	pte = sva_sw_walk_table(sd, va, write, &shift);
	tr->perm = sva_sw_pte_perm(pte);
	/* a huge page is cached in 4 KiB pieces, each knowing the size of its page */
	tr->pfn = sva_pte_pfn(pte) + ((va >> SVA_PAGE_SHIFT) & ((1ull << (shift - 12)) - 1));
	tr->reason = sva_sw_perm_check(tr->perm, access);
	if (!probe) {
		sva_sw_count(&sdev->c.walks);
	} else if (tr->reason == SVA_FAULT_NONE) {
		sva_sw_count(&sdev->c.iotlb_misses);
		sva_sw_count(&sdev->c.walks);
	}
	if (tr->perm)
		tr->perm |= sva_iotlb_size_flag(shift) | (sd->embedder ? SVA_IOTLB_EXT : 0);
	if (tr->perm && key->did == sd->dom.id) {
		if (set_locked)
			sva_iotlb_insert_locked(iotlb, set, key, tr->pfn, tr->perm, gen);
		else
			sva_iotlb_insert(iotlb, key, tr->pfn, tr->perm, gen);
	}
	return true;
}

/*
 * An IOTLB miss: walk the domain's page table, fill the IOTLB. The walk must be waited for by
 * invalidations: inside a DMA section it is (they wait for the section). Otherwise, in
 * native, it runs holding the lock of the IOTLB set its fill goes to: one atomic exchange for
 * the section and the fill together, where a section of the in-flight counters costs two
 * read-modify-writes more; sva_inflight_sync() waits for the sets held
 * (sva_iotlb_sync_walks()). The walk takes nothing under it (the arena's table is read with
 * atomics); one that would call out (an external mm, an embedder's table), and every walk in
 * sim, where the walk is a scheduling point, runs in a walk section of the counters instead.
 */
static inline __attribute__((always_inline)) void
sva_sw_walk_inline(struct sva_sw_device *sdev, struct sva_pasid_entry *e,
		   const struct sva_iotlb_key *key, uint64_t va, unsigned access, unsigned flags,
		   struct sva_sw_tr *tr)
{
	unsigned idx;

	if (flags & SVA_SW_IN_SECTION) {
		sva_sw_walk_in(sdev, e, key, va, access, flags, false, 0, tr);
		return;
	}
	if (!sdev->sim) {
		struct sva_iotlb *iotlb = sdev->iotlb;
		unsigned set = sva_iotlb_set_of(iotlb, key);
		bool walked;

		sva_spin_lock(&iotlb->lock[set]);
		walked = sva_sw_walk_in(sdev, e, key, va, access, flags, true, set, tr);
		sva_spin_unlock(&iotlb->lock[set]);
		if (walked)
			return;
		*tr = (struct sva_sw_tr){ .reason = SVA_FAULT_NONE };
	}
	idx = sva_inflight_walk_begin(&sdev->inflight);
	sva_sw_walk_in(sdev, e, key, va, access, flags, false, 0, tr);
	sva_inflight_walk_end(&sdev->inflight, idx);
}

/* The walk out of line, for every caller but a native sva_translate() miss (which inlines it). */
static __attribute__((noinline)) void
sva_sw_walk(struct sva_sw_device *sdev, struct sva_pasid_entry *e, const struct sva_iotlb_key *key,
	    uint64_t va, unsigned access, unsigned flags, struct sva_sw_tr *tr)
{
	sva_sw_walk_inline(sdev, e, key, va, access, flags, tr);
}

/* Whether a hit with @perm answers the request without a walk. */
static bool sva_sw_hit_usable(unsigned perm, unsigned access, bool ats)
{
	unsigned need = sva_sw_need(access);

	if ((perm & need) != need)
		return false;
	/* ATS asks for write permission when the page allows it: set dirty first */
	return !ats || (perm & SVA_IOTLB_W) || !(perm & SVA_IOTLB_WP);
}

static inline __attribute__((always_inline)) void sva_sw_translate(struct sva_sw_device *sdev,
								   uint32_t pasid, uint64_t va,
								   unsigned access, unsigned flags,
								   struct sva_sw_tr *tr)
{
	uint32_t max = sdev->table.max_pasids;
	struct sva_pasid_entry *e;
	struct sva_iotlb_result r;
	struct sva_iotlb_key key;
	uint64_t word;

	*tr = (struct sva_sw_tr){ .reason = SVA_FAULT_NONE };
	if (!max || pasid >= max) {
		tr->reason = max ? SVA_FAULT_PASID_RANGE : SVA_FAULT_NO_PASID_SUPPORT;
		return;
	}
	e = sva_pasid_table_entry(&sdev->table, pasid); /* names the table (POR) */
	word = sva_pasid_entry_word(e);
	if (sva_pasid_word_state(word) != SVA_PASID_ENTRY_TRANSLATING) {
		tr->reason = sva_sw_state_reason(sva_pasid_word_state(word), &tr->silent);
		return;
	}
	if (va >= SVA_TASK_SIZE) {
		tr->reason = SVA_FAULT_NOT_PRESENT;
		return;
	}
	key = (struct sva_iotlb_key){ .did = sva_pasid_word_did(word),
				      .pasid = pasid,
				      .vpn = va >> SVA_PAGE_SHIFT };
	if (!(flags & SVA_SW_MISSED) && sva_iotlb_lookup(sdev->iotlb, &key, &r) &&
	    sva_sw_hit_usable(r.perm, access, flags & SVA_SW_ATS)) {
		tr->pfn = r.pfn;
		tr->perm = r.perm;
		tr->hit = true;
		sva_sw_count(&sdev->c.iotlb_hits);
		return;
	}
	sva_sw_walk(sdev, e, &key, va, access, flags, tr);
}

static unsigned sva_sw_access_of(unsigned perm)
{
	return (perm & SVA_IOTLB_R ? SVA_ACCESS_READ : 0) |
	       (perm & SVA_IOTLB_WP ? SVA_ACCESS_WRITE : 0) |
	       (perm & SVA_IOTLB_X ? SVA_ACCESS_EXEC : 0);
}

/* @out from @tr: 0, or a fault logged (or counted) and -EFAULT. */
static inline __attribute__((always_inline)) int
sva_sw_translated(struct sva_sw_device *sdev, uint32_t pasid, uint64_t va, unsigned access,
		  const struct sva_sw_tr *t, struct sva_translation *out)
{
	struct sva_sw_tr tr = *t;

	out->iotlb_hit = tr.hit;
	out->reason = tr.reason;
	if (__builtin_expect(tr.reason != SVA_FAULT_NONE, 0)) {
		out->pfn = 0;
		out->perm = 0;
		out->embedder = false;
		out->external = false;
		out->page_shift = SVA_PAGE_SHIFT;
		sva_sw_fault(sdev, pasid, va, access, tr.reason, tr.silent);
		return -EFAULT;
	}
	out->pfn = tr.pfn;
	out->perm = sva_sw_access_of(tr.perm);
	out->embedder = tr.perm & SVA_IOTLB_EXT;
	out->page_shift = sva_iotlb_shift(tr.perm);
	out->external = tr.external;
	return 0;
}

/* Everything but a native IOTLB hit or miss: the scheduling point, a fault, sim. */
static __attribute__((noinline)) int sva_translate_slow(struct sva_sw_device *sdev, uint32_t pasid,
							uint64_t va, unsigned access,
							unsigned flags, struct sva_translation *out)
{
	struct sva_sw_tr tr;

	if (sdev->sim) /* what the translation reads, it names */
		sva_sw_point(sdev, flags);
	sva_sw_translate(sdev, pasid, va, access, flags, &tr);
	return sva_sw_translated(sdev, pasid, va, access, &tr, out);
}

/*
 * A native miss of a translating entry @e (the IOTLB looked up in vain for @key): straight to
 * the walk, as sva_translate_slow() would go with SVA_SW_MISSED once it had read the entry
 * again.
 */
static __attribute__((noinline)) int sva_translate_miss(struct sva_sw_device *sdev,
							struct sva_pasid_entry *e,
							const struct sva_iotlb_key *key,
							uint64_t va, unsigned access,
							unsigned flags, struct sva_translation *out)
{
	struct sva_sw_tr tr = { .reason = SVA_FAULT_NONE };

	sva_sw_walk_inline(sdev, e, key, va, access, flags, &tr); /* one call fewer a miss */
	return sva_sw_translated(sdev, key->pasid, va, access, &tr, out);
}

/* sva_translate(), with SVA_SW_IN_SECTION when the DMA helpers call it. */
static inline __attribute__((always_inline)) int
sva_sw_translate_dev(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		     unsigned flags, struct sva_translation *out)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);
	struct sva_iotlb_result r;
	bool missed;
	uint64_t word;

	/* the hit path, kept small: PASID entry, IOTLB set, done; a miss straight to the walk */
	if (__builtin_expect(!sdev->sim && pasid < sdev->table.max_pasids && va < SVA_TASK_SIZE,
			     1)) {
		struct sva_pasid_entry *e = sva_pasid_table_entry(&sdev->table, pasid);
		struct sva_iotlb_key key;

		word = sva_pasid_entry_word(e);
		missed = sva_pasid_word_state(word) == SVA_PASID_ENTRY_TRANSLATING;
		key = (struct sva_iotlb_key){ .did = sva_pasid_word_did(word),
					      .pasid = pasid,
					      .vpn = va >> SVA_PAGE_SHIFT };
		if (missed && !(sva_iotlb_lookup(sdev->iotlb, &key, &r) &&
				sva_sw_hit_usable(r.perm, access, false)))
			return sva_translate_miss(sdev, e, &key, va, access, flags, out);
		if (missed) {
			sva_sw_count(&sdev->c.iotlb_hits);
			*out = (struct sva_translation){ .pfn = r.pfn,
							 .perm = sva_sw_access_of(r.perm),
							 .reason = SVA_FAULT_NONE,
							 .iotlb_hit = true,
							 .embedder = r.perm & SVA_IOTLB_EXT,
							 .page_shift = sva_iotlb_shift(r.perm) };
			return 0;
		}
	}
	return sva_translate_slow(sdev, pasid, va, access, flags, out);
}

int sva_translate(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		  struct sva_translation *out)
{
	return sva_sw_translate_dev(dev, pasid, va, access, 0, out);
}

/* A translation of @iova with @perm (SVA_ACCESS_*) and @shift as an entry. */
static void sva_sw_entry(struct sva_tlb_entry *out, uint64_t iova, uint64_t pfn, unsigned shift,
			 unsigned perm, bool embedder)
{
	uint64_t mask = (1ull << shift) - 1;

	*out = (struct sva_tlb_entry){ .iova = iova & ~mask,
				       .translated_addr = (pfn << SVA_PAGE_SHIFT) & ~mask,
				       .addr_mask = mask,
				       .perm = perm,
				       .embedder = embedder };
}

int sva_translate_entry(struct sva_device *dev, uint32_t pasid, uint64_t iova, unsigned access,
			struct sva_tlb_entry *out, enum sva_fault_reason *reason)
{
	struct sva_translation t;
	int ret = sva_sw_translate_dev(dev, pasid, iova, access, 0, &t);

	if (reason)
		*reason = t.reason;
	if (ret) {
		sva_sw_entry(out, iova, 0, SVA_PAGE_SHIFT, 0, false);
		return ret;
	}
	/* W only for a write: the walk marked the page dirty then, not for a read */
	if (!(access & SVA_ACCESS_WRITE))
		t.perm &= ~(unsigned)SVA_ACCESS_WRITE;
	sva_sw_entry(out, iova, t.pfn, t.page_shift, t.perm, t.embedder);
	return 0;
}

void sva_dma_begin(struct sva_device *dev)
{
	sva_down_read(&sva_sw_device_of(dev)->inflight.dma);
}

void sva_dma_end(struct sva_device *dev)
{
	sva_up_read(&sva_sw_device_of(dev)->inflight.dma);
}

/*
 * The DMA helpers' own sections. Native: a walk section of the in-flight counts (one atomic
 * each way, where the rw-semaphore takes a mutex twice); sva_inflight_sync() waits for it as for
 * a walk, which it does before the DMA sections, so an invalidation still waits for every
 * access that began before it. Sim: sva_dma_begin() / sva_dma_end(), a scheduling point as ever.
 */
static unsigned sva_sw_dma_enter(struct sva_device *dev)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	if (sdev->sim) {
		sva_dma_begin(dev);
		return 0;
	}
	return sva_inflight_walk_begin(&sdev->inflight);
}

static void sva_sw_dma_exit(struct sva_device *dev, unsigned idx)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	if (sdev->sim)
		sva_dma_end(dev);
	else
		sva_inflight_walk_end(&sdev->inflight, idx);
}

/* ---- ATS ---- */

static bool sva_sw_pasid_level(enum sva_fault_reason reason)
{
	return reason == SVA_FAULT_NO_PASID_SUPPORT || reason == SVA_FAULT_PASID_RANGE ||
	       reason == SVA_FAULT_PASID_INVALID || reason == SVA_FAULT_PASID_BLOCKED;
}

/*
 * A translation request asks for everything the page allows (no-write hint clear): a writable
 * page is marked dirty and granted W. A page-level refusal is a completion with R = W = 0 and
 * is not logged (the device may then issue a page request); a PASID-level one is an error
 * (logged) unless the entry is blocking-silent, which completes with R = W = 0 silently.
 */
/*
 * A translation request; *@reason why it granted nothing (SVA_FAULT_NONE when it did).
 * @flags: SVA_SW_NAMED from the DMA helpers, whose steps name what they touch: then so do the
 * request's (the ATC's generation, the PASID table, the IOTLB, the walk section, the arena;
 * the ATC's entries under its lock). From sva_ats_translate() (0) the device model goes on in
 * the step with state of its own, so its points stay bare.
 */
static int sva_ats_request(struct sva_device *dev, uint32_t pasid, uint64_t va,
			   struct sva_ats_completion *out, enum sva_fault_reason *reason,
			   unsigned flags)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);
	struct sva_sw_tr tr;
	uint64_t gen;

	*out = (struct sva_ats_completion){ .page_size = SVA_PAGE_SIZE };
	*reason = SVA_FAULT_NONE;
	if (!dev->ats)
		return -EOPNOTSUPP;
	if (sdev->sim)
		sva_sw_point(sdev, flags);
	sva_sw_count(&sdev->c.ats_requests);
	gen = sva_atc_gen(&sdev->atc); /* before the IOTLB and the table are read */
	sva_sw_translate(sdev, pasid, va, SVA_ACCESS_READ, SVA_SW_ATS | flags, &tr);
	*reason = tr.reason;
	if (sva_sw_pasid_level(tr.reason)) {
		sva_sw_fault(sdev, pasid, va, SVA_ACCESS_READ, tr.reason, tr.silent);
		return tr.silent ? 0 : -EFAULT;
	}
	if (tr.reason != SVA_FAULT_NONE)
		return 0;
	out->pfn = tr.pfn;
	out->r = true;
	out->w = tr.perm & SVA_IOTLB_W;
	out->x = tr.perm & SVA_IOTLB_X;
	out->page_size = 1ull << sva_iotlb_shift(tr.perm);
	out->embedder = tr.perm & SVA_IOTLB_EXT;
	sva_atc_fill(&sdev->atc, pasid, va >> SVA_PAGE_SHIFT, out, gen);
	return 0;
}

int sva_ats_translate(struct sva_device *dev, uint32_t pasid, uint64_t va,
		      struct sva_ats_completion *out)
{
	enum sva_fault_reason reason;

	return sva_ats_request(dev, pasid, va, out, &reason, 0);
}

int sva_ats_translate_entry(struct sva_device *dev, uint32_t pasid, uint64_t iova,
			    struct sva_tlb_entry *out)
{
	struct sva_ats_completion c;
	int ret = sva_ats_translate(dev, pasid, iova, &c);
	unsigned shift = (unsigned)__builtin_ctzll(c.page_size);

	sva_sw_entry(out, iova, c.pfn, shift,
		     (c.r ? SVA_ACCESS_READ : 0) | (c.w ? SVA_ACCESS_WRITE : 0) |
			     (c.x ? SVA_ACCESS_EXEC : 0),
		     c.embedder);
	return ret;
}

bool sva_atc_lookup(struct sva_device *dev, uint32_t pasid, uint64_t va,
		    struct sva_ats_completion *out)
{
	if (!dev->ats)
		return false;
	return sva_atc_find(&sva_sw_device_of(dev)->atc, pasid, va >> SVA_PAGE_SHIFT, out);
}

/* ---- DMA helpers ---- */

/*
 * A fault of the DMA helpers at @cur, outside the section: with @pri (a PRI-capable device that
 * may request pages) the device asks for the page and waits for the response (never inside a
 * section: the fault handler's invalidations wait for sections). 0: SUCCESS, translate again;
 * else the helper's error.
 */
static int sva_dma_fault(struct sva_device *dev, bool pri, uint32_t pasid, uint64_t cur,
			 unsigned access, enum sva_fault_reason reason, unsigned *retries,
			 struct sva_dma_status *st)
{
	enum sva_page_response_code code;
	bool automatic;
	int ret;

	st->reason = reason;
	st->fault_addr = cur;
	if (!pri || (reason != SVA_FAULT_NOT_PRESENT && reason != SVA_FAULT_WRITE) ||
	    *retries >= SVA_PRI_RETRIES)
		return -EFAULT;
	ret = sva_sw_pri_request(dev, pasid, cur, access, &code, &automatic);
	if (ret)
		return ret == -EINVAL ? -EFAULT : ret; /* -EIO (PRI stopped), -EINTR */
	st->pri_requests++;
	st->response = code;
	if (!automatic) /* an overflow's automatic SUCCESS says nothing about the page */
		(*retries)++;
	if (code == SVA_PAGE_RESP_SUCCESS) {
		st->reason = SVA_FAULT_NONE;
		return 0;
	}
	return code == SVA_PAGE_RESP_INVALID ? -EFAULT : -EIO;
}

/*
 * The copy of one page's chunk in the embedder's memory (inside the section): through its host
 * pointer when it has one, else its read / write. The checker does not follow this memory.
 */
static int sva_dma_move_ext(struct sva_swiommu *sw, const struct sva_translation *t, size_t off,
			    char *buf, size_t n, bool write)
{
	const struct sva_swiommu_mem *m = sw->mem;
	uint64_t gpa = (t->pfn << SVA_PAGE_SHIFT) + off;
	char *p;

	sva_sched_shared(sw->w); /* POR: the embedder's memory is named by no object */
	p = m->host_ptr ? m->host_ptr(m->ctx, gpa, n) : NULL;
	if (p) {
		if (write)
			sva_frame_copy(p, buf, n);
		else
			sva_frame_copy(buf, p, n);
		return 0;
	}
	return write ? m->write(m->ctx, gpa, buf, n) : m->read(m->ctx, gpa, buf, n);
}

/*
 * The copy of one page's chunk in an external mm (inside the section, which keeps the PASID's
 * domain and so the mm's count): through its owner's access. -EIO when it refused.
 */
static int sva_dma_move_external(struct sva_device *dev, uint32_t pasid, uint64_t va, char *buf,
				 size_t n, bool write)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);
	struct sva_sw_tr tr = { .reason = SVA_FAULT_NONE };
	struct sva_sw_domain *sd =
		sva_sw_entry_domain(sva_pasid_table_entry(&sdev->table, pasid), &tr);
	const struct sva_mm_external *x = sd && sd->mm ? sva_mm_external(sd->mm) : NULL;

	if (!x || atomic_load(&sd->released))
		return -EIO;
	return x->access(x->ctx, va, buf, n, write) ? -EIO : 0;
}

/* Does the ATS answer @c grant @access? */
static bool sva_ats_allows(const struct sva_ats_completion *c, unsigned access)
{
	return (access & SVA_ACCESS_WRITE) ? c->w : c->r;
}

/*
 * How the device reaches a page, inside the section. An ATS-capable device uses its ATC: on a
 * hit that grants the access it sends a translated request (the IOMMU does not translate
 * again: a stale ATC entry is DMA to a stale frame, which the checker judges); on a miss
 * (@asked false) it is told to send a translation request first, outside the section (-EAGAIN).
 * Otherwise, or when the ATC still cannot grant it after asking, an untranslated request
 * through the IOMMU, whose faults go the usual way.
 */
static int sva_dma_translate(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
			     bool asked, struct sva_translation *t)
{
	struct sva_ats_completion c;

	if (dev->ats && sva_atc_lookup(dev, pasid, va, &c) && sva_ats_allows(&c, access)) {
		*t = (struct sva_translation){ .pfn = c.pfn,
					       .perm = (c.r ? SVA_ACCESS_READ : 0) |
						       (c.w ? SVA_ACCESS_WRITE : 0),
					       .embedder = c.embedder };
		return 0;
	}
	if (dev->ats && !asked)
		return -EAGAIN;
	return sva_sw_translate_dev(dev, pasid, va, access, SVA_SW_IN_SECTION, t);
}

int sva_dma_copy(struct sva_device *dev, uint32_t pasid, uint64_t va, void *buf, size_t len,
		 unsigned flags, struct sva_dma_status *st)
{
	return sva_dma_copy_gen(dev, pasid, sva_swiommu_pasid_gen(dev, pasid), va, buf, len, flags,
				st);
}

/*
 * The copy loop. A section per page in sim (the scheduling points where they always were); in
 * native one section over the pages that translate at once, ended only to wait (a translation
 * request, a page request) or at the end.
 */
int sva_dma_copy_gen(struct sva_device *dev, uint32_t pasid, uint64_t gen, uint64_t va, void *buf,
		     size_t len, unsigned flags, struct sva_dma_status *st)
{
	struct sva_swiommu *sw = sva_sw_device_of(dev)->sw;
	bool write = flags & SVA_DMA_WRITE;
	unsigned access = write ? SVA_ACCESS_WRITE : SVA_ACCESS_READ;
	bool pri = dev->pri && !(flags & SVA_DMA_NO_PRI);
	unsigned retries = 0, idx = 0;
	bool asked = false; /* ATS: the page's translation request was sent */
	bool held = false;  /* in a section */
	char *bytes = buf;

	*st = (struct sva_dma_status){ .reason = SVA_FAULT_NONE };
	if (len && va + (len - 1) < va)
		return -EINVAL;
	while (st->done < len) {
		uint64_t cur = va + st->done;
		size_t off = (size_t)(cur & ~SVA_PAGE_MASK);
		size_t chunk =
			SVA_PAGE_SIZE - off < len - st->done ? SVA_PAGE_SIZE - off : len - st->done;
		struct sva_translation t;
		char *frame;
		int ret;

		if (!held)
			idx = sva_sw_dma_enter(dev);
		held = true;
		ret = sva_dma_translate(dev, pasid, cur, access, asked, &t);
		if (ret == -EAGAIN) { /* an ATC miss: ask, then begin again */
			struct sva_ats_completion c;
			enum sva_fault_reason why;

			sva_sw_dma_exit(dev, idx);
			held = false;
			sva_ats_request(dev, pasid, cur, &c, &why, SVA_SW_NAMED);
			asked = true;
			if (why == SVA_FAULT_NONE)
				continue; /* granted (and cached): the ATC answers now */
			/* refused: the fault is the translation request's, not a second one's */
			ret = sva_dma_fault(dev, pri, pasid, cur, access, why, &retries, st);
			if (ret)
				return ret;
			asked = false;
			continue;
		}
		if (ret) {
			sva_sw_dma_exit(dev, idx);
			held = false;
			ret = sva_dma_fault(dev, pri, pasid, cur, access, t.reason, &retries, st);
			if (ret)
				return ret;
			continue; /* the page was made present: begin again, translate again */
		}
		/* translated, not yet accessed: the access names the arena's frame; an external
		   mm's memory is named by nothing */
		if (sw->sim && t.external)
			sva_sched_point(sw->w);
		else if (sw->sim)
			sva_sched_point_named(sw->w);
		ret = t.external   ? sva_dma_move_external(dev, pasid, cur, bytes + st->done, chunk,
							   write)
		      : t.embedder ? sva_dma_move_ext(sw, &t, off, bytes + st->done, chunk, write)
				   : 0;
		if (ret) { /* the embedder's memory refused: a bus error */
			sva_sw_dma_exit(dev, idx);
			st->fault_addr = cur;
			return -EIO;
		}
		if (!t.embedder && !t.external) {
			/* the access the checker judges for isolation (I3), in the section */
			if (sva_world_subscribed(sw->w))
				sva_trace(sw->w, DMA_ACCESS, dev->name, pasid, cur, t.pfn, write,
					  gen);
			frame = (char *)sva_page_address(sva_pfn_to_page(sw->phys, t.pfn)) + off;
			if (write)
				sva_frame_copy(frame, bytes + st->done, chunk);
			else
				sva_frame_copy(bytes + st->done, frame, chunk);
		}
		if (sw->sim) {
			sva_sw_dma_exit(dev, idx);
			held = false;
		}
		st->done += chunk;
		retries = 0;
		asked = false;
	}
	if (held)
		sva_sw_dma_exit(dev, idx);
	return 0;
}

/* ---- DMA runs (native) ---- */

void sva_dma_memo_reset(struct sva_dma_memo *m)
{
	*m = (struct sva_dma_memo){ .dev = NULL };
}

bool sva_dma_run_begin_memo(struct sva_dma_run *r, struct sva_device *dev, uint32_t pasid,
			    uint64_t gen, struct sva_dma_memo *memo)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	*r = (struct sva_dma_run){ .dev = dev, .pasid = pasid, .gen = gen };
	if (sdev->sim)
		return false;
	/* the memo stands for IOTLB hits: not where a hit does more (LRU) or the ATC answers */
	if (memo && !dev->ats && sdev->iotlb->policy != SVA_IOTLB_LRU) {
		if (memo->dev != dev) /* another device's pages: forgotten */
			*memo = (struct sva_dma_memo){ .dev = dev };
		r->memo = memo;
	}
	r->idx = sva_sw_dma_enter(dev);
	r->held = true;
	return true;
}

bool sva_dma_run_begin(struct sva_dma_run *r, struct sva_device *dev, uint32_t pasid, uint64_t gen)
{
	return sva_dma_run_begin_memo(r, dev, pasid, gen, NULL);
}

void sva_dma_run_end(struct sva_dma_run *r)
{
	if (r->held)
		sva_sw_dma_exit(r->dev, r->idx);
	r->held = false;
}

/*
 * The frame of @va's page for a run without a memo (or past it): the ATC of an ATS device, else
 * the hit path of sva_translate() inlined, a miss walked in the run's section. NULL when not
 * at hand; *@hit when the IOTLB answered.
 */
static inline __attribute__((always_inline)) char *
sva_dma_run_frame(struct sva_dma_run *r, uint64_t va, bool write, uint64_t *pfn, bool *hit)
{
	struct sva_sw_device *sdev = sva_sw_device_of(r->dev);
	unsigned access = write ? SVA_ACCESS_WRITE : SVA_ACCESS_READ;

	if (r->dev->ats) { /* through the ATC, as sva_dma_translate(); a miss asks: not here */
		struct sva_ats_completion c;

		if (!sva_atc_lookup(r->dev, r->pasid, va, &c) || !sva_ats_allows(&c, access) ||
		    c.embedder)
			return NULL;
		*pfn = c.pfn;
	} else {
		struct sva_iotlb_result res;
		struct sva_sw_tr tr;
		bool missed = false;

		if (r->pasid < sdev->table.max_pasids && va < SVA_TASK_SIZE) {
			uint64_t word =
				sva_pasid_entry_word(sva_pasid_table_entry(&sdev->table, r->pasid));
			struct sva_iotlb_key key = { .did = sva_pasid_word_did(word),
						     .pasid = r->pasid,
						     .vpn = va >> SVA_PAGE_SHIFT };

			missed = sva_pasid_word_state(word) == SVA_PASID_ENTRY_TRANSLATING;
			if (missed && sva_iotlb_lookup(sdev->iotlb, &key, &res) &&
			    sva_sw_hit_usable(res.perm, access, false)) {
				if (res.perm & SVA_IOTLB_EXT)
					return NULL;
				sva_sw_count(&sdev->c.iotlb_hits);
				*pfn = res.pfn;
				*hit = true;
				return sva_phys_pfn_address(sdev->sw->phys, *pfn);
			}
		}
		sva_sw_translate(sdev, r->pasid, va, access,
				 SVA_SW_IN_SECTION | SVA_SW_PROBE | (missed ? SVA_SW_MISSED : 0),
				 &tr);
		if (tr.reason != SVA_FAULT_NONE || tr.external || (tr.perm & SVA_IOTLB_EXT))
			return NULL;
		*pfn = tr.pfn;
	}
	return sva_phys_pfn_address(sdev->sw->phys, *pfn);
}

/* The memo's slot for a page and a direction. */
static inline struct sva_dma_memo_entry *sva_dma_memo_slot(struct sva_dma_memo *m, uint64_t vpn,
							   bool write)
{
	return &m->e[(vpn * 2 + write) % SVA_DMA_MEMO_ENTRIES];
}

/*
 * The same through the run's memo: an entry made with the IOTLB generation and the PASID
 * entry's word that are still the current ones stands for the IOTLB's answer; else the
 * answer, memoised when the IOTLB gave it (with the generation read before the lookup).
 */
static inline __attribute__((always_inline)) char *
sva_dma_run_frame_memo(struct sva_dma_run *r, uint64_t va, bool write, uint64_t *pfn)
{
	struct sva_sw_device *sdev = sva_sw_device_of(r->dev);
	uint64_t vpn = va >> SVA_PAGE_SHIFT, word, gen;
	struct sva_dma_memo_entry *m;
	bool hit = false;
	char *frame;

	if (r->pasid >= sdev->table.max_pasids)
		return sva_dma_run_frame(r, va, write, pfn, &hit);
	word = sva_pasid_entry_word(sva_pasid_table_entry(&sdev->table, r->pasid));
	gen = sva_iotlb_gen(sdev->iotlb); /* before the lookup or the walk */
	m = sva_dma_memo_slot(r->memo, vpn, write);
	if (m->valid && m->vpn == vpn && m->write == write && m->pasid == r->pasid &&
	    m->word == word && m->gen == gen &&
	    sva_pasid_word_state(word) == SVA_PASID_ENTRY_TRANSLATING) {
		sva_sw_count(&sdev->c.iotlb_hits);
		*pfn = m->pfn;
		return m->frame;
	}
	frame = sva_dma_run_frame(r, va, write, pfn, &hit);
	/* a page walked is not memoised until it hits: a stream of pages never does */
	if (frame && hit)
		*m = (struct sva_dma_memo_entry){ .vpn = vpn,
						  .word = word,
						  .gen = gen,
						  .pfn = *pfn,
						  .frame = frame,
						  .pasid = r->pasid,
						  .write = write,
						  .valid = true };
	return frame;
}

void *sva_dma_run_page(struct sva_dma_run *r, uint64_t va, bool write, uint64_t *pfn)
{
	bool hit = false;
	char *frame;

	if (!r->held)
		return NULL;
	frame = r->memo ? sva_dma_run_frame_memo(r, va, write, pfn)
			: sva_dma_run_frame(r, va, write, pfn, &hit);
	return frame ? frame + (va & ~SVA_PAGE_MASK) : NULL;
}

void sva_dma_run_access(struct sva_dma_run *r, uint64_t va, uint64_t pfn, bool write)
{
	struct sva_swiommu *sw = sva_sw_device_of(r->dev)->sw;

	/* the access the checker judges for isolation (I3), in the section */
	if (sva_world_subscribed(sw->w))
		sva_trace(sw->w, DMA_ACCESS, r->dev->name, r->pasid, va, pfn, write, r->gen);
}

int sva_dma_read(struct sva_device *dev, uint32_t pasid, uint64_t va, void *buf, size_t len,
		 struct sva_dma_status *st)
{
	struct sva_dma_status local;

	return sva_dma_copy(dev, pasid, va, buf, len, 0, st ? st : &local);
}

int sva_dma_write(struct sva_device *dev, uint32_t pasid, uint64_t va, const void *buf, size_t len,
		  struct sva_dma_status *st)
{
	struct sva_dma_status local;

	/* the buffer is only read: the cast serves the shared copy loop */
	return sva_dma_copy(dev, pasid, va, (void *)(uintptr_t)buf, len, SVA_DMA_WRITE,
			    st ? st : &local);
}

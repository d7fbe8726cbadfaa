/* SPDX-License-Identifier: MIT */
/*
 * The swiommu's IOTLB: one per IOMMU instance, set-associative, tagged by a struct key
 * (domain id, PASID, virtual page number). The key is never packed into an integer: QEMU's
 * VT-d once packed its IOTLB key with overlapping shifts and two address spaces aliased
 * (anchors §4.1, §10.4); here every field is compared on its own.
 *
 * Geometry: sets x ways from the configuration (default 64 x 4, down to 1 x 1 so that
 * eviction is exercised). Replacement: round-robin per set, or LRU.
 *
 * Concurrency:
 *  - Lookups take no lock: each set has a sequence count (odd while a writer changes it); a
 *    reader reads it, reads the ways with acquire loads, and retries if the count moved. Every
 *    field is an atomic, so there is no data race for TSan either.
 *  - Writers (insert, invalidate) take the set's spinlock, make the count odd, store, make it
 *    even, then unlock. No scheduling point lies between odd and even (in sim a reader never
 *    waits on a writer that is switched out).
 *  - A fill must never resurrect a translation that an invalidation removed while the walk
 *    that produced it was running. The IOTLB has a generation, bumped before every
 *    invalidation touches a set; a filler reads it before it reads the PASID entry and the page
 *    table, and inserts (under the set lock) only if it has not moved. Either the filler saw
 *    the new page table, or its insert lands before the flush of that set, or it is refused.
 *
 * Lock order: iotlb set lock is a leaf (nothing is taken under it). A native walk of the
 * arena's page table runs under it (translate.c), taking nothing either.
 */
#ifndef SVA_SWIOMMU_IOTLB_H
#define SVA_SWIOMMU_IOTLB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sva/sync.h"

struct sva_iotlb_key {
	uint32_t did;	/* domain id */
	uint32_t pasid; /* PASID */
	uint64_t vpn;	/* virtual page number (va >> 12) */
};

/* What a cached translation grants. 0 is an empty way. */
enum {
	SVA_IOTLB_R = 1u << 0,	/* present: reads allowed */
	SVA_IOTLB_W = 1u << 1,	/* writes allowed now: writable and dirty */
	SVA_IOTLB_X = 1u << 2,	/* not NX */
	SVA_IOTLB_U = 1u << 3,	/* a user page */
	SVA_IOTLB_WP = 1u << 4, /* writable in the page table (maybe not dirty yet) */
	/* what the entry is a piece of: a 4 KiB piece of a huge page, the embedder's memory */
	SVA_IOTLB_2M = 1u << 5,
	SVA_IOTLB_1G = 1u << 6,
	SVA_IOTLB_EXT = 1u << 7, /* pfn is a page of the embedder's memory, not the arena's */
};

/* The log2 of the page an entry with @perm is a piece of. */
static inline unsigned sva_iotlb_shift(unsigned perm)
{
	return perm & SVA_IOTLB_1G ? 30 : perm & SVA_IOTLB_2M ? 21 : 12;
}

static inline unsigned sva_iotlb_size_flag(unsigned shift)
{
	return shift == 30 ? SVA_IOTLB_1G : shift == 21 ? SVA_IOTLB_2M : 0;
}

enum sva_iotlb_policy {
	SVA_IOTLB_ROUND_ROBIN,
	SVA_IOTLB_LRU,
};

struct sva_iotlb_config {
	unsigned sets; /* >= 1 */
	unsigned ways; /* >= 1 */
	enum sva_iotlb_policy policy;
};

#define SVA_IOTLB_MAX_SETS 65536u
#define SVA_IOTLB_MAX_WAYS 64u

struct sva_iotlb_entry {
	_Atomic uint32_t perm; /* SVA_IOTLB_*; 0 = empty */
	_Atomic uint32_t did;
	_Atomic uint32_t pasid;
	_Atomic uint32_t stamp; /* LRU: the set's clock at the last use */
	_Atomic uint64_t vpn;
	_Atomic uint64_t pfn;
};

struct sva_iotlb_set {
	_Atomic uint32_t seq;	/* odd while a writer changes the set */
	_Atomic uint32_t clock; /* LRU */
	unsigned victim;	/* round-robin, under the set lock */
	/* written under the set lock (no read-modify-write on the fill path), read without */
	_Atomic uint32_t valid;
	_Atomic uint64_t fills, evictions;
	unsigned pad_[8]; /* one cache line per set */
};

struct sva_iotlb {
	struct sva_world *w;
	unsigned sets, ways;
	uint32_t set_mask; /* sets - 1 when sets is a power of two, else 0 */
	enum sva_iotlb_policy policy;
	_Atomic uint64_t gen;
	uint32_t gen_por_id;	       /* POR (sim): @gen, bumped and read lock-free */
	struct sva_iotlb_set *set;     /* [sets], cache-line aligned */
	struct sva_iotlb_entry *entry; /* [sets * ways], way w of set s at s * ways + w */
	struct sva_spinlock *lock;     /* [sets] */
	void *mem;
	_Atomic uint64_t invalidations;
	atomic_bool huge; /* a piece of a huge page was ever cached: ranges flush every set */
};

struct sva_iotlb_counts {
	uint64_t fills, evictions, invalidations, valid;
};

struct sva_iotlb_result {
	uint64_t pfn;
	unsigned perm;
};

/* 0, -EINVAL (geometry), -ENOMEM. */
int sva_iotlb_create(struct sva_world *w, const struct sva_iotlb_config *cfg,
		     struct sva_iotlb **out);
void sva_iotlb_destroy(struct sva_iotlb *t);

static inline unsigned sva_iotlb_set_of(const struct sva_iotlb *t, const struct sva_iotlb_key *k)
{
	/*
	 * The page number, xor an offset per address space: consecutive pages of one go to
	 * distinct sets (a bijection on the index bits when sets is a power of two), and the
	 * same page of two PASIDs or domains usually to different ones. Cheap: on the hit path.
	 */
	uint64_t h = k->vpn ^ k->pasid ^ ((uint64_t)k->did << 3);

	return t->set_mask ? (unsigned)h & t->set_mask : (unsigned)(h % t->sets);
}

/* The generation a filler reads before its walk (acquire: pairs with the invalidator's bump). */
static inline uint64_t sva_iotlb_gen(struct sva_iotlb *t)
{
	if (__builtin_expect(t->gen_por_id != 0, 0))
		sva_por_access(t->w, t->gen_por_id);
	return atomic_load_explicit(&t->gen, memory_order_acquire);
}

static inline bool sva_iotlb_way_matches(struct sva_iotlb_entry *e, const struct sva_iotlb_key *k)
{
	return atomic_load_explicit(&e->vpn, memory_order_acquire) == k->vpn &&
	       atomic_load_explicit(&e->pasid, memory_order_acquire) == k->pasid &&
	       atomic_load_explicit(&e->did, memory_order_acquire) == k->did;
}

void sva_iotlb_touch_(struct sva_iotlb *t, unsigned s, struct sva_iotlb_entry *e);

/* Look @k up, lock-free. true and @r on a hit. */
static inline bool sva_iotlb_lookup(struct sva_iotlb *t, const struct sva_iotlb_key *k,
				    struct sva_iotlb_result *r)
{
	unsigned s = sva_iotlb_set_of(t, k);
	struct sva_iotlb_set *set = &t->set[s];
	struct sva_iotlb_entry *ways = &t->entry[(size_t)s * t->ways];

	if (__builtin_expect(t->lock[s].sim, 0))
		sva_spin_lock_reads(&t->lock[s]); /* partial-order reduction: the set is read */
	for (;;) {
		uint32_t seq = atomic_load_explicit(&set->seq, memory_order_acquire);
		struct sva_iotlb_entry *hit = NULL;

		if (seq & 1)
			continue; /* a writer is in the set (never switched out there) */
		for (unsigned i = 0; i < t->ways; i++) {
			struct sva_iotlb_entry *e = &ways[i];
			unsigned perm = atomic_load_explicit(&e->perm, memory_order_acquire);

			if (perm && sva_iotlb_way_matches(e, k)) {
				r->perm = perm;
				r->pfn = atomic_load_explicit(&e->pfn, memory_order_acquire);
				hit = e;
				break;
			}
		}
		/* the acquire loads above keep this load after them */
		if (atomic_load_explicit(&set->seq, memory_order_relaxed) != seq)
			continue;
		if (hit && t->policy == SVA_IOTLB_LRU)
			sva_iotlb_touch_(t, s, hit);
		return hit != NULL;
	}
}

/*
 * Cache @k -> (@pfn, @perm) unless an invalidation ran since the filler read @gen. An entry
 * with the same key is updated in place; otherwise an empty way, else the policy's victim
 * (counted as an eviction). Returns true when cached.
 */
bool sva_iotlb_insert(struct sva_iotlb *t, const struct sva_iotlb_key *k, uint64_t pfn,
		      unsigned perm, uint64_t gen);
/* sva_iotlb_insert() by a filler holding the lock of @k's set @s (a native walk, translate.c). */
bool sva_iotlb_insert_locked(struct sva_iotlb *t, unsigned s, const struct sva_iotlb_key *k,
			     uint64_t pfn, unsigned perm, uint64_t gen);
/*
 * Wait for the walks that run holding a set's lock (native, translate.c: the lock is their
 * walk section), for sva_inflight_sync(): every set locked when looked at is taken and
 * released once. A walk that locks a set afterwards reads the caller's change: the caller's
 * seq_cst fence comes before its read of the lock word and the walker's exchange, a full
 * barrier, before its reads of the PASID entry (seq_cst) and the table, as with the in-flight
 * counters (inflight.h). Never blocks for long: a walker takes nothing under the lock.
 */
void sva_iotlb_sync_walks(struct sva_iotlb *t);
/* Drop the translations of (@did, @pasid) for pages [@vpn, @vpn + @npages). */
void sva_iotlb_invalidate_range(struct sva_iotlb *t, uint32_t did, uint32_t pasid, uint64_t vpn,
				uint64_t npages);
/* Drop every translation of (@did, @pasid). */
void sva_iotlb_invalidate_pasid(struct sva_iotlb *t, uint32_t did, uint32_t pasid);
/* Drop everything (tests, benchmarks). */
void sva_iotlb_invalidate_all(struct sva_iotlb *t);
/* The counters, summed over the sets (lock-free: a snapshot under concurrent use). */
void sva_iotlb_counts(struct sva_iotlb *t, struct sva_iotlb_counts *out);

#endif /* SVA_SWIOMMU_IOTLB_H */

/* SPDX-License-Identifier: MIT */
/*
 * What a device has in flight, and how an invalidation waits for it. Two kinds of section:
 *
 *  - DMA sections (sva_dma_begin / sva_dma_end, and each page of the DMA helpers in sim): the
 *    device uses frames it translated. A per-device rw-semaphore: DMA holds it for read;
 *    whoever invalidates takes it for write and releases it at once, which returns only after
 *    every section that began before has ended (writers are preferred, so it is not starved).
 *    In sim, both are scheduling points, so the explorer interleaves DMA with invalidations.
 *
 *  - walk sections: the IOMMU reading a PASID entry's domain and walking its page table on an
 *    IOTLB miss, and in native the DMA helpers' and DMA runs' own sections. They must be
 *    waited for too (a table page is freed after the invalidation, the tables of an exited mm
 *    after release, a domain after its detach), but sva_translate() runs inside or outside DMA
 *    sections and the rw-semaphore does not nest, so walks are counted the way userspace RCU
 *    counts its readers: in native, each thread that walks has a slot of its own (found
 *    through a pthread key; SVA_INFLIGHT_SLOTS per device), whose count only that thread
 *    writes - odd while it is in a walk section, even outside (nested sections count once) -
 *    with plain stores, no read-modify-write. A synchroniser, after its change, makes sure
 *    every walker either is seen in its slot or sees the change, with membarrier(2)
 *    (MEMBARRIER_CMD_PRIVATE_EXPEDITED: a full barrier on every running thread of the
 *    process, the asymmetric fence that lets the walker go without one; where the kernel
 *    lacks it, the walker's count changes are seq_cst read-modify-writes instead). It then
 *    waits, slot by slot, until every count it saw odd has moved on: those walkers may have
 *    read the old state; a walker that began later reads the new one. Walkers never block or
 *    wait for a synchroniser.
 *    In sim (fibers: one thread runs every actor, so a thread's slot would be every actor's),
 *    and for a thread beyond the slots (more than SVA_INFLIGHT_SLOTS threads walked on the
 *    device), walkers use an SRCU-like pair of counters instead: a walker increments the
 *    counter of the current index (an atomic read-modify-write each way); the synchroniser
 *    flips the index and waits for the old counter to drain, twice. A walk known to run inside a
 * DMA section (the DMA helpers' in sim) needs no walk section: the synchroniser waits for DMA
 * sections after walks.
 *
 * sva_inflight_sync(): after changing translation state (page table, PASID entry) and
 * flushing the caches, wait for walks, then for DMA sections, that may have used the old
 * state. Might sleep: a mutex, a wait queue, the rw-semaphore, the membarrier system call.
 *
 * A walker that leaves a section while a synchroniser waits wakes it (@waiting: the
 * synchroniser counts itself in before its barrier, the walker reads it after its store, so
 * one of them sees the other).
 *
 * Lock order: (domain lock) -> sync lock -> the walk wait queue; (domain lock) -> dma
 * rw-semaphore; @slots_lock (a thread taking its slot) is a leaf. A DMA section takes no lock
 * of the kernel (mmap_lock, a domain's, the core's): an invalidation holding those waits for
 * it. POR (sim): every walker's entry and exit (the counters'), and every read of the
 * counts by a synchroniser, name @por_id, as every step that reads or writes them must.
 */
#ifndef SVA_SWIOMMU_INFLIGHT_H
#define SVA_SWIOMMU_INFLIGHT_H

#include <pthread.h>
#include <stdatomic.h>

#include "sva/sync.h"

/* Threads with a slot of their own per device; more walk through the fallback counters. */
#define SVA_INFLIGHT_SLOTS 64

/*
 * 64 bytes, so two threads' counts are never on one cache line (padded, not aligned: the
 * device context holding the slots is allocated with malloc's alignment).
 */
struct sva_inflight_slot {
	_Atomic uint64_t count; /* odd while its thread is in a walk section; written by it only */
	unsigned depth;		/* its thread's nesting of sections, its own */
	char pad_[64 - sizeof(uint64_t) - sizeof(unsigned)];
};

struct sva_inflight {
	struct sva_rwsem dma;
	struct sva_inflight_slot slot[SVA_INFLIGHT_SLOTS];
	pthread_key_t key; /* a thread's slot + 1 (NULL: none yet) */
	bool keyed;	   /* native, and the key exists: threads take slots */
	bool asym;	   /* membarrier(2) in use: walkers store without a fence */
	pthread_mutex_t slots_lock;
	_Atomic unsigned nslots; /* slots handed out */
	atomic_long walkers[2];	 /* the fallback's */
	atomic_uint idx;
	atomic_uint waiting; /* synchronisers waiting for walkers: walkers wake them */
	struct sva_waitq wq;
	struct sva_mutex sync_lock;
	struct sva_world *w;
	uint32_t por_id; /* POR (sim): the counts, idx and waiting, lock-free on both sides */
};

void sva_inflight_init(struct sva_inflight *f, struct sva_world *w);
void sva_inflight_destroy(struct sva_inflight *f);

/* The walk section's handle: a slot, or SVA_INFLIGHT_SLOTS + the fallback's index. */
unsigned sva_inflight_walk_begin_slow_(struct sva_inflight *f);
void sva_inflight_walk_end_slow_(struct sva_inflight *f, unsigned i);
void sva_inflight_walk_wake_(struct sva_inflight *f);

/* The calling thread's slot number + 1, 0 when it has none yet. */
static inline uintptr_t sva_inflight_slot_of(struct sva_inflight *f)
{
	return f->keyed ? (uintptr_t)pthread_getspecific(f->key) : 0;
}

static inline unsigned sva_inflight_walk_begin(struct sva_inflight *f)
{
	uintptr_t n = sva_inflight_slot_of(f);
	struct sva_inflight_slot *s;

	if (__builtin_expect(!n, 0))
		return sva_inflight_walk_begin_slow_(f);
	s = &f->slot[n - 1];
	if (s->depth++)
		return (unsigned)(n - 1); /* nested: counted by the outer section */
	/*
	 * The odd count before the walker's reads (PASID entry, IOTLB generation, table): the
	 * synchroniser's membarrier orders a plain store; without it, a seq_cst add does.
	 */
	if (__builtin_expect(f->asym, 1)) {
		atomic_store_explicit(&s->count,
				      atomic_load_explicit(&s->count, memory_order_relaxed) + 1,
				      memory_order_relaxed);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		atomic_fetch_add_explicit(&s->count, 1, memory_order_seq_cst);
	}
	return (unsigned)(n - 1);
}

static inline void sva_inflight_walk_end(struct sva_inflight *f, unsigned i)
{
	struct sva_inflight_slot *s;

	if (__builtin_expect(i >= SVA_INFLIGHT_SLOTS, 0)) {
		sva_inflight_walk_end_slow_(f, i);
		return;
	}
	s = &f->slot[i];
	if (--s->depth)
		return;
	/* release: the walk's reads before the even count a synchroniser acquires */
	if (__builtin_expect(f->asym, 1)) {
		atomic_store_explicit(&s->count,
				      atomic_load_explicit(&s->count, memory_order_relaxed) + 1,
				      memory_order_release);
		atomic_signal_fence(memory_order_seq_cst);
	} else {
		atomic_fetch_add_explicit(&s->count, 1, memory_order_seq_cst);
	}
	/* after the count (the barrier, or seq_cst both sides): a waiting synchroniser sees it */
	if (atomic_load_explicit(&f->waiting, memory_order_seq_cst))
		sva_inflight_walk_wake_(f);
}

/* Wait for walks, then DMA sections, that began before the call. Might sleep. */
void sva_inflight_sync(struct sva_inflight *f);

#endif /* SVA_SWIOMMU_INFLIGHT_H */

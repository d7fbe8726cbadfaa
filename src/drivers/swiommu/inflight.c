/* SPDX-License-Identifier: MIT */
/*
 * In-flight sections of a device and the wait of an invalidation for them (see inflight.h:
 * the walkers' slots, the membarrier that lets them store without a fence, the fallback
 * counters).
 *
 * Lock order: sync lock -> walk wait queue; then the dma rw-semaphore (not nested in them).
 * Walkers take no lock, except @slots_lock once per thread and device (a leaf: the thread
 * takes its slot); they wake the wait queue only when a synchroniser waits.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inflight.h"

/* Can this process use membarrier(2)'s private expedited barrier? Registers it if so. */
static bool sva_membarrier_register(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	return cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
	       syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

/*
 * A full barrier on every running thread of the process. Registered, the expedited one does
 * not fail; if it ever did, the global one (every CPU, slower) is as good for the walkers.
 */
static void sva_membarrier(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0 ||
	    syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0)
		return;
	/* walkers store without a fence: going on would not wait for every one of them */
	fprintf(stderr, "libsva: membarrier failed after registration: %s\n", strerror(errno));
	abort();
}

void sva_inflight_init(struct sva_inflight *f, struct sva_world *w)
{
	bool sim = sva_world_backend(w) == SVA_BACKEND_SIM;

	f->w = w;
	f->por_id = sva_por_object(w);
	sva_rwsem_init(w, &f->dma, "dma_inflight");
	for (unsigned i = 0; i < SVA_INFLIGHT_SLOTS; i++) {
		atomic_init(&f->slot[i].count, 0);
		f->slot[i].depth = 0;
	}
	/* sim: fibers, one thread for every actor; no key, every walker uses the counters */
	f->keyed = !sim && pthread_key_create(&f->key, NULL) == 0;
	f->asym = f->keyed && sva_membarrier_register();
	pthread_mutex_init(&f->slots_lock, NULL);
	atomic_init(&f->nslots, 0);
	atomic_init(&f->walkers[0], 0);
	atomic_init(&f->walkers[1], 0);
	atomic_init(&f->idx, 0);
	atomic_init(&f->waiting, 0);
	sva_waitq_init(w, &f->wq, "iommu_walks");
	sva_mutex_init(w, &f->sync_lock, "iommu_walk_sync");
}

void sva_inflight_destroy(struct sva_inflight *f)
{
	sva_mutex_destroy(&f->sync_lock);
	sva_waitq_destroy(&f->wq);
	pthread_mutex_destroy(&f->slots_lock);
	if (f->keyed)
		pthread_key_delete(f->key); /* threads that still hold a slot forget it */
	sva_rwsem_destroy(&f->dma);
}

void sva_inflight_walk_wake_(struct sva_inflight *f)
{
	sva_wake_up(&f->wq);
}

/* A slot for the calling thread: its number + 1, or 0 when none is left (or no memory). */
static uintptr_t sva_inflight_slot_take(struct sva_inflight *f)
{
	uintptr_t n = 0;
	unsigned taken;

	if (!f->keyed ||
	    atomic_load_explicit(&f->nslots, memory_order_relaxed) >= SVA_INFLIGHT_SLOTS)
		return 0;
	pthread_mutex_lock(&f->slots_lock);
	taken = atomic_load_explicit(&f->nslots, memory_order_relaxed);
	if (taken < SVA_INFLIGHT_SLOTS &&
	    pthread_setspecific(f->key, (void *)(uintptr_t)(taken + 1)) == 0) {
		/*
		 * seq_cst, before the slot's first count: a synchroniser that reads @nslots after
		 * its barrier either counts this slot or is before every walk of this thread
		 */
		atomic_store_explicit(&f->nslots, taken + 1, memory_order_seq_cst);
		n = taken + 1;
	}
	pthread_mutex_unlock(&f->slots_lock);
	return n;
}

/* The fallback's walk section: the counter of the current index. */
static unsigned sva_inflight_counters_begin(struct sva_inflight *f)
{
	unsigned i;

	if (f->por_id)
		sva_por_access(f->w, f->por_id);
	i = atomic_load_explicit(&f->idx, memory_order_relaxed) & 1;
	/* seq_cst: ordered before the walker's reads of the PASID entry and the IOTLB gen */
	atomic_fetch_add_explicit(&f->walkers[i], 1, memory_order_seq_cst);
	return SVA_INFLIGHT_SLOTS + i;
}

unsigned sva_inflight_walk_begin_slow_(struct sva_inflight *f)
{
	if (sva_inflight_slot_take(f))
		return sva_inflight_walk_begin(f); /* now with a slot */
	return sva_inflight_counters_begin(f);
}

void sva_inflight_walk_end_slow_(struct sva_inflight *f, unsigned i)
{
	i -= SVA_INFLIGHT_SLOTS;
	if (f->por_id)
		sva_por_access(f->w, f->por_id);
	if (atomic_fetch_sub_explicit(&f->walkers[i], 1, memory_order_seq_cst) == 1 &&
	    atomic_load_explicit(&f->waiting, memory_order_seq_cst))
		sva_inflight_walk_wake_(f);
}

/* The walkers counted in @old are gone (a wait_event condition: no scheduling point). */
static bool sva_inflight_drained(struct sva_inflight *f, unsigned old)
{
	sva_por_access(f->w, f->por_id);
	return atomic_load_explicit(&f->walkers[old], memory_order_seq_cst) == 0;
}

/*
 * Flip the index and wait for the old counter to drain. Done twice, each counter is seen at
 * zero once after the caller's change: a walker counted in it after that moment was counted
 * after the change (seq_cst), so it reads the new state; one counted before is waited for.
 */
static void sva_inflight_counters_sync(struct sva_inflight *f)
{
	for (int round = 0; round < 2; round++) {
		unsigned old;

		sva_por_access(f->w, f->por_id);
		old = atomic_fetch_xor_explicit(&f->idx, 1, memory_order_seq_cst) & 1;
		sva_wait_event(&f->wq, sva_inflight_drained(f, old));
	}
}

/* Slot @s's count is no longer @seen: the section it was in has ended (acquire: its reads). */
static bool sva_inflight_moved(struct sva_inflight_slot *s, uint64_t seen)
{
	return atomic_load_explicit(&s->count, memory_order_acquire) != seen;
}

/*
 * Every slot seen in a section after the barrier is waited for until it leaves it. With
 * membarrier, a walker's plain store of its odd count either precedes the barrier on its CPU
 * (and is seen here) or follows it (and its reads, later still, see the caller's change);
 * without, both sides order their stores before their loads with seq_cst operations.
 */
static void sva_inflight_slots_sync(struct sva_inflight *f)
{
	unsigned n;

	if (f->asym)
		sva_membarrier();
	n = atomic_load_explicit(&f->nslots, memory_order_seq_cst);
	for (unsigned i = 0; i < n; i++) {
		struct sva_inflight_slot *s = &f->slot[i];
		uint64_t seen = atomic_load_explicit(&s->count, memory_order_seq_cst);

		if (seen & 1)
			sva_wait_event(&f->wq, sva_inflight_moved(s, seen));
	}
}

static void sva_inflight_walk_sync(struct sva_inflight *f)
{
	sva_mutex_lock(&f->sync_lock);
	sva_por_access(f->w, f->por_id);
	/* before the barrier and the counts are read: a walker leaving after them wakes us */
	atomic_fetch_add_explicit(&f->waiting, 1, memory_order_seq_cst);
	if (f->keyed)
		sva_inflight_slots_sync(f);
	sva_inflight_counters_sync(f);
	sva_por_access(f->w, f->por_id);
	atomic_fetch_sub_explicit(&f->waiting, 1, memory_order_seq_cst);
	sva_mutex_unlock(&f->sync_lock);
}

void sva_inflight_sync(struct sva_inflight *f)
{
	sva_inflight_walk_sync(f);
	sva_down_write(&f->dma);
	sva_up_write(&f->dma);
}

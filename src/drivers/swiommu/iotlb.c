/* SPDX-License-Identifier: MIT */
/*
 * The swiommu's IOTLB: creation, fill, replacement and invalidation (see iotlb.h for the
 * lock-free lookup and the rules).
 *
 * Locks: one spinlock per set, a leaf: writers hold it around a sequence-count write section;
 * nothing else is taken under it. Invalidations bump the generation before they touch a set.
 */
#include <errno.h>
#include <string.h>

#include "iotlb.h"
#include "sva/swiommu.h" /* sva_obj_iotlb */

SVA_OBJ_CLASS(iotlb);

#define SVA_CACHE_LINE 64

_Static_assert(sizeof(struct sva_iotlb_set) == SVA_CACHE_LINE, "a set header is one line");

static bool sva_is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

int sva_iotlb_create(struct sva_world *w, const struct sva_iotlb_config *cfg,
		     struct sva_iotlb **out)
{
	struct sva_iotlb *t;
	size_t sets_sz, ent_sz, lock_sz;
	uintptr_t base;

	if (!cfg || !cfg->sets || !cfg->ways || cfg->sets > SVA_IOTLB_MAX_SETS ||
	    cfg->ways > SVA_IOTLB_MAX_WAYS)
		return -EINVAL;
	t = sva_alloc(w, &sva_obj_iotlb, sizeof(*t));
	if (!t)
		return -ENOMEM;
	sets_sz = (size_t)cfg->sets * sizeof(struct sva_iotlb_set);
	ent_sz = (size_t)cfg->sets * cfg->ways * sizeof(struct sva_iotlb_entry);
	lock_sz = (size_t)cfg->sets * sizeof(struct sva_spinlock);
	t->mem = sva_alloc(w, &sva_obj_iotlb, SVA_CACHE_LINE + sets_sz + ent_sz + lock_sz);
	if (!t->mem) {
		sva_free(w, &sva_obj_iotlb, t);
		return -ENOMEM;
	}
	base = ((uintptr_t)t->mem + SVA_CACHE_LINE - 1) & ~(uintptr_t)(SVA_CACHE_LINE - 1);
	t->w = w;
	t->gen_por_id = sva_por_object(w);
	t->sets = cfg->sets;
	t->ways = cfg->ways;
	t->set_mask = sva_is_pow2(cfg->sets) ? cfg->sets - 1 : 0;
	t->policy = cfg->policy;
	t->set = (struct sva_iotlb_set *)base;
	t->entry = (struct sva_iotlb_entry *)(base + sets_sz);
	t->lock = (struct sva_spinlock *)(base + sets_sz + ent_sz);
	for (unsigned s = 0; s < t->sets; s++) {
		sva_spin_lock_init(w, &t->lock[s], "iotlb_set");
		sva_spin_lock_guards_lockfree(&t->lock[s]); /* sva_iotlb_lookup names it */
	}
	*out = t;
	return 0;
}

void sva_iotlb_destroy(struct sva_iotlb *t)
{
	if (!t)
		return;
	for (unsigned s = 0; s < t->sets; s++)
		sva_spin_lock_destroy(&t->lock[s]);
	sva_free(t->w, &sva_obj_iotlb, t->mem);
	sva_free(t->w, &sva_obj_iotlb, t);
}

/* ---- write sections (set lock held) ---- */

/* A counter of a set, written only under its lock. */
static void sva_iotlb_count(_Atomic uint64_t *c, uint64_t d)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + d,
			      memory_order_relaxed);
}

static void sva_iotlb_count32(_Atomic uint32_t *c, int d)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + (uint32_t)d,
			      memory_order_relaxed);
}

/*
 * A write section of set @s: under the set's lock, asserted once at its begin (the kernel's
 * seqcount_spinlock_t asserts its writer's lock the same way) - the lock-free readers rely on
 * one writer a set, and a fill's victim choice comes just before, under the same lock.
 */
static void sva_iotlb_write_begin(struct sva_iotlb *t, unsigned s)
{
	struct sva_iotlb_set *set = &t->set[s];
	uint32_t seq;

	sva_lockdep_assert_held(&t->lock[s]);
	seq = atomic_load_explicit(&set->seq, memory_order_relaxed);

	/* the release stores of the ways that follow keep this store before them */
	atomic_store_explicit(&set->seq, seq + 1, memory_order_relaxed);
}

static void sva_iotlb_write_end(struct sva_iotlb *t, unsigned s)
{
	struct sva_iotlb_set *set = &t->set[s];
	uint32_t seq = atomic_load_explicit(&set->seq, memory_order_relaxed);

	atomic_store_explicit(&set->seq, seq + 1, memory_order_release);
}

static void sva_iotlb_way_store(struct sva_iotlb_entry *e, const struct sva_iotlb_key *k,
				uint64_t pfn, unsigned perm)
{
	atomic_store_explicit(&e->perm, 0, memory_order_release);
	atomic_store_explicit(&e->did, k->did, memory_order_release);
	atomic_store_explicit(&e->pasid, k->pasid, memory_order_release);
	atomic_store_explicit(&e->vpn, k->vpn, memory_order_release);
	atomic_store_explicit(&e->pfn, pfn, memory_order_release);
	atomic_store_explicit(&e->perm, perm, memory_order_release);
}

void sva_iotlb_touch_(struct sva_iotlb *t, unsigned s, struct sva_iotlb_entry *e)
{
	struct sva_iotlb_set *set = &t->set[s];
	uint32_t now = atomic_load_explicit(&set->clock, memory_order_relaxed) + 1;

	/* A hint, not state: a lost update only makes the choice of victim less exact. */
	atomic_store_explicit(&set->clock, now, memory_order_relaxed);
	atomic_store_explicit(&e->stamp, now, memory_order_relaxed);
}

/* The way to fill in set @s: the key's own, an empty one, or the policy's victim. */
static struct sva_iotlb_entry *sva_iotlb_pick(struct sva_iotlb *t, unsigned s,
					      const struct sva_iotlb_key *k, bool *evict)
{
	struct sva_iotlb_entry *ways = &t->entry[(size_t)s * t->ways], *empty = NULL, *old;
	uint32_t oldest, now;

	*evict = false;
	for (unsigned i = 0; i < t->ways; i++) {
		if (!atomic_load_explicit(&ways[i].perm, memory_order_relaxed)) {
			if (!empty)
				empty = &ways[i];
		} else if (sva_iotlb_way_matches(&ways[i], k)) {
			return &ways[i];
		}
	}
	if (empty)
		return empty;
	*evict = true;
	if (t->policy == SVA_IOTLB_ROUND_ROBIN) {
		unsigned v = t->set[s].victim;

		old = &ways[v];
		/* not % ways: a division on every eviction of a walk's fill */
		t->set[s].victim = v + 1 < t->ways ? v + 1 : 0;
		return old;
	}
	now = atomic_load_explicit(&t->set[s].clock, memory_order_relaxed);
	old = &ways[0];
	oldest = now - atomic_load_explicit(&ways[0].stamp, memory_order_relaxed);
	for (unsigned i = 1; i < t->ways; i++) {
		uint32_t age = now - atomic_load_explicit(&ways[i].stamp, memory_order_relaxed);

		if (age > oldest) {
			oldest = age;
			old = &ways[i];
		}
	}
	return old;
}

bool sva_iotlb_insert(struct sva_iotlb *t, const struct sva_iotlb_key *k, uint64_t pfn,
		      unsigned perm, uint64_t gen)
{
	unsigned s = sva_iotlb_set_of(t, k);
	bool cached;

	if (!perm)
		return false;
	sva_spin_lock(&t->lock[s]);
	cached = sva_iotlb_insert_locked(t, s, k, pfn, perm, gen);
	sva_spin_unlock(&t->lock[s]);
	return cached;
}

bool sva_iotlb_insert_locked(struct sva_iotlb *t, unsigned s, const struct sva_iotlb_key *k,
			     uint64_t pfn, unsigned perm, uint64_t gen)
{
	struct sva_iotlb_entry *e;
	bool evict, was_empty;

	if (!perm || sva_iotlb_gen(t) != gen)
		return false; /* an invalidation ran during the walk: the result may be stale */
	if ((perm & (SVA_IOTLB_2M | SVA_IOTLB_1G)) && !atomic_load(&t->huge))
		atomic_store(&t->huge, true); /* before the piece can be found */
	e = sva_iotlb_pick(t, s, k, &evict);
	was_empty = !atomic_load_explicit(&e->perm, memory_order_relaxed);
	sva_iotlb_write_begin(t, s);
	sva_iotlb_way_store(e, k, pfn, perm);
	sva_iotlb_write_end(t, s);
	if (t->policy == SVA_IOTLB_LRU)
		sva_iotlb_touch_(t, s, e);
	sva_iotlb_count(&t->set[s].fills, 1);
	if (evict)
		sva_iotlb_count(&t->set[s].evictions, 1);
	if (was_empty)
		sva_iotlb_count32(&t->set[s].valid, 1);
	return true;
}

void sva_iotlb_sync_walks(struct sva_iotlb *t)
{
	if (t->lock[0].sim)
		return; /* sim walks in walk sections of the in-flight counters only */
	/* the caller's change before the reads of the locks (see iotlb.h) */
	atomic_thread_fence(memory_order_seq_cst);
	for (unsigned s = 0; s < t->sets; s++) {
		if (!sva_spin_is_locked(&t->lock[s]))
			continue; /* acquire: a walk that released it is over, and seen */
		sva_spin_lock(&t->lock[s]);
		sva_spin_unlock(&t->lock[s]);
	}
}

/* ---- invalidation ---- */

struct sva_iotlb_match {
	bool all;
	uint32_t did, pasid;
	uint64_t first, last; /* vpn range, inclusive */
};

static bool sva_iotlb_match(struct sva_iotlb_entry *e, const struct sva_iotlb_match *m)
{
	uint64_t vpn, n;

	if (!atomic_load_explicit(&e->perm, memory_order_relaxed))
		return false;
	if (m->all)
		return true;
	if (atomic_load_explicit(&e->did, memory_order_relaxed) != m->did ||
	    atomic_load_explicit(&e->pasid, memory_order_relaxed) != m->pasid)
		return false;
	vpn = atomic_load_explicit(&e->vpn, memory_order_relaxed);
	n = 1ull << (sva_iotlb_shift(atomic_load_explicit(&e->perm, memory_order_relaxed)) - 12);
	vpn &= ~(n - 1); /* a piece of a huge page goes with any part of its page */
	return vpn + (n - 1) >= m->first && vpn <= m->last;
}

/* Empty the ways of set @s that match; returns how many. */
static unsigned sva_iotlb_flush_set(struct sva_iotlb *t, unsigned s,
				    const struct sva_iotlb_match *m)
{
	struct sva_iotlb_entry *ways = &t->entry[(size_t)s * t->ways];
	unsigned n = 0;

	sva_spin_lock(&t->lock[s]);
	for (unsigned i = 0; i < t->ways; i++) {
		if (!sva_iotlb_match(&ways[i], m))
			continue;
		if (!n)
			sva_iotlb_write_begin(t, s);
		atomic_store_explicit(&ways[i].perm, 0, memory_order_release);
		n++;
	}
	if (n) {
		sva_iotlb_write_end(t, s);
		sva_iotlb_count32(&t->set[s].valid, -(int)n);
	}
	sva_spin_unlock(&t->lock[s]);
	return n;
}

static void sva_iotlb_flush(struct sva_iotlb *t, const struct sva_iotlb_match *m)
{

	/* Before any set: a walk that began before this reads the old generation. */
	sva_por_access(t->w, t->gen_por_id); /* @gen: read lock-free by every walk */
	atomic_fetch_add_explicit(&t->gen, 1, memory_order_seq_cst);
	atomic_fetch_add_explicit(&t->invalidations, 1, memory_order_relaxed);
	if (!m->all && m->last - m->first < t->sets && !atomic_load(&t->huge)) {
		/* Few pages: visit only their sets (each once: fewer pages than sets). */
		for (uint64_t vpn = m->first;; vpn++) {
			struct sva_iotlb_key k = { .did = m->did, .pasid = m->pasid, .vpn = vpn };

			sva_iotlb_flush_set(t, sva_iotlb_set_of(t, &k), m);
			if (vpn == m->last)
				break;
		}
	} else {
		for (unsigned s = 0; s < t->sets; s++)
			sva_iotlb_flush_set(t, s, m);
	}
	/* the caller goes on in this step, past a fill that read the old @gen: name it again */
	sva_por_access(t->w, t->gen_por_id);
}

void sva_iotlb_invalidate_range(struct sva_iotlb *t, uint32_t did, uint32_t pasid, uint64_t vpn,
				uint64_t npages)
{
	struct sva_iotlb_match m = { .did = did, .pasid = pasid, .first = vpn };

	if (!npages)
		return;
	m.last = npages - 1 > UINT64_MAX - vpn ? UINT64_MAX : vpn + (npages - 1);
	sva_iotlb_flush(t, &m);
}

void sva_iotlb_invalidate_pasid(struct sva_iotlb *t, uint32_t did, uint32_t pasid)
{
	struct sva_iotlb_match m = { .did = did, .pasid = pasid, .first = 0, .last = UINT64_MAX };

	sva_iotlb_flush(t, &m);
}

void sva_iotlb_invalidate_all(struct sva_iotlb *t)
{
	struct sva_iotlb_match m = { .all = true };

	sva_iotlb_flush(t, &m);
}

void sva_iotlb_counts(struct sva_iotlb *t, struct sva_iotlb_counts *out)
{
	*out = (struct sva_iotlb_counts){
		.invalidations = atomic_load_explicit(&t->invalidations, memory_order_relaxed),
	};
	for (unsigned s = 0; s < t->sets; s++) {
		out->fills += atomic_load_explicit(&t->set[s].fills, memory_order_relaxed);
		out->evictions += atomic_load_explicit(&t->set[s].evictions, memory_order_relaxed);
		out->valid += atomic_load_explicit(&t->set[s].valid, memory_order_relaxed);
	}
}

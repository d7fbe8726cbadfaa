/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker (see sva/check.h): a subscriber to the world's events that keeps shadow
 * state - which (mm, generation) owns each PASID, the state of every device's PASID entry and
 * the generation it translates for, which devices are bound to which PASID, the page-request
 * groups waiting for an answer, every mm and its object - and reports a violation the moment
 * an event breaks an invariant.
 *
 * The checker subscribes ordered (sva_world_subscribe_ordered): events reach it in the order
 * the trace recorded them, also on native threads, so it judges the history that happened.
 * The shadow sets are hash tables (table.h): every event is judged in constant time, however
 * long the run. Events arrive from any actor (native: any thread); the shadow state is under
 * @lock, a plain pthread mutex (the checker is infrastructure, not model: it holds no model
 * lock and makes no scheduling point; its looks at the model, the page-table query of a DMA
 * access's mm or of the embedder's table (through the swiommu's backend), are read-only walks
 * made while the access's DMA section keeps that table alive).
 * Violations are reported after the lock is dropped. String values of events are interned by
 * the trace ring, so device names compare by pointer. Events are told apart by kind
 * (sva/events.h) and read by typed field accessors: a renamed or removed event does not
 * compile here.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sva/sync.h"
#include "sva/check.h"
#include "sva/mem.h"
#include "sva/mm.h"
#include "sva/swiommu.h" /* sva_pasid_entry_state_name */
#include "table.h"

/* key: the PASID */
struct sva_chk_pasid {
	struct sva_chk_key key;
	uint64_t mm;  /* 0: a driver's private PASID */
	uint64_t gen; /* which allocation of the value: the owner is (mm, gen) */
};

/*
 * key: the PASID. What still holds it: device entries and unanswered page-request groups, so
 * that its free is judged without a walk of every entry.
 */
struct sva_chk_hold {
	struct sva_chk_key key;
	unsigned long entries, groups;
};

/* key: the device and the PASID */
struct sva_chk_entry {
	struct sva_chk_key key;
	uint64_t state; /* sva_pasid_entry_state */
	uint64_t mm;	/* whose page table the entry translates through */
	uint64_t gen;	/* for which generation of the PASID */
};

/*
 * key: the device and the PASID. Bound from the device's first bind to its last unbind (the
 * unbind is traced once its detach, and the drain of its page requests, is done), for the
 * PASID's generation of the bind.
 */
struct sva_chk_bind {
	struct sva_chk_key key;
	uint64_t gen;
};

/*
 * key: the mm's id. An mm from creation to free; torn down once exit_mmap started (mm_users
 * reached zero).
 */
struct sva_chk_mm {
	struct sva_chk_key key;
	bool torn_down;
	struct sva_mm *mm; /* the object, to query its page table (I3) */
};

/*
 * key: the page's address (in the pasid part) and the mm's id. A page written out to swap
 * (pageout took its contents), until it is swapped in again or unmapped: a DMA write to its
 * frame meanwhile is lost - the swapped contents do not have it.
 */
struct sva_chk_written_out {
	struct sva_chk_key key;
	uint64_t frame;
};

/* key: the device, the PASID and the group id */
struct sva_chk_group {
	struct sva_chk_key key;
	unsigned long pending; /* reported, not yet answered */
	bool held;	       /* counted in the PASID's holds (not an embedder table's group) */
};

/*
 * key: the device and the PASID. An entry pointed at the embedder's first-stage table (from
 * swiommu.embed_table set to its clear): the PASID is the embedder's (its guest's), not of the
 * global space, so it holds nothing there; its accesses (dma.access_guest) are judged against
 * the table, queried through the swiommu. A change the embedder announced is pending over
 * [pstart, pend) until an invalidation covering it is done. @gen names the installation: work
 * stamped with another (a page request of a table since cleared or replaced) is I2.
 */
struct sva_chk_embed {
	struct sva_chk_key key;
	struct sva_swiommu *sw;
	uint64_t root, gen;
	bool pending;
	uint64_t pstart, pend;
};

struct sva_checker {
	struct sva_world *w;
	pthread_mutex_t lock;
	struct sva_chk_table pasids, holds, entries, binds, groups, mms, written_out, embeds;
	unsigned long unanswered; /* page-request groups, over every device */
	unsigned long violations[SVA_INVARIANT_NR];
	unsigned long events;
	unsigned long events_of[SVA_EV_NR]; /* per kind: what the audit compares counters with */
	bool stop_on_violation;
	uint32_t por_id; /* POR (sim): the shadow a DMA access is judged against */
};

static const char *const sva_invariant_names[SVA_INVARIANT_NR] = {
	[SVA_I1_UNIQUENESS] = "I1 uniqueness",
	[SVA_I2_NO_EARLY_REUSE] = "I2 no early reuse",
	[SVA_I3_ISOLATION] = "I3 isolation",
	[SVA_I4_NO_LEAKS] = "I4 no leaks",
	[SVA_I5_REFCOUNT] = "I5 refcount sanity",
	[SVA_I6_LIVENESS] = "I6 liveness",
	[SVA_I7_QUIET_TEARDOWN] = "I7 quiet teardown",
};

/* the swiommu's entry states, by value (the checker does not include a driver header) */
enum { SVA_CHK_INVALID = 0, SVA_CHK_TRANSLATING = 1, SVA_CHK_BLOCKING_SILENT = 2 };

const char *sva_invariant_name(enum sva_invariant inv)
{
	return inv > 0 && inv < SVA_INVARIANT_NR ? sva_invariant_names[inv] : "?";
}

/* ---- the sets ---- */

#define SVA_CHK_KEY(dev, pasid_, id_) \
	(&(const struct sva_chk_key){ .device = (dev), .pasid = (pasid_), .id = (id_) })

/* Count a hold on @pasid (@entries, @groups: +1, -1 or 0). */
static void sva_chk_hold(struct sva_checker *c, uint64_t pasid, int entries, int groups)
{
	struct sva_chk_hold *h = sva_chk_put(&c->holds, SVA_CHK_KEY(NULL, pasid, 0));

	if (!h)
		return;
	h->entries += (unsigned long)(long)entries;
	h->groups += (unsigned long)(long)groups;
	if (!h->entries && !h->groups)
		sva_chk_remove(&c->holds, &h->key);
}

/* The first record of @t on @pasid (to name it in a violation: a walk, on that path only). */
static void *sva_chk_first_on(const struct sva_chk_table *t, uint64_t pasid)
{
	for (size_t i = 0; i < t->cap; i++) {
		struct sva_chk_key *k = sva_chk_slot(t, i);

		if (k && k->pasid == pasid)
			return k;
	}
	return NULL;
}

/* ---- events ---- */

struct sva_chk_violation {
	enum sva_invariant inv; /* a violation to report */
	bool stop;		/* or one the world reported already: only stop */
	char msg[240];
};

/* A PASID is given to an owner (mm id, or 0 for a driver's own). */
static void sva_chk_pasid_given(struct sva_checker *c, uint32_t pasid, uint64_t mm, uint64_t gen,
				struct sva_chk_violation *v)
{
	struct sva_chk_pasid *p = sva_chk_get(&c->pasids, SVA_CHK_KEY(NULL, pasid, 0));

	if (p) {
		v->inv = SVA_I1_UNIQUENESS;
		snprintf(v->msg, sizeof(v->msg), "PASID %u given to %s%llu while %s%llu holds it",
			 pasid, mm ? "mm" : "a driver", (unsigned long long)mm,
			 p->mm ? "mm" : "a driver", (unsigned long long)p->mm);
		return;
	}
	p = sva_chk_put(&c->pasids, SVA_CHK_KEY(NULL, pasid, 0));
	if (p) {
		p->mm = mm;
		p->gen = gen;
	}
}

/* A PASID goes back to the allocator: no device may still hold it. */
static void sva_chk_pasid_freed(struct sva_checker *c, uint32_t pasid, struct sva_chk_violation *v)
{
	struct sva_chk_hold *h = sva_chk_get(&c->holds, SVA_CHK_KEY(NULL, pasid, 0));
	struct sva_chk_entry *e;
	struct sva_chk_group *g;
	char state[24];

	sva_chk_remove(&c->pasids, SVA_CHK_KEY(NULL, pasid, 0));
	if (!h)
		return;
	v->inv = SVA_I2_NO_EARLY_REUSE;
	e = h->entries ? sva_chk_first_on(&c->entries, pasid) : NULL;
	g = h->groups ? sva_chk_first_on(&c->groups, pasid) : NULL;
	if (e)
		snprintf(v->msg, sizeof(v->msg),
			 "PASID %u freed while %s still holds an entry (state %s)", pasid,
			 e->key.device, sva_pasid_entry_state_name(e->state, state, sizeof(state)));
	else if (g)
		snprintf(v->msg, sizeof(v->msg),
			 "PASID %u freed with page-request group %llu of %s unanswered", pasid,
			 (unsigned long long)g->key.id, g->key.device);
}

static void sva_chk_entry_set(struct sva_checker *c, const struct sva_trace_event *ev)
{
	const char *dev = sva_ev_str(ev, SWIOMMU_PASID_ENTRY, device);
	uint32_t pasid = (uint32_t)sva_ev_num(ev, SWIOMMU_PASID_ENTRY, pasid);
	uint64_t state = sva_ev_num(ev, SWIOMMU_PASID_ENTRY, state);
	const struct sva_chk_key *k = SVA_CHK_KEY(dev, pasid, 0);
	struct sva_chk_entry *e = sva_chk_get(&c->entries, k);
	/* an embedder table's PASID is not the global space's: it holds nothing there */
	int hold = sva_chk_get(&c->embeds, k) ? 0 : 1;

	if (state == SVA_CHK_INVALID) {
		if (e) {
			sva_chk_remove(&c->entries, k);
			sva_chk_hold(c, pasid, -hold, 0);
		}
		return;
	}
	if (!e) {
		e = sva_chk_put(&c->entries, k);
		if (e)
			sva_chk_hold(c, pasid, hold, 0);
	}
	if (e) {
		e->state = state;
		e->mm = sva_ev_num(ev, SWIOMMU_PASID_ENTRY, mm);
		e->gen = sva_ev_num(ev, SWIOMMU_PASID_ENTRY, gen);
	}
}

/* Does @pte let a device's user request @write at @frame? */
static bool sva_chk_pte_allows(uint64_t pte, uint64_t frame, bool write)
{
	uint64_t need = SVA_PTE_PRESENT | SVA_PTE_USER | (write ? SVA_PTE_WRITE : 0);

	return (pte & need) == need && sva_pte_pfn(pte) == frame;
}

/*
 * I3 at frame level: the access reached @frame at @va of mm @id, which must map it there with
 * the access's permission now - unless a change of that page table is still being
 * invalidated (the device may use the old translation until the invalidation completes; after
 * it, a stale IOTLB or ATC entry is a violation).
 */
static void sva_chk_dma_frame(struct sva_checker *c, const struct sva_trace_event *ev, uint64_t id,
			      struct sva_chk_violation *v)
{
	struct sva_chk_mm *m = sva_chk_get(&c->mms, SVA_CHK_KEY(NULL, 0, id));
	uint64_t va = sva_ev_num(ev, DMA_ACCESS, addr), frame = sva_ev_num(ev, DMA_ACCESS, frame);
	bool write = sva_ev_num(ev, DMA_ACCESS, write), pending;
	struct sva_chk_written_out *o;
	uint64_t pte;

	if (!m || !m->mm)
		return;
	o = write ? sva_chk_get(&c->written_out, SVA_CHK_KEY(NULL, va & SVA_PAGE_MASK, id)) : NULL;
	if (o && o->frame == frame) {
		v->inv = SVA_I3_ISOLATION;
		snprintf(v->msg, sizeof(v->msg),
			 "%s wrote frame %llu at %#llx on PASID %llu after mm%llu's page there was "
			 "written out to swap (the write is lost: reclaim took the contents before "
			 "the device's translation was invalidated)",
			 sva_ev_str(ev, DMA_ACCESS, device), (unsigned long long)frame,
			 (unsigned long long)va,
			 (unsigned long long)sva_ev_num(ev, DMA_ACCESS, pasid),
			 (unsigned long long)id);
		return;
	}
	pte = sva_mm_query_pte(m->mm, va, &pending);
	if (pending || sva_chk_pte_allows(pte, frame, write))
		return;
	v->inv = SVA_I3_ISOLATION;
	if (!(pte & SVA_PTE_PRESENT))
		snprintf(v->msg, sizeof(v->msg),
			 "%s %s frame %llu at %#llx on PASID %llu, which mm%llu does not map (a "
			 "stale IOTLB or ATC entry)",
			 sva_ev_str(ev, DMA_ACCESS, device), write ? "wrote" : "read",
			 (unsigned long long)frame, (unsigned long long)va,
			 (unsigned long long)sva_ev_num(ev, DMA_ACCESS, pasid),
			 (unsigned long long)id);
	else
		snprintf(v->msg, sizeof(v->msg),
			 "%s %s frame %llu at %#llx on PASID %llu, which mm%llu maps to frame "
			 "%llu%s "
			 "(a stale IOTLB or ATC entry)",
			 sva_ev_str(ev, DMA_ACCESS, device), write ? "wrote" : "read",
			 (unsigned long long)frame, (unsigned long long)va,
			 (unsigned long long)sva_ev_num(ev, DMA_ACCESS, pasid),
			 (unsigned long long)id, (unsigned long long)sva_pte_pfn(pte),
			 !(pte & SVA_PTE_USER)	  ? " without user access"
			 : !(pte & SVA_PTE_WRITE) ? " read-only"
						  : "");
}

/* swiommu.embed_table: (device, PASID) points at the embedder's table (set), or no longer. */
static void sva_chk_embed_table(struct sva_checker *c, const struct sva_trace_event *ev)
{
	const struct sva_chk_key *k = SVA_CHK_KEY(sva_ev_str(ev, SWIOMMU_EMBED_TABLE, device),
						  sva_ev_num(ev, SWIOMMU_EMBED_TABLE, pasid), 0);
	struct sva_chk_embed *t;

	if (!sva_ev_num(ev, SWIOMMU_EMBED_TABLE, set)) {
		sva_chk_remove(&c->embeds, k);
		return;
	}
	t = sva_chk_put(&c->embeds, k);
	if (t) {
		t->sw = (struct sva_swiommu *)(uintptr_t)ev->obj; /* queried, never changed */
		t->root = sva_ev_num(ev, SWIOMMU_EMBED_TABLE, root);
		t->gen = sva_ev_num(ev, SWIOMMU_EMBED_TABLE, gen);
		t->pending = false;
	}
}

/* The embedder announced a change of [start, end): pending until invalidated. */
static void sva_chk_embed_change(struct sva_checker *c, const struct sva_trace_event *ev)
{
	struct sva_chk_embed *t = sva_chk_get(
		&c->embeds, SVA_CHK_KEY(sva_ev_str(ev, SWIOMMU_EMBED_CHANGE, device),
					sva_ev_num(ev, SWIOMMU_EMBED_CHANGE, pasid), 0));
	uint64_t start = sva_ev_num(ev, SWIOMMU_EMBED_CHANGE, start);
	uint64_t end = sva_ev_num(ev, SWIOMMU_EMBED_CHANGE, end);

	if (!t)
		return;
	if (!t->pending) {
		t->pstart = start;
		t->pend = end;
	}
	t->pstart = start < t->pstart ? start : t->pstart;
	t->pend = end > t->pend ? end : t->pend;
	t->pending = true;
}

/* An invalidation done (its wait for DMA included): the changes it covers are no longer pending. */
static void sva_chk_embed_invalidate(struct sva_checker *c, const struct sva_trace_event *ev)
{
	struct sva_chk_embed *t = sva_chk_get(
		&c->embeds, SVA_CHK_KEY(sva_ev_str(ev, SWIOMMU_EMBED_INVALIDATE, device),
					sva_ev_num(ev, SWIOMMU_EMBED_INVALIDATE, pasid), 0));

	if (t && t->pending && sva_ev_num(ev, SWIOMMU_EMBED_INVALIDATE, start) <= t->pstart &&
	    sva_ev_num(ev, SWIOMMU_EMBED_INVALIDATE, end) >= t->pend)
		t->pending = false;
}

/*
 * An access to the embedder's memory (I3): the device's entry must translate through the
 * embedder's table, and - unless a change the embedder announced is still being invalidated -
 * the table must map the address to the page reached, with the access's permission (a user
 * request: U/S, and R/W for a write). A stale IOTLB or ATC entry after the invalidation, or a
 * DMA the invalidation did not wait for, reaches a page the table no longer maps there.
 */
static void sva_chk_dma_guest(struct sva_checker *c, const struct sva_trace_event *ev,
			      struct sva_chk_violation *v)
{
	const char *dev = sva_ev_str(ev, DMA_ACCESS_GUEST, device);
	uint32_t pasid = (uint32_t)sva_ev_num(ev, DMA_ACCESS_GUEST, pasid);
	unsigned long long va = sva_ev_num(ev, DMA_ACCESS_GUEST, addr);
	unsigned long long gpa = sva_ev_num(ev, DMA_ACCESS_GUEST, gpa);
	bool write = sva_ev_num(ev, DMA_ACCESS_GUEST, write);
	const struct sva_chk_key *k = SVA_CHK_KEY(dev, pasid, 0);
	struct sva_chk_entry *e = sva_chk_get(&c->entries, k);
	struct sva_chk_embed *t = sva_chk_get(&c->embeds, k);
	uint64_t need = SVA_PTE_PRESENT | SVA_PTE_USER | (write ? SVA_PTE_WRITE : 0), pte;

	if (!t || !e || e->state != SVA_CHK_TRANSLATING) {
		v->inv = SVA_I3_ISOLATION;
		snprintf(v->msg, sizeof(v->msg),
			 "%s %s guest-physical %#llx at %#llx on PASID %u, whose entry %s", dev,
			 write ? "wrote" : "read", gpa, va, pasid,
			 !t ? "points at no embedder table (cleared)" : "does not translate");
		return;
	}
	if (t->pending && va >= t->pstart && va < t->pend)
		return; /* changed, not yet invalidated: the old translation may still be used */
	pte = sva_swiommu_query_table(t->sw, t->root, va);
	if ((pte & need) == need && (pte & SVA_PTE_PFN_MASK) == (gpa & SVA_PAGE_MASK))
		return;
	v->inv = SVA_I3_ISOLATION;
	if (!(pte & SVA_PTE_PRESENT))
		snprintf(v->msg, sizeof(v->msg),
			 "%s %s guest-physical %#llx at %#llx on PASID %u, which the embedder's "
			 "table (root %#llx) does not map since its invalidation (a stale IOTLB or "
			 "ATC entry, or DMA the invalidation did not wait for)",
			 dev, write ? "wrote" : "read", gpa, va, pasid,
			 (unsigned long long)t->root);
	else
		snprintf(v->msg, sizeof(v->msg),
			 "%s %s guest-physical %#llx at %#llx on PASID %u, which the embedder's "
			 "table (root %#llx) maps to %#llx%s since its invalidation (a stale IOTLB "
			 "or ATC entry, or DMA the invalidation did not wait for)",
			 dev, write ? "wrote" : "read", gpa, va, pasid, (unsigned long long)t->root,
			 (unsigned long long)(pte & SVA_PTE_PFN_MASK),
			 !(pte & SVA_PTE_USER)	  ? " without user access"
			 : !(pte & SVA_PTE_WRITE) ? " read-only"
						  : "");
}

/*
 * A DMA access that translated (I3): the device's entry for the PASID must translate, for the
 * PASID's owner now (mm and generation) - not a former owner's - and the access must have been
 * issued under that generation; then it must reach the frame the owner's page table maps.
 */
static void sva_chk_dma_access(struct sva_checker *c, const struct sva_trace_event *ev,
			       struct sva_chk_violation *v)
{
	const char *dev = sva_ev_str(ev, DMA_ACCESS, device);
	uint32_t pasid = (uint32_t)sva_ev_num(ev, DMA_ACCESS, pasid);
	uint64_t gen = sva_ev_num(ev, DMA_ACCESS, gen);
	unsigned long long va = sva_ev_num(ev, DMA_ACCESS, addr);
	struct sva_chk_entry *e = sva_chk_get(&c->entries, SVA_CHK_KEY(dev, pasid, 0));
	struct sva_chk_pasid *p = sva_chk_get(&c->pasids, SVA_CHK_KEY(NULL, pasid, 0));
	bool translating = e && e->state == SVA_CHK_TRANSLATING;

	if (translating && p && !p->mm) /* a driver's own PASID: not an mm's to judge */
		return;
	if (translating && p && p->mm == e->mm && (!e->gen || e->gen == p->gen) &&
	    (!gen || gen == p->gen)) {
		sva_chk_dma_frame(c, ev, p->mm, v);
		return;
	}
	v->inv = SVA_I3_ISOLATION;
	if (!p)
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u, which belongs to nobody", dev, va, pasid);
	else if (!translating)
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u, whose entry does not translate", dev, va,
			 pasid);
	else if (p->mm != e->mm || e->gen != p->gen)
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u through mm%llu's page table (generation "
			 "%llu), but the PASID belongs to mm%llu (generation %llu)",
			 dev, va, pasid, (unsigned long long)e->mm, (unsigned long long)e->gen,
			 (unsigned long long)p->mm, (unsigned long long)p->gen);
	else
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u for generation %llu of the PASID, now "
			 "generation %llu (mm%llu)",
			 dev, va, pasid, (unsigned long long)gen, (unsigned long long)p->gen,
			 (unsigned long long)p->mm);
}

/*
 * Work issued under installation @gen of an embedder's table at @dev's @pasid must be done while
 * that table is installed there (I2): not after the embedder cleared it, nor for the table
 * that replaced it. Without a device to look it up (a handler's event), not judged.
 */
static void sva_chk_issued_embedder(struct sva_checker *c, const char *what, const char *dev,
				    uint64_t pasid, uint64_t gen, struct sva_chk_violation *v)
{
	struct sva_chk_embed *t = dev ? sva_chk_get(&c->embeds, SVA_CHK_KEY(dev, pasid, 0)) : NULL;
	unsigned long long n = gen & ~SVA_PASID_GEN_EMBEDDER;

	if (!dev || (t && t->gen == gen))
		return;
	v->inv = SVA_I2_NO_EARLY_REUSE;
	if (!t)
		snprintf(v->msg, sizeof(v->msg),
			 "%s on PASID %llu of %s (the embedder's table #%llu) after the embedder "
			 "cleared the table",
			 what, (unsigned long long)pasid, dev, n);
	else
		snprintf(v->msg, sizeof(v->msg),
			 "%s issued under the embedder's table #%llu at PASID %llu of %s, since "
			 "replaced by table #%llu",
			 what, n, (unsigned long long)pasid, dev,
			 (unsigned long long)(t->gen & ~SVA_PASID_GEN_EMBEDDER));
}

/*
 * Work issued under generation @gen of @pasid (a page request, its handling, its answer; a
 * descriptor's completion) must be done while that generation owns the PASID (I2): not for the
 * PASID's next owner, nor after it was freed. @dev, when given, must still be bound to it (not
 * after its last unbind). An embedder's table's generation: sva_chk_issued_embedder().
 */
static void sva_chk_issued(struct sva_checker *c, const char *what, const char *dev, uint64_t pasid,
			   uint64_t gen, struct sva_chk_violation *v)
{
	struct sva_chk_pasid *p = sva_chk_get(&c->pasids, SVA_CHK_KEY(NULL, pasid, 0));
	struct sva_chk_bind *b = dev ? sva_chk_get(&c->binds, SVA_CHK_KEY(dev, pasid, 0)) : NULL;

	if (!gen)
		return; /* not issued under an owner's PASID */
	if (gen & SVA_PASID_GEN_EMBEDDER) {
		sva_chk_issued_embedder(c, what, dev, pasid, gen, v);
		return;
	}
	if (p && p->gen == gen && (!dev || (b && b->gen == gen)))
		return;
	v->inv = SVA_I2_NO_EARLY_REUSE;
	if (!p)
		snprintf(v->msg, sizeof(v->msg),
			 "%s on PASID %llu (generation %llu) after the PASID was freed", what,
			 (unsigned long long)pasid, (unsigned long long)gen);
	else if (p->gen != gen)
		snprintf(v->msg, sizeof(v->msg),
			 "%s issued under generation %llu of PASID %llu, which now belongs to "
			 "mm%llu "
			 "(generation %llu)",
			 what, (unsigned long long)gen, (unsigned long long)pasid,
			 (unsigned long long)p->mm, (unsigned long long)p->gen);
	else
		snprintf(v->msg, sizeof(v->msg), "%s on PASID %llu after %s's last unbind of it",
			 what, (unsigned long long)pasid, dev);
}

/*
 * ENQCMD takes its PASID from the task's IA32_PASID register: it must be the PASID of the
 * task's own mm (I3). A register carried across fork or exec without the clear the kernel does
 * gives a child's descriptors its parent's address space.
 */
static void sva_chk_enqcmd(struct sva_checker *c, const struct sva_trace_event *ev,
			   struct sva_chk_violation *v)
{
	uint64_t mm = sva_ev_num(ev, ACCEL_ENQCMD, mm);
	struct sva_chk_pasid *p = sva_chk_get(&c->pasids, SVA_CHK_KEY(NULL, ev->track_id, 0));

	if (p && p->mm == mm)
		return;
	v->inv = SVA_I3_ISOLATION;
	snprintf(v->msg, sizeof(v->msg),
		 "task %llu of mm%llu submitted a descriptor with PASID %llu, which %s (its "
		 "IA32_PASID holds another address space's PASID)",
		 (unsigned long long)sva_ev_num(ev, ACCEL_ENQCMD, tid), (unsigned long long)mm,
		 (unsigned long long)ev->track_id,
		 p ? "belongs to another mm" : "belongs to nobody");
}

static void sva_chk_bind_event(struct sva_checker *c, const struct sva_trace_event *ev)
{
	uint64_t pasid = sva_ev_num(ev, SVA_BIND, pasid);
	struct sva_chk_pasid *p = sva_chk_get(&c->pasids, SVA_CHK_KEY(NULL, pasid, 0));
	struct sva_chk_bind *b =
		sva_chk_put(&c->binds, SVA_CHK_KEY(sva_ev_str(ev, SVA_BIND, device), pasid, 0));

	if (b)
		b->gen = p ? p->gen : 0;
}

/* After a device's last unbind of a PASID, its entry must be gone (I3). */
static void sva_chk_unbind(struct sva_checker *c, const struct sva_trace_event *ev,
			   struct sva_chk_violation *v)
{
	const char *dev = sva_ev_str(ev, SVA_UNBIND, device);
	uint32_t pasid = (uint32_t)sva_ev_num(ev, SVA_UNBIND, pasid);
	struct sva_chk_entry *e;
	char state[24];

	if (!sva_ev_num(ev, SVA_UNBIND, last))
		return;
	sva_chk_remove(&c->binds, SVA_CHK_KEY(dev, pasid, 0));
	e = sva_chk_get(&c->entries, SVA_CHK_KEY(dev, pasid, 0));
	if (!e)
		return;
	v->inv = SVA_I3_ISOLATION;
	snprintf(v->msg, sizeof(v->msg),
		 "%s keeps its entry for PASID %u (mm%llu, state %s) after its last unbind", dev,
		 pasid, (unsigned long long)e->mm,
		 sva_pasid_entry_state_name(e->state, state, sizeof(state)));
}

/* An mm from creation to free (I5: nothing is served on it once exit_mmap started). */
static void sva_chk_mm_create(struct sva_checker *c, uint64_t id, const void *obj)
{
	struct sva_chk_mm *m = sva_chk_put(&c->mms, SVA_CHK_KEY(NULL, 0, id));

	if (m) {
		m->torn_down = false;
		m->mm = (struct sva_mm *)(uintptr_t)obj; /* queried, never changed */
	}
}

static void sva_chk_mm_free(struct sva_checker *c, uint64_t id)
{
	sva_chk_remove(&c->mms, SVA_CHK_KEY(NULL, 0, id));
}

static void sva_chk_mm_exit_mmap(struct sva_checker *c, uint64_t id)
{
	struct sva_chk_mm *m = sva_chk_get(&c->mms, SVA_CHK_KEY(NULL, 0, id));

	if (m)
		m->torn_down = true;
}

/* A fault served on mm @id (a CPU's, or a device's page request): it must have users (I5). */
/* A page of an mm written out to swap: a DMA write to its frame is lost until the mm faults there.
 */
static void sva_chk_written_out(struct sva_checker *c, const struct sva_trace_event *ev)
{
	struct sva_chk_written_out *o = sva_chk_put(
		&c->written_out,
		SVA_CHK_KEY(NULL, sva_ev_num(ev, MM_SWAP_WRITEOUT, addr) & SVA_PAGE_MASK,
			    sva_ev_num(ev, MM_SWAP_WRITEOUT, mm)));

	if (o)
		o->frame = sva_ev_num(ev, MM_SWAP_WRITEOUT, frame);
}

/*
 * [@addr, +@len) of the mm no longer holds written-out pages: swapped in again (a new frame, or
 * the same frame number reused), or unmapped (a later mapping there is a new page).
 */
static void sva_chk_page_back(struct sva_checker *c, uint64_t mm, uint64_t addr, uint64_t len)
{
	for (uint64_t a = addr & SVA_PAGE_MASK; a < addr + len && c->written_out.n;
	     a += SVA_PAGE_SIZE)
		sva_chk_remove(&c->written_out, SVA_CHK_KEY(NULL, a, mm));
}

static void sva_chk_mm_used(struct sva_checker *c, uint64_t id, uint64_t addr, const char *what,
			    struct sva_chk_violation *v)
{
	struct sva_chk_mm *m = sva_chk_get(&c->mms, SVA_CHK_KEY(NULL, 0, id));

	if (!m || !m->torn_down)
		return;
	v->inv = SVA_I5_REFCOUNT;
	snprintf(
		v->msg, sizeof(v->msg),
		"%s at %#llx used mm%llu after its last user went (its address space is torn down)",
		what, (unsigned long long)addr, (unsigned long long)id);
}

static void sva_chk_fault(struct sva_checker *c, const struct sva_trace_event *ev,
			  struct sva_chk_violation *v)
{
	const char *dev = sva_ev_str(ev, SWIOMMU_FAULT, device);
	uint32_t pasid = (uint32_t)sva_ev_num(ev, SWIOMMU_FAULT, pasid);
	struct sva_chk_entry *e = sva_chk_get(&c->entries, SVA_CHK_KEY(dev, pasid, 0));

	if (e && e->state == SVA_CHK_BLOCKING_SILENT) {
		v->inv = SVA_I7_QUIET_TEARDOWN;
		snprintf(v->msg, sizeof(v->msg),
			 "a fault of %s on PASID %u at %#llx was reported after the mm's release, "
			 "before unbind",
			 dev, pasid, (unsigned long long)sva_ev_num(ev, SWIOMMU_FAULT, addr));
	}
}

static void sva_chk_iopf_report(struct sva_checker *c, const struct sva_trace_event *ev,
				struct sva_chk_violation *v)
{
	const struct sva_chk_key *k =
		SVA_CHK_KEY(sva_ev_str(ev, IOPF_REPORT, device), sva_ev_num(ev, IOPF_REPORT, pasid),
			    sva_ev_num(ev, IOPF_REPORT, grpid));
	struct sva_chk_group *g;

	sva_chk_issued(c, "a page request reported", k->device, k->pasid,
		       sva_ev_num(ev, IOPF_REPORT, gen), v);
	if (!sva_ev_num(ev, IOPF_REPORT, last))
		return; /* groups are answered, not requests */
	g = sva_chk_put(&c->groups, k);
	if (!g)
		return;
	if (!g->pending++)
		g->held = !sva_chk_get(&c->embeds, SVA_CHK_KEY(k->device, k->pasid, 0));
	c->unanswered++;
	if (g->held)
		sva_chk_hold(c, k->pasid, 0, 1);
}

static void sva_chk_iopf_response(struct sva_checker *c, const struct sva_trace_event *ev,
				  struct sva_chk_violation *v)
{
	const char *dev = sva_ev_str(ev, IOPF_RESPONSE, device);
	uint32_t pasid = (uint32_t)sva_ev_num(ev, IOPF_RESPONSE, pasid);
	uint64_t grpid = sva_ev_num(ev, IOPF_RESPONSE, grpid);
	const struct sva_chk_key *k = SVA_CHK_KEY(dev, pasid, grpid);
	struct sva_chk_group *g = sva_chk_get(&c->groups, k);

	sva_chk_issued(c, "a page response", dev, pasid, sva_ev_num(ev, IOPF_RESPONSE, gen), v);
	if (v->inv)
		return;
	if (g) {
		bool held = g->held;

		if (!--g->pending)
			sva_chk_remove(&c->groups, k);
		c->unanswered--;
		if (held)
			sva_chk_hold(c, pasid, 0, -1);
		return;
	}
	v->inv = SVA_I6_LIVENESS;
	snprintf(v->msg, sizeof(v->msg),
		 "page-request group %llu of %s on PASID %u answered twice or unasked",
		 (unsigned long long)grpid, dev, pasid);
}

/* The world's own reports that are invariants too. */
static void sva_chk_world_report(struct sva_checker *c, const struct sva_trace_event *ev,
				 struct sva_chk_violation *v)
{
	const char *kind = sva_ev_str(ev, REPORT, kind);

	if (strcmp(kind, sva_report_kind_name(SVA_REPORT_REFCOUNT)) == 0 ||
	    strcmp(kind, sva_report_kind_name(SVA_REPORT_USE_AFTER_FREE)) == 0 ||
	    strcmp(kind, sva_report_kind_name(SVA_REPORT_LIST_CORRUPTION)) == 0)
		c->violations[SVA_I5_REFCOUNT]++; /* a node left on a list: a reference not dropped
						   */
	else if (strcmp(kind, sva_report_kind_name(SVA_REPORT_DEADLOCK)) == 0 ||
		 strcmp(kind, sva_report_kind_name(SVA_REPORT_LOCK_ORDER)) == 0)
		c->violations[SVA_I6_LIVENESS]++; /* an inversion is a deadlock waiting to happen */
	else
		return;
	v->stop = true;
}

/*
 * Partial-order reduction (sim): a DMA access is judged against the shadow of PASID owners,
 * device entries and mms at that moment (and the mm's page table, which names the arena
 * itself), so the step that emits it and every step whose event changes that shadow are
 * dependent: each names the checker's object. The checker runs in the emitter's step.
 */
static void sva_chk_por(struct sva_checker *c, const struct sva_trace_event *ev)
{
	switch (ev->kind) {
	case SVA_EV_PASID_ALLOC:
	case SVA_EV_PASID_FREE:
	case SVA_EV_PASID_ALLOC_PRIVATE:
	case SVA_EV_PASID_FREE_PRIVATE:
	case SVA_EV_SWIOMMU_PASID_ENTRY:
	case SVA_EV_DMA_ACCESS:
	case SVA_EV_DMA_ACCESS_GUEST:
	case SVA_EV_SWIOMMU_EMBED_TABLE:
	case SVA_EV_SWIOMMU_EMBED_CHANGE:
	case SVA_EV_SWIOMMU_EMBED_INVALIDATE:
	case SVA_EV_MM_CREATE:
	case SVA_EV_MM_FREE:
	case SVA_EV_MM_EXIT_MMAP:
	case SVA_EV_SVA_BIND:
	case SVA_EV_SVA_UNBIND:
	case SVA_EV_MM_FAULT:
	case SVA_EV_MM_SWAP_WRITEOUT:
	case SVA_EV_IOPF_HANDLE:
	case SVA_EV_SWIOMMU_FAULT:
	case SVA_EV_ACCEL_ENQCMD:
	case SVA_EV_ACCEL_COMPLETE:
	case SVA_EV_ACCEL_ABORT:
	case SVA_EV_ACCEL_ABORT_QUEUED:
	case SVA_EV_ACCEL_RECORD_LOST:
	case SVA_EV_IOPF_REPORT:
	case SVA_EV_IOPF_RESPONSE:
		sva_por_access(c->w, c->por_id);
		break;
	default:
		break;
	}
}

static void sva_chk_dispatch(struct sva_checker *c, const struct sva_trace_event *ev,
			     struct sva_chk_violation *v)
{
	if (c->por_id)
		sva_chk_por(c, ev);
	switch (ev->kind) {
	case SVA_EV_PASID_ALLOC:
		sva_chk_pasid_given(c, (uint32_t)ev->track_id, sva_ev_num(ev, PASID_ALLOC, mm),
				    sva_ev_num(ev, PASID_ALLOC, gen), v);
		break;
	case SVA_EV_PASID_FREE:
		sva_chk_pasid_freed(c, (uint32_t)ev->track_id, v);
		break;
	case SVA_EV_PASID_ALLOC_PRIVATE:
		sva_chk_pasid_given(c, (uint32_t)sva_ev_num(ev, PASID_ALLOC_PRIVATE, pasid), 0,
				    sva_ev_num(ev, PASID_ALLOC_PRIVATE, gen), v);
		break;
	case SVA_EV_PASID_FREE_PRIVATE:
		sva_chk_pasid_freed(c, (uint32_t)sva_ev_num(ev, PASID_FREE_PRIVATE, pasid), v);
		break;
	case SVA_EV_SWIOMMU_PASID_ENTRY:
		sva_chk_entry_set(c, ev);
		break;
	case SVA_EV_DMA_ACCESS:
		sva_chk_dma_access(c, ev, v);
		break;
	case SVA_EV_DMA_ACCESS_GUEST:
		sva_chk_dma_guest(c, ev, v);
		break;
	case SVA_EV_SWIOMMU_EMBED_TABLE:
		sva_chk_embed_table(c, ev);
		break;
	case SVA_EV_SWIOMMU_EMBED_CHANGE:
		sva_chk_embed_change(c, ev);
		break;
	case SVA_EV_SWIOMMU_EMBED_INVALIDATE:
		sva_chk_embed_invalidate(c, ev);
		break;
	case SVA_EV_SVA_BIND:
		sva_chk_bind_event(c, ev);
		break;
	case SVA_EV_SVA_UNBIND:
		sva_chk_unbind(c, ev, v);
		break;
	case SVA_EV_MM_CREATE:
		sva_chk_mm_create(c, ev->track_id, ev->obj);
		break;
	case SVA_EV_MM_FREE:
		sva_chk_mm_free(c, ev->track_id);
		break;
	case SVA_EV_MM_EXIT_MMAP:
		sva_chk_mm_exit_mmap(c, sva_ev_num(ev, MM_EXIT_MMAP, mm));
		break;
	case SVA_EV_MM_FAULT:
		sva_chk_mm_used(c, sva_ev_num(ev, MM_FAULT, mm), sva_ev_num(ev, MM_FAULT, addr),
				"a fault", v);
		break;
	case SVA_EV_MM_SWAP_WRITEOUT:
		sva_chk_written_out(c, ev);
		break;
	case SVA_EV_MM_SWAP_IN:
		sva_chk_page_back(c, sva_ev_num(ev, MM_SWAP_IN, mm),
				  sva_ev_num(ev, MM_SWAP_IN, addr), SVA_PAGE_SIZE);
		break;
	case SVA_EV_MM_MUNMAP:
		sva_chk_page_back(c, sva_ev_num(ev, MM_MUNMAP, mm),
				  sva_ev_num(ev, MM_MUNMAP, start), sva_ev_num(ev, MM_MUNMAP, len));
		break;
	case SVA_EV_IOPF_HANDLE:
		sva_chk_issued(c, "a page request handled", NULL,
			       sva_ev_num(ev, IOPF_HANDLE, pasid), sva_ev_num(ev, IOPF_HANDLE, gen),
			       v);
		if (!v->inv)
			sva_chk_mm_used(c, sva_ev_num(ev, IOPF_HANDLE, mm),
					sva_ev_num(ev, IOPF_HANDLE, addr),
					"a device's page request", v);
		break;
	case SVA_EV_SWIOMMU_FAULT:
		sva_chk_fault(c, ev, v);
		break;
	case SVA_EV_ACCEL_ENQCMD:
		sva_chk_enqcmd(c, ev, v);
		break;
	case SVA_EV_ACCEL_COMPLETE:
		sva_chk_issued(c, "a descriptor completed", NULL, ev->track_id,
			       sva_ev_num(ev, ACCEL_COMPLETE, gen), v);
		break;
	case SVA_EV_ACCEL_ABORT:
		sva_chk_issued(c, "a descriptor aborted", NULL, ev->track_id,
			       sva_ev_num(ev, ACCEL_ABORT, gen), v);
		break;
	case SVA_EV_ACCEL_ABORT_QUEUED:
		sva_chk_issued(c, "a queued descriptor aborted", NULL, ev->track_id,
			       sva_ev_num(ev, ACCEL_ABORT_QUEUED, gen), v);
		break;
	case SVA_EV_ACCEL_RECORD_LOST:
		sva_chk_issued(c, "a descriptor's completion record", NULL, ev->track_id,
			       sva_ev_num(ev, ACCEL_RECORD_LOST, gen), v);
		break;
	case SVA_EV_IOPF_REPORT:
		sva_chk_iopf_report(c, ev, v);
		break;
	case SVA_EV_IOPF_RESPONSE:
		sva_chk_iopf_response(c, ev, v);
		break;
	case SVA_EV_REPORT:
		sva_chk_world_report(c, ev, v);
		break;
	default:
		break;
	}
}

/* Count and report a violation; stop the run when asked to (lock not held). */
static void SVA_PRINTF(3, 4)
	sva_checker_violated(struct sva_checker *c, enum sva_invariant inv, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->lock);
	c->violations[inv]++;
	pthread_mutex_unlock(&c->lock);
	sva_report(c->w, SVA_REPORT_INVARIANT, "%s: %s", sva_invariant_name(inv), msg);
	if (c->stop_on_violation)
		sva_world_stop(c->w);
}

static void sva_checker_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct sva_checker *c = ctx;
	struct sva_chk_violation v = { .inv = 0 };

	pthread_mutex_lock(&c->lock);
	c->events++;
	if (ev->kind < SVA_EV_NR)
		c->events_of[ev->kind]++;
	sva_chk_dispatch(c, ev, &v);
	pthread_mutex_unlock(&c->lock);
	if (v.inv)
		sva_checker_violated(c, v.inv, "%s", v.msg);
	else if (v.stop && c->stop_on_violation)
		sva_world_stop(w);
}

/* ---- life ---- */

int sva_checker_attach(struct sva_world *w, struct sva_checker **out)
{
	struct sva_checker *c = calloc(1, sizeof(*c));
	int ret;

	if (!c)
		return -ENOMEM;
	c->w = w;
	c->por_id = sva_por_object(w);
	pthread_mutex_init(&c->lock, NULL);
	sva_chk_table_init(&c->pasids, sizeof(struct sva_chk_pasid));
	sva_chk_table_init(&c->holds, sizeof(struct sva_chk_hold));
	sva_chk_table_init(&c->entries, sizeof(struct sva_chk_entry));
	sva_chk_table_init(&c->binds, sizeof(struct sva_chk_bind));
	sva_chk_table_init(&c->groups, sizeof(struct sva_chk_group));
	sva_chk_table_init(&c->mms, sizeof(struct sva_chk_mm));
	sva_chk_table_init(&c->written_out, sizeof(struct sva_chk_written_out));
	sva_chk_table_init(&c->embeds, sizeof(struct sva_chk_embed));
	ret = sva_world_subscribe_ordered(w, sva_checker_event, c);
	if (ret) {
		pthread_mutex_destroy(&c->lock);
		free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void sva_checker_detach(struct sva_checker *c)
{
	if (!c)
		return;
	sva_world_unsubscribe(c->w, sva_checker_event, c);
	sva_chk_table_free(&c->pasids);
	sva_chk_table_free(&c->holds);
	sva_chk_table_free(&c->entries);
	sva_chk_table_free(&c->binds);
	sva_chk_table_free(&c->groups);
	sva_chk_table_free(&c->mms);
	sva_chk_table_free(&c->written_out);
	sva_chk_table_free(&c->embeds);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void sva_checker_stop_on_violation(struct sva_checker *c, bool stop)
{
	pthread_mutex_lock(&c->lock);
	c->stop_on_violation = stop;
	pthread_mutex_unlock(&c->lock);
}

/* The first mm that began and was never torn down, or 0. */
static uint64_t sva_chk_mm_alive(struct sva_checker *c, size_t *n)
{
	uint64_t first = 0;

	*n = 0;
	for (size_t k = 0; k < c->mms.cap; k++) {
		struct sva_chk_mm *m = sva_chk_slot(&c->mms, k);

		if (m && !m->torn_down && !(*n)++)
			first = m->key.id;
	}
	return first;
}

void sva_checker_quiesce(struct sva_checker *c)
{
	unsigned long unanswered;
	size_t alive;
	uint64_t mm;

	pthread_mutex_lock(&c->lock);
	unanswered = c->unanswered;
	mm = sva_chk_mm_alive(c, &alive);
	pthread_mutex_unlock(&c->lock);
	if (unanswered)
		sva_checker_violated(c, SVA_I6_LIVENESS, "%lu page-request groups never answered",
				     unanswered);
	if (alive)
		sva_checker_violated(c, SVA_I6_LIVENESS,
				     "every process is reaped, yet %zu mm (mm%llu first) still has "
				     "users: an exit never completed",
				     alive, (unsigned long long)mm);
}

void sva_checker_finish(struct sva_checker *c)
{
	char leaks[200];
	unsigned long unanswered;

	pthread_mutex_lock(&c->lock);
	unanswered = c->unanswered;
	pthread_mutex_unlock(&c->lock);
	if (unanswered)
		sva_checker_violated(c, SVA_I6_LIVENESS, "%lu page-request groups never answered",
				     unanswered);
	if (sva_alloc_describe_live(c->w, sva_obj_machinery, leaks, sizeof(leaks)))
		sva_checker_violated(c, SVA_I4_NO_LEAKS, "at quiescence: %s", leaks);
}

unsigned long sva_checker_violations(struct sva_checker *c, enum sva_invariant inv)
{
	unsigned long n = 0;

	pthread_mutex_lock(&c->lock);
	if (inv > 0 && inv < SVA_INVARIANT_NR)
		n = c->violations[inv];
	else
		for (int i = 1; i < SVA_INVARIANT_NR; i++)
			n += c->violations[i];
	pthread_mutex_unlock(&c->lock);
	return n;
}

unsigned long sva_checker_events(struct sva_checker *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->lock);
	n = c->events;
	pthread_mutex_unlock(&c->lock);
	return n;
}

unsigned long sva_checker_events_of(struct sva_checker *c, enum sva_event kind)
{
	unsigned long n = 0;

	pthread_mutex_lock(&c->lock);
	if (kind < SVA_EV_NR)
		n = c->events_of[kind];
	pthread_mutex_unlock(&c->lock);
	return n;
}

bool sva_checker_audit(struct sva_checker *c, enum sva_invariant inv, const char *object,
		       const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return true;
	sva_checker_violated(c, inv, "at quiescence, %s: %s %llu, expected %llu", object, what,
			     (unsigned long long)got, (unsigned long long)want);
	return false;
}

/* SPDX-License-Identifier: MIT */
/*
 * The invariant checker (see sva/check.h): a subscriber to the world's events that keeps shadow
 * state - which mm owns each PASID, the state of every device's PASID entry, the page-request
 * groups waiting for an answer - and reports a violation the moment an event breaks an
 * invariant.
 *
 * The checker subscribes ordered (sva_world_subscribe_ordered): events reach it in the order
 * the trace recorded them, also on native threads, so it judges the history that happened.
 * Events arrive from any actor (native: any thread); the shadow state is under @lock, a plain
 * pthread mutex (the checker is infrastructure, not model: it holds no model lock and makes no
 * scheduling point). Violations are reported after the lock is dropped. String values of
 * events are interned by the trace ring, so device names compare by pointer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../base/world.h"
#include "sva/check.h"

/* What a shadow record is found by; the parts a set does not use stay NULL or 0. */
struct sva_chk_key {
	const char *device; /* interned: compared by pointer */
	uint32_t pasid;
	uint64_t id; /* an mm's id, a page-request group's id */
};

/* key: the PASID */
struct sva_chk_pasid {
	struct sva_chk_key key;
	uint64_t mm; /* 0: a driver's private PASID */
};

/* key: the device and the PASID */
struct sva_chk_entry {
	struct sva_chk_key key;
	uint64_t state; /* sva_pasid_entry_state */
	uint64_t mm;	/* whose page table the entry translates through */
};

/*
 * key: the mm's id. An mm from creation to free; torn down once exit_mmap started (mm_users
 * reached zero).
 */
struct sva_chk_mm {
	struct sva_chk_key key;
	bool torn_down;
};

/* key: the device, the PASID and the group id */
struct sva_chk_group {
	struct sva_chk_key key;
};

/* a growable array of fixed-size records, searched linearly (a run holds few) */
struct sva_chk_set {
	void *v;
	size_t n, cap, size;
};

struct sva_checker {
	struct sva_world *w;
	pthread_mutex_t lock;
	struct sva_chk_set pasids, entries, groups, mms;
	unsigned long violations[SVA_INVARIANT_NR];
	unsigned long events;
	bool stop_on_violation;
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

static void *sva_chk_at(struct sva_chk_set *s, size_t i)
{
	return (char *)s->v + i * s->size;
}

static void sva_chk_del(struct sva_chk_set *s, size_t i)
{
	memmove(sva_chk_at(s, i), sva_chk_at(s, i + 1), (s->n - i - 1) * s->size);
	s->n--;
}

/* The record of @s with key (@dev, @pasid, @id), its index in *@i; NULL if there is none. */
static void *sva_chk_find(struct sva_chk_set *s, const char *dev, uint32_t pasid, uint64_t id,
			  size_t *i)
{
	for (size_t k = 0; k < s->n; k++) {
		struct sva_chk_key *key = sva_chk_at(s, k);

		if (key->device == dev && key->pasid == pasid && key->id == id) {
			*i = k;
			return key;
		}
	}
	return NULL;
}

/* A new record keyed (@dev, @pasid, @id), the rest zero; NULL when out of memory. */
static void *sva_chk_insert(struct sva_chk_set *s, const char *dev, uint32_t pasid, uint64_t id)
{
	struct sva_chk_key *key;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		void *v = realloc(s->v, cap * s->size);

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	key = sva_chk_at(s, s->n++);
	memset(key, 0, s->size);
	*key = (struct sva_chk_key){ .device = dev, .pasid = pasid, .id = id };
	return key;
}

/* ---- events ---- */

struct sva_chk_violation {
	enum sva_invariant inv; /* a violation to report */
	bool stop;		/* or one the world reported already: only stop */
	char msg[240];
};

static uint64_t sva_chk_num(const struct sva_trace_event *ev, const char *key)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		if (!ev->fields[i].str && strcmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].num;
	return 0;
}

static const char *sva_chk_str(const struct sva_trace_event *ev, const char *key)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		if (ev->fields[i].str && strcmp(ev->fields[i].key, key) == 0)
			return ev->fields[i].str;
	return "?";
}

/* A PASID is given to an owner (mm id, or 0 for a driver's own). */
static void sva_chk_pasid_given(struct sva_checker *c, uint32_t pasid, uint64_t mm,
				struct sva_chk_violation *v)
{
	struct sva_chk_pasid *p;
	size_t i;

	p = sva_chk_find(&c->pasids, NULL, pasid, 0, &i);
	if (p) {
		v->inv = SVA_I1_UNIQUENESS;
		snprintf(v->msg, sizeof(v->msg), "PASID %u given to %s%llu while %s%llu holds it",
			 pasid, mm ? "mm" : "a driver", (unsigned long long)mm,
			 p->mm ? "mm" : "a driver", (unsigned long long)p->mm);
		return;
	}
	p = sva_chk_insert(&c->pasids, NULL, pasid, 0);
	if (p)
		p->mm = mm;
}

/* A PASID goes back to the allocator: no device may still hold it. */
static void sva_chk_pasid_freed(struct sva_checker *c, uint32_t pasid, struct sva_chk_violation *v)
{
	size_t i;

	if (sva_chk_find(&c->pasids, NULL, pasid, 0, &i))
		sva_chk_del(&c->pasids, i);
	for (size_t k = 0; k < c->entries.n; k++) {
		struct sva_chk_entry *e = sva_chk_at(&c->entries, k);

		if (e->key.pasid == pasid) {
			v->inv = SVA_I2_NO_EARLY_REUSE;
			snprintf(v->msg, sizeof(v->msg),
				 "PASID %u freed while %s still holds an entry (state %llu)", pasid,
				 e->key.device, (unsigned long long)e->state);
			return;
		}
	}
	for (size_t k = 0; k < c->groups.n; k++) {
		struct sva_chk_group *g = sva_chk_at(&c->groups, k);

		if (g->key.pasid == pasid) {
			v->inv = SVA_I2_NO_EARLY_REUSE;
			snprintf(v->msg, sizeof(v->msg),
				 "PASID %u freed with page-request group %llu of %s unanswered",
				 pasid, (unsigned long long)g->key.id, g->key.device);
			return;
		}
	}
}

static void sva_chk_entry_set(struct sva_checker *c, const struct sva_trace_event *ev)
{
	const char *dev = sva_chk_str(ev, "device");
	uint32_t pasid = (uint32_t)sva_chk_num(ev, "pasid");
	uint64_t state = sva_chk_num(ev, "state");
	struct sva_chk_entry *e;
	size_t i;

	e = sva_chk_find(&c->entries, dev, pasid, 0, &i);
	if (state == SVA_CHK_INVALID) {
		if (e)
			sva_chk_del(&c->entries, i);
		return;
	}
	if (!e)
		e = sva_chk_insert(&c->entries, dev, pasid, 0);
	if (e) {
		e->state = state;
		e->mm = sva_chk_num(ev, "mm");
	}
}

/*
 * A DMA access that translated (I3): the device's entry for the PASID must translate, and
 * through the page table of the mm the PASID belongs to now - not a former owner's.
 */
static void sva_chk_dma_access(struct sva_checker *c, const struct sva_trace_event *ev,
			       struct sva_chk_violation *v)
{
	const char *dev = sva_chk_str(ev, "device");
	uint32_t pasid = (uint32_t)sva_chk_num(ev, "pasid");
	struct sva_chk_entry *e;
	struct sva_chk_pasid *p;
	size_t i;

	e = sva_chk_find(&c->entries, dev, pasid, 0, &i);
	p = sva_chk_find(&c->pasids, NULL, pasid, 0, &i);
	if (e && e->state == SVA_CHK_TRANSLATING && p && (!p->mm || p->mm == e->mm))
		return;
	v->inv = SVA_I3_ISOLATION;
	if (!p)
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u, which belongs to nobody", dev,
			 (unsigned long long)sva_chk_num(ev, "addr"), pasid);
	else if (e && e->state == SVA_CHK_TRANSLATING)
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u through mm%llu's page table, but the PASID "
			 "belongs to mm%llu",
			 dev, (unsigned long long)sva_chk_num(ev, "addr"), pasid,
			 (unsigned long long)e->mm, (unsigned long long)p->mm);
	else
		snprintf(v->msg, sizeof(v->msg),
			 "%s accessed %#llx on PASID %u, whose entry does not translate", dev,
			 (unsigned long long)sva_chk_num(ev, "addr"), pasid);
}

/* After a device's last unbind of a PASID, its entry must be gone (I3). */
static void sva_chk_unbind(struct sva_checker *c, const struct sva_trace_event *ev,
			   struct sva_chk_violation *v)
{
	const char *dev = sva_chk_str(ev, "device");
	uint32_t pasid = (uint32_t)sva_chk_num(ev, "pasid");
	struct sva_chk_entry *e;
	size_t i;

	if (!sva_chk_num(ev, "last"))
		return;
	e = sva_chk_find(&c->entries, dev, pasid, 0, &i);
	if (!e)
		return;
	v->inv = SVA_I3_ISOLATION;
	snprintf(v->msg, sizeof(v->msg),
		 "%s keeps its entry for PASID %u (mm%llu, state %llu) after its last unbind", dev,
		 pasid, (unsigned long long)e->mm, (unsigned long long)e->state);
}

/* mm lifetimes: a fault is served only while the mm has users (I5). */
static void sva_chk_mm_event(struct sva_checker *c, const struct sva_trace_event *ev,
			     struct sva_chk_violation *v)
{
	uint64_t id = ev->track ? ev->track_id : sva_chk_num(ev, "mm");
	struct sva_chk_mm *m;
	size_t i;

	m = sva_chk_find(&c->mms, NULL, 0, id, &i);
	if (ev->track && ev->phase == SVA_TRACE_BEGIN) {
		m = m ? m : sva_chk_insert(&c->mms, NULL, 0, id);
		if (m)
			m->torn_down = false;
	} else if (ev->track && ev->phase == SVA_TRACE_END) {
		if (m)
			sva_chk_del(&c->mms, i);
	} else if (strcmp(ev->name, "mm.exit_mmap") == 0) {
		if (m)
			m->torn_down = true;
	} else if (m && m->torn_down) { /* mm.fault */
		v->inv = SVA_I5_REFCOUNT;
		snprintf(v->msg, sizeof(v->msg),
			 "%s at %#llx used mm%llu after its last user went (its address space is "
			 "torn down)",
			 strcmp(ev->name, "mm.fault") == 0 ? "a fault" : "a device's page request",
			 (unsigned long long)sva_chk_num(ev, "addr"), (unsigned long long)id);
	}
}

static void sva_chk_fault(struct sva_checker *c, const struct sva_trace_event *ev,
			  struct sva_chk_violation *v)
{
	const char *dev = sva_chk_str(ev, "device");
	uint32_t pasid = (uint32_t)sva_chk_num(ev, "pasid");
	struct sva_chk_entry *e;
	size_t i;

	e = sva_chk_find(&c->entries, dev, pasid, 0, &i);
	if (e && e->state == SVA_CHK_BLOCKING_SILENT) {
		v->inv = SVA_I7_QUIET_TEARDOWN;
		snprintf(v->msg, sizeof(v->msg),
			 "a fault of %s on PASID %u at %#llx was reported after the mm's release, "
			 "before unbind",
			 dev, pasid, (unsigned long long)sva_chk_num(ev, "addr"));
	}
}

static void sva_chk_iopf_report(struct sva_checker *c, const struct sva_trace_event *ev)
{
	if (!sva_chk_num(ev, "last"))
		return; /* groups are answered, not requests */
	sva_chk_insert(&c->groups, sva_chk_str(ev, "device"), (uint32_t)sva_chk_num(ev, "pasid"),
		       sva_chk_num(ev, "grpid"));
}

static void sva_chk_iopf_response(struct sva_checker *c, const struct sva_trace_event *ev,
				  struct sva_chk_violation *v)
{
	const char *dev = sva_chk_str(ev, "device");
	uint32_t pasid = (uint32_t)sva_chk_num(ev, "pasid");
	uint64_t grpid = sva_chk_num(ev, "grpid");
	size_t i;

	if (sva_chk_find(&c->groups, dev, pasid, grpid, &i)) {
		sva_chk_del(&c->groups, i);
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
	const char *kind = sva_chk_str(ev, "kind");

	if (strcmp(kind, sva_report_kind_name(SVA_REPORT_REFCOUNT)) == 0 ||
	    strcmp(kind, sva_report_kind_name(SVA_REPORT_USE_AFTER_FREE)) == 0)
		c->violations[SVA_I5_REFCOUNT]++;
	else if (strcmp(kind, sva_report_kind_name(SVA_REPORT_DEADLOCK)) == 0 ||
		 strcmp(kind, sva_report_kind_name(SVA_REPORT_LOCK_ORDER)) == 0)
		c->violations[SVA_I6_LIVENESS]++; /* an inversion is a deadlock waiting to happen */
	else
		return;
	v->stop = true;
}

static void sva_chk_dispatch(struct sva_checker *c, const struct sva_trace_event *ev,
			     struct sva_chk_violation *v)
{
	const char *n = ev->name;

	if (ev->track && strcmp(ev->track, "pasid") == 0 && ev->phase == SVA_TRACE_BEGIN)
		sva_chk_pasid_given(c, (uint32_t)ev->track_id, sva_chk_num(ev, "mm"), v);
	else if (ev->track && strcmp(ev->track, "pasid") == 0 && ev->phase == SVA_TRACE_END)
		sva_chk_pasid_freed(c, (uint32_t)ev->track_id, v);
	else if (strcmp(n, "pasid.alloc_private") == 0)
		sva_chk_pasid_given(c, (uint32_t)sva_chk_num(ev, "pasid"), 0, v);
	else if (strcmp(n, "pasid.free_private") == 0)
		sva_chk_pasid_freed(c, (uint32_t)sva_chk_num(ev, "pasid"), v);
	else if (strcmp(n, "swiommu.pasid_entry") == 0)
		sva_chk_entry_set(c, ev);
	else if (strcmp(n, "dma.access") == 0)
		sva_chk_dma_access(c, ev, v);
	else if (strcmp(n, "sva.unbind") == 0)
		sva_chk_unbind(c, ev, v);
	else if ((ev->track && strcmp(ev->track, "mm") == 0) || strcmp(n, "mm.exit_mmap") == 0 ||
		 strcmp(n, "mm.fault") == 0 || strcmp(n, "iopf.handle") == 0)
		sva_chk_mm_event(c, ev, v);
	else if (strcmp(n, "swiommu.fault") == 0)
		sva_chk_fault(c, ev, v);
	else if (strcmp(n, "iopf.report") == 0)
		sva_chk_iopf_report(c, ev);
	else if (strcmp(n, "iopf.response") == 0)
		sva_chk_iopf_response(c, ev, v);
	else if (strcmp(n, "report") == 0)
		sva_chk_world_report(c, ev, v);
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
	pthread_mutex_init(&c->lock, NULL);
	c->pasids.size = sizeof(struct sva_chk_pasid);
	c->entries.size = sizeof(struct sva_chk_entry);
	c->groups.size = sizeof(struct sva_chk_group);
	c->mms.size = sizeof(struct sva_chk_mm);
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
	free(c->pasids.v);
	free(c->entries.v);
	free(c->groups.v);
	free(c->mms.v);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Infrastructure that lives as long as the world. */
#define SVA_CHK_IGNORED                                                                          \
	((1ull << SVA_OBJ_ACTOR) | (1ull << SVA_OBJ_FIBER_STACK) | (1ull << SVA_OBJ_SCHEDULER) | \
	 (1ull << SVA_OBJ_TRACE_RING))

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
	for (size_t k = 0; k < c->mms.n; k++) {
		struct sva_chk_mm *m = sva_chk_at(&c->mms, k);

		if (!m->torn_down && !(*n)++)
			first = m->key.id;
	}
	return first;
}

void sva_checker_quiesce(struct sva_checker *c)
{
	size_t unanswered, alive;
	uint64_t mm;

	pthread_mutex_lock(&c->lock);
	unanswered = c->groups.n;
	mm = sva_chk_mm_alive(c, &alive);
	pthread_mutex_unlock(&c->lock);
	if (unanswered)
		sva_checker_violated(c, SVA_I6_LIVENESS, "%zu page-request groups never answered",
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
	size_t unanswered;

	pthread_mutex_lock(&c->lock);
	unanswered = c->groups.n;
	pthread_mutex_unlock(&c->lock);
	if (unanswered)
		sva_checker_violated(c, SVA_I6_LIVENESS, "%zu page-request groups never answered",
				     unanswered);
	if (sva_alloc_describe_live(c->w, SVA_CHK_IGNORED, leaks, sizeof(leaks)))
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

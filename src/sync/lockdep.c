/* SPDX-License-Identifier: MIT */
/*
 * Lock-order checking, a small lockdep (sim backend only).
 *
 * As the kernel's lockdep, an AB/BA inversion is reported the first time both orders have been
 * *observed*, whether or not the run happened to deadlock:
 *
 *  - A lock class is a lock name: every mutex, rw-semaphore and spinlock initialised with the
 *    same name string contents is one class (every mm's "mmap_lock"), as lockdep has one class
 *    per init site. A class is created when a lock of its name is first taken, and each lock
 *    keeps its class in dep_class, so the name is hashed once per lock, not per acquisition.
 *  - Each actor (and the "outside" pseudo-actor) keeps the locks it holds in acquisition order
 *    (struct sva_held_lock, at most SVA_LOCKDEP_DEPTH). Every successful acquisition pushes,
 *    trylocks included; a release removes the lock wherever it is in the stack.
 *  - A blocking acquisition of class B by an actor holding A records the edge "A before B" with
 *    the two sites and the actor of its first observation. When the edge is new and a path
 *    B -> ... -> A already exists (breadth first over the class graph), SVA_REPORT_LOCK_ORDER is
 *    reported, once per pair of classes. The check runs before the acquirer may sleep, as
 *    lockdep's, so a schedule that deadlocks on an inversion reports the inversion first.
 *  - Trylocks add no edge into the lock they take (they cannot deadlock); a lock held after a
 *    successful trylock is a "before" for what is taken under it.
 *  - Same-class nesting adds no edge and is not reported: two mm's mmap_lock nested, and a
 *    recursive down_read of a class already held for read. The kernel reports the former
 *    unless annotated (the nesting subclasses); libsva has no annotation yet, so skips it.
 *    Read and write acquisitions are otherwise alike (down_read is not a recursive read lock).
 *  - A read lock released by another actor than the reader (up_read_non_owner) stays in the
 *    reader's stack.
 *
 * Memory is bounded: at most SVA_LOCKDEP_CLASSES classes and SVA_LOCKDEP_EDGES edges per
 * world, and SVA_LOCKDEP_DEPTH held locks per actor. Going beyond reports BAD_USAGE once and
 * turns checking off for the rest of the world's life. Tables grow by doubling, so a lock
 * operation never allocates except when it meets a new class or a new edge, and an acquisition
 * holding nothing only pushes; one holding locks tests a bit per held lock.
 *
 * lockdep_assert_held (the end of this file) reads a lock's holder: in sim the fields directly
 * (or the actor's stack, for a reader), in native under the lock's channel; it adds no
 * scheduling point and no footprint, and reports LOCK_NOT_HELD.
 *
 * Everything lives in the world's scheduler (struct sva_lockdep); one actor runs at a time in
 * sim, so nothing here needs a lock. The native backend keeps it off: its lock paths test one
 * flag.
 */
#include <stdlib.h>
#include <string.h>

#include "sched.h"

#define SVA_LOCKDEP_BUCKETS (2 * SVA_LOCKDEP_CLASSES) /* open addressing, half full at most */

struct sva_lock_class {
	uint64_t after[SVA_LOCKDEP_CLASSES / 64]; /* classes taken while this one was held */
	uint32_t hash;
	uint32_t name; /* offset in ld->names */
};

/* The first observation of "from taken before to". */
struct sva_lock_edge {
	uint16_t from, to;
	const char *from_site, *to_site;
	char actor[sizeof(((struct sva_actor *)0)->name)];
};

/* A path in the class graph, as classes. */
struct sva_lock_path {
	uint16_t cls[SVA_LOCKDEP_CLASSES];
	unsigned len;
};

void sva_lockdep_init(struct sva_sched *s)
{
	memset(&s->lockdep, 0, sizeof(s->lockdep));
	s->lockdep.on = s->sim;
	if (s->sim)
		sva_lockaudit_init(s);
}

void sva_lockdep_destroy(struct sva_sched *s)
{
	struct sva_lockdep *ld = &s->lockdep;

	free(ld->classes);
	free(ld->buckets);
	free(ld->names);
	free(ld->edges);
	sva_lockaudit_destroy(s);
	memset(ld, 0, sizeof(*ld));
}

/* Report a limit or a failed allocation once, and stop checking. */
static void sva_lockdep_off(struct sva_sched *s, const char *why, const char *name)
{
	s->lockdep.on = false;
	sva_report(s->w, SVA_REPORT_BAD_USAGE,
		   "lockdep: %s (at lock %s): lock-order checking stops", why, name);
}

/* Make room for @need elements in *@arr of @cap, doubling from @min. */
static bool sva_lockdep_grow(void **arr, size_t *cap, size_t need, size_t elem, size_t min)
{
	size_t n = *cap ? *cap : min;
	void *p;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	p = realloc(*arr, n * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

static uint32_t sva_lockdep_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static const char *sva_lockdep_name(const struct sva_lockdep *ld, unsigned cls)
{
	return ld->names + ld->classes[cls].name;
}

/* A new class named @name in bucket @b, or -1 (reported). */
static int sva_lockdep_new_class(struct sva_sched *s, const char *name, uint32_t hash, size_t b)
{
	struct sva_lockdep *ld = &s->lockdep;
	size_t len = strlen(name) + 1;
	struct sva_lock_class *c;

	if (ld->nclasses == SVA_LOCKDEP_CLASSES) {
		sva_lockdep_off(s, "more than " SVA_STR(SVA_LOCKDEP_CLASSES) " lock classes", name);
		return -1;
	}
	if (!sva_lockdep_grow((void **)&ld->classes, &ld->classes_cap, ld->nclasses + 1,
			      sizeof(*ld->classes), 16) ||
	    !sva_lockdep_grow((void **)&ld->names, &ld->names_cap, ld->names_len + len, 1, 256)) {
		sva_lockdep_off(s, "out of memory", name);
		return -1;
	}
	c = &ld->classes[ld->nclasses];
	memset(c, 0, sizeof(*c));
	c->hash = hash;
	c->name = (uint32_t)ld->names_len;
	memcpy(ld->names + ld->names_len, name, len);
	ld->names_len += len;
	ld->buckets[b] = (uint16_t)(ld->nclasses + 1);
	return (int)ld->nclasses++;
}

/* The class of @name, created on first use; -1 when checking had to stop. */
static int sva_lockdep_class_(struct sva_sched *s, const char *name)
{
	struct sva_lockdep *ld = &s->lockdep;
	uint32_t hash = sva_lockdep_hash(name);
	size_t b = hash % SVA_LOCKDEP_BUCKETS;

	if (!ld->buckets) {
		ld->buckets = calloc(SVA_LOCKDEP_BUCKETS, sizeof(*ld->buckets));
		if (!ld->buckets) {
			sva_lockdep_off(s, "out of memory", name);
			return -1;
		}
	}
	for (; ld->buckets[b]; b = (b + 1) % SVA_LOCKDEP_BUCKETS) {
		unsigned cls = ld->buckets[b] - 1u;

		if (ld->classes[cls].hash == hash && !strcmp(sva_lockdep_name(ld, cls), name))
			return (int)cls;
	}
	return sva_lockdep_new_class(s, name, hash, b);
}

/* The world's lock graph, which every actor grows: not a race TSan should see. */
static int sva_lockdep_class(struct sva_sched *s, const char *name)
{
	int cls;

	sva_tsan_ignore_begin();
	cls = sva_lockdep_class_(s, name);
	sva_tsan_ignore_end();
	return cls;
}

/* The class of a lock, looked up once per lock and kept in its @cache (class + 1). */
static inline int sva_lockdep_lock_class(struct sva_sched *s, uint16_t *cache, const char *name)
{
	int cls;

	if (*cache)
		return *cache - 1;
	cls = sva_lockdep_class(s, name);
	if (cls >= 0)
		*cache = (uint16_t)(cls + 1);
	return cls;
}

static bool sva_lockdep_before(const struct sva_lockdep *ld, unsigned from, unsigned to)
{
	return ld->classes[from].after[to / 64] & (1ull << (to % 64));
}

/* Breadth first from @from to @to; the shortest path, both ends included, in @path. */
static bool sva_lockdep_path(const struct sva_lockdep *ld, unsigned from, unsigned to,
			     struct sva_lock_path *path)
{
	uint16_t queue[SVA_LOCKDEP_CLASSES], parent[SVA_LOCKDEP_CLASSES];
	uint64_t seen[SVA_LOCKDEP_CLASSES / 64] = { 0 };
	unsigned head = 0, tail = 0;

	queue[tail++] = (uint16_t)from;
	seen[from / 64] |= 1ull << (from % 64);
	while (head < tail) {
		unsigned c = queue[head++];

		if (c == to)
			break;
		for (unsigned i = 0; i < SVA_LOCKDEP_CLASSES / 64; i++) {
			uint64_t next = ld->classes[c].after[i] & ~seen[i];

			seen[i] |= next;
			for (; next; next &= next - 1) {
				unsigned n = i * 64 + (unsigned)__builtin_ctzll(next);

				parent[n] = (uint16_t)c;
				queue[tail++] = (uint16_t)n;
			}
		}
	}
	if (!(seen[to / 64] & (1ull << (to % 64))))
		return false;
	path->len = 0;
	for (unsigned c = to; c != from; c = parent[c])
		path->cls[path->len++] = (uint16_t)c;
	path->cls[path->len++] = (uint16_t)from;
	for (unsigned i = 0; i < path->len / 2; i++) { /* from first */
		uint16_t t = path->cls[i];

		path->cls[i] = path->cls[path->len - 1 - i];
		path->cls[path->len - 1 - i] = t;
	}
	return true;
}

static const struct sva_lock_edge *sva_lockdep_edge(const struct sva_lockdep *ld, unsigned from,
						    unsigned to)
{
	for (unsigned i = 0; i < ld->nedges; i++)
		if (ld->edges[i].from == from && ld->edges[i].to == to)
			return &ld->edges[i];
	return NULL;
}

/* Once per pair of classes: true the first time. */
static bool sva_lockdep_first_report(struct sva_lockdep *ld, unsigned a, unsigned b)
{
	uint32_t key = a < b ? (a << 16 | b) : (b << 16 | a);

	for (unsigned i = 0; i < ld->nreported; i++)
		if (ld->reported[i] == key)
			return false;
	if (ld->nreported < SVA_LOCKDEP_REPORTED)
		ld->reported[ld->nreported++] = key;
	return true;
}

/* "lock_b (at x) then lock_a (at y) in actor, ..." for each hop of @path. */
static void sva_lockdep_describe_path(const struct sva_lockdep *ld,
				      const struct sva_lock_path *path, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i + 1 < path->len && off < len; i++) {
		const struct sva_lock_edge *e =
			sva_lockdep_edge(ld, path->cls[i], path->cls[i + 1]);
		int r;

		if (!e)
			break; /* every bit of the graph has its edge; defensive */
		r = snprintf(buf + off, len - off, "%s%s (at %s) then %s (at %s) in %s",
			     i ? ", " : "", sva_lockdep_name(ld, e->from), e->from_site,
			     sva_lockdep_name(ld, e->to), e->to_site, e->actor);
		off += r > 0 ? (size_t)r : 0;
	}
}

static void sva_lockdep_report(struct sva_sched *s, const struct sva_actor *me,
			       const struct sva_held_lock *h, unsigned cls, const char *site,
			       const struct sva_lock_path *path)
{
	struct sva_lockdep *ld = &s->lockdep;
	char other[768];

	if (!sva_lockdep_first_report(ld, h->cls, cls))
		return;
	sva_lockdep_describe_path(ld, path, other, sizeof(other));
	sva_report(s->w, SVA_REPORT_LOCK_ORDER,
		   "%s takes %s at %s while holding %s (taken at %s); the other order was seen: %s",
		   me->name, sva_lockdep_name(ld, cls), site, sva_lockdep_name(ld, h->cls), h->site,
		   other);
}

/* A new edge, "h's class before @cls": record it, and report a path the other way. */
static void sva_lockdep_depend_(struct sva_sched *s, const struct sva_actor *me,
				const struct sva_held_lock *h, unsigned cls, const char *site)
{
	struct sva_lockdep *ld = &s->lockdep;
	struct sva_lock_path path;
	struct sva_lock_edge *e;
	unsigned from = h->cls;

	if (ld->nedges == SVA_LOCKDEP_EDGES) {
		sva_lockdep_off(s, "more than " SVA_STR(SVA_LOCKDEP_EDGES) " lock-order edges",
				sva_lockdep_name(ld, cls));
		return;
	}
	if (!sva_lockdep_grow((void **)&ld->edges, &ld->edges_cap, ld->nedges + 1,
			      sizeof(*ld->edges), 16)) {
		sva_lockdep_off(s, "out of memory", sva_lockdep_name(ld, cls));
		return;
	}
	e = &ld->edges[ld->nedges++];
	e->from = (uint16_t)from;
	e->to = (uint16_t)cls;
	e->from_site = h->site;
	e->to_site = site;
	snprintf(e->actor, sizeof(e->actor), "%s", me->name);
	if (sva_lockdep_path(ld, cls, from, &path))
		sva_lockdep_report(s, me, h, cls, site, &path);
	ld->classes[from].after[cls / 64] |= 1ull << (cls % 64);
}

static void sva_lockdep_depend(struct sva_sched *s, const struct sva_actor *me,
			       const struct sva_held_lock *h, unsigned cls, const char *site)
{
	sva_tsan_ignore_begin();
	sva_lockdep_depend_(s, me, h, cls, site);
	sva_tsan_ignore_end();
}

/* The actor whose stack to use: lockdep is on in sim only, where the current actor is known. */
static inline struct sva_actor *sva_lockdep_owner(struct sva_sched *s)
{
	return s->current ? s->current : &s->outside;
}

/* Look the class up if need be, then record the new edges from held[@i] on, each checked. */
static __attribute__((noinline)) void sva_lockdep_acquire_slow(struct sva_sched *s,
							       struct sva_actor *me, unsigned i,
							       uint16_t *cache, const char *name,
							       const char *site)
{
	struct sva_lockdep *ld = &s->lockdep;
	int cls = sva_lockdep_lock_class(s, cache, name);

	for (; cls >= 0 && i < me->ld_depth && ld->on; i++) {
		unsigned from = me->ld_held[i].cls;

		if (from != (unsigned)cls && !sva_lockdep_before(ld, from, (unsigned)cls))
			sva_lockdep_depend(s, me, &me->ld_held[i], (unsigned)cls, site);
	}
}

/*
 * The fast paths below call nothing but in tail position (the slow paths), so they stay a few
 * instructions when the class is known and so is every order.
 */
void sva_lockdep_acquire_(struct sva_sched *s, uint16_t *cache, const char *name, const char *site)
{
	struct sva_actor *me = sva_lockdep_owner(s);
	const struct sva_lockdep *ld = &s->lockdep;
	unsigned cls = *cache - 1u;

	if (!me->ld_depth)
		return; /* nothing to order it after */
	if (!*cache) {
		sva_lockdep_acquire_slow(s, me, 0, cache, name, site);
		return;
	}
	for (unsigned i = 0; i < me->ld_depth; i++) {
		unsigned from = me->ld_held[i].cls;

		if (from != cls && !sva_lockdep_before(ld, from, cls)) {
			sva_lockdep_acquire_slow(s, me, i, cache, name, site);
			return;
		}
	}
}

/* A class to look up, or a stack full. */
static __attribute__((noinline)) void sva_lockdep_acquired_slow(struct sva_sched *s,
								struct sva_actor *me,
								const void *lock, uint16_t *cache,
								const char *name, const char *site)
{
	int cls = sva_lockdep_lock_class(s, cache, name);

	if (cls < 0)
		return;
	if (me->ld_depth == SVA_LOCKDEP_DEPTH) {
		sva_lockdep_off(s, "an actor holds more than " SVA_STR(SVA_LOCKDEP_DEPTH) " locks",
				name);
		return;
	}
	me->ld_held[me->ld_depth++] =
		(struct sva_held_lock){ .lock = lock, .site = site, .cls = (uint16_t)cls };
}

void sva_lockdep_acquired_(struct sva_sched *s, const void *lock, uint16_t *cache, const char *name,
			   const char *site)
{
	struct sva_actor *me = sva_lockdep_owner(s);

	if (!*cache || me->ld_depth == SVA_LOCKDEP_DEPTH) {
		sva_lockdep_acquired_slow(s, me, lock, cache, name, site);
		return;
	}
	me->ld_held[me->ld_depth++] =
		(struct sva_held_lock){ .lock = lock, .site = site, .cls = (uint16_t)(*cache - 1) };
}

/* Not the last taken: remove it from the middle (or it is not ours: an up_read for another). */
static __attribute__((noinline)) void
sva_lockdep_release_slow(struct sva_sched *s, struct sva_actor *me, const void *lock)
{
	unsigned i = me->ld_depth;

	while (i > 0 && me->ld_held[i - 1].lock != lock)
		i--;
	if (i == 0)
		return;
	if (s->lockdep.audit)
		sva_lockaudit_release(s, &me->ld_held[i - 1]);
	for (; i < me->ld_depth; i++)
		me->ld_held[i - 1] = me->ld_held[i];
	me->ld_depth--;
}

void sva_lockdep_release_(struct sva_sched *s, const void *lock)
{
	struct sva_actor *me = sva_lockdep_owner(s);
	unsigned d = me->ld_depth;

	if (d && me->ld_held[d - 1].lock == lock && !s->lockdep.audit)
		me->ld_depth = d - 1;
	else
		sva_lockdep_release_slow(s, me, lock);
}

/* ---- lockdep_assert_held ---- */

static bool sva_lockdep_in_stack(struct sva_sched *s, const void *lock)
{
	const struct sva_actor *me = sva_lockdep_owner(s);

	for (unsigned i = 0; i < me->ld_depth; i++)
		if (me->ld_held[i].lock == lock)
			return true;
	return false;
}

static void sva_lockdep_not_held(struct sva_world *w, const char *kind, const char *name,
				 const char *site)
{
	struct sva_actor *me = sva_sched_owner(w->sched);

	sva_report(w, SVA_REPORT_LOCK_NOT_HELD, "%s: %s %s not held at %s (lockdep_assert_held)",
		   me->name, kind, name ? name : "?", site);
}

/* Native reads go under the channel's lock; sim reads the fields (one actor runs): no footprint. */
static bool sva_mutex_owned(struct sva_mutex *m)
{
	struct sva_sched *s = m->wc.w->sched;
	bool held;

	if (s->sim)
		return m->owner == sva_sched_owner(s);
	sva_wchan_lock(&m->wc);
	held = m->owner == sva_sched_owner(s);
	sva_wchan_unlock(&m->wc);
	return held;
}

void sva_mutex_assert_held_at(struct sva_mutex *m, const char *site)
{
	struct sva_sched *s = m->wc.w->sched;

	if (!sva_mutex_owned(m))
		sva_lockdep_not_held(m->wc.w, "mutex", m->name, site);
	else if (s->lockdep.audit)
		sva_lockaudit_asserted(s, m);
}

void sva_mutex_assert_either_held_at(struct sva_mutex *a, struct sva_mutex *b, const char *site)
{
	struct sva_sched *s = a->wc.w->sched;
	bool ha = sva_mutex_owned(a), hb = sva_mutex_owned(b);

	if (!ha && !hb) {
		sva_report(a->wc.w, SVA_REPORT_LOCK_NOT_HELD,
			   "%s: neither mutex %s nor mutex %s held at %s (lockdep_assert_held)",
			   sva_sched_owner(s)->name, a->name ? a->name : "?",
			   b->name ? b->name : "?", site);
		return;
	}
	if (s->lockdep.audit) {
		if (ha)
			sva_lockaudit_asserted(s, a);
		if (hb)
			sva_lockaudit_asserted(s, b);
	}
}

void sva_spin_assert_held_at(struct sva_spinlock *l, const char *site)
{
	struct sva_sched *s = l->wc.w->sched;
	bool held = s->sim ? l->owner == sva_sched_owner(s)
			   : atomic_load_explicit(&l->locked, memory_order_relaxed) != 0;

	if (!held)
		sva_lockdep_not_held(l->wc.w, "spinlock", l->name, site);
	else if (s->lockdep.audit)
		sva_lockaudit_asserted(s, l);
}

static void sva_rwsem_assert(struct sva_rwsem *r, bool write, const char *site)
{
	struct sva_sched *s = r->wc.w->sched;
	bool held;

	if (s->sim) {
		held = r->writer == sva_sched_owner(s) ||
		       (!write && (s->lockdep.on ? sva_lockdep_in_stack(s, r) : r->readers > 0));
	} else {
		/*
		 * Without the channel's lock (rwsem.c stores both fields atomically): the writer is
		 * me only if I stored it, and a reader I am keeps the count above zero, so either
		 * answer is as exact as under the lock; another actor's reader counts, as before
		 * (and then who I am is not asked: a thread-specific read less).
		 */
		held = (!write && __atomic_load_n(&r->readers, __ATOMIC_RELAXED) > 0) ||
		       __atomic_load_n(&r->writer, __ATOMIC_RELAXED) == sva_sched_owner(s);
	}
	if (!held)
		sva_lockdep_not_held(r->wc.w, write ? "rw-semaphore (write)" : "rw-semaphore",
				     r->name, site);
	else if (s->lockdep.audit)
		sva_lockaudit_asserted(s, r);
}

void sva_rwsem_assert_held_at(struct sva_rwsem *r, const char *site)
{
	sva_rwsem_assert(r, false, site);
}

void sva_rwsem_assert_write_held_at(struct sva_rwsem *r, const char *site)
{
	sva_rwsem_assert(r, true, site);
}

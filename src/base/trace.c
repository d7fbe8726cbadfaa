/* SPDX-License-Identifier: MIT */
/*
 * The trace: structured events (time, actor, kind, track id, the kind's fields; the kinds are
 * declared once, in sva/events.h) kept in a bounded ring, handed to subscribers as they are
 * emitted, and exported as text (here) or as Chrome Trace Event JSON (trace_chrome.c).
 * Names, tracks and field keys come from the table; an event holds only its kind and values,
 * printed as their declared format says (trace_format.c).
 *
 * Time is the world's clock: the logical step in sim (exported as microseconds so the
 * timeline reads as steps), nanoseconds in native.
 *
 * The ring takes no lock on the way in. An emitter takes a ticket (one atomic add on @next:
 * the event's place in the ring, so the order of the ring is the order of the tickets, which
 * every happens-before edge between two emitters respects) and writes the ticket's slot, a
 * sequence-counted one: odd while written (2t+1 for ticket t), even once it holds ticket t
 * (2t+2). The writer of ticket t waits until its slot holds ticket t - capacity (the lap
 * before; nothing on the first lap), so one writer at a time writes a slot and the count's
 * stores need no read-modify-write. A reader copies the slot and keeps the copy only if the
 * count read before and after is 2t+2; it waits for a writer still at work. Every word of a
 * slot is an atomic, so a read racing a write is no data race. The slots are allocated with
 * the ring (mapped lazily when large: a short run touches few pages).
 *
 * Strings: a string value names an object (an mm, a device) that may be freed long before the
 * trace is written, so the ring keeps its own copy, interned: a table looked up without a lock
 * (its slots are atomic pointers, set once), inserted into and grown under @strings_lock; a
 * table outgrown stays allocated until the ring goes, for readers still probing it.
 *
 * In native, the times of two events emitted at once on two threads can be in the other order
 * than their tickets by the width of a clock read; the ring's order is the tickets'.
 *
 * Locking: the actor-name table is under @lock. Subscribers are set up before actors run and
 * are called outside every lock here. Once one asked for order (sva_world_subscribe_ordered:
 * the checker does), every event takes its ticket, its time and a delivery turn together under
 * @order_lock and is handed over only when every earlier turn has been (deliver_lock,
 * deliver_cond); emitters then wait for each other, which is why order is asked for, not
 * given. The checker judges a sequence of transitions: on native threads two events could
 * otherwise reach it in another order than the ring's (a PASID's free after its next
 * allocation). An event a subscriber emits while it is handed one (a violation's report) is
 * handed over at once, out of turn.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sanitizers.h"
#include "world.h"

SVA_OBJ_CLASS(trace_ring);

/* An event as the words of a slot (its fields copied in and out whole). */
#define SVA_TRACE_WORDS (sizeof(struct sva_trace_event) / sizeof(uint64_t))
_Static_assert(sizeof(struct sva_trace_event) % sizeof(uint64_t) == 0,
	       "an event is a whole number of words");

/*
 * The order of a slot's word stores and loads: release and acquire (the count's second read is
 * after the words, the odd count before them; plain moves on x86). ThreadSanitizer does not
 * judge how strong an order is, only whether accesses are atomic, and makes a release store a
 * synchronisation object of its own (ten per event, slow): its builds store and load the words
 * relaxed behind compiler barriers, which on x86 compile to the same moves.
 */
#ifdef SVA_TSAN
#define SVA_TRACE_WORD_STORE memory_order_relaxed
#define SVA_TRACE_WORD_LOAD  memory_order_relaxed
#else
#define SVA_TRACE_WORD_STORE memory_order_release
#define SVA_TRACE_WORD_LOAD  memory_order_acquire
#endif

/* Entries of the ring's cache of recently interned strings. */
#define SVA_TRACE_RECENT 64

/* A slot is two cache lines, so two emitters never share one. */
#define SVA_TRACE_SLOT_ALIGN 128

struct sva_trace_slot {
	_Atomic uint64_t seq; /* 0: never written; 2t+1: ticket t being written; 2t+2: holds t */
	_Atomic uint64_t word[SVA_TRACE_WORDS];
} __attribute__((aligned(SVA_TRACE_SLOT_ALIGN)));

/* Interned strings: open addressing, slots set once (lock-free lookups), grown by doubling. */
struct sva_trace_strtab {
	struct sva_trace_strtab *older; /* outgrown tables, freed with the ring */
	size_t cap;			/* a power of two */
	_Atomic(char *) slot[];
};

struct sva_trace_ring {
	_Atomic uint64_t next; /* the next ticket: events recorded so far */
	char pad_[SVA_TRACE_SLOT_ALIGN - sizeof(uint64_t)]; /* emitters write @next only */
	size_t capacity;
	uint64_t mask;		      /* capacity - 1 when a power of two (no division), else 0 */
	struct sva_trace_slot *slots; /* [capacity], in the same allocation */
	pthread_mutex_t lock;	      /* the actor names */
	char **actor_names;	      /* by actor id */
	size_t nactor_names;
	pthread_mutex_t strings_lock;
	_Atomic(struct sva_trace_strtab *) strings;
	size_t nstrings; /* under strings_lock */
	/* the copy last found for a caller's string, by its address: skips the hash when equal */
	_Atomic(const char *) recent[SVA_TRACE_RECENT];
	pthread_mutex_t order_lock;
	unsigned long next_turn; /* under order_lock */
	pthread_mutex_t deliver_lock;
	pthread_cond_t deliver_cond;
	unsigned long serving; /* the turn whose event is handed over next */
	bool delivering;       /* and @deliverer is handing one over */
	pthread_t deliverer;
};

/* ---- the table of events (sva/events.h) ---- */

#define SVA_EV_DESC_FIELD_num(f, t) { #f, false, SVA_EV_FMT_##t },
#define SVA_EV_DESC_FIELD_str(f, t) { #f, true, SVA_EV_FMT_##t },
#define SVA_EV_DESC_(kind, name_, track, phase, ...)  \
	[SVA_EV_##kind] = { name_,                    \
			    SVA_EV_TRACK_##track,     \
			    SVA_TRACE_##phase,        \
			    SVA_PP_NARG(__VA_ARGS__), \
			    { SVA_PP_EACH(SVA_EV_DESC_FIELD_, ##__VA_ARGS__) } },

static const struct sva_event_desc sva_event_descs[SVA_EV_NR] = { SVA_EVENTS(SVA_EV_DESC_) };
static const struct sva_event_desc sva_event_unknown = { .name = "?" };

/*
 * Which kinds have a string field, known where the kinds are declared: an emitter of a kind
 * without one (most of them, every accelerator event but accel.submit) skips the interning.
 */
#define SVA_EV_HAS_STR_num(f, t) | 0
#define SVA_EV_HAS_STR_str(f, t) | 1
#define SVA_EV_HAS_STR_(kind, name_, track, phase, ...) \
	[SVA_EV_##kind] = 0 SVA_PP_EACH(SVA_EV_HAS_STR_, ##__VA_ARGS__),
static const bool sva_event_has_str[SVA_EV_NR] = { SVA_EVENTS(SVA_EV_HAS_STR_) };

static inline const struct sva_event_desc *sva_event_desc_of(enum sva_event kind)
{
	return (unsigned)kind < SVA_EV_NR ? &sva_event_descs[kind] : &sva_event_unknown;
}

const struct sva_event_desc *sva_event_desc(enum sva_event kind)
{
	return sva_event_desc_of(kind);
}

const char *sva_trace_event_str(const struct sva_trace_event *ev, const char *field)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);

	for (unsigned f = 0; f < d->nfields; f++)
		if (d->fields[f].str && strcmp(d->fields[f].name, field) == 0)
			return ev->v[f].str;
	return NULL;
}

int sva_trace_ring_create(struct sva_world *w, size_t capacity)
{
	struct sva_trace_ring *r;
	uintptr_t slots;

	capacity = capacity ? capacity : SVA_TRACE_DEFAULT_CAPACITY;
	if (capacity > (SIZE_MAX - sizeof(*r) - SVA_TRACE_SLOT_ALIGN) / sizeof(*r->slots))
		return -ENOMEM;
	/* zeroed: every slot never written */
	r = sva_alloc(w, &sva_obj_trace_ring,
		      sizeof(*r) + SVA_TRACE_SLOT_ALIGN + capacity * sizeof(*r->slots));
	if (!r)
		return -ENOMEM;
	r->capacity = capacity;
	r->mask = (capacity & (capacity - 1)) == 0 ? capacity - 1 : 0;
	slots = ((uintptr_t)(r + 1) + SVA_TRACE_SLOT_ALIGN - 1) &
		~(uintptr_t)(SVA_TRACE_SLOT_ALIGN - 1);
	r->slots = (struct sva_trace_slot *)slots;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->strings_lock, NULL);
	pthread_mutex_init(&r->order_lock, NULL);
	pthread_mutex_init(&r->deliver_lock, NULL);
	pthread_cond_init(&r->deliver_cond, NULL);
	w->trace = r;
	return 0;
}

static void sva_trace_strings_free(struct sva_trace_ring *r)
{
	struct sva_trace_strtab *t = atomic_load_explicit(&r->strings, memory_order_relaxed);
	bool newest = true;

	while (t) {
		struct sva_trace_strtab *older = t->older;

		for (size_t i = 0; newest && i < t->cap; i++) /* the newest holds every string */
			free(atomic_load_explicit(&t->slot[i], memory_order_relaxed));
		free(t);
		t = older;
		newest = false;
	}
}

void sva_trace_ring_destroy(struct sva_world *w)
{
	struct sva_trace_ring *r = w->trace;

	if (!r)
		return;
	for (size_t i = 0; i < r->nactor_names; i++)
		free(r->actor_names[i]);
	free(r->actor_names);
	sva_trace_strings_free(r);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->strings_lock);
	pthread_mutex_destroy(&r->order_lock);
	pthread_mutex_destroy(&r->deliver_lock);
	pthread_cond_destroy(&r->deliver_cond);
	sva_free(w, &sva_obj_trace_ring, r);
	w->trace = NULL;
}

void sva_trace_name_actor(struct sva_world *w, int id, const char *name)
{
	struct sva_trace_ring *r = w->trace;
	char *copy = strdup(name);

	if (!copy || id < 0) {
		free(copy);
		return;
	}
	pthread_mutex_lock(&r->lock);
	if ((size_t)id >= r->nactor_names) {
		size_t n = (size_t)id + 16;
		char **names = realloc(r->actor_names, n * sizeof(*names));

		if (!names) {
			pthread_mutex_unlock(&r->lock);
			free(copy);
			return;
		}
		memset(names + r->nactor_names, 0, (n - r->nactor_names) * sizeof(*names));
		r->actor_names = names;
		r->nactor_names = n;
	}
	free(r->actor_names[id]);
	r->actor_names[id] = copy;
	pthread_mutex_unlock(&r->lock);
}

static int sva_world_subscribe_as(struct sva_world *w, sva_event_fn fn, void *ctx, bool ordered)
{
	if (w->nsubscribers == SVA_MAX_SUBSCRIBERS)
		return -ENOSPC;
	w->subscribers[w->nsubscribers++] = (struct sva_subscriber){ fn, ctx, ordered };
	w->nordered += ordered;
	return 0;
}

int sva_world_subscribe(struct sva_world *w, sva_event_fn fn, void *ctx)
{
	return sva_world_subscribe_as(w, fn, ctx, false);
}

int sva_world_subscribe_ordered(struct sva_world *w, sva_event_fn fn, void *ctx)
{
	return sva_world_subscribe_as(w, fn, ctx, true);
}

bool sva_world_subscribed(const struct sva_world *w)
{
	return w->nsubscribers != 0;
}

void sva_world_unsubscribe(struct sva_world *w, sva_event_fn fn, void *ctx)
{
	for (unsigned i = 0; i < w->nsubscribers; i++) {
		if (w->subscribers[i].fn == fn && w->subscribers[i].ctx == ctx) {
			w->nordered -= w->subscribers[i].ordered;
			w->subscribers[i] = w->subscribers[--w->nsubscribers];
			return;
		}
	}
}

static uint64_t sva_trace_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/*
 * @s in @t (NULL if absent), or with @free_slot the slot where it would go. Lock-free: a slot
 * is set once, with a release store, after its string is written.
 */
static char *sva_trace_strtab_find(struct sva_trace_strtab *t, const char *s, uint64_t h,
				   _Atomic(char *) **free_slot)
{
	for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		char *p = atomic_load_explicit(&t->slot[i], memory_order_acquire);

		if (!p) {
			if (free_slot)
				*free_slot = &t->slot[i];
			return NULL;
		}
		if (strcmp(p, s) == 0)
			return p;
	}
}

/* A table twice as large holding the strings of @old (strings_lock held); NULL without memory. */
static struct sva_trace_strtab *sva_trace_strtab_grow(struct sva_trace_strtab *old)
{
	size_t cap = old ? old->cap * 2 : 64;
	struct sva_trace_strtab *t = calloc(1, sizeof(*t) + cap * sizeof(t->slot[0]));

	if (!t)
		return NULL;
	t->cap = cap;
	t->older = old;
	for (size_t i = 0; old && i < old->cap; i++) {
		char *p = atomic_load_explicit(&old->slot[i], memory_order_relaxed);
		_Atomic(char *) *slot;

		if (p && !sva_trace_strtab_find(t, p, sva_trace_hash(p), &slot))
			atomic_store_explicit(slot, p, memory_order_relaxed);
	}
	return t;
}

/* @s inserted (strings_lock held): NULL when out of memory. */
static const char *sva_trace_intern_slow(struct sva_trace_ring *r, const char *s, uint64_t h)
{
	struct sva_trace_strtab *t = atomic_load_explicit(&r->strings, memory_order_relaxed);
	_Atomic(char *) *slot;
	char *p;

	if (t && (p = sva_trace_strtab_find(t, s, h, NULL)))
		return p; /* inserted by another emitter meanwhile */
	if (!t || (r->nstrings + 1) * 2 > t->cap) {
		t = sva_trace_strtab_grow(t);
		if (!t)
			return NULL;
		/* release: a lock-free reader of the new table sees its slots */
		atomic_store_explicit(&r->strings, t, memory_order_release);
	}
	p = strdup(s);
	if (!p)
		return NULL;
	sva_trace_strtab_find(t, s, h, &slot);
	atomic_store_explicit(slot, p, memory_order_release);
	r->nstrings++;
	return p;
}

/*
 * A copy of @s owned by the ring, one per distinct string: string values name objects (an mm,
 * a device) that may be freed long before the trace is written. NULL when out of memory.
 */
static const char *sva_trace_intern(struct sva_trace_ring *r, const char *s)
{
	/* an emitter names one object with one string, event after event: look there first */
	_Atomic(const char *) *recent = &r->recent[((uintptr_t)s >> 4) % SVA_TRACE_RECENT];
	const char *p = atomic_load_explicit(recent, memory_order_acquire);
	struct sva_trace_strtab *t;
	uint64_t h;

	if (p && strcmp(p, s) == 0)
		return p; /* the same text: its one copy */
	t = atomic_load_explicit(&r->strings, memory_order_acquire);
	h = sva_trace_hash(s);
	p = t ? sva_trace_strtab_find(t, s, h, NULL) : NULL;
	if (!p) {
		pthread_mutex_lock(&r->strings_lock);
		p = sva_trace_intern_slow(r, s, h);
		pthread_mutex_unlock(&r->strings_lock);
	}
	if (p)
		atomic_store_explicit(recent, p, memory_order_release);
	return p;
}

static struct sva_trace_slot *sva_trace_slot(struct sva_trace_ring *r, uint64_t ticket)
{
	return &r->slots[r->mask ? ticket & r->mask : ticket % r->capacity];
}

/* Wait until @slot's count is @seq or more (a writer at work elsewhere: it holds no lock). */
static uint64_t sva_trace_slot_wait(struct sva_trace_slot *slot, uint64_t seq)
{
	uint64_t cur;

	while ((cur = atomic_load_explicit(&slot->seq, memory_order_acquire)) < seq)
		sched_yield();
	return cur;
}

/* Store @ev as the event of @ticket in its @slot (see the head comment for the slot's count). */
static void sva_trace_store(struct sva_trace_ring *r, struct sva_trace_slot *slot, uint64_t ticket,
			    const struct sva_trace_event *ev)
{
	/* the lap before is written (and no later one can start before this one ends) */
	if (ticket >= r->capacity)
		sva_trace_slot_wait(slot, 2 * (ticket - r->capacity) + 2);
	atomic_store_explicit(&slot->seq, 2 * ticket + 1, memory_order_relaxed);
	/*
	 * a reader that reads one of the words then sees the odd count or a later one when it
	 * reads the count again (SVA_TRACE_WORD_STORE)
	 */
	atomic_signal_fence(memory_order_seq_cst);
	/*
	 * ten moves from the event, not a loop of ten through a copy: a quarter of an event's
	 * instructions went to the loop's control
	 */
#pragma GCC unroll 16
	for (size_t i = 0; i < SVA_TRACE_WORDS; i++) {
		uint64_t word;

		memcpy(&word, (const char *)ev + i * sizeof(word), sizeof(word));
		atomic_store_explicit(&slot->word[i], word, SVA_TRACE_WORD_STORE);
	}
	atomic_store_explicit(&slot->seq, 2 * ticket + 2, memory_order_release);
}

/* Copy the event of @ticket into @out: 0, or 1 when the slot holds a newer one already. */
static int sva_trace_load(struct sva_trace_ring *r, uint64_t ticket, struct sva_trace_event *out)
{
	struct sva_trace_slot *slot = sva_trace_slot(r, ticket);
	uint64_t words[SVA_TRACE_WORDS];

	for (;;) {
		/* a writer of @ticket still at work: it waits for nothing but the lap before */
		uint64_t seq = sva_trace_slot_wait(slot, 2 * ticket + 2);

		if (seq > 2 * ticket + 2)
			return 1;
		/* the count's second read comes after the words (SVA_TRACE_WORD_LOAD) */
		for (size_t i = 0; i < SVA_TRACE_WORDS; i++)
			words[i] = atomic_load_explicit(&slot->word[i], SVA_TRACE_WORD_LOAD);
		atomic_signal_fence(memory_order_seq_cst);
		if (atomic_load_explicit(&slot->seq, memory_order_relaxed) == seq) {
			memcpy(out, words, sizeof(words));
			return 0;
		}
	}
}

/* Is the calling thread handing an event to the subscribers right now? */
static bool sva_trace_delivering_here(struct sva_trace_ring *r)
{
	bool here;

	pthread_mutex_lock(&r->deliver_lock);
	here = r->delivering && pthread_equal(r->deliverer, pthread_self());
	pthread_mutex_unlock(&r->deliver_lock);
	return here;
}

static void sva_trace_call_subscribers(struct sva_world *w, const struct sva_trace_event *ev)
{
	for (unsigned i = 0; i < w->nsubscribers; i++)
		w->subscribers[i].fn(w->subscribers[i].ctx, w, ev);
}

/* Hand @ev to the subscribers once every event with an earlier @turn has been. */
static void sva_trace_deliver(struct sva_world *w, unsigned long turn,
			      const struct sva_trace_event *ev)
{
	struct sva_trace_ring *r = w->trace;

	pthread_mutex_lock(&r->deliver_lock);
	while (r->serving != turn)
		pthread_cond_wait(&r->deliver_cond, &r->deliver_lock);
	r->delivering = true;
	r->deliverer = pthread_self();
	pthread_mutex_unlock(&r->deliver_lock);
	sva_trace_call_subscribers(w, ev);
	pthread_mutex_lock(&r->deliver_lock);
	r->delivering = false;
	r->serving++;
	pthread_cond_broadcast(&r->deliver_cond);
	pthread_mutex_unlock(&r->deliver_lock);
}

/* The ring's copies of @ev's strings ("?" when out of memory). */
static void sva_trace_intern_fields(struct sva_trace_ring *r, const struct sva_event_desc *d,
				    struct sva_trace_event *ev)
{
	for (unsigned f = 0; f < d->nfields; f++) {
		if (!d->fields[f].str)
			continue;
		ev->v[f].str = ev->v[f].str ? sva_trace_intern(r, ev->v[f].str) : NULL;
		if (!ev->v[f].str)
			ev->v[f].str = "?";
	}
}

void sva_trace_emit(struct sva_world *w, enum sva_event kind, uint64_t track_id,
		    const union sva_trace_value *v, const void *obj)
{
	struct sva_trace_ring *r = w->trace;
	const struct sva_event_desc *d = sva_event_desc_of(kind);
	bool subscribed = w->nsubscribers != 0, ordered = w->nordered != 0;
	bool in_turn = ordered && !sva_trace_delivering_here(r);
	struct sva_trace_slot *slot;
	unsigned long turn = 0;
	uint64_t ticket;
	struct sva_trace_event ev = {
		.actor = sva_world_current_actor(w),
		.kind = kind,
		.track_id = track_id,
		.obj = obj,
	};

	/* the fields one by one: a call to memcpy of a length known only here cost more */
	switch (d->nfields) {
	case 6:
		ev.v[5] = v[5]; /* fall through */
	case 5:
		ev.v[4] = v[4]; /* fall through */
	case 4:
		ev.v[3] = v[3]; /* fall through */
	case 3:
		ev.v[2] = v[2]; /* fall through */
	case 2:
		ev.v[1] = v[1]; /* fall through */
	case 1:
		ev.v[0] = v[0]; /* fall through */
	default:
		break;
	}
	_Static_assert(SVA_TRACE_MAX_FIELDS == 6, "the copy above names every field");
	if ((unsigned)kind < SVA_EV_NR && sva_event_has_str[kind])
		sva_trace_intern_fields(r, d, &ev);
	if (ordered) { /* the ticket, the time and the turn in one order */
		pthread_mutex_lock(&r->order_lock);
		ticket = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
		ev.time = sva_world_now(w);
		if (in_turn)
			turn = r->next_turn++;
		pthread_mutex_unlock(&r->order_lock);
		slot = sva_trace_slot(r, ticket);
	} else {
		ticket = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
		slot = sva_trace_slot(r, ticket);
		/* the slot's two lines on their way while the clock is read */
		__builtin_prefetch(slot, 1);
		__builtin_prefetch((char *)slot + 64, 1);
		ev.time = sva_world_now(w);
	}
	sva_trace_store(r, slot, ticket, &ev);
	if (in_turn)
		sva_trace_deliver(w, turn, &ev);
	else if (subscribed)
		sva_trace_call_subscribers(w, &ev);
}

unsigned long sva_trace_recorded(struct sva_world *w)
{
	return (unsigned long)atomic_load_explicit(&w->trace->next, memory_order_acquire);
}

/* The events held when @n were recorded. */
static size_t sva_trace_held_of(const struct sva_trace_ring *r, uint64_t n)
{
	return n < r->capacity ? (size_t)n : r->capacity;
}

size_t sva_trace_held(struct sva_world *w)
{
	return sva_trace_held_of(w->trace, sva_trace_recorded(w));
}

unsigned long sva_trace_dropped(struct sva_world *w)
{
	return sva_trace_recorded(w) - sva_trace_held(w);
}

int sva_trace_get(struct sva_world *w, size_t i, struct sva_trace_event *out)
{
	struct sva_trace_ring *r = w->trace;

	for (;;) { /* again when an emitter overwrote the slot meanwhile: the ring moved on */
		uint64_t n = atomic_load_explicit(&r->next, memory_order_acquire);
		size_t held = sva_trace_held_of(r, n);
		int ret;

		if (i >= held)
			return -ENOENT;
		ret = sva_trace_load(r, n - held + i, out);
		if (ret == 0)
			return 0;
	}
}

int sva_trace_for_each(struct sva_world *w, sva_trace_visit_fn fn, void *ctx)
{
	struct sva_trace_event ev;
	int ret = 0;

	for (size_t i = 0; ret == 0 && sva_trace_get(w, i, &ev) == 0; i++)
		ret = fn(ctx, &ev);
	return ret;
}

const char *sva_trace_actor_name(struct sva_world *w, int id, char *buf, size_t len)
{
	struct sva_trace_ring *r = w->trace;
	const char *name = NULL;

	if (id < 0)
		return "world";
	pthread_mutex_lock(&r->lock);
	if ((size_t)id < r->nactor_names)
		name = r->actor_names[id];
	snprintf(buf, len, "%s", name ? name : "?");
	pthread_mutex_unlock(&r->lock);
	return buf;
}

static const char sva_trace_phase_marks[] = { ' ', '[', ']' };

int sva_trace_write_text(struct sva_world *w, FILE *out)
{
	struct sva_trace_event ev;
	char actor[64], value[64];

	for (size_t i = 0; sva_trace_get(w, i, &ev) == 0; i++) {
		const struct sva_event_desc *d = sva_event_desc(ev.kind);

		fprintf(out, "%10llu %-12s %c%s", (unsigned long long)ev.time,
			sva_trace_actor_name(w, ev.actor, actor, sizeof(actor)),
			sva_trace_phase_marks[d->phase], d->name);
		if (d->track)
			fprintf(out, " %s:%llu", d->track, (unsigned long long)ev.track_id);
		for (unsigned f = 0; f < d->nfields; f++) /* as the table's format says */
			fprintf(out, " %s=%s", d->fields[f].name,
				sva_trace_field_text(w, &ev, f, value, sizeof(value)));
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

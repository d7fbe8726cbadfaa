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
 * Locking: the ring and the actor-name table are under ring->lock. Subscribers are set up
 * before actors run and are called outside it. Once one asked for order
 * (sva_world_subscribe_ordered: the checker does), every event takes a ticket with its place
 * in the ring and is handed over only when every earlier ticket has been (deliver_lock,
 * deliver_cond); emitters then wait for each other, which is why order is asked for, not
 * given. The checker judges a sequence of transitions: on native threads two events could
 * otherwise reach it in another order than the ring's (a PASID's free after its next
 * allocation). An event a subscriber emits while it is handed one (a violation's report) is
 * handed over at once, out of turn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

struct sva_trace_ring {
	pthread_mutex_t lock;
	struct sva_trace_event *events;
	size_t allocated; /* grows by doubling up to capacity, so short runs stay cheap */
	size_t capacity;
	size_t head; /* next slot to write */
	size_t held;
	unsigned long recorded;
	char **actor_names; /* by actor id */
	size_t nactor_names;
	char **strings; /* interned string values: open addressing, owned by the ring */
	size_t nstrings, strings_cap;
	unsigned long next_ticket; /* under lock */
	pthread_mutex_t deliver_lock;
	pthread_cond_t deliver_cond;
	unsigned long serving; /* the ticket whose event is handed over next */
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

const struct sva_event_desc *sva_event_desc(enum sva_event kind)
{
	return (unsigned)kind < SVA_EV_NR ? &sva_event_descs[kind] : &sva_event_unknown;
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
	struct sva_trace_ring *r = sva_alloc(w, SVA_OBJ_TRACE_RING, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->capacity = capacity ? capacity : SVA_TRACE_DEFAULT_CAPACITY;
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->deliver_lock, NULL);
	pthread_cond_init(&r->deliver_cond, NULL);
	w->trace = r;
	return 0;
}

void sva_trace_ring_destroy(struct sva_world *w)
{
	struct sva_trace_ring *r = w->trace;

	if (!r)
		return;
	for (size_t i = 0; i < r->nactor_names; i++)
		free(r->actor_names[i]);
	free(r->actor_names);
	for (size_t i = 0; i < r->strings_cap; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->events);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->deliver_lock);
	pthread_cond_destroy(&r->deliver_cond);
	sva_free(w, SVA_OBJ_TRACE_RING, r);
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

static bool sva_trace_strings_grow(struct sva_trace_ring *r)
{
	size_t cap = r->strings_cap ? r->strings_cap * 2 : 64;
	char **t = calloc(cap, sizeof(*t));

	if (!t)
		return false;
	for (size_t i = 0; i < r->strings_cap; i++) {
		size_t j;

		if (!r->strings[i])
			continue;
		for (j = sva_trace_hash(r->strings[i]) & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
			;
		t[j] = r->strings[i];
	}
	free(r->strings);
	r->strings = t;
	r->strings_cap = cap;
	return true;
}

/*
 * A copy of @s owned by the ring (lock held): string values name objects (an mm, a device)
 * that may be freed long before the trace is written. NULL when out of memory.
 */
static const char *sva_trace_intern(struct sva_trace_ring *r, const char *s)
{
	size_t i;

	if ((r->nstrings + 1) * 2 > r->strings_cap && !sva_trace_strings_grow(r))
		return NULL;
	for (i = sva_trace_hash(s) & (r->strings_cap - 1); r->strings[i];
	     i = (i + 1) & (r->strings_cap - 1))
		if (strcmp(r->strings[i], s) == 0)
			return r->strings[i];
	r->strings[i] = strdup(s);
	if (r->strings[i])
		r->nstrings++;
	return r->strings[i];
}

/* Make room for one more event; false if memory ran out (the event is dropped). */
static bool sva_trace_ring_room(struct sva_trace_ring *r)
{
	struct sva_trace_event *ev;
	size_t n;

	if (r->held < r->allocated || r->allocated == r->capacity)
		return true;
	/* not wrapped yet: events are [0, held), head == held */
	n = r->allocated ? r->allocated * 2 : 64;
	if (n > r->capacity)
		n = r->capacity;
	ev = realloc(r->events, n * sizeof(*ev));
	if (!ev)
		return false;
	r->events = ev;
	r->allocated = n;
	return true;
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

/* Hand @ev to the subscribers once every event with an earlier @ticket has been. */
static void sva_trace_deliver(struct sva_world *w, unsigned long ticket,
			      const struct sva_trace_event *ev)
{
	struct sva_trace_ring *r = w->trace;

	pthread_mutex_lock(&r->deliver_lock);
	while (r->serving != ticket)
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

void sva_trace_emit(struct sva_world *w, enum sva_event kind, uint64_t track_id,
		    const union sva_trace_value *v, const void *obj)
{
	struct sva_trace_ring *r = w->trace;
	const struct sva_event_desc *d = sva_event_desc(kind);
	bool subscribed = w->nsubscribers != 0, ordered = w->nordered != 0;
	bool out_of_turn = ordered && sva_trace_delivering_here(r);
	unsigned long ticket = 0;
	struct sva_trace_event ev = {
		.actor = sva_world_current_actor(w),
		.kind = kind,
		.track_id = track_id,
		.obj = obj,
	};

	memcpy(ev.v, v, d->nfields * sizeof(*v));
	pthread_mutex_lock(&r->lock);
	ev.time = sva_world_now(w); /* in the ring's order */
	for (unsigned f = 0; f < d->nfields; f++) {
		if (!d->fields[f].str)
			continue;
		ev.v[f].str = ev.v[f].str ? sva_trace_intern(r, ev.v[f].str) : NULL;
		if (!ev.v[f].str)
			ev.v[f].str = "?";
	}
	if (sva_trace_ring_room(r)) {
		r->events[r->head] = ev;
		r->head = (r->head + 1) % r->capacity;
		if (r->held < r->capacity)
			r->held++;
	}
	r->recorded++;
	if (ordered && !out_of_turn)
		ticket = r->next_ticket++;
	pthread_mutex_unlock(&r->lock);
	if (ordered && !out_of_turn)
		sva_trace_deliver(w, ticket, &ev);
	else if (subscribed)
		sva_trace_call_subscribers(w, &ev);
}

unsigned long sva_trace_recorded(struct sva_world *w)
{
	unsigned long n;

	pthread_mutex_lock(&w->trace->lock);
	n = w->trace->recorded;
	pthread_mutex_unlock(&w->trace->lock);
	return n;
}

size_t sva_trace_held(struct sva_world *w)
{
	size_t n;

	pthread_mutex_lock(&w->trace->lock);
	n = w->trace->held;
	pthread_mutex_unlock(&w->trace->lock);
	return n;
}

unsigned long sva_trace_dropped(struct sva_world *w)
{
	return sva_trace_recorded(w) - sva_trace_held(w);
}

int sva_trace_get(struct sva_world *w, size_t i, struct sva_trace_event *out)
{
	struct sva_trace_ring *r = w->trace;
	int ret = -ENOENT;

	pthread_mutex_lock(&r->lock);
	if (i < r->held) {
		*out = r->events[(r->head + r->capacity - r->held + i) % r->capacity];
		ret = 0;
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
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
				sva_trace_field_text(&ev, f, value, sizeof(value)));
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}

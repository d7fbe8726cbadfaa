/* SPDX-License-Identifier: MIT */
/*
 * The trace: a bounded ring (oldest dropped first), subscribers, the text export and the
 * Chrome Trace Event JSON export (parsed back and checked field by field).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "testutil.h"

static void test_ring_keeps_the_newest(void **state)
{
	struct sva_world_config c = { .backend = SVA_BACKEND_SIM, .trace_capacity = 8 };
	struct sva_trace_event ev;
	struct sva_world *w;
	(void)state;

	assert_int_equal(sva_world_create(&c, &w), 0);
	for (int i = 0; i < 20; i++)
		sva_trace(w, MM_RECLAIM, (uint64_t)i);
	assert_int_equal(sva_trace_recorded(w), 20);
	assert_int_equal(sva_trace_held(w), 8);
	assert_int_equal(sva_trace_dropped(w), 12);
	assert_int_equal(sva_trace_get(w, 0, &ev), 0);
	assert_int_equal(ev.kind, SVA_EV_MM_RECLAIM);
	assert_int_equal(sva_ev_num(&ev, MM_RECLAIM, pages), 12);
	assert_int_equal(sva_trace_get(w, 7, &ev), 0);
	assert_int_equal(sva_ev_num(&ev, MM_RECLAIM, pages), 19);
	assert_int_equal(sva_trace_get(w, 8, &ev), -ENOENT);
	assert_int_equal(ev.actor, -1); /* emitted outside any actor */
	sva_test_world_done(w);

	/* a capacity that is not a power of two: slots by modulo, the same newest kept */
	c.trace_capacity = 5;
	assert_int_equal(sva_world_create(&c, &w), 0);
	for (int i = 0; i < 13; i++)
		sva_trace(w, MM_RECLAIM, (uint64_t)i);
	assert_int_equal(sva_trace_held(w), 5);
	assert_int_equal(sva_trace_dropped(w), 8);
	for (uint64_t i = 0; i < 5; i++) {
		assert_int_equal(sva_trace_get(w, i, &ev), 0);
		assert_int_equal(sva_ev_num(&ev, MM_RECLAIM, pages), 8 + i);
	}
	assert_int_equal(sva_trace_get(w, 5, &ev), -ENOENT);
	sva_test_world_done(w);
}

struct walk {
	uint64_t pages[8];
	size_t n, stop_at;
};

static int walk_visit(void *ctx, const struct sva_trace_event *ev)
{
	struct walk *k = ctx;

	k->pages[k->n++] = sva_ev_num(ev, MM_RECLAIM, pages);
	return k->n == k->stop_at ? 42 : 0;
}

/* sva_trace_for_each: the held events, oldest first, after a wrap too; a non-zero stops it. */
static void test_for_each_walks_the_held_events(void **state)
{
	struct sva_world_config c = { .backend = SVA_BACKEND_SIM, .trace_capacity = 8 };
	struct walk all = { .stop_at = 0 }, some = { .stop_at = 3 };
	struct sva_world *w;
	char name[16];
	(void)state;

	assert_int_equal(sva_world_create(&c, &w), 0);
	for (int i = 0; i < 13; i++)
		sva_trace(w, MM_RECLAIM, (uint64_t)i);
	assert_int_equal(sva_trace_for_each(w, walk_visit, &all), 0);
	assert_int_equal(all.n, 8);
	for (size_t i = 0; i < all.n; i++)
		assert_int_equal(all.pages[i], 5 + i);
	assert_int_equal(sva_trace_for_each(w, walk_visit, &some), 42);
	assert_int_equal(some.n, 3);
	assert_int_equal(some.pages[2], 7);
	assert_string_equal(sva_trace_actor_name(w, -1, name, sizeof(name)), "world");
	assert_string_equal(sva_trace_actor_name(w, 99, name, sizeof(name)), "?");
	sva_test_world_done(w);
}

/* A report's event carries its kind and its message, for a reader of the trace. */
static void test_report_event_has_its_message(void **state)
{
	struct sva_world_config c = { .backend = SVA_BACKEND_SIM, .quiet = true };
	struct sva_trace_event ev;
	struct sva_world *w;
	(void)state;

	assert_int_equal(sva_world_create(&c, &w), 0);
	sva_report(w, SVA_REPORT_BAD_USAGE, "PASID %d freed twice", 7);
	assert_int_equal(sva_trace_get(w, sva_trace_held(w) - 1, &ev), 0);
	assert_int_equal(ev.kind, SVA_EV_REPORT);
	assert_string_equal(sva_ev_str(&ev, REPORT, kind), "API misuse");
	assert_string_equal(sva_ev_str(&ev, REPORT, message), "PASID 7 freed twice");
	sva_world_destroy(w);
}

/* The table of sva/events.h as the trace sees it: names, tracks, phases, fields in order. */
static void test_the_table_describes_every_kind(void **state)
{
	const struct sva_event_desc *d;
	(void)state;

	d = sva_event_desc(SVA_EV_SVA_BIND);
	assert_string_equal(d->name, "sva.bind");
	assert_null(d->track);
	assert_int_equal(d->phase, SVA_TRACE_INSTANT);
	assert_int_equal(d->nfields, 4);
	assert_string_equal(d->fields[0].name, "device");
	assert_true(d->fields[0].str);
	assert_string_equal(d->fields[3].name, "users");
	assert_false(d->fields[3].str);
	d = sva_event_desc(SVA_EV_DEVICE_REMOVE);
	assert_string_equal(d->name, "device");
	assert_string_equal(d->track, "device");
	assert_int_equal(d->phase, SVA_TRACE_END);
	assert_int_equal(d->nfields, 0);
	assert_string_equal(sva_event_desc(SVA_EV_PASID_ALLOC)->track, "pasid");
	assert_int_equal(sva_event_desc(SVA_EV_PASID_ALLOC)->phase, SVA_TRACE_BEGIN);
	assert_string_equal(sva_event_name(SVA_EV_NR), "?");
	for (int k = 0; k < SVA_EV_NR; k++) {
		d = sva_event_desc((enum sva_event)k);
		assert_non_null(d->name);
		assert_true(d->nfields <= SVA_TRACE_MAX_FIELDS);
		for (unsigned f = 0; f < d->nfields; f++)
			assert_non_null(d->fields[f].name);
		/* a lifetime is drawn on a named track */
		assert_true(d->phase == SVA_TRACE_INSTANT || d->track);
	}
}

/* An emitter takes a kind's fields in order; a subscriber reads each by its name. */
static void test_fields_by_kind(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_trace_event ev;
	(void)state;

	sva_trace(w, DEVICE_REMOVE, 3);
	sva_trace(w, SVA_BIND, "dsa0", 7, 9, 2);
	assert_int_equal(sva_trace_get(w, 0, &ev), 0);
	assert_int_equal(ev.kind, SVA_EV_DEVICE_REMOVE);
	assert_int_equal(ev.track_id, 3);
	assert_int_equal(sva_trace_get(w, 1, &ev), 0);
	assert_int_equal(ev.kind, SVA_EV_SVA_BIND);
	assert_string_equal(sva_ev_str(&ev, SVA_BIND, device), "dsa0");
	assert_int_equal(sva_ev_num(&ev, SVA_BIND, mm), 7);
	assert_int_equal(sva_ev_num(&ev, SVA_BIND, pasid), 9);
	assert_int_equal(sva_ev_num(&ev, SVA_BIND, users), 2);
	assert_string_equal(sva_trace_event_str(&ev, "device"), "dsa0");
	assert_null(sva_trace_event_str(&ev, "mm")); /* a number */
	sva_test_world_done(w);
}

struct seen {
	int n;
	enum sva_event last;
};

static void count_events(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct seen *s = ctx;

	(void)w;
	s->n++;
	s->last = ev->kind;
}

static void test_subscribers_see_every_event(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct seen a = { 0 }, b = { 0 };
	(void)state;

	assert_int_equal(sva_world_subscribe(w, count_events, &a), 0);
	assert_int_equal(sva_world_subscribe(w, count_events, &b), 0);
	sva_trace(w, PROCESS_KILL, 1);
	sva_world_unsubscribe(w, count_events, &b);
	sva_trace(w, MM_RECLAIM, 2);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.last, SVA_EV_MM_RECLAIM);
	assert_int_equal(b.last, SVA_EV_PROCESS_KILL);
	assert_int_equal(b.n, 1);
	sva_world_unsubscribe(w, count_events, &a);
	/* a world holds a bounded list of subscribers: past it -ENOSPC, until one leaves */
	{
		struct seen many[64] = { { 0 } };
		int n = 0;

		while (n < 64 && sva_world_subscribe(w, count_events, &many[n]) == 0)
			n++;
		assert_true(n >= 2 && n < 64);
		assert_int_equal(sva_world_subscribe_ordered(w, count_events, &a), -ENOSPC);
		sva_trace(w, PROCESS_KILL, 1);
		for (int i = 0; i < n; i++)
			assert_int_equal(many[i].n, 1);
		sva_world_unsubscribe(w, count_events, &many[0]);
		assert_int_equal(sva_world_subscribe(w, count_events, &a), 0);
		sva_world_unsubscribe(w, count_events, &a);
		for (int i = 1; i < n; i++)
			sva_world_unsubscribe(w, count_events, &many[i]);
	}
	sva_test_world_done(w);
}

/*
 * On native threads, subscribers are handed events in the ring's order, whatever the threads
 * do between recording an event and handing it over; an event a subscriber emits while it is
 * handed one (a checker's report) is handed over at once, without waiting for its turn.
 */
#define ORDER_THREADS 4
#define ORDER_EVENTS  4000

struct order_log {
	struct sva_world *w;
	pthread_mutex_t lock; /* the subscriber's own, as the checker has */
	uint64_t seen[ORDER_THREADS * ORDER_EVENTS];
	size_t n;
	unsigned nested;
};

static uint64_t order_key(const struct sva_trace_event *ev)
{
	return (uint64_t)(ev->actor + 1) << 32 | sva_ev_num(ev, MM_RECLAIM, pages);
}

static void order_subscriber(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct order_log *o = ctx;

	if (ev->kind == SVA_EV_PROCESS_KILL) { /* the nested one */
		__atomic_fetch_add(&o->nested, 1, __ATOMIC_RELAXED);
		return;
	}
	if (ev->kind != SVA_EV_MM_RECLAIM) /* a step */
		return;
	pthread_mutex_lock(&o->lock);
	o->seen[o->n++] = order_key(ev);
	pthread_mutex_unlock(&o->lock);
	if (sva_ev_num(ev, MM_RECLAIM, pages) % 500 == 499)
		sva_trace(w, PROCESS_KILL, 0); /* from inside the subscriber, as a report is */
}

static int order_actor(void *arg)
{
	struct order_log *o = arg;

	for (unsigned i = 0; i < ORDER_EVENTS; i++)
		sva_trace(o->w, MM_RECLAIM, i);
	return 0;
}

static void test_subscribers_get_events_in_ring_order(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_NATIVE,
				       .trace_capacity = 1u << 16,
				       .quiet = true };
	struct order_log *o = calloc(1, sizeof(*o));
	struct sva_trace_event ev;
	size_t held = 0;
	(void)state;

	assert_non_null(o);
	assert_int_equal(sva_world_create(&wc, &o->w), 0);
	pthread_mutex_init(&o->lock, NULL);
	assert_int_equal(sva_world_subscribe_ordered(o->w, order_subscriber, o), 0);
	for (int t = 0; t < ORDER_THREADS; t++)
		assert_int_equal(sva_actor_spawn(o->w, "emitter", order_actor, o, 0, NULL), 0);
	assert_int_equal(sva_world_run(o->w), 0);
	sva_world_unsubscribe(o->w, order_subscriber, o);
	assert_int_equal(o->nested, ORDER_THREADS * ORDER_EVENTS / 500);
	/* the steps in the ring's order; the nested events all seen (they come out of turn) */
	for (size_t i = 0; sva_trace_get(o->w, i, &ev) == 0; i++) {
		if (ev.kind != SVA_EV_MM_RECLAIM)
			continue;
		assert_true(held < o->n);
		assert_true(o->seen[held++] == order_key(&ev));
	}
	assert_int_equal(held, ORDER_THREADS * ORDER_EVENTS);
	assert_int_equal(o->n, held);
	pthread_mutex_destroy(&o->lock);
	sva_world_destroy(o->w);
	free(o);
}

static int traced_actor(void *arg)
{
	struct sva_world *w = arg;

	sva_trace(w, PASID_LIVE, 5, 5);
	sva_sched_point(w);
	sva_trace(w, MM_COW_BREAK, 1, 0x1000);
	sva_trace(w, FILE_OPEN, "dsa0wq0");
	sva_trace(w, PASID_DEAD, 5);
	return 0;
}

static void test_text_export(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 5);
	char *text;
	(void)state;

	assert_int_equal(sva_actor_spawn(w, "dev0", traced_actor, w, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	text = sva_test_trace_string(w, sva_trace_write_text);
	assert_non_null(strstr(text, "dev0         [pasid.live pasid:5 pasid=5\n"));
	assert_non_null(strstr(text, "dev0          mm.cow_break mm=1 addr=0x1000\n"));
	assert_non_null(strstr(text, "dev0          file.open file=dsa0wq0\n"));
	assert_non_null(strstr(text, "dev0         ]pasid.live pasid:5\n"));
	free(text);
	/* a file that cannot be written: -EIO from each writer */
	{
		FILE *full = fopen("/dev/full", "w");

		assert_non_null(full);
		setvbuf(full, NULL, _IONBF, 0); /* each write fails at once */
		assert_int_equal(sva_trace_write_text(w, full), -EIO);
		clearerr(full);
		assert_int_equal(sva_trace_write_chrome_json(w, full), -EIO);
		fclose(full);
	}
	sva_test_world_done(w);
}

static json_t *find_event(json_t *events, const char *name, const char *ph)
{
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev)
	{
		if (strcmp(json_string_value(json_object_get(ev, "name")), name) == 0 &&
		    strcmp(json_string_value(json_object_get(ev, "ph")), ph) == 0)
			return ev;
	}
	return NULL;
}

static void test_chrome_json_export_parses_with_tracks(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 5);
	json_error_t err;
	json_t *root, *events, *ev;
	char *text;
	(void)state;

	assert_int_equal(sva_actor_spawn(w, "dev0", traced_actor, w, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	text = sva_test_trace_string(w, sva_trace_write_chrome_json);
	root = json_loads(text, 0, &err);
	if (!root)
		fprintf(stderr, "json: %s at %d\n%s\n", err.text, err.line, text);
	assert_non_null(root);
	events = json_object_get(root, "traceEvents");
	assert_true(json_is_array(events));

	ev = find_event(events, "mm.cow_break", "i");
	assert_non_null(ev);
	assert_int_equal(json_integer_value(json_object_get(ev, "pid")), 1);
	assert_int_equal(json_integer_value(json_object_get(ev, "tid")), 1); /* actor 0 */
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "args"), "addr")),
			    "0x1000"); /* an address: hex, as its format says */

	ev = find_event(events, "pasid.live", "B");
	assert_non_null(ev);
	assert_int_equal(json_integer_value(json_object_get(ev, "pid")), 2); /* the pasid track */
	assert_int_equal(json_integer_value(json_object_get(ev, "tid")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "args"), "pasid")),
			 5);
	assert_non_null(find_event(events, "pasid.live", "E"));
	ev = find_event(events, "file.open", "i");
	assert_non_null(ev);
	assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "args"), "file")),
			    "dsa0wq0");

	/* metadata names the tracks */
	ev = find_event(events, "thread_name", "M");
	assert_non_null(ev);
	ev = find_event(events, "process_name", "M");
	assert_non_null(ev);
	json_decref(root);
	free(text);
	sva_test_world_done(w);
}

/*
 * Page-request arrows: at most 256 requests wait for their response; one more forgets the
 * oldest, whose late response then draws no arrow, while the newest's still does.
 */
static void test_chrome_flows_forget_the_oldest(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	unsigned long starts = 0, ends = 0, end_id = 0;
	json_t *root, *events, *ev;
	size_t i;
	char *text;
	(void)state;

	for (uint64_t g = 1; g <= 257; g++)
		sva_trace(w, SWIOMMU_PRQ_REQUEST, "acc0", 1, g, 0, 0);
	sva_trace(w, SWIOMMU_PRI_RESPONSE, "acc0", 1, 1, 0);   /* the oldest: forgotten */
	sva_trace(w, SWIOMMU_PRI_RESPONSE, "acc0", 1, 257, 0); /* the newest */
	sva_trace(w, SWIOMMU_PRI_RESPONSE, "acc0", 1, 257, 0); /* answered already */
	text = sva_test_trace_string(w, sva_trace_write_chrome_json);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	events = json_object_get(root, "traceEvents");
	json_array_foreach(events, i, ev)
	{
		const char *ph = json_string_value(json_object_get(ev, "ph"));

		if (strcmp(json_string_value(json_object_get(ev, "name")), "page request") != 0)
			continue;
		if (strcmp(ph, "s") == 0)
			starts++;
		if (strcmp(ph, "f") == 0) {
			ends++;
			end_id = (unsigned long)json_integer_value(json_object_get(ev, "id"));
		}
	}
	assert_int_equal(starts, 257);
	assert_int_equal(ends, 1);
	assert_int_equal(end_id, 257);
	json_decref(root);
	free(text);
	sva_test_world_done(w);
}

static void test_string_values_are_copied(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_trace_event a, b;
	char name[16];
	(void)state;

	snprintf(name, sizeof(name), "mm7");
	sva_trace(w, MM_CREATE, 7, name);
	snprintf(name, sizeof(name), "gone"); /* the object and its name are freed */
	sva_trace(w, MM_CREATE, 8, "mm7");
	assert_int_equal(sva_trace_get(w, 0, &a), 0);
	assert_int_equal(sva_trace_get(w, 1, &b), 0);
	assert_string_equal(sva_ev_str(&a, MM_CREATE, name), "mm7");
	assert_ptr_equal(sva_ev_str(&a, MM_CREATE, name),
			 sva_ev_str(&b, MM_CREATE, name)); /* interned once */
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_keeps_the_newest),
		cmocka_unit_test(test_for_each_walks_the_held_events),
		cmocka_unit_test(test_report_event_has_its_message),
		cmocka_unit_test(test_the_table_describes_every_kind),
		cmocka_unit_test(test_fields_by_kind),
		cmocka_unit_test(test_subscribers_see_every_event),
		cmocka_unit_test(test_subscribers_get_events_in_ring_order),
		cmocka_unit_test(test_text_export),
		cmocka_unit_test(test_chrome_json_export_parses_with_tracks),
		cmocka_unit_test(test_chrome_flows_forget_the_oldest),
		cmocka_unit_test(test_string_values_are_copied),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}

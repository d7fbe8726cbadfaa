/* SPDX-License-Identifier: MIT */
/*
 * The trace as Chrome Trace Event JSON (Perfetto and chrome://tracing open it).
 *
 * Tracks: one per actor (process "actors", a thread per actor, named after it) and, for the
 * kinds declared on a named track (sva/events.h: "pasid", "mm", ...), a process per track
 * name and a thread per object, named "pasid 5", "mm 2". Slices (B/E) are the kinds' phases;
 * one still open at the end of the trace - a run stopped at its violation - is closed at the
 * last timestamp with "closed_at_end" in its args, so every B has its E. Flows: an arrow from
 * each event that starts a flow to the one that ends it, matched on the fields the flow table
 * names (a page request to its response, a descriptor's submission to its completion or abort).
 * Args: each field as its declared format prints it (trace_format.c: addresses in hex, codes
 * by name); decimals stay JSON numbers. Time: the logical step in sim (one microsecond in
 * the file, so the timeline reads as steps), nanoseconds in native; "otherData" says which.
 *
 * Reads the ring through sva_trace_get(); allocates with malloc (the export is the caller's,
 * not the world's). Not thread-safe against emitters: export a finished run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "world.h"

#define SVA_CHROME_MAX_TRACKS  64
#define SVA_CHROME_MAX_OBJECTS 1024
#define SVA_CHROME_MAX_OPEN    1024
#define SVA_CHROME_MAX_FLOWS   256

/*
 * A flow: an arrow from @start to the next of its @ends whose @keys fields are equal (@nends
 * kinds end it: a descriptor completes or is aborted).
 */
struct sva_chrome_flow {
	enum sva_event start;
	enum sva_event ends[3];
	unsigned nends;
	const char *name;
	const char *keys[3];
};

static const struct sva_chrome_flow sva_chrome_flows[] = {
	{ SVA_EV_SWIOMMU_PRQ_REQUEST,
	  { SVA_EV_SWIOMMU_PRI_RESPONSE },
	  1,
	  "page request",
	  { "device", "pasid", "grpid" } },
	/* desc: the device's id and the descriptor's number, unique in the world */
	{ SVA_EV_ACCEL_SUBMIT,
	  { SVA_EV_ACCEL_COMPLETE, SVA_EV_ACCEL_ABORT, SVA_EV_ACCEL_ABORT_QUEUED },
	  3,
	  "descriptor",
	  { "desc" } },
};

static bool sva_chrome_flow_ends_at(const struct sva_chrome_flow *f, enum sva_event kind)
{
	for (unsigned i = 0; i < f->nends; i++)
		if (f->ends[i] == kind)
			return true;
	return false;
}

struct sva_chrome_object {
	unsigned pid;
	uint64_t tid;
};

struct sva_chrome_open {
	unsigned pid;
	uint64_t tid;
	const char *name;
	unsigned depth;
};

struct sva_chrome_pending {
	unsigned flow;
	char key[160];
	unsigned long id;
};

struct sva_chrome {
	struct sva_world *w;
	FILE *out;
	bool first;
	double last_ts;
	const char *tracks[SVA_CHROME_MAX_TRACKS];
	unsigned ntracks;
	struct sva_chrome_object objects[SVA_CHROME_MAX_OBJECTS];
	unsigned nobjects;
	struct sva_chrome_open open[SVA_CHROME_MAX_OPEN];
	unsigned nopen;
	struct sva_chrome_pending pending[SVA_CHROME_MAX_FLOWS];
	unsigned npending;
	unsigned long next_flow;
};

/* Named tracks are processes 2.. in order of first appearance (the last one takes overflow). */
static unsigned sva_chrome_track_pid(struct sva_chrome *c, const char *track)
{
	for (unsigned i = 0; i < c->ntracks; i++)
		if (strcmp(c->tracks[i], track) == 0)
			return i + 2;
	if (c->ntracks == SVA_CHROME_MAX_TRACKS)
		return c->ntracks + 1;
	c->tracks[c->ntracks++] = track;
	return c->ntracks + 1;
}

static void sva_chrome_object_seen(struct sva_chrome *c, unsigned pid, uint64_t tid)
{
	for (unsigned i = 0; i < c->nobjects; i++)
		if (c->objects[i].pid == pid && c->objects[i].tid == tid)
			return;
	if (c->nobjects < SVA_CHROME_MAX_OBJECTS)
		c->objects[c->nobjects++] = (struct sva_chrome_object){ pid, tid };
}

static int sva_chrome_dump(struct sva_chrome *c, json_t *obj)
{
	int ret;

	if (!obj)
		return -ENOMEM;
	if (!c->first)
		fputs(",\n", c->out);
	c->first = false;
	ret = json_dumpf(obj, c->out, JSON_COMPACT);
	json_decref(obj);
	return ret ? -EIO : 0;
}

static json_t *sva_chrome_meta(const char *what, unsigned pid, uint64_t tid, const char *name)
{
	return json_pack("{s:s, s:s, s:i, s:I, s:{s:s}}", "name", what, "ph", "M", "pid", (int)pid,
			 "tid", (json_int_t)tid, "args", "name", name);
}

/* Slices: depth per (track, name); a B opens, an E closes. */
static void sva_chrome_slice(struct sva_chrome *c, unsigned pid, uint64_t tid, const char *name,
			     enum sva_trace_phase phase)
{
	struct sva_chrome_open *o = NULL;

	for (unsigned i = 0; i < c->nopen && !o; i++)
		if (c->open[i].pid == pid && c->open[i].tid == tid &&
		    strcmp(c->open[i].name, name) == 0)
			o = &c->open[i];
	if (!o && c->nopen < SVA_CHROME_MAX_OPEN) {
		o = &c->open[c->nopen++];
		*o = (struct sva_chrome_open){ .pid = pid, .tid = tid, .name = name };
	}
	if (!o)
		return;
	if (phase == SVA_TRACE_BEGIN)
		o->depth++;
	else if (o->depth)
		o->depth--;
}

/* The flow key of @ev: its key fields' values, "" when it has none of them. */
static void sva_chrome_flow_key(const struct sva_trace_event *ev, const struct sva_chrome_flow *f,
				char *key, size_t len)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);
	size_t n = 0;

	key[0] = '\0';
	for (unsigned k = 0; k < 3 && f->keys[k]; k++)
		for (unsigned i = 0; i < d->nfields; i++) {
			int m;

			if (strcmp(d->fields[i].name, f->keys[k]))
				continue;
			m = d->fields[i].str ? snprintf(key + n, len - n, "%s|", ev->v[i].str)
					     : snprintf(key + n, len - n, "%llu|",
							(unsigned long long)ev->v[i].num);
			if (m > 0 && (size_t)m < len - n)
				n += (size_t)m;
		}
}

static int sva_chrome_flow_point(struct sva_chrome *c, const char *name, const char *ph,
				 unsigned long id, double ts, unsigned pid, uint64_t tid)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:f, s:i, s:I}", "name", name, "cat", "flow",
			      "ph", ph, "id", (json_int_t)id, "ts", ts, "pid", (int)pid, "tid",
			      (json_int_t)tid);

	if (o && ph[0] == 'f')
		json_object_set_new(o, "bp", json_string("e")); /* binds to the enclosing slice */
	return sva_chrome_dump(c, o);
}

/* Arrows: a start is remembered, the first end with its key draws the arrow. */
static int sva_chrome_flows_at(struct sva_chrome *c, const struct sva_trace_event *ev, double ts,
			       unsigned pid, uint64_t tid)
{
	int ret = 0;

	for (unsigned f = 0; ret == 0 && f < sizeof(sva_chrome_flows) / sizeof(sva_chrome_flows[0]);
	     f++) {
		const struct sva_chrome_flow *fl = &sva_chrome_flows[f];
		char key[160];

		if (ev->kind != fl->start && !sva_chrome_flow_ends_at(fl, ev->kind))
			continue;
		sva_chrome_flow_key(ev, fl, key, sizeof(key));
		if (ev->kind == fl->start) {
			struct sva_chrome_pending *p;

			if (c->npending == SVA_CHROME_MAX_FLOWS) /* the oldest never ended */
				memmove(&c->pending[0], &c->pending[1],
					--c->npending * sizeof(c->pending[0]));
			p = &c->pending[c->npending++];
			p->flow = f;
			p->id = ++c->next_flow;
			snprintf(p->key, sizeof(p->key), "%s", key);
			ret = sva_chrome_flow_point(c, fl->name, "s", p->id, ts, pid, tid);
			continue;
		}
		for (unsigned i = 0; i < c->npending; i++)
			if (c->pending[i].flow == f && strcmp(c->pending[i].key, key) == 0) {
				ret = sva_chrome_flow_point(c, fl->name, "f", c->pending[i].id, ts,
							    pid, tid);
				memmove(&c->pending[i], &c->pending[i + 1],
					(--c->npending - i) * sizeof(c->pending[0]));
				break;
			}
	}
	return ret;
}

/* Field @f's arg: a decimal as a JSON number, anything else as the formatter's text. */
static json_t *sva_chrome_arg(struct sva_world *w, const struct sva_trace_event *ev, unsigned f)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);
	char text[64];

	if (!d->fields[f].str && sva_trace_format_is_decimal(d->fields[f].format))
		return json_integer((json_int_t)ev->v[f].num);
	return json_string(sva_trace_field_text(w, ev, f, text, sizeof(text)));
}

static int sva_chrome_event(struct sva_chrome *c, const struct sva_trace_event *ev)
{
	static const char *const phases[] = { "i", "B", "E" };
	const struct sva_event_desc *d = sva_event_desc(ev->kind);
	double ts = sva_world_backend(c->w) == SVA_BACKEND_SIM ? (double)ev->time
							       : (double)ev->time / 1000.0;
	unsigned pid = d->track ? sva_chrome_track_pid(c, d->track) : 1;
	uint64_t tid = d->track ? ev->track_id : (uint64_t)(ev->actor + 1);
	json_t *args = json_object(), *obj;
	int ret;

	for (unsigned f = 0; args && f < d->nfields; f++)
		json_object_set_new(args, d->fields[f].name, sva_chrome_arg(c->w, ev, f));
	if (args && d->track)
		json_object_set_new(args, "actor", json_integer(ev->actor));
	obj = json_pack("{s:s, s:s, s:f, s:i, s:I, s:o}", "name", d->name, "ph", phases[d->phase],
			"ts", ts, "pid", (int)pid, "tid", (json_int_t)tid, "args", args);
	if (obj && d->phase == SVA_TRACE_INSTANT)
		json_object_set_new(obj, "s", json_string("t"));
	if (d->track)
		sva_chrome_object_seen(c, pid, tid);
	if (d->phase != SVA_TRACE_INSTANT)
		sva_chrome_slice(c, pid, tid, d->name, d->phase);
	if (ts > c->last_ts)
		c->last_ts = ts;
	ret = sva_chrome_dump(c, obj);
	return ret ? ret : sva_chrome_flows_at(c, ev, ts, pid, tid);
}

/* Every slice still open is closed at the end (a run stopped at its violation). */
static int sva_chrome_close_open(struct sva_chrome *c)
{
	int ret = 0;

	for (unsigned i = 0; ret == 0 && i < c->nopen; i++)
		for (; ret == 0 && c->open[i].depth; c->open[i].depth--)
			ret = sva_chrome_dump(c, json_pack("{s:s, s:s, s:f, s:i, s:I, s:{s:b}}",
							   "name", c->open[i].name, "ph", "E", "ts",
							   c->last_ts, "pid", (int)c->open[i].pid,
							   "tid", (json_int_t)c->open[i].tid,
							   "args", "closed_at_end", 1));
	return ret;
}

static int sva_chrome_names(struct sva_chrome *c, int max_actor)
{
	char name[96];
	int ret = sva_chrome_dump(c, sva_chrome_meta("process_name", 1, 0, "actors"));

	for (int a = -1; ret == 0 && a <= max_actor; a++)
		ret = sva_chrome_dump(
			c, sva_chrome_meta("thread_name", 1, (uint64_t)(a + 1),
					   sva_trace_actor_name(c->w, a, name, sizeof(name))));
	for (unsigned t = 0; ret == 0 && t < c->ntracks; t++)
		ret = sva_chrome_dump(c, sva_chrome_meta("process_name", t + 2, 0, c->tracks[t]));
	for (unsigned o = 0; ret == 0 && o < c->nobjects; o++) {
		const struct sva_chrome_object *ob = &c->objects[o];

		snprintf(name, sizeof(name), "%s %llu", c->tracks[ob->pid - 2],
			 (unsigned long long)ob->tid);
		ret = sva_chrome_dump(c, sva_chrome_meta("thread_name", ob->pid, ob->tid, name));
	}
	return ret;
}

int sva_trace_write_chrome_json(struct sva_world *w, FILE *out)
{
	struct sva_chrome *c = calloc(1, sizeof(*c));
	struct sva_trace_event ev;
	int max_actor = -1, ret = 0;
	bool sim = sva_world_backend(w) == SVA_BACKEND_SIM;

	if (!c)
		return -ENOMEM;
	c->w = w;
	c->out = out;
	c->first = true;
	fprintf(out,
		"{\"displayTimeUnit\":\"ns\",\"otherData\":{\"time_unit\":\"%s\"},"
		"\"traceEvents\":[\n",
		sim ? "sim step (one scheduling point; 1 us in this file)" : "ns");
	for (size_t i = 0; ret == 0 && sva_trace_get(w, i, &ev) == 0; i++) {
		if (ev.actor > max_actor)
			max_actor = ev.actor;
		ret = sva_chrome_event(c, &ev);
	}
	if (ret == 0)
		ret = sva_chrome_close_open(c);
	if (ret == 0)
		ret = sva_chrome_names(c, max_actor);
	fputs("\n]}\n", out);
	free(c);
	if (ret == 0 && ferror(out))
		ret = -EIO;
	return ret;
}

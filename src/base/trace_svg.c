/* SPDX-License-Identifier: MIT */
/*
 * The SVG export of the trace: one standalone document (no external CSS, script or font) that
 * draws the held events as a timeline, for people who would rather look than read.
 *
 * Time runs left to right on a linear scale (sim: logical steps; native: nanoseconds since the
 * world started) over a plot 1200 px wide, or 1 px per distinct time when there are more
 * (then the file is wide: scroll). Nested lifetimes on one lane are inset. One row (lane) per:
 *   - object of the "process" track ("process <pid> <name>", the name from the BEGIN event),
 *   - object of every other named track, tracks in order of first appearance ("pasid 3",
 *     "device 1 dsa0": a name when the BEGIN event has one),
 *   - actor with events on its own track (labelled with the actor's name).
 * An event on an actor's track that names a device (a "device" field: binds, attaches, PASID
 * entries, faults, page requests) is marked on that device's row too, so a device's row shows
 * its life and everything that happened to it.
 * A BEGIN/END pair on a lane is a bar (class "life"); a BEGIN never ended is drawn to the end
 * of the trace, lighter and dashed, and an END whose BEGIN fell out of the ring starts at the
 * beginning. INSTANT events are marks (class "mark") colored by family (the event name up to
 * the first '.', with faults and reports picked out); a legend lists the families present.
 * Bars and marks carry a <title> tooltip: the event name and its fields.
 *
 * To keep files manageable, when the actor lanes hold more than SVG_MAX_ACTOR_MARKS instants
 * only every k-th of them is drawn (reports always are) and the document says so; bars and the
 * marks of named tracks are never thinned.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

#define SVG_MAX_ACTOR_MARKS 20000
#define SVG_PLOT_MIN_W	    1200.0
#define SVG_ROW_H	    16.0
#define SVG_TOP		    48.0
#define SVG_PAD		    16.0
#define SVG_LABEL_MAX	    48 /* bytes of a lane label shown; the rest in its tooltip */
#define SVG_LEGEND_COL_W    150.0
#define SVG_NONE	    ((size_t)-1)

/* ---- families and their colors --------------------------------------------------------- */

enum svg_fam {
	SVG_F_REPORT,
	SVG_F_FAULT,
	SVG_F_SVA,
	SVG_F_IOMMU,
	SVG_F_PASID,
	SVG_F_PROCESS,
	SVG_F_TASK,
	SVG_F_MM,
	SVG_F_MMU_NOTIFIER,
	SVG_F_SWIOMMU,
	SVG_F_ACCEL,
	SVG_F_UACCE,
	SVG_F_DEVICE,
	SVG_F_FILE,
	SVG_F_ACTOR,
	SVG_F_WORK,
	SVG_F_DMA,
	SVG_F_OTHER,
	SVG_F_NR
};

static const struct {
	const char *name;
	const char *color;
} svg_fams[SVG_F_NR] = {
	[SVG_F_REPORT] = { "report", "#d62728" },
	[SVG_F_FAULT] = { "fault", "#ff7f0e" },
	[SVG_F_SVA] = { "sva", "#1f77b4" },
	[SVG_F_IOMMU] = { "iommu", "#17becf" },
	[SVG_F_PASID] = { "pasid", "#9467bd" },
	[SVG_F_PROCESS] = { "process", "#8c564b" },
	[SVG_F_TASK] = { "task", "#c49c94" },
	[SVG_F_MM] = { "mm", "#2ca02c" },
	[SVG_F_MMU_NOTIFIER] = { "mmu_notifier", "#98df8a" },
	[SVG_F_SWIOMMU] = { "swiommu", "#bcbd22" },
	[SVG_F_ACCEL] = { "accel", "#e377c2" },
	[SVG_F_UACCE] = { "uacce", "#aec7e8" },
	[SVG_F_DEVICE] = { "device", "#393b79" },
	[SVG_F_FILE] = { "file", "#ffbb78" },
	[SVG_F_ACTOR] = { "actor", "#c5b0d5" },
	[SVG_F_WORK] = { "work", "#9edae5" },
	[SVG_F_DMA] = { "dma", "#637939" },
	[SVG_F_OTHER] = { "other", "#7f7f7f" },
};

/*
 * First match wins. A pattern with a '.' matches the start of the event name; one without
 * matches the family, the name up to its first '.'.
 */
static const struct {
	const char *match;
	enum svg_fam fam;
} svg_match[] = {
	{ "report", SVG_F_REPORT },
	{ "swiommu.fault", SVG_F_FAULT },
	{ "mm.fault", SVG_F_FAULT },
	{ "iopf", SVG_F_FAULT },
	{ "sva", SVG_F_SVA },
	{ "iommu", SVG_F_IOMMU },
	{ "pasid", SVG_F_PASID },
	{ "process", SVG_F_PROCESS },
	{ "task", SVG_F_TASK },
	{ "mm", SVG_F_MM },
	{ "mmu_notifier", SVG_F_MMU_NOTIFIER },
	{ "swiommu", SVG_F_SWIOMMU },
	{ "accel", SVG_F_ACCEL },
	{ "uacce", SVG_F_UACCE },
	{ "device", SVG_F_DEVICE },
	{ "file", SVG_F_FILE },
	{ "actor", SVG_F_ACTOR },
	{ "work", SVG_F_WORK },
	{ "dma", SVG_F_DMA },
};

static enum svg_fam svg_family(const char *name)
{
	size_t flen = strcspn(name, ".");

	for (size_t i = 0; i < sizeof(svg_match) / sizeof(svg_match[0]); i++) {
		const char *m = svg_match[i].match;
		size_t mlen = strlen(m);

		if (strchr(m, '.') ? strncmp(name, m, mlen) == 0
				   : mlen == flen && strncmp(name, m, flen) == 0)
			return svg_match[i].fam;
	}
	return SVG_F_OTHER;
}

/* ---- XML text ---------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at @p that XML allows, 0 if there is none. */
static unsigned svg_utf8_len(const unsigned char *p)
{
	unsigned len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || /* overlong, UTF-16 */
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f) ||
	    (p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)) /* U+FFFE, U+FFFF */
		return 0;
	return len;
}

/* @s as XML character data or attribute value: specials escaped, what XML forbids as '?'. */
static void svg_text(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned len = svg_utf8_len(p);

		if (len > 1) {
			fwrite(p, 1, len, out);
			p += len;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			fputc(len == 0 || (*p < 0x20 && *p != '\t' && *p != '\n') ? '?' : *p, out);
		}
		p++;
	}
}

/* " k=v" for each field, escaped. */
static void svg_fields(FILE *out, const struct sva_trace_event *ev)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);

	for (unsigned f = 0; f < d->nfields; f++) {
		fputc(' ', out);
		svg_text(out, d->fields[f].name);
		fputc('=', out);
		if (d->fields[f].str)
			svg_text(out, ev->v[f].str);
		else
			fprintf(out, "%llu", (unsigned long long)ev->v[f].num);
	}
}

static const char *svg_name(const struct sva_trace_event *ev)
{
	return sva_event_desc(ev->kind)->name;
}

static const char *svg_track(const struct sva_trace_event *ev)
{
	return sva_event_desc(ev->kind)->track;
}

static enum sva_trace_phase svg_phase(const struct sva_trace_event *ev)
{
	return sva_event_desc(ev->kind)->phase;
}

/* ---- the picture ------------------------------------------------------------------------- */

enum svg_group { SVG_G_PROCESS, SVG_G_TRACK, SVG_G_ACTOR };

struct svg_lane {
	enum svg_group group;
	unsigned track; /* SVG_G_TRACK: index into svg.tracks */
	uint64_t id;	/* track id, or actor id + 1 */
	const char *name;
};

struct svg_bar {
	size_t begin, end; /* event indexes, SVG_NONE when outside the held trace */
	unsigned depth;	   /* BEGINs still open on the lane when this one began */
};

struct svg {
	struct sva_world *w;
	FILE *out;
	struct sva_trace_event *ev;
	size_t n;
	const char **tracks; /* named tracks other than "process", by first appearance */
	unsigned ntracks;
	struct svg_lane *lanes;
	size_t nlanes;
	size_t *lane_of; /* by event */
	struct svg_bar *bars;
	size_t nbars;
	uint64_t t0, t1;
	size_t distinct;
	double label_w, plot_x, plot_w, width, height, legend_y;
	unsigned legend_cols, legend_items;
	bool present[SVG_F_NR];
	size_t actor_marks, thin_every;
};

static int svg_lane_cmp(const void *a, const void *b)
{
	const struct svg_lane *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	if (x->track != y->track)
		return x->track < y->track ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return 0;
}

static int svg_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int svg_track_index(struct svg *s, const char *track, unsigned *out)
{
	const char **t;

	for (unsigned i = 0; i < s->ntracks; i++) {
		if (strcmp(s->tracks[i], track) == 0) {
			*out = i;
			return 0;
		}
	}
	t = realloc(s->tracks, (s->ntracks + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	s->tracks = t;
	t[s->ntracks] = track;
	*out = s->ntracks++;
	return 0;
}

static int svg_lane_key(struct svg *s, const struct sva_trace_event *ev, struct svg_lane *key)
{
	*key = (struct svg_lane){ .group = SVG_G_ACTOR, .id = (uint64_t)(ev->actor + 1) };
	if (!svg_track(ev))
		return 0;
	key->id = ev->track_id;
	if (strcmp(svg_track(ev), "process") == 0) {
		key->group = SVG_G_PROCESS;
		return 0;
	}
	key->group = SVG_G_TRACK;
	return svg_track_index(s, svg_track(ev), &key->track);
}

/* Copy the held events, the time range and the number of distinct times. */
static int svg_snapshot(struct svg *s)
{
	size_t held = sva_trace_held(s->w);
	uint64_t *times;

	s->ev = calloc(held ? held : 1, sizeof(*s->ev));
	if (!s->ev)
		return -ENOMEM;
	while (s->n < held && sva_trace_get(s->w, s->n, &s->ev[s->n]) == 0)
		s->n++;
	times = malloc((s->n ? s->n : 1) * sizeof(*times));
	if (!times)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		times[i] = s->ev[i].time;
	qsort(times, s->n, sizeof(*times), svg_u64_cmp);
	for (size_t i = 0; i < s->n; i++)
		s->distinct += i == 0 || times[i] != times[i - 1];
	if (s->n) {
		s->t0 = times[0];
		s->t1 = times[s->n - 1];
	}
	free(times);
	return 0;
}

/* The lanes, sorted and unique, and each event's lane. */
static int svg_build_lanes(struct svg *s)
{
	struct svg_lane *keys = malloc((s->n ? s->n : 1) * sizeof(*keys));
	int ret = 0;

	s->lane_of = malloc((s->n ? s->n : 1) * sizeof(*s->lane_of));
	if (!keys || !s->lane_of) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; ret == 0 && i < s->n; i++)
		ret = svg_lane_key(s, &s->ev[i], &keys[i]);
	if (ret) {
		free(keys);
		return ret;
	}
	qsort(keys, s->n, sizeof(*keys), svg_lane_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (s->nlanes == 0 || svg_lane_cmp(&keys[s->nlanes - 1], &keys[i]) != 0)
			keys[s->nlanes++] = keys[i];
	s->lanes = keys;
	for (size_t i = 0; i < s->n; i++) {
		struct svg_lane key;
		struct svg_lane *l;

		(void)svg_lane_key(s, &s->ev[i], &key); /* every track is known by now */
		l = bsearch(&key, s->lanes, s->nlanes, sizeof(key), svg_lane_cmp);
		s->lane_of[i] = (size_t)(l - s->lanes);
		if (l->group != SVG_G_ACTOR && !l->name && svg_phase(&s->ev[i]) == SVA_TRACE_BEGIN)
			l->name = sva_trace_event_str(&s->ev[i], "name");
	}
	return 0;
}

/* Pair BEGINs with ENDs lane by lane (innermost first) into bars; count actor-lane marks. */
static int svg_build_bars(struct svg *s)
{
	size_t *top = malloc((s->nlanes ? s->nlanes : 1) * sizeof(*top));
	size_t *below = malloc((s->n ? s->n : 1) * sizeof(*below));
	unsigned *depth = calloc(s->nlanes ? s->nlanes : 1, sizeof(*depth));
	unsigned *begin_depth = malloc((s->n ? s->n : 1) * sizeof(*begin_depth));
	int ret = -ENOMEM;

	s->bars = malloc((s->n ? s->n : 1) * sizeof(*s->bars));
	if (!top || !below || !depth || !begin_depth || !s->bars)
		goto out;
	for (size_t l = 0; l < s->nlanes; l++)
		top[l] = SVG_NONE;
	for (size_t i = 0; i < s->n; i++) {
		size_t l = s->lane_of[i];
		size_t b = top[l];

		switch (svg_phase(&s->ev[i])) {
		case SVA_TRACE_BEGIN:
			below[i] = top[l];
			top[l] = i;
			begin_depth[i] = depth[l]++;
			break;
		case SVA_TRACE_END:
			s->bars[s->nbars++] = (struct svg_bar){
				.begin = b,
				.end = i,
				.depth = b == SVG_NONE ? 0 : begin_depth[b],
			};
			if (b != SVG_NONE) {
				top[l] = below[b];
				depth[l]--;
			}
			break;
		default:
			s->actor_marks += s->lanes[l].group == SVG_G_ACTOR;
		}
	}
	for (size_t l = 0; l < s->nlanes; l++)
		for (size_t b = top[l]; b != SVG_NONE; b = below[b])
			s->bars[s->nbars++] = (struct svg_bar){
				.begin = b,
				.end = SVG_NONE,
				.depth = begin_depth[b],
			};
	s->thin_every = s->actor_marks > SVG_MAX_ACTOR_MARKS
				? (s->actor_marks + SVG_MAX_ACTOR_MARKS - 1) / SVG_MAX_ACTOR_MARKS
				: 1;
	ret = 0;
out:
	free(top);
	free(below);
	free(depth);
	free(begin_depth);
	return ret;
}

/* The lane's label into @buf. */
static const char *svg_lane_label(struct svg *s, const struct svg_lane *l, char *buf, size_t len)
{
	switch (l->group) {
	case SVG_G_PROCESS:
		snprintf(buf, len, "process %llu%s%s", (unsigned long long)l->id,
			 l->name ? " " : "", l->name ? l->name : "");
		break;
	case SVG_G_TRACK:
		snprintf(buf, len, "%s %llu%s%s", s->tracks[l->track], (unsigned long long)l->id,
			 l->name ? " " : "", l->name ? l->name : "");
		break;
	default: {
		char name[64];

		snprintf(buf, len, "%s",
			 sva_trace_actor_name(s->w, (int)l->id - 1, name, sizeof(name)));
	}
	}
	return buf;
}

static void svg_layout(struct svg *s)
{
	size_t longest = 0;
	char label[160];

	for (size_t l = 0; l < s->nlanes; l++) {
		size_t len = strlen(svg_lane_label(s, &s->lanes[l], label, sizeof(label)));

		if (len > longest)
			longest = len;
	}
	if (longest > SVG_LABEL_MAX)
		longest = SVG_LABEL_MAX;
	s->label_w = (double)longest * 6.6 + 2 * SVG_PAD;
	if (s->label_w < 80)
		s->label_w = 80;
	s->plot_x = s->label_w;
	s->plot_w = (double)s->distinct > SVG_PLOT_MIN_W ? (double)s->distinct : SVG_PLOT_MIN_W;
	s->width = s->plot_x + s->plot_w + 2 * SVG_PAD;
	s->legend_y = SVG_TOP + (double)s->nlanes * SVG_ROW_H + 2 * SVG_PAD;
	for (size_t i = 0; i < s->n; i++)
		s->present[svg_family(svg_name(&s->ev[i]))] = true;
	s->legend_cols = (unsigned)((s->width - 2 * SVG_PAD) / SVG_LEGEND_COL_W);
	s->legend_items = 2; /* the two bar styles */
	for (unsigned f = 0; f < SVG_F_NR; f++)
		s->legend_items += s->present[f];
	s->height = s->legend_y +
		    (double)((s->legend_items + s->legend_cols - 1) / s->legend_cols) * SVG_ROW_H +
		    (s->thin_every > 1 ? SVG_ROW_H : 0) + SVG_PAD;
}

static double svg_x(const struct svg *s, uint64_t t)
{
	if (s->t1 == s->t0)
		return s->plot_x;
	return s->plot_x + (double)(t - s->t0) * s->plot_w / (double)(s->t1 - s->t0);
}

static double svg_lane_y(size_t lane)
{
	return SVG_TOP + (double)lane * SVG_ROW_H;
}

static bool svg_sim(const struct svg *s)
{
	return sva_world_backend(s->w) == SVA_BACKEND_SIM;
}

static void svg_head(struct svg *s)
{
	FILE *out = s->out;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"monospace\" font-size=\"11\">\n",
		s->width, s->height, s->width, s->height);
	fputs("<style>\n"
	      ".bg { fill: #ffffff; }\n"
	      ".row { fill: #f3f3f3; }\n"
	      ".sep { stroke: #999999; stroke-width: 1; }\n"
	      ".grid { stroke: #dddddd; stroke-width: 1; }\n"
	      ".lab { fill: #222222; text-anchor: end; }\n"
	      ".tick { fill: #555555; text-anchor: middle; }\n"
	      ".head { fill: #222222; font-size: 13px; }\n"
	      ".note { fill: #555555; }\n"
	      ".life { fill-opacity: 0.45; stroke-width: 1; }\n"
	      ".mark { stroke: #333333; stroke-width: 0.5; }\n"
	      ".mark:hover, .life:hover { stroke-width: 2; }\n"
	      "</style>\n",
	      out);
	fputs("<title>libsva trace</title>\n", out);
	fprintf(out, "<rect class=\"bg\" x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\"/>\n",
		s->width, s->height);
	fprintf(out,
		"<text class=\"head\" x=\"%.0f\" y=\"18\">libsva trace: %zu events held, "
		"%lu dropped, %zu lanes, %s</text>\n",
		SVG_PAD, s->n, sva_trace_dropped(s->w), s->nlanes,
		svg_sim(s) ? "time in logical steps" : "time in ns since the world started");
}

/* A tick every 1, 2 or 5 times a power of ten, about one per 150 px. */
static void svg_axis(struct svg *s)
{
	uint64_t span = s->t1 - s->t0, want = (uint64_t)(s->plot_w / 150.0), step = 0;
	double bottom = SVG_TOP + (double)s->nlanes * SVG_ROW_H;
	static const struct {
		uint64_t div;
		const char *unit;
	} units[] = { { 1000000000, " s" }, { 1000000, " ms" }, { 1000, " us" }, { 1, " ns" } };
	const char *unit = "";
	static const uint64_t mult[] = { 1, 2, 5 };
	uint64_t div = 1;

	if (want < 4)
		want = 4;
	for (uint64_t m = 1; !step && m <= UINT64_MAX / 10; m *= 10)
		for (unsigned f = 0; !step && f < 3; f++)
			if (span / (m * mult[f]) <= want)
				step = m * mult[f];
	if (!step)
		step = span;
	if (!svg_sim(s)) {
		unsigned u = 0;

		while (step < units[u].div)
			u++;
		unit = units[u].unit;
		div = units[u].div;
	}
	for (uint64_t t = (s->t0 + step - 1) / step * step; t >= s->t0 && t <= s->t1; t += step) {
		double x = svg_x(s, t);

		fprintf(s->out,
			"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n"
			"<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%llu%s</text>\n",
			x, SVG_TOP - 4, x, bottom, x, SVG_TOP - 8, (unsigned long long)(t / div),
			unit);
		if (t > UINT64_MAX - step || span == 0)
			break;
	}
}

static void svg_lanes(struct svg *s)
{
	char label[160];

	for (size_t i = 0; i < s->nlanes; i++) {
		const struct svg_lane *l = &s->lanes[i];
		double y = svg_lane_y(i);
		size_t len = strlen(svg_lane_label(s, l, label, sizeof(label)));

		if (i % 2)
			fprintf(s->out,
				"<rect class=\"row\" x=\"0\" y=\"%.1f\" width=\"%.0f\" "
				"height=\"%.1f\"/>\n",
				y, s->width, SVG_ROW_H);
		if (i == 0 || l->group != l[-1].group || l->track != l[-1].track)
			fprintf(s->out,
				"<line class=\"sep\" x1=\"0\" y1=\"%.1f\" x2=\"%.0f\" "
				"y2=\"%.1f\"/>\n",
				y, s->width, y);
		fprintf(s->out, "<text class=\"lab\" x=\"%.1f\" y=\"%.1f\">", s->plot_x - 8,
			y + SVG_ROW_H / 2 + 4);
		if (len > SVG_LABEL_MAX) {
			fputs("<title>", s->out);
			svg_text(s->out, label);
			fputs("</title>", s->out);
			len = SVG_LABEL_MAX - 3;
			while (len && ((unsigned char)label[len] & 0xc0) == 0x80)
				len--; /* cut at a character boundary */
			memcpy(label + len, "...", 4);
		}
		svg_text(s->out, label);
		fputs("</text>\n", s->out);
	}
}

static void svg_bar(struct svg *s, const struct svg_bar *b)
{
	const struct sva_trace_event *first = &s->ev[b->begin != SVG_NONE ? b->begin : b->end];
	size_t lane = s->lane_of[b->begin != SVG_NONE ? b->begin : b->end];
	unsigned depth = b->depth < 3 ? b->depth : 3;
	double x0 = b->begin != SVG_NONE ? svg_x(s, s->ev[b->begin].time) : s->plot_x;
	double x1 = b->end != SVG_NONE ? svg_x(s, s->ev[b->end].time) : s->plot_x + s->plot_w;
	const char *color = svg_fams[svg_family(svg_name(first))].color;
	char label[160];

	fprintf(s->out,
		"<rect class=\"life\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\" stroke=\"%s\"%s>",
		x0, svg_lane_y(lane) + 2 + 2.0 * depth, x1 - x0 >= 1 ? x1 - x0 : 1,
		SVG_ROW_H - 4 - 4.0 * depth, color, color,
		b->end == SVG_NONE ? " fill-opacity=\"0.2\" stroke-dasharray=\"4 2\"" : "");
	fputs("<title>", s->out);
	svg_text(s->out, svg_lane_label(s, &s->lanes[lane], label, sizeof(label)));
	fputs(": ", s->out);
	svg_text(s->out, svg_name(first));
	if (b->begin == SVG_NONE)
		fprintf(s->out, " @..%llu (began before the held trace)",
			(unsigned long long)s->ev[b->end].time);
	else if (b->end == SVG_NONE)
		fprintf(s->out, " @%llu.. (still open at the end of the trace)",
			(unsigned long long)first->time);
	else
		fprintf(s->out, " @%llu..%llu", (unsigned long long)first->time,
			(unsigned long long)s->ev[b->end].time);
	svg_fields(s->out, first);
	if (b->begin != SVG_NONE && b->end != SVG_NONE &&
	    sva_event_desc(s->ev[b->end].kind)->nfields) {
		fputs(" | end:", s->out);
		svg_fields(s->out, &s->ev[b->end]);
	}
	fputs("</title></rect>\n", s->out);
}

/* Event @i's mark on @lane. */
static void svg_mark(struct svg *s, size_t i, size_t lane)
{
	const struct sva_trace_event *ev = &s->ev[i];
	enum svg_fam fam = svg_family(svg_name(ev));
	char actor[64];

	fprintf(s->out,
		"<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"><title>",
		svg_x(s, ev->time), svg_lane_y(lane) + SVG_ROW_H / 2,
		fam == SVG_F_REPORT ? "4.5" : "3", svg_fams[fam].color);
	svg_text(s->out, svg_name(ev));
	svg_fields(s->out, ev);
	fprintf(s->out, " @%llu by ", (unsigned long long)ev->time);
	svg_text(s->out, sva_trace_actor_name(s->w, ev->actor, actor, sizeof(actor)));
	fputs("</title></circle>\n", s->out);
}

/* The row of the device named @name, or SVG_NONE. */
static size_t svg_device_lane(const struct svg *s, const char *name)
{
	for (size_t l = 0; name && l < s->nlanes; l++) {
		const struct svg_lane *lane = &s->lanes[l];

		if (lane->group == SVG_G_TRACK && lane->name &&
		    strcmp(s->tracks[lane->track], "device") == 0 && strcmp(lane->name, name) == 0)
			return l;
	}
	return SVG_NONE;
}

/*
 * Every INSTANT, and again on the row of the device it names; actor-lane ones thinned to
 * every k-th past SVG_MAX_ACTOR_MARKS.
 */
static void svg_marks(struct svg *s)
{
	size_t nth = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct sva_trace_event *ev = &s->ev[i];
		size_t dev_lane;

		if (svg_phase(ev) != SVA_TRACE_INSTANT)
			continue;
		if (s->lanes[s->lane_of[i]].group == SVG_G_ACTOR && nth++ % s->thin_every != 0 &&
		    svg_family(svg_name(ev)) != SVG_F_REPORT)
			continue;
		svg_mark(s, i, s->lane_of[i]);
		dev_lane = svg_track(ev) ? SVG_NONE
					 : svg_device_lane(s, sva_trace_event_str(ev, "device"));
		if (dev_lane != SVG_NONE)
			svg_mark(s, i, dev_lane);
	}
}

/* A swatch and a name per family present and per bar style, in columns; the thinning note. */
static void svg_legend(struct svg *s)
{
	unsigned k = 0;
	double x, y;

	for (unsigned f = 0; f < SVG_F_NR + 2; f++) {
		if (f < SVG_F_NR && !s->present[f])
			continue;
		x = SVG_PAD + (double)(k % s->legend_cols) * SVG_LEGEND_COL_W;
		y = s->legend_y + (double)(k / s->legend_cols) * SVG_ROW_H;
		k++;
		if (f < SVG_F_NR)
			fprintf(s->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>",
				x + 4, y, svg_fams[f].color);
		else
			fprintf(s->out,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"24\" height=\"10\" "
				"fill=\"#999999\" stroke=\"#999999\" %s/>",
				x, y - 5,
				f == SVG_F_NR ? "fill-opacity=\"0.45\""
					      : "fill-opacity=\"0.2\" stroke-dasharray=\"4 2\"");
		fprintf(s->out, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
			x + (f < SVG_F_NR ? 12 : 30), y + 4,
			f < SVG_F_NR	? svg_fams[f].name
			: f == SVG_F_NR ? "lifetime"
					: "still open");
	}
	if (s->thin_every > 1) {
		y = s->legend_y + (double)((k + s->legend_cols - 1) / s->legend_cols) * SVG_ROW_H;
		fprintf(s->out,
			"<!-- thinned: 1 in %zu of %zu actor-lane marks drawn (reports all) -->\n"
			"<text class=\"note\" x=\"%.1f\" y=\"%.1f\">%zu actor-lane events: 1 in "
			"%zu "
			"drawn (all reports, bars and named-track events are)</text>\n",
			s->thin_every, s->actor_marks, SVG_PAD, y + 4, s->actor_marks,
			s->thin_every);
	}
}

int sva_trace_write_svg(struct sva_world *w, FILE *out)
{
	struct svg s = { .w = w, .out = out };
	int ret = svg_snapshot(&s);

	if (ret == 0)
		ret = svg_build_lanes(&s);
	if (ret == 0)
		ret = svg_build_bars(&s);
	if (ret == 0) {
		svg_layout(&s);
		svg_head(&s);
		svg_axis(&s);
		svg_lanes(&s);
		for (size_t b = 0; b < s.nbars; b++)
			svg_bar(&s, &s.bars[b]);
		svg_marks(&s);
		svg_legend(&s);
		fputs("</svg>\n", out);
		if (fflush(out) != 0 || ferror(out))
			ret = -EIO;
	}
	free(s.ev);
	free(s.tracks);
	free(s.lanes);
	free(s.lane_of);
	free(s.bars);
	return ret;
}

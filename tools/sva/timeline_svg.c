/* SPDX-License-Identifier: MIT */
/*
 * `--timeline FILE.svg`: the lifetime picture of a run, one standalone SVG document (no script,
 * no external CSS or font) that a browser opens. A picture is the tool's business: the library
 * only lends its held events, through the read-only walk sva_trace_for_each().
 *
 * What it shows, each state derived from the typed events (sva/events.h), never from a message:
 *   - a row per PASID and device it was on ("PASID 2 · mm3 · streamer/3 · dsa0"): allocated
 *     (PASID_ALLOC; no entry on the device yet), translating (the PASID entry set, or attached),
 *     blocking (the mm's release notifier at exit_mmap, or an entry set blocking), detached (the
 *     entry cleared, the domain detached), ended at its free; binds, unbinds, the device's
 *     faults and page requests with their response as marks;
 *   - a row per mm with its two counts' phases: users > 0 (MM_CREATE), torn down (mm_users 0:
 *     exit_mmap ran, mm_count keeps it) and freed at __mmdrop (MM_FREE);
 *   - a row per process: alive, zombie (its leader exited, TASK_EXIT*), reaped (PROCESS_REAP);
 *     forks, kills and exits as marks;
 *   - every report (a violation: the invariant and its message) as a labelled vertical line.
 * Every state bar and mark carries a <title> (the browser's hover text) with its fields, and
 * data-* attributes that tests read (tests/test_timeline_svg.py).
 *
 * Time runs left to right from the first thing drawn (the setup before it - devices, queues,
 * actors - is skipped) to the last; a gap longer than a fifth of what remains, where nothing
 * drawn happens, is cut to a fixed-width break, so a native run scales to where things happen.
 * The picture says what it skipped and cut. Sections hold at most TL_MAX_ROWS rows and thin
 * their fault marks past TL_MAX_MARKS, saying so too.
 *
 * Everything here is the caller's (malloc'd, freed before returning); the events' strings are
 * the ring's, read while the world lives. Not thread-safe against emitters: draw a finished run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sva/iommu.h"
#include "sva/swiommu.h"

#include "cli.h"

#define TL_NONE	      UINT64_MAX
#define TL_MAX_ROWS   200  /* per section; the rest counted */
#define TL_MAX_MARKS  6000 /* fault and page-request marks drawn; the rest thinned */
#define TL_PLOT_W     1100.0
#define TL_ROW_H      36.0
#define TL_BAR_Y      15.0 /* the bar's top in its row; mark labels above it */
#define TL_BAR_H      11.0
#define TL_HEAD_H     24.0 /* a section's title row */
#define TL_TOP	      96.0
#define TL_PAD	      16.0
#define TL_BREAK_W    26.0
#define TL_CUT_FRAC   0.2 /* a gap longer than this part of the uncut time... */
#define TL_CUT_MEDIAN 20  /* ...and this many times the median gap is cut */
#define TL_CHAR_W     6.7 /* of the 11 px monospace labels */
#define TL_LABEL_MAX  64  /* characters of a row label */
#define TL_VIOL_LABEL 110 /* characters of a violation's label; the rest in its hover text */

enum tl_section { TL_SEC_PASID, TL_SEC_MM, TL_SEC_PROCESS, TL_SEC_NR };

static const char *const tl_section_titles[TL_SEC_NR] = {
	[TL_SEC_PASID] = "PASIDs, per device",
	[TL_SEC_MM] = "mms: mm_users, mm_count",
	[TL_SEC_PROCESS] = "processes",
};
static const char *const tl_section_names[TL_SEC_NR] = { "pasid", "mm", "process" };

enum tl_state {
	TL_ST_ALLOCATED,
	TL_ST_TRANSLATING,
	TL_ST_BLOCKING,
	TL_ST_DETACHED,
	TL_ST_USERS,
	TL_ST_TORN_DOWN,
	TL_ST_ALIVE,
	TL_ST_ZOMBIE,
	TL_ST_NR
};

static const struct {
	const char *name, *color, *meaning;
} tl_states[TL_ST_NR] = {
	[TL_ST_ALLOCATED] = { "allocated", "#c9c3e6", "PASID allocated, no entry on this device" },
	[TL_ST_TRANSLATING] = { "translating", "#4e9a06",
				"the device's PASID entry translates through the mm" },
	[TL_ST_BLOCKING] = { "blocking", "#f08c00",
			     "the entry blocks DMA (release notifier at exit_mmap)" },
	[TL_ST_DETACHED] = { "detached", "#a8a8a8",
			     "entry cleared, domain detached; the PASID awaits its free" },
	[TL_ST_USERS] = { "users > 0", "#3465a4", "mm_users > 0: the address space is in use" },
	[TL_ST_TORN_DOWN] = { "torn down", "#9ab8dc",
			      "mm_users 0: exit_mmap ran; mm_count holds it until __mmdrop" },
	[TL_ST_ALIVE] = { "alive", "#73c936", "the process runs" },
	[TL_ST_ZOMBIE] = { "zombie", "#c4a000", "exited, not yet reaped by its parent" },
};

enum tl_mark_kind {
	TL_M_ALLOC,
	TL_M_BIND,
	TL_M_UNBIND,
	TL_M_FAULT,
	TL_M_SILENCED,
	TL_M_PRQ,
	TL_M_FREE,
	TL_M_EXIT_MMAP,
	TL_M_FORK,
	TL_M_EXEC,
	TL_M_KILL,
	TL_M_EXIT,
	TL_M_REAP,
	TL_M_NR
};

/* glyph: a path around (0,0) */
static const struct {
	const char *name, *color, *glyph;
	bool thinned; /* one of many: thinned past TL_MAX_MARKS, labelled only on hover */
} tl_marks[TL_M_NR] = {
	[TL_M_ALLOC] = { "allocated", "#5c3566", "M-4 -4h8v8h-8z", false },
	[TL_M_BIND] = { "bind", "#204a87", "M0 -6L5 3H-5z", false },
	[TL_M_UNBIND] = { "unbind", "#204a87", "M0 6L5 -3H-5z", false },
	[TL_M_FAULT] = { "fault", "#ce5c00", "M-4 -4L4 4M-4 4L4 -4", true },
	[TL_M_SILENCED] = { "fault, silenced", "#555753", "M-3 -3L3 3M-3 3L3 -3", true },
	[TL_M_PRQ] = { "page request", "#75507b", "M-3 0a3 3 0 1 0 6 0a3 3 0 1 0 -6 0", true },
	[TL_M_FREE] = { "freed", "#000000", "M-5 -5L5 5M-5 5L5 -5", false },
	[TL_M_EXIT_MMAP] = { "exit_mmap", "#a40000", "M0 -6L6 0L0 6L-6 0z", false },
	[TL_M_FORK] = { "fork", "#555753", "M-4 0h8M0 -4v8", false },
	[TL_M_EXEC] = { "exec", "#555753", "M-4 -4h8v8h-8z", false },
	[TL_M_KILL] = { "kill", "#cc0000", "M-2 -7L3 -1L-1 1L2 7L-4 0L0 -2z", false },
	[TL_M_EXIT] = { "exit", "#2e3436", "M-5 -5h10v10h-10z", false },
	[TL_M_REAP] = { "reaped", "#000000", "M-5 -5L5 5M-5 5L5 -5", false },
};

struct tl_row {
	enum tl_section sec;
	size_t order;	     /* within the section: the object's index (pasid, mm, process) */
	const char *device;  /* a PASID row's device, NULL for the PASID's only row */
	uint64_t id;	     /* PASID value, mm id or pid */
	size_t obj;	     /* index of its pasid, mm or process */
	uint64_t begin, end; /* TL_NONE: before / after the held trace */
	enum tl_state state; /* the current one while reading */
	bool has_state;
	size_t next; /* a PASID's next row (another device), SIZE_MAX none */
};

struct tl_seg {
	size_t row;
	uint64_t t;
	enum tl_state st;
};

struct tl_mark {
	size_t row;
	enum tl_mark_kind kind;
	struct sva_trace_event ev;
	uint64_t t2; /* a page request's response time, TL_NONE none */
	uint64_t code;
};

struct tl_pasid {
	uint64_t pasid, mm, gen;
	const char *private_dev; /* a private PASID's device */
	uint64_t alloc, free;
	size_t first_row; /* its rows, linked by tl_row.next */
};

struct tl_mm {
	uint64_t id, parent;
	const char *name;
	uint64_t pid; /* its first process, 0 none */
	size_t row;
};

struct tl_proc {
	uint64_t pid, mm;
	const char *name;
	size_t row;
	bool exited;
};

struct tl_pending {
	const char *device;
	uint64_t pasid, grpid;
	size_t mark;
};

/* A growable array of @T. */
#define TL_ARRAY(T, name) \
	T *name;          \
	size_t n_##name, cap_##name

struct tl {
	struct sva_world *w;
	FILE *out;
	TL_ARRAY(struct tl_row, rows);
	TL_ARRAY(struct tl_seg, segs);
	TL_ARRAY(struct tl_mark, marks);
	TL_ARRAY(struct tl_pasid, pasids);
	TL_ARRAY(struct tl_mm, mms);
	TL_ARRAY(struct tl_proc, procs);
	TL_ARRAY(struct tl_pending, pending);
	TL_ARRAY(struct sva_trace_event, reports);
	uint64_t first_event, last_event; /* of the whole held trace */
	size_t nevents;
	bool nomem;
	/* layout */
	size_t *order; /* rows drawn, in drawing order */
	size_t norder, hidden[TL_SEC_NR];
	double *row_y; /* by row, -1 when not drawn */
	uint64_t *knots;
	double *knot_x;
	bool *cut; /* gap after knot i */
	size_t nknots, ncut;
	uint64_t cut_total;
	double label_w, plot_x, width, height, rows_bottom;
	size_t thin_every, thinnable;
	bool state_present[TL_ST_NR], mark_present[TL_M_NR];
};

/* Room for one more element of an array; NULL (and nomem) without memory. */
static void *tl_grow(struct tl *s, void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, ncap * elem);

		if (!p) {
			s->nomem = true;
			return NULL;
		}
		*arr = p;
		*cap = ncap;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	return (char *)*arr + (*n)++ * elem;
}

#define TL_PUSH(s, name)                                                          \
	((__typeof__((s)->name))tl_grow((s), (void **)&(s)->name, &(s)->n_##name, \
					&(s)->cap_##name, sizeof(*(s)->name)))

/* ---- reading the events --------------------------------------------------------------------- */

static size_t tl_row_add(struct tl *s, enum tl_section sec, size_t obj, uint64_t id, uint64_t begin)
{
	struct tl_row *r = TL_PUSH(s, rows);

	if (!r)
		return SIZE_MAX;
	*r = (struct tl_row){ .sec = sec,
			      .order = obj,
			      .obj = obj,
			      .id = id,
			      .begin = begin,
			      .end = TL_NONE,
			      .next = SIZE_MAX };
	return s->n_rows - 1;
}

/* Row @row enters @st at @t (nothing when it is in it already). */
static void tl_state(struct tl *s, size_t row, uint64_t t, enum tl_state st)
{
	struct tl_row *r;
	struct tl_seg *g;

	if (row == SIZE_MAX)
		return;
	r = &s->rows[row];
	if (r->has_state && r->state == st)
		return;
	g = TL_PUSH(s, segs);
	if (!g)
		return;
	*g = (struct tl_seg){ .row = row, .t = t, .st = st };
	s->rows[row].state = st;
	s->rows[row].has_state = true;
}

static struct tl_mark *tl_mark(struct tl *s, size_t row, enum tl_mark_kind kind,
			       const struct sva_trace_event *ev)
{
	struct tl_mark *m;

	if (row == SIZE_MAX)
		return NULL;
	m = TL_PUSH(s, marks);
	if (m)
		*m = (struct tl_mark){ .row = row, .kind = kind, .ev = *ev, .t2 = TL_NONE };
	return m;
}

static void tl_end(struct tl *s, size_t row, uint64_t t)
{
	if (row != SIZE_MAX && s->rows[row].end == TL_NONE)
		s->rows[row].end = t;
}

/* The last allocation of PASID @pasid, for mm @mm when it is not 0; SIZE_MAX none. */
static size_t tl_pasid_find(struct tl *s, uint64_t pasid, uint64_t mm)
{
	for (size_t i = s->n_pasids; i-- > 0;)
		if (s->pasids[i].pasid == pasid && (!mm || s->pasids[i].mm == mm))
			return i;
	return mm ? tl_pasid_find(s, pasid, 0) : SIZE_MAX;
}

/* A PASID first seen after its allocation fell out of the ring: allocated before the trace. */
static size_t tl_pasid_get(struct tl *s, uint64_t pasid, uint64_t mm)
{
	size_t i = tl_pasid_find(s, pasid, mm);
	struct tl_pasid *p;

	if (i != SIZE_MAX)
		return i;
	p = TL_PUSH(s, pasids);
	if (!p)
		return SIZE_MAX;
	*p = (struct tl_pasid){ .pasid = pasid, .mm = mm, .alloc = TL_NONE, .free = TL_NONE };
	s->pasids[s->n_pasids - 1].first_row =
		tl_row_add(s, TL_SEC_PASID, s->n_pasids - 1, pasid, TL_NONE);
	tl_state(s, s->pasids[s->n_pasids - 1].first_row, TL_NONE, TL_ST_ALLOCATED);
	return s->n_pasids - 1;
}

/* The row of PASID @pasid (of @mm, 0 any) on @device, made when it is the first. */
static size_t tl_pasid_row(struct tl *s, uint64_t pasid, uint64_t mm, const char *device)
{
	size_t p = tl_pasid_get(s, pasid, mm), last = SIZE_MAX, row;

	if (p == SIZE_MAX)
		return SIZE_MAX;
	for (size_t r = s->pasids[p].first_row; r != SIZE_MAX; r = s->rows[r].next) {
		if (!s->rows[r].device || strcmp(s->rows[r].device, device) == 0) {
			s->rows[r].device = device; /* the row made at allocation is the first's */
			return r;
		}
		last = r;
	}
	row = tl_row_add(s, TL_SEC_PASID, p, pasid, s->pasids[p].alloc);
	if (row == SIZE_MAX || last == SIZE_MAX)
		return row;
	s->rows[row].device = device;
	s->rows[last].next = row;
	tl_state(s, row, s->pasids[p].alloc, TL_ST_ALLOCATED);
	return row;
}

static void tl_pasid_alloc(struct tl *s, const struct sva_trace_event *ev, uint64_t pasid,
			   uint64_t mm, uint64_t gen, const char *private_dev)
{
	struct tl_pasid *p = TL_PUSH(s, pasids);
	size_t row;

	if (!p)
		return;
	*p = (struct tl_pasid){ .pasid = pasid,
				.mm = mm,
				.gen = gen,
				.private_dev = private_dev,
				.alloc = ev->time,
				.free = TL_NONE };
	row = tl_row_add(s, TL_SEC_PASID, s->n_pasids - 1, pasid, ev->time);
	s->pasids[s->n_pasids - 1].first_row = row;
	tl_state(s, row, ev->time, TL_ST_ALLOCATED);
	tl_mark(s, row, TL_M_ALLOC, ev);
}

/* PASID @pasid freed: each of its rows ends with a mark. */
static void tl_pasid_free(struct tl *s, const struct sva_trace_event *ev, uint64_t pasid,
			  uint64_t mm)
{
	size_t p = tl_pasid_find(s, pasid, mm);

	if (p == SIZE_MAX || s->pasids[p].free != TL_NONE)
		return;
	s->pasids[p].free = ev->time;
	for (size_t r = s->pasids[p].first_row; r != SIZE_MAX; r = s->rows[r].next) {
		tl_mark(s, r, TL_M_FREE, ev);
		tl_end(s, r, ev->time);
	}
}

/* The state a PASID entry's value gives its row. */
static enum tl_state tl_entry_state(uint64_t state)
{
	switch (state) {
	case SVA_PASID_ENTRY_TRANSLATING:
		return TL_ST_TRANSLATING;
	case SVA_PASID_ENTRY_BLOCKING_SILENT:
	case SVA_PASID_ENTRY_BLOCKING_REPORTING:
		return TL_ST_BLOCKING;
	default:
		return TL_ST_DETACHED;
	}
}

/*
 * The mm's release notifier ran (exit_mmap): the SVA domain's release makes every entry that
 * translates for the mm block, before the driver says so entry by entry (swiommu.release).
 */
static void tl_mm_release(struct tl *s, const struct sva_trace_event *ev)
{
	uint64_t mm = sva_ev_num(ev, MMU_NOTIFIER_RELEASE, mm);

	for (size_t p = 0; p < s->n_pasids; p++) {
		if (s->pasids[p].mm != mm || s->pasids[p].free != TL_NONE)
			continue;
		for (size_t r = s->pasids[p].first_row; r != SIZE_MAX; r = s->rows[r].next)
			if (s->rows[r].state == TL_ST_TRANSLATING)
				tl_state(s, r, ev->time, TL_ST_BLOCKING);
	}
}

static void tl_prq(struct tl *s, const struct sva_trace_event *ev)
{
	const char *dev = sva_ev_str(ev, IOPF_REPORT, device);
	uint64_t pasid = sva_ev_num(ev, IOPF_REPORT, pasid);
	struct tl_mark *m = tl_mark(s, tl_pasid_row(s, pasid, 0, dev), TL_M_PRQ, ev);
	struct tl_pending *p;

	if (!m)
		return;
	p = TL_PUSH(s, pending);
	if (p)
		*p = (struct tl_pending){ dev, pasid, sva_ev_num(ev, IOPF_REPORT, grpid),
					  s->n_marks - 1 };
}

/* A response closes the oldest page request of its (device, PASID, group). */
static void tl_prq_response(struct tl *s, const struct sva_trace_event *ev)
{
	const char *dev = sva_ev_str(ev, IOPF_RESPONSE, device);
	uint64_t pasid = sva_ev_num(ev, IOPF_RESPONSE, pasid);
	uint64_t grpid = sva_ev_num(ev, IOPF_RESPONSE, grpid);

	for (size_t i = 0; i < s->n_pending; i++) {
		struct tl_pending *p = &s->pending[i];

		if (p->pasid != pasid || p->grpid != grpid || strcmp(p->device, dev) != 0)
			continue;
		s->marks[p->mark].t2 = ev->time;
		s->marks[p->mark].code = sva_ev_num(ev, IOPF_RESPONSE, code);
		memmove(p, p + 1, (s->n_pending - i - 1) * sizeof(*p));
		s->n_pending--;
		return;
	}
}

/* What happened to a PASID on a device. */
static void tl_pasid_event(struct tl *s, const struct sva_trace_event *ev)
{
	size_t row;

	switch (ev->kind) {
	case SVA_EV_PASID_ALLOC:
		tl_pasid_alloc(s, ev, ev->track_id, sva_ev_num(ev, PASID_ALLOC, mm),
			       sva_ev_num(ev, PASID_ALLOC, gen), NULL);
		break;
	case SVA_EV_PASID_ALLOC_PRIVATE:
		tl_pasid_alloc(s, ev, sva_ev_num(ev, PASID_ALLOC_PRIVATE, pasid), 0,
			       sva_ev_num(ev, PASID_ALLOC_PRIVATE, gen),
			       sva_ev_str(ev, PASID_ALLOC_PRIVATE, device));
		break;
	case SVA_EV_PASID_FREE:
		tl_pasid_free(s, ev, ev->track_id, sva_ev_num(ev, PASID_FREE, mm));
		break;
	case SVA_EV_PASID_FREE_PRIVATE:
		tl_pasid_free(s, ev, sva_ev_num(ev, PASID_FREE_PRIVATE, pasid), 0);
		break;
	case SVA_EV_SWIOMMU_PASID_ENTRY:
		row = tl_pasid_row(s, sva_ev_num(ev, SWIOMMU_PASID_ENTRY, pasid),
				   sva_ev_num(ev, SWIOMMU_PASID_ENTRY, mm),
				   sva_ev_str(ev, SWIOMMU_PASID_ENTRY, device));
		tl_state(s, row, ev->time,
			 tl_entry_state(sva_ev_num(ev, SWIOMMU_PASID_ENTRY, state)));
		break;
	case SVA_EV_IOMMU_ATTACH:
		row = tl_pasid_row(s, sva_ev_num(ev, IOMMU_ATTACH, pasid), 0,
				   sva_ev_str(ev, IOMMU_ATTACH, device));
		tl_state(s, row, ev->time, TL_ST_TRANSLATING);
		break;
	case SVA_EV_SWIOMMU_RELEASE:
		row = tl_pasid_row(s, sva_ev_num(ev, SWIOMMU_RELEASE, pasid),
				   sva_ev_num(ev, SWIOMMU_RELEASE, mm),
				   sva_ev_str(ev, SWIOMMU_RELEASE, device));
		tl_state(s, row, ev->time, TL_ST_BLOCKING);
		break;
	case SVA_EV_MMU_NOTIFIER_RELEASE:
		tl_mm_release(s, ev);
		break;
	case SVA_EV_IOMMU_DETACH:
		row = tl_pasid_row(s, sva_ev_num(ev, IOMMU_DETACH, pasid), 0,
				   sva_ev_str(ev, IOMMU_DETACH, device));
		tl_state(s, row, ev->time, TL_ST_DETACHED);
		break;
	case SVA_EV_SVA_BIND:
		tl_mark(s,
			tl_pasid_row(s, sva_ev_num(ev, SVA_BIND, pasid),
				     sva_ev_num(ev, SVA_BIND, mm),
				     sva_ev_str(ev, SVA_BIND, device)),
			TL_M_BIND, ev);
		break;
	case SVA_EV_SVA_UNBIND:
		tl_mark(s,
			tl_pasid_row(s, sva_ev_num(ev, SVA_UNBIND, pasid),
				     sva_ev_num(ev, SVA_UNBIND, mm),
				     sva_ev_str(ev, SVA_UNBIND, device)),
			TL_M_UNBIND, ev);
		break;
	case SVA_EV_SWIOMMU_FAULT:
		tl_mark(s,
			tl_pasid_row(s, sva_ev_num(ev, SWIOMMU_FAULT, pasid), 0,
				     sva_ev_str(ev, SWIOMMU_FAULT, device)),
			TL_M_FAULT, ev);
		break;
	case SVA_EV_SWIOMMU_FAULT_SILENCED:
		tl_mark(s,
			tl_pasid_row(s, sva_ev_num(ev, SWIOMMU_FAULT_SILENCED, pasid), 0,
				     sva_ev_str(ev, SWIOMMU_FAULT_SILENCED, device)),
			TL_M_SILENCED, ev);
		break;
	case SVA_EV_IOPF_REPORT:
		tl_prq(s, ev);
		break;
	case SVA_EV_IOPF_RESPONSE:
		tl_prq_response(s, ev);
		break;
	default:
		break;
	}
}

static size_t tl_mm_find(const struct tl *s, uint64_t id)
{
	for (size_t i = s->n_mms; i-- > 0;)
		if (s->mms[i].id == id)
			return i;
	return SIZE_MAX;
}

/* mm @id's entry, made (begun before the trace) when it is first seen; SIZE_MAX none. */
static size_t tl_mm_get(struct tl *s, uint64_t id, uint64_t begin)
{
	size_t i = tl_mm_find(s, id);
	struct tl_mm *m;

	if (i != SIZE_MAX || !id)
		return i;
	m = TL_PUSH(s, mms);
	if (!m)
		return SIZE_MAX;
	*m = (struct tl_mm){ .id = id };
	m->row = tl_row_add(s, TL_SEC_MM, s->n_mms - 1, id, begin);
	tl_state(s, s->mms[s->n_mms - 1].row, begin, TL_ST_USERS);
	return s->n_mms - 1;
}

static void tl_mm_event(struct tl *s, const struct sva_trace_event *ev)
{
	size_t m;

	switch (ev->kind) {
	case SVA_EV_MM_CREATE:
		m = tl_mm_get(s, ev->track_id, ev->time);
		if (m != SIZE_MAX)
			s->mms[m].name = sva_ev_str(ev, MM_CREATE, name);
		break;
	case SVA_EV_MM_DUP:
		m = tl_mm_get(s, sva_ev_num(ev, MM_DUP, child), TL_NONE);
		if (m != SIZE_MAX)
			s->mms[m].parent = sva_ev_num(ev, MM_DUP, parent);
		break;
	case SVA_EV_MM_EXIT_MMAP:
		m = tl_mm_get(s, sva_ev_num(ev, MM_EXIT_MMAP, mm), TL_NONE);
		if (m == SIZE_MAX)
			break;
		tl_state(s, s->mms[m].row, ev->time, TL_ST_TORN_DOWN);
		tl_mark(s, s->mms[m].row, TL_M_EXIT_MMAP, ev);
		break;
	case SVA_EV_MM_FREE:
		m = tl_mm_get(s, ev->track_id, TL_NONE);
		if (m == SIZE_MAX)
			break;
		tl_mark(s, s->mms[m].row, TL_M_FREE, ev);
		tl_end(s, s->mms[m].row, ev->time);
		break;
	default:
		break;
	}
}

static size_t tl_proc_find(const struct tl *s, uint64_t pid)
{
	for (size_t i = s->n_procs; i-- > 0;)
		if (s->procs[i].pid == pid)
			return i;
	return SIZE_MAX;
}

/* The mm @mm is used by process @p: the first such is its owner. */
static void tl_mm_owner(struct tl *s, uint64_t mm, uint64_t pid)
{
	size_t m = tl_mm_get(s, mm, TL_NONE);

	if (m != SIZE_MAX && !s->mms[m].pid)
		s->mms[m].pid = pid;
}

static void tl_proc_start(struct tl *s, const struct sva_trace_event *ev)
{
	struct tl_proc *p = TL_PUSH(s, procs);

	if (!p)
		return;
	*p = (struct tl_proc){ .pid = ev->track_id,
			       .mm = sva_ev_num(ev, PROCESS_START, mm),
			       .name = sva_ev_str(ev, PROCESS_START, name) };
	p->row = tl_row_add(s, TL_SEC_PROCESS, s->n_procs - 1, ev->track_id, ev->time);
	tl_state(s, s->procs[s->n_procs - 1].row, ev->time, TL_ST_ALIVE);
	tl_mm_owner(s, sva_ev_num(ev, PROCESS_START, mm), ev->track_id);
}

/* The process's leader (tid == pid) ended: the process is a zombie until it is reaped. */
static void tl_proc_exit(struct tl *s, const struct sva_trace_event *ev, uint64_t pid, uint64_t tid)
{
	size_t p = tl_proc_find(s, pid);

	if (p == SIZE_MAX || tid != pid || s->procs[p].exited)
		return;
	s->procs[p].exited = true;
	tl_state(s, s->procs[p].row, ev->time, TL_ST_ZOMBIE);
	tl_mark(s, s->procs[p].row, TL_M_EXIT, ev);
}

/* A process's mark on its row, when it is known. */
static void tl_proc_mark(struct tl *s, uint64_t pid, enum tl_mark_kind kind,
			 const struct sva_trace_event *ev)
{
	size_t p = tl_proc_find(s, pid);

	if (p != SIZE_MAX)
		tl_mark(s, s->procs[p].row, kind, ev);
}

static void tl_proc_event(struct tl *s, const struct sva_trace_event *ev)
{
	size_t p;

	switch (ev->kind) {
	case SVA_EV_PROCESS_START:
		tl_proc_start(s, ev);
		break;
	case SVA_EV_PROCESS_EXEC:
		p = tl_proc_find(s, sva_ev_num(ev, PROCESS_EXEC, pid));
		if (p != SIZE_MAX)
			s->procs[p].mm = sva_ev_num(ev, PROCESS_EXEC, mm);
		tl_mm_owner(s, sva_ev_num(ev, PROCESS_EXEC, mm), sva_ev_num(ev, PROCESS_EXEC, pid));
		tl_proc_mark(s, sva_ev_num(ev, PROCESS_EXEC, pid), TL_M_EXEC, ev);
		break;
	case SVA_EV_PROCESS_FORK:
		tl_proc_mark(s, sva_ev_num(ev, PROCESS_FORK, parent), TL_M_FORK, ev);
		break;
	case SVA_EV_PROCESS_KILL:
		tl_proc_mark(s, sva_ev_num(ev, PROCESS_KILL, pid), TL_M_KILL, ev);
		break;
	case SVA_EV_TASK_EXIT:
		tl_proc_exit(s, ev, sva_ev_num(ev, TASK_EXIT, pid), sva_ev_num(ev, TASK_EXIT, tid));
		break;
	case SVA_EV_TASK_EXIT_KILLED:
		tl_proc_exit(s, ev, sva_ev_num(ev, TASK_EXIT_KILLED, pid),
			     sva_ev_num(ev, TASK_EXIT_KILLED, tid));
		break;
	case SVA_EV_PROCESS_REAP:
		p = tl_proc_find(s, ev->track_id);
		if (p == SIZE_MAX)
			break;
		tl_mark(s, s->procs[p].row, TL_M_REAP, ev);
		tl_end(s, s->procs[p].row, ev->time);
		break;
	default:
		break;
	}
}

static int tl_visit(void *ctx, const struct sva_trace_event *ev)
{
	struct tl *s = ctx;
	struct sva_trace_event *r;

	if (s->nevents++ == 0)
		s->first_event = ev->time;
	s->last_event = ev->time;
	if (ev->kind == SVA_EV_REPORT) {
		r = TL_PUSH(s, reports);
		if (r)
			*r = *ev;
	}
	tl_pasid_event(s, ev);
	tl_mm_event(s, ev);
	tl_proc_event(s, ev);
	return s->nomem ? -ENOMEM : 0;
}

/* ---- XML text ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at @p that XML allows, 0 if there is none. */
static unsigned tl_utf8_len(const unsigned char *p)
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

/* At most @max characters of @s as XML text: specials escaped, what XML forbids as '?'. */
static void tl_text_n(FILE *out, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	static const char *const esc[] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\''] = "&apos;"
	};

	for (size_t n = 0; *p; n++) {
		unsigned len = tl_utf8_len(p);

		if (n == max) {
			fputs("...", out);
			return;
		}
		if (len > 1) {
			fwrite(p, 1, len, out);
			p += len;
		} else if (*p < sizeof(esc) / sizeof(esc[0]) && esc[*p]) {
			fputs(esc[*p++], out);
		} else {
			fputc(len == 0 || (*p < 0x20 && *p != '\t' && *p != '\n') ? '?' : *p, out);
			p++;
		}
	}
}

static void tl_text(FILE *out, const char *s)
{
	tl_text_n(out, s, SIZE_MAX);
}

/* A trace time as people read it: "step 452" (sim), "1.250 ms" (native, since the start). */
static void tl_time(const struct tl *s, FILE *out, uint64_t t)
{
	if (sva_world_backend(s->w) == SVA_BACKEND_SIM)
		fprintf(out, "step %llu", (unsigned long long)t);
	else if (t >= 1000000000)
		fprintf(out, "%.3f s", (double)t / 1e9);
	else if (t >= 1000000)
		fprintf(out, "%.3f ms", (double)t / 1e6);
	else if (t >= 1000)
		fprintf(out, "%.3f us", (double)t / 1e3);
	else
		fprintf(out, "%llu ns", (unsigned long long)t);
}

/* A duration, the same way ("412 steps", "3.100 ms"). */
static void tl_span(const struct tl *s, FILE *out, uint64_t d)
{
	if (sva_world_backend(s->w) == SVA_BACKEND_SIM)
		fprintf(out, "%llu steps", (unsigned long long)d);
	else
		tl_time(s, out, d);
}

/* " name=value" for each field of @ev: addresses in hex, codes by name. */
static void tl_fields(FILE *out, const struct sva_trace_event *ev)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);

	for (unsigned f = 0; f < d->nfields; f++) {
		const char *name = d->fields[f].name;

		fprintf(out, " %s=", name);
		if (d->fields[f].str)
			tl_text(out, ev->v[f].str);
		else if (strstr(name, "addr") || strcmp(name, "start") == 0)
			fprintf(out, "0x%llx", (unsigned long long)ev->v[f].num);
		else if (ev->kind == SVA_EV_SWIOMMU_FAULT && strcmp(name, "reason") == 0)
			fputs(sva_fault_reason_name((enum sva_fault_reason)ev->v[f].num), out);
		else
			fprintf(out, "%llu", (unsigned long long)ev->v[f].num);
	}
}

static const char *tl_response_name(uint64_t code)
{
	switch (code) {
	case SVA_PAGE_RESP_SUCCESS:
		return "SUCCESS";
	case SVA_PAGE_RESP_INVALID:
		return "INVALID";
	case SVA_PAGE_RESP_FAILURE:
		return "FAILURE";
	default:
		return "?";
	}
}

/* ---- layout -------------------------------------------------------------------------------- */

/* The mm a row is about: a PASID's, the mm's own, a process's (its last, after an exec). */
static uint64_t tl_row_mm(const struct tl *s, const struct tl_row *r)
{
	switch (r->sec) {
	case TL_SEC_PASID:
		return s->pasids[r->obj].mm;
	case TL_SEC_MM:
		return r->id;
	default:
		return s->procs[r->obj].mm;
	}
}

/* The row's label into @buf: "PASID 2 · mm3 · streamer/3 · dsa0", "mm3 · streamer/3". */
static const char *tl_label(const struct tl *s, const struct tl_row *r, char *buf, size_t len)
{
	uint64_t mm = tl_row_mm(s, r);
	size_t m = mm ? tl_mm_find(s, mm) : SIZE_MAX;
	size_t owner = m != SIZE_MAX && s->mms[m].pid ? tl_proc_find(s, s->mms[m].pid) : SIZE_MAX;
	const char *dev = r->device;
	int n;

	if (r->sec == TL_SEC_PROCESS) {
		n = snprintf(buf, len, "%s/%llu · mm%llu", s->procs[r->obj].name,
			     (unsigned long long)r->id, (unsigned long long)mm);
		owner = SIZE_MAX; /* it is the row's own */
	} else if (r->sec == TL_SEC_MM) {
		n = snprintf(buf, len, "mm%llu", (unsigned long long)mm);
	} else {
		dev = dev ? dev : s->pasids[r->obj].private_dev;
		n = snprintf(buf, len, "PASID %llu", (unsigned long long)r->id);
		if (mm && n >= 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " · mm%llu",
				      (unsigned long long)mm);
		else if (s->pasids[r->obj].private_dev && n >= 0 && (size_t)n < len)
			n += snprintf(buf + n, len - (size_t)n, " · private");
	}
	if (owner != SIZE_MAX && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " · %s/%llu", s->procs[owner].name,
			      (unsigned long long)s->procs[owner].pid);
	if (dev && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " · %s", dev);
	return buf;
}

/* A row's place: its section, its object's, then its own (a PASID's devices as first seen). */
struct tl_row_key {
	enum tl_section sec;
	size_t order, row;
};

static int tl_row_cmp(const void *a, const void *b)
{
	const struct tl_row_key *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static int tl_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The rows drawn, each section's first TL_MAX_ROWS in order, and their y. */
static int tl_layout_rows(struct tl *s)
{
	size_t per[TL_SEC_NR] = { 0 };
	struct tl_row_key *keys = malloc((s->n_rows ? s->n_rows : 1) * sizeof(*keys));
	double y = TL_TOP;
	int sec = -1;

	s->order = malloc((s->n_rows ? s->n_rows : 1) * sizeof(*s->order));
	s->row_y = malloc((s->n_rows ? s->n_rows : 1) * sizeof(*s->row_y));
	if (!keys || !s->order || !s->row_y) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t r = 0; r < s->n_rows; r++) {
		keys[r] = (struct tl_row_key){ s->rows[r].sec, s->rows[r].order, r };
		s->row_y[r] = -1;
	}
	qsort(keys, s->n_rows, sizeof(*keys), tl_row_cmp);
	for (size_t i = 0; i < s->n_rows; i++) {
		if (per[keys[i].sec]++ >= TL_MAX_ROWS) {
			s->hidden[keys[i].sec]++;
			continue;
		}
		if ((int)keys[i].sec != sec) {
			y += TL_HEAD_H;
			sec = (int)keys[i].sec;
		}
		s->row_y[keys[i].row] = y;
		s->order[s->norder++] = keys[i].row;
		y += TL_ROW_H;
	}
	s->rows_bottom = y;
	free(keys);
	return 0;
}

/* Every time something drawn happens: the axis' knots, sorted and unique. */
static int tl_collect_knots(struct tl *s)
{
	size_t n = 0, cap = 2 * s->n_rows + s->n_segs + 2 * s->n_marks + s->n_reports + 1;

	s->knots = malloc(cap * sizeof(*s->knots));
	if (!s->knots)
		return -ENOMEM;
	for (size_t r = 0; r < s->n_rows; r++) {
		if (s->rows[r].begin != TL_NONE)
			s->knots[n++] = s->rows[r].begin;
		if (s->rows[r].end != TL_NONE)
			s->knots[n++] = s->rows[r].end;
	}
	for (size_t i = 0; i < s->n_segs; i++)
		if (s->segs[i].t != TL_NONE)
			s->knots[n++] = s->segs[i].t;
	for (size_t i = 0; i < s->n_marks; i++) {
		s->knots[n++] = s->marks[i].ev.time;
		if (s->marks[i].t2 != TL_NONE)
			s->knots[n++] = s->marks[i].t2;
	}
	for (size_t i = 0; i < s->n_reports; i++)
		s->knots[n++] = s->reports[i].time;
	qsort(s->knots, n, sizeof(*s->knots), tl_u64_cmp);
	for (size_t i = 0; i < n; i++)
		if (s->nknots == 0 || s->knots[s->nknots - 1] != s->knots[i])
			s->knots[s->nknots++] = s->knots[i];
	return 0;
}

/* The median gap between knots (0 with fewer than two). */
static int tl_median_gap(const struct tl *s, uint64_t *out)
{
	size_t n = s->nknots > 1 ? s->nknots - 1 : 0;
	uint64_t *gaps = malloc((n ? n : 1) * sizeof(*gaps));

	if (!gaps)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		gaps[i] = s->knots[i + 1] - s->knots[i];
	qsort(gaps, n, sizeof(*gaps), tl_u64_cmp);
	*out = n ? gaps[n / 2] : 0;
	free(gaps);
	return 0;
}

/*
 * The axis: x of each knot. Gaps share the plot in proportion to their length, except idle
 * ones - longer than TL_CUT_FRAC of the uncut time and TL_CUT_MEDIAN times the median gap -
 * which become a break TL_BREAK_W wide (repeated, since the uncut time shrinks with each cut).
 */
static int tl_layout_axis(struct tl *s)
{
	bool more = true;
	uint64_t uncut = 0, median;
	double x;

	if (tl_collect_knots(s) || tl_median_gap(s, &median))
		return -ENOMEM;
	s->knot_x = malloc((s->nknots ? s->nknots : 1) * sizeof(*s->knot_x));
	s->cut = calloc(s->nknots ? s->nknots : 1, sizeof(*s->cut));
	if (!s->knot_x || !s->cut)
		return -ENOMEM;
	while (more) {
		more = false;
		uncut = 0;
		for (size_t i = 0; i + 1 < s->nknots; i++)
			uncut += s->cut[i] ? 0 : s->knots[i + 1] - s->knots[i];
		for (size_t i = 0; i + 1 < s->nknots; i++) {
			uint64_t g = s->knots[i + 1] - s->knots[i];

			if (!s->cut[i] && (double)g > TL_CUT_FRAC * (double)uncut &&
			    g / TL_CUT_MEDIAN > median &&
			    s->ncut + 1 < TL_PLOT_W / (4 * TL_BREAK_W)) {
				s->cut[i] = more = true;
				s->ncut++;
				s->cut_total += g;
			}
		}
	}
	x = s->plot_x;
	for (size_t i = 0; i < s->nknots; i++) {
		s->knot_x[i] = x;
		if (i + 1 < s->nknots)
			x += s->cut[i] ? TL_BREAK_W
				       : (double)(s->knots[i + 1] - s->knots[i]) *
						 (TL_PLOT_W - (double)s->ncut * TL_BREAK_W) /
						 (double)(uncut ? uncut : 1);
	}
	return 0;
}

/* x of time @t: on the axis between its knots (in a break: its middle). */
static double tl_x(const struct tl *s, uint64_t t)
{
	size_t lo = 0, hi = s->nknots;

	if (!s->nknots || t <= s->knots[0])
		return s->plot_x;
	if (t >= s->knots[s->nknots - 1])
		return s->knot_x[s->nknots - 1];
	while (hi - lo > 1) { /* knots[lo] <= t < knots[hi] */
		size_t mid = (lo + hi) / 2;

		if (s->knots[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (s->cut[lo])
		return s->knot_x[lo] + TL_BREAK_W / 2;
	return s->knot_x[lo] + (s->knot_x[hi] - s->knot_x[lo]) * (double)(t - s->knots[lo]) /
				       (double)(s->knots[hi] - s->knots[lo]);
}

static uint64_t tl_axis_begin(const struct tl *s)
{
	return s->nknots ? s->knots[0] : 0;
}

static uint64_t tl_axis_end(const struct tl *s)
{
	return s->nknots ? s->knots[s->nknots - 1] : 0;
}

static void tl_layout(struct tl *s)
{
	size_t longest = 0;
	char label[192];

	for (size_t i = 0; i < s->norder; i++) {
		size_t len = strlen(tl_label(s, &s->rows[s->order[i]], label, sizeof(label)));

		longest = len > longest ? len : longest;
	}
	longest = longest > TL_LABEL_MAX ? TL_LABEL_MAX : longest;
	s->label_w = (double)longest * TL_CHAR_W + 2 * TL_PAD;
	s->label_w = s->label_w < 200 ? 200 : s->label_w;
	s->plot_x = s->label_w;
	s->width = s->plot_x + TL_PLOT_W + 2 * TL_PAD + 40;
	for (size_t i = 0; i < s->n_segs; i++)
		s->state_present[s->segs[i].st] = true;
	for (size_t i = 0; i < s->n_marks; i++) {
		s->mark_present[s->marks[i].kind] = true;
		s->thinnable += tl_marks[s->marks[i].kind].thinned;
	}
	s->thin_every =
		s->thinnable > TL_MAX_MARKS ? (s->thinnable + TL_MAX_MARKS - 1) / TL_MAX_MARKS : 1;
	s->height = s->rows_bottom + 5 * TL_ROW_H + TL_PAD;
}

/* ---- drawing ------------------------------------------------------------------------------- */

static void tl_head(struct tl *s)
{
	FILE *out = s->out;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans Mono, monospace\" "
		"font-size=\"11\">\n",
		s->width, s->height, s->width, s->height);
	fputs("<style>\n"
	      "text { fill: #222222; }\n"
	      ".label { text-anchor: end; }\n"
	      ".section { font-weight: bold; font-size: 12px; }\n"
	      ".tick, .mlabel { fill: #555555; font-size: 9px; text-anchor: middle; }\n"
	      ".note { fill: #555555; }\n"
	      ".grid { stroke: #e4e4e4; stroke-width: 1; }\n"
	      ".lane { fill: #f6f6f6; }\n"
	      ".state { stroke: #ffffff; stroke-width: 0.5; }\n"
	      ".open { stroke-dasharray: 4 2; fill-opacity: 0.5; }\n"
	      ".mark path { stroke-width: 1.6; fill-opacity: 0.85; }\n"
	      ".mark path.halo { fill: #ffffff; stroke: #ffffff; stroke-width: 4; }\n"
	      ".mark:hover path, .state:hover { stroke: #000000; stroke-width: 2; }\n"
	      ".break { fill: #ffffff; fill-opacity: 0.6; stroke: #888888; "
	      "stroke-dasharray: 2 2; }\n"
	      ".violation line { stroke: #cc0000; stroke-width: 2; }\n"
	      ".violation text { fill: #cc0000; font-weight: bold; }\n"
	      "</style>\n"
	      "<title>libsva run: the lifetimes of its PASIDs, mms and processes</title>\n",
	      out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n",
		s->width, s->height);
	fprintf(out,
		"<text class=\"section\" x=\"%.0f\" y=\"20\">libsva run · %zu PASIDs · %zu mms · "
		"%zu processes · %zu events held, %lu dropped</text>\n",
		TL_PAD, s->n_pasids, s->n_mms, s->n_procs, s->nevents, sva_trace_dropped(s->w));
	fprintf(out, "<text class=\"note\" id=\"axis-note\" x=\"%.0f\" y=\"38\">time: %s", TL_PAD,
		sva_world_backend(s->w) == SVA_BACKEND_SIM ? "logical steps (sim)"
							   : "ns since the world started (native)");
	if (s->nknots && tl_axis_begin(s) > s->first_event) {
		fputs("; setup before ", out);
		tl_time(s, out, tl_axis_begin(s));
		fputs(" skipped", out);
	}
	if (s->ncut) {
		fprintf(out, "; %zu idle gap%s (", s->ncut, s->ncut > 1 ? "s" : "");
		tl_span(s, out, s->cut_total);
		fputs(") cut to the dashed breaks", out);
	}
	fputs("; hover a bar or mark for its events</text>\n", out);
}

/* A tick every 1, 2 or 5 times a power of ten of time, about one per 120 px of each run. */
static void tl_axis(struct tl *s)
{
	static const uint64_t mult[] = { 1, 2, 5 };
	double top = TL_TOP - 6, bottom = s->rows_bottom;

	for (size_t a = 0; a + 1 < s->nknots; a++) {
		size_t b = a;
		uint64_t span, step = 0;
		double w;

		if (s->cut[a])
			continue; /* tl_breaks() */
		while (b + 1 < s->nknots && !s->cut[b])
			b++; /* [a, b]: a run of uncut gaps */
		span = s->knots[b] - s->knots[a];
		w = s->knot_x[b] - s->knot_x[a];
		for (uint64_t m = 1; !step && span && m <= UINT64_MAX / 10; m *= 10)
			for (unsigned f = 0; !step && f < 3; f++)
				if ((double)(m * mult[f]) * w / (double)span >= 120)
					step = m * mult[f];
		for (uint64_t t = step ? (s->knots[a] + step - 1) / step * step : TL_NONE;
		     step && t <= s->knots[b]; t += step) {
			double x = tl_x(s, t);

			fprintf(s->out,
				"<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\"/><text class=\"tick\" x=\"%.1f\" y=\"%.1f\">",
				x, top, x, bottom, x, top - 4);
			tl_time(s, s->out, t);
			fputs("</text>\n", s->out);
		}
		a = b - 1;
	}
}

/* A row label's hover text: the whole label and what the row is. */
static void tl_row_title(struct tl *s, const struct tl_row *r, const char *label)
{
	fputs("<title>", s->out);
	tl_text(s->out, label);
	if (r->sec == TL_SEC_PASID && s->pasids[r->obj].gen)
		fprintf(s->out, ": generation %llu of PASID %llu",
			(unsigned long long)s->pasids[r->obj].gen, (unsigned long long)r->id);
	if (r->sec == TL_SEC_PASID && !r->device)
		fputs(", on no device", s->out);
	if (r->sec == TL_SEC_MM && s->mms[r->obj].parent)
		fprintf(s->out, ": a fork of mm%llu", (unsigned long long)s->mms[r->obj].parent);
	if (r->begin == TL_NONE)
		fputs(" (began before the held trace)", s->out);
	fputs("</title>", s->out);
}

/* The cut gaps, over the rows' lanes: a dashed frame saying how long each was. */
static void tl_breaks(struct tl *s)
{
	for (size_t a = 0; a + 1 < s->nknots; a++) {
		if (!s->cut[a])
			continue;
		fprintf(s->out,
			"<rect class=\"break\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			"height=\"%.1f\"><title>idle: ",
			s->knot_x[a] + 3, TL_TOP - 6, TL_BREAK_W - 6, s->rows_bottom - TL_TOP + 6);
		tl_span(s, s->out, s->knots[a + 1] - s->knots[a]);
		fputs(" where nothing drawn happened, cut</title></rect>\n", s->out);
	}
}

static void tl_sections(struct tl *s)
{
	char label[192];
	int sec = -1;

	for (size_t i = 0; i < s->norder; i++) {
		size_t r = s->order[i];
		double y = s->row_y[r];

		if ((int)s->rows[r].sec != sec) {
			sec = (int)s->rows[r].sec;
			fprintf(s->out, "<text class=\"section\" x=\"%.0f\" y=\"%.1f\">%s</text>\n",
				TL_PAD, y - 7, tl_section_titles[sec]);
		}
		if (i % 2 == 0)
			fprintf(s->out,
				"<rect class=\"lane\" x=\"0\" y=\"%.1f\" width=\"%.0f\" "
				"height=\"%.1f\"/>\n",
				y, s->width, TL_ROW_H);
		tl_label(s, &s->rows[r], label, sizeof(label));
		fprintf(s->out, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">", s->plot_x - 10,
			y + TL_BAR_Y + TL_BAR_H - 2);
		tl_text_n(s->out, label,
			  strlen(label) > TL_LABEL_MAX ? TL_LABEL_MAX - 3 : SIZE_MAX);
		tl_row_title(s, &s->rows[r], label);
		fputs("</text>\n", s->out);
	}
}

/* Row @r's data-* attributes: what it is, for readers of the document (tests). */
static void tl_row_attrs(struct tl *s, const struct tl_row *r)
{
	char label[192];

	fprintf(s->out, " data-section=\"%s\" data-id=\"%llu\"", tl_section_names[r->sec],
		(unsigned long long)r->id);
	if (r->device) {
		fputs(" data-device=\"", s->out);
		tl_text(s->out, r->device);
		fputc('"', s->out);
	}
	fputs(" data-label=\"", s->out);
	tl_text(s->out, tl_label(s, r, label, sizeof(label)));
	fputc('"', s->out);
}

/* One state bar: row @g->row in @g->st from @g->t to @to (TL_NONE: the end of the trace). */
static void tl_seg(struct tl *s, const struct tl_seg *g, uint64_t to)
{
	const struct tl_row *r = &s->rows[g->row];
	uint64_t from = g->t != TL_NONE ? g->t : tl_axis_begin(s);
	uint64_t until = to != TL_NONE ? to : tl_axis_end(s);
	double x0 = tl_x(s, from), x1 = tl_x(s, until > from ? until : from);
	char label[192];

	fprintf(s->out, "<rect class=\"state%s\" data-state=\"", to == TL_NONE ? " open" : "");
	tl_text(s->out, tl_states[g->st].name);
	fprintf(s->out, "\" data-from=\"%llu\" data-to=\"", (unsigned long long)from);
	if (to == TL_NONE)
		fputs("end", s->out);
	else
		fprintf(s->out, "%llu", (unsigned long long)to);
	fprintf(s->out,
		"\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", x0,
		s->row_y[g->row] + TL_BAR_Y, x1 - x0 > 1 ? x1 - x0 : 1, TL_BAR_H,
		tl_states[g->st].color);
	tl_text(s->out, tl_label(s, r, label, sizeof(label)));
	fputs(": ", s->out);
	tl_text(s->out, tl_states[g->st].name);
	fputs(" (", s->out);
	tl_text(s->out, tl_states[g->st].meaning);
	fputs("), ", s->out);
	if (g->t == TL_NONE)
		fputs("before the held trace", s->out);
	else
		tl_time(s, s->out, g->t);
	fputs(" to ", s->out);
	if (to == TL_NONE)
		fputs("the end of the trace", s->out);
	else
		tl_time(s, s->out, to);
	fputs("</title></rect>\n", s->out);
}

/* Each row's bars: a state lasts until the row's next one, or its end. */
static void tl_bars(struct tl *s)
{
	for (size_t i = 0; i < s->norder; i++) {
		size_t r = s->order[i];
		const struct tl_seg *prev = NULL;

		fprintf(s->out, "<g class=\"row\"");
		tl_row_attrs(s, &s->rows[r]);
		fputs(">\n", s->out);
		for (size_t k = 0; k < s->n_segs; k++) {
			if (s->segs[k].row != r)
				continue;
			if (prev)
				tl_seg(s, prev, s->segs[k].t);
			prev = &s->segs[k];
		}
		if (prev)
			tl_seg(s, prev, s->rows[r].end);
		fputs("</g>\n", s->out);
	}
}

/* The short text shown beside a mark ("exit 0", "SUCCESS"); "" none. */
static const char *tl_mark_text(const struct tl_mark *m, char *buf, size_t len)
{
	const struct sva_trace_event *ev = &m->ev;

	switch (m->kind) {
	case TL_M_EXIT:
		if (ev->kind == SVA_EV_TASK_EXIT_KILLED)
			snprintf(buf, len, "killed (signal %llu)",
				 (unsigned long long)sva_ev_num(ev, TASK_EXIT_KILLED, signal));
		else
			snprintf(buf, len, "exit %llu",
				 (unsigned long long)sva_ev_num(ev, TASK_EXIT, code));
		break;
	case TL_M_FREE:
		snprintf(buf, len, "%s", ev->kind == SVA_EV_MM_FREE ? "__mmdrop" : "freed");
		break;
	case TL_M_PRQ: /* its response, when it came */
		snprintf(buf, len, "%s",
			 m->t2 == TL_NONE ? "no response" : tl_response_name(m->code));
		break;
	case TL_M_SILENCED:
		buf[0] = '\0'; /* in bursts, and grey: on hover only */
		break;
	default:
		snprintf(buf, len, "%s", tl_marks[m->kind].name);
	}
	return buf;
}

/*
 * Mark @m's text above its row's bar, or below it when that runs into the previous label
 * there; left out (hover only) when both do. @label_end: where each line's last label ends.
 */
static void tl_mark_label(struct tl *s, const struct tl_mark *m, double x, double label_end[2])
{
	char text[64];
	double half;

	tl_mark_text(m, text, sizeof(text));
	half = (double)strlen(text) * 2.8;
	for (unsigned line = 0; text[0] && line < 2; line++) {
		if (x - half <= label_end[line])
			continue;
		fprintf(s->out, "<text class=\"mlabel\" x=\"%.1f\" y=\"%.1f\">", x,
			s->row_y[m->row] + (line ? TL_BAR_Y + TL_BAR_H + 9 : TL_BAR_Y - 4));
		tl_text(s->out, text);
		fputs("</text>", s->out);
		label_end[line] = x + half + 3;
		return;
	}
}

/* Mark @m: its glyph, a page request's line to its response, its hover text, its label. */
static void tl_mark_draw(struct tl *s, const struct tl_mark *m, double label_end[2])
{
	double x = tl_x(s, m->ev.time), y = s->row_y[m->row] + TL_BAR_Y + TL_BAR_H / 2;
	const char *color = tl_marks[m->kind].color;
	char actor[64];

	fprintf(s->out, "<g class=\"mark\" data-mark=\"%s\" data-t=\"%llu\">",
		tl_marks[m->kind].name, (unsigned long long)m->ev.time);
	if (m->kind == TL_M_PRQ) {
		double x2 = m->t2 != TL_NONE ? tl_x(s, m->t2) : tl_x(s, tl_axis_end(s));

		color = m->t2 == TL_NONE		   ? "#cc0000"
			: m->code == SVA_PAGE_RESP_SUCCESS ? "#4e9a06"
							   : "#cc0000";
		fprintf(s->out, "<path d=\"M%.1f %.1fH%.1fv-4v8\" stroke=\"%s\" fill=\"none\"%s/>",
			x, y - 7, x2, color, m->t2 == TL_NONE ? " stroke-dasharray=\"3 2\"" : "");
	}
	fprintf(s->out,
		"<path class=\"halo\" transform=\"translate(%.1f %.1f)\" d=\"%s\"/>"
		"<path transform=\"translate(%.1f %.1f)\" d=\"%s\" fill=\"%s\" stroke=\"%s\"/>",
		x, y, tl_marks[m->kind].glyph, x, y, tl_marks[m->kind].glyph, color, color);
	fputs("<title>", s->out);
	tl_text(s->out, tl_marks[m->kind].name);
	fputs(" at ", s->out);
	tl_time(s, s->out, m->ev.time);
	fputs(": ", s->out);
	tl_text(s->out, sva_event_name(m->ev.kind));
	tl_fields(s->out, &m->ev);
	if (m->kind == TL_M_PRQ && m->t2 != TL_NONE) {
		fprintf(s->out, "; answered %s at ", tl_response_name(m->code));
		tl_time(s, s->out, m->t2);
	} else if (m->kind == TL_M_PRQ) {
		fputs("; never answered in the held trace", s->out);
	}
	fputs(" (by ", s->out);
	tl_text(s->out, sva_trace_actor_name(s->w, m->ev.actor, actor, sizeof(actor)));
	fputs(")</title>", s->out);
	tl_mark_label(s, m, x, label_end);
	fputs("</g>\n", s->out);
}

/* The marks of each drawn row, labels where they do not run into the previous one. */
static void tl_marks_draw(struct tl *s)
{
	size_t nth = 0;
	double(*label_end)[2] = calloc(s->n_rows ? s->n_rows : 1, sizeof(*label_end));

	if (!label_end) {
		s->nomem = true;
		return;
	}
	for (size_t i = 0; i < s->n_marks; i++) {
		const struct tl_mark *m = &s->marks[i];

		if (s->row_y[m->row] < 0)
			continue;
		if (tl_marks[m->kind].thinned && nth++ % s->thin_every != 0)
			continue;
		tl_mark_draw(s, m, label_end[m->row]);
	}
	free(label_end);
}

/* Each report: a red line over every row, its kind and message on top, all of it on hover. */
static void tl_violations(struct tl *s)
{
	for (size_t i = 0; i < s->n_reports; i++) {
		const struct sva_trace_event *ev = &s->reports[i];
		double x = tl_x(s, ev->time), y = TL_TOP + 14 + 12.0 * (double)(i % 3);
		const char *kind = sva_ev_str(ev, REPORT, kind);
		const char *msg = sva_ev_str(ev, REPORT, message);
		bool left = x > s->plot_x + TL_PLOT_W / 2;

		fprintf(s->out, "<g class=\"violation\" data-t=\"%llu\" data-kind=\"",
			(unsigned long long)ev->time);
		tl_text(s->out, kind);
		fprintf(s->out,
			"\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
			x, TL_TOP + 2, x, s->rows_bottom, left ? x - 4 : x + 4, y,
			left ? "end" : "start");
		tl_text(s->out, strcmp(kind, sva_report_kind_name(SVA_REPORT_INVARIANT)) == 0
					? "VIOLATION"
					: kind);
		fputs(" · ", s->out);
		tl_text_n(s->out, msg, TL_VIOL_LABEL);
		fputs("</text><title>", s->out);
		tl_text(s->out, kind);
		fputs(" at ", s->out);
		tl_time(s, s->out, ev->time);
		fputs(": ", s->out);
		tl_text(s->out, msg);
		fputs("</title></g>\n", s->out);
	}
}

/* The states and marks present, in a row each; what was left out. */
static void tl_legend(struct tl *s)
{
	double x = TL_PAD, y = s->rows_bottom + TL_ROW_H;

	for (unsigned i = 0; i < TL_ST_NR; i++) {
		if (!s->state_present[i])
			continue;
		fprintf(s->out,
			"<g class=\"legend\"><rect x=\"%.1f\" y=\"%.1f\" width=\"18\" "
			"height=\"%.1f\" "
			"fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">",
			x, y - 9, TL_BAR_H, tl_states[i].color, x + 22, y);
		tl_text(s->out, tl_states[i].name);
		fputs("</text><title>", s->out);
		tl_text(s->out, tl_states[i].meaning);
		fputs("</title></g>\n", s->out);
		x += 22 + TL_CHAR_W * (double)strlen(tl_states[i].name) + 14;
	}
	x = TL_PAD;
	y += TL_ROW_H * 0.8;
	for (unsigned i = 0; i < TL_M_NR; i++) {
		if (!s->mark_present[i])
			continue;
		fprintf(s->out,
			"<g class=\"legend\"><path transform=\"translate(%.1f %.1f)\" d=\"%s\" "
			"fill=\"%s\" stroke=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text></g>\n",
			x + 6, y - 4, tl_marks[i].glyph, tl_marks[i].color, tl_marks[i].color,
			x + 16, y, tl_marks[i].name);
		x += 16 + TL_CHAR_W * (double)strlen(tl_marks[i].name) + 14;
	}
	y += TL_ROW_H * 0.8;
	fprintf(s->out, "<text class=\"note\" x=\"%.0f\" y=\"%.1f\">", TL_PAD, y);
	if (!s->n_rows)
		fputs("no PASID, mm or process in the held trace. ", s->out);
	fputs("page requests: a line to their response, green SUCCESS, red otherwise", s->out);
	for (unsigned i = 0; i < TL_SEC_NR; i++)
		if (s->hidden[i])
			fprintf(s->out, "; %zu more %s rows not drawn", s->hidden[i],
				tl_section_names[i]);
	if (s->thin_every > 1)
		fprintf(s->out, "; 1 in %zu of %zu fault and page-request marks drawn",
			s->thin_every, s->thinnable);
	fputs("</text>\n", s->out);
}

static void tl_free(struct tl *s)
{
	free(s->rows);
	free(s->segs);
	free(s->marks);
	free(s->pasids);
	free(s->mms);
	free(s->procs);
	free(s->pending);
	free(s->reports);
	free(s->order);
	free(s->row_y);
	free(s->knots);
	free(s->knot_x);
	free(s->cut);
}

int sva_timeline_write_svg(struct sva_world *w, FILE *out)
{
	struct tl s = { .w = w, .out = out };
	int ret = sva_trace_for_each(w, tl_visit, &s);

	if (ret == 0)
		ret = tl_layout_rows(&s);
	if (ret == 0) {
		tl_layout(&s);
		ret = tl_layout_axis(&s);
	}
	if (ret == 0) {
		tl_head(&s);
		tl_axis(&s);
		tl_sections(&s);
		tl_breaks(&s);
		tl_bars(&s);
		tl_marks_draw(&s);
		tl_violations(&s);
		tl_legend(&s);
		fputs("</svg>\n", out);
		ret = s.nomem ? -ENOMEM : fflush(out) != 0 || ferror(out) ? -EIO : 0;
	}
	tl_free(&s);
	return ret;
}

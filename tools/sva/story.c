/* SPDX-License-Identifier: MIT */
/*
 * The story of a run, as a kernel developer reads it: one line per PASID (allocated, bound,
 * its mm's exit_mmap, unbound, freed) and one per mm (created, its owner's exit, exit_mmap,
 * freed at __mmdrop), read back from the world's trace after the run. What `sva run` prints
 * between the line saying what ran and the summary table; the whole event timeline is -v's.
 *
 * Everything here is the caller's: built from the trace ring (sva_trace_get) while the world
 * still lives (the devices' names are the ring's interned strings), freed before returning.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SVA_STORY_MARKS 4 /* binds (and unbinds) of one PASID shown; more are counted */
#define SVA_STORY_NONE	UINT64_MAX

struct sva_story_mark {
	const char *device;
	uint64_t t;
};

struct sva_story_pasid {
	uint64_t pasid, gen, mm;
	uint64_t allocated, freed;
	struct sva_story_mark bound[SVA_STORY_MARKS], unbound[SVA_STORY_MARKS];
	unsigned nbound, nunbound;
};

struct sva_story_mm {
	uint64_t id, parent;
	uint64_t created, exit_mmap, freed;
	uint64_t pid;	 /* the process it was made for, 0 none */
	uint64_t exited; /* that process's exit */
	uint64_t status; /* its code, or its signal when killed */
	bool killed;
};

struct sva_story_proc {
	uint64_t pid, mm;
	const char *name;
};

struct sva_story {
	struct sva_story_pasid *pasids;
	size_t npasids, cap_pasids;
	struct sva_story_mm *mms;
	size_t nmms, cap_mms;
	struct sva_story_proc *procs;
	size_t nprocs, cap_procs;
	bool nomem;
};

/* Room for one more element of @arr (of @n, capacity @cap); NULL without memory. */
static void *sva_story_grow(void **arr, size_t n, size_t *cap, size_t elem)
{
	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, ncap * elem);

		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return (char *)*arr + n * elem;
}

static struct sva_story_mm *sva_story_mm(struct sva_story *s, uint64_t id, bool add)
{
	struct sva_story_mm *m;

	for (size_t i = s->nmms; i-- > 0;)
		if (s->mms[i].id == id)
			return &s->mms[i];
	if (!add)
		return NULL;
	m = sva_story_grow((void **)&s->mms, s->nmms, &s->cap_mms, sizeof(*m));
	if (!m) {
		s->nomem = true;
		return NULL;
	}
	s->nmms++;
	*m = (struct sva_story_mm){ .id = id,
				    .created = SVA_STORY_NONE,
				    .exit_mmap = SVA_STORY_NONE,
				    .freed = SVA_STORY_NONE,
				    .exited = SVA_STORY_NONE };
	return m;
}

/*
 * The allocation of PASID @pasid an event is about: the last one made of that value for @mm
 * (SVA_STORY_NONE: any mm) - a PASID reused by another mm while the first still unbinds (the
 * bug of a variant) keeps each event on its own line.
 */
static struct sva_story_pasid *sva_story_pasid(struct sva_story *s, uint64_t pasid, uint64_t mm)
{
	for (size_t i = s->npasids; i-- > 0;)
		if (s->pasids[i].pasid == pasid && (mm == SVA_STORY_NONE || s->pasids[i].mm == mm))
			return &s->pasids[i];
	return mm == SVA_STORY_NONE ? NULL : sva_story_pasid(s, pasid, SVA_STORY_NONE);
}

static struct sva_story_proc *sva_story_proc(struct sva_story *s, uint64_t pid)
{
	for (size_t i = s->nprocs; i-- > 0;)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	return NULL;
}

static void sva_story_mark(struct sva_story_mark *marks, unsigned *n, const char *device,
			   uint64_t t)
{
	if (*n < SVA_STORY_MARKS)
		marks[*n] = (struct sva_story_mark){ .device = device, .t = t };
	++*n;
}

static void sva_story_pasid_event(struct sva_story *s, const struct sva_trace_event *ev)
{
	struct sva_story_pasid *p;

	switch (ev->kind) {
	case SVA_EV_PASID_ALLOC:
		p = sva_story_grow((void **)&s->pasids, s->npasids, &s->cap_pasids, sizeof(*p));
		if (!p) {
			s->nomem = true;
			return;
		}
		s->npasids++;
		*p = (struct sva_story_pasid){ .pasid = ev->track_id,
					       .gen = sva_ev_num(ev, PASID_ALLOC, gen),
					       .mm = sva_ev_num(ev, PASID_ALLOC, mm),
					       .allocated = ev->time,
					       .freed = SVA_STORY_NONE };
		break;
	case SVA_EV_PASID_FREE:
		p = sva_story_pasid(s, ev->track_id, sva_ev_num(ev, PASID_FREE, mm));
		if (p && p->freed == SVA_STORY_NONE)
			p->freed = ev->time;
		break;
	case SVA_EV_SVA_BIND:
		p = sva_story_pasid(s, sva_ev_num(ev, SVA_BIND, pasid),
				    sva_ev_num(ev, SVA_BIND, mm));
		if (p)
			sva_story_mark(p->bound, &p->nbound, sva_ev_str(ev, SVA_BIND, device),
				       ev->time);
		break;
	case SVA_EV_SVA_UNBIND:
		p = sva_story_pasid(s, sva_ev_num(ev, SVA_UNBIND, pasid),
				    sva_ev_num(ev, SVA_UNBIND, mm));
		if (p)
			sva_story_mark(p->unbound, &p->nunbound, sva_ev_str(ev, SVA_UNBIND, device),
				       ev->time);
		break;
	default:
		break;
	}
}

static void sva_story_process_event(struct sva_story *s, const struct sva_trace_event *ev)
{
	struct sva_story_proc *pr;
	struct sva_story_mm *m;
	uint64_t pid;

	switch (ev->kind) {
	case SVA_EV_PROCESS_START:
		pr = sva_story_grow((void **)&s->procs, s->nprocs, &s->cap_procs, sizeof(*pr));
		if (!pr) {
			s->nomem = true;
			return;
		}
		s->nprocs++;
		*pr = (struct sva_story_proc){ .pid = ev->track_id,
					       .mm = sva_ev_num(ev, PROCESS_START, mm),
					       .name = sva_ev_str(ev, PROCESS_START, name) };
		m = sva_story_mm(s, pr->mm, true);
		if (m && !m->pid)
			m->pid = pr->pid;
		break;
	case SVA_EV_PROCESS_EXEC:
		pr = sva_story_proc(s, sva_ev_num(ev, PROCESS_EXEC, pid));
		if (pr)
			pr->mm = sva_ev_num(ev, PROCESS_EXEC, mm);
		m = pr ? sva_story_mm(s, pr->mm, true) : NULL;
		if (m && !m->pid)
			m->pid = pr->pid;
		break;
	case SVA_EV_TASK_EXIT:
	case SVA_EV_TASK_EXIT_KILLED:
		pid = ev->kind == SVA_EV_TASK_EXIT ? sva_ev_num(ev, TASK_EXIT, pid)
						   : sva_ev_num(ev, TASK_EXIT_KILLED, pid);
		if (ev->kind == SVA_EV_TASK_EXIT && sva_ev_num(ev, TASK_EXIT, tid) != pid)
			break; /* a thread's exit: the process goes on */
		pr = sva_story_proc(s, pid);
		m = pr ? sva_story_mm(s, pr->mm, false) : NULL;
		if (!m || m->pid != pid || m->exited != SVA_STORY_NONE)
			break;
		m->exited = ev->time;
		m->killed = ev->kind == SVA_EV_TASK_EXIT_KILLED;
		m->status = m->killed ? sva_ev_num(ev, TASK_EXIT_KILLED, signal)
				      : sva_ev_num(ev, TASK_EXIT, code);
		break;
	default:
		break;
	}
}

static void sva_story_event(struct sva_story *s, const struct sva_trace_event *ev)
{
	struct sva_story_mm *m;

	switch (ev->kind) {
	case SVA_EV_MM_CREATE:
		m = sva_story_mm(s, ev->track_id, true);
		if (m)
			m->created = ev->time;
		break;
	case SVA_EV_MM_DUP:
		m = sva_story_mm(s, sva_ev_num(ev, MM_DUP, child), true);
		if (m)
			m->parent = sva_ev_num(ev, MM_DUP, parent);
		break;
	case SVA_EV_MM_EXIT_MMAP:
		m = sva_story_mm(s, sva_ev_num(ev, MM_EXIT_MMAP, mm), true);
		if (m && m->exit_mmap == SVA_STORY_NONE)
			m->exit_mmap = ev->time;
		break;
	case SVA_EV_MM_FREE:
		m = sva_story_mm(s, ev->track_id, true);
		if (m)
			m->freed = ev->time;
		break;
	default:
		sva_story_pasid_event(s, ev);
		sva_story_process_event(s, ev);
		break;
	}
}

/* "worker/2", or "" when @pid is 0. */
static const char *sva_story_owner(struct sva_story *s, uint64_t pid, char *buf, size_t len)
{
	const struct sva_story_proc *pr = pid ? sva_story_proc(s, pid) : NULL;

	if (pr)
		snprintf(buf, len, "%s/%llu", pr->name, (unsigned long long)pid);
	else
		buf[0] = '\0';
	return buf;
}

/* " · WHAT T" for a time that happened; @never (may be NULL) otherwise. */
static void sva_story_at(FILE *out, const char *what, uint64_t t, const char *never)
{
	if (t != SVA_STORY_NONE)
		fprintf(out, " · %s %llu", what, (unsigned long long)t);
	else if (never)
		fprintf(out, " · %s", never);
}

/* One thing that happened to a PASID, for its line. */
struct sva_story_item {
	const char *what, *device; /* device NULL: none */
	uint64_t t;
};

static void sva_story_items_add(struct sva_story_item *items, size_t *n, const char *what,
				const struct sva_story_mark *marks, unsigned nmarks)
{
	for (unsigned i = 0; i < nmarks && i < SVA_STORY_MARKS; i++)
		items[(*n)++] = (struct sva_story_item){ what, marks[i].device, marks[i].t };
}

/* allocated, then what happened in the order it happened: binds, exit_mmap, unbinds, free. */
static void sva_story_print_pasid(struct sva_story *s, const struct sva_story_pasid *p, FILE *out)
{
	const struct sva_story_mm *m = sva_story_mm(s, p->mm, false);
	struct sva_story_item items[2 * SVA_STORY_MARKS + 2];
	size_t n = 0;
	char owner[80];

	fprintf(out, "  PASID %llu · mm%llu", (unsigned long long)p->pasid,
		(unsigned long long)p->mm);
	if (m && m->pid)
		fprintf(out, " · %s", sva_story_owner(s, m->pid, owner, sizeof(owner)));
	fprintf(out, ": allocated %llu", (unsigned long long)p->allocated);
	sva_story_items_add(items, &n, "bound", p->bound, p->nbound);
	if (m && m->exit_mmap != SVA_STORY_NONE)
		items[n++] = (struct sva_story_item){ "exit_mmap", NULL, m->exit_mmap };
	sva_story_items_add(items, &n, "unbound", p->unbound, p->nunbound);
	if (p->freed != SVA_STORY_NONE)
		items[n++] = (struct sva_story_item){ "freed", NULL, p->freed };
	for (size_t i = 1; i < n; i++) { /* by time; at the same step, in the order above */
		struct sva_story_item it = items[i];
		size_t j = i;

		for (; j > 0 && items[j - 1].t > it.t; j--)
			items[j] = items[j - 1];
		items[j] = it;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(out, " · %s%s%s %llu", items[i].what, items[i].device ? " " : "",
			items[i].device ? items[i].device : "", (unsigned long long)items[i].t);
	if (p->nbound > SVA_STORY_MARKS)
		fprintf(out, " · bound %u more times", p->nbound - SVA_STORY_MARKS);
	if (p->nunbound > SVA_STORY_MARKS)
		fprintf(out, " · unbound %u more times", p->nunbound - SVA_STORY_MARKS);
	if (p->freed == SVA_STORY_NONE)
		fprintf(out, " · still allocated");
	fputc('\n', out);
}

static void sva_story_print_mm(struct sva_story *s, const struct sva_story_mm *m, FILE *out)
{
	char owner[80], status[24];

	fprintf(out, "  mm%llu", (unsigned long long)m->id);
	if (m->pid)
		fprintf(out, " · %s", sva_story_owner(s, m->pid, owner, sizeof(owner)));
	fputc(':', out);
	if (m->created != SVA_STORY_NONE)
		fprintf(out, " created %llu", (unsigned long long)m->created);
	if (m->parent)
		fprintf(out, " (fork of mm%llu)", (unsigned long long)m->parent);
	if (m->exited != SVA_STORY_NONE)
		fprintf(out, " · %s %llu (%s%s)", m->killed ? "killed" : "exited",
			(unsigned long long)m->exited, m->killed ? "" : "status ",
			sva_trace_format(NULL, m->killed ? SVA_EV_FMT_signo : SVA_EV_FMT_num,
					 m->status, status,
					 sizeof(status))); /* (SIGKILL), (status 0) */
	sva_story_at(out, "exit_mmap", m->exit_mmap, NULL);
	sva_story_at(out, "freed (__mmdrop)", m->freed, "not freed");
	fputc('\n', out);
}

size_t sva_story_print(struct sva_world *w, FILE *out, size_t max_each)
{
	struct sva_story s = { 0 };
	struct sva_trace_event ev;
	size_t lines = 0;

	for (size_t i = 0; sva_trace_get(w, i, &ev) == 0 && !s.nomem; i++)
		sva_story_event(&s, &ev);
	if (s.nomem) {
		fprintf(out, "  (no memory for the story)\n");
		lines = 1;
	} else if (s.npasids || s.nmms) {
		fprintf(out, "story (%s; -v for every event):\n",
			sva_world_backend(w) == SVA_BACKEND_SIM ? "times in logical steps"
								: "times in ns");
		lines++;
		for (size_t i = 0; i < s.npasids && i < max_each; i++, lines++)
			sva_story_print_pasid(&s, &s.pasids[i], out);
		if (s.npasids > max_each && ++lines)
			fprintf(out, "  ... %zu more PASIDs\n", s.npasids - max_each);
		for (size_t i = 0; i < s.nmms && i < max_each; i++, lines++)
			sva_story_print_mm(&s, &s.mms[i], out);
		if (s.nmms > max_each && ++lines)
			fprintf(out, "  ... %zu more mms\n", s.nmms - max_each);
	}
	if (sva_trace_dropped(w)) {
		fprintf(out, "  (the trace ring dropped %lu early events: the story starts late)\n",
			sva_trace_dropped(w));
		lines++;
	}
	free(s.pasids);
	free(s.mms);
	free(s.procs);
	return lines;
}

/* SPDX-License-Identifier: MIT */
/*
 * The tool's built-in programs:
 *  - pasid-churn:    processes allocate PASIDs from one global space, hold and free them,
 *                    a narrow device among them (the demo `sva run` shows);
 *  - lost-update:    two actors increment a counter with a read, a scheduling point and a
 *                    write, no lock (the explorer finds it with one preemption);
 *  - locked-counter: the same under a mutex (clean at any bound);
 *  - abba:           two actors take two mutexes in opposite orders (a deadlock);
 *  - test-*:         programs that crash, livelock or hang in one interleaving
 *                    (prog_faults.c), for the tests of the explorer's reports of them.
 * Each keeps its state in a struct allocated per instance; nothing global is mutable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sva/iommu.h"
#include "cli.h"
#include "prog.h"
#include "programs.h"

/* ---- pasid-churn ---- */

#define CHURN_PROCS  4
#define CHURN_ROUNDS 3
#define CHURN_WIDTH  4 /* a 4-bit space: IDs 1..15, so the narrow device runs out */

struct churn {
	struct sva_world *w;
	struct sva_pasid_space *space;
	unsigned allocated, freed, enospc, peak, live;
	struct sva_spinlock stats_lock;
};

struct churn_proc {
	struct churn *c;
	uint32_t max_pasids;
};

struct churn_state {
	struct churn c;
	struct churn_proc procs[CHURN_PROCS];
};

static void churn_count(struct churn *c, int delta, bool failed)
{
	sva_spin_lock(&c->stats_lock);
	if (failed) {
		c->enospc++;
	} else if (delta > 0) {
		c->allocated++;
		if (++c->live > c->peak)
			c->peak = c->live;
	} else {
		c->freed++;
		c->live--;
	}
	sva_spin_unlock(&c->stats_lock);
}

static int churn_proc_main(void *arg)
{
	struct churn_proc *p = arg;
	struct churn *c = p->c;

	for (int round = 0; round < CHURN_ROUNDS; round++) {
		uint32_t ids[3];
		int held = 0;

		for (int i = 0; i < 3; i++) {
			int ret = sva_pasid_alloc(c->space, p->max_pasids, &ids[held]);

			churn_count(c, 1, ret != 0);
			if (ret) {
				sva_trace(c->w, PASID_ALLOC_FAILED, p->max_pasids,
					  (uint64_t)(int64_t)ret);
				continue;
			}
			sva_trace(c->w, PASID_LIVE, ids[held], ids[held]);
			held++;
		}
		sva_sched_point(c->w); /* the "device" works with them */
		while (held--) {
			sva_trace(c->w, PASID_DEAD, ids[held]);
			sva_pasid_free(c->space, ids[held]);
			churn_count(c, -1, false);
		}
	}
	return 0;
}

static int churn_setup(struct sva_world *w, void *arg)
{
	struct churn_state *s = arg;
	char name[16];
	int ret;

	memset(&s->c, 0, sizeof(s->c));
	s->c.w = w;
	sva_spin_lock_init(w, &s->c.stats_lock, "churn_stats");
	ret = sva_pasid_space_create(w, 1u << CHURN_WIDTH, &s->c.space);
	for (int i = 0; ret == 0 && i < CHURN_PROCS; i++) {
		s->procs[i].c = &s->c;
		/* the last process binds through a narrow device: max_pasids 4 */
		s->procs[i].max_pasids = i == CHURN_PROCS - 1 ? 4 : 1u << CHURN_WIDTH;
		snprintf(name, sizeof(name), "proc%d", i);
		ret = sva_actor_spawn(w, name, churn_proc_main, &s->procs[i], 0, NULL);
	}
	return ret;
}

static int churn_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct churn_state *s = arg;

	(void)w;
	if (run)
		return run;
	if (s->c.live || sva_pasid_allocated(s->c.space)) {
		snprintf(msg, len, "%u PASIDs still allocated", sva_pasid_allocated(s->c.space));
		return -EINVAL;
	}
	return 0;
}

static void churn_teardown(struct sva_world *w, void *arg)
{
	struct churn_state *s = arg;

	(void)w;
	sva_pasid_space_destroy(s->c.space);
	sva_spin_lock_destroy(&s->c.stats_lock);
}

static void churn_summarize(void *arg, FILE *out)
{
	struct churn_state *s = arg;

	fprintf(out, "  %-28s %u\n", "PASIDs allocated", s->c.allocated);
	fprintf(out, "  %-28s %u\n", "PASIDs freed", s->c.freed);
	fprintf(out, "  %-28s %u\n", "allocations -ENOSPC", s->c.enospc);
	fprintf(out, "  %-28s %u\n", "peak live PASIDs", s->c.peak);
}

/* ---- counters ---- */

#define COUNTER_STEPS 50

struct counter {
	struct sva_world *w;
	struct sva_mutex lock;
	bool locked;
	long x;
};

static int counter_main(void *arg)
{
	struct counter *c = arg;

	for (int i = 0; i < COUNTER_STEPS; i++) {
		long tmp;

		if (c->locked)
			sva_mutex_lock(&c->lock);
		tmp = c->x;
		sva_sched_point(c->w);
		c->x = tmp + 1;
		if (c->locked)
			sva_mutex_unlock(&c->lock);
	}
	return 0;
}

static int counter_setup(struct sva_world *w, void *arg)
{
	struct counter *c = arg;
	int ret;

	c->w = w;
	c->x = 0;
	sva_mutex_init(w, &c->lock, "counter_lock");
	ret = sva_actor_spawn(w, "inc0", counter_main, c, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "inc1", counter_main, c, 0, NULL);
	return ret;
}

static int counter_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct counter *c = arg;

	(void)w;
	sva_mutex_destroy(&c->lock);
	if (run)
		return run;
	if (c->x != 2 * COUNTER_STEPS) {
		snprintf(msg, len, "lost update: counter is %ld, expected %d", c->x,
			 2 * COUNTER_STEPS);
		return -EINVAL;
	}
	return 0;
}

static void counter_summarize(void *arg, FILE *out)
{
	struct counter *c = arg;

	fprintf(out, "  %-28s %ld (expected %d)\n", "counter", c->x, 2 * COUNTER_STEPS);
}

/* ---- abba ---- */

struct abba {
	struct sva_mutex a, b;
};

static int abba_ab(void *arg)
{
	struct abba *p = arg;

	sva_mutex_lock(&p->a);
	sva_mutex_lock(&p->b);
	sva_mutex_unlock(&p->b);
	sva_mutex_unlock(&p->a);
	return 0;
}

static int abba_ba(void *arg)
{
	struct abba *p = arg;

	sva_mutex_lock(&p->b);
	sva_mutex_lock(&p->a);
	sva_mutex_unlock(&p->a);
	sva_mutex_unlock(&p->b);
	return 0;
}

static int abba_setup(struct sva_world *w, void *arg)
{
	struct abba *p = arg;
	int ret;

	sva_mutex_init(w, &p->a, "lock_a");
	sva_mutex_init(w, &p->b, "lock_b");
	ret = sva_actor_spawn(w, "ab", abba_ab, p, 0, NULL);
	if (ret == 0)
		ret = sva_actor_spawn(w, "ba", abba_ba, p, 0, NULL);
	return ret;
}

/* ---- the table ---- */

struct sva_tool_program_def {
	const char *name;
	const char *summary;
	size_t (*state_size)(void);
	void (*init)(void *state, int param); /* may be NULL */
	int param;
	struct sva_program program;
	void (*summarize)(void *arg, FILE *out);
	int (*outcome)(void *arg, int *invariant); /* NULL: every failure is a violation */
};

static size_t churn_size(void)
{
	return sizeof(struct churn_state);
}

static size_t counter_size(void)
{
	return sizeof(struct counter);
}

static void counter_init(void *state, int locked)
{
	((struct counter *)state)->locked = locked;
}

static size_t abba_size(void)
{
	return sizeof(struct abba);
}

static const struct sva_tool_program_def sva_tool_programs[] = {
	{ "pasid-churn",
	  "processes allocate, hold and free PASIDs; one device is narrow",
	  churn_size,
	  NULL,
	  0,
	  { "pasid-churn", churn_setup, churn_check, churn_teardown, NULL, false },
	  churn_summarize,
	  NULL },
	{ "lost-update",
	  "two actors increment a counter without a lock",
	  counter_size,
	  counter_init,
	  0,
	  { "lost-update", counter_setup, counter_check, NULL, NULL, false },
	  counter_summarize,
	  NULL },
	{ "locked-counter",
	  "the same increments under a mutex",
	  counter_size,
	  counter_init,
	  1,
	  { "locked-counter", counter_setup, counter_check, NULL, NULL, false },
	  counter_summarize,
	  NULL },
	{ "abba",
	  "two actors take two mutexes in opposite orders",
	  abba_size,
	  NULL,
	  0,
	  { "abba", abba_setup, NULL, NULL, NULL, false },
	  NULL,
	  NULL },
	{ "fd-mm-cycle",
	  "a device whose open holds mm_users: the exit never completes (seed 000)",
	  sva_prog_cycle_size,
	  sva_prog_cycle_init,
	  1,
	  { "fd-mm-cycle", sva_prog_cycle_setup, sva_prog_cycle_check, sva_prog_cycle_teardown,
	    NULL, false },
	  sva_prog_cycle_summarize,
	  sva_prog_cycle_outcome },
	{ "fd-mm-clean",
	  "the same device holding mm_count: the exit completes (seed 004)",
	  sva_prog_cycle_size,
	  sva_prog_cycle_init,
	  0,
	  { "fd-mm-clean", sva_prog_cycle_setup, sva_prog_cycle_check, sva_prog_cycle_teardown,
	    NULL, false },
	  sva_prog_cycle_summarize,
	  sva_prog_cycle_outcome },
	{ "pasid-lifetime",
	  "bound DMA, exit while bound (silent abort), unbind, the PASID back (seed 003)",
	  sva_prog_life_size,
	  NULL,
	  0,
	  { "pasid-lifetime", sva_prog_life_setup, sva_prog_life_check, sva_prog_life_teardown,
	    NULL, false },
	  sva_prog_life_summarize,
	  sva_prog_life_outcome },
	{ "test-null-deref",
	  "for testing the explorer: a NULL dereference in one interleaving",
	  sva_prog_fault_size,
	  sva_prog_fault_init,
	  SVA_PROG_FAULT_NULL_DEREF,
	  { "test-null-deref", sva_prog_fault_setup, NULL, NULL, NULL, false },
	  NULL,
	  NULL },
	{ "test-stack-overflow",
	  "for testing the explorer: a fiber's stack overflows in one interleaving",
	  sva_prog_fault_size,
	  sva_prog_fault_init,
	  SVA_PROG_FAULT_OVERFLOW,
	  { "test-stack-overflow", sva_prog_fault_setup, NULL, NULL, NULL, false },
	  NULL,
	  NULL },
	{ "test-livelock",
	  "for testing the explorer: a consumer polls for ever in one interleaving",
	  sva_prog_fault_size,
	  sva_prog_fault_init,
	  SVA_PROG_FAULT_LIVELOCK,
	  { "test-livelock", sva_prog_fault_setup, NULL, NULL, NULL, false },
	  NULL,
	  NULL },
	{ "test-hang",
	  "for testing the explorer: an actor spins with no scheduling point in one interleaving",
	  sva_prog_fault_size,
	  sva_prog_fault_init,
	  SVA_PROG_FAULT_HANG,
	  { "test-hang", sva_prog_fault_setup, NULL, NULL, NULL, false },
	  NULL,
	  NULL },
};

#define SVA_TOOL_NPROGRAMS (sizeof(sva_tool_programs) / sizeof(sva_tool_programs[0]))

static const struct sva_tool_program_def *sva_tool_def_find(const char *name)
{
	for (size_t i = 0; i < SVA_TOOL_NPROGRAMS; i++)
		if (strcmp(sva_tool_programs[i].name, name) == 0)
			return &sva_tool_programs[i];
	return NULL;
}

int sva_tool_program_instance(const char *name, struct sva_tool_program *out, void **storage,
			      char *err, size_t err_len)
{
	const struct sva_tool_program_def *d = sva_tool_def_find(name);
	void *state;

	if (!d && access(name, F_OK) == 0)
		return sva_tool_scenario_instance(name, NULL, out, storage, err, err_len);
	if (!d) {
		snprintf(err, err_len, "no program or scenario file '%s'; see `sva programs`",
			 name);
		return -ENOENT;
	}
	state = calloc(1, d->state_size());
	if (!state)
		return -ENOMEM;
	if (d->init)
		d->init(state, d->param);
	out->name = d->name;
	out->summary = d->summary;
	out->program = d->program;
	out->program.arg = state;
	out->summarize = d->summarize;
	out->release = NULL;
	out->outcome = d->outcome;
	*storage = state;
	return 0;
}

void sva_tool_program_release(struct sva_tool_program *p, void *storage)
{
	if (p->release)
		p->release(storage);
	else
		free(storage);
}

void sva_tool_programs_list(FILE *out)
{
	for (size_t i = 0; i < SVA_TOOL_NPROGRAMS; i++) {
		fprintf(out, "  %-20s ", sva_tool_programs[i].name);
		sva_cli_wrap(out, sva_tool_programs[i].summary, 23, 23, 100);
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * The explorer: every schedule of a closed program with at most K preemptions, depth first
 * (the CHESS observation: few preemptions find most concurrency bugs).
 *
 * Each schedule runs in a fresh sim world. The world replays a prefix of decisions and then
 * continues non-preemptively (the running actor goes on until it blocks or ends), recording
 * every decision with the actors that could have run. To backtrack, take the deepest decision
 * that still has an untried alternative within the preemption budget, and replay up to it with
 * that alternative. Choosing another actor while the current one could go on costs one
 * preemption; choosing after it blocked or ended is free.
 *
 * Only the run itself is explored: once sva_world_run() returns, the program's check and
 * teardown (which may still wake actors: flushes, joins) run settled - no decision recorded.
 *
 * A schedule fails when the check says so, the world reported a problem (deadlock, lock or
 * refcount misuse, a spent step budget: a livelock), or objects of the program leaked.
 *
 * Instead of the enumeration, PCT (pct.c): each run gets random priorities and change points.
 * Either can be split into shards that cover it exactly once (shard.c). Between schedules the
 * loop stops at max_schedules, at the wall-clock budget, or when *interrupt is set (a signal
 * handler); live tells a crash handler which world is running.
 *
 * Partial-order reduction (sleep sets, on unless config->no_por; the enumeration only, unsharded):
 * each decision record carries the actors asleep there and the footprint of the chosen actor's
 * step (por.c). Backtracking never tries a sleeping actor; the alternatives already explored at
 * each decision of the prefix are kept here (struct sva_por_done, a stack by depth) and handed
 * to the next run, which puts them to sleep as it replays. A run that reaches a point where
 * every runnable actor sleeps is abandoned and counted as redundant, not as a schedule. Shards
 * skip subtrees without running them, so the footprints of their steps are unknown: a sharded
 * enumeration runs without POR, as PCT does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shard.h"

/* Free stacks kept between schedules: a world's actors, with room for forks. */
#define SVA_EXPLORE_STACKS 64

struct sva_run_outcome {
	bool failed;
	struct sva_decision *decisions; /* malloc'd copy */
	size_t ndecisions;
	char *schedule;
	size_t schedule_len;
	char *msg;
	size_t msg_len;
	sva_run_observer observe;
	void *observe_ctx;
	struct sva_explore_live *live;	 /* told which world runs */
	const struct sva_por_plan *plan; /* POR on when set (sim) */
	bool redundant;			 /* abandoned by POR: no verdict */
};

static bool sva_program_verdict(struct sva_world *w, const struct sva_program *p, int run,
				char *msg, size_t len)
{
	int chk = 0;
	char leaks[256];

	msg[0] = '\0';
	if (p->check)
		chk = p->check(w, p->arg, run, msg, len);
	if (p->teardown)
		p->teardown(w, p->arg);
	if (sva_report_count(w, SVA_REPORT_STEP_BUDGET)) { /* a livelock, whatever was expected */
		snprintf(msg, len, "%s", sva_report_first(w));
		return true;
	}
	if (chk) {
		if (!msg[0])
			snprintf(msg, len, "check failed: %s", sva_strerror(chk));
		return true;
	}
	if (p->check_judges_outcome)
		return false;
	if (sva_report_total(w)) {
		snprintf(msg, len, "%s", sva_report_first(w));
		return true;
	}
	if (run) {
		snprintf(msg, len, "run ended with %s", sva_strerror(run));
		return true;
	}
	if (sva_alloc_describe_live(w, sva_obj_machinery, leaks, sizeof(leaks))) {
		snprintf(msg, len, "leak: %s", leaks);
		return true;
	}
	return false;
}

static int sva_program_run(const struct sva_world_config *config, const struct sva_program *p,
			   struct sva_run_outcome *out)
{
	struct sva_world *w;
	int ret, run;

	ret = sva_world_create(config, &w);
	if (ret)
		return ret;
	if (out->live)
		atomic_store(&out->live->world, w);
	if (out->plan && w->sched->sim)
		sva_sim_por_start(w->sched, out->plan);
	ret = p->setup(w, p->arg);
	if (ret) {
		if (out->msg_len)
			snprintf(out->msg, out->msg_len, "setup of %s failed: %s",
				 p->name ? p->name : "program", sva_strerror(ret));
		if (out->live)
			atomic_store(&out->live->world, NULL);
		sva_world_destroy(w);
		return ret;
	}
	run = sva_world_run(w);
	if (w->sched->sim)
		w->sched->settled = true; /* the check's own scheduling is not explored */
	out->failed = sva_program_verdict(w, p, run, out->msg, out->msg_len);
	out->redundant = w->sched->sim && w->sched->redundant;
	if (out->redundant) /* cut short on purpose: its continuations were explored */
		out->failed = false;
	if (out->schedule_len)
		sva_world_schedule(w, out->schedule, out->schedule_len);
	if (w->sched->sim && out->decisions) {
		size_t n = w->sched->ndecisions;
		struct sva_decision *d = realloc(out->decisions, (n ? n : 1) * sizeof(*d));

		if (d) {
			if (n) /* a run may take no decision at all */
				memcpy(d, w->sched->decisions, n * sizeof(*d));
			out->decisions = d;
			out->ndecisions = n;
		}
	}
	if (out->observe)
		out->observe(out->observe_ctx, w, out->failed, out->msg);
	if (out->live)
		atomic_store(&out->live->world, NULL);
	sva_world_destroy(w);
	return 0;
}

static int sva_program_run_with(const struct sva_world_config *config,
				const struct sva_program *program, char *schedule,
				size_t schedule_len, sva_run_observer observe, void *ctx, char *msg,
				size_t msg_len)
{
	char dummy[1];
	struct sva_run_outcome out = {
		.schedule = schedule,
		.schedule_len = schedule_len,
		.msg = msg ? msg : dummy,
		.msg_len = msg ? msg_len : sizeof(dummy),
		.observe = observe,
		.observe_ctx = ctx,
	};
	int ret = sva_program_run(config, program, &out);

	if (ret)
		return ret;
	return out.failed ? -EFAULT : 0;
}

int sva_program_run_once(const struct sva_world_config *config, const struct sva_program *program,
			 char *schedule, size_t schedule_len, char *msg, size_t msg_len)
{
	return sva_program_run_with(config, program, schedule, schedule_len, NULL, NULL, msg,
				    msg_len);
}

int sva_program_run_observed(const struct sva_world_config *config,
			     const struct sva_program *program, sva_run_observer observe, void *ctx,
			     char *msg, size_t msg_len)
{
	return sva_program_run_with(config, program, NULL, 0, observe, ctx, msg, msg_len);
}

/* The options of decision @d in enumeration order: the default first, then by id. */
static unsigned sva_decision_options(const struct sva_decision *d, uint16_t *opt)
{
	unsigned n = 0;
	int def = d->current >= 0 ? d->current : __builtin_ctzll(d->runnable);

	opt[n++] = (uint16_t)def;
	for (int id = 0; id < 64; id++)
		if ((d->runnable & (1ull << id)) && id != def)
			opt[n++] = (uint16_t)id;
	return n;
}

/*
 * The alternatives explored so far at each decision of the current prefix, with the
 * footprints their steps had: a stack, level by level (only the deepest level grows).
 */
struct sva_por_done {
	uint32_t *first, *n; /* per decision */
	struct sva_sleeper *done;
	size_t ndone, done_cap;
	size_t levels; /* decisions with a valid first/n */
};

/* Decision @d of the last run is left for another alternative: remember what it ran. */
static int sva_por_done_push(struct sva_por_done *pd, const struct sva_decision *dec, size_t d)
{
	if (pd->ndone == pd->done_cap) {
		size_t cap = pd->done_cap ? pd->done_cap * 2 : 256;
		struct sva_sleeper *n = realloc(pd->done, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		pd->done = n;
		pd->done_cap = cap;
	}
	pd->done[pd->ndone].actor = (int16_t)dec[d].chosen;
	pd->done[pd->ndone].fp = dec[d].fp;
	pd->ndone++;
	pd->n[d]++;
	return 0;
}

/* The levels a run of @n decisions reached beyond the prefix start with nothing explored. */
static void sva_por_done_extend(struct sva_por_done *pd, size_t n)
{
	for (; pd->levels < n; pd->levels++) {
		pd->first[pd->levels] = (uint32_t)pd->ndone;
		pd->n[pd->levels] = 0;
	}
}

/*
 * Next prefix after a run that took @dec: 1, or 0 when the tree within @bound is exhausted, or
 * -ENOMEM. @pre is scratch space for the preemption counts. With @pd (POR), sleeping actors are
 * no alternative, and the alternative taken at decision d puts the one it replaces on d's list.
 */
static int sva_explore_backtrack(const struct sva_decision *dec, size_t n, unsigned bound,
				 unsigned *pre, struct sva_decision *prefix, size_t *nprefix,
				 struct sva_por_done *pd)
{
	uint16_t opt[64];

	for (size_t i = 0, p = 0; i < n; i++) {
		pre[i] = (unsigned)p;
		p += dec[i].current >= 0 && dec[i].chosen != dec[i].current;
	}
	if (pd)
		sva_por_done_extend(pd, n);
	for (size_t d = n; d-- > 0;) {
		unsigned nopt = sva_decision_options(&dec[d], opt);
		unsigned idx = 0;
		uint64_t asleep = pd ? dec[d].sleep : 0;

		while (idx < nopt && opt[idx] != dec[d].chosen)
			idx++;
		for (unsigned j = idx + 1; j < nopt; j++) {
			unsigned cost = dec[d].current >= 0 && opt[j] != dec[d].current;

			if (pre[d] + cost > bound || (asleep & (1ull << opt[j])))
				continue;
			memcpy(prefix, dec, d * sizeof(*dec));
			prefix[d] = dec[d];
			prefix[d].chosen = opt[j];
			*nprefix = d + 1;
			if (pd) {
				pd->levels = d + 1; /* deeper levels belong to the old subtree */
				pd->ndone = pd->first[d] + pd->n[d];
				if (sva_por_done_push(pd, dec, d))
					return -ENOMEM;
			}
			return 1;
		}
	}
	return 0;
}

struct sva_explorer {
	struct sva_run_outcome out;
	struct sva_decision *prefix;
	unsigned *pre;
	size_t nprefix, cap;
	char *prefix_str;
	size_t prefix_str_len;
	struct sva_stack_cache *stacks; /* ours, when the caller gave none */
	struct sva_shard shard;
	unsigned long pct_run; /* PCT: index of the run about to start */
	struct timespec t0;
	struct sva_por_done pd;
	struct sva_por_plan plan;
	bool por; /* partial-order reduction in this exploration */
	char msg[1024];
	char *schedule; /* the last run's, whole */
	size_t schedule_cap;
};

static int sva_explorer_grow(struct sva_explorer *x, size_t n)
{
	void *a, *b, *c, *d;

	if (n <= x->cap)
		return 0;
	a = realloc(x->prefix, n * sizeof(*x->prefix));
	if (a)
		x->prefix = a;
	b = realloc(x->pre, n * sizeof(*x->pre));
	if (b)
		x->pre = b;
	c = realloc(x->pd.first, n * sizeof(*x->pd.first));
	if (c)
		x->pd.first = c;
	d = realloc(x->pd.n, n * sizeof(*x->pd.n));
	if (d)
		x->pd.n = d;
	if (!a || !b || !c || !d)
		return -ENOMEM;
	x->cap = n;
	return 0;
}

/* The schedule string of @n decisions into *@buf (of *@cap bytes, grown to fit). */
static int sva_explorer_encode(const struct sva_decision *d, size_t n, char **buf, size_t *cap)
{
	size_t need = sva_schedule_encode(d, n, NULL, 0) + 1;

	if (need > *cap) {
		char *s = realloc(*buf, need);

		if (!s)
			return -ENOMEM;
		*buf = s;
		*cap = need;
	}
	sva_schedule_encode(d, n, *buf, *cap);
	return 0;
}

static int sva_explorer_prefix_string(struct sva_explorer *x)
{
	return sva_explorer_encode(x->prefix, x->nprefix, &x->prefix_str, &x->prefix_str_len);
}

static void sva_explorer_free(struct sva_explorer *x)
{
	sva_shard_free(&x->shard);
	free(x->out.decisions);
	free(x->prefix);
	free(x->pre);
	free(x->prefix_str);
	free(x->schedule);
	free(x->pd.first);
	free(x->pd.n);
	free(x->pd.done);
	sva_stack_cache_destroy(x->stacks);
}

/* The plan of the next run: what was explored at each decision of its prefix. */
static void sva_explorer_plan(struct sva_explorer *x, unsigned bound)
{
	x->plan.first = x->pd.first;
	x->plan.n = x->pd.n;
	x->plan.done = x->pd.done;
	x->plan.ndecisions = x->nprefix < x->pd.levels ? x->nprefix : x->pd.levels;
	x->plan.bound = bound;
	x->out.plan = &x->plan;
}

static double sva_explore_elapsed(const struct sva_explorer *x)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - x->t0.tv_sec) + (double)(now.tv_nsec - x->t0.tv_nsec) / 1e9;
}

/* Whether to stop before the next schedule; the reason in @res. */
static bool sva_explore_stopping(const struct sva_explore_config *c, struct sva_explorer *x,
				 struct sva_explore_result *res)
{
	int irq = c->interrupt ? atomic_load(c->interrupt) : 0;

	if (irq) {
		res->stop = SVA_EXPLORE_STOP_INTERRUPT;
		res->interrupt = irq;
	} else if (c->max_schedules && res->schedules + res->redundant >= c->max_schedules) {
		res->stop = SVA_EXPLORE_STOP_MAX;
	} else if (c->seconds > 0 && sva_explore_elapsed(x) >= c->seconds) {
		res->stop = SVA_EXPLORE_STOP_SECONDS;
	} else {
		return false;
	}
	return true;
}

/* The world of the next run: the prefix to replay, or PCT's parameters. */
static int sva_explore_prepare(const struct sva_explore_config *c, struct sva_explorer *x,
			       const struct sva_explore_result *res, struct sva_world_config *wc)
{
	int ret = sva_explorer_prefix_string(x);

	wc->schedule = x->prefix_str;
	if (c->pct_depth && x->pct_run) {
		wc->pct_depth = c->pct_depth;
		wc->pct_steps = res->pct_steps;
		wc->seed = c->world.seed + x->pct_run;
	}
	x->out.msg = x->msg;
	x->out.msg_len = sizeof(x->msg);
	x->out.plan = NULL;
	if (x->por)
		sva_explorer_plan(x, c->preemption_bound);
	return ret; /* the run's schedule string is made from its decisions, if counted */
}

/* A hash of the run's choices, for the checksum that shards' results add up to. */
static uint64_t sva_explore_hash(const struct sva_decision *d, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;

	for (size_t i = 0; i < n; i++)
		h = (h ^ d[i].chosen) * 0x100000001b3ull;
	h ^= h >> 33;
	return h * 0xff51afd7ed558ccdull;
}

/* Whether the run just done is this process's to count (a shard's own). */
static bool sva_explore_owned(const struct sva_explore_config *c, const struct sva_explorer *x)
{
	if (c->pct_depth)
		return !c->shard_count || x->pct_run % c->shard_count == c->shard_index;
	return sva_shard_owns(&x->shard, x->prefix);
}

static int sva_explore_count(const struct sva_explore_config *c, struct sva_explorer *x,
			     struct sva_explore_result *res)
{
	int ret = sva_explorer_encode(x->out.decisions, x->out.ndecisions, &x->schedule,
				      &x->schedule_cap);

	if (ret)
		return ret;
	res->schedules++;
	res->checksum += sva_explore_hash(x->out.decisions, x->out.ndecisions);
	if (x->out.failed && res->failures++ == 0) {
		snprintf(res->schedule, sizeof(res->schedule), "%s", x->schedule);
		snprintf(res->message, sizeof(res->message), "%s", x->msg);
	}
	if (c->live) {
		atomic_store(&c->live->schedules, res->schedules);
		atomic_store(&c->live->failures, res->failures);
	}
	if (c->on_schedule)
		c->on_schedule(c->schedule_ctx, x->schedule, x->out.failed);
	if (c->progress && c->progress_every && res->schedules % c->progress_every == 0)
		c->progress(c->progress_ctx, res->schedules, res->failures);
	return 0;
}

/* PCT's next run: the next one this shard owns; false after the last. */
static bool sva_explore_next_pct(const struct sva_explore_config *c, struct sva_explorer *x,
				 struct sva_explore_result *res)
{
	if (x->pct_run == 0) /* k: the default schedule's length (PCT's runs are longer) */
		res->pct_steps = x->out.ndecisions ? x->out.ndecisions : 1;
	do
		x->pct_run++;
	while (c->shard_count && x->pct_run % c->shard_count != c->shard_index);
	if (x->pct_run < c->pct_runs)
		return true;
	res->stop = SVA_EXPLORE_STOP_RUNS;
	return false;
}

/* Backtrack from @dec into the next prefix; false when the tree is exhausted. */
static bool sva_explore_branch(const struct sva_explore_config *c, struct sva_explorer *x,
			       const struct sva_decision *dec, size_t n, int *ret)
{
	int more = sva_explore_backtrack(dec, n, c->preemption_bound, x->pre, x->prefix,
					 &x->nprefix, x->por ? &x->pd : NULL);

	if (more <= 0) {
		*ret = more;
		return false;
	}
	*ret = sva_shard_branched(&x->shard, x->nprefix);
	return *ret == 0;
}

/*
 * The enumeration's next prefix after the run just done; false when the tree is exhausted (or
 * on an error, in @ret). A shard backtracks past the subtrees other shards own, unrun.
 */
static bool sva_explore_next(const struct sva_explore_config *c, struct sva_explorer *x,
			     struct sva_explore_result *res, int *ret)
{
	bool more;

	if (c->pct_depth)
		return sva_explore_next_pct(c, x, res);
	if (c->shard_count && !x->shard.depth)
		sva_shard_choose_depth(&x->shard, x->out.decisions, x->out.ndecisions,
				       c->preemption_bound);
	more = sva_explore_branch(c, x, x->out.decisions, x->out.ndecisions, ret);
	while (more && sva_shard_skips(&x->shard, x->prefix)) {
		/* backtrack from the prefix as if it had run: the run's buffer holds a copy */
		struct sva_decision *d = realloc(x->out.decisions, x->nprefix * sizeof(*d));

		if (!d) {
			*ret = -ENOMEM;
			return false;
		}
		memcpy(d, x->prefix, x->nprefix * sizeof(*d));
		x->out.decisions = d;
		x->out.ndecisions = x->nprefix;
		more = sva_explore_branch(c, x, d, x->nprefix, ret);
	}
	if (!more && *ret == 0)
		res->stop = SVA_EXPLORE_EXHAUSTED;
	return more;
}

int sva_explore(const struct sva_explore_config *config, const struct sva_program *program,
		struct sva_explore_result *res)
{
	struct sva_explorer x = { .nprefix = 0 };
	struct sva_world_config wc = config->world;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	if (config->shard_count && config->shard_index >= config->shard_count)
		return -EINVAL;
	sva_shard_init(&x.shard, config->shard_index, config->shard_count);
	clock_gettime(CLOCK_MONOTONIC, &x.t0);
	wc.backend = SVA_BACKEND_SIM;
	wc.nonpreemptive = true;
	if (!wc.stack_cache) { /* every schedule's world reuses the same stacks */
		ret = sva_stack_cache_create(SVA_EXPLORE_STACKS, &x.stacks);
		if (ret)
			return ret;
		wc.stack_cache = x.stacks;
	}
	x.out.decisions = malloc(sizeof(*x.out.decisions));
	x.out.live = config->live;
	x.por = !config->no_por && !config->pct_depth && !config->shard_count;
	if (!x.out.decisions || sva_explorer_grow(&x, 64)) {
		sva_explorer_free(&x);
		return -ENOMEM;
	}
	while (!sva_explore_stopping(config, &x, res)) {
		bool owned;

		ret = sva_explore_prepare(config, &x, res, &wc);
		if (ret == 0)
			ret = sva_program_run(&wc, program, &x.out);
		if (ret) {
			snprintf(res->message, sizeof(res->message), "%s", x.msg);
			break;
		}
		if (x.out.ndecisions > res->max_decisions)
			res->max_decisions = x.out.ndecisions;
		owned = sva_explore_owned(config, &x);
		if (x.out.redundant) /* cut short by POR: its continuations were explored */
			res->redundant++;
		else if (owned)
			ret = sva_explore_count(config, &x, res);
		else
			res->uncounted++;
		if (ret)
			break;
		if (owned && x.out.failed && !config->keep_going) {
			res->stop = SVA_EXPLORE_STOP_VIOLATION;
			break;
		}
		ret = sva_explorer_grow(&x, x.out.ndecisions + 1);
		if (ret || !sva_explore_next(config, &x, res, &ret))
			break;
	}
	res->exhausted = !ret && res->stop == SVA_EXPLORE_EXHAUSTED;
	res->shard_depth = x.shard.depth;
	sva_explorer_free(&x);
	return ret;
}

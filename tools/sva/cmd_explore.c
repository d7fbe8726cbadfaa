/* SPDX-License-Identifier: MIT */
/*
 * sva explore: every schedule of a program with at most K preemptions (or --pct D: N runs of
 * probabilistic concurrency testing), and what it prints so that no failure is lost.
 *
 * Output, on stdout: for a failure, its message, its schedule and the `sva replay` line that
 * reproduces it (same file, same --variant, same --max-steps); with --shard, one machine-
 * readable line (`shard I/N: key=value...`, read back by `sva explore --merge`); last, the
 * stop line: how it ended (exhausted, or stopped at --max, --seconds, the first violation, a
 * signal, a crash; PCT: its --runs done) with the counts. --list prints every schedule
 * explored (`explored 'SCHEDULE'`). Progress on stderr, about once a second, when it is a tty.
 *
 * Exit codes: 1 when a schedule failed (a violation, a crash, a livelock) - whatever else
 * stopped the exploration; otherwise 0 (exhausted, --max, --seconds, --runs), or 128 + the
 * signal when SIGINT or SIGTERM stopped it (the shell's convention: a caller sees that the
 * exploration did not finish); 2 for a usage error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "programs.h"

#define SVA_PCT_DEFAULT_RUNS 1000

struct sva_explore_ui {
	bool tty;
	bool progressed;	  /* a progress line is on the terminal */
	struct timespec t0, last; /* start, last progress line */
	bool list;		  /* --list */
	char *first;		  /* the first failing schedule, whole (the result's may be cut) */
};

static double sva_explore_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* Called after every schedule: a progress line when a second has passed since the last one. */
static void sva_explore_progress(void *ctx, unsigned long schedules, unsigned long failures)
{
	struct sva_explore_ui *ui = ctx;

	if (sva_explore_since(&ui->last) < 1.0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ui->last);
	fprintf(stderr, "\rexplore: %lu schedules, %lu failing, %.0f s", schedules, failures,
		sva_explore_since(&ui->t0));
	fflush(stderr);
	ui->progressed = true;
}

static void sva_explore_schedule(void *ctx, const char *schedule, bool failed)
{
	struct sva_explore_ui *ui = ctx;

	if (ui->list)
		printf("explored '%s'%s\n", schedule, failed ? " failed" : "");
	if (failed && !ui->first)
		ui->first = strdup(schedule); /* NULL: the result's copy is printed */
}

/* "  replay: sva replay [--variant V] [--max-steps N] NAME '" - the schedule follows. */
static void sva_explore_replay_prefix(const char *name, const struct sva_run_args *a, char *buf,
				      size_t len)
{
	char steps[48] = "";

	if (a->max_steps_given)
		snprintf(steps, sizeof(steps), " --max-steps %llu",
			 (unsigned long long)a->wc.max_steps);
	snprintf(buf, len, "  replay: sva replay%s%s%s%s %s '", a->wc.variant ? " --variant " : "",
		 a->wc.variant ? sva_variant_info(a->wc.variant)->name : "", steps,
		 a->wc.race_check ? " --races" : "", name);
}

/* "explore NAME (design), K=2[, shard I/N]: " - what the stop line says first. */
static void sva_explore_head(const char *name, const struct sva_run_args *a, char *buf, size_t len)
{
	const char *design = sva_variant_info(a->wc.variant)->name;
	char shard[48] = "";

	if (a->shard_count)
		snprintf(shard, sizeof(shard), ", shard %lu/%lu", a->shard_index, a->shard_count);
	if (a->pct)
		snprintf(buf, len, "explore %s (%s), PCT depth %lu, seed %llu%s: ", name, design,
			 a->pct, (unsigned long long)a->wc.seed, shard);
	else
		snprintf(buf, len, "explore %s (%s), K=%lu%s: ", name, design, a->k, shard);
}

static const char *sva_explore_stop_key(enum sva_explore_stop stop)
{
	static const char *const keys[] = {
		[SVA_EXPLORE_EXHAUSTED] = "exhausted",	    [SVA_EXPLORE_STOP_MAX] = "max",
		[SVA_EXPLORE_STOP_RUNS] = "runs",	    [SVA_EXPLORE_STOP_SECONDS] = "seconds",
		[SVA_EXPLORE_STOP_VIOLATION] = "violation", [SVA_EXPLORE_STOP_INTERRUPT] = "signal",
	};

	return (unsigned)stop < sizeof(keys) / sizeof(keys[0]) ? keys[stop] : "?";
}

/* How it ended, for the stop line. */
static void sva_explore_status(const struct sva_explore_result *res, const struct sva_run_args *a,
			       char *buf, size_t len)
{
	switch (res->stop) {
	case SVA_EXPLORE_EXHAUSTED:
		snprintf(buf, len, "exhausted (every schedule within the bound)");
		break;
	case SVA_EXPLORE_STOP_MAX:
		snprintf(buf, len, "stopped at --max %lu", a->max);
		break;
	case SVA_EXPLORE_STOP_RUNS:
		snprintf(buf, len, "ran --runs %lu (k = %lu decisions)", a->runs, res->pct_steps);
		break;
	case SVA_EXPLORE_STOP_SECONDS:
		snprintf(buf, len, "stopped at --seconds %lu", a->seconds);
		break;
	case SVA_EXPLORE_STOP_VIOLATION:
		snprintf(buf, len, "stopped at the first violation");
		break;
	case SVA_EXPLORE_STOP_INTERRUPT:
		snprintf(buf, len, "stopped by %s",
			 res->interrupt == SIGINT    ? "SIGINT"
			 : res->interrupt == SIGTERM ? "SIGTERM"
						     : "a signal");
		break;
	}
}

static void sva_explore_print(const struct sva_run_args *a, const struct sva_explore_result *res,
			      const struct sva_guard *g, const char *first)
{
	char status[128];

	if (res->failures)
		printf("  first failure: %s\n  schedule: %s\n%s%s'\n", res->message, first,
		       g->replay, first);
	if (a->shard_count)
		printf("shard %lu/%lu: schedules=%lu failures=%lu exhausted=%s stop=%s "
		       "checksum=%016llx uncounted=%lu depth=%u first=%s%s%s\n",
		       a->shard_index, a->shard_count, res->schedules, res->failures,
		       res->exhausted ? "yes" : "no", sva_explore_stop_key(res->stop),
		       (unsigned long long)res->checksum, res->uncounted, res->shard_depth,
		       res->failures ? "'" : "-", res->failures ? first : "",
		       res->failures ? "'" : "");
	sva_explore_status(res, a, status, sizeof(status));
	printf("%s%s: %lu schedules, %lu failing, longest %lu decisions", g->head, status,
	       res->schedules, res->failures, res->max_decisions);
	if (res->redundant)
		printf(", %lu redundant runs cut short (partial-order reduction)", res->redundant);
	printf("\n");
}

/* The exit code of an exploration that ended as @res says. */
static int sva_explore_exit(const struct sva_explore_result *res)
{
	if (res->failures)
		return SVA_EXIT_VIOLATION;
	if (res->stop == SVA_EXPLORE_STOP_INTERRUPT)
		return 128 + res->interrupt;
	return SVA_EXIT_OK;
}

static void sva_explore_config(const struct sva_run_args *a, struct sva_guard *g,
			       struct sva_explore_ui *ui, struct sva_explore_config *cfg)
{
	*cfg = (struct sva_explore_config){
		.preemption_bound = (unsigned)a->k,
		.max_schedules = a->max,
		.keep_going = a->keep_going,
		.no_por = a->no_por,
		.world = a->wc,
		.seconds = (double)a->seconds,
		.interrupt = &g->interrupt,
		.live = &g->live,
		.pct_depth = (unsigned)a->pct,
		.pct_runs = a->pct ? (a->runs ? a->runs : SVA_PCT_DEFAULT_RUNS) : 0,
		.shard_index = (unsigned)a->shard_index,
		.shard_count = (unsigned)a->shard_count,
		.on_schedule = sva_explore_schedule,
		.schedule_ctx = ui,
	};
	cfg->world.quiet = true; /* the failure is printed below, once */
	if (ui->tty) {
		cfg->progress = sva_explore_progress;
		cfg->progress_ctx = ui;
		cfg->progress_every = 1; /* the callback looks at the clock */
	}
}

int sva_explore_program(const char *name, const struct sva_run_args *a,
			struct sva_explore_result *res)
{
	struct sva_explore_ui ui = { .tty = isatty(STDERR_FILENO), .list = a->list };
	struct sva_explore_config cfg;
	struct sva_tool_program prog;
	struct sva_guard *g = calloc(1, sizeof(*g));
	char head[sizeof(g->head)], replay[sizeof(g->replay)];
	void *storage;
	int ret;

	if (!g)
		return sva_cli_error("explore: out of memory");
	ret = sva_show_instance(name, NULL, &prog, &storage);
	if (ret) {
		free(g);
		return ret;
	}
	sva_explore_head(name, a, head, sizeof(head));
	sva_explore_replay_prefix(name, a, replay, sizeof(replay));
	if (a->list) /* line by line: what was listed before a crash is not lost */
		setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &ui.t0);
	ui.last = ui.t0;
	if (sva_guard_arm(g, head, replay, a->seconds)) {
		sva_guard_disarm(g);
		sva_tool_program_release(&prog, storage);
		free(g);
		return sva_cli_error("explore: cannot install the signal handlers");
	}
	sva_explore_config(a, g, &ui, &cfg);
	ret = sva_explore(&cfg, &prog.program, res);
	sva_guard_disarm(g);
	sva_tool_program_release(&prog, storage);
	if (ui.progressed)
		fputc('\n', stderr); /* end the progress line */
	if (ret) {
		free(ui.first);
		free(g);
		return sva_cli_error("explore %s: %s", name,
				     res->message[0] ? res->message : sva_strerror(ret));
	}
	sva_explore_print(a, res, g, ui.first ? ui.first : res->schedule);
	free(ui.first);
	free(g);
	return sva_explore_exit(res);
}

int sva_cmd_explore(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM }, .k = 2 };
	struct sva_explore_result *res;
	int ret = sva_parse_args(argc, argv, SVA_CMD_EXPLORE, &a);

	if (ret)
		return ret;
	if (a.merge) {
		if (a.given & ~(1ull << SVA_OPT_MERGE))
			return sva_cli_error("explore: --merge takes the shards' files only");
		return sva_explore_merge(a.npos, a.pos);
	}
	if (a.npos != 1)
		return sva_cli_error("explore: needs one FILE (a scenario or a built-in program)");
	if (a.runs && !a.pct)
		return sva_cli_error("explore: --runs is PCT's (--pct D); the enumeration ends by "
				     "itself, or at --max N or --seconds S");
	if (sva_given(&a, SVA_OPT_SEED) && !a.pct)
		return sva_cli_error("explore: --seed is PCT's (--pct D); the enumeration has no "
				     "randomness");
	if (a.pct && sva_given(&a, SVA_OPT_K))
		return sva_cli_error("explore: -k bounds the enumeration; PCT (--pct D) has its "
				     "depth instead");
	res = malloc(sizeof(*res));
	if (!res)
		return sva_cli_error("explore: out of memory");
	ret = sva_explore_program(a.pos[0], &a, res);
	free(res);
	return ret;
}

/* ---- sva explore --merge: the shards' summary lines, added up ---- */

struct sva_merge {
	unsigned long count; /* N, from the first line */
	unsigned long seen;  /* shards read */
	unsigned char *have; /* by index */
	unsigned long schedules, failures, uncounted;
	unsigned long long checksum;
	bool exhausted;
	long first_shard; /* the lowest shard with a failure, -1 none */
	char first[4096];
};

/* One shard's line into @m; 0, or an error printed. */
static int sva_merge_line(struct sva_merge *m, const char *file, const char *line)
{
	unsigned long i, n, sch, fail, unc;
	unsigned long long sum;
	unsigned depth;
	char exh[8], stop[16], first[4096];

	if (sscanf(line,
		   "shard %lu/%lu: schedules=%lu failures=%lu exhausted=%7s stop=%15s "
		   "checksum=%llx uncounted=%lu depth=%u first=%4095s",
		   &i, &n, &sch, &fail, exh, stop, &sum, &unc, &depth, first) != 10)
		return sva_cli_error("merge: %s: not a shard's summary line: %s", file, line);
	if (!m->count) {
		m->count = n;
		m->have = calloc(n, 1);
		if (!m->have)
			return sva_cli_error("merge: out of memory");
	}
	if (n != m->count || i >= n)
		return sva_cli_error("merge: %s: shard %lu/%lu does not belong with /%lu", file, i,
				     n, m->count);
	if (m->have[i]++)
		return sva_cli_error("merge: %s: shard %lu/%lu given twice", file, i, n);
	m->seen++;
	m->schedules += sch;
	m->failures += fail;
	m->uncounted += unc;
	m->checksum += sum;
	m->exhausted &= strcmp(exh, "yes") == 0;
	if (fail && (m->first_shard < 0 || (long)i < m->first_shard)) {
		m->first_shard = (long)i;
		snprintf(m->first, sizeof(m->first), "%s", first);
	}
	return 0;
}

/* The summary line of a shard's output file; 0, or an error printed. */
static int sva_merge_file(struct sva_merge *m, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[8192];
	int ret = -1;

	if (!f)
		return sva_cli_error("merge: cannot read %s: %s", file, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "shard ", 6) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		ret = sva_merge_line(m, file, line);
		break;
	}
	fclose(f);
	return ret == -1 ? sva_cli_error("merge: %s has no shard summary line", file) : ret;
}

int sva_explore_merge(int nfiles, char **files)
{
	struct sva_merge m = { .exhausted = true, .first_shard = -1 };
	int ret = SVA_EXIT_OK;

	if (nfiles < 1)
		return sva_cli_error("explore --merge: needs the shards' output files");
	for (int i = 0; ret == SVA_EXIT_OK && i < nfiles; i++)
		ret = sva_merge_file(&m, files[i]) ? SVA_EXIT_USAGE : SVA_EXIT_OK;
	if (ret == SVA_EXIT_OK && m.seen != m.count)
		ret = sva_cli_error("merge: %lu of %lu shards given; the merge would not cover "
				    "the tree",
				    m.seen, m.count);
	free(m.have);
	if (ret)
		return ret;
	printf("merged %lu/%lu: schedules=%lu failures=%lu exhausted=%s checksum=%016llx "
	       "uncounted=%lu first=%s\n",
	       m.seen, m.count, m.schedules, m.failures, m.exhausted ? "yes" : "no", m.checksum,
	       m.uncounted, m.failures ? m.first : "-");
	printf("explore, %lu shards merged: %s: %lu schedules, %lu failing", m.count,
	       m.exhausted ? "exhausted" : "stopped", m.schedules, m.failures);
	if (m.failures)
		printf("; the first in shard %ld (its output has the replay line)", m.first_shard);
	printf("\n");
	return m.failures ? SVA_EXIT_VIOLATION : SVA_EXIT_OK;
}

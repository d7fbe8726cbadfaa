/* SPDX-License-Identifier: MIT */
/*
 * sva stress: a scenario (or built-in program) run again and again, each run in a fresh world,
 * until one fails or the budget - a number of runs, a number of seconds - is spent.
 *
 * Native (the default): real threads, real parallelism, whatever interleavings the machine
 * gives; a failure cannot be replayed, so its message is all there is. --sim: each run is a
 * sim world with the next seed (random schedules, as `sva run --seed`); a failure prints the
 * `sva replay` line that reproduces it. `sva bench` times the same loops on both backends and
 * the first schedules of the K=2 enumeration, as BENCH lines. The explorer enumerates few
 * preemptions; stress samples many. --trace / --timeline write the failing run's trace (Perfetto
 * JSON, SVG), the only record a native failure leaves.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "programs.h"

#define SVA_STRESS_DEFAULT_SECONDS 10

/* What the observer keeps of the failing run. */
struct sva_stress_failure {
	const struct sva_run_args *a;
	char schedule[4096];
	int write_err; /* writing its trace or timeline */
};

static double sva_stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The stress-specific checks of the shared options; the program's name and text. */
static int sva_stress_check_args(const char *cmd, struct sva_run_args *a, const char **name,
				 const char **text)
{
	if (a->npos > 1)
		return sva_cli_error("%s: one program at a time", cmd);
	*name = a->npos ? a->pos[0] : "nginx.sva";
	*text = a->npos ? NULL : sva_tool_nginx_scenario;
	if (a->wc.backend != SVA_BACKEND_SIM && sva_given(a, SVA_OPT_SEED))
		return sva_cli_error("%s: --seed needs --sim (native runs have no seed)", cmd);
	if (a->wc.backend == SVA_BACKEND_SIM && !sva_given(a, SVA_OPT_SEED))
		a->wc.seed = 1;
	if (!a->runs && !a->seconds)
		a->seconds = SVA_STRESS_DEFAULT_SECONDS;
	return SVA_EXIT_OK;
}

static bool sva_stress_budget_left(const struct sva_run_args *a, unsigned long runs, double t0)
{
	if (a->runs && runs >= a->runs)
		return false;
	return !a->seconds || sva_stress_now() - t0 < (double)a->seconds;
}

/* After each run, before its world goes: keep what a failure leaves. */
static void sva_stress_observe(void *ctx, struct sva_world *w, bool failed, const char *msg)
{
	struct sva_stress_failure *f = ctx;

	(void)msg;
	if (!failed)
		return;
	sva_world_schedule(w, f->schedule, sizeof(f->schedule));
	f->write_err = sva_show_export(w, f->a->o.trace, sva_trace_write_chrome_json);
	if (!f->write_err)
		f->write_err = sva_show_export(w, f->a->o.timeline, sva_timeline_write_svg);
}

/* Runs until the budget ends or one fails; 0, -EFAULT (failed: @msg, @f) or an error. */
static int sva_stress_loop(const struct sva_run_args *a, const struct sva_program *p,
			   unsigned long *runs, char *msg, size_t len, struct sva_stress_failure *f)
{
	struct sva_world_config wc = a->wc;
	bool progress = !a->o.quiet && isatty(STDERR_FILENO);
	double t0 = sva_stress_now();
	int ret = 0;

	wc.quiet = true;
	while (ret == 0 && sva_stress_budget_left(a, *runs, t0)) {
		ret = sva_program_run_observed(&wc, p, sva_stress_observe, f, msg, len);
		if (ret == 0 || ret == -EFAULT)
			++*runs;
		if (ret == 0 && wc.backend == SVA_BACKEND_SIM)
			wc.seed++;
		if (progress && *runs % 100 == 0)
			fprintf(stderr, "\rstress: %lu runs", *runs);
	}
	if (progress && *runs >= 100)
		fputc('\n', stderr);
	return ret;
}

int sva_cmd_stress(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_NATIVE } };
	struct sva_stress_failure f = { .a = &a };
	const char *name = NULL, *text = NULL, *variant;
	struct sva_tool_program prog;
	unsigned long runs = 0;
	char msg[1024];
	void *storage;
	double t;
	int ret = sva_parse_args(argc, argv, SVA_CMD_STRESS, &a);

	if (ret == 0)
		ret = sva_stress_check_args("stress", &a, &name, &text);
	if (ret == 0) /* opened before the runs: a path that cannot be written is said at once */
		ret = sva_show_open("stress", &a.o);
	if (ret)
		return ret;
	ret = sva_show_instance(name, text, &prog, &storage);
	if (ret) {
		sva_show_close(&a.o);
		return ret;
	}
	variant = sva_variant_info(a.wc.variant)->name;
	t = sva_stress_now();
	ret = sva_stress_loop(&a, &prog.program, &runs, msg, sizeof(msg), &f);
	t = sva_stress_now() - t;
	sva_tool_program_release(&prog, storage);
	sva_show_close(&a.o);
	if (ret && ret != -EFAULT)
		return sva_cli_error("stress %s: %s", name, msg[0] ? msg : sva_strerror(ret));
	printf("stress %s (%s, %s): %lu runs in %.1f s (%.0f runs/s), %s\n", name, variant,
	       a.wc.backend == SVA_BACKEND_SIM ? "sim" : "native", runs, t,
	       t > 0 ? (double)runs / t : 0.0, ret ? "1 failing" : "0 failing");
	if (!ret)
		return SVA_EXIT_OK;
	printf("  failure: %s\n", msg);
	if (a.wc.backend == SVA_BACKEND_SIM)
		printf("  replay: sva replay%s%s%s %s '%s'\n", a.wc.variant ? " --variant " : "",
		       a.wc.variant ? variant : "", a.wc.race_check ? " --races" : "", name,
		       f.schedule);
	if (f.write_err)
		return sva_cli_error("stress: cannot write the failing run's trace: %s",
				     sva_strerror(f.write_err));
	return SVA_EXIT_VIOLATION;
}

/* ---- sva bench: the same loops, timed ---- */

#define SVA_BENCH_DEFAULT_SECONDS 2
#define SVA_BENCH_EXPLORE_MAX	  5000

/* One "BENCH run.<backend>_per_s" line: runs of @p on @backend for @a's seconds. */
static int sva_bench_runs(struct sva_run_args *a, const struct sva_program *p,
			  enum sva_backend backend)
{
	struct sva_stress_failure f = { .a = a };
	unsigned long runs = 0;
	char msg[1024];
	double t = sva_stress_now();
	int ret;

	a->wc.backend = backend;
	a->wc.seed = backend == SVA_BACKEND_SIM ? 1 : 0;
	ret = sva_stress_loop(a, p, &runs, msg, sizeof(msg), &f);
	t = sva_stress_now() - t;
	if (ret) { /* a failing run is a violation found (1), anything else an error (2) */
		int err = sva_cli_error("bench: a %s run failed: %s",
					backend == SVA_BACKEND_SIM ? "sim" : "native",
					msg[0] ? msg : sva_strerror(ret));

		return ret == -EFAULT ? SVA_EXIT_VIOLATION : err;
	}
	printf("BENCH run.%s_per_s %.0f runs/s\n", backend == SVA_BACKEND_SIM ? "sim" : "native",
	       (double)runs / t);
	return SVA_EXIT_OK;
}

/* "BENCH explore.schedules_per_s": the first schedules of the K=2 enumeration. */
static int sva_bench_explore(const struct sva_run_args *a, const struct sva_program *p)
{
	struct sva_explore_config cfg = { .preemption_bound = 2,
					  .max_schedules = SVA_BENCH_EXPLORE_MAX,
					  .world = a->wc };
	struct sva_explore_result *res = malloc(sizeof(*res));
	double t;
	int ret;

	if (!res)
		return sva_cli_error("bench: %s", sva_strerror(-ENOMEM));
	cfg.world.quiet = true;
	t = sva_stress_now();
	ret = sva_explore(&cfg, p, res);
	t = sva_stress_now() - t;
	if (ret || res->failures) {
		int err = sva_cli_error("bench: exploring failed: %s",
					res->message[0] ? res->message : sva_strerror(ret));

		ret = ret ? err : SVA_EXIT_VIOLATION;
	} else {
		printf("BENCH explore.schedules_per_s %.0f schedules/s (%lu schedules%s)\n",
		       (double)res->schedules / t, res->schedules,
		       res->exhausted ? ", all at K=2" : "");
	}
	free(res);
	return ret;
}

int sva_cmd_bench(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_NATIVE } };
	const char *name = NULL, *text = NULL;
	struct sva_tool_program prog;
	void *storage;
	int ret = sva_parse_args(argc, argv, SVA_CMD_BENCH, &a);

	if (ret == 0) {
		if (!a.seconds)
			a.seconds = SVA_BENCH_DEFAULT_SECONDS;
		ret = sva_stress_check_args("bench", &a, &name, &text);
	}
	if (ret)
		return ret;
	a.o.quiet = true;
	ret = sva_show_instance(name, text, &prog, &storage);
	if (ret)
		return ret;
	ret = sva_bench_runs(&a, &prog.program, SVA_BACKEND_NATIVE);
	if (ret == 0)
		ret = sva_bench_runs(&a, &prog.program, SVA_BACKEND_SIM);
	if (ret == 0)
		ret = sva_bench_explore(&a, &prog.program);
	sva_tool_program_release(&prog, storage);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * sva run, sva replay, sva explore: run a program once (timeline, summary, verdict), re-run a
 * schedule, or enumerate schedules. With no program, `sva run` is the tour of what libsva does
 * today, and checks that each part does what it should (exit 1 otherwise).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "programs.h"

#define SVA_TIMELINE_MAX 400

struct sva_show {
	const struct sva_tool_program *prog;
	const struct sva_world_config *wc;
	bool quiet;
	const char *trace_path;
	int trace_err;
	bool diverged;
	char schedule[4096];
};

int sva_cli_parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 0);
	return (errno || *end) ? -EINVAL : 0;
}

static void sva_show_timeline(struct sva_world *w)
{
	size_t held = sva_trace_held(w);
	char *text = NULL;
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	sva_trace_write_text(w, f);
	fclose(f);
	printf("timeline (%zu events; step, actor, event):\n", held);
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (++lines > SVA_TIMELINE_MAX)
			continue;
		printf("  %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
	}
	if (lines > SVA_TIMELINE_MAX)
		printf("  ... %zu more events (--trace FILE.json keeps them all)\n",
		       lines - SVA_TIMELINE_MAX);
	free(text);
}

static void sva_show_observe(void *ctx, struct sva_world *w, bool failed, const char *msg)
{
	struct sva_show *s = ctx;

	sva_world_schedule(w, s->schedule, sizeof(s->schedule));
	s->diverged = sva_report_count(w, SVA_REPORT_SCHEDULE_DIVERGED) != 0;
	if (s->trace_path) {
		FILE *f = fopen(s->trace_path, "w");

		s->trace_err = f ? sva_trace_write_chrome_json(w, f) : -errno;
		if (f && fclose(f) && !s->trace_err)
			s->trace_err = -EIO;
	}
	if (s->quiet)
		return;
	sva_show_timeline(w);
	printf("summary:\n");
	printf("  %-28s %s\n", "backend",
	       sva_world_backend(w) == SVA_BACKEND_SIM ? "sim (deterministic)" : "native threads");
	if (sva_world_backend(w) == SVA_BACKEND_SIM) {
		printf("  %-28s %llu\n", "logical steps", (unsigned long long)sva_world_now(w));
		printf("  %-28s %lu\n", "context switches", sva_world_switches(w));
	}
	printf("  %-28s %lu\n", "trace events", sva_trace_recorded(w));
	if (s->prog->summarize)
		s->prog->summarize(s->prog->program.arg, stdout);
	printf("  %-28s %lu\n", "problems reported", sva_report_total(w));
	if (s->schedule[0])
		printf("  %-28s %s\n", "schedule", s->schedule);
	printf("verdict: %s%s\n", failed ? "VIOLATION: " : "clean", failed ? msg : "");
}

/* Run @name once; the exit code says clean (0), violation (1) or error (2). */
static int sva_show_run(const char *name, const struct sva_world_config *wc, bool quiet,
			const char *trace_path, char *schedule_out, size_t schedule_len)
{
	struct sva_tool_program prog;
	struct sva_show show = {
		.prog = &prog, .wc = wc, .quiet = quiet, .trace_path = trace_path
	};
	struct sva_world_config config = *wc;
	char msg[1024];
	void *storage;
	int ret;

	config.quiet = true; /* problems are printed once, in the verdict */

	ret = sva_tool_program_instance(name, &prog, &storage);
	if (ret)
		return sva_cli_error("no program '%s'; see `sva programs`", name);
	if (!quiet)
		printf("== %s: %s\n", prog.name, prog.summary);
	ret = sva_program_run_observed(&config, &prog.program, sva_show_observe, &show, msg,
				       sizeof(msg));
	sva_tool_program_release(storage);
	if (schedule_out)
		snprintf(schedule_out, schedule_len, "%s", show.schedule);
	if (ret && ret != -EFAULT)
		return sva_cli_error("%s: %s", msg[0] ? msg : name, sva_strerror(ret));
	if (show.diverged)
		return sva_cli_error("schedule does not fit program %s: %s", name, msg);
	if (show.trace_err)
		return sva_cli_error("cannot write trace %s: %s", trace_path,
				     sva_strerror(show.trace_err));
	if (trace_path && !quiet)
		printf("trace written to %s (Chrome Trace Event JSON; open it in Perfetto)\n",
		       trace_path);
	return ret ? SVA_EXIT_VIOLATION : SVA_EXIT_OK;
}

struct sva_run_args {
	struct sva_world_config wc;
	const char *trace_path;
	bool quiet;
	unsigned long k, max;
	bool keep_going;
	int first_arg; /* index of the first positional argument */
};

/* The options every command shares; unknown ones are a usage error naming them. */
static int sva_parse_args(int argc, char **argv, struct sva_run_args *a)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "native", no_argument, NULL, 'n' },
		{ "schedule", required_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "max", required_argument, NULL, 'm' },
		{ "keep-going", no_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:q", opts, NULL)) != -1) {
		unsigned long v = 0;

		if ((c == 's' || c == 'k' || c == 'm') && sva_cli_parse_ulong(optarg, &v))
			return sva_cli_error("%s: bad number '%s'", argv[0], optarg);
		switch (c) {
		case 's':
			a->wc.seed = v;
			break;
		case 'n':
			a->wc.backend = SVA_BACKEND_NATIVE;
			break;
		case 'S':
			a->wc.schedule = optarg;
			a->wc.nonpreemptive = true;
			break;
		case 't':
			a->trace_path = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'k':
			a->k = v;
			break;
		case 'm':
			a->max = v;
			break;
		case 'g':
			a->keep_going = true;
			break;
		default:
			return sva_cli_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	a->first_arg = optind;
	return SVA_EXIT_OK;
}

static int sva_tour(void);

int sva_cmd_run(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM, .seed = 1 } };
	int ret = sva_parse_args(argc, argv, &a);

	if (ret)
		return ret;
	if (a.first_arg == argc)
		return sva_tour();
	if (argc - a.first_arg > 1)
		return sva_cli_error("run: one program at a time");
	return sva_show_run(argv[a.first_arg], &a.wc, a.quiet, a.trace_path, NULL, 0);
}

int sva_cmd_replay(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM } };
	int ret = sva_parse_args(argc, argv, &a);

	if (ret)
		return ret;
	if (argc - a.first_arg != 2)
		return sva_cli_error("replay: needs PROGRAM and SCHEDULE");
	a.wc.schedule = argv[a.first_arg + 1];
	a.wc.nonpreemptive = true;
	return sva_show_run(argv[a.first_arg], &a.wc, a.quiet, a.trace_path, NULL, 0);
}

static void sva_explore_progress(void *ctx, unsigned long schedules, unsigned long failures)
{
	(void)ctx;
	fprintf(stderr, "\rexplored %lu schedules, %lu failing", schedules, failures);
	fflush(stderr);
}

/* Explore @name; print the result; the exit code as for run. */
static int sva_explore_program(const char *name, const struct sva_run_args *a,
			       struct sva_explore_result *res)
{
	struct sva_explore_config cfg = {
		.preemption_bound = (unsigned)a->k,
		.max_schedules = a->max,
		.keep_going = a->keep_going,
		.world = a->wc,
		.progress = sva_explore_progress,
		.progress_every = 10000,
	};
	struct sva_tool_program prog;
	void *storage;
	int ret;

	if (sva_tool_program_instance(name, &prog, &storage))
		return sva_cli_error("no program '%s'; see `sva programs`", name);
	cfg.world.quiet = true; /* the failure is printed below, once */
	if (!isatty(STDERR_FILENO))
		cfg.progress = NULL;
	ret = sva_explore(&cfg, &prog.program, res);
	sva_tool_program_release(storage);
	if (res->schedules >= cfg.progress_every)
		fputc('\n', stderr);
	if (ret)
		return sva_cli_error("explore %s: %s", name,
				     res->message[0] ? res->message : sva_strerror(ret));
	printf("explore %s, K=%lu: %lu schedules%s, longest %lu decisions, %lu failing\n", name,
	       a->k, res->schedules, res->exhausted ? " (all within the bound)" : " (stopped)",
	       res->max_decisions, res->failures);
	if (!res->failures)
		return SVA_EXIT_OK;
	printf("  first failure: %s\n  schedule: %s\n  replay: sva replay %s '%s'\n", res->message,
	       res->schedule, name, res->schedule);
	return SVA_EXIT_VIOLATION;
}

int sva_cmd_explore(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM }, .k = 2 };
	struct sva_explore_result *res;
	int ret = sva_parse_args(argc, argv, &a);

	if (ret)
		return ret;
	if (argc - a.first_arg != 1)
		return sva_cli_error("explore: needs one PROGRAM");
	if (a.wc.backend != SVA_BACKEND_SIM)
		return sva_cli_error("explore: runs on the sim backend only");
	res = malloc(sizeof(*res));
	if (!res)
		return sva_cli_error("explore: out of memory");
	ret = sva_explore_program(argv[a.first_arg], &a, res);
	free(res);
	return ret;
}

/* The tour: each step says what it shows and whether libsva did it. */
static int sva_tour(void)
{
	struct sva_run_args lost = { .k = 1 }, locked = { .k = 2 }, abba = { .k = 1 };
	struct sva_world_config churn = { .backend = SVA_BACKEND_SIM, .seed = 1 };
	struct sva_world_config replay = { .backend = SVA_BACKEND_SIM, .nonpreemptive = true };
	struct sva_explore_result *res = malloc(sizeof(*res));
	char schedule[4096];
	int bad = 0;

	if (!res)
		return sva_cli_error("run: out of memory");
	printf("libsva %s: the foundation (worlds, the sim scheduler, the explorer, the global "
	       "PASID space), the kernel substrate (mm, processes, files), the IOMMU core and a "
	       "software IOMMU\n\n",
	       SVA_VERSION);
	printf("[1] four processes share one 4-bit PASID space; the last binds a device with "
	       "max_pasids 4\n");
	bad |= sva_show_run("pasid-churn", &churn, false, NULL, NULL, 0) != SVA_EXIT_OK;

	printf("\n[2] a lost update, found by the explorer with one preemption\n");
	bad |= sva_explore_program("lost-update", &lost, res) != SVA_EXIT_VIOLATION;
	snprintf(schedule, sizeof(schedule), "%s", res->schedule);
	replay.schedule = schedule;
	printf("    replaying that schedule: ");
	if (sva_show_run("lost-update", &replay, true, NULL, NULL, 0) == SVA_EXIT_VIOLATION) {
		printf("the same failure, deterministically\n");
	} else {
		printf("NOT reproduced\n");
		bad = 1;
	}

	printf("\n[3] the same counter under a mutex: every schedule with two preemptions\n");
	bad |= sva_explore_program("locked-counter", &locked, res) != SVA_EXIT_OK;

	printf("\n[4] an AB/BA lock-order inversion\n");
	bad |= sva_explore_program("abba", &abba, res) != SVA_EXIT_VIOLATION;

	printf("\n[5] a process maps a device whose open took mm_users, and exits (seed 000)\n");
	bad |= sva_show_run("fd-mm-cycle", &churn, false, NULL, NULL, 0) != SVA_EXIT_VIOLATION;

	printf("\n[6] the same device taking mm_count, as the kernel does since 2016\n");
	bad |= sva_show_run("fd-mm-clean", &churn, false, NULL, NULL, 0) != SVA_EXIT_OK;

	printf("\n[7] a device bound to a process reads its memory by DMA; the process exits while "
	       "bound (seed 003)\n");
	bad |= sva_show_run("pasid-lifetime", &churn, false, NULL, NULL, 0) != SVA_EXIT_OK;

	printf("\ntour: %s\n", bad ? "SOMETHING DID NOT BEHAVE" : "every step behaved as expected");
	free(res);
	return bad ? SVA_EXIT_VIOLATION : SVA_EXIT_OK;
}

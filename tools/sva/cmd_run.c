/* SPDX-License-Identifier: MIT */
/*
 * sva run, sva replay, sva explore: run a program or a scenario file once (timeline, summary,
 * verdict), re-run a schedule, or enumerate schedules. With no file, `sva run` runs the
 * built-in nginx-like scenario. Every command takes --variant NAME (a historical design).
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
	const struct sva_show_opts *o;
	int trace_err, timeline_err;
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

int sva_show_export(struct sva_world *w, const char *path,
		    int (*writer)(struct sva_world *w, FILE *out))
{
	FILE *f;
	int ret;

	if (!path)
		return 0;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = writer(w, f);
	if (fclose(f) && !ret)
		ret = -EIO;
	return ret;
}

static void sva_show_observe(void *ctx, struct sva_world *w, bool failed, const char *msg)
{
	struct sva_show *s = ctx;

	sva_world_schedule(w, s->schedule, sizeof(s->schedule));
	s->diverged = sva_report_count(w, SVA_REPORT_SCHEDULE_DIVERGED) != 0;
	s->trace_err = sva_show_export(w, s->o->trace_path, sva_trace_write_chrome_json);
	s->timeline_err = sva_show_export(w, s->o->timeline_path, sva_trace_write_svg);
	if (s->o->quiet)
		return;
	sva_show_timeline(w);
	printf("summary:\n");
	printf("  %-28s %s\n", "backend",
	       sva_world_backend(w) == SVA_BACKEND_SIM ? "sim (deterministic)" : "native threads");
	printf("  %-28s %s\n", "design", sva_variant_info(sva_world_variant(w))->name);
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

int sva_show_instance(const char *name, const char *text, struct sva_tool_program *prog,
		      void **storage)
{
	char err[512];
	int ret = text ? sva_tool_scenario_instance(name, text, prog, storage, err, sizeof(err))
		       : sva_tool_program_instance(name, prog, storage, err, sizeof(err));

	return ret ? sva_cli_error("%s", err) : SVA_EXIT_OK;
}

static int sva_show_outputs(const struct sva_show *show, const char *name, const char *msg)
{
	const struct sva_show_opts *o = show->o;

	if (show->diverged)
		return sva_cli_error("schedule does not fit %s: %s", name, msg);
	if (show->trace_err)
		return sva_cli_error("cannot write trace %s: %s", o->trace_path,
				     sva_strerror(show->trace_err));
	if (show->timeline_err)
		return sva_cli_error("cannot write timeline %s: %s", o->timeline_path,
				     sva_strerror(show->timeline_err));
	if (o->trace_path && !o->quiet)
		printf("trace written to %s (Chrome Trace Event JSON; open it in Perfetto)\n",
		       o->trace_path);
	if (o->timeline_path && !o->quiet)
		printf("timeline written to %s (SVG; open it in a browser)\n", o->timeline_path);
	return SVA_EXIT_OK;
}

int sva_show_run(const char *name, const char *text, const struct sva_world_config *wc,
		 const struct sva_show_opts *o)
{
	struct sva_tool_program prog;
	struct sva_show show = { .prog = &prog, .o = o };
	struct sva_world_config config = *wc;
	char msg[1024];
	void *storage;
	int ret;

	config.quiet = true; /* problems are printed once, in the verdict */

	ret = sva_show_instance(name, text, &prog, &storage);
	if (ret)
		return ret;
	if (!o->quiet)
		printf("== %s: %s\n", prog.name, prog.summary);
	ret = sva_program_run_observed(&config, &prog.program, sva_show_observe, &show, msg,
				       sizeof(msg));
	sva_tool_program_release(&prog, storage);
	if (o->schedule_out)
		snprintf(o->schedule_out, o->schedule_len, "%s", show.schedule);
	if (ret && ret != -EFAULT)
		return sva_cli_error("%s: %s", msg[0] ? msg : name, sva_strerror(ret));
	if (sva_show_outputs(&show, name, msg))
		return SVA_EXIT_USAGE;
	return ret ? SVA_EXIT_VIOLATION : SVA_EXIT_OK;
}

int sva_parse_args(int argc, char **argv, struct sva_run_args *a)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "native", no_argument, NULL, 'n' },
		{ "schedule", required_argument, NULL, 'S' },
		{ "trace", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "max", required_argument, NULL, 'm' },
		{ "keep-going", no_argument, NULL, 'g' },
		{ "no-por", no_argument, NULL, 'P' },
		{ "variant", required_argument, NULL, 'V' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "runs", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 'R' },
		{ "sim", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:q", opts, NULL)) != -1) {
		unsigned long v = 0;

		if ((c == 's' || c == 'k' || c == 'm' || c == 'r' || c == 'R') &&
		    sva_cli_parse_ulong(optarg, &v))
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
			a->o.trace_path = optarg;
			break;
		case 'T':
			a->o.timeline_path = optarg;
			break;
		case 'V':
			if (sva_variant_find(optarg, &a->wc.variant))
				return sva_cli_error("%s: no variant '%s'; see `sva variants`",
						     argv[0], optarg);
			break;
		case 'q':
			a->o.quiet = true;
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
		case 'P':
			a->no_por = true;
			break;
		case 'r':
			a->runs = v;
			break;
		case 'R':
			a->seconds = v;
			break;
		case 'i':
			a->wc.backend = SVA_BACKEND_SIM;
			break;
		default:
			return sva_cli_error("%s: unknown option '%s'", argv[0], argv[optind - 1]);
		}
	}
	a->first_arg = optind;
	return SVA_EXIT_OK;
}

int sva_cmd_run(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM, .seed = 1 } };
	int ret = sva_parse_args(argc, argv, &a);

	if (ret)
		return ret;
	if (a.first_arg == argc)
		return sva_show_run("nginx.sva", sva_tool_nginx_scenario, &a.wc, &a.o);
	if (argc - a.first_arg > 1)
		return sva_cli_error("run: one program at a time");
	return sva_show_run(argv[a.first_arg], NULL, &a.wc, &a.o);
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
	return sva_show_run(argv[a.first_arg], NULL, &a.wc, &a.o);
}

static void sva_explore_progress(void *ctx, unsigned long schedules, unsigned long failures)
{
	(void)ctx;
	fprintf(stderr, "\rexplored %lu schedules, %lu failing", schedules, failures);
	fflush(stderr);
}

int sva_explore_program(const char *name, const struct sva_run_args *a,
			struct sva_explore_result *res)
{
	struct sva_explore_config cfg = {
		.preemption_bound = (unsigned)a->k,
		.max_schedules = a->max,
		.keep_going = a->keep_going,
		.no_por = a->no_por,
		.world = a->wc,
		.progress = sva_explore_progress,
		.progress_every = 10000,
	};
	const char *variant = sva_variant_info(a->wc.variant)->name;
	struct sva_tool_program prog;
	void *storage;
	int ret;

	ret = sva_show_instance(name, NULL, &prog, &storage);
	if (ret)
		return ret;
	cfg.world.quiet = true; /* the failure is printed below, once */
	if (!isatty(STDERR_FILENO))
		cfg.progress = NULL;
	ret = sva_explore(&cfg, &prog.program, res);
	sva_tool_program_release(&prog, storage);
	if (cfg.progress && res->schedules >= cfg.progress_every)
		fputc('\n', stderr); /* end the progress line */
	if (ret)
		return sva_cli_error("explore %s: %s", name,
				     res->message[0] ? res->message : sva_strerror(ret));
	printf("explore %s (%s), K=%lu: %lu schedules%s, longest %lu decisions, %lu failing", name,
	       variant, a->k, res->schedules,
	       res->exhausted ? " (all within the bound)" : " (stopped)", res->max_decisions,
	       res->failures);
	if (a->no_por)
		printf(" (no partial-order reduction)\n");
	else
		printf(" (partial-order reduction: %lu redundant runs cut short)\n",
		       res->redundant);
	if (!res->failures)
		return SVA_EXIT_OK;
	printf("  first failure: %s\n  schedule: %s\n  replay: sva replay %s%s%s%s '%s'\n",
	       res->message, res->schedule, a->wc.variant ? "--variant " : "",
	       a->wc.variant ? variant : "", a->wc.variant ? " " : "", name, res->schedule);
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

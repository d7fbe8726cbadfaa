/* SPDX-License-Identifier: MIT */
/*
 * sva run, sva replay: run a program or a scenario file once (timeline, summary, verdict), or
 * re-run a schedule; and the options every command shares (sva explore is in cmd_explore.c).
 * With no file, `sva run` runs the built-in nginx-like scenario. Every command takes
 * --variant NAME (a historical design) and, on the sim backend, --max-steps N (the run's step
 * budget; a run that does not end within it is a livelock).
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
	struct sva_guard guard = { .interactive = false };
	char msg[1024];
	void *storage;
	int ret;

	config.quiet = true; /* problems are printed once, in the verdict */

	ret = sva_show_instance(name, text, &prog, &storage);
	if (ret)
		return ret;
	if (!o->quiet)
		printf("== %s: %s\n", prog.name, prog.summary);
	if (sva_guard_arm(&guard, NULL, NULL, 0))
		ret = sva_cli_error("cannot install the crash handlers");
	else
		ret = sva_program_run_observed(&config, &prog.program, sva_show_observe, &show, msg,
					       sizeof(msg));
	sva_guard_disarm(&guard);
	sva_tool_program_release(&prog, storage);
	if (ret == SVA_EXIT_USAGE)
		return ret;
	if (o->schedule_out)
		snprintf(o->schedule_out, o->schedule_len, "%s", show.schedule);
	if (ret && ret != -EFAULT)
		return sva_cli_error("%s: %s", msg[0] ? msg : name, sva_strerror(ret));
	if (sva_show_outputs(&show, name, msg))
		return SVA_EXIT_USAGE;
	return ret ? SVA_EXIT_VIOLATION : SVA_EXIT_OK;
}

/* "I/N": shard I of N. */
static int sva_parse_shard(const char *s, struct sva_run_args *a)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	a->shard_index = strtoul(s, &end, 10);
	if (errno || end == s || *end != '/' || end[1] == '-' || end[1] == '+')
		return -EINVAL;
	s = end + 1;
	a->shard_count = strtoul(s, &end, 10);
	if (errno || end == s || *end || !a->shard_count || a->shard_index >= a->shard_count ||
	    a->shard_count > 1000000)
		return -EINVAL;
	return 0;
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
		{ "no-por", no_argument, NULL, 'O' },
		{ "variant", required_argument, NULL, 'V' },
		{ "timeline", required_argument, NULL, 'T' },
		{ "runs", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 'R' },
		{ "sim", no_argument, NULL, 'i' },
		{ "max-steps", required_argument, NULL, 'M' },
		{ "pct", required_argument, NULL, 'P' },
		{ "shard", required_argument, NULL, 'H' },
		{ "list", no_argument, NULL, 'L' },
		{ "merge", no_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "k:q", opts, NULL)) != -1) {
		unsigned long v = 0;

		if (strchr("skmrRMP", c) && sva_cli_parse_ulong(optarg, &v))
			return sva_cli_error("%s: bad number '%s'", argv[0], optarg);
		if ((c == 'M' || c == 'P') && !v)
			return sva_cli_error("%s: %s must be at least 1", argv[0],
					     c == 'M' ? "--max-steps" : "--pct");
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
		case 'O':
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
		case 'M':
			a->wc.max_steps = v;
			a->max_steps_given = true;
			break;
		case 'P':
			a->pct = v;
			break;
		case 'H':
			if (sva_parse_shard(optarg, a))
				return sva_cli_error("%s: bad shard '%s' (I/N, 0 <= I < N)",
						     argv[0], optarg);
			break;
		case 'L':
			a->list = true;
			break;
		case 'G':
			a->merge = true;
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

/* The schedule in file @path (@FILE: one too long for a command line), blanks dropped. */
static char *sva_replay_read_schedule(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int c;

	if (!f)
		return NULL;
	while ((c = fgetc(f)) != EOF) {
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\'')
			continue;
		if (len + 2 > cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *t = realloc(text, ncap);

			if (!t) {
				free(text);
				fclose(f);
				return NULL;
			}
			text = t;
			cap = ncap;
		}
		text[len++] = (char)c;
	}
	fclose(f);
	if (!text)
		text = calloc(1, 1);
	else
		text[len] = '\0';
	return text;
}

int sva_cmd_replay(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM } };
	char *text = NULL;
	const char *schedule;
	int ret = sva_parse_args(argc, argv, &a);

	if (ret)
		return ret;
	if (argc - a.first_arg != 2)
		return sva_cli_error("replay: needs PROGRAM and SCHEDULE (or @FILE)");
	schedule = argv[a.first_arg + 1];
	if (schedule[0] == '@') {
		text = sva_replay_read_schedule(schedule + 1);
		if (!text)
			return sva_cli_error("replay: cannot read the schedule in %s: %s",
					     schedule + 1, strerror(errno));
		schedule = text;
	}
	a.wc.schedule = schedule;
	a.wc.nonpreemptive = true;
	ret = sva_show_run(argv[a.first_arg], NULL, &a.wc, &a.o);
	free(text);
	return ret;
}

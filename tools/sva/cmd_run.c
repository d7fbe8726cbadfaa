/* SPDX-License-Identifier: MIT */
/*
 * sva run, sva replay: run a program or a scenario file once, or re-run a schedule, and print
 * it for a person: one line saying what ran, the story of each PASID and mm (story.c), the
 * summary table, the replay line (when the schedule is short, or -v / --schedule-out), and
 * the verdict - clean, VIOLATION (an invariant broken: exit 1) or FAILED (a call or goal of
 * the scenario not as written: exit 3). -v / --timeline-text add every event; --quiet prints
 * the verdict only. With no file, `sva run` runs the built-in nginx-like scenario (nginx.sva
 * names it wherever no such file exists). A schedule is checked before anything is printed,
 * and a replay whose run took more or fewer decisions than the schedule holds is an error,
 * never a verdict. Output files are opened before the run (sva_show_open). The options
 * themselves are options.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "programs.h"
#include "sva/check.h"

#define SVA_SCHEDULE_SHOWN 200 /* a schedule longer than this is printed with -v only */
#define SVA_STORY_MAX	   16  /* PASIDs (and mms) the story tells of */

struct sva_show {
	const struct sva_tool_program *prog;
	const struct sva_show_opts *o;
	const char *name; /* as the replay line names it */
	const struct sva_world_config *wc;
	int trace_err, timeline_err, schedule_err;
	bool diverged;
	size_t given, taken;	     /* a replay: the schedule's decisions, the run's */
	int code;		     /* of a failed run: SVA_EXIT_VIOLATION or SVA_EXIT_FAILED */
	int invariant;		     /* a violation's, 0 for another problem */
	char *schedule;		     /* the run's, malloc'd */
	struct sva_fault_run *fault; /* --fail-nth: the failure injected, NULL without */
};

int sva_cli_error_at(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return SVA_EXIT_USAGE;
}

/* Every event, one a line, indented under its heading. */
static void sva_show_timeline(struct sva_world *w)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	sva_trace_write_text(w, f);
	fclose(f);
	printf("timeline (%zu events; %s, actor, event):\n", sva_trace_held(w),
	       sva_world_backend(w) == SVA_BACKEND_SIM ? "step" : "ns");
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		printf("  %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
	}
	free(text);
}

int sva_show_export(struct sva_world *w, FILE *f, int (*writer)(struct sva_world *w, FILE *out))
{
	int ret;

	if (!f)
		return 0;
	ret = writer(w, f);
	if (fflush(f) && !ret)
		ret = -EIO;
	return ret;
}

static int sva_show_open_one(const char *cmd, const char *what, const char *path, FILE **f)
{
	*f = NULL;
	if (!path)
		return 0;
	*f = fopen(path, "w");
	if (!*f)
		return sva_cli_error("%s: cannot write %s %s: %s", cmd, what, path,
				     strerror(errno));
	return 0;
}

int sva_show_open(const char *cmd, struct sva_show_opts *o)
{
	int ret = sva_show_open_one(cmd, "trace", o->trace_path, &o->trace);

	if (!ret)
		ret = sva_show_open_one(cmd, "timeline", o->timeline_path, &o->timeline);
	if (!ret)
		ret = sva_show_open_one(cmd, "schedule", o->schedule_path, &o->schedule_file);
	if (ret)
		sva_show_close(o);
	return ret;
}

void sva_show_close(struct sva_show_opts *o)
{
	FILE **files[] = { &o->trace, &o->timeline, &o->schedule_file };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (*files[i])
			fclose(*files[i]);
		*files[i] = NULL;
	}
}

/* @s quoted for a shell when it needs to be. */
static void sva_show_shell_word(FILE *out, const char *s)
{
	if (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._/-+:@")])
		fprintf(out, "'%s'", s); /* names with a quote in them are not worth more */
	else
		fputs(s, out);
}

/* "replay: sva replay [--variant V] [--max-steps N] [--fail-nth N] NAME " - the schedule follows.
 */
static void sva_show_replay_head(const struct sva_show *s)
{
	printf("replay: sva replay");
	if (s->wc->variant)
		printf(" --variant %s", sva_variant_info(s->wc->variant)->name);
	if (s->wc->max_steps)
		printf(" --max-steps %llu", (unsigned long long)s->wc->max_steps);
	if (s->wc->race_check)
		printf(" --races");
	if (s->o->fail_nth)
		printf(" --fail-nth %lu", s->o->fail_nth);
	putchar(' ');
	sva_show_shell_word(stdout, s->name);
	putchar(' ');
}

/* The schedule: a ready-to-paste replay line when short or asked for, else its size. */
static void sva_show_schedule(const struct sva_show *s)
{
	size_t len = strlen(s->schedule);

	if (!len)
		return;
	if (len <= SVA_SCHEDULE_SHOWN || s->o->verbose) {
		sva_show_replay_head(s);
		printf("'%s'\n", s->schedule);
	} else if (s->o->schedule_path) {
		sva_show_replay_head(s);
		putchar('@');
		sva_show_shell_word(stdout, s->o->schedule_path);
		putchar('\n');
	} else {
		printf("schedule: %zu characters (-v prints it; --schedule-out FILE saves it for "
		       "`sva replay NAME @FILE`)\n",
		       len);
	}
}

/* "VIOLATION I2 (no early reuse): detail", "FAILED: file:line:col: ...", "clean". */
static void sva_show_verdict(const struct sva_show *s, bool failed, const char *msg)
{
	static const char prefix[] = "invariant violated: ";
	const char *inv, *words, *detail = msg;
	size_t idlen;

	if (!failed) {
		printf("verdict: clean\n");
		return;
	}
	if (s->code == SVA_EXIT_FAILED) {
		printf("verdict: FAILED: %s\n", msg);
		return;
	}
	if (!s->invariant) {
		printf("verdict: VIOLATION: %s\n", msg);
		return;
	}
	inv = sva_invariant_name((enum sva_invariant)s->invariant); /* "I2 no early reuse" */
	idlen = strcspn(inv, " ");
	words = inv[idlen] ? inv + idlen + 1 : inv;
	if (strncmp(detail, prefix, sizeof(prefix) - 1) == 0)
		detail += sizeof(prefix) - 1;
	if (strncmp(detail, inv, strlen(inv)) == 0 && strncmp(detail + strlen(inv), ": ", 2) == 0)
		detail += strlen(inv) + 2;
	printf("verdict: VIOLATION %.*s (%s): %s\n", (int)idlen, inv, words, detail);
}

/* How many decisions schedule string @str holds. */
static size_t sva_show_decisions(const char *str)
{
	size_t n = 0;

	sva_schedule_check(str, SVA_SCHEDULE_MAX_DECISIONS, &n, NULL, 0);
	return n;
}

static void sva_show_summary(struct sva_show *s, struct sva_world *w)
{
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
}

static void sva_show_observe(void *ctx, struct sva_world *w, bool failed, const char *msg)
{
	struct sva_show *s = ctx;
	size_t len = sva_world_schedule(w, NULL, 0);
	char leak[sizeof(s->fault->leaks) + 64];

	s->schedule = malloc(len + 1);
	if (s->schedule)
		sva_world_schedule(w, s->schedule, len + 1);
	s->diverged = sva_report_count(w, SVA_REPORT_SCHEDULE_DIVERGED) != 0;
	s->taken = s->schedule ? sva_show_decisions(s->schedule) : 0;
	s->trace_err = sva_show_export(w, s->o->trace, sva_trace_write_chrome_json);
	s->timeline_err = sva_show_export(w, s->o->timeline, sva_timeline_write_svg);
	if (s->o->schedule_file && s->schedule &&
	    (fprintf(s->o->schedule_file, "%s\n", s->schedule) < 0 || fflush(s->o->schedule_file)))
		s->schedule_err = -EIO;
	s->code = SVA_EXIT_VIOLATION;
	s->invariant = 0;
	if (failed && s->prog->outcome)
		s->code = s->prog->outcome(s->prog->program.arg, &s->invariant);
	if (s->fault) { /* what was failed; a model object left after it is a violation */
		sva_fault_observe(s->fault, w);
		if (s->fault->leaked && (!failed || s->code == SVA_EXIT_FAILED)) {
			snprintf(leak, sizeof(leak), "leak after fail-nth %lu: %s", s->fault->nth,
				 s->fault->leaks);
			msg = leak;
			failed = true;
			s->code = SVA_EXIT_VIOLATION;
			s->invariant = 0;
		}
	}
	if (!s->schedule) {
		printf("verdict: %s (no memory for the schedule)\n", failed ? "failed" : "clean");
		return;
	}
	if (!s->o->quiet) {
		sva_story_print(w, stdout, SVA_STORY_MAX);
		if (s->o->timeline_text)
			sva_show_timeline(w);
		sva_show_summary(s, w);
		sva_show_schedule(s);
	}
	if (s->fault)
		sva_fault_print(s->fault, stdout);
	/* a schedule that did not fit is an error of the command, not a verdict on the run */
	if (!s->diverged && (!s->wc->schedule || s->given == s->taken))
		sva_show_verdict(s, failed, msg);
}

/* The built-in scenario's text when @name is nginx.sva and no such file exists, else @text. */
static const char *sva_show_builtin(const char *name, const char *text)
{
	/* as `sva run` prints its replay line, wherever that is run */
	if (!text && strcmp(name, "nginx.sva") == 0 && access(name, F_OK) != 0)
		return sva_tool_nginx_scenario;
	return text;
}

int sva_show_instance(const char *name, const char *text, struct sva_tool_program *prog,
		      void **storage)
{
	char err[512];
	int ret;

	text = sva_show_builtin(name, text);
	ret = text ? sva_tool_scenario_instance(name, text, prog, storage, err, sizeof(err))
		   : sva_tool_program_instance(name, prog, storage, err, sizeof(err));
	if (ret == -EINVAL) /* the parser's FILE:LINE:COL: message, as editors read it */
		return sva_cli_error_at("%s", err);
	return ret ? sva_cli_error("%s", err) : SVA_EXIT_OK;
}

/* What the run's schedule said about the one it was given: an error, or 0. */
static int sva_show_outputs(const struct sva_show *show, const char *name, const char *msg)
{
	const struct sva_show_opts *o = show->o;
	const char *what = o->what ? o->what : "run";

	if (show->diverged)
		return sva_cli_error("%s: schedule does not fit %s: %s", what, name, msg);
	if (show->wc->schedule && show->taken > show->given)
		return sva_cli_error("%s: schedule ends too soon: it has %zu decisions, %s took "
				     "%zu (a truncated schedule?)",
				     what, show->given, name, show->taken);
	if (show->wc->schedule && show->taken < show->given)
		return sva_cli_error("%s: schedule too long: it has %zu decisions, %s ended after "
				     "%zu (trailing decisions?)",
				     what, show->given, name, show->taken);
	if (show->trace_err)
		return sva_cli_error("cannot write trace %s: %s", o->trace_path,
				     sva_strerror(show->trace_err));
	if (show->timeline_err)
		return sva_cli_error("cannot write timeline %s: %s", o->timeline_path,
				     sva_strerror(show->timeline_err));
	if (show->schedule_err)
		return sva_cli_error("cannot write schedule %s: %s", o->schedule_path,
				     sva_strerror(show->schedule_err));
	if (o->trace_path && !o->quiet)
		printf("trace written to %s (Chrome Trace Event JSON; open it in Perfetto)\n",
		       o->trace_path);
	if (o->timeline_path && !o->quiet)
		printf("timeline written to %s (SVG; open it in a browser)\n", o->timeline_path);
	return SVA_EXIT_OK;
}

/* One line: what is about to run, on what, with which design. */
static void sva_show_what(const struct sva_show *s, const char *text)
{
	const struct sva_world_config *wc = s->wc;
	const char *design = sva_variant_info(wc->variant)->name;

	printf("%s %s", s->o->what ? s->o->what : "run", s->prog->name);
	if (text)
		printf(" (the built-in scenario)");
	else if (s->prog->summary)
		printf(" (%s)", s->prog->summary);
	if (wc->backend != SVA_BACKEND_SIM)
		printf(": native threads, %s design\n", design);
	else if (wc->schedule)
		printf(": sim, a schedule of %zu decisions, %s design\n", s->given, design);
	else
		printf(": sim, seed %llu, %s design\n", (unsigned long long)wc->seed, design);
}

int sva_show_run(const char *name, const char *text, const struct sva_world_config *wc,
		 const struct sva_show_opts *o)
{
	struct sva_tool_program prog;
	struct sva_show show = { .prog = &prog, .o = o, .name = name, .wc = wc };
	struct sva_world_config config = *wc;
	struct sva_guard guard = { .interactive = false };
	struct sva_fault_run fault;
	struct sva_program run;
	char msg[1024], err[256];
	void *storage;
	int ret;

	config.quiet = true; /* problems are printed once, in the verdict */
	text = sva_show_builtin(name, text);
	/* a bad schedule is refused before anything is printed or run */
	if (wc->schedule &&
	    sva_schedule_check(wc->schedule, wc->max_steps, &show.given, err, sizeof(err)))
		return sva_cli_error("%s: %s", o->what ? o->what : "run", err);
	ret = sva_show_instance(name, text, &prog, &storage);
	if (ret)
		return ret;
	if (!o->quiet)
		sva_show_what(&show, text);
	fflush(stdout);
	run = prog.program;
	if (o->fail_nth) {
		sva_fault_wrap(&fault, &prog.program, o->fail_nth, &run);
		show.fault = &fault;
	}
	if (sva_guard_arm(&guard, NULL, NULL, 0))
		ret = sva_cli_error("cannot install the crash handlers");
	else
		ret = sva_program_run_observed(&config, &run, sva_show_observe, &show, msg,
					       sizeof(msg));
	sva_guard_disarm(&guard);
	if (show.fault && fault.setup_failed && fault.injected && ret && ret != -EFAULT) {
		/* the failure injected made the setup fail: a call failed, not a usage error */
		sva_tool_program_release(&prog, storage);
		sva_fault_print(&fault, stdout);
		printf("verdict: FAILED: %s\n", msg[0] ? msg : sva_strerror(ret));
		return SVA_EXIT_FAILED;
	}
	sva_tool_program_release(&prog, storage);
	if (ret == SVA_EXIT_USAGE) {
		free(show.schedule);
		return ret;
	}
	if (o->schedule_out && show.schedule)
		snprintf(o->schedule_out, o->schedule_len, "%s", show.schedule);
	free(show.schedule);
	if (ret && ret != -EFAULT)
		return sva_cli_error("%s: %s", msg[0] ? msg : name, sva_strerror(ret));
	if (sva_show_outputs(&show, name, msg))
		return SVA_EXIT_USAGE;
	if (show.fault && fault.leaked)
		return SVA_EXIT_VIOLATION;
	return ret ? show.code : SVA_EXIT_OK;
}

int sva_cmd_run(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM, .seed = 1 } };
	int ret = sva_parse_args(argc, argv, SVA_CMD_RUN, &a);

	if (ret)
		return ret;
	if (a.npos > 1)
		return sva_cli_error("run: one program at a time (got '%s' and '%s')", a.pos[0],
				     a.pos[1]);
	if (a.wc.schedule && a.wc.backend == SVA_BACKEND_NATIVE)
		return sva_cli_error("run: --schedule replays a sim run; it cannot be --native");
	if (a.wc.schedule && sva_given(&a, SVA_OPT_SEED))
		return sva_cli_error("run: --schedule decides every choice; --seed has no effect "
				     "with it");
	if (a.wc.backend == SVA_BACKEND_NATIVE && sva_given(&a, SVA_OPT_SEED))
		return sva_cli_error("run: --seed is the sim backend's; a --native run has none");
	if (a.wc.backend == SVA_BACKEND_NATIVE && a.o.schedule_path)
		return sva_cli_error("run: a --native run has no schedule to write");
	if (a.o.quiet && a.o.verbose)
		return sva_cli_error("run: --quiet and --verbose contradict each other");
	a.o.what = "run";
	ret = sva_show_open("run", &a.o);
	if (ret)
		return ret;
	ret = a.npos ? sva_show_run(a.pos[0], NULL, &a.wc, &a.o)
		     : sva_show_run("nginx.sva", sva_tool_nginx_scenario, &a.wc, &a.o);
	sva_show_close(&a.o);
	return ret;
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
	int ret = sva_parse_args(argc, argv, SVA_CMD_REPLAY, &a);

	if (ret)
		return ret;
	if (a.npos != 2)
		return sva_cli_error("replay: needs FILE and SCHEDULE (or @SCHEDULE_FILE)");
	if (a.o.quiet && a.o.verbose)
		return sva_cli_error("replay: --quiet and --verbose contradict each other");
	schedule = a.pos[1];
	if (schedule[0] == '@') {
		text = sva_replay_read_schedule(schedule + 1);
		if (!text)
			return sva_cli_error("replay: cannot read the schedule in %s: %s",
					     schedule + 1, strerror(errno));
		schedule = text;
	}
	a.wc.schedule = schedule;
	a.wc.nonpreemptive = true;
	a.o.what = "replay";
	ret = sva_show_open("replay", &a.o);
	if (ret == 0)
		ret = sva_show_run(a.pos[0], NULL, &a.wc, &a.o);
	sva_show_close(&a.o);
	free(text);
	return ret;
}

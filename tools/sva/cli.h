/* SPDX-License-Identifier: MIT */
/* The sva tool's commands and their shared helpers. */
#ifndef SVA_TOOL_CLI_H
#define SVA_TOOL_CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sva/iommu.h" /* the design variants (--variant) */
#include "sva/sync.h"

#define SVA_VERSION "0.1.0"

/* Test only: the model defects (SVA_BREAK_*) a build of the tool runs with (sva_broken). */
#ifndef SVA_TOOL_BREAKS
#define SVA_TOOL_BREAKS 0u
#endif

/* Exit codes (documented in main.c, `sva help` and the man page). */
enum {
	SVA_EXIT_OK = 0,
	SVA_EXIT_VIOLATION = 1, /* an invariant broken, a crash, a livelock, a deadlock */
	SVA_EXIT_USAGE = 2,	/* a usage error, a scenario that does not parse, a bad schedule */
	SVA_EXIT_FAILED = 3,	/* a call or goal of the scenario did not go as written */
};

/* The commands that take options, as bits (struct sva_cli_option.cmds). */
enum {
	SVA_CMD_RUN = 1u << 0,
	SVA_CMD_EXPLORE = 1u << 1,
	SVA_CMD_REPLAY = 1u << 2,
	SVA_CMD_STRESS = 1u << 3,
	SVA_CMD_BENCH = 1u << 4,
	SVA_CMD_EXEC = 1u << 5,
	SVA_CMD_FAULTS = 1u << 6,
	SVA_CMD_GEN = 1u << 7,
};

enum sva_cli_option_id {
	SVA_OPT_SEED,
	SVA_OPT_NATIVE,
	SVA_OPT_SIM,
	SVA_OPT_SCHEDULE,
	SVA_OPT_VARIANT,
	SVA_OPT_MAX_STEPS,
	SVA_OPT_TRACE,
	SVA_OPT_TIMELINE,
	SVA_OPT_TIMELINE_TEXT,
	SVA_OPT_SCHEDULE_OUT,
	SVA_OPT_VERBOSE,
	SVA_OPT_QUIET,
	SVA_OPT_K,
	SVA_OPT_MAX,
	SVA_OPT_SECONDS,
	SVA_OPT_RUNS,
	SVA_OPT_KEEP_GOING,
	SVA_OPT_PCT,
	SVA_OPT_SHARD,
	SVA_OPT_LIST,
	SVA_OPT_NO_POR,
	SVA_OPT_RACES,
	SVA_OPT_MERGE,
	SVA_OPT_CONFIG,
	SVA_OPT_EVENTS,
	SVA_OPT_FAIL_NTH,
	SVA_OPT_HELP,
};

/* options.c: one option of the table every parser, help and the man page read. */
struct sva_cli_option {
	enum sva_cli_option_id id;
	const char *name;  /* "seed" for --seed; NULL: a short option only */
	char short_name;   /* 'k' for -k, 0 none */
	const char *arg;   /* its value's name ("S"), NULL for a flag */
	unsigned cmds;	   /* SVA_CMD_* that take it */
	const char *help;  /* what it means */
	const char *def;   /* its default, in words */
	uint64_t min, max; /* a number's range (max 0: not a number) */
};

const struct sva_cli_option *sva_cli_option_get(size_t i);
/* @text on lines of at most @width columns, the first from column @first, the next indented. */
void sva_cli_wrap(FILE *out, const char *text, size_t indent, size_t first, size_t width);
/* The options of command @cmd (SVA_CMD_*), each with meaning, range and default. */
void sva_cli_options_help(FILE *out, unsigned cmd);
/* The same as roff for the man page. */
void sva_cli_options_man(FILE *out, unsigned cmd);
/* The one of @names (@n, NULL entries skipped) a few edits from @word, NULL if none. */
const char *sva_cli_suggest(const char *word, const char *const *names, size_t n);
/* A whole decimal number, digits only, within @min..@max: 0, -EINVAL or -ERANGE. */
int sva_cli_parse_decimal(const char *s, uint64_t min, uint64_t max, uint64_t *out);

struct sva_cli_command {
	const char *name;
	const char *args;
	const char *summary;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	unsigned opts;			  /* SVA_CMD_* whose options it takes, 0 none */
};

const struct sva_cli_command *sva_cli_find(const char *name);
void sva_cli_usage(FILE *out);
/* Print "sva: <message>" on one line to stderr; returns SVA_EXIT_USAGE. */
int sva_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a whole decimal number; -EINVAL otherwise. */
int sva_cli_parse_ulong(const char *s, unsigned long *out);
/* Print @fmt on one line to stderr as it is (a FILE:LINE:COL message); SVA_EXIT_USAGE. */
int sva_cli_error_at(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a run shows besides the verdict. */
struct sva_show_opts {
	bool quiet;		   /* the verdict only (or the error) */
	bool verbose;		   /* -v: every event, the whole schedule */
	bool timeline_text;	   /* every event */
	const char *trace_path;	   /* Chrome Trace Event JSON */
	const char *timeline_path; /* SVG */
	const char *schedule_path; /* --schedule-out */
	/* the same, opened before the run (sva_show_open); NULL when not asked for */
	FILE *trace, *timeline, *schedule_file;
	char *schedule_out; /* the run's schedule, when set */
	size_t schedule_len;
	const char *what;	/* "run" or "replay", for the line saying what ran */
	unsigned long fail_nth; /* --fail-nth N: the run's Nth allocation fails; 0 none */
};

/* Open @o's output files before a run: 0, or an error printed (SVA_EXIT_USAGE). */
int sva_show_open(const char *cmd, struct sva_show_opts *o);
/* Close what sva_show_open opened (after a run that wrote nothing too). */
void sva_show_close(struct sva_show_opts *o);
/*
 * timeline_svg.c: --timeline's picture of @w's trace: a row per PASID and device, per mm, per
 * process, their states over time, marks and violations. 0, -EIO or -ENOMEM.
 */
int sva_timeline_write_svg(struct sva_world *w, FILE *out);
/* story.c: the story of each PASID and mm of @w's trace, at most @max_each of each; lines. */
size_t sva_story_print(struct sva_world *w, FILE *out, size_t max_each);

/* The options run, explore and replay share. */
struct sva_run_args {
	struct sva_world_config wc;
	struct sva_show_opts o;
	unsigned long k, max;
	bool keep_going;
	unsigned long runs, seconds;		/* stress; explore: --seconds, and PCT's --runs */
	unsigned long pct;			/* explore --pct D */
	unsigned long shard_index, shard_count; /* explore --shard I/N */
	bool list;				/* explore --list */
	bool merge;				/* explore --merge FILE... */
	bool no_por;				/* explore: partial-order reduction off */
	bool max_steps_given;			/* --max-steps: the replay line repeats it */
	unsigned long long given;		/* bit per enum sva_cli_option_id given */
	/* the positional arguments, in order: moved to the front of argv (after argv[0]) */
	char **pos;
	int npos;
};

static inline bool sva_given(const struct sva_run_args *a, enum sva_cli_option_id id)
{
	return (a->given >> id) & 1;
}

/*
 * guard.c: the reports of a crash, a sanitizer's report, SIGINT/SIGTERM and a hung run while a
 * program runs (see guard.c for why it needs the tool's one global pointer).
 */
#define SVA_GUARD_NCRASH  5
#define SVA_GUARD_GRACE_S 10 /* after a stop is asked, the run in progress has this long */

struct sva_guard {
	struct sva_explore_live live; /* the explorer keeps it up to date */
	atomic_int interrupt;	      /* the signal that asked the explorer to stop */
	atomic_int reported;	      /* a report was written: one only */
	char head[512];		      /* "explore NAME (design), K=2: ", "" for a single run */
	char replay[1024];	      /* "  replay: sva replay ... NAME '" */
	unsigned long seconds;	      /* --seconds, for the watchdog */
	bool interactive;	      /* SIGINT/SIGTERM/SIGALRM handled too */
	void *altstack;
	stack_t old_altstack;
	struct sigaction old_crash[SVA_GUARD_NCRASH], old_int, old_term, old_alrm;
};

/*
 * Arm @g: an exploration (@head, @replay given: stop lines and replay lines; SIGINT and
 * SIGTERM ask it to stop) or a single run (@head NULL: a crash prints a verdict). 0 or -1.
 */
int sva_guard_arm(struct sva_guard *g, const char *head, const char *replay, unsigned long seconds);
void sva_guard_disarm(struct sva_guard *g);

struct sva_tool_program;

/*
 * An instance of @name: a built-in program, a scenario file, or (with @text) that text. The
 * exit code; on error the message is printed.
 */
int sva_show_instance(const char *name, const char *text, struct sva_tool_program *prog,
		      void **storage);

/*
 * Run @name (a built-in program, a scenario file, or with @text that scenario text) once and
 * print it; the exit code says clean (0), violation (1), error (2) or failed (3).
 */
int sva_show_run(const char *name, const char *text, const struct sva_world_config *wc,
		 const struct sva_show_opts *o);
/* Write @w's trace to @f (opened before the run) with @writer: 0 (also for NULL) or -errno. */
int sva_show_export(struct sva_world *w, FILE *f, int (*writer)(struct sva_world *w, FILE *out));
/*
 * The options of command @cmd (SVA_CMD_*) into @a, the positional arguments into a->pos; an
 * unknown, misspelt or other command's option, a bad number, a missing value: an error.
 */
int sva_parse_args(int argc, char **argv, unsigned cmd, struct sva_run_args *a);
/* Explore @name and print the result; the exit code as for run. */
int sva_explore_program(const char *name, const struct sva_run_args *a,
			struct sva_explore_result *res);
/* cmd_explore.c: `sva explore --merge FILE...`, the summary of shards' outputs */
int sva_explore_merge(int nfiles, char **files);

/*
 * cmd_faults.c: a program whose run (from its setup on) has its Nth allocation failed, and what
 * came of it: which allocation, and whether the model's objects were all gone at the end.
 */
struct sva_fault_run {
	struct sva_program inner;
	unsigned long nth;
	unsigned long base;	   /* the world's allocations before the setup */
	unsigned long allocations; /* the run's, from its setup on */
	bool setup_failed;
	bool injected;
	struct sva_alloc_injection inj;
	bool leaked; /* objects of the model left after the teardown */
	char leaks[256];
};

/* @out: @inner with allocation @nth of its run failing, its state in @f. */
void sva_fault_wrap(struct sva_fault_run *f, const struct sva_program *inner, unsigned long nth,
		    struct sva_program *out);
/* From a run's observer (after the verdict and the teardown): the injection, the leaks. */
void sva_fault_observe(struct sva_fault_run *f, struct sva_world *w);
/* "fail-nth 7: allocation 7 of the run failed: bond at src/iommu/iommu-sva.c:120". */
void sva_fault_print(const struct sva_fault_run *f, FILE *out);

int sva_cmd_run(int argc, char **argv);
int sva_cmd_faults(int argc, char **argv);
int sva_cmd_gen(int argc, char **argv);
int sva_cmd_stress(int argc, char **argv);
int sva_cmd_bench(int argc, char **argv);
int sva_cmd_tour(int argc, char **argv);
int sva_cmd_variants(int argc, char **argv);
int sva_cmd_explore(int argc, char **argv);
int sva_cmd_replay(int argc, char **argv);
int sva_cmd_programs(int argc, char **argv);
int sva_cmd_version(int argc, char **argv);
int sva_cmd_help(int argc, char **argv);
/* cmd_exec.c: sva exec, and the module tools (the binary run as modprobe, rmmod, lsmod) */
int sva_cmd_exec(int argc, char **argv);
int sva_module_tool(int argc, char **argv);

#endif

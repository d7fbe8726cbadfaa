/* SPDX-License-Identifier: MIT */
/* The sva tool's commands and their shared helpers. */
#ifndef SVA_TOOL_CLI_H
#define SVA_TOOL_CLI_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "sva/sync.h"

#define SVA_VERSION "0.1.0"

enum {
	SVA_EXIT_OK = 0,
	SVA_EXIT_VIOLATION = 1,
	SVA_EXIT_USAGE = 2,
};

struct sva_cli_command {
	const char *name;
	const char *args;
	const char *summary;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
};

const struct sva_cli_command *sva_cli_find(const char *name);
void sva_cli_usage(FILE *out);
/* Print "sva: <message>" on one line to stderr; returns SVA_EXIT_USAGE. */
int sva_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Parse a whole unsigned number; -EINVAL otherwise. */
int sva_cli_parse_ulong(const char *s, unsigned long *out);

/* What a run shows besides the verdict. */
struct sva_show_opts {
	bool quiet;		   /* the verdict only */
	const char *trace_path;	   /* Chrome Trace Event JSON */
	const char *timeline_path; /* SVG */
	char *schedule_out;	   /* the run's schedule, when set */
	size_t schedule_len;
};

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
	int first_arg;				/* index of the first positional argument */
};

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
 * print it; the exit code says clean (0), violation (1) or error (2).
 */
int sva_show_run(const char *name, const char *text, const struct sva_world_config *wc,
		 const struct sva_show_opts *o);
/* Write @w's trace to @path with @writer: 0 (also when @path is NULL) or a negative errno. */
int sva_show_export(struct sva_world *w, const char *path,
		    int (*writer)(struct sva_world *w, FILE *out));
/* The options every command shares into @a; unknown ones are a usage error naming them. */
int sva_parse_args(int argc, char **argv, struct sva_run_args *a);
/* Explore @name and print the result; the exit code as for run. */
int sva_explore_program(const char *name, const struct sva_run_args *a,
			struct sva_explore_result *res);
/* cmd_explore.c: `sva explore --merge FILE...`, the summary of shards' outputs */
int sva_explore_merge(int nfiles, char **files);

int sva_cmd_run(int argc, char **argv);
int sva_cmd_stress(int argc, char **argv);
int sva_cmd_bench(int argc, char **argv);
int sva_cmd_tour(int argc, char **argv);
int sva_cmd_variants(int argc, char **argv);
int sva_cmd_explore(int argc, char **argv);
int sva_cmd_replay(int argc, char **argv);
int sva_cmd_programs(int argc, char **argv);
int sva_cmd_version(int argc, char **argv);
int sva_cmd_help(int argc, char **argv);

#endif

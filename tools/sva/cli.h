/* SPDX-License-Identifier: MIT */
/* The sva tool's commands and their shared helpers. */
#ifndef SVA_TOOL_CLI_H
#define SVA_TOOL_CLI_H

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
	bool no_por;		     /* explore: partial-order reduction off */
	unsigned long runs, seconds; /* stress */
	int first_arg;		     /* index of the first positional argument */
};

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

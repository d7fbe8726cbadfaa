/* SPDX-License-Identifier: MIT */
/* The sva tool's commands and their shared helpers. */
#ifndef SVA_TOOL_CLI_H
#define SVA_TOOL_CLI_H

#include <stdarg.h>
#include <stdio.h>

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

int sva_cmd_run(int argc, char **argv);
int sva_cmd_explore(int argc, char **argv);
int sva_cmd_replay(int argc, char **argv);
int sva_cmd_programs(int argc, char **argv);
int sva_cmd_version(int argc, char **argv);
int sva_cmd_help(int argc, char **argv);

#endif

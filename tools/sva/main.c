/* SPDX-License-Identifier: MIT */
/*
 * sva: the libsva command-line tool.
 *
 *   sva run [FILE]               run a scenario (or a built-in program) once: timeline,
 *                                summary, verdict; with no file, the built-in nginx scenario
 *   sva explore FILE             enumerate its schedules with at most K preemptions (or PCT,
 *                                or one shard of them; --merge adds shards' summaries up)
 *   sva replay FILE SCHEDULE     re-run one schedule exactly
 *   sva stress [FILE]            run it again and again: real threads, or random schedules
 *   sva bench [FILE]             its figures: runs/s on both backends, explored schedules/s
 *   sva variants                 the historical designs --variant NAME switches to
 *   sva tour | programs | version | help [COMMAND]
 *
 * Exit codes: 0 clean, 1 a violation was found (a crash and a livelock are violations),
 * 2 usage or scenario error (one line on stderr); explore stopped by SIGINT / SIGTERM with
 * nothing found: 128 + the signal. FILE is a scenario file (docs/scenario-language.md) or a
 * built-in program's name.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "programs.h"

static const struct sva_cli_command sva_commands[] = {
	{ "run",
	  "[FILE] [--seed S] [--native] [--schedule STR] [--variant NAME] [--trace FILE.json] "
	  "[--timeline FILE.svg] [--quiet]",
	  "run a scenario once: timeline, summary, verdict (no FILE: the nginx scenario)",
	  sva_cmd_run },
	{ "explore",
	  "FILE [-k K] [--max N] [--seconds S] [--variant NAME] [--keep-going] [--max-steps N] "
	  "[--pct D [--runs N] [--seed S]] [--shard I/N] [--list] [--no-por] | --merge FILE...",
	  "enumerate every schedule with at most K preemptions (default 2), or N runs of PCT "
	  "(probabilistic concurrency testing) of depth D; --shard: this process's share of "
	  "the enumeration, --merge: the shards' summaries added up; --no-por: without "
	  "partial-order reduction",
	  sva_cmd_explore },
	{ "replay",
	  "FILE SCHEDULE|@SCHEDULE_FILE [--variant NAME] [--max-steps N] [--trace FILE.json] "
	  "[--timeline FILE.svg] [--quiet]",
	  "re-run one schedule exactly, as printed by run or explore", sva_cmd_replay },
	{ "stress",
	  "[FILE] [--runs N] [--seconds S] [--sim [--seed S]] [--variant NAME] [--trace FILE.json] "
	  "[--timeline FILE.svg] [--quiet]",
	  "run a scenario again and again on real threads (or random sim schedules) until it "
	  "breaks or the budget ends",
	  sva_cmd_stress },
	{ "bench", "[FILE] [--seconds S] [--variant NAME]",
	  "figures for a scenario: runs/s natively and in sim, explored schedules/s (BENCH lines)",
	  sva_cmd_bench },
	{ "variants", "", "list the historical designs: name, seed thread, what breaks",
	  sva_cmd_variants },
	{ "tour", "", "a guided tour of libsva, each step checking itself", sva_cmd_tour },
	{ "programs", "", "list the built-in programs", sva_cmd_programs },
	{ "version", "", "print the version", sva_cmd_version },
	{ "help", "[COMMAND]", "show this help, or a command's", sva_cmd_help },
};

#define SVA_NCOMMANDS (sizeof(sva_commands) / sizeof(sva_commands[0]))

const struct sva_cli_command *sva_cli_find(const char *name)
{
	for (size_t i = 0; i < SVA_NCOMMANDS; i++)
		if (strcmp(sva_commands[i].name, name) == 0)
			return &sva_commands[i];
	return NULL;
}

void sva_cli_usage(FILE *out)
{
	fprintf(out, "usage: sva COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < SVA_NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", sva_commands[i].name, sva_commands[i].summary);
	fprintf(out, "\nexit codes: 0 clean, 1 violation found (crash, livelock too), 2 usage "
		     "error;\nexplore stopped by SIGINT/SIGTERM: 128 + the signal\n"
		     "run `sva help COMMAND` for a command's options\n");
}

int sva_cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sva: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return SVA_EXIT_USAGE;
}

int sva_cmd_help(int argc, char **argv)
{
	const struct sva_cli_command *c;

	if (argc < 2) {
		sva_cli_usage(stdout);
		return SVA_EXIT_OK;
	}
	c = sva_cli_find(argv[1]);
	if (!c)
		return sva_cli_error("help: no command '%s'", argv[1]);
	printf("usage: sva %s %s\n  %s\n", c->name, c->args, c->summary);
	if (strcmp(c->name, "run") == 0 || strcmp(c->name, "explore") == 0 ||
	    strcmp(c->name, "replay") == 0) {
		printf("\nprograms:\n");
		sva_tool_programs_list(stdout);
	}
	return SVA_EXIT_OK;
}

int sva_cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("sva (libsva) %s\n", SVA_VERSION);
	return SVA_EXIT_OK;
}

int sva_cmd_variants(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sva_cli_error("variants: takes no argument");
	for (unsigned v = 1; v < SVA_VARIANT_NR; v++) {
		const struct sva_variant_info *i = sva_variant_info((enum sva_variant)v);

		printf("%-20s %-9s %-7s %s\n", i->name, i->seed, i->invariant, i->design);
	}
	return SVA_EXIT_OK;
}

int sva_cmd_programs(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sva_tool_programs_list(stdout);
	return SVA_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct sva_cli_command *c;

	if (argc < 2)
		return sva_cli_error("no command; try `sva help`");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return sva_cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return sva_cmd_version(1, argv);
	c = sva_cli_find(argv[1]);
	if (!c)
		return sva_cli_error("unknown command '%s'; try `sva help`", argv[1]);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			char *help_argv[] = { "help", argv[1], NULL };

			return sva_cmd_help(2, help_argv);
		}
	}
	return c->fn(argc - 1, argv + 1);
}

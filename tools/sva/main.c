/* SPDX-License-Identifier: MIT */
/*
 * sva: the libsva command-line tool.
 *
 *   sva run [FILE]               run a scenario (or a built-in program) once: timeline,
 *                                summary, verdict; with no file, the built-in nginx scenario
 *   sva explore FILE             enumerate its schedules with at most K preemptions (or PCT,
 *                                or one shard of them; --merge adds shards' summaries up)
 *   sva replay FILE SCHEDULE     re-run one schedule exactly
 *   sva faults FILE              fail each allocation of its run in turn: exact unwind, no
 *                                leak, no invariant broken (cmd_faults.c)
 *   sva gen [--seed N]           print a random scenario (src/scenario/gen.c)
 *   sva stress [FILE]            run it again and again: real threads, or random schedules
 *   sva bench [FILE]             its figures: runs/s on both backends, explored schedules/s
 *   sva variants                 the historical designs --variant NAME switches to
 *   sva tour | programs | version | help [COMMAND]
 *
 * Exit codes: 0 clean, 1 a violation was found (an invariant broken; a crash, a livelock and
 * a deadlock are violations), 2 usage or scenario error (one line on stderr: "sva: ..." or,
 * for a place in a file, "FILE:LINE:COL: ..." as editors read it), 3 a call or goal of the
 * scenario did not go as written (run, replay; explore and stress count it as a failing
 * schedule, exit 1); explore stopped by SIGINT / SIGTERM with nothing found: 128 + the
 * signal; faults: 1 when an allocation failed gave a violation or a leak (3 when the run with
 * nothing failed is FAILED). FILE is a scenario file (docs/scenario-language.md) or a built-in
 * program's name. The options are options.c's table; `sva help --man` prints the man page from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "programs.h"

static const struct sva_cli_command sva_commands[] = {
	{ "run", "[FILE]",
	  "run a scenario (or a built-in program) once: what ran, the story of each PASID and "
	  "mm, the summary, the verdict; no FILE: the built-in nginx-like scenario",
	  sva_cmd_run, SVA_CMD_RUN },
	{ "explore", "FILE | --merge FILE...",
	  "enumerate every schedule with at most K preemptions, or N runs of PCT "
	  "(probabilistic concurrency testing) of depth D; --shard: this process's share of "
	  "the enumeration, --merge: the shards' summaries added up",
	  sva_cmd_explore, SVA_CMD_EXPLORE },
	{ "replay", "FILE SCHEDULE|@SCHEDULE_FILE",
	  "re-run one schedule exactly, as printed by run, explore or stress", sva_cmd_replay,
	  SVA_CMD_REPLAY },
	{ "faults", "FILE",
	  "fail each allocation of a run in turn (fail-nth 1, 2, ... until none is left): one "
	  "line per N with the allocation failed and the outcome - a clean error, absorbed, a "
	  "violation or a leak - then a summary; exit 1 on a violation or a leak",
	  sva_cmd_faults, SVA_CMD_FAULTS },
	{ "gen", "",
	  "print a random scenario (--seed): queues, DMA, munmap, mprotect, reclaim, forks, "
	  "passed fds, kills, a removal now and then, every call that may fail `expect any` - "
	  "the checker alone judges it (sva stress FILE --sim)",
	  sva_cmd_gen, SVA_CMD_GEN },
	{ "stress", "[FILE]",
	  "run a scenario again and again on real threads (or random sim schedules) until it "
	  "breaks or the budget ends",
	  sva_cmd_stress, SVA_CMD_STRESS },
	{ "bench", "[FILE]",
	  "figures for a scenario: runs/s natively and in sim, explored schedules/s (BENCH lines)",
	  sva_cmd_bench, SVA_CMD_BENCH },
	{ "exec", "-- PROGRAM [ARGS...]",
	  "run a real, unmodified Linux program against libsva's DSA: in its private mount "
	  "namespace /dev/dsa and /sys/bus/dsa are the device daemon's (started on demand, "
	  "stopped with its last client); modprobe/rmmod/lsmod act on its idxd driver; the "
	  "exit status is PROGRAM's (128 + a signal). Needs root and /dev/fuse",
	  sva_cmd_exec, SVA_CMD_EXEC },
	{ "variants", "", "list the historical designs: name, seed thread, what breaks",
	  sva_cmd_variants, 0 },
	{ "tour", "", "a guided tour of libsva, each step checking itself", sva_cmd_tour, 0 },
	{ "programs", "", "list the built-in programs", sva_cmd_programs, 0 },
	{ "version", "", "print the version", sva_cmd_version, 0 },
	{ "help", "[COMMAND | --man]", "show this help, a command's options, or the man page",
	  sva_cmd_help, 0 },
};

#define SVA_NCOMMANDS (sizeof(sva_commands) / sizeof(sva_commands[0]))

static const char sva_exit_codes[] =
	"exit codes: 0 clean; 1 a violation (an invariant broken, a crash, a livelock, a "
	"deadlock);\n2 a usage error, a scenario that does not parse, a bad schedule; 3 a call "
	"or goal of the\nscenario did not go as written (run, replay); explore stopped by "
	"SIGINT/SIGTERM: 128 + the signal;\nfaults: 1 when a failed allocation gave a violation "
	"or a leak\n";

static const char sva_file_note[] =
	"FILE is a scenario file (docs/scenario-language.md) or a built-in program's name (sva "
	"programs);\nnginx.sva names the built-in scenario where no such file exists.\n";

const struct sva_cli_command *sva_cli_find(const char *name)
{
	for (size_t i = 0; i < SVA_NCOMMANDS; i++)
		if (strcmp(sva_commands[i].name, name) == 0)
			return &sva_commands[i];
	return NULL;
}

/* "unknown command 'rnu'; did you mean run?" */
static int sva_cli_unknown_command(const char *what, const char *name)
{
	const char *names[SVA_NCOMMANDS];
	const char *close;

	for (size_t i = 0; i < SVA_NCOMMANDS; i++)
		names[i] = sva_commands[i].name;
	close = sva_cli_suggest(name, names, SVA_NCOMMANDS);
	if (close)
		return sva_cli_error("%s '%s'; did you mean %s?", what, name, close);
	return sva_cli_error("%s '%s'; try `sva help`", what, name);
}

void sva_cli_usage(FILE *out)
{
	fprintf(out, "usage: sva COMMAND [ARGS] [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < SVA_NCOMMANDS; i++) {
		fprintf(out, "  %-9s ", sva_commands[i].name);
		sva_cli_wrap(out, sva_commands[i].summary, 12, 12, 100);
	}
	fprintf(out,
		"\n%s\n%s\nrun `sva help COMMAND` for a command's options, `man sva` for all\n",
		sva_file_note, sva_exit_codes);
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

static void sva_cli_roff_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\n')
			fputs("\n.br\n", out);
		else
			fputc(*s, out);
	}
}

/* The man page, sva.1, from the same tables as the help (installed by make install). */
static int sva_cli_man(void)
{
	printf(".TH SVA 1 \"\" \"libsva %s\" \"User Commands\"\n.SH NAME\nsva \\- run, "
	       "explore and replay scenarios of the Linux kernel's Shared Virtual Addressing\n"
	       ".SH SYNOPSIS\n.B sva\n.I COMMAND\n[\\fIARGS\\fR] [\\fIOPTIONS\\fR]\n"
	       ".SH DESCRIPTION\nlibsva models the kernel's SVA: processes, address spaces, the "
	       "IOMMU's PASIDs, a software IOMMU and accelerators, with their lifetime rules. "
	       "\\fBsva\\fR runs scenarios written in its scenario language on a deterministic "
	       "scheduler (or on real threads), enumerates their interleavings, and replays any "
	       "one from its schedule string, judging each run with the invariant checker.\n",
	       SVA_VERSION);
	sva_cli_roff_text(stdout, sva_file_note);
	printf(".SH COMMANDS\n");
	for (size_t i = 0; i < SVA_NCOMMANDS; i++) {
		const struct sva_cli_command *c = &sva_commands[i];

		printf(".SS \"sva %s", c->name);
		if (c->args[0]) {
			putchar(' ');
			sva_cli_roff_text(stdout, c->args);
		}
		printf("\"\n");
		sva_cli_roff_text(stdout, c->summary);
		printf(".\n");
		if (c->opts)
			sva_cli_options_man(stdout, c->opts);
	}
	printf(".SH \"EXIT STATUS\"\n");
	sva_cli_roff_text(stdout, sva_exit_codes);
	printf(".SH \"SEE ALSO\"\nThe scenario language: docs/scenario-language.md; the "
	       "explorer and schedule strings: docs/concurrency.md; sva exec's views, namespace, "
	       "daemon and module tools: docs/exec.md (in the libsva sources).\n");
	return SVA_EXIT_OK;
}

int sva_cmd_help(int argc, char **argv)
{
	const struct sva_cli_command *c;

	if (argc < 2) {
		sva_cli_usage(stdout);
		return SVA_EXIT_OK;
	}
	if (argc > 2)
		return sva_cli_error("help: one command at a time");
	if (strcmp(argv[1], "--man") == 0)
		return sva_cli_man();
	c = sva_cli_find(argv[1]);
	if (!c)
		return sva_cli_unknown_command("help: no command", argv[1]);
	if (c->opts == SVA_CMD_EXEC) /* its options come before PROGRAM's */
		printf("usage: sva %s [OPTIONS] %s\n  ", c->name, c->args);
	else
		printf("usage: sva %s%s%s%s\n  ", c->name, c->args[0] ? " " : "", c->args,
		       c->opts ? " [OPTIONS]" : "");
	sva_cli_wrap(stdout, c->summary, 2, 2, 100);
	if (c->opts) {
		printf("\noptions:\n");
		sva_cli_options_help(stdout, c->opts);
	}
	if (c->opts & (SVA_CMD_RUN | SVA_CMD_EXPLORE | SVA_CMD_REPLAY | SVA_CMD_STRESS |
		       SVA_CMD_BENCH | SVA_CMD_FAULTS)) {
		printf("\n%s\nprograms:\n", sva_file_note);
		sva_tool_programs_list(stdout);
		printf("\n%s", sva_exit_codes);
	}
	return SVA_EXIT_OK;
}

int sva_cmd_version(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return sva_cli_error("version: takes no argument");
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
	(void)argv;
	if (argc > 1)
		return sva_cli_error("programs: takes no argument");
	sva_tool_programs_list(stdout);
	return SVA_EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct sva_cli_command *c;
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];

	if (strcmp(self, "modprobe") == 0 || strcmp(self, "rmmod") == 0 ||
	    strcmp(self, "lsmod") == 0 || strcmp(self, "insmod") == 0)
		return sva_module_tool(argc, argv); /* sva exec's module tools */
	if (argc < 2)
		return sva_cli_error("no command; try `sva help`");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return sva_cmd_help(1, argv);
	if (strcmp(argv[1], "--version") == 0)
		return sva_cmd_version(1, argv);
	c = sva_cli_find(argv[1]);
	if (!c)
		return sva_cli_unknown_command("unknown command", argv[1]);
	for (int i = 2; c->opts && i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (c->opts == SVA_CMD_EXEC && argv[i][0] != '-' &&
		    strcmp(argv[i - 1], "--config") && strcmp(argv[i - 1], "--variant"))
			break; /* exec's PROGRAM: its own options follow */
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			char *help_argv[] = { "help", argv[1], NULL };

			return sva_cmd_help(2, help_argv);
		}
	}
	return c->fn(argc - 1, argv + 1);
}

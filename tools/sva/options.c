/* SPDX-License-Identifier: MIT */
/*
 * The options of the sva tool, declared once: which commands take each, what it means, its
 * default and, for a number, its range. The parser (sva_parse_args), `sva help COMMAND` and
 * the man page (`sva help --man`, installed as sva.1) are all read from this table, so the
 * help cannot drift from what is accepted.
 *
 * The parser checks what a person may get wrong: numbers are decimal digits only and within
 * their range, an option that needs a value and has none says so, an option of another
 * command is named as such, a misspelt one gets "did you mean", and conflicting options are
 * refused by the commands (cmd_*.c). Everything is on the stack or static const: no state.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/sanitizers.h"
#include "../../src/base/text.h"
#include "cli.h"
#include "programs.h"

#define ALL_RUNS (SVA_CMD_RUN | SVA_CMD_REPLAY)

static const struct sva_cli_option sva_cli_options[] = {
	{ SVA_OPT_SEED, "seed", 0, "S",
	  SVA_CMD_RUN | SVA_CMD_EXPLORE | SVA_CMD_STRESS | SVA_CMD_FAULTS | SVA_CMD_GEN,
	  "seed of the sim backend's random schedule (explore: of PCT; stress: of the first of "
	  "its --sim runs, the next runs take the next seeds; gen: of the scenario)",
	  "1; explore: 0", 0, UINT64_MAX },
	{ SVA_OPT_NATIVE, "native", 0, NULL, SVA_CMD_RUN,
	  "run on real threads (the native backend) instead of the deterministic sim scheduler",
	  "sim", 0, 0 },
	{ SVA_OPT_SIM, "sim", 0, NULL, SVA_CMD_STRESS,
	  "random sim schedules (replayable) instead of real threads", "native threads", 0, 0 },
	{ SVA_OPT_SCHEDULE, "schedule", 0, "STR", SVA_CMD_RUN,
	  "replay this schedule string (as sva replay does)", "a random schedule from --seed", 0,
	  0 },
	{ SVA_OPT_VARIANT, "variant", 0, "NAME",
	  ALL_RUNS | SVA_CMD_EXPLORE | SVA_CMD_STRESS | SVA_CMD_BENCH | SVA_CMD_EXEC |
		  SVA_CMD_FAULTS,
	  "the historical design the kernel code follows (sva variants lists them)", "faithful", 0,
	  0 },
	{ SVA_OPT_MAX_STEPS, "max-steps", 0, "N",
	  ALL_RUNS | SVA_CMD_EXPLORE | SVA_CMD_STRESS | SVA_CMD_FAULTS,
	  "the sim run's step budget: a run that has not ended after N steps is a livelock; a "
	  "replay needs the budget the schedule was found with",
	  "10000000", 1, 1000000000000ull },
	{ SVA_OPT_RACES, "races", 0, NULL, ALL_RUNS | SVA_CMD_EXPLORE | SVA_CMD_STRESS,
	  "sim, ThreadSanitizer builds: report a data race between two actors (a dropped lock), "
	  "as TSan would between threads; a replay needs it too",
	  "off", 0, 0 },
	{ SVA_OPT_TRACE, "trace", 0, "FILE.json", ALL_RUNS | SVA_CMD_STRESS,
	  "write the run's trace as Chrome Trace Event JSON, for Perfetto (stress: the failing "
	  "run's)",
	  "none", 0, 0 },
	{ SVA_OPT_TIMELINE, "timeline", 0, "FILE.svg", ALL_RUNS | SVA_CMD_STRESS,
	  "write a picture of the run as SVG (stress: of the failing run)", "none", 0, 0 },
	{ SVA_OPT_TIMELINE_TEXT, "timeline-text", 0, NULL, ALL_RUNS,
	  "print every event of the run, one a line, before the summary", "off", 0, 0 },
	{ SVA_OPT_SCHEDULE_OUT, "schedule-out", 0, "FILE", ALL_RUNS,
	  "write the run's schedule to FILE (sva replay NAME @FILE replays it)", "none", 0, 0 },
	{ SVA_OPT_VERBOSE, "verbose", 'v', NULL, ALL_RUNS,
	  "print every event and the whole schedule (--timeline-text, and the replay line "
	  "however long)",
	  "off", 0, 0 },
	{ SVA_OPT_QUIET, "quiet", 'q', NULL, ALL_RUNS | SVA_CMD_STRESS | SVA_CMD_FAULTS,
	  "print the verdict only (or the error); faults: the lines of violations and leaks, "
	  "the summary and the verdict",
	  "off", 0, 0 },
	{ SVA_OPT_K, NULL, 'k', "K", SVA_CMD_EXPLORE,
	  "explore every schedule with at most K preemptions", "2", 0, 64 },
	{ SVA_OPT_MAX, "max", 0, "N", SVA_CMD_EXPLORE | SVA_CMD_FAULTS,
	  "stop after N schedules (faults: after failing allocations 1 to N)", "no limit", 1,
	  UINT64_MAX },
	{ SVA_OPT_SECONDS, "seconds", 0, "S", SVA_CMD_EXPLORE | SVA_CMD_STRESS | SVA_CMD_BENCH,
	  "stop after S seconds of wall-clock time", "explore: no limit; stress: 10; bench: 2", 1,
	  31536000 },
	{ SVA_OPT_RUNS, "runs", 0, "N", SVA_CMD_EXPLORE | SVA_CMD_STRESS,
	  "stop after N runs (explore: PCT's runs, with --pct only)",
	  "explore --pct: 1000; stress: until --seconds", 1, 1000000000 },
	{ SVA_OPT_KEEP_GOING, "keep-going", 0, NULL, SVA_CMD_EXPLORE,
	  "count every failing schedule instead of stopping at the first", "off", 0, 0 },
	{ SVA_OPT_PCT, "pct", 0, "D", SVA_CMD_EXPLORE,
	  "probabilistic concurrency testing of depth D instead of the enumeration",
	  "off: the enumeration", 1, 64 },
	{ SVA_OPT_SHARD, "shard", 0, "I/N", SVA_CMD_EXPLORE,
	  "explore this process's share of the enumeration, shard I of N (0 <= I < N)", "the whole",
	  0, 0 },
	{ SVA_OPT_LIST, "list", 0, NULL, SVA_CMD_EXPLORE, "print every schedule explored", "off", 0,
	  0 },
	{ SVA_OPT_NO_POR, "no-por", 0, NULL, SVA_CMD_EXPLORE,
	  "explore without partial-order reduction (every schedule, equivalent or not)", "on", 0,
	  0 },
	{ SVA_OPT_MERGE, "merge", 0, NULL, SVA_CMD_EXPLORE,
	  "add up the shards' output files given instead of FILE", "off", 0, 0 },
	{ SVA_OPT_CONFIG, "config", 0, "FILE", SVA_CMD_EXEC,
	  "the device daemon's devices, in accel-config's JSON (accel-config save-config's or "
	  "load-config's format); a daemon already running must have the same",
	  "one DSA, two groups and WQs as accel-config-test's configs/2g2q_user_1.conf", 0, 0 },
	{ SVA_OPT_EVENTS, "events", 0, "FILE", SVA_CMD_EXEC,
	  "append the device daemon's events (what its checker judges) to FILE as text; taken "
	  "by the daemon a launcher starts",
	  "none", 0, 0 },
	{ SVA_OPT_FAIL_NTH, "fail-nth", 0, "N", ALL_RUNS,
	  "fail the Nth allocation of the run (from its setup on) and say which it was; a leak "
	  "after it is a violation (sva faults tries every N)",
	  "none", 1, 1000000000 },
	{ SVA_OPT_HELP, "help", 'h', NULL, ~0u, "print the command's options", NULL, 0, 0 },
};

#define SVA_NOPTIONS (sizeof(sva_cli_options) / sizeof(sva_cli_options[0]))

/* ---- did you mean ---- */

/* The distance of two words, as the scenario parser's hints measure it. */
static size_t sva_cli_distance(const char *a, const char *b)
{
	size_t d = sva_edit_distance(a, strlen(a), b, strlen(b));

	return d == SIZE_MAX ? 99 : d;
}

const char *sva_cli_suggest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 99, len = strlen(word);
	size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;

	for (size_t i = 0; i < n; i++) {
		size_t d = names[i] ? sva_cli_distance(word, names[i]) : 99;

		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best_d <= limit && best_d > 0 ? best : NULL;
}

/* ---- the table, for help and the man page ---- */

const struct sva_cli_option *sva_cli_option_get(size_t i)
{
	return i < SVA_NOPTIONS ? &sva_cli_options[i] : NULL;
}

/* "--seed S", "-k K", "-v, --verbose". */
static void sva_cli_option_spelling(const struct sva_cli_option *o, char *buf, size_t len)
{
	char shortname[8] = "";

	if (o->short_name)
		snprintf(shortname, sizeof(shortname), "-%c%s", o->short_name, o->name ? ", " : "");
	snprintf(buf, len, "%s%s%s%s%s", shortname, o->name ? "--" : "", o->name ? o->name : "",
		 o->arg ? " " : "", o->arg ? o->arg : "");
}

void sva_cli_wrap(FILE *out, const char *text, size_t indent, size_t first, size_t width)
{
	size_t col = first;

	while (*text) {
		size_t word = strcspn(text, " ");

		if (col > indent && col + 1 + word > width) {
			fprintf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (col > indent) {
			fputc(' ', out);
			col++;
		}
		fwrite(text, 1, word, out);
		col += word;
		text += word;
		text += strspn(text, " ");
	}
	fputc('\n', out);
}

void sva_cli_options_help(FILE *out, unsigned cmd)
{
	char spelling[48], text[512];

	for (size_t i = 0; i < SVA_NOPTIONS; i++) {
		const struct sva_cli_option *o = &sva_cli_options[i];
		size_t len;

		if (!(o->cmds & cmd))
			continue;
		sva_cli_option_spelling(o, spelling, sizeof(spelling));
		len = (size_t)snprintf(text, sizeof(text), "%s", o->help);
		if (o->arg && o->max && len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len, "; %llu..%llu",
						(unsigned long long)o->min,
						(unsigned long long)o->max);
		if (o->def && len < sizeof(text))
			snprintf(text + len, sizeof(text) - len, " (default: %s)", o->def);
		fprintf(out, "  %-22s ", spelling);
		sva_cli_wrap(out, text, 25, 25, 100);
	}
}

/* roff: a backslash and a leading dot or quote are escaped. */
static void sva_cli_roff(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", out);
		else if (*s == '-')
			fputs("\\-", out);
		else
			fputc(*s, out);
	}
}

void sva_cli_options_man(FILE *out, unsigned cmd)
{
	char spelling[48];

	for (size_t i = 0; i < SVA_NOPTIONS; i++) {
		const struct sva_cli_option *o = &sva_cli_options[i];

		if (!(o->cmds & cmd) || o->id == SVA_OPT_HELP)
			continue;
		sva_cli_option_spelling(o, spelling, sizeof(spelling));
		fputs(".TP\n.B ", out);
		sva_cli_roff(out, spelling);
		fputc('\n', out);
		sva_cli_roff(out, o->help);
		if (o->arg && o->max)
			fprintf(out, "; %llu..%llu", (unsigned long long)o->min,
				(unsigned long long)o->max);
		if (o->def) {
			fputs(" (default: ", out);
			sva_cli_roff(out, o->def);
			fputc(')', out);
		}
		fputs(".\n", out);
	}
}

/* ---- parsing ---- */

/* A whole decimal number within @min..@max: digits only (no sign, no 0x, no blanks). */
int sva_cli_parse_decimal(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int sva_cli_parse_ulong(const char *s, unsigned long *out)
{
	uint64_t v;
	int ret = sva_cli_parse_decimal(s, 0, ULONG_MAX, &v);

	if (ret == 0)
		*out = (unsigned long)v;
	return ret;
}

/* "I/N": shard I of N. */
static int sva_parse_shard(const char *s, struct sva_run_args *a)
{
	char buf[48];
	const char *slash = strchr(s, '/');
	uint64_t i, n;

	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (sva_cli_parse_decimal(buf, 0, 999999, &i) ||
	    sva_cli_parse_decimal(slash + 1, 1, 1000000, &n) || i >= n)
		return -EINVAL;
	a->shard_index = (unsigned long)i;
	a->shard_count = (unsigned long)n;
	return 0;
}

static const char *const sva_cli_command_names[] = { "run",    "explore", "replay",
						     "stress", "bench",	  "faults" };

#define SVA_CLI_NCOMMANDS (sizeof(sva_cli_command_names) / sizeof(sva_cli_command_names[0]))

/* The commands that take @o, "explore's" or "run's and replay's", for a message. */
static void sva_cli_owners(const struct sva_cli_option *o, char *buf, size_t len)
{
	size_t off = 0, n = 0, total = 0;

	for (size_t c = 0; c < SVA_CLI_NCOMMANDS; c++)
		total += (o->cmds >> c) & 1;
	buf[0] = '\0';
	for (size_t c = 0; c < SVA_CLI_NCOMMANDS && off < len; c++) {
		if (!(o->cmds & (1u << c)))
			continue;
		n++;
		off += (size_t)snprintf(buf + off, len - off, "%s%s's",
					n == 1	     ? ""
					: n == total ? " and "
						     : ", ",
					sva_cli_command_names[c]);
	}
}

/* The option spelt @arg (without its leading dashes, up to '=' when there is one). */
static const struct sva_cli_option *sva_cli_lookup(const char *arg, size_t len, bool is_long)
{
	for (size_t i = 0; i < SVA_NOPTIONS; i++) {
		const struct sva_cli_option *o = &sva_cli_options[i];

		if (is_long && o->name && strlen(o->name) == len && strncmp(o->name, arg, len) == 0)
			return o;
		if (!is_long && len == 1 && o->short_name == arg[0])
			return o;
	}
	return NULL;
}

static int sva_cli_unknown(const char *cmd, const char *arg)
{
	const char *names[SVA_NOPTIONS];
	char word[64];
	const char *close;
	size_t len = strcspn(arg + 2, "=");

	for (size_t i = 0; i < SVA_NOPTIONS; i++)
		names[i] = sva_cli_options[i].name;
	snprintf(word, sizeof(word), "%.*s", (int)(len < 60 ? len : 60), arg + 2);
	close = arg[1] == '-' ? sva_cli_suggest(word, names, SVA_NOPTIONS) : NULL;
	if (close)
		return sva_cli_error("%s: unknown option '%s'; did you mean --%s?", cmd, arg,
				     close);
	return sva_cli_error("%s: unknown option '%s'; see `sva help %s`", cmd, arg, cmd);
}

/* The variant named @name into @a, or an error with the nearest name. */
static int sva_cli_variant(const char *cmd, const char *name, struct sva_run_args *a)
{
	const char *names[SVA_VARIANT_NR];
	enum sva_variant found;
	const char *close;

	if (sva_variant_find(name, &found) == 0) {
		a->wc.variant = found;
		return 0;
	}
	for (unsigned v = 0; v < SVA_VARIANT_NR; v++)
		names[v] = sva_variant_info((enum sva_variant)v)->name;
	close = sva_cli_suggest(name, names, SVA_VARIANT_NR);
	if (close)
		return sva_cli_error("%s: no variant '%s'; did you mean %s?", cmd, name, close);
	return sva_cli_error("%s: no variant '%s'; see `sva variants`", cmd, name);
}

/* Option @o with value @val (NULL for a flag) into @a. */
static int sva_cli_apply(const char *cmd, const struct sva_cli_option *o, const char *val,
			 struct sva_run_args *a)
{
	uint64_t v = 0;
	char spelling[48];
	int ret;

	sva_cli_option_spelling(o, spelling, sizeof(spelling));
	if (o->arg && o->max) {
		ret = sva_cli_parse_decimal(val, o->min, o->max, &v);
		if (ret == -EINVAL)
			return sva_cli_error("%s: %s: '%s' is not a decimal number", cmd, spelling,
					     val);
		if (ret)
			return sva_cli_error("%s: %s: %s is out of range (%llu..%llu)", cmd,
					     spelling, val, (unsigned long long)o->min,
					     (unsigned long long)o->max);
	}
	a->given |= 1ull << o->id;
	switch (o->id) {
	case SVA_OPT_SEED:
		a->wc.seed = v;
		break;
	case SVA_OPT_NATIVE:
		a->wc.backend = SVA_BACKEND_NATIVE;
		break;
	case SVA_OPT_SIM:
		a->wc.backend = SVA_BACKEND_SIM;
		break;
	case SVA_OPT_SCHEDULE:
		a->wc.schedule = val;
		a->wc.nonpreemptive = true;
		break;
	case SVA_OPT_VARIANT:
		return sva_cli_variant(cmd, val, a);
	case SVA_OPT_MAX_STEPS:
		a->wc.max_steps = v;
		a->max_steps_given = true;
		break;
	case SVA_OPT_RACES:
#ifndef SVA_TSAN
		return sva_cli_error("%s: --races needs a ThreadSanitizer build of sva "
				     "(cmake -DSVA_SANITIZE=thread)",
				     cmd);
#endif
		a->wc.race_check = true;
		break;
	case SVA_OPT_TRACE:
		a->o.trace_path = val;
		break;
	case SVA_OPT_TIMELINE:
		a->o.timeline_path = val;
		break;
	case SVA_OPT_TIMELINE_TEXT:
		a->o.timeline_text = true;
		break;
	case SVA_OPT_SCHEDULE_OUT:
		a->o.schedule_path = val;
		break;
	case SVA_OPT_VERBOSE:
		a->o.verbose = true;
		a->o.timeline_text = true;
		break;
	case SVA_OPT_QUIET:
		a->o.quiet = true;
		break;
	case SVA_OPT_K:
		a->k = (unsigned long)v;
		break;
	case SVA_OPT_MAX:
		a->max = (unsigned long)v;
		break;
	case SVA_OPT_SECONDS:
		a->seconds = (unsigned long)v;
		break;
	case SVA_OPT_RUNS:
		a->runs = (unsigned long)v;
		break;
	case SVA_OPT_KEEP_GOING:
		a->keep_going = true;
		break;
	case SVA_OPT_PCT:
		a->pct = (unsigned long)v;
		break;
	case SVA_OPT_SHARD:
		if (sva_parse_shard(val, a))
			return sva_cli_error("%s: bad shard '%s' (I/N, decimal, 0 <= I < N)", cmd,
					     val);
		break;
	case SVA_OPT_LIST:
		a->list = true;
		break;
	case SVA_OPT_NO_POR:
		a->no_por = true;
		break;
	case SVA_OPT_MERGE:
		a->merge = true;
		break;
	case SVA_OPT_FAIL_NTH:
		a->o.fail_nth = (unsigned long)v;
		break;
	case SVA_OPT_CONFIG: /* exec's own parser takes them */
	case SVA_OPT_EVENTS:
	case SVA_OPT_HELP:
		break;
	}
	return 0;
}

int sva_parse_args(int argc, char **argv, unsigned cmd, struct sva_run_args *a)
{
	const char *name = argv[0];
	char spelling[48];

	a->npos = 0;
	a->pos = argv + 1;
	a->wc.breaks = SVA_TOOL_BREAKS; /* 0 but in the test-only sva_broken */
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL, *eq;
		const struct sva_cli_option *o;
		char owners[96];
		bool is_long;
		size_t len;
		int ret;

		/* a positional argument goes to argv[1 + npos]: a slot already read (npos < i) */
		if (strcmp(arg, "--") == 0) {
			while (++i < argc)
				a->pos[a->npos++] = argv[i];
			break;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			a->pos[a->npos++] = argv[i];
			continue;
		}
		is_long = arg[1] == '-';
		eq = is_long ? strchr(arg, '=') : NULL;
		len = is_long ? (eq ? (size_t)(eq - arg) - 2 : strlen(arg) - 2) : strlen(arg) - 1;
		o = sva_cli_lookup(arg + (is_long ? 2 : 1), is_long ? len : 1, is_long);
		if (!o)
			return sva_cli_unknown(name, arg);
		sva_cli_option_spelling(o, spelling, sizeof(spelling));
		if (!(o->cmds & cmd)) {
			sva_cli_owners(o, owners, sizeof(owners));
			return sva_cli_error("%s: %s is %s option, not %s's", name, spelling,
					     owners, name);
		}
		if (!o->arg && (eq || (!is_long && arg[2])))
			return sva_cli_error("%s: %s takes no value", name, spelling);
		if (o->arg) {
			if (eq)
				val = eq + 1;
			else if (!is_long && arg[2])
				val = arg + 2; /* -k2 */
			else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0)
				val = argv[++i];
			if (!val || !*val)
				return sva_cli_error("%s: %s needs a value", name, spelling);
		}
		ret = sva_cli_apply(name, o, val, a);
		if (ret)
			return ret;
	}
	return SVA_EXIT_OK;
}

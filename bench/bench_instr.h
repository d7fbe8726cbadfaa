/* SPDX-License-Identifier: MIT */
/*
 * Instructions per operation, counted by valgrind's callgrind: a benchmark runs itself again
 * under `valgrind --tool=callgrind --toggle-collect=FN...` with a mode argument that does one
 * measured loop of @ops operations, and reads the instructions collected inside the named
 * functions (the "summary:" line of callgrind's output file). Those counts repeat on a loaded
 * machine, where times do not. Nothing is printed when valgrind is not installed, or when
 * SVA_BENCH_INSTR=0.
 *
 * Header only (each benchmark is one program); no state beyond the calls.
 */
#ifndef SVA_BENCH_INSTR_H
#define SVA_BENCH_INSTR_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BENCH_INSTR_VALGRIND "/usr/bin/valgrind"

static int bench_instr_enabled(void)
{
	const char *env = getenv("SVA_BENCH_INSTR");

	return !(env && !strcmp(env, "0")) && access(BENCH_INSTR_VALGRIND, X_OK) == 0;
}

/*
 * Run this program (@self: argv[0]) as `@self --instr @mode` under callgrind, collecting in
 * @fns (NULL-terminated); the instructions collected divided by @ops, or -1 on failure.
 */
static double bench_instr(const char *self, const char *mode, const char *const *fns,
			  unsigned long ops)
{
	char out[64], cmd[1024], line[256];
	unsigned long long ir = 0;
	bool found = false;
	size_t len;
	FILE *f;

	snprintf(out, sizeof(out), "/tmp/sva-bench-instr.%d.%s", (int)getpid(), mode);
	len = (size_t)snprintf(cmd, sizeof(cmd),
			       "%s --tool=callgrind --callgrind-out-file=%s --collect-atstart=no",
			       BENCH_INSTR_VALGRIND, out);
	for (; *fns && len < sizeof(cmd); fns++)
		len += (size_t)snprintf(cmd + len, sizeof(cmd) - len, " --toggle-collect=%s", *fns);
	if (len >= sizeof(cmd) ||
	    (size_t)snprintf(cmd + len, sizeof(cmd) - len, " %s --instr %s >/dev/null 2>&1", self,
			     mode) >= sizeof(cmd) - len)
		return -1;
	if (system(cmd) != 0) {
		remove(out);
		return -1;
	}
	f = fopen(out, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "summary: %llu", &ir) == 1)
			found = true;
	if (f)
		fclose(f);
	remove(out);
	return found && ops ? (double)ir / (double)ops : -1;
}

/* One "BENCH <name>.instr <n> instr" line, when counted. */
static void bench_instr_print(const char *name, double instr, const char *what)
{
	if (instr >= 0)
		printf("BENCH %s.instr %.0f instr (%s, callgrind)\n", name, instr, what);
}

#endif /* SVA_BENCH_INSTR_H */

/* SPDX-License-Identifier: MIT */
/*
 * Built-in closed programs the sva tool can run, explore and replay until scenario files
 * arrive: each is a struct sva_program (setup spawns actors, check judges the outcome).
 */
#ifndef SVA_TOOL_PROGRAMS_H
#define SVA_TOOL_PROGRAMS_H

#include "sva/sync.h"

struct sva_tool_program {
	const char *name;
	const char *summary;
	struct sva_program program;
	/* prints the program's own summary lines after a run; may be NULL */
	void (*summarize)(void *arg, FILE *out);
	/* frees the instance's storage; NULL: free() */
	void (*release)(void *storage);
	/*
	 * What a failed run's verdict is about: SVA_EXIT_FAILED (a call or goal not as written)
	 * or SVA_EXIT_VIOLATION, with the invariant broken in *@invariant (0: another problem).
	 * NULL: every failure is a violation.
	 */
	int (*outcome)(void *arg, int *invariant);
};

/*
 * Fill a fresh copy of built-in program @name, or of the scenario in file @name (the state is
 * in @storage, which must outlive the run). -ENOENT when it is neither; a scenario that does
 * not parse gives -EINVAL and the parser's message in @err.
 */
int sva_tool_program_instance(const char *name, struct sva_tool_program *out, void **storage,
			      char *err, size_t err_len);
void sva_tool_program_release(struct sva_tool_program *p, void *storage);
void sva_tool_programs_list(FILE *out);

/* prog_scenario.c: a scenario as a tool program (@text NULL: read the file @path). */
int sva_tool_scenario_instance(const char *path, const char *text, struct sva_tool_program *out,
			       void **storage, char *err, size_t err_len);
/* The built-in nginx-like scenario of `sva run` (examples/nginx.sva, compiled in). */
extern const char sva_tool_nginx_scenario[];

#endif

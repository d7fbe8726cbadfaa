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
};

/* Fill a fresh copy (the program's state is in @storage, which must outlive the run). */
int sva_tool_program_instance(const char *name, struct sva_tool_program *out, void **storage);
void sva_tool_program_release(void *storage);
void sva_tool_programs_list(FILE *out);

#endif

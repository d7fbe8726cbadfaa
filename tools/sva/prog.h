/* SPDX-License-Identifier: MIT */
/* The tool's program modules (one file each), gathered into the table of programs.c. */
#ifndef SVA_TOOL_PROG_H
#define SVA_TOOL_PROG_H

#include <stdio.h>

#include "sva/sync.h"

void sva_prog_cycle_init(void *state, int take_users);
int sva_prog_cycle_setup(struct sva_world *w, void *arg);
int sva_prog_cycle_check(struct sva_world *w, void *arg, int run, char *msg, size_t len);
void sva_prog_cycle_teardown(struct sva_world *w, void *arg);
void sva_prog_cycle_summarize(void *arg, FILE *out);
/* A failed run's verdict (struct sva_tool_program.outcome): FAILED when the worker failed. */
int sva_prog_cycle_outcome(void *arg, int *invariant);
size_t sva_prog_cycle_size(void);

int sva_prog_life_setup(struct sva_world *w, void *arg);
int sva_prog_life_check(struct sva_world *w, void *arg, int run, char *msg, size_t len);
void sva_prog_life_teardown(struct sva_world *w, void *arg);
void sva_prog_life_summarize(void *arg, FILE *out);
int sva_prog_life_outcome(void *arg, int *invariant);
size_t sva_prog_life_size(void);

/* prog_faults.c: programs that crash or livelock in some interleavings (tests only) */
enum {
	SVA_PROG_FAULT_NULL_DEREF,
	SVA_PROG_FAULT_OVERFLOW,
	SVA_PROG_FAULT_LIVELOCK,
	SVA_PROG_FAULT_HANG,
};

size_t sva_prog_fault_size(void);
void sva_prog_fault_init(void *state, int kind);
int sva_prog_fault_setup(struct sva_world *w, void *arg);

#endif

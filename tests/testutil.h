/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the cmocka tests: world creation for either backend and the leak check
 * every test ends with.
 */
#ifndef SVA_TESTUTIL_H
#define SVA_TESTUTIL_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "sva/base.h"
#include "sva/proc.h"
#include "sva/sync.h"

/* Infrastructure types that live as long as the world. */
#define SVA_TEST_IGNORED_TYPES                                                                   \
	((1ull << SVA_OBJ_ACTOR) | (1ull << SVA_OBJ_FIBER_STACK) | (1ull << SVA_OBJ_SCHEDULER) | \
	 (1ull << SVA_OBJ_TRACE_RING))

struct sva_world *sva_test_world(enum sva_backend backend, uint64_t seed);
/* Assert no program object leaked and no problem was reported, then destroy. */
void sva_test_world_done(struct sva_world *w);
/* Keep log messages out of the test output (reports are still counted). */
void sva_test_quiet(struct sva_world *w);

/* Every story runs on native threads and under three sim schedules. */
struct sva_test_backend {
	enum sva_backend backend;
	uint64_t seed;
};

extern const struct sva_test_backend sva_test_backends[4];

#define SVA_TEST_FOR_EACH_BACKEND(bc)                                                           \
	for (const struct sva_test_backend *bc = sva_test_backends;                             \
	     bc < sva_test_backends + sizeof(sva_test_backends) / sizeof(sva_test_backends[0]); \
	     bc++)

/* What @writer (sva_trace_write_text, _chrome_json, _svg) writes of @w's trace (malloc'd). */
/*
 * The failing schedule an exploration printed (@res) replays the same failure, with the same
 * message and schedule, on a fresh sim world of @prog.
 */
void sva_test_assert_replays(const struct sva_program *prog, const struct sva_explore_result *res);
char *sva_test_trace_string(struct sva_world *w, int (*writer)(struct sva_world *w, FILE *out));

/* Start a process running fn(arg) and wait for it; its exit status. */
int sva_test_run_process(struct sva_kernel *k, sva_task_fn fn, void *arg);

/* In a task: open character device @name and map one page of it shared. 0 or an error. */
int sva_test_open_map(struct sva_task *t, const char *name);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the cmocka tests: world creation for either backend, the leak check
 * every test ends with, and the fail-nth sweep (sva_test_fail_sweep) every error path is
 * driven with.
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

/* Infrastructure classes that live as long as the world (sva_alloc_describe_live's ignore). */
#define SVA_TEST_IGNORED_TYPES sva_obj_machinery

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

/* ---- the fail-nth sweep ------------------------------------------------------------- */

/*
 * One run of a fail-nth sweep, as the case's callbacks see it: N, whether the failure
 * happened (the body made at least N allocations) and which allocation it was, and what the
 * body returned.
 */
struct sva_test_fail_run {
	unsigned long nth; /* 0: the run with nothing injected that counts the allocations */
	bool injected;
	struct sva_alloc_injection inj; /* when injected */
	int ret;			/* the body's */
};

/*
 * A case to sweep: each run builds a fresh world (setup), fails its body's Nth allocation,
 * then check asserts the state is consistent and teardown undoes what setup and the body
 * made. The sweep itself asserts what every run must satisfy: the body returns 0 or a
 * negative errno (0 when the failed allocation was optional, or nothing was injected), no
 * object is left at the end (the world's allocator counts them, SVA_TEST_IGNORED_TYPES
 * aside), no problem was reported (with .checker, no invariant violated), and ASan sees no
 * bad access. N goes 1, 2, ... until a run injects nothing.
 */
struct sva_test_fail_case {
	const char *name;
	/* A fresh world holding what the body needs (its own state in @arg); nothing injected. */
	struct sva_world *(*setup)(void *arg);
	/* The operations swept: 0, or the negative errno of the first that failed. */
	int (*body)(struct sva_world *w, void *arg);
	/* Assert the state after the body (r->ret); may be NULL. */
	void (*check)(struct sva_world *w, void *arg, const struct sva_test_fail_run *r);
	/* Undo setup and what the body made (r->ret says what it did); may be NULL. */
	void (*teardown)(struct sva_world *w, void *arg, const struct sva_test_fail_run *r);
	void *arg;
	bool checker; /* attach the invariant checker from before the body to the teardown */
	/*
	 * Runs with a failure the suite makes at most (0: every N): a longer sweep tries N
	 * spread evenly, the first and the last always; SVA_TEST_FAIL_ALL=1 tries every N.
	 */
	unsigned long quick;
	/* The body's errors a run may return besides -ENOMEM (e.g. -EINTR); 0 none. */
	int also;
};

struct sva_test_fail_stats {
	unsigned long allocations; /* the body's, in the run with nothing injected */
	unsigned long runs;	   /* runs with a failure injected */
	unsigned long errors;	   /* of which the body returned an error */
	unsigned long absorbed;	   /* of which it succeeded all the same */
};

/*
 * Sweep @c: 0, or -1 with what went wrong at which N ("fail-nth 3 (bond at
 * src/iommu/iommu-sva.c:120): leak: 1 domain") in @msg. The case's own asserts still fail
 * the test directly. @st may be NULL.
 */
int sva_test_fail_sweep_run(const struct sva_test_fail_case *c, struct sva_test_fail_stats *st,
			    char *msg, size_t len);
/* The same, asserting it succeeds; prints one line (how many runs, how many errors). */
void sva_test_fail_sweep(const struct sva_test_fail_case *c, struct sva_test_fail_stats *st);

#endif

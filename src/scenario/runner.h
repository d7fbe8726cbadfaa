/* SPDX-License-Identifier: MIT */
/*
 * The scenario runner's insides, shared by run.c (the world a scenario runs in, the verdict)
 * and interp.c (the calls each task makes).
 *
 * One struct sva_scenario_run runs its scenario once per world (the explorer makes a world per
 * schedule). Per run it builds a kernel, one software IOMMU, the declared devices (each a
 * DSA-like accelerator with its WQs), attaches the invariant checker (stopping the run at the
 * first violation) and starts every top-level process.
 *
 * Every task (a top-level process, a forked child, a cloned thread) interprets its program
 * with a context from a pool allocated once per run and reset at setup: a task can be killed
 * at any system-call boundary (it never returns from that call), so nothing a task owns may
 * need freeing by the task itself. The pool and the verdict state are plain malloc'd memory
 * of the run, under @lock (a pthread mutex: infrastructure, no scheduling point inside).
 */
#ifndef SVA_SCENARIO_RUNNER_H
#define SVA_SCENARIO_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>

#include "ast.h"
#include "sva/accel.h"
#include "sva/check.h"
#include "sva/proc.h"
#include "sva/swiommu.h"

#define SVA_SCN_MAX_VARS  256 /* variables a scenario may have */
#define SVA_SCN_MAX_TASKS 256 /* tasks a run may start (processes, children, threads) */
#define SVA_SCN_MAX_FDS	  16  /* queue fds a task tracks */
#define SVA_SCN_MAX_MAPS  32  /* mappings a task tracks */

/* Argument indices of submit (calls.c). */
enum {
	SVA_SCN_SUB_FD,
	SVA_SCN_SUB_OP,
	SVA_SCN_SUB_SRC,
	SVA_SCN_SUB_DST,
	SVA_SCN_SUB_LEN,
	SVA_SCN_SUB_PATTERN,
	SVA_SCN_SUB_DST2
};

struct sva_scn_fdinfo {
	int fd;
	int wq;		 /* index in the scenario's wqs */
	uint64_t portal; /* its MMIO mapping, 0 until mmap(fd, mmio) */
};

#define SVA_SCN_RECS 64

struct sva_scn_map {
	uint64_t addr, len;
};

/* One task's interpreter state. */
struct sva_scn_ctx {
	struct sva_scenario_run *r;
	const struct sva_scn_program *prog;
	uint64_t vals[SVA_SCN_MAX_VARS];
	uint8_t set[SVA_SCN_MAX_VARS]; /* vals[i] was assigned */
	struct sva_scn_fdinfo fds[SVA_SCN_MAX_FDS];
	unsigned nfds;
	struct sva_scn_map maps[SVA_SCN_MAX_MAPS];
	unsigned nmaps;
	uint64_t comp_page; /* completion records, 128 a page, handed out in order */
	unsigned comp_next;
	/* the queue (fd) of the last SVA_SCN_RECS records submitted, for wait to ask about */
	struct {
		uint64_t comp;
		int fd;
	} recs[SVA_SCN_RECS];
	unsigned nrecs;
	/* a top-level process: what its goals are judged by */
	uint64_t mm_id;
	uint32_t pasid; /* SVA_PASID_INVALID until an open bound it */
};

/* A process started at time zero. */
struct sva_scn_top {
	int program;
	struct sva_process *p;
	struct sva_scn_ctx *ctx;
	int status;
	bool reaped;
};

struct sva_scenario_run {
	const struct sva_scenario *s;
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device **devs;  /* per scenario device */
	struct sva_accel **accels; /* per scenario device */
	atomic_bool *removed;	   /* per device: remove() took it */
	struct sva_checker *chk;
	struct sva_scn_top *tops;
	size_t ntops;
	struct sva_scn_ctx *pool;
	atomic_uint npool;

	pthread_mutex_t lock; /* everything below */
	struct sva_scenario_stats st;
	uint64_t *freed_mms; /* mms whose PASID went back to the allocator */
	size_t nfreed, freed_cap;
	char failure[512]; /* the first call or goal that did not go as written */
	unsigned long nfailures;
};

/* interp.c: the body of every task (arg: its struct sva_scn_ctx). */
int sva_scn_task_main(struct sva_task *t, void *arg);
/* A fresh context from the pool (NULL when the run has started too many tasks). */
struct sva_scn_ctx *sva_scn_ctx_get(struct sva_scenario_run *r, const struct sva_scn_program *p);
/* Record a failure at @loc (the first one's text is kept). */
void sva_scn_fail(struct sva_scenario_run *r, const struct sva_scn_loc *loc, const char *fmt, ...)
	SVA_PRINTF(3, 4);

#endif /* SVA_SCENARIO_RUNNER_H */

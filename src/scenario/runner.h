/* SPDX-License-Identifier: MIT */
/*
 * The scenario runner's insides, shared by run.c (the world a scenario runs in, the verdict)
 * and interp.c (the calls each task makes).
 *
 * One struct sva_scenario_run runs its scenario once per world (the explorer makes a world per
 * schedule). Per run it builds a kernel, one software IOMMU, the declared devices (each a
 * DSA-like accelerator with its WQs; a cdev=idxd_wq one made and configured through the idxd
 * driver, idxd.c), attaches the invariant checker (stopping the run at the first violation) and
 * starts every top-level process.
 *
 * Every task (a top-level process, a forked child, a cloned thread) interprets its program
 * with a context, and every process has an interpreter state its threads share, both from
 * pools allocated once per run and reset at setup: a task can be killed
 * at any system-call boundary (it never returns from that call), so nothing a task owns may
 * need freeing by the task itself. The pools and the verdict state are plain malloc'd memory
 * of the run, under @lock (a pthread mutex: infrastructure, no scheduling point inside).
 */
#ifndef SVA_SCENARIO_RUNNER_H
#define SVA_SCENARIO_RUNNER_H

#include <pthread.h>
#include <stdatomic.h>

#include "ast.h"
#include "sva/accel.h"
#include "sva/check.h"
#include "sva/idxd.h"
#include "sva/proc.h"
#include "sva/swiommu.h"

#define SVA_SCN_MAX_VARS  SVA_SCN_RUN_MAX_VARS	/* variables a scenario may have */
#define SVA_SCN_MAX_TASKS SVA_SCN_RUN_MAX_TASKS /* tasks a run may start */
#define SVA_SCN_MAX_FDS	  16			/* queue fds a task tracks */
#define SVA_SCN_MAX_MAPS  32			/* mappings a task tracks */

/* Argument indices of submit (calls.c). */
enum {
	SVA_SCN_SUB_FD,
	SVA_SCN_SUB_OP,
	SVA_SCN_SUB_SRC,
	SVA_SCN_SUB_DST,
	SVA_SCN_SUB_LEN,
	SVA_SCN_SUB_PATTERN,
	SVA_SCN_SUB_DST2,
	SVA_SCN_SUB_OPCODE,
	SVA_SCN_SUB_FLAGS
};

struct sva_scn_fdinfo {
	int fd;
	int wq;		 /* index in the scenario's wqs, -1 if unknown */
	uint64_t portal; /* its MMIO mapping, 0 until mmap(fd, mmio) */
	bool cloexec;	 /* opened with cloexec: exec closes it */
};

struct sva_scn_map {
	uint64_t addr, len;
};

/* What a variable of a process holds. */
enum sva_scn_var_state {
	SVA_SCN_UNSET,	/* never assigned in this process */
	SVA_SCN_SET,	/* the value its call returned */
	SVA_SCN_FAILED, /* its call failed: the value is the negative errno */
};

/*
 * The interpreter's state of one process: what its threads share - a cloned thread sees and
 * changes the same variables, fds and mappings, a forked child gets a copy. Under the run's
 * lock (threads of a process run concurrently on the native backend); never held across a
 * system call.
 */
#define SVA_SCN_RECS 64 /* records a process remembers the queue of */

struct sva_scn_proc {
	int64_t vals[SVA_SCN_MAX_VARS];
	uint8_t set[SVA_SCN_MAX_VARS];			 /* enum sva_scn_var_state */
	const struct sva_scn_stmt *by[SVA_SCN_MAX_VARS]; /* FAILED: the call that failed */
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
	int pid;	/* 0 until its first task starts (or fork returned) */
	uint64_t mm_id; /* the mm it started with */
	uint32_t pasid; /* SVA_PASID_INVALID until an open bound it */
};

/* One task's interpreter state: its program and its process's state. */
struct sva_scn_ctx {
	struct sva_scenario_run *r;
	const struct sva_scn_program *prog;
	struct sva_scn_proc *ps;
};

/* A process started at time zero. */
struct sva_scn_top {
	int program;
	struct sva_process *p;
	struct sva_scn_ctx *ctx;
	int status;
	bool reaped;
};

/* A set of mm ids, in the order they came (freed PASIDs, dropped mms). */
struct sva_scn_mms {
	uint64_t *ids;
	size_t n, cap;
};

/* A file passed by send_fd, until the receiver's recv_fd takes it. */
struct sva_scn_mail {
	int pid; /* the receiver */
	int fd;	 /* its number in the receiver's table */
	int wq;	 /* the queue's WQ, -1 if unknown */
};

#define SVA_SCN_MAX_MAIL 64

/* The embedder's guest (guest.c): its memory, tables, PASIDs set and page requests queued. */
#define SVA_SCN_GUEST_PAGES 256 /* 1 MiB of guest memory per run */
#define SVA_SCN_MAX_GROUPS  64	/* page-request groups queued for page_response */
#define SVA_SCN_MAX_SET	    64	/* (embedder device, PASID) pointed at a table */

struct sva_scn_group {
	struct sva_device *dev;
	struct sva_iopf_group *group;
};

struct sva_scn_pasid {
	int dev; /* index in the scenario's embedders */
	uint32_t pasid;
	int table;
};

struct sva_scn_guest {
	sva_pte_t *mem;	 /* SVA_SCN_GUEST_PAGES pages; entries atomics, the rest bytes */
	unsigned next;	 /* the next page never handed out */
	uint64_t *roots; /* per scenario table: its PML4's guest-physical address */
	uint64_t free[SVA_SCN_GUEST_PAGES]; /* pages unmapped, reused last-freed first */
	unsigned nfree;
	struct sva_scn_pasid set[SVA_SCN_MAX_SET];
	unsigned nset;
	struct sva_scn_group groups[SVA_SCN_MAX_GROUPS];
	unsigned ngroups;
	struct sva_swiommu_mem ops; /* the swiommu's backend (cfg.mem) */
};

struct sva_scenario_run {
	const struct sva_scenario *s;
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device **devs;  /* per scenario device */
	struct sva_accel **accels; /* per scenario device but idxd's: the accelerator */
	struct sva_idxd **idxd;	   /* per device of cdev=idxd_wq: the idxd driver's, else NULL */
	atomic_bool *removed;	   /* per device: remove() took it */
	atomic_uint *admin;	   /* per device: idxd calls in progress (idxd.c) */
	struct sva_device **edevs; /* per embedder device (guest.c) */
	struct sva_embed *embed;   /* their one-call setup on sw, when there are any (guest.c) */
	struct sva_checker *chk;
	struct sva_scn_top *tops;
	size_t ntops;
	struct sva_scn_ctx *pool;
	atomic_uint npool;
	struct sva_scn_proc *procs;
	atomic_uint nprocs;

	pthread_mutex_t lock; /* everything below, and every struct sva_scn_proc */
	struct sva_scenario_stats st;
	struct sva_scn_mms freed;   /* mms whose PASID went back to the allocator */
	struct sva_scn_mms dropped; /* mms __mmdrop freed */
	struct sva_scn_mail mail[SVA_SCN_MAX_MAIL];
	unsigned nmail;
	char failure[512]; /* the first call or goal that did not go as written */
	unsigned long nfailures;
	struct sva_scn_guest guest; /* the embedder's (guest.c): under @lock but its memory */
};

/* interp.c: the body of every task (arg: its struct sva_scn_ctx). */
int sva_scn_task_main(struct sva_task *t, void *arg);
/*
 * A fresh context from the pool for a task running @p in process state @ps (NULL: a fresh
 * one, for a new process). NULL when the run has started too many tasks.
 */
struct sva_scn_ctx *sva_scn_ctx_get(struct sva_scenario_run *r, const struct sva_scn_program *p,
				    struct sva_scn_proc *ps);
/* Record a failure at @loc (the first one's text is kept). */
void sva_scn_run_fail(struct sva_scenario_run *r, const struct sva_scn_loc *loc, const char *fmt,
		      ...) SVA_PRINTF(3, 4);
/* run.c: whether @mm is in @set (run's lock held); add it (no memory: dropped). */
bool sva_scn_mms_has(const struct sva_scn_mms *set, uint64_t mm);
void sva_scn_mms_add(struct sva_scn_mms *set, uint64_t mm);
/*
 * The removal of device @i (remove(), the run's end): its accelerator or idxd device, then the
 * device. -ENODEV when it was removed already. Waits for the idxd calls in progress on it.
 */
int sva_scn_device_destroy(struct sva_scenario_run *r, struct sva_world *w, size_t i);

/*
 * audit.c: at quiescence (every process reaped), what the model's queries say must be that
 * nothing is live; each fact that is not is a violation of the run's checker.
 */
void sva_scn_audit(struct sva_scenario_run *r);

/*
 * idxd.c: device @dev of cdev=idxd_wq created, configured and enabled through the idxd driver
 * (r->idxd[dev]); 0 or the driver's error, nothing left of it then.
 */
int sva_scn_idxd_setup(struct sva_scenario_run *r, size_t dev);
/*
 * The idxd driver's call behind @op: wq_disable / wq_enable of WQ @index (in the scenario's
 * wqs), disable / enable of device @index. Its result; -ENODEV once the device was removed.
 */
long sva_scn_idxd_admin(struct sva_scenario_run *r, enum sva_scn_op op, int index);
/* What idxd device @dev's "clients" attribute of its WQ @wq (wqD.@wq) reads, or its error. */
long sva_scn_idxd_clients(struct sva_scenario_run *r, size_t dev, unsigned wq);

/*
 * guest.c: the embedder's guest memory, allocated with the run (create, free) and made fresh at
 * each setup with the embedder devices (setup); at the run's end its page requests answered,
 * its PASIDs cleared, its devices removed (destroy).
 */
int sva_scn_guest_create(struct sva_scenario_run *r);
void sva_scn_guest_free(struct sva_scenario_run *r);
int sva_scn_embedders_setup(struct sva_scenario_run *r);
void sva_scn_embedders_forget(struct sva_scenario_run *r);
void sva_scn_embedders_destroy(struct sva_scenario_run *r);
/* The leaf flags of gmap's / gprotect's protection (rw, read, none). */
uint64_t sva_scn_guest_prot(const char *prot);
/* gmap: fresh pages at [va, va + len) of @table with @flags; -EEXIST, -ENOMEM. */
long sva_scn_guest_map(struct sva_scenario_run *r, int table, uint64_t va, uint64_t len,
		       uint64_t flags);
/* gunmap (@flags 0) or gprotect (@flags the leaf's), announced to the checker first. */
long sva_scn_guest_change(struct sva_scenario_run *r, int table, uint64_t va, uint64_t len,
			  uint64_t flags);
/* The guest CPU's access through @table; -EFAULT at a page it may not access. */
long sva_scn_guest_cpu(struct sva_scenario_run *r, int table, uint64_t va, void *buf, uint64_t len,
		       bool write);
/* (@dev, @pasid) points at @table now (-1: at none). */
void sva_scn_guest_set(struct sva_scenario_run *r, int dev, uint32_t pasid, int table);
/* The oldest page-request group queued for embedder @dev (NULL: none); *@live: a PASID set. */
struct sva_iopf_group *sva_scn_guest_take(struct sva_scenario_run *r, int dev, bool *live);

#endif /* SVA_SCENARIO_RUNNER_H */

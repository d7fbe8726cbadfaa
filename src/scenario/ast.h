/* SPDX-License-Identifier: MIT */
/*
 * The scenario language's syntax tree (see docs/scenario-language.md): what the parser
 * (parse*.c, parse.h) builds and the runner (run.c) executes. The parser checks everything it can,
 * so the runner never meets a malformed tree: every call's arguments are in the order of its
 * signature in sva_scn_calls[] (calls.c), each present or not; every variable use names a
 * variable of the right type; every fork/clone names a program.
 *
 * Memory: a scenario owns every node, string and array; sva_scenario_free() frees them all.
 */
#ifndef SVA_SCENARIO_AST_H
#define SVA_SCENARIO_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sva/accel.h"
#include "sva/scenario.h"

/* Where a token starts: 1-based line and column (tabs count one). */
struct sva_scn_loc {
	unsigned line, col;
};

/* What a variable holds; fixed by the call that first assigns it. */
enum sva_scn_type {
	SVA_SCN_T_NONE, /* the call returns nothing usable */
	SVA_SCN_T_FD,	/* an open file descriptor (open) */
	SVA_SCN_T_ADDR, /* a mapping's start address (mmap) */
	SVA_SCN_T_PID,	/* a child process (fork) */
	SVA_SCN_T_TID,	/* a thread of the process (clone) */
	SVA_SCN_T_COMP, /* a descriptor's completion record (submit) */
	SVA_SCN_T_NR
};

/* What a parameter accepts. */
enum sva_scn_param_kind {
	SVA_SCN_P_NUM,	      /* a number: 42, 0x2a, 64k, 2m (k, m, g: powers of 1024) */
	SVA_SCN_P_WORD,	      /* one of the words in the parameter's @words */
	SVA_SCN_P_NAME,	      /* a declared name: a WQ's char device, a device or a program */
	SVA_SCN_P_VAR,	      /* a variable of type @type */
	SVA_SCN_P_VAR_OR_NUM, /* a variable of type @type or a number (an address) */
	SVA_SCN_P_OF,	      /* WORD(VAR): one of @words applied to a variable of @type */
};

struct sva_scn_param {
	const char *key; /* "src"; positional parameters may also be given by key */
	enum sva_scn_param_kind kind;
	enum sva_scn_type type;	  /* VAR */
	const char *const *words; /* WORD: NULL-terminated */
	bool required;
};

#define SVA_SCN_MAX_PARAMS 10

/*
 * The runner's limits (runner.h), which the parser enforces so that a scenario that parses can
 * be set up: variables a scenario may have, tasks a run may start (processes, children,
 * threads). The processes started at time zero (process NAME xN) count against the tasks.
 */
#define SVA_SCN_RUN_MAX_VARS  256
#define SVA_SCN_RUN_MAX_TASKS 256

enum sva_scn_op {
	SVA_SCN_OPEN,	      /* r = open(NAME[, cloexec]): the WQ's uacce char device */
	SVA_SCN_CLOSE,	      /* close(fd) */
	SVA_SCN_MMAP,	      /* a = mmap(fd, mmio|dus) or a = mmap(LEN) (anonymous, read-write) */
	SVA_SCN_MUNMAP,	      /* munmap(addr[, len]) */
	SVA_SCN_IOCTL,	      /* ioctl(fd, start_q|put_q) */
	SVA_SCN_FILL,	      /* fill(addr, len[, byte]): the CPU writes */
	SVA_SCN_VERIFY,	      /* verify(addr, len, byte): the CPU reads; -EIO when a byte differs */
	SVA_SCN_TOUCH,	      /* touch(addr, len[, write]): fault the pages in */
	SVA_SCN_SUBMIT,	      /* c = submit(fd, OP, src=, dst=, len=, pattern=) */
	SVA_SCN_WAIT,	      /* wait(comp): its record; wait(pid): reap the child */
	SVA_SCN_FORK,	      /* p = fork([PROGRAM]) */
	SVA_SCN_CLONE,	      /* t = clone(PROGRAM): a thread sharing the mm and the files */
	SVA_SCN_EXEC,	      /* exec() */
	SVA_SCN_EXIT,	      /* exit([code]) */
	SVA_SCN_KILL,	      /* kill(pid) */
	SVA_SCN_SEND_FD,      /* send_fd(fd, pid): pass a file to another process */
	SVA_SCN_YIELD,	      /* yield([n]): n scheduling points */
	SVA_SCN_REMOVE,	      /* remove(DEVICE): hot-unplug the accelerator */
	SVA_SCN_RECV_FD,      /* r = recv_fd(): a file another process passed with send_fd */
	SVA_SCN_MPROTECT,     /* mprotect(addr, len, none|read|rw) */
	SVA_SCN_RECLAIM,      /* reclaim(N): evict up to N pages (the kernel's page reclaim) */
	SVA_SCN_IOPF_DISABLE, /* iopf_disable(DEVICE): the device leaves its fault queue */
	SVA_SCN_WAIT_FREE,    /* wait_free(pasid(p)) | wait_free(mm(p)) */
	SVA_SCN_WQ_DISABLE,   /* wq_disable(WQ): idxd's disable-wq, files open or not */
	SVA_SCN_WQ_ENABLE,    /* wq_enable(WQ): idxd's enable-wq (its char device again) */
	SVA_SCN_DISABLE,      /* disable(DEVICE): idxd's disable-device, files open or not */
	SVA_SCN_ENABLE,	      /* enable(DEVICE): idxd's enable-device and every WQ's enable */
	/* the embedder: a device model's guest tables and device behind the swiommu (embed.c) */
	SVA_SCN_GMAP,		   /* gmap(TABLE, addr, len[, prot]): fresh guest pages mapped */
	SVA_SCN_GUNMAP,		   /* gunmap(TABLE, addr, len): unmapped, the pages freed */
	SVA_SCN_GPROTECT,	   /* gprotect(TABLE, addr, len, prot) */
	SVA_SCN_GFILL,		   /* gfill(TABLE, addr, len[, byte]): the guest CPU writes */
	SVA_SCN_GVERIFY,	   /* gverify(TABLE, addr, len, byte): the guest CPU reads */
	SVA_SCN_SET_PASID_TABLE,   /* set_pasid_table(EMBEDDER, pasid, TABLE) */
	SVA_SCN_CLEAR_PASID_TABLE, /* clear_pasid_table(EMBEDDER, pasid) */
	SVA_SCN_INVALIDATE,	   /* invalidate(EMBEDDER, pasid[, addr, len]) */
	SVA_SCN_DMA_READ,	   /* dma_read(EMBEDDER, pasid, addr, len[, byte]) */
	SVA_SCN_DMA_WRITE,	   /* dma_write(EMBEDDER, pasid, addr, len, byte) */
	SVA_SCN_ATS,	       /* a = ats(EMBEDDER, pasid, addr[, write]): a translation request */
	SVA_SCN_ATC,	       /* a = atc(EMBEDDER, pasid, addr): the device's ATC only */
	SVA_SCN_PAGE_RESPONSE, /* a = page_response(EMBEDDER, SUCCESS|INVALID|FAILURE) */
	/* statements, not calls (each has an entry in sva_scn_calls[] all the same) */
	SVA_SCN_REPEAT, /* repeat N { ... } */
	SVA_SCN_IF,	/* if COND { ... } [else { ... }] */
	SVA_SCN_CHECK,	/* expect COND */
	SVA_SCN_OP_NR
};

/* A call's signature: the table the parser checks against (calls.c). */
struct sva_scn_call {
	const char *name;
	enum sva_scn_op op;
	enum sva_scn_type returns;
	unsigned nparams;
	struct sva_scn_param params[SVA_SCN_MAX_PARAMS];
};

extern const struct sva_scn_call sva_scn_calls[];
const struct sva_scn_call *sva_scn_call_find(const char *name);
const struct sva_scn_call *sva_scn_call_of(enum sva_scn_op op);
const char *sva_scn_type_name(enum sva_scn_type t);

/* Whether @op is one of the embedder's calls (gmap ... page_response). */
bool sva_scn_op_is_embed(enum sva_scn_op op);
/* Whether @op is a statement of its own (repeat, if, expect COND) rather than a call. */
bool sva_scn_op_is_stmt(enum sva_scn_op op);

/* One argument, at its parameter's index. */
struct sva_scn_arg {
	bool present;
	struct sva_scn_loc loc;
	uint64_t num;	  /* NUM, VAR_OR_NUM given as a number */
	const char *word; /* WORD / NAME / OF: the text (owned by the scenario) */
	int var;	  /* VAR, OF: the variable's index in sva_scenario.vars, else -1 */
	int index;	  /* NAME of a WQ, device or program: its index in the scenario */
};

/* What a statement's outcome must be ("expect ..." after a call). */
enum sva_scn_expect {
	SVA_SCN_EXPECT_OK,     /* default: the call succeeds */
	SVA_SCN_EXPECT_ERROR,  /* expect error(EBUSY): it fails with -EBUSY */
	SVA_SCN_EXPECT_ANY,    /* expect any: whatever it returns */
	SVA_SCN_EXPECT_STATUS, /* after wait(pid): expect status(0) / status(killed) */
};

#define SVA_SCN_STATUS_KILLED (128 + 9) /* what wait returns for a SIGKILLed child */

/* A wait status as a scenario writes it: "killed" for SVA_SCN_STATUS_KILLED, else the number. */
static inline const char *sva_scn_status_text(long status, char *buf, size_t len)
{
	if (status == SVA_SCN_STATUS_KILLED)
		snprintf(buf, len, "killed (SIGKILL)");
	else
		snprintf(buf, len, "%ld", status);
	return buf;
}

struct sva_scn_block;

/* What a condition reads: a variable's value, or a field of a completion's record. */
enum sva_scn_field {
	SVA_SCN_F_VALUE,	   /* the variable itself (a negative errno if its call failed) */
	SVA_SCN_F_STATUS,	   /* c.status: the record's status byte (SUCCESS, PAGE_FAULT...) */
	SVA_SCN_F_RESULT,	   /* c.result */
	SVA_SCN_F_BYTES_COMPLETED, /* c.bytes_completed */
	SVA_SCN_F_FAULT_ADDR,	   /* c.fault_addr */
	SVA_SCN_F_NR
};

enum sva_scn_cmp { SVA_SCN_EQ, SVA_SCN_NE, SVA_SCN_LT, SVA_SCN_LE, SVA_SCN_GT, SVA_SCN_GE };

/* if / expect: VAR[.FIELD] OP VALUE, VALUE a number, -N, -ENAME or (status) a status name. */
struct sva_scn_cond {
	struct sva_scn_loc loc; /* of the variable */
	int var;
	enum sva_scn_field field;
	enum sva_scn_cmp cmp;
	int64_t value;
	const char *text; /* the condition as written (owned by the scenario), for messages */
};

extern const char *const sva_scn_field_names[SVA_SCN_F_NR];
/* The name of record status @status ("PAGE_FAULT"), NULL when it has none. */
const char *sva_scn_status_name(uint64_t status);
/* The value of the status named by @len bytes at @name, -1 when none has that name. */
int sva_scn_status_find(const char *name, size_t len);

struct sva_scn_stmt {
	struct sva_scn_loc loc;
	enum sva_scn_op op;
	const struct sva_scn_call *call;
	int result; /* the variable assigned, or -1 */
	struct sva_scn_arg args[SVA_SCN_MAX_PARAMS];
	enum sva_scn_expect expect;
	int expect_value; /* ERROR: the positive errno; STATUS: the status */
	/* REPEAT */
	unsigned long count;
	struct sva_scn_block *body; /* REPEAT, IF */
	/* IF, CHECK */
	struct sva_scn_cond cond;
	struct sva_scn_block *orelse; /* IF: the else block, or NULL */
};

struct sva_scn_block {
	struct sva_scn_stmt *stmts;
	size_t n;
};

struct sva_scn_var {
	const char *name;
	enum sva_scn_type type;
	struct sva_scn_loc loc; /* first assignment */
};

enum sva_scn_wq_mode { SVA_SCN_WQ_DEDICATED, SVA_SCN_WQ_SHARED };

/*
 * device NAME [engines=N] [pasid_bits=N] [pri[=N]] [ats] [group=DEVICE] [max_xfer=N] [cdev=R]; with
 * cdev=idxd_wq an idxd device, configured through the idxd driver (src/scenario/idxd.c).
 */
struct sva_scn_device {
	struct sva_scn_loc loc;
	const char *name;
	unsigned engines;    /* default 1 */
	unsigned pasid_bits; /* default 20 */
	bool pri, ats;
	unsigned pri_reqs;	       /* pri=N: PRI's outstanding allocation; 0 = the maximum */
	int group;		       /* index of the device whose group it joins, or -1 */
	uint64_t max_xfer;	       /* 0: the accelerator's default */
	enum sva_accel_cdev_rule cdev; /* cdev=idxd|uacce|idxd_wq; default idxd */
};

/* wq DEVICE shared|dedicated [depth=N] [bof]; its char device is "<device>wq<i>" */
struct sva_scn_wq {
	struct sva_scn_loc loc;
	int device;
	unsigned index; /* among the device's WQs */
	char name[64];
	enum sva_scn_wq_mode mode;
	unsigned depth; /* default 8 */
	bool bof;
	unsigned priority;  /* 0..15 (idxd_wq: 1..15, 0 the driver's default): higher first */
	unsigned threshold; /* shared, behind cdev=idxd_wq: the limited portal's (0: depth) */
};

/* process NAME [xN] { ... } starts at time zero; program NAME { ... } runs when forked. */
struct sva_scn_program {
	struct sva_scn_loc loc;
	const char *name;
	bool starts;			  /* process (true) or program (false) */
	unsigned instances;		  /* xN; default 1 */
	struct sva_scn_loc instances_loc; /* of xN, when given */
	struct sva_scn_block body;
};

/*
 * embedder NAME rid=N [pasid_bits=N] [ats] [pri]: a device of a device model (the embedder),
 * behind the swiommu with a requester ID, translating through guest tables (src/scenario/embed.c).
 */
struct sva_scn_embedder {
	struct sva_scn_loc loc;
	const char *name;
	unsigned rid;
	unsigned pasid_bits; /* default 8 */
	bool ats, pri;
};

/* table NAME: a guest's first-stage table (x86-64 4-level) in the run's guest memory. */
struct sva_scn_table {
	struct sva_scn_loc loc;
	const char *name;
};

enum sva_scn_goal {
	SVA_SCN_GOAL_VIOLATION,	  /* expect violation(I2) */
	SVA_SCN_GOAL_PASID_FREED, /* expect pasid(PROC) freed */
	SVA_SCN_GOAL_PASID_HELD,  /* expect pasid(PROC) held */
	SVA_SCN_GOAL_STATUS,	  /* expect status(PROC) 0 | killed */
};

/* A top-level expectation, judged at the end of the run. */
struct sva_scn_goal_expect {
	struct sva_scn_loc loc;
	enum sva_scn_goal goal;
	int invariant; /* VIOLATION: 1..7 */
	int program;   /* PASID_*, STATUS: a process (starts) */
	int status;    /* STATUS */
};

/* kernel [frames=N] */
struct sva_scn_kernel {
	unsigned long frames;	/* 0: the kernel's default */
	struct sva_scn_loc loc; /* of frames=, when given */
};

/* iommu [prq=N] */
struct sva_scn_iommu {
	unsigned prq; /* page-request queue entries; 0: the swiommu's default */
};

struct sva_scenario {
	const char *file; /* as given to the parser */
	char *text;	  /* a copy of the source (error messages quote it) */
	struct sva_scn_kernel kernel;
	struct sva_scn_iommu iommu;
	struct sva_scn_device *devices;
	size_t ndevices;
	struct sva_scn_wq *wqs;
	size_t nwqs;
	struct sva_scn_embedder *embedders;
	size_t nembedders;
	struct sva_scn_table *tables;
	size_t ntables;
	struct sva_scn_program *programs;
	size_t nprograms;
	struct sva_scn_var *vars;
	size_t nvars;
	struct sva_scn_goal_expect *goals;
	size_t ngoals;
	/* every string the tree points to, freed with it */
	char **strings;
	size_t nstrings, strings_cap;
};

#endif /* SVA_SCENARIO_AST_H */

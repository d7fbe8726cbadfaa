/* SPDX-License-Identifier: MIT */
/*
 * The insides of the software accelerator, shared by the files of src/drivers/accel:
 *
 *   accel.c   the device: creation, removal, the uacce ops (get / put / start / stop queue,
 *             the portal page, the info ioctl), counters;
 *   submit.c  MOVDIR64B / ENQCMD: the portal found through the caller's mm, the IA32_PASID
 *             register, the descriptor queued on its WQ;
 *   engine.c  the engines: a descriptor taken from a WQ and run, its completion record
 *             written (or the software error register); aborting a queue's descriptors;
 *   ops.c     the DSA operations: a descriptor's checks and its execution, page by page with
 *             the DMA helpers; dif.c the DIF operations;
 *   crc32c.c  CRC32C and the T10-DIF CRC16;
 *   client.c  the client library and descriptor builders.
 *
 * Objects and references:
 *  - struct sva_accel owns its WQs and engines; it lives from sva_accel_create() to
 *    sva_accel_destroy(), which removes every WQ's uacce device first (each open queue stopped
 *    and put, its mappings zapped) and only then stops the engines and frees.
 *  - struct sva_accel_wq: one per WQ, with a fixed array of `depth` descriptor slots and one
 *    portal page (the mappings hold their own references on it). A slot is on wq->pending,
 *    on wq->free, or on a stopper's private list while it writes their ABORTED records with
 *    wq->lock dropped (counted in neither npending nor free): a submission takes a slot only
 *    if wq->free is not empty, never because npending < depth.
 *  - struct sva_accel_ctx: one per open queue (uacce get_queue .. put_queue), on its WQ's list.
 *    A slot or an engine's job that names a ctx keeps it alive: put_queue comes after
 *    stop_queue, which took the ctx's slots back and waited until no job of it was running.
 *  - Submission never trusts a uacce queue's private pointer (removal may put the queue while
 *    its file and mappings live on): it looks the portal page up in the caller's page table
 *    under mmap_lock (present means the removal has not zapped it yet, so the accelerator is
 *    alive) and the ctx up by its uacce queue on the WQ's list, under the WQ lock.
 *
 * Lock order: uacce->mutex -> wq->lock; mmap_lock -> wq->lock. wq->lock is a spinlock and a
 * leaf: nothing sleeps under it and nothing is taken inside it. DMA is done with no lock held.
 */
#ifndef SVA_ACCEL_INTERNAL_H
#define SVA_ACCEL_INTERNAL_H

#include <stdatomic.h>

#include "../../base/list.h"
#include "../../sync/glist.h"
#include "sva/accel.h"
#include "sva/swiommu.h"

#define SVA_ACCEL_DEFAULT_DEPTH	    32u
#define SVA_ACCEL_DEFAULT_MAX_XFER  (2u << 20)
#define SVA_ACCEL_DEFAULT_MAX_BATCH 32u
#define SVA_ACCEL_MAX_BATCH	    1024u

struct sva_file;
struct sva_idxd_cdev;

enum sva_accel_ctx_state {
	SVA_ACCEL_CTX_INIT,    /* opened, not started */
	SVA_ACCEL_CTX_STARTED, /* accepts descriptors */
	SVA_ACCEL_CTX_STOPPED, /* refuses them; its descriptors aborted */
};

struct sva_accel_wq;

/* One open queue of a WQ. */
struct sva_accel_ctx {
	struct sva_accel_wq *wq;
	const void *q;	/* compared only: the key submission finds the ctx by (the
			   uacce queue, the idxd file; NULL: the kernel's ENQCMDS) */
	uint32_t pasid; /* the opener's (bound) PASID */
	SVA_GUARDED_BY(enum sva_accel_ctx_state) state; /* under wq->lock */
	atomic_uint inflight;	   /* jobs of it running on engines; raised under wq->lock (before
				      npending drops), dropped at a job's end (native: lock-free) */
	atomic_uint npending;	   /* its slots on wq->pending; changed under wq->lock */
	atomic_bool abort;	   /* stopping: engines end its job at the next page */
	struct sva_list_head node; /* wq->ctxs */
};

/* A descriptor waiting in a WQ. */
struct sva_accel_slot {
	struct dsa_hw_desc desc; /* as stored (ENQCMD: its PASID field the register's) */
	uint32_t pasid;		 /* the PASID it runs on */
	uint64_t gen;		 /* of the PASID's owner when it was accepted */
	uint64_t id;		 /* its trace id: SVA_EV_DESC_ID(device, a->submitted_ids) */
	struct sva_accel_ctx *ctx;
	struct sva_list_head node; /* wq->pending, wq->free, or a stopper's list */
};

struct sva_accel_wq {
	struct sva_accel *a;
	unsigned index;
	char name[32];
	enum sva_accel_wq_mode mode;
	bool bof;
	bool ats_disable; /* kept and reported; the model's DMA does not use ATS */
	unsigned depth;
	unsigned priority;		 /* engines of its group serve higher ones first */
	unsigned threshold;		 /* shared: ENQCMD to the limited portal retries at it */
	unsigned group;			 /* the engines that serve it */
	uint32_t max_xfer, max_batch;	 /* the WQ's */
	struct sva_page *portal;	 /* the unlimited portal */
	struct sva_page *portal_limited; /* shared WQs: honours the threshold */
	struct sva_uacce_device *u;	 /* SVA_ACCEL_CDEV_IDXD, _UACCE */
	/* SVA_ACCEL_CDEV_IDXD_WQ: set at each enable of the WQ (under its device's mutex), read
	   by any submission's decode: atomic */
	struct sva_idxd_cdev *_Atomic cdev;
	bool cdev_live; /* cdev registered and not deleted (the WQ enabled); the device's mutex */
	struct sva_accel_ctx *kctx; /* shared: the kernel's ENQCMDS submissions */
	struct sva_spinlock lock;   /* everything below */
	struct sva_glist ctxs;	    /* struct sva_accel_ctx; guarded by lock */
	struct sva_glist pending; /* struct sva_accel_slot, in submission order; guarded by lock */
	struct sva_glist free;	  /* the only proof a slot is free (see above); guarded by lock */
	SVA_GUARDED_BY(unsigned) npending; /* on pending; a stopper's slots are on neither list */
	SVA_GUARDED_BY(uint32_t) pasid;	   /* dedicated: the programmed PASID, or INVALID */
	struct sva_waitq idle;	  /* stoppers wait here for a ctx's jobs to end, DRAINs too */
	atomic_uint drains;	  /* DRAINs waiting on idle (a stop wakes them) */
	atomic_uint idle_waiters; /* native: whoever is at or in a wait on idle (engines wake) */
	struct sva_accel_slot slots[];
};

/* A field of @wq (or of a ctx of it) under the WQ's lock, asserted. */
#define sva_wq_locked(wq, f) sva_guarded(&(wq)->lock, (wq)->f)
#define sva_ctx_state(ctx)   sva_guarded(&(ctx)->wq->lock, (ctx)->state)

struct sva_accel_engine {
	struct sva_accel *a;
	unsigned index;
	struct sva_actor *actor;
	unsigned next_wq; /* round robin over the WQs */
	unsigned group;	  /* it serves the WQs of this group */
	/* the job it runs, for DRAIN: set under the job's wq->lock at take, cleared at its end */
	atomic_uint_fast64_t run_seq; /* 0: none */
	atomic_uint run_wq, run_pasid;
	struct sva_dma_memo memo; /* the pages its DMA runs reached (its thread's only) */
	uint8_t buf[3][SVA_PAGE_SIZE];
};

struct sva_accel_counters {
	atomic_uint_fast64_t submitted, completed, aborted, page_faults, errors, records_lost,
		bytes, page_requests, swerrs, dropped, retries;
};

struct sva_accel {
	struct sva_kernel *k;
	struct sva_world *w;
	struct sva_device *dev;
	struct sva_phys *phys;
	char name[16];
	uint32_t max_xfer, max_batch;
	enum sva_accel_cdev_rule cdev_rule; /* whether another mm may use a queue's file */
	bool pasid_disabled;		    /* idxd cdev: opens cannot bind (see sva/idxd.h) */
	bool same_priority;		    /* every WQ's: engines need not compare */
	unsigned devid;			    /* N of "dsaN": the idxd cdev's names */
	unsigned nwqs, nengines;
	struct sva_accel_wq *wqs[SVA_ACCEL_MAX_WQS];
	struct sva_accel_engine *engines[SVA_ACCEL_MAX_ENGINES];
	atomic_uint queued[SVA_ACCEL_MAX_GROUPS]; /* pending per group (its engines wait > 0) */
	atomic_bool stopping;			  /* destroy: engines end */
	struct sva_waitq work;			  /* engines wait here */
	bool native;				  /* the native backend: engines poll first */
	atomic_uint sleepers; /* native: engines at or in their wait on work (submitters wake) */
	atomic_uint_fast64_t seq;	    /* descriptors taken by engines (DRAIN orders on it) */
	atomic_uint_fast64_t submitted_ids; /* descriptors accepted: the last one's number */
	struct sva_spinlock swerr_lock;	    /* a leaf */
	SVA_GUARDED_BY(struct sva_accel_swerr) swerr; /* the SWERR register; under swerr_lock */
	struct sva_accel_counters c;
};

/* A descriptor an engine runs (or a stopper aborts). */
struct sva_accel_job {
	struct sva_accel_wq *wq;
	struct sva_accel_ctx *ctx;
	struct dsa_hw_desc desc;
	uint32_t pasid;
	uint64_t gen; /* the slot's */
	uint64_t seq; /* order of take */
	uint64_t id;  /* the slot's */
};

/* What an operation is executing with. */
struct sva_accel_exec {
	struct sva_accel *a;
	struct sva_accel_engine *e; /* NULL for a stopper's abort records */
	struct sva_accel_wq *wq;
	struct sva_accel_ctx *ctx;
	uint32_t pasid;
	uint64_t gen; /* the descriptor's: its DMA is for that owner of the PASID */
	uint64_t seq; /* the job's */
	uint64_t id;  /* the descriptor's trace id (a batch's: the batch's) */
	bool bof;     /* the descriptor in execution blocks on faults */
};

/*
 * Waits on wq->idle and the engines' wake-up at a job's end: in native an engine wakes idle only
 * when someone waits there (counted before the condition is evaluated, seq_cst, as the job's
 * end changes what the condition reads before it reads the count); in sim always, as before.
 */
#define sva_accel_idle_wait(wq, cond)                     \
	do {                                              \
		atomic_fetch_add(&(wq)->idle_waiters, 1); \
		sva_wait_event(&(wq)->idle, cond);        \
		atomic_fetch_sub(&(wq)->idle_waiters, 1); \
	} while (0)

static inline void sva_accel_count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ops.c */
/* Check and execute @d (a batch's descriptor when @in_batch): @c filled, its record not written. */
void sva_accel_execute(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
		       struct dsa_completion_record *c, bool in_batch);
/* Write @c where @d asks (CRAV, and RCR or not a success), or report it to SWERR. */
void sva_accel_complete(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			const struct dsa_completion_record *c);
/* DMA of [va, va + len) for @x; 0, or a fault (st filled). */
int sva_accel_dma(struct sva_accel_exec *x, uint64_t va, void *buf, size_t len, bool write,
		  struct sva_dma_status *st);
/* A page boundary: a scheduling point; false (and @c ABORTED) when a stop ends the job. */
bool sva_accel_page(struct sva_accel_exec *x, struct dsa_completion_record *c, uint64_t done);
/* Stop @c at a fault of an access at @done bytes. */
void sva_accel_fault(struct sva_accel_exec *x, struct dsa_completion_record *c, uint64_t done,
		     const struct sva_dma_status *st, bool write);

/* dif.c */
void sva_accel_dif(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
		   struct dsa_completion_record *c);
/* The data bytes of a DIF block size code; DIF checks of @d's fields: 0 or a DSA_COMP_*. */
unsigned sva_accel_dif_block(uint8_t flags);
unsigned sva_accel_dif_check_desc(const struct dsa_hw_desc *d);

/* engine.c */
int sva_accel_engines_start(struct sva_accel *a, unsigned n, const unsigned *groups);
void sva_accel_engines_stop(struct sva_accel *a);
/* Stop @ctx: refuse, abort its pending descriptors, wait for its jobs (uacce stop_queue). */
void sva_accel_ctx_stop(struct sva_accel_ctx *ctx);
/* Refuse, then wait until none of @ctx's descriptors is pending or running: they complete. */
void sva_accel_ctx_drain(struct sva_accel_ctx *ctx);

/* accel.c: a started ctx of @wq for @key on @pasid (a dedicated WQ: one; -EBUSY), and its end. */
int sva_accel_ctx_open(struct sva_accel_wq *wq, const void *key, uint32_t pasid, bool started,
		       struct sva_accel_ctx **out);
void sva_accel_ctx_close(struct sva_accel_ctx *ctx);
/* Destroy, the files of idxd char devices left failing with @file_errno afterwards. */
void sva_accel_teardown(struct sva_accel *a, int file_errno);

/* ../idxd/cdev.c: the idxd character device of a WQ (SVA_ACCEL_CDEV_IDXD_WQ): added at the
 * WQ's enable, deleted at its disable (a no-op when not added), again at the next enable. */
int sva_idxd_cdev_add(struct sva_accel_wq *wq);
/* Disable / removal with files open: drain, end their ctxs, unbind, zap; calls fail @err. */
void sva_idxd_cdev_del(struct sva_accel_wq *wq, int err);
/* The files open on @wq's char device, 0 without one (the device's mutex held: cdev_live). */
unsigned sva_idxd_cdev_clients(struct sva_accel_wq *wq);
/* An idxd cdev file: its device, its open ctx's key and the opener's mm; NULL otherwise. */
struct sva_idxd_cdev *sva_idxd_file_cdev(struct sva_file *file, const void **key,
					 struct sva_mm **mm);
struct sva_device *sva_idxd_cdev_parent(struct sva_idxd_cdev *ic);

/* engine.c: a descriptor was queued on @a (wq->lock dropped): wake an engine that may sleep. */
void sva_accel_kick(struct sva_accel *a);

/* submit.c */
enum sva_accel_insn {
	SVA_ACCEL_MOVDIR64B,
	SVA_ACCEL_ENQCMD,
	SVA_ACCEL_ENQCMDS,
	SVA_ACCEL_MOVDIR64B_RETRY, /* the model's flow control: a full WQ answers -EAGAIN */
};

/* Queue @d on @wq for the open queue @q, stored from @mm (its mmap_lock held, the portal mapped).
 */
int sva_accel_wq_enqueue(struct sva_accel_wq *wq, const void *q, struct sva_mm *mm,
			 const struct dsa_hw_desc *d, enum sva_accel_insn insn, bool limited);

#endif /* SVA_ACCEL_INTERNAL_H */

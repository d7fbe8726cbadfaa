/* SPDX-License-Identifier: MIT */
/*
 * The insides of the software accelerator, shared by the files of src/drivers/accel:
 *
 *   accel.c   the device: creation, removal, the uacce ops (get / put / start / stop queue,
 *             the portal page, the info ioctl), counters;
 *   submit.c  MOVDIR64B / ENQCMD: the portal found through the caller's mm, the IA32_PASID
 *             register, the descriptor queued on its WQ;
 *   engine.c  the engines: a descriptor taken from a WQ, executed page by page with the DMA
 *             helpers, its completion record written; aborting a queue's descriptors;
 *   crc32c.c  CRC32C;
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
#include "sva/accel.h"
#include "sva/swiommu.h"

#define SVA_ACCEL_DEFAULT_DEPTH	    32u
#define SVA_ACCEL_DEFAULT_MAX_XFER  (2u << 20)
#define SVA_ACCEL_DEFAULT_MAX_BATCH 32u
#define SVA_ACCEL_MAX_BATCH	    1024u

enum sva_accel_ctx_state {
	SVA_ACCEL_CTX_INIT,    /* opened, not started */
	SVA_ACCEL_CTX_STARTED, /* accepts descriptors */
	SVA_ACCEL_CTX_STOPPED, /* refuses them; its descriptors aborted */
};

struct sva_accel_wq;

/* One open queue of a WQ. */
struct sva_accel_ctx {
	struct sva_accel_wq *wq;
	struct sva_uacce_queue *q;	/* compared only: the key submission finds the ctx by */
	uint32_t pasid;			/* the opener's (bound) PASID */
	enum sva_accel_ctx_state state; /* under wq->lock */
	atomic_uint inflight;		/* jobs of it running on engines; changed under wq->lock */
	atomic_bool abort;		/* stopping: engines end its job at the next page */
	struct sva_list_head node;	/* wq->ctxs */
};

/* A descriptor waiting in a WQ. */
struct sva_accel_slot {
	struct sva_dsa_desc desc; /* pasid: the PASID it runs on, valid bit set */
	uint64_t gen;		  /* of the PASID's owner when it was accepted */
	struct sva_accel_ctx *ctx;
	struct sva_list_head node; /* wq->pending, wq->free, or a stopper's list */
};

struct sva_accel_wq {
	struct sva_accel *a;
	unsigned index;
	char name[32];
	enum sva_accel_wq_mode mode;
	bool bof;
	unsigned depth;
	struct sva_page *portal;
	struct sva_uacce_device *u;
	struct sva_spinlock lock;     /* everything below */
	struct sva_list_head ctxs;    /* struct sva_accel_ctx */
	struct sva_list_head pending; /* struct sva_accel_slot, in submission order */
	struct sva_list_head free;    /* the only proof a slot is free (see above) */
	unsigned npending;	      /* on pending; a stopper's slots are on neither list */
	uint32_t pasid;		      /* dedicated: the programmed PASID, or SVA_PASID_INVALID */
	struct sva_waitq idle;	      /* stoppers wait here for a ctx's jobs to end */
	struct sva_accel_slot slots[];
};

struct sva_accel_engine {
	struct sva_accel *a;
	unsigned index;
	struct sva_actor *actor;
	unsigned next_wq; /* round robin over the WQs */
	uint8_t buf[2][SVA_PAGE_SIZE];
};

struct sva_accel_counters {
	atomic_uint_fast64_t submitted, completed, aborted, page_faults, errors, records_lost,
		bytes, page_requests;
};

struct sva_accel {
	struct sva_kernel *k;
	struct sva_world *w;
	struct sva_device *dev;
	struct sva_phys *phys;
	char name[16];
	uint32_t max_xfer, max_batch;
	enum sva_accel_cdev_rule cdev_rule; /* whether another mm may use a queue's file */
	unsigned nwqs, nengines;
	struct sva_accel_wq *wqs[SVA_ACCEL_MAX_WQS];
	struct sva_accel_engine *engines[SVA_ACCEL_MAX_ENGINES];
	atomic_uint queued;    /* descriptors pending in every WQ (engines wait for > 0) */
	atomic_bool stopping;  /* destroy: engines end */
	struct sva_waitq work; /* engines wait here */
	struct sva_accel_counters c;
};

/* A descriptor an engine runs (or a stopper aborts). */
struct sva_accel_job {
	struct sva_accel_wq *wq;
	struct sva_accel_ctx *ctx;
	struct sva_dsa_desc desc;
	uint32_t pasid;
	uint64_t gen; /* the slot's */
};

static inline void sva_accel_count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* engine.c */
int sva_accel_engines_start(struct sva_accel *a, unsigned n);
void sva_accel_engines_stop(struct sva_accel *a);
/* Stop @ctx: refuse, abort its pending descriptors, wait for its jobs (uacce stop_queue). */
void sva_accel_ctx_stop(struct sva_accel_ctx *ctx);

/* submit.c */
enum sva_accel_insn {
	SVA_ACCEL_MOVDIR64B,
	SVA_ACCEL_ENQCMD,
};

/* Queue @d on @wq for the open queue @q, stored from @mm (its mmap_lock held, the portal mapped).
 */
int sva_accel_wq_enqueue(struct sva_accel_wq *wq, struct sva_uacce_queue *q, struct sva_mm *mm,
			 const struct sva_dsa_desc *d, enum sva_accel_insn insn);

#endif /* SVA_ACCEL_INTERNAL_H */

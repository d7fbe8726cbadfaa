/* SPDX-License-Identifier: MIT */
/*
 * PRI in the swiommu: both ends of a page request.
 *
 *  - The device (pri.c): a PRI-capable device keeps its outstanding page-request groups in a
 *    small table (SVA_PRI_OUTSTANDING slots, each a unique 9-bit group index); a requester sends
 *    the group to its IOMMU's PRQ and sleeps (killable) until the response marks its slot
 *    answered. A FAILURE response stops the device's PRI until sva_pri_reset(), as PCIe does.
 *
 *  - The IOMMU (prq.c): one page-request queue per instance, a ring of cfg.prq_entries, made
 *    with the first PRI-capable device and gone with the last one, with a consumer actor ("prq",
 *    a daemon) and the core's fault queue (sva_iopf_queue) every PRI-capable device is added
 *    to. A group is sent under the PRQ lock at once: the PASID entry is checked there (not
 *    translating: the IOMMU answers INVALID itself), then each request is queued, or dropped
 *    when the ring is full or has overflowed (a dropped last request gets an automatic SUCCESS:
 *    the device retries and faults again). The consumer takes one entry at a time, discards
 *    stop markers, reports the rest to the core (sva_iommu_report_device_fault); after an
 *    overflow, once the ring is empty, it discards the core's partial requests and reopens the
 *    ring. Responses come back through the driver's page_response op.
 *
 * Draining a PASID (sva_sw_prq_drain_pasid, from the blocked domain's set_dev_pasid, after the
 * entry was made invalid): wait until the consumer has taken and reported every entry queued
 * before (the entry state is checked under the PRQ lock when a group is queued, so nothing for
 * the PASID is queued after the drain read the count), flush the core's fault queue (the
 * handlers of what was reported have run), then answer whatever is still pending on the PASID
 * INVALID. The consumer's path takes no group mutex and no iommu_sva_lock: a detach holds them
 * while it drains.
 *
 * Lock order: (group mutex, iommu_sva_lock) -> drain wait; PRQ lock and the device's PRI lock
 * are leaves, never nested in each other; the core's fault-param lock -> the PRI lock
 * (page_response). sw->lock -> PRQ creation (never its destruction, which joins actors).
 */
#ifndef SVA_SWIOMMU_PRQ_H
#define SVA_SWIOMMU_PRQ_H

#include <stdatomic.h>
#include <stdint.h>

#include "sva/swiommu.h"
#include "sva/sync.h"

#define SVA_SW_DEFAULT_PRQ 64
#define SVA_SW_MAX_PRQ	   (1u << 16)
#define SVA_SW_PRGI_MAX	   512u /* PCIe page request group index: 9 bits */

struct sva_swiommu;
struct sva_sw_device;

/* ---- the device side (pri.c) ---- */

enum sva_sw_prg_state {
	SVA_SW_PRG_FREE,
	SVA_SW_PRG_WAITING,   /* sent, its requester sleeps */
	SVA_SW_PRG_ANSWERED,  /* the response is in code */
	SVA_SW_PRG_ABANDONED, /* the requester was killed: freed when the response comes */
};

/* One outstanding page-request group. */
struct sva_sw_prg {
	_Atomic int state; /* enum sva_sw_prg_state, changed under the PRI lock */
	_Atomic int code;  /* enum sva_page_response_code, when answered */
	uint32_t pasid, grpid;
	/* sva_pri_submit's: answered to @done(@ctx), or polled when @done is NULL */
	bool async;
	sva_pri_done_fn done;
	void *ctx;
};

struct sva_sw_pri {
	struct sva_spinlock lock; /* slots, next_grpid */
	struct sva_waitq wq;	  /* requesters: their response, or a free slot */
	atomic_bool stopped;	  /* a FAILURE response came: no requests until reset */
	unsigned next_grpid;
	unsigned nslots; /* the device's allocation: slots[0..nslots) are used */
	struct sva_sw_prg slots[SVA_PRI_OUTSTANDING];
};

/* @reqs: the device's PRI allocation (0 or beyond the table: SVA_PRI_OUTSTANDING). */
void sva_sw_pri_init(struct sva_sw_pri *pri, struct sva_world *w, unsigned reqs);
void sva_sw_pri_destroy(struct sva_sw_pri *pri);
/* A response for (@pasid, @grpid) reached the device (any source: core or IOMMU). */
void sva_sw_pri_respond(struct sva_sw_device *sdev, uint32_t pasid, uint32_t grpid,
			enum sva_page_response_code code);

/* ---- the IOMMU side (prq.c) ---- */

struct sva_sw_prq_entry {
	struct sva_sw_device *sdev;
	struct sva_page_request req;
};

/* The ring's state, under the PRQ lock. */
struct sva_sw_prq_state {
	unsigned head;
	bool overflow;	   /* dropping every request until the consumer empties the ring */
	uint64_t enqueued; /* entries ever queued */
};

/* @prq's state, its lock asserted. */
#define sva_sw_prq_st(prq) (&sva_guarded(&(prq)->lock, (prq)->st))

struct sva_sw_prq {
	struct sva_swiommu *sw;
	struct sva_spinlock lock; /* the ring and st */
	unsigned cap;
	SVA_GUARDED_BY(struct sva_sw_prq_state) st; /* under lock */
	_Atomic unsigned count;			    /* entries queued; changed under the lock */
	_Atomic uint64_t done;			    /* entries taken and reported by the consumer */
	_Atomic uint64_t reopens; /* overflows ended (the ring emptied and reopened) */
	atomic_bool stopping;
	struct sva_waitq wq;	  /* the consumer waits for entries */
	struct sva_waitq drained; /* drainers wait for done */
	struct sva_actor *consumer;
	struct sva_iopf_queue *iopf;
	struct sva_sw_prq_entry ring[]; /* [cap] */
};

/* Counters of the instance (kept across PRQ lifetimes), read by get_stats. */
struct sva_sw_prq_counters {
	_Atomic uint64_t requests, overflows, auto_responses, refused, stop_markers, unmatched;
	_Atomic uint64_t responses[SVA_PAGE_RESP_CODES];
};

/* The PRQ of a PRI-capable device being probed / released (made or freed with it). */
int sva_sw_prq_add_device(struct sva_swiommu *sw, struct sva_sw_device *sdev);
void sva_sw_prq_remove_device(struct sva_swiommu *sw, struct sva_sw_device *sdev);
/* How the IOMMU took a group. */
struct sva_sw_prq_sent {
	bool answered;			  /* by the IOMMU itself (refused, or dropped): code */
	bool automatic;			  /* dropped on overflow: an automatic SUCCESS */
	enum sva_page_response_code code; /* when answered (already delivered to the slot) */
	uint64_t reopens;		  /* when automatic: the overflow epoch it was dropped in */
};

/* Send one group from @sdev (@n requests, the last one last-in-group, or one stop marker). */
void sva_sw_prq_send(struct sva_sw_device *sdev, const struct sva_page_request *reqs, unsigned n,
		     struct sva_sw_prq_sent *out);
/*
 * After an automatic response, the device retries only once the IOMMU has emptied and reopened
 * its queue (the time the response and the retry take in hardware: without it a device could
 * spin on automatic responses faster than the queue drains). Killable.
 */
void sva_sw_prq_wait_reopen(struct sva_sw_prq *prq, uint64_t reopens);
/* pri.c: one page request (the DMA helpers'): as sva_pri_request(), and whether the answer
 * was an automatic one (which does not count against the helpers' retries). */
int sva_sw_pri_request(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		       enum sva_page_response_code *code, bool *automatic);
/* The end of a detach of @pasid on @sdev (entry already invalid): see the top of the file. */
void sva_sw_prq_drain_pasid(struct sva_sw_device *sdev, uint32_t pasid);
/* The driver's page_response op. */
int sva_sw_page_response(struct sva_device *dev, const struct sva_page_request *last,
			 const struct sva_page_response *resp);

static inline void sva_sw_counter_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

#endif /* SVA_SWIOMMU_PRQ_H */

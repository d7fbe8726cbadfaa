/* SPDX-License-Identifier: MIT */
/*
 * The software IOMMU driver (src/drivers/swiommu/): what a VT-d or SMMUv3 with PASID, ATS and
 * PRI does, in software, behind the IOMMU core's driver interface.
 *
 *  - a PASID table per device; an entry is invalid, translating (an SVA domain: the mm's page
 *    table; a paging domain: its own), blocking-silent (after the mm's release: DMA aborted,
 *    nothing reported) or blocking-reporting (a blocked domain attached);
 *  - a PASID-tagged IOTLB per IOMMU, set-associative on a struct key (domain id, PASID, page),
 *    with hit / miss / eviction counters, sized down to one entry when asked;
 *  - a walker that reads the page table as hardware does (accessed / dirty set atomically);
 *  - a device ATC filled by ATS translation requests; every IOTLB invalidation that covers a
 *    device reaches its ATC;
 *  - mmu-notifier ops: invalidate flushes IOTLB and ATCs for the range (the whole PASID above a
 *    threshold) and waits for DMA in flight; release turns the mm's entries blocking-silent;
 *  - a fault log (the kernel's dmesg) with counters per reason;
 *  - PRI: a bounded page-request queue (PRQ) per instance that devices send page requests to,
 *    drained by the instance's "prq" thread into the core's I/O page-fault path
 *    (sva_iommu_report_device_fault), and responses delivered back to the waiting device; on
 *    overflow requests are dropped and a last request of its group gets an automatic SUCCESS;
 *    stop markers are discarded; a detach drains the queue and the fault queue before the
 *    PASID can have another owner.
 *
 * The embedding API for device models: sva_translate(), sva_ats_translate(), and the DMA
 * helpers sva_dma_read() / sva_dma_write(), which translate page by page inside an in-flight
 * section that invalidations wait for (so no DMA reaches a frame after its invalidation
 * completed). A PRI-capable device (sva_device_config.pri) resolves its faults with page
 * requests: sva_pri_request(), and the DMA helpers do it on their own. See docs/embedding.md.
 */
#ifndef SVA_SWIOMMU_H
#define SVA_SWIOMMU_H

#include <assert.h>

#include "sva/api.h"
#include "sva/iommu.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): the software IOMMU's PASID
 * tables, IOTLBs (and ATCs), fault records, page request queues.
 */
extern const struct sva_obj_class sva_obj_pasid_table;
extern const struct sva_obj_class sva_obj_iotlb;
extern const struct sva_obj_class sva_obj_fault_record;
extern const struct sva_obj_class sva_obj_prq;
/* Test only (sva_world_config.breaks): a PASID's detach does not drain its page requests. */
#define SVA_BREAK_NO_PRQ_DRAIN		(1u << 0)
/* Test only: an mm's invalidation leaves the IOTLB and ATCs as they are. */
#define SVA_BREAK_KEEP_IOTLB		(1u << 1)
/* Test only: the embedder's invalidation (sva_swiommu_invalidate) does not wait for DMA. */
#define SVA_BREAK_EMBED_INVAL_NO_WAIT	(1u << 6)
/* Test only: the embedder's invalidation flushes the IOTLB but leaves the device's ATC. */
#define SVA_BREAK_EMBED_INVAL_KEEPS_ATC (1u << 7)
static_assert(((SVA_BREAK_NO_PRQ_DRAIN | SVA_BREAK_KEEP_IOTLB | SVA_BREAK_EMBED_INVAL_NO_WAIT |
		SVA_BREAK_EMBED_INVAL_KEEPS_ATC) &
	       (SVA_BREAK_BIND_LEAKS_BOND | SVA_BREAK_ACCESS_NO_PTL |
		SVA_BREAK_RECLAIM_WRITEOUT_FIRST)) == 0 &&
		      (SVA_BREAK_NO_PRQ_DRAIN & SVA_BREAK_KEEP_IOTLB) == 0 &&
		      (SVA_BREAK_EMBED_INVAL_NO_WAIT & SVA_BREAK_EMBED_INVAL_KEEPS_ATC) == 0 &&
		      (SVA_BREAK_BIND_LEAKS_BOND & SVA_BREAK_ACCESS_NO_PTL) == 0,
	      "the layers' SVA_BREAK_* bits overlap");
/*
 * Name this layer's values in @w's trace (sva_trace_format: fault reasons, PASID entry
 * states); sva_swiommu_create() does. Context: setup.
 */
void sva_swiommu_name_formats(struct sva_world *w);

struct sva_swiommu;
struct sva_swiommu_mem;

struct sva_swiommu_config {
	const char *name;
	unsigned pasid_bits;	  /* the instance's PASID width; 0 = 20 */
	unsigned iotlb_sets;	  /* 0 = 64 */
	unsigned iotlb_ways;	  /* 0 = 4 */
	unsigned atc_entries;	  /* per device; 0 = 32 */
	uint64_t flush_all_pages; /* invalidations of more pages flush the whole PASID; 0 = 64 */
	size_t fault_log_entries; /* 0 = 256 */
	unsigned prq_entries;	  /* the page-request queue (PRI); 0 = 64 */
	/* The embedder's memory (see below); NULL: only libsva's frames. Must outlive @sw. */
	const struct sva_swiommu_mem *mem;
};

int sva_swiommu_create(struct sva_iommu_sys *sys, const struct sva_swiommu_config *cfg,
		       struct sva_swiommu **out);
/* Its devices must be removed first. */
void sva_swiommu_destroy(struct sva_swiommu *sw);
struct sva_iommu *sva_swiommu_iommu(struct sva_swiommu *sw);
struct sva_swiommu *sva_swiommu_of(struct sva_device *dev);

/* ---- translation ----------------------------------------------------------------------- */

enum {
	SVA_ACCESS_READ = 1u << 0,
	SVA_ACCESS_WRITE = 1u << 1,
	SVA_ACCESS_EXEC = 1u << 2,
	SVA_ACCESS_PRIV = 1u << 3, /* a privileged (supervisor) request */
};

#define SVA_FAULT_REASONS(X)                                   \
	X(NONE, "none")                                        \
	X(NO_PASID_SUPPORT, "device has no PASID support")     \
	X(PASID_RANGE, "PASID beyond the device's max_pasids") \
	X(PASID_INVALID, "PASID entry not present")            \
	X(PASID_BLOCKED, "PASID entry blocking")               \
	X(NOT_PRESENT, "page not present")                     \
	X(WRITE, "write to a read-only page")                  \
	X(EXEC, "execute from a no-execute page")              \
	X(USER, "user request to a supervisor page")

enum sva_fault_reason {
#define SVA_FAULT_ENUM(name, str) SVA_FAULT_##name,
	SVA_FAULT_REASONS(SVA_FAULT_ENUM)
#undef SVA_FAULT_ENUM
		SVA_FAULT_NR
};

const char *sva_fault_reason_name(enum sva_fault_reason reason);

struct sva_translation {
	uint64_t pfn;		      /* the 4 KiB frame of va (inside a huge page: its frame) */
	unsigned perm;		      /* SVA_ACCESS_READ | WRITE | EXEC granted */
	enum sva_fault_reason reason; /* SVA_FAULT_NONE on success */
	bool iotlb_hit;
	bool embedder;	     /* pfn is a page of the embedder's memory (a first-stage table) */
	unsigned page_shift; /* the page that maps va: 12 (4 KiB), 21 (2 MiB), 30 (1 GiB) */
	bool external;	     /* va is in an external mm (sva_mm_external): pfn means nothing */
};

/*
 * Translate @va on @pasid for @access (SVA_ACCESS_*). 0 and the frame, or -EFAULT and the
 * reason (reported in the fault log unless the entry is blocking-silent). The frame may be used
 * only inside sva_dma_begin() / sva_dma_end().
 */
int sva_translate(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		  struct sva_translation *out);
/* An in-flight section: invalidations complete only after it ends. Not nestable. */
void sva_dma_begin(struct sva_device *dev);
void sva_dma_end(struct sva_device *dev);

/* ATS: a translation request, answered from the IOTLB / walk, cached in the device's ATC. */
struct sva_ats_completion {
	uint64_t pfn;	    /* the 4 KiB frame of the address asked for */
	bool r, w, x;	    /* all false: no permission (or blocked) */
	uint64_t page_size; /* of the page that maps it: 4 KiB, 2 MiB or 1 GiB */
	bool embedder;	    /* pfn is in the embedder's memory */
};
int sva_ats_translate(struct sva_device *dev, uint32_t pasid, uint64_t va,
		      struct sva_ats_completion *out);
/* Look @va up in the device's ATC only: true on a hit (an ATS-capable device does this first). */
bool sva_atc_lookup(struct sva_device *dev, uint32_t pasid, uint64_t va,
		    struct sva_ats_completion *out);

/*
 * A translation as QEMU's IOMMUTLBEntry carries it: the page of @iova that the answer covers
 * (iova & ~addr_mask), the address it translates to (translated_addr, page-aligned: a frame
 * address of libsva's arena, pfn << 12, or a guest-physical address of the embedder's memory),
 * the page size less one (0xfff, 0x1fffff, 0x3fffffff), and the permissions granted
 * (SVA_ACCESS_READ | WRITE | EXEC; 0 = none: QEMU's IOMMU_NONE).
 */
struct sva_tlb_entry {
	uint64_t iova;
	uint64_t translated_addr;
	uint64_t addr_mask;
	unsigned perm;
	bool embedder; /* translated_addr is in the embedder's memory */
};

/*
 * sva_translate() answered as an entry. A fault: -EFAULT, perm 0, *@reason (may be NULL). Only
 * the permissions the page allows and the access asked for are granted: a read answers
 * without W on a clean page (ask with SVA_ACCESS_WRITE to have it marked dirty and granted W).
 */
int sva_translate_entry(struct sva_device *dev, uint32_t pasid, uint64_t iova, unsigned access,
			struct sva_tlb_entry *out, enum sva_fault_reason *reason);
/*
 * An ATS translation request answered as an entry (ATS semantics, cached in the ATC as
 * sva_ats_translate()): perm 0 (R = W = 0) for a page-level refusal and once the PASID's
 * mm was released (blocking-silent); -EFAULT for a PASID-level error; -EOPNOTSUPP without ATS.
 */
int sva_ats_translate_entry(struct sva_device *dev, uint32_t pasid, uint64_t iova,
			    struct sva_tlb_entry *out);

/* ---- DMA helpers for device models ---------------------------------------------------------- */

struct sva_dma_status {
	size_t done;			      /* bytes transferred */
	enum sva_fault_reason reason;	      /* why it stopped (SVA_FAULT_NONE when complete) */
	uint64_t fault_addr;		      /* the address that faulted */
	unsigned pri_requests;		      /* page requests issued (PRI-capable devices) */
	enum sva_page_response_code response; /* the last page response, if pri_requests */
};

/*
 * Copy [va, va + len) on @pasid to @buf (read) or from it (write), page by page. 0 when
 * complete; -EFAULT at the first fault not resolved (st->reason, st->fault_addr); -EINVAL when
 * the range wraps. A PRI-capable device resolves a NOT_PRESENT or WRITE fault with a page
 * request (outside the DMA section) and translates again on SUCCESS, up to SVA_PRI_RETRIES
 * times per page (automatic responses of an overflowed queue not counted); INVALID ends the
 * copy with -EFAULT; FAILURE, or a device whose PRI is stopped, with -EIO; a fatal signal while
 * waiting with -EINTR.
 */
int sva_dma_read(struct sva_device *dev, uint32_t pasid, uint64_t va, void *buf, size_t len,
		 struct sva_dma_status *st);
int sva_dma_write(struct sva_device *dev, uint32_t pasid, uint64_t va, const void *buf, size_t len,
		  struct sva_dma_status *st);

enum {
	SVA_DMA_WRITE = 1u << 0, /* to memory (from @buf); else a read */
	SVA_DMA_NO_PRI =
		1u << 1, /* no page request: the first fault ends the copy, as without PRI */
};
/*
 * The same copy with @flags: what a PRI-capable device does for a job that must not block on
 * faults (the accelerator's queues without block-on-fault). @buf is only read for a write.
 */
int sva_dma_copy(struct sva_device *dev, uint32_t pasid, uint64_t va, void *buf, size_t len,
		 unsigned flags, struct sva_dma_status *st);
/*
 * The same, for work accepted earlier under generation @gen of the PASID's owner
 * (sva_swiommu_pasid_gen() then): the accesses carry it, so DMA done for a former owner is a
 * violation the checker sees. sva_dma_copy() issues its copy now (the entry's generation).
 */
int sva_dma_copy_gen(struct sva_device *dev, uint32_t pasid, uint64_t gen, uint64_t va, void *buf,
		     size_t len, unsigned flags, struct sva_dma_status *st);

/*
 * A DMA run, the native fast path of a device model that moves data between pages of one PASID
 * (an accelerator's copy): one in-flight section over many pages, each page's frame reached
 * directly, no buffer. Every field private (sva/api.h): embed it, use it through these calls.
 *
 * sva_dma_run_begin() opens the section: true in native; false in sim, where a device model
 * uses sva_dma_copy_gen() (every translation and page a scheduling point) and no run exists.
 * sva_dma_run_page() gives the bytes of @va's page from @va on (to the page's end) for a read or
 * a write, valid until the run ends, or NULL when they are not at hand without leaving the
 * section - a translation that faults, an ATC miss (the translation request waits), memory
 * libsva does not own (an external mm, the embedder's): nothing is logged or counted then;
 * the caller ends the run and moves that piece with sva_dma_copy_gen(), which does it all as
 * usual (faults, page requests), and may begin a run again. sva_dma_run_access() records the
 * access for the checker (dma.access, when someone subscribes): call it for each page once all
 * the pages of a step are at hand, before touching them. The run must end before anything
 * that waits (a page request, a sleep): an invalidation waits for it.
 */
struct sva_dma_memo;
struct sva_dma_run {
	struct sva_device *dev;
	uint32_t pasid;
	uint64_t gen;
	unsigned idx;
	bool held;
	struct sva_dma_memo *memo;
};
bool sva_dma_run_begin(struct sva_dma_run *r, struct sva_device *dev, uint32_t pasid, uint64_t gen);

/*
 * A device model's memo of the pages its runs reached, kept from run to run by one thread (an
 * engine's, say: a descriptor ring reuses its pages): a page found there skips the IOTLB's
 * lookup. An entry holds only while nothing was invalidated on the IOMMU since it was made
 * (the IOTLB's generation, read inside the run, as a fill reads it) and the PASID entry is the
 * same word - every change of translation bumps the generation before its flush, and waits for
 * the runs that may still use the old frame, as for an IOTLB hit. Counted as an IOTLB hit.
 * A page enters it when the IOTLB answered for it (a page walked is not kept: streams of
 * pages, each reached once, would only evict it).
 * Not used with an LRU IOTLB (whose hits update the order) or an ATS device (its ATC answers).
 * Zero it (or sva_dma_memo_reset()) before its first use; every field private.
 */
#define SVA_DMA_MEMO_ENTRIES 64 /* 32 pages each way: a 128 KiB descriptor's */
struct sva_dma_memo_entry {
	uint64_t vpn, word, gen, pfn;
	char *frame;
	uint32_t pasid;
	bool write, valid;
};
struct sva_dma_memo {
	struct sva_device *dev;
	struct sva_dma_memo_entry e[SVA_DMA_MEMO_ENTRIES];
};
void sva_dma_memo_reset(struct sva_dma_memo *m);
/* sva_dma_run_begin() with @memo (NULL: none) for the run's page lookups. */
bool sva_dma_run_begin_memo(struct sva_dma_run *r, struct sva_device *dev, uint32_t pasid,
			    uint64_t gen, struct sva_dma_memo *memo);
void *sva_dma_run_page(struct sva_dma_run *r, uint64_t va, bool write, uint64_t *pfn);
void sva_dma_run_access(struct sva_dma_run *r, uint64_t va, uint64_t pfn, bool write);
void sva_dma_run_end(struct sva_dma_run *r);

/* ---- PRI: page requests from the device (PCIe Page Request Interface) ------------------------ */

/* Requests in one page-request group; groups a device may have outstanding (PRGI 9 bits). */
#define SVA_PRI_GROUP_MAX   32u
#define SVA_PRI_OUTSTANDING 32u
/* SUCCESS responses the DMA helpers act on for one page before they give up. */
#define SVA_PRI_RETRIES	    16u
#define SVA_PAGE_RESP_CODES 3u /* SUCCESS, INVALID, FAILURE */

struct sva_pri_page {
	uint64_t va;	 /* any address in the page */
	unsigned access; /* SVA_ACCESS_READ | WRITE | EXEC, and SVA_ACCESS_PRIV */
};

/*
 * Send the page requests of one group (@n pages, the last one last-in-group, one group index)
 * and wait for the group's response: 0 and *@code. SUCCESS: translate again (the pages were
 * made present; they may be gone again by then); INVALID: the access fails; FAILURE: the
 * device's PRI is stopped until sva_pri_reset(). The IOMMU answers at once INVALID when the
 * PASID entry does not translate, and SUCCESS when its queue overflowed and the last request
 * was dropped (the call then returns once the queue has reopened, as a retry would). Errors:
 * -EOPNOTSUPP (no PRI capability), -EINVAL (@n is 0 or above SVA_PRI_GROUP_MAX, PASID out of
 * range), -EIO (PRI stopped), -EINTR (a fatal signal while waiting; the response is consumed when
 * it comes). Must not be called inside a DMA section. A group larger than the IOMMU's queue
 * (cfg.prq_entries) can never be queued whole: its last request is always dropped.
 */
int sva_pri_request_group(struct sva_device *dev, uint32_t pasid, const struct sva_pri_page *pages,
			  unsigned n, enum sva_page_response_code *code);
/* One request, last in its group (the common case). */
int sva_pri_request(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		    enum sva_page_response_code *code);
/* A PASID stop marker: queued like a request, discarded by the IOMMU, never answered. */
int sva_pri_stop_marker(struct sva_device *dev, uint32_t pasid);
/* Reset the device's PRI after a FAILURE response (PCIe: PRI disabled and enabled again). */
void sva_pri_reset(struct sva_device *dev);
bool sva_pri_is_stopped(struct sva_device *dev);
/*
 * Disable I/O page faults for @dev (the kernel's iommu_dev_disable_feature(dev, IOPF)): the
 * requests already in the PRQ are reported, then the device leaves its fault queue - pending
 * groups are answered INVALID and later requests too (no fault parameter). The device keeps
 * PRI. 0, or -ENODEV for a device without PRI. Idempotent.
 */
int sva_swiommu_disable_iopf(struct sva_device *dev);

/*
 * Asynchronous page requests, for device models driven by an event loop: submit returns at
 * once with the group index; the response comes through @done (called from the thread that
 * answers: the IOMMU's "prq" thread, the fault handler's workqueue, or the caller itself when
 * the IOMMU answers at once) or, with @done NULL, through sva_pri_poll(). @done must not call
 * back into libsva and must not block. -EOPNOTSUPP, -EINVAL, -EIO as
 * sva_pri_request(); -EBUSY when the device's allocation of groups (pri_reqs, at most
 * SVA_PRI_OUTSTANDING) is outstanding (never sleeps).
 * An automatic response of an overflowing queue is SUCCESS, as for the blocking call: the
 * device retries (it faults again and asks again).
 */
/* @done runs with IOMMU locks held: it records the answer and returns (no libsva call). */
typedef void (*sva_pri_done_fn)(void *ctx, struct sva_device *dev, uint32_t pasid, uint32_t grpid,
				enum sva_page_response_code code);
int sva_pri_submit(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		   sva_pri_done_fn done, void *ctx, uint32_t *grpid);
/*
 * The response of the group @grpid submitted with @done NULL: 0 and *@code (the group is
 * then done and its index free), -EAGAIN while it is outstanding, -ENOENT when no group
 * @grpid was submitted for polling. Never blocks.
 */
int sva_pri_poll(struct sva_device *dev, uint32_t grpid, enum sva_page_response_code *code);

/* ---- the embedder's memory: first-stage page tables outside libsva --------------------------
 *
 * A device model keeps its own guest memory and its own page tables. It gives the swiommu a
 * backend (cfg.mem) and points PASID entries at first-stage tables in that memory
 * (sva_swiommu_set_pasid_table()): x86-64 4-level tables with 4 KiB, 2 MiB and 1 GiB pages,
 * as VT-d scalable mode's first stage reads them (PRESENT, R/W, U/S, PS, XD; ACCESSED and
 * DIRTY are set by the walker). Translations through them return guest-physical addresses;
 * the DMA helpers copy to and from that memory through the backend.
 *
 * The backend: @read / @write copy guest-physical ranges (0 or a negative errno, -EFAULT for
 * an address with no memory); @host_ptr, optional, returns a host pointer valid for
 * [gpa, gpa + len) (never crossing the page) or NULL, and is preferred when given: the walker
 * then reads and updates entries with 64-bit atomics, and the DMA helpers use memcpy;
 * @cmpxchg64, optional, is how A/D bits are set through @read memory (without it, and
 * without @host_ptr, A/D bits are set by a read-compare-write that is not atomic against a
 * CPU changing the same entry). A backend that reads a live process's memory by virtual
 * address (pread / pwrite on /proc/PID/mem) fits @read / @write with @host_ptr NULL; a
 * first-stage root is then an address in that process.
 *
 * @page_request: a page-request group for a PASID whose entry points at embedder tables (a
 * PRI-capable device's request, the guest OS's job): make the pages present and answer with
 * sva_swiommu_page_response(), now or later (from an event loop). NULL: answered INVALID.
 * Called from the IOMMU's "prq" thread; it must not block on DMA of the same device.
 *
 * The embedder changes its tables and then invalidates (sva_swiommu_invalidate(): VT-d's
 * PASID-based IOTLB invalidation), which flushes the IOTLB and the ATC, calls the device's
 * unmap notifier and waits for DMA sections in flight.
 */
struct sva_iopf_group;

struct sva_swiommu_mem {
	int (*read)(void *ctx, uint64_t gpa, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, size_t len);
	void *(*host_ptr)(void *ctx, uint64_t gpa, size_t len);
	int (*cmpxchg64)(void *ctx, uint64_t gpa, uint64_t old, uint64_t val);
	int (*page_request)(void *ctx, struct sva_device *dev, struct sva_iopf_group *group);
	void *ctx;
};

/* A requester ID: PCIe bus / device / function. */
#define SVA_RID(bus, dev, fn) ((uint16_t)(((bus) << 8) | ((dev) << 3) | (fn)))

struct sva_swiommu_device_config {
	const char *name;
	uint16_t rid;	     /* bus/device/function (SVA_RID); unique behind the swiommu */
	unsigned pasid_bits; /* the PASID capability's width; 0 = no PASID */
	bool ats, pri;
	unsigned pri_reqs; /* PRI's outstanding allocation (struct sva_device_config's) */
};

/* A device behind @sw with a requester ID. -EEXIST when @rid is taken; sva_device_add's. */
int sva_swiommu_device_add(struct sva_swiommu *sw, const struct sva_swiommu_device_config *cfg,
			   struct sva_device **out);
uint16_t sva_swiommu_device_rid(struct sva_device *dev);
/* The device of @rid behind @sw, or NULL (what an IOMMU does with a request's RID). */
struct sva_device *sva_swiommu_find_device(struct sva_swiommu *sw, uint16_t rid);

/*
 * Point @pasid of @dev at the first-stage table whose root (PML4) is at guest-physical
 * @root_gpa in the embedder's memory (replacing what the entry held). -EOPNOTSUPP without
 * cfg.mem, -EINVAL (unaligned root, PASID 0 or out of range), -EBUSY, -ENOMEM.
 */
int sva_swiommu_set_pasid_table(struct sva_device *dev, uint32_t pasid, uint64_t root_gpa);
/* Make the entry invalid again (flush, wait for DMA, drain page requests). -ENOENT if none. */
int sva_swiommu_clear_pasid_table(struct sva_device *dev, uint32_t pasid);
/*
 * The embedder changed the tables of (@dev, @pasid) for [addr, addr + size) (size 0: the
 * whole PASID): flush the IOTLB and the ATC, tell the unmap notifier, wait for DMA in
 * flight. Afterwards no translation from before the change is used. -ENOENT if the entry is
 * not an embedder table.
 */
int sva_swiommu_invalidate(struct sva_device *dev, uint32_t pasid, uint64_t addr, uint64_t size);
/*
 * The embedder is about to change (or changed) the tables of (@dev, @pasid) for [addr, addr +
 * size) (size 0: the whole PASID), and will invalidate: nothing is flushed, only traced
 * (swiommu.embed_change), so that the invariant checker knows that until the invalidation
 * covering it is done the device may still use the old translation there. Optional for the
 * IOMMU; without it the checker judges every access to the embedder's memory against the table
 * as it is at the access (see docs/embedding.md, "The checker and the embedder's tables").
 */
void sva_swiommu_table_changed(struct sva_device *dev, uint32_t pasid, uint64_t addr,
			       uint64_t size);
/*
 * The leaf entry of @va in the first-stage table rooted at @root_gpa as it is now, as a 4 KiB
 * entry (sva_pgtable_query_mem): read through the backend, nothing set, no lock, no scheduling
 * point - the invariant checker's query. 0 when not present or without cfg.mem.
 */
uint64_t sva_swiommu_query_table(struct sva_swiommu *sw, uint64_t root_gpa, uint64_t va);
/* Answer a group given to cfg.mem->page_request, and free it. */
void sva_swiommu_page_response(struct sva_iopf_group *group, enum sva_page_response_code code);

/*
 * The unmap notifier: told of every invalidation of @dev's translations, per (PASID, range)
 * [start, end) (end UINT64_MAX: the whole PASID), after the IOTLB and the ATC were flushed
 * and before the invalidation waits for DMA sections, so a device model's own caches (QEMU's
 * IOMMU notifiers, a device TLB of its own) stay coherent. Called with swiommu locks held:
 * it must not call into libsva or block. Set it before the device translates; NULL removes it.
 */
typedef void (*sva_unmap_notify_fn)(void *ctx, struct sva_device *dev, uint32_t pasid,
				    uint64_t start, uint64_t end);
void sva_swiommu_set_unmap_notifier(struct sva_device *dev, sva_unmap_notify_fn fn, void *ctx);

/* ---- the common case in one call --------------------------------------------------------- */

/*
 * A kernel with one software IOMMU and @ndevices devices behind it: a native world, the mm and
 * IOMMU subsystems, the swiommu (@iommu, NULL: defaults), the devices (requester IDs
 * 00:01.0, 00:02.0, ... when a config's rid is 0 and it is not the first). The fine-grained
 * calls stay for anything else; the objects are reachable through the accessors.
 *
 * With @swiommu, the devices are added to that IOMMU of the caller's instead (a machine whose
 * kernel and other devices exist already, a device model plugged in later): nothing else is
 * made, destroy keeps the IOMMU, its subsystems and world, and @iommu, @frames and @world are
 * not used.
 */
struct sva_embed_config {
	struct sva_swiommu *swiommu;
	const struct sva_swiommu_config *iommu;
	const struct sva_swiommu_device_config *devices; /* [ndevices] */
	unsigned ndevices;
	size_t frames; /* libsva's own arena (SVA domains, paging domains); 0 = its default */
	/* a world of the caller's (a sim world, say), kept by destroy; NULL: a native one made */
	struct sva_world *world;
};

struct sva_embed;

/* 0, -EINVAL (no devices, a bad config), -ENOMEM, or a step's error (everything undone).
 * Context: may sleep; with @cfg->swiommu, as sva_swiommu_device_add(). */
int sva_embed_create(const struct sva_embed_config *cfg, struct sva_embed **out);
/*
 * Tear it all down in the kernel's order: embedder tables still set are cleared, the devices
 * removed, the IOMMU, the subsystems, the world (unless they were the caller's). SVA bonds must
 * be unbound and mms dropped first, and the page requests given to the embedder answered.
 * Returns the number of reports the world made (0: clean).
 */
unsigned long sva_embed_destroy(struct sva_embed *e);
struct sva_device *sva_embed_device(struct sva_embed *e, unsigned i);
struct sva_swiommu *sva_embed_swiommu(struct sva_embed *e);
struct sva_world *sva_embed_world(struct sva_embed *e);
struct sva_mm_sys *sva_embed_mm_sys(struct sva_embed *e);

/* ---- state, counters, the fault log ------------------------------------------------------------
 */

enum sva_pasid_entry_state {
	SVA_PASID_ENTRY_INVALID,
	SVA_PASID_ENTRY_TRANSLATING,
	SVA_PASID_ENTRY_BLOCKING_SILENT,
	SVA_PASID_ENTRY_BLOCKING_REPORTING,
};
/* @state's name as the trace prints it ("TRANSLATING"; hex when none), in @buf. Returns @buf. */
const char *sva_pasid_entry_state_name(enum sva_pasid_entry_state state, char *buf, size_t len);

enum sva_pasid_entry_state sva_swiommu_pasid_state(struct sva_device *dev, uint32_t pasid);
/*
 * The generation of the PASID's owner @dev's entry translates for, 0 when none: what a device
 * stamps on work it accepts (a descriptor), so that work done for a former owner is seen.
 * Lockless, no scheduling point.
 */
uint64_t sva_swiommu_pasid_gen(struct sva_device *dev, uint32_t pasid);

struct sva_swiommu_stats {
	uint64_t iotlb_hits, iotlb_misses, iotlb_evictions, iotlb_invalidations;
	uint64_t walks;
	uint64_t ats_requests, atc_hits, atc_invalidations;
	uint64_t faults_reported[SVA_FAULT_NR];
	uint64_t faults_silenced; /* aborted while blocking-silent */
	uint64_t iotlb_entries;	  /* valid now */
	/* PRI */
	uint64_t prq_requests;	     /* page requests queued in the PRQ */
	uint64_t prq_overflows;	     /* requests dropped: the PRQ was full or overflowed */
	uint64_t prq_auto_responses; /* automatic SUCCESS for a dropped last request */
	uint64_t prq_refused;	     /* requests on an entry that does not translate (INVALID) */
	uint64_t prq_stop_markers;   /* stop markers discarded */
	uint64_t prq_responses[SVA_PAGE_RESP_CODES]; /* responses delivered, by code */
	uint64_t prq_unmatched; /* responses that matched no outstanding group */
};

void sva_swiommu_get_stats(struct sva_swiommu *sw, struct sva_swiommu_stats *out);

struct sva_fault_record {
	uint64_t time;
	char device[32];
	uint32_t pasid;
	uint64_t addr;
	unsigned access;
	enum sva_fault_reason reason;
};

/* Records logged so far / the @i-th held one (oldest first; -ENOENT past the end). */
uint64_t sva_swiommu_faults_logged(struct sva_swiommu *sw);
int sva_swiommu_fault_get(struct sva_swiommu *sw, size_t i, struct sva_fault_record *out);

SVA_END_DECLS

#endif /* SVA_SWIOMMU_H */

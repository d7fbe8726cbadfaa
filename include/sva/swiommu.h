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

#include "sva/iommu.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sva_swiommu;

struct sva_swiommu_config {
	const char *name;
	unsigned pasid_bits;	  /* the instance's PASID width; 0 = 20 */
	unsigned iotlb_sets;	  /* 0 = 64 */
	unsigned iotlb_ways;	  /* 0 = 4 */
	unsigned atc_entries;	  /* per device; 0 = 32 */
	uint64_t flush_all_pages; /* invalidations of more pages flush the whole PASID; 0 = 64 */
	size_t fault_log_entries; /* 0 = 256 */
	unsigned prq_entries;	  /* the page-request queue (PRI); 0 = 64 */
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
	uint64_t pfn;
	unsigned perm;		      /* SVA_ACCESS_READ | WRITE | EXEC granted */
	enum sva_fault_reason reason; /* SVA_FAULT_NONE on success */
	bool iotlb_hit;
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
	uint64_t pfn;
	bool r, w, x;	    /* all false: no permission (or blocked) */
	uint64_t page_size; /* 4096 */
};
int sva_ats_translate(struct sva_device *dev, uint32_t pasid, uint64_t va,
		      struct sva_ats_completion *out);
/* Look @va up in the device's ATC only: true on a hit (an ATS-capable device does this first). */
bool sva_atc_lookup(struct sva_device *dev, uint32_t pasid, uint64_t va,
		    struct sva_ats_completion *out);

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

/* ---- state, counters, the fault log ------------------------------------------------------------
 */

enum sva_pasid_entry_state {
	SVA_PASID_ENTRY_INVALID,
	SVA_PASID_ENTRY_TRANSLATING,
	SVA_PASID_ENTRY_BLOCKING_SILENT,
	SVA_PASID_ENTRY_BLOCKING_REPORTING,
};

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

#ifdef __cplusplus
}
#endif

#endif /* SVA_SWIOMMU_H */

/* SPDX-License-Identifier: MIT */
/*
 * The insides of the software IOMMU driver, shared by the files of src/drivers/swiommu.
 *
 * Objects and references:
 *  - struct sva_swiommu: one IOMMU instance (&sva_obj_iommu), registered with the core; owns
 *    the IOTLB, the fault log and the blocked domain. Destroyed after its devices are removed.
 *  - struct sva_sw_device: the driver's state of a device (dev->iommu_priv, allocated as
 *    &sva_obj_pasid_table: it is the device context): PASID table, ATC, in-flight sections,
 *    counters. Created by probe_device, freed by release_device.
 *  - struct sva_sw_domain: an SVA or paging domain (&sva_obj_domain) embedding the core's
 *    struct sva_domain and, for SVA, the mmu notifier. An SVA domain's memory is freed by the
 *    notifier's free_notifier after the core's free (mmu_notifier_put); a paging domain's at
 *    free. The core holds a count of an SVA domain's mm for the domain, the notifier another.
 *
 * Lock order (whole driver):
 *   iommu_sva_lock -> group mutex -> domain lock -> pasid table lock
 *   mmap_lock -> mm notifier list (read) -> domain lock            (invalidate, release)
 *   domain lock -> walk sync lock -> walk wait queue; domain lock -> dma rw-semaphore
 *   iotlb set lock, atc lock, fault log lock: leaves, under nothing but a DMA section or a
 *   domain lock.
 *   PRI (prq.h): group mutex -> PRQ drain (waits for the "prq" thread, which takes none of
 *   the locks above); the core's fault-param lock -> the device's PRI lock; the PRQ lock
 *   and the PRI lock are leaves. No DMA section is held while waiting for a page response.
 * Spinlocks are leaves; nothing that sleeps runs under one.
 *
 * Guarded lists (sync/glist.h), whose every change and walk asserts its lock: the IOMMU's
 * devices (sw->devices, under sw->lock) and a domain's attached PASID entries (its attached
 * list, under the domain lock, sd->lock).
 */
#ifndef SVA_SWIOMMU_INTERNAL_H
#define SVA_SWIOMMU_INTERNAL_H

#include "../../base/list.h"
#include "../../sync/glist.h"
#include "atc.h"
#include "inflight.h"
#include "iotlb.h"
#include "pasid_table.h"
#include "prq.h"
#include "sva/swiommu.h"

#define SVA_SW_DEFAULT_PASID_BITS 20
#define SVA_SW_DEFAULT_SETS	  64
#define SVA_SW_DEFAULT_WAYS	  4
#define SVA_SW_DEFAULT_ATC	  32
#define SVA_SW_DEFAULT_FLUSH_ALL  64
#define SVA_SW_DEFAULT_FAULT_LOG  256
#define SVA_SW_MAX_FAULT_LOG	  (1u << 20)
#define SVA_SW_FLUSH_WHOLE	  UINT64_MAX /* end of a range: the whole address space */

/* ---- the fault log (fault.c) ---- */

struct sva_fault_log {
	struct sva_world *w;
	struct sva_spinlock lock;
	struct sva_fault_record *ring; /* [cap] */
	size_t cap;
	SVA_GUARDED_BY(uint64_t) logged; /* records ever added; under lock */
	_Atomic uint64_t reported[SVA_FAULT_NR];
	_Atomic uint64_t silenced;
};

int sva_fault_log_init(struct sva_fault_log *log, struct sva_world *w, size_t cap);
void sva_fault_log_destroy(struct sva_fault_log *log);
void sva_fault_log_add(struct sva_fault_log *log, const struct sva_fault_record *rec);

/* ---- the instance, devices, domains ---- */

/* Counters of one device. Hits are counted with a plain load and store (no RMW on the hit path):
 * exact when one actor at a time drives the device, possibly low under concurrent use. */
struct sva_sw_counters {
	_Atomic uint64_t iotlb_hits, iotlb_misses, walks, ats_requests;
};

struct sva_swiommu {
	struct sva_world *w;
	struct sva_iommu_sys *sys;
	struct sva_iommu *iommu;
	struct sva_phys *phys; /* the frames every domain translates to */
	char name[32];
	struct sva_swiommu_config cfg; /* defaults applied; cfg.name points to name */
	bool sim;
	struct sva_iommu_ops ops;
	struct sva_domain blocked;
	struct sva_iotlb *iotlb;
	struct sva_fault_log log;
	struct sva_mutex lock;		  /* devices, retired, prq, npri */
	struct sva_glist devices;	  /* struct sva_sw_device; guarded by lock */
	struct sva_swiommu_stats retired; /* counters of removed devices */
	/* PRI: the queue while a PRI-capable device is probed, and how many are; under lock */
	SVA_GUARDED_BY(struct sva_sw_prq *) prq;
	SVA_GUARDED_BY(unsigned) npri;
	struct sva_sw_prq_counters pc;
	/* the embedder's memory (embed.c): cfg.mem, and how the walker reads it */
	const struct sva_swiommu_mem *mem;
	struct sva_pt_mem ptmem;
	atomic_uint_fast64_t fs_gens; /* installations of an embedder's table so far */
};

struct sva_sw_device {
	/* read on every translation: the table, then copies of the instance's */
	struct sva_pasid_table table;
	struct sva_iotlb *iotlb;
	bool sim;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_atc atc;
	struct sva_inflight inflight;
	struct sva_list_head node; /* in sw->devices */
	char pad_[64];		   /* keep the hit counters off the read-mostly lines above */
	struct sva_sw_counters c;
	struct sva_sw_pri pri;	/* the device's PRI: outstanding page-request groups */
	struct sva_sw_prq *prq; /* its IOMMU's page-request queue (PRI-capable devices) */
	uint16_t rid;		/* requester ID (0 unless added with sva_swiommu_device_add) */
	/* the unmap notifier (set before use; read by every flush of the device) */
	sva_unmap_notify_fn unmap_fn;
	void *unmap_ctx;
	struct sva_glist fs; /* embedder-table domains on its PASIDs; guarded by sw->lock */
};

struct sva_sw_domain {
	struct sva_domain dom;
	struct sva_mmu_notifier mn; /* SVA */
	struct sva_world *w;
	struct sva_swiommu *sw;
	struct sva_mm *mm;	   /* SVA: its count is the core's (domain) and the notifier's */
	struct sva_pgtable *pt;	   /* what translations walk: the mm's, or own */
	struct sva_pgtable own;	   /* paging */
	struct sva_mutex lock;	   /* attached, released, map / unmap */
	struct sva_glist attached; /* struct sva_pasid_entry.node; guarded by lock */
	atomic_bool released;	   /* SVA: the mm's release ran; its table may be gone */
	/* an embedder's first-stage table (pt NULL): its root, its (device, PASID) */
	bool embedder;
	uint64_t fs_root;
	struct sva_device *fs_dev;
	uint32_t fs_pasid;
	uint64_t fs_gen;	      /* which installation: SVA_PASID_GEN_EMBEDDER | count */
	struct sva_list_head fs_node; /* in the device's fs list */
};

static inline struct sva_sw_device *sva_sw_device_of(struct sva_device *dev)
{
	return dev->iommu_priv;
}

static inline struct sva_sw_domain *sva_sw_domain_of(struct sva_domain *d)
{
	return sva_container_of(d, struct sva_sw_domain, dom);
}

/* domain.c */
extern const struct sva_domain_ops sva_sw_blocked_ops;
extern const struct sva_domain_ops sva_sw_fs_ops; /* embedder tables (embed.c) */
int sva_sw_domain_alloc_sva(struct sva_device *dev, struct sva_mm *mm, struct sva_domain **out);
int sva_sw_domain_alloc_paging(struct sva_device *dev, struct sva_domain **out);
int sva_sw_blocked_set_dev_pasid(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
				 struct sva_domain *old);
/* Flush [start, end) of (@did, @pasid) from the IOTLB and @sdev's ATC (whole PASID above
 * cfg.flush_all_pages). The caller waits for in-flight work afterwards. */
void sva_sw_flush(struct sva_sw_device *sdev, uint32_t did, uint32_t pasid, uint64_t start,
		  uint64_t end);
/* Flush [start, end) for every attachment of @sd and wait for their devices (lock held). */
void sva_sw_domain_flush_locked(struct sva_sw_domain *sd, uint64_t start, uint64_t end);
/* An SVA domain's memory goes, from its notifier's free_notifier. */
void sva_sw_domain_free_notifier(struct sva_sw_domain *sd);

/* embed.c: the walk of an embedder's table (pt NULL): as sva_pgtable_hw_walk_leaf() */
static inline uint64_t sva_sw_walk_table(struct sva_sw_domain *sd, uint64_t va, bool write,
					 unsigned *shift)
{
	if (sd->pt)
		return sva_pgtable_hw_walk_leaf(sd->pt, va, write, shift);
	return sva_pgtable_hw_walk_mem(&sd->sw->ptmem, sd->fs_root, va, write, shift);
}
/* The backend glue, from sva_swiommu_create. */
void sva_sw_mem_init(struct sva_swiommu *sw);

/* notifier.c */
extern const struct sva_mmu_notifier_ops sva_sw_mn_ops;

/* fault.c */
void sva_sw_fault(struct sva_sw_device *sdev, uint32_t pasid, uint64_t va, unsigned access,
		  enum sva_fault_reason reason, bool silent);

static inline void sva_sw_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

#endif /* SVA_SWIOMMU_INTERNAL_H */

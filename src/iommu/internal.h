/* SPDX-License-Identifier: MIT */
/*
 * The insides of the IOMMU core, shared by the files of src/iommu.
 *
 * Lock order (the kernel's): iommu_sva_lock -> group->mutex -> driver locks. Allocating an SVA
 * domain registers the driver's mmu notifier, which takes mmap_lock for write: so
 * iommu_sva_lock -> mmap_lock as well. sys->lock protects the IOMMU list and the id counters.
 * The lists are guarded lists (sync/glist.h), each asserting its lock on every change and walk:
 * the IOMMUs and each IOMMU's devices (sys->lock), a group's devices (its mutex), the mms with
 * SVA domains and each mm's SVA domains (iommu_sva_lock). A group's PASID array is changed
 * with both its mutex and xa_lock held and looked up under xa_lock, asserted likewise.
 */
#ifndef SVA_IOMMU_INTERNAL_H
#define SVA_IOMMU_INTERNAL_H

#include "../base/list.h"
#include "../sync/glist.h"
#include "sva/iommu.h"

struct sva_iommu_sys {
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_pasid_space *pasids;
	struct sva_mutex sva_lock; /* iommu_sva_lock: every bind and unbind */
	struct sva_mutex lock;
	struct sva_glist iommus;  /* struct sva_iommu.node; guarded by lock */
	struct sva_glist sva_mms; /* iommu_mm with at least one SVA domain (iommu_sva_mms);
				     guarded by sva_lock */
	/*
	 * Allocations of PASIDs so far: a PASID's owner is (mm, generation), the generation
	 * this count when it was allocated, so a later owner of the same value has a later one.
	 */
	_Atomic uint64_t pasid_gens;
	SVA_GUARDED_BY(unsigned) next_group_id; /* under lock */
	unsigned next_device_id;		/* under @lock */
	struct sva_spinlock fault_param_lock;	/* publishes dev->fault_param, takes its refs */
};

struct sva_iommu {
	struct sva_iommu_sys *sys;
	char name[32];
	const struct sva_iommu_ops *ops;
	void *priv;
	uint32_t max_pasids;
	/*
	 * Domain IDs (VT-d's DID: the tag of its IOTLB entries) are per IOMMU, lowest free first,
	 * and go back when the domain is freed - so a later domain reuses the value, and an entry
	 * left in the IOTLB by the old one would translate for it. Every teardown must flush first.
	 */
	struct sva_pasid_space *dids;
	struct sva_glist devices; /* struct sva_device.iommu_node; guarded by sys->lock */
	struct sva_list_head node;
};

/* One entry of group->pasid_array. */
struct sva_pasid_slot {
	uint32_t pasid;
	bool reserved; /* taken, devices being programmed: not visible to lookups */
	struct sva_domain *domain;
	struct sva_attach_handle *handle; /* NULL: a bare domain */
};

struct sva_iommu_group {
	struct sva_world *w;
	unsigned id;
	struct sva_mutex mutex;	  /* serialises attach and detach */
	struct sva_glist devices; /* struct sva_device.group_node; guarded by mutex */
	unsigned ndevices;
	/*
	 * The PASID array: sorted by PASID, changed with both mutex and xa_lock held, read with
	 * either. The fault path reads it under xa_lock alone (the kernel's xarray lock), since a
	 * detach holds the mutex while it drains the faults that are being reported.
	 */
	struct sva_spinlock xa_lock;
	struct sva_pasid_slot *slots;
	size_t nslots, cap;
};

/* The kernel's struct iommu_mm_data. */
struct sva_iommu_mm {
	uint32_t pasid;
	uint64_t gen;	    /* which allocation of the PASID value: sys->pasid_gens at the time */
	bool pasid_dropped; /* returned to the allocator (early, under a historical variant) */
	struct sva_mm *mm;
	struct sva_glist sva_domains;  /* guarded by iommu_sva_lock */
	struct sva_list_head sys_node; /* in sys->sva_mms while it has domains */
};

/* The kernel's struct iommu_sva. */
struct sva_bond {
	struct sva_attach_handle handle;
	struct sva_device *dev;
	SVA_GUARDED_BY(unsigned) users; /* under iommu_sva_lock */
};

/*
 * Use after free (sim): the core follows some pointers it holds no reference for - a fault
 * group's domain, the domain in a PASID slot, the bond, domain or device its caller hands in -
 * because their lifetime rests on an order (a detach drains the PASID's faults, an unbind is a
 * bond's last use), not on a count. Each is looked at before it is followed: sva_obj_gone() on
 * a pointer member, which holds the poison pattern once the object is freed. So a model change
 * that frees one too early is reported as a use after free (I5) with its schedule, and the
 * actor goes no further, instead of the run crashing. NULL is not gone: the callers' own
 * checks handle it.
 */
static inline bool sva_domain_gone(const struct sva_domain *d, const char *op)
{
	return d && sva_obj_gone(&d->ops, op);
}

static inline bool sva_device_gone(const struct sva_device *dev, const char *op)
{
	return dev && sva_obj_gone(&dev->iommu, op);
}

static inline bool sva_bond_gone(const struct sva_bond *bond, const char *op)
{
	return bond && sva_obj_gone(&bond->dev, op);
}

static inline bool sva_iopf_group_gone(const struct sva_iopf_group *group, const char *op)
{
	return group && sva_obj_gone(&group->dev, op);
}

/* Give @domain (its owner set) a domain ID of its IOMMU: 0, -ENOSPC or -ENOMEM. */
int sva_iommu_domain_id_alloc(struct sva_domain *domain);
/* The domain attached at (@dev's group, @pasid), read under xa_lock only; NULL if none. */
struct sva_domain *sva_iommu_pasid_domain(struct sva_device *dev, uint32_t pasid);
/* io-pgfault.c: set up / tear down the fault-param lookup lock of the subsystem. */
void sva_iopf_sys_init(struct sva_iommu_sys *sys);
/* io-pgfault.c: the fault queue's workqueue, for handlers that defer to it. */
struct sva_workqueue *sva_iopf_group_wq(struct sva_iopf_group *group);
/* iommu-sva.c: the I/O page-fault handler of SVA domains. */
int sva_iommu_sva_handle_iopf(struct sva_iopf_group *group);
/* iommu-sva.c: register the __mmdrop hook that drops an mm's PASID. */
int sva_iommu_sva_init(struct sva_iommu_sys *sys);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * libsva IOMMU core: the global PASID space, IOMMU instances behind a driver ops table,
 * devices and groups, domains and attach handles, and SVA bind / unbind (kernel v6.19).
 *
 * PASIDs are 20-bit IDs. 0 is IOMMU_NO_PASID (DMA without PASID, never handed out); IDs are
 * given lowest-free-first from [1, max - 1] where max is the calling device's max_pasids, as
 * the kernel's IDA does. There is no quarantine: a freed ID is at once the next candidate.
 *
 * The lifetime rules (reference §3-4): an mm gets its PASID at its first bind and keeps it
 * until __mmdrop; a bind never holds mm_users, only mm_count (through its SVA domain and the
 * driver's notifier); the same (group, mm) bound again returns the same handle; the last unbind
 * of a handle detaches it, and the last device of a domain frees the domain.
 */
#ifndef SVA_IOMMU_H
#define SVA_IOMMU_H

#include <stdint.h>

#include "sva/api.h"
#include "sva/base.h"
#include "sva/mm.h"

SVA_BEGIN_DECLS

#define SVA_IOMMU_NO_PASID	     0u
#define SVA_IOMMU_FIRST_GLOBAL_PASID 1u
#define SVA_PASID_INVALID	     UINT32_MAX
/* PCIe PASIDs are at most 20 bits: max_pasids is at most 2^20. */
#define SVA_PASID_WIDTH_MAX	     20u
#define SVA_PASID_MAX		     (1u << SVA_PASID_WIDTH_MAX)

struct sva_pasid_space;

/* A space of IDs [1, max - 1]; @max at most SVA_PASID_MAX. 0, -EINVAL or -ENOMEM. */
int sva_pasid_space_create(struct sva_world *w, uint32_t max, struct sva_pasid_space **out);
void sva_pasid_space_destroy(struct sva_pasid_space *space);

/*
 * The lowest free ID in [1, @max - 1] (@max is the device's max_pasids, clamped to the space).
 * 0 and *@pasid set; -ENOSPC when none is free or @max <= 1; -ENOMEM.
 */
int sva_pasid_alloc(struct sva_pasid_space *space, uint32_t max, uint32_t *pasid);
/* Return @pasid. -EINVAL, and nothing changes, when it is not allocated. */
int sva_pasid_free(struct sva_pasid_space *space, uint32_t pasid);
bool sva_pasid_is_allocated(struct sva_pasid_space *space, uint32_t pasid);
/* IDs currently allocated. */
uint32_t sva_pasid_allocated(struct sva_pasid_space *space);
/* Bytes the space uses now (grows and shrinks with use). */
size_t sva_pasid_space_bytes(struct sva_pasid_space *space);

/* ---- the IOMMU subsystem ---------------------------------------------------------------- */

struct sva_iommu_sys;
struct sva_iommu;
struct sva_iommu_group;
struct sva_device;
struct sva_domain;
struct sva_iopf_group;
struct sva_iommu_fault_param;
struct sva_page_request;
struct sva_page_response;

/* The subsystem of one kernel: the global PASID space, iommu_sva_lock, every IOMMU. */
int sva_iommu_sys_create(struct sva_mm_sys *mm_sys, struct sva_iommu_sys **out);
/* IOMMUs and devices must be gone; PASIDs of live mms are reported. */
void sva_iommu_sys_destroy(struct sva_iommu_sys *sys);
struct sva_pasid_space *sva_iommu_sys_pasids(struct sva_iommu_sys *sys);
struct sva_world *sva_iommu_sys_world(struct sva_iommu_sys *sys);
/* The mm subsystem it serves (drivers take page-table frames from its arena). */
struct sva_mm_sys *sva_iommu_sys_mm_sys(struct sva_iommu_sys *sys);

/* ---- the driver interface ----------------------------------------------------------------- */

enum sva_domain_type {
	SVA_DOMAIN_BLOCKED, /* no DMA: the state of a detached PASID */
	SVA_DOMAIN_PAGING,  /* an I/O page table the driver maps itself */
	SVA_DOMAIN_SVA,	    /* translates through an mm's page table */
};

struct sva_domain_ops {
	/*
	 * Program @dev's entry for @pasid to use @domain (@old: the domain there before, or
	 * NULL). The blocked domain's set_dev_pasid is how a PASID is detached.
	 */
	int (*set_dev_pasid)(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
			     struct sva_domain *old);
	/* Paging domains: map / unmap I/O virtual addresses (driver-defined pages). */
	int (*map)(struct sva_domain *domain, uint64_t iova, uint64_t pfn, unsigned prot);
	int (*unmap)(struct sva_domain *domain, uint64_t iova);
	/* Free the domain (the core dropped its mm count for SVA domains first). */
	void (*free)(struct sva_domain *domain);
};

struct sva_domain {
	/* public: set by the driver that allocates it, read-only afterwards */
	enum sva_domain_type type;
	const struct sva_domain_ops *ops;
	struct sva_iommu *owner;
	unsigned id;
	/* private (the core's), SVA domains: */
	struct sva_mm *mm;	   /* holds a count (mmgrab) */
	unsigned users;		   /* devices attached through it, under iommu_sva_lock */
	struct sva_list_head next; /* in the mm's iommu data, under iommu_sva_lock */
	/* private, variant-only (detach-at-last-user): bonds unbound, left attached; iommu_sva_lock
	 */
	struct sva_bond *detach_later[4];
	unsigned ndetach_later;
	/* public: handles a group of page requests (the core sets the SVA handler for SVA domains)
	 */
	int (*iopf_handler)(struct sva_iopf_group *group);
};

struct sva_iommu_ops {
	/* A device is being added: the driver sets up its state (dev->iommu_priv). */
	int (*probe_device)(struct sva_device *dev);
	void (*release_device)(struct sva_device *dev);
	/* A new SVA domain for @mm (registers the driver's mmu notifier). -EOPNOTSUPP if NULL. */
	int (*domain_alloc_sva)(struct sva_device *dev, struct sva_mm *mm, struct sva_domain **out);
	int (*domain_alloc_paging)(struct sva_device *dev, struct sva_domain **out);
	/* The driver's blocked domain (static; its set_dev_pasid detaches). */
	struct sva_domain *blocked_domain;
	/* Deliver a page-group response to the device (@last: the group's last request). */
	int (*page_response)(struct sva_device *dev, const struct sva_page_request *last,
			     const struct sva_page_response *resp);
};

struct sva_iommu_config {
	const char *name;
	const struct sva_iommu_ops *ops;
	unsigned pasid_bits; /* the instance's PASID width (max_pasids = 1 << bits) */
	void *priv;	     /* the driver's instance */
};

/* Register an IOMMU instance. 0, -EINVAL, -ENOMEM. */
int sva_iommu_register(struct sva_iommu_sys *sys, const struct sva_iommu_config *cfg,
		       struct sva_iommu **out);
/* Its devices must be gone (reported otherwise). */
void sva_iommu_unregister(struct sva_iommu *iommu);
void *sva_iommu_priv(struct sva_iommu *iommu);
const char *sva_iommu_name(const struct sva_iommu *iommu);
struct sva_iommu_sys *sva_iommu_sys_of(struct sva_iommu *iommu);

/* ---- devices and groups --------------------------------------------------------------------- */

struct sva_device_config {
	const char *name;
	unsigned pasid_bits;	       /* the device's PASID capability; 0 = no PASID */
	bool ats, pri;		       /* capabilities */
	struct sva_device *same_group; /* join that device's group (NULL: a group of its own) */
};

struct sva_device {
	/* public, read-only: set by sva_device_add() */
	char name[32];
	unsigned id; /* in order of addition, from 1: the "device" trace track's id */
	struct sva_iommu *iommu;
	struct sva_iommu_group *group;
	uint32_t max_pasids; /* min(device, IOMMU); 0 = no PASID support */
	bool ats, pri;
	/* public, read-write by their owners */
	void *iommu_priv; /* the IOMMU driver's per-device state */
	void *priv;	  /* the device model's */
	/*
	 * Variant-only: mm-exit-callback (a historical variant, before 2020): the release notifier
	 * calls this to make the device stop DMA on @pasid. Set by the device model; unused
	 * otherwise.
	 */
	void (*mm_exit)(struct sva_device *dev, uint32_t pasid);
	/* private: */
	struct sva_list_head group_node;
	struct sva_list_head iommu_node;
	struct sva_iommu_fault_param *fault_param; /* I/O page faults (io-pgfault.c) */
};

/* Add a device behind @iommu: probe_device, then the group. 0, -EINVAL, -ENOMEM, probe's. */
int sva_device_add(struct sva_iommu *iommu, const struct sva_device_config *cfg,
		   struct sva_device **out);
/* Every PASID of it must be detached (reported otherwise). */
void sva_device_remove(struct sva_device *dev);

/* ---- attach handles and generic PASID attach ------------------------------------------------ */

/* What group->pasid_array holds for an attached PASID (the kernel's iommu_attach_handle). */
struct sva_attach_handle {
	struct sva_domain *domain;
};

/*
 * Attach @domain to @pasid of every PASID-capable device of @dev's group: the slot is reserved,
 * each device programmed (rolled back on failure), and only then @handle (may be NULL)
 * published. -ENODEV, -EOPNOTSUPP, -EINVAL (PASID 0, beyond a device's max_pasids, a domain of
 * another IOMMU), -EBUSY (slot taken), -ENOMEM, or the driver's error.
 */
int sva_iommu_attach_device_pasid(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
				  struct sva_attach_handle *handle);
/* Detach: every device's entry goes to the blocked domain, then the slot is erased. */
void sva_iommu_detach_device_pasid(struct sva_domain *domain, struct sva_device *dev,
				   uint32_t pasid);
/*
 * The handle attached at (group, @pasid): -ENOENT if none, -EBUSY if the entry is not a
 * handle of @type (a bare domain, or another type).
 */
int sva_iommu_attach_handle_get(struct sva_iommu_group *group, uint32_t pasid,
				enum sva_domain_type type, struct sva_attach_handle **out);
/* The domain attached at @dev's (group, @pasid), or NULL. For drivers and device models. */
struct sva_domain *sva_iommu_get_domain_for_pasid(struct sva_device *dev, uint32_t pasid);

/* A paging domain the caller maps itself (driver's domain_alloc_paging). */
int sva_iommu_paging_domain_alloc(struct sva_device *dev, struct sva_domain **out);
void sva_iommu_domain_free(struct sva_domain *domain);

/* A PASID for a driver's own use (the "private PASID"), from the global space. */
uint32_t sva_iommu_alloc_global_pasid(struct sva_device *dev);
void sva_iommu_free_global_pasid(struct sva_iommu_sys *sys, uint32_t pasid);

/* ---- I/O page faults (the kernel's io-pgfault.c) ------------------------------------------- */

enum sva_page_response_code {
	SVA_PAGE_RESP_SUCCESS = 0, /* retry: the page is there now */
	SVA_PAGE_RESP_INVALID = 1, /* do not retry: the access fails */
	SVA_PAGE_RESP_FAILURE = 2, /* the device stops issuing requests until reset */
};

enum {
	SVA_IOPF_READ = 1u << 0,
	SVA_IOPF_WRITE = 1u << 1,
	SVA_IOPF_EXEC = 1u << 2,
};

/* One PCIe page request (a PRI "Page Request Message"). */
struct sva_page_request {
	uint32_t pasid;
	bool pasid_valid;
	uint64_t addr;	 /* page-aligned */
	unsigned access; /* SVA_IOPF_* */
	bool priv;	 /* a privileged (supervisor) request */
	uint32_t grpid;	 /* the page request group index */
	bool last;	 /* last request of its group */
	uint64_t gen;	 /* the PASID's generation it was issued under (the IOMMU stamps it) */
};

struct sva_page_response {
	uint32_t pasid;
	bool pasid_valid;
	uint32_t grpid;
	enum sva_page_response_code code;
};

struct sva_iommu_fault_param;
struct sva_iopf_queue;

/* A page-request group, built by the core from partial requests and the last one. */
struct sva_iopf_group {
	/* public, read-only to the handler */
	struct sva_page_request last;
	struct sva_page_request *faults; /* every request of the group, the last one included */
	unsigned nfaults;
	struct sva_device *dev;
	struct sva_domain *domain; /* the domain attached at the PASID when reported */
	/* private: */
	struct sva_list_head pending; /* on the device's pending list until answered */
	struct sva_work work;	      /* the handler's work on the queue */
	struct sva_iommu_fault_param *fault_param;
};

/* A fault queue: one per IOMMU that has PRI, with its workqueue. */
int sva_iopf_queue_alloc(struct sva_iommu_sys *sys, const char *name, struct sva_iopf_queue **out);
/* Every device must have been removed. */
void sva_iopf_queue_free(struct sva_iopf_queue *q);
/* Enable I/O page faults for @dev on @q: -ENODEV (driver has no page_response), -EBUSY. */
int sva_iopf_queue_add_device(struct sva_iopf_queue *q, struct sva_device *dev);
/* Disable: partial requests freed, every pending group answered INVALID. */
void sva_iopf_queue_remove_device(struct sva_iopf_queue *q, struct sva_device *dev);
/* Wait until every fault work queued so far on @dev's queue has run. */
void sva_iopf_queue_flush_dev(struct sva_device *dev);
/* Drop every partial request of @q (after a hardware queue overflow). */
void sva_iopf_queue_discard_partial(struct sva_iopf_queue *q);
/* Answer every pending group of @dev on @pasid INVALID (the end of draining a detach). */
void sva_iopf_dev_abort_pasid(struct sva_device *dev, uint32_t pasid);

/*
 * From the IOMMU driver's page-request thread: one request. Partial requests are kept until
 * the last of their group; then the group goes to the handler of the domain attached at its
 * PASID. No domain or no handler: answered INVALID (-EINVAL); no memory for the group:
 * answered FAILURE. 0 when taken.
 */
int sva_iommu_report_device_fault(struct sva_device *dev, const struct sva_page_request *req);
/* Answer @group once (later answers, and answers after the device left, are no-ops). */
void sva_iopf_group_response(struct sva_iopf_group *group, enum sva_page_response_code code);
void sva_iopf_free_group(struct sva_iopf_group *group);
/* Groups waiting for an answer on @dev (for tests and the checker). */
unsigned sva_iopf_dev_pending(struct sva_device *dev);

/* ---- SVA ---------------------------------------------------------------------------------- */

/* A bond of a device (group) to an mm (the kernel's struct iommu_sva). */
struct sva_bond;

/*
 * Bind @dev to @mm (the caller holds a user of @mm). The same (group, mm) returns the same
 * bond with one more user. -ENODEV, -EOVERFLOW (the mm's PASID does not fit @dev), -ENOSPC,
 * -EBUSY (the PASID slot holds another mm or a non-SVA domain), -ENOMEM, -EOPNOTSUPP, or the
 * driver's error; on error everything is as before, except that a PASID once given to the mm
 * stays with it.
 */
int sva_bind_device(struct sva_device *dev, struct sva_mm *mm, struct sva_bond **out);
/* Drop a user of @bond; the last one detaches and frees it (never the PASID). */
void sva_unbind_device(struct sva_bond *bond);
uint32_t sva_bond_pasid(struct sva_bond *bond);
struct sva_device *sva_bond_device(struct sva_bond *bond);
unsigned sva_bond_users(struct sva_bond *bond);
/* The PASID of @mm (mm_get_enqcmd_pasid), or SVA_PASID_INVALID. Lockless. */
uint32_t sva_mm_get_pasid(struct sva_mm *mm);
/* Which allocation of its PASID value the mm holds (its owner is (mm, generation)); 0: none. */
uint64_t sva_mm_pasid_gen(struct sva_mm *mm);
/* SVA domains of @mm (for tests and the checker). */
unsigned sva_mm_sva_domains(struct sva_iommu_sys *sys, struct sva_mm *mm);

SVA_END_DECLS

#endif /* SVA_IOMMU_H */

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

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): the PASID
 * space and its chunks, IOMMUs, groups, devices, domains, an mm's IOMMU state, bonds, I/O
 * page-fault queues, groups and per-device parameters.
 */
extern const struct sva_obj_class sva_obj_pasid_space;
extern const struct sva_obj_class sva_obj_pasid_chunk;
extern const struct sva_obj_class sva_obj_iommu;
extern const struct sva_obj_class sva_obj_iommu_group;
extern const struct sva_obj_class sva_obj_device;
extern const struct sva_obj_class sva_obj_domain;
extern const struct sva_obj_class sva_obj_iommu_mm;
extern const struct sva_obj_class sva_obj_bond;
extern const struct sva_obj_class sva_obj_iopf_queue;
extern const struct sva_obj_class sva_obj_iopf_group;
extern const struct sva_obj_class sva_obj_iopf_param;
/*
 * Test only (sva_world_config.breaks): a bind whose new domain cannot be made forgets its
 * bond (fail-nth). The layers' SVA_BREAK_* bits are distinct (sva/swiommu.h checks).
 */
#define SVA_BREAK_BIND_LEAKS_BOND (1u << 3)
/*
 * Name this layer's values in @w's trace (sva_trace_format: page responses);
 * sva_iommu_sys_create() does. Context: setup.
 */
void sva_iommu_name_formats(struct sva_world *w);

/*
 * The historical designs libsva keeps as switchable policies of the IOMMU core
 * (docs/variants.md): each is one switch at one place in the code (the IOMMU core's, one in
 * the software IOMMU's notifier), so the explorer can show the bug the design had and that the
 * faithful design (v6.19) does not. The world carries the one chosen (sva_world_config.variant, a
 * number base does not interpret); sva_iommu_sys_create() refuses one out of range.
 * X(id, name, seed thread, invariant it breaks, design)
 */
#define SVA_VARIANTS(X)                                                                           \
	X(FAITHFUL, "faithful", "-", "-", "the kernel's design of v6.19")                         \
	X(PASID_FREE_AT_MMPUT, "pasid-free-at-mmput", "seed 000", "I2",                           \
	  "the PASID is dropped when mm_users reaches zero (__mmput, v5.18-rc1)")                 \
	X(BIND_HOLDS_USERS, "bind-holds-users", "seed 004", "I6",                                 \
	  "a bond takes mm_users (mmget), as VT-d did before 2016")                               \
	X(MM_EXIT_CALLBACK, "mm-exit-callback", "seed 003", "I6",                                 \
	  "the release notifier calls the driver's mm_exit to stop DMA (before 2020)")            \
	X(NO_HANDLE_SHARING, "no-handle-sharing", "seed 002", "-EBUSY",                           \
	  "a second bind of the same (device, mm) attaches again (v6.8-rc1)")                     \
	X(DETACH_AT_LAST_USER, "detach-at-last-user", "seed 002", "I3",                           \
	  "unbind detaches only when the shared domain's last user goes (the rejected 2024 fix)") \
	X(FREE_PASID_AT_EXIT, "free-pasid-at-exit", "seed 001", "I2",                             \
	  "the PASID is freed when the process exits, whoever still uses it (2020 x86 review)")   \
	X(FAULT_WITHOUT_MMGET, "fault-without-mmget", "seed 004", "I5",                           \
	  "the I/O page-fault handler uses the mm without mmget_not_zero (before 2016)")

enum sva_variant {
#define SVA_VARIANT_ENUM(id, name, seed, inv, design) SVA_VARIANT_##id,
	SVA_VARIANTS(SVA_VARIANT_ENUM)
#undef SVA_VARIANT_ENUM
		SVA_VARIANT_NR
};

struct sva_variant_info {
	const char *name;
	const char *seed;      /* the seed thread that argues against it */
	const char *invariant; /* what the checker reports under it ("I2"), or the error */
	const char *design;
};

/* The description of @v; NULL when out of range. */
const struct sva_variant_info *sva_variant_info(enum sva_variant v);
/* The variant called @name; -ENOENT when none is. */
int sva_variant_find(const char *name, enum sva_variant *out);

#define SVA_IOMMU_NO_PASID	     0u
#define SVA_IOMMU_FIRST_GLOBAL_PASID 1u
#define SVA_PASID_INVALID	     UINT32_MAX
/* PCIe PASIDs are at most 20 bits: max_pasids is at most 2^20. */
#define SVA_PASID_WIDTH_MAX	     20u
#define SVA_PASID_MAX		     (1u << SVA_PASID_WIDTH_MAX)

struct sva_pasid_space;

/*
 * A space of IDs [1, max - 1]; @max at most SVA_PASID_MAX. 0, -EINVAL or -ENOMEM.
 * Context: any; destroy only when no other actor can use the space any more.
 */
int sva_pasid_space_create(struct sva_world *w, uint32_t max, struct sva_pasid_space **out);
void sva_pasid_space_destroy(struct sva_pasid_space *space);

/*
 * The lowest free ID in [1, @max - 1] (@max is the device's max_pasids, clamped to the space).
 * 0 and *@pasid set; -ENOSPC when none is free or @max <= 1; -ENOMEM.
 * Context: takes the space's spinlock (a leaf): the caller may hold sleeping locks and other
 * spinlocks, but not this space's. The same holds for every sva_pasid_* call below.
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

/*
 * The subsystem of one kernel: the global PASID space, iommu_sva_lock, every IOMMU.
 * Context: setup; @mm_sys must outlive it. -EINVAL when the world's variant is none of
 * SVA_VARIANTS.
 */
int sva_iommu_sys_create(struct sva_mm_sys *mm_sys, struct sva_iommu_sys **out);
/*
 * IOMMUs and devices must be gone; PASIDs of live mms are reported.
 * Context: teardown: every IOMMU unregistered, every mm that had a PASID dropped
 * (sva_mm_sys_synchronize() run), no actor using the subsystem.
 */
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

/* Private (the detach-at-last-user variant's): bonds unbound but left attached. */
struct sva_detach_later {
	struct sva_bond *bonds[4];
	unsigned n;
};

struct sva_domain {
	/* public: set by the driver that allocates it, read-only afterwards */
	enum sva_domain_type type;
	const struct sva_domain_ops *ops;
	struct sva_iommu *owner;
	unsigned id;
	/* private (the core's), SVA domains: */
	struct sva_mm *mm;		/* holds a count (mmgrab) */
	SVA_GUARDED_BY(unsigned) users; /* devices attached through it, under iommu_sva_lock */
	struct sva_list_head next;	/* in the mm's iommu data, under iommu_sva_lock */
	/* private, variant-only (detach-at-last-user): bonds unbound, left attached; iommu_sva_lock
	 */
	SVA_GUARDED_BY(struct sva_detach_later) later;
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

/*
 * Register an IOMMU instance. 0, -EINVAL, -ENOMEM.
 * Context: may sleep (the subsystem's lock); @cfg->ops must outlive the instance.
 */
int sva_iommu_register(struct sva_iommu_sys *sys, const struct sva_iommu_config *cfg,
		       struct sva_iommu **out);
/*
 * Its devices must be gone (reported otherwise).
 * Context: may sleep; every device of it removed (sva_device_remove()).
 */
void sva_iommu_unregister(struct sva_iommu *iommu);
void *sva_iommu_priv(struct sva_iommu *iommu);
const char *sva_iommu_name(const struct sva_iommu *iommu);
struct sva_iommu_sys *sva_iommu_sys_of(struct sva_iommu *iommu);

/* ---- devices and groups --------------------------------------------------------------------- */

struct sva_device_config {
	const char *name;
	unsigned pasid_bits; /* the device's PASID capability; 0 = no PASID */
	bool ats, pri;	     /* capabilities */
	/* PRI's outstanding page-request allocation (the kernel's pci_enable_pri(pdev, reqs)):
	 * at most that many groups in flight, the device waits for a response beyond; 0 = as
	 * many as the IOMMU driver allows (the swiommu: SVA_PRI_OUTSTANDING). Needs @pri. */
	unsigned pri_reqs;
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
	uint16_t pri_reqs; /* the config's (0: the driver's maximum) */
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
	/* I/O page faults (io-pgfault.c), under the subsystem's fault_param_lock */
	SVA_GUARDED_BY(struct sva_iommu_fault_param *) fault_param;
};

/*
 * Add a device behind @iommu: probe_device, then the group. 0, -EINVAL, -ENOMEM, probe's.
 * Context: may sleep; the caller holds no group mutex and not the subsystem's lock;
 * @cfg->same_group, when set, is a live device of the same IOMMU.
 */
int sva_device_add(struct sva_iommu *iommu, const struct sva_device_config *cfg,
		   struct sva_device **out);
/*
 * Every PASID of it must be detached (reported otherwise).
 * Context: may sleep (group mutex, the driver's release_device); the caller must have unbound
 * every bond of the device and taken it off its fault queue (sva_iopf_queue_remove_device()),
 * and no actor may use @dev afterwards (in sim, one that does is a use after free, I5).
 */
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
 * Context: may sleep; takes the group mutex, then the driver's locks: the caller must not hold
 * the group mutex nor a driver lock (it may hold iommu_sva_lock, as SVA bind does). @handle
 * must stay valid until the detach.
 */
int sva_iommu_attach_device_pasid(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
				  struct sva_attach_handle *handle);
/*
 * Detach: every device's entry goes to the blocked domain, then the slot is erased; the
 * driver drains the PASID's page requests and their handlers before it returns.
 * Context: may sleep and waits for the fault work of the PASID: the caller must not hold the
 * group mutex, a driver lock or the mmap_lock of the domain's mm (the handlers take it), and
 * must not run on the fault queue's workqueue. @domain must be attached at (@dev, @pasid).
 */
void sva_iommu_detach_device_pasid(struct sva_domain *domain, struct sva_device *dev,
				   uint32_t pasid);
/*
 * The handle attached at (group, @pasid): -ENOENT if none, -EBUSY if the entry is not a
 * handle of @type (a bare domain, or another type).
 * Context: takes the group's xa_lock (a spinlock); the handle stays valid only while the
 * caller keeps the PASID attached (holds iommu_sva_lock, or the group mutex).
 */
int sva_iommu_attach_handle_get(struct sva_iommu_group *group, uint32_t pasid,
				enum sva_domain_type type, struct sva_attach_handle **out);
/*
 * The domain attached at @dev's (group, @pasid), or NULL. For drivers and device models.
 * Context: takes xa_lock only; the domain may be detached and freed as soon as it returns,
 * unless the caller holds the group mutex or keeps the PASID from being unbound.
 */
struct sva_domain *sva_iommu_get_domain_for_pasid(struct sva_device *dev, uint32_t pasid);

/*
 * A paging domain the caller maps itself (driver's domain_alloc_paging).
 * Context: may sleep.
 */
int sva_iommu_paging_domain_alloc(struct sva_device *dev, struct sva_domain **out);
/*
 * Free a domain: its ID back to its IOMMU, the mm count of an SVA domain dropped, then the
 * driver's free. Context: may sleep; the domain must be detached from every PASID and device
 * (its IOTLB entries flushed by the detach), and no fault group may still name it.
 */
void sva_iommu_domain_free(struct sva_domain *domain);

/*
 * A PASID for a driver's own use (the "private PASID"), from the global space;
 * SVA_PASID_INVALID when none fits @dev. Context: any (the space's spinlock).
 */
uint32_t sva_iommu_alloc_global_pasid(struct sva_device *dev);
/* Context: any; the PASID must be detached from every device that used it. */
void sva_iommu_free_global_pasid(struct sva_iommu_sys *sys, uint32_t pasid);

/* ---- I/O page faults (the kernel's io-pgfault.c) ------------------------------------------- */

enum sva_page_response_code {
	SVA_PAGE_RESP_SUCCESS = 0, /* retry: the page is there now */
	SVA_PAGE_RESP_INVALID = 1, /* do not retry: the access fails */
	SVA_PAGE_RESP_FAILURE = 2, /* the device stops issuing requests until reset */
};
/* @code's name as the trace prints it ("INVALID"; hex when none), in @buf. Returns @buf. */
const char *sva_page_response_name(enum sva_page_response_code code, char *buf, size_t len);

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

/*
 * A fault queue: one per IOMMU that has PRI, with its workqueue.
 * Context: setup (spawns the workqueue's workers).
 */
int sva_iopf_queue_alloc(struct sva_iommu_sys *sys, const char *name, struct sva_iopf_queue **out);
/*
 * Every device must have been removed. Context: may sleep (joins the workers); the driver's
 * page-request thread must have stopped reporting to it.
 */
void sva_iopf_queue_free(struct sva_iopf_queue *q);
/*
 * Enable I/O page faults for @dev on @q: -ENODEV (driver has no page_response), -EBUSY.
 * Context: may sleep; before the first PASID of @dev that takes page requests is attached.
 */
int sva_iopf_queue_add_device(struct sva_iopf_queue *q, struct sva_device *dev);
/*
 * Disable: partial requests freed, every pending group answered INVALID.
 * Context: may sleep; the caller must have stopped the device's page requests (no PASID of
 * @dev attached to a domain that takes faults, or its requests refused by the driver).
 */
void sva_iopf_queue_remove_device(struct sva_iopf_queue *q, struct sva_device *dev);
/*
 * Wait until every fault work queued so far on @dev's queue has run.
 * Context: may sleep; must not run on the queue's workqueue, nor hold a lock a fault handler
 * takes (the mmap_lock of a bound mm, iommu_sva_lock is fine: handlers do not take it).
 */
void sva_iopf_queue_flush_dev(struct sva_device *dev);

struct sva_kernel;
/*
 * Let the deferred work finish, as a harness does before judging what is left: the kernel's
 * (reaping, delayed fput, SRCU callbacks; sva_kernel_quiesce()) and the I/O page faults still
 * being served on @devs (NULL entries and devices without a fault queue skipped) - a fault
 * handler may hold the last user of an exited process's mm, and its mmput tears the address
 * space down, its VMAs' final fputs releasing the files. Each may queue work for the others,
 * hence passes.
 * Context: may sleep; the same as sva_iopf_queue_flush_dev(); no device of @devs removed meanwhile.
 */
void sva_iopf_quiesce(struct sva_kernel *k, struct sva_device *const *devs, size_t n);
/* Drop every partial request of @q (after a hardware queue overflow). Context: may sleep. */
void sva_iopf_queue_discard_partial(struct sva_iopf_queue *q);
/*
 * Answer every pending group of @dev on @pasid INVALID (the end of draining a detach).
 * Context: may sleep; the caller must have drained the driver's queue and flushed the fault
 * work (sva_iopf_queue_flush_dev()) first, or a group still being handled is answered twice.
 */
void sva_iopf_dev_abort_pasid(struct sva_device *dev, uint32_t pasid);

/*
 * From the IOMMU driver's page-request thread: one request. Partial requests are kept until
 * the last of their group; then the group goes to the handler of the domain attached at its
 * PASID. No domain or no handler: answered INVALID (-EINVAL); no memory for the group:
 * answered FAILURE. 0 when taken.
 * Context: may sleep; the caller holds no group mutex and no lock a detach holds while it
 * drains (iommu_sva_lock), so that the drain can wait for it. The domain found stays valid
 * only because a detach drains the driver's queue and this fault work before its free.
 */
int sva_iommu_report_device_fault(struct sva_device *dev, const struct sva_page_request *req);
/*
 * Answer @group once (later answers, and answers after the device left, are no-ops).
 * Context: may sleep; from the group's handler, before sva_iopf_free_group().
 */
void sva_iopf_group_response(struct sva_iopf_group *group, enum sva_page_response_code code);
/* Context: may sleep; once, by the group's handler, after its response; @group is gone. */
void sva_iopf_free_group(struct sva_iopf_group *group);
/* Groups waiting for an answer on @dev (for tests and the checker). Context: may sleep. */
unsigned sva_iopf_dev_pending(struct sva_device *dev);

/* ---- SVA ---------------------------------------------------------------------------------- */

/* A bond of a device (group) to an mm (the kernel's struct iommu_sva). */
struct sva_bond;

/*
 * Bind @dev to @mm (the kernel's iommu_sva_bind_device). The same (group, mm) returns the same
 * bond with one more user. -ENODEV, -EOVERFLOW (the mm's PASID does not fit @dev), -ENOSPC,
 * -EBUSY (the PASID slot holds another mm or a non-SVA domain), -ENOMEM, -EOPNOTSUPP, or the
 * driver's error; on error everything is as before, except that a PASID once given to the mm
 * stays with it.
 * Context: may sleep; takes iommu_sva_lock, the group mutex and (registering the driver's
 * notifier) @mm's mmap_lock for write: the caller must hold none of them, and must hold a
 * user of @mm (mmget) for the duration of the call; the bond itself holds none.
 */
int sva_bind_device(struct sva_device *dev, struct sva_mm *mm, struct sva_bond **out);
/*
 * Drop a user of @bond; the last one detaches and frees it (never the PASID: that is the mm's
 * last mmdrop). As the kernel's iommu_sva_unbind_device: the device should not be issuing any
 * more transactions for the PASID, and its outstanding page requests are flushed by the
 * detach (drained from the IOMMU's queue, their handlers waited for, the rest answered).
 * Context: may sleep; takes iommu_sva_lock, then the group mutex, and waits for the PASID's
 * fault work: the caller must hold none of them, nor the mmap_lock of the bond's mm, and must
 * not run on the fault queue's workqueue. Once per successful bind: @bond may be freed on
 * return (in sim, an unbind too many is reported: refcount misuse or use after free, I5).
 */
void sva_unbind_device(struct sva_bond *bond);
/* Context: any, while the caller holds a user of @bond (the kernel's iommu_sva_get_pasid). */
uint32_t sva_bond_pasid(struct sva_bond *bond);
/* Context: any, while the caller holds a user of @bond. */
struct sva_device *sva_bond_device(struct sva_bond *bond);
/* Context: any, while the caller holds a user of @bond; a snapshot (changed under iommu_sva_lock).
 */
unsigned sva_bond_users(struct sva_bond *bond);
/*
 * The PASID of @mm (mm_get_enqcmd_pasid), or SVA_PASID_INVALID. Lockless.
 * Context: any; the caller holds a count of @mm (mm_users or mm_count).
 */
uint32_t sva_mm_get_pasid(struct sva_mm *mm);
/*
 * Which allocation of its PASID value the mm holds (its owner is (mm, generation)); 0: none.
 * Context: as sva_mm_get_pasid().
 */
uint64_t sva_mm_pasid_gen(struct sva_mm *mm);
/*
 * The bit of a generation that an embedder's table was installed under (the swiommu's
 * set_pasid_table: one per (device, PASID) installation), not an allocation of the global PASID
 * space: an embedder's PASIDs are its guest's. Work stamped with one is judged against the
 * device's table at that PASID (the checker's I2), as an mm's is against the PASID's owner.
 */
#define SVA_PASID_GEN_EMBEDDER (1ull << 63)
/* SVA domains of @mm (for tests and the checker). Context: may sleep (iommu_sva_lock). */
unsigned sva_mm_sva_domains(struct sva_iommu_sys *sys, struct sva_mm *mm);

SVA_END_DECLS

#endif /* SVA_IOMMU_H */

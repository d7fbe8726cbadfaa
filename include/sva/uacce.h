/* SPDX-License-Identifier: MIT */
/*
 * uacce: the kernel's unified accelerator framework (drivers/misc/uacce/), the character
 * device through which a process gets an accelerator queue working on its own addresses.
 *
 * open binds the opener's mm to the parent device (one bind per open: many opens of one
 * device from one process all work, seed 002) and asks the parent driver for a queue on that
 * PASID; ioctl START_Q starts it, PUT_Q stops and releases it; mmap maps the queue's MMIO
 * portal or its shared memory (DUS) with DONTCOPY | DONTEXPAND | WIPEONFORK, the VMA holding
 * the file; release stops the queue (its stop waits for work in flight), puts it and unbinds.
 * Removing the device stops, puts and unbinds every queue, zaps the user mappings, and makes
 * later calls on those files fail with -ENODEV (but Q_STATE, which says ZOMBIE). With
 * SVA_UACCE_MM_CHECK (idxd's rule) mmap and the driver calls of a process whose mm is not the
 * opener's fail with -EPERM.
 *
 * Lock order: uacce->mutex -> (bind: iommu_sva_lock -> ...); the queue's mutex is taken by
 * mmap under mmap_lock, so mmap never takes uacce->mutex (as the kernel's).
 */
#ifndef SVA_UACCE_H
#define SVA_UACCE_H

#include "sva/api.h"
#include "sva/iommu.h"
#include "sva/proc.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): uacce devices and their queues.
 */
extern const struct sva_obj_class sva_obj_uacce;
extern const struct sva_obj_class sva_obj_uacce_queue;

struct sva_uacce_device;
struct sva_uacce_queue;

enum sva_uacce_region {
	SVA_UACCE_QFRT_MMIO = 0, /* the portal: one page */
	SVA_UACCE_QFRT_DUS = 1,	 /* device-user shared memory */
	SVA_UACCE_QFRT_NR
};

enum sva_uacce_q_state {
	SVA_UACCE_Q_ZOMBIE, /* put (or the device went away) */
	SVA_UACCE_Q_INIT,
	SVA_UACCE_Q_STARTED,
};

#define SVA_UACCE_CMD_START_Q 0x5001u
#define SVA_UACCE_CMD_PUT_Q   0x5002u
/*
 * The queue's state (enum sva_uacce_q_state), once any stop in progress - PUT_Q, the device's
 * removal - is over: ZOMBIE means every descriptor of the queue has ended and its completion
 * record is written or lost for good, so a waiter need not wait for one. Also after removal.
 */
#define SVA_UACCE_CMD_Q_STATE 0x5003u

enum {
	SVA_UACCE_DEV_SVA = 1u << 0,  /* bind the opener's mm (the only mode modelled) */
	SVA_UACCE_MM_CHECK = 1u << 1, /* idxd: callers from another mm get -EPERM */
};

/* The parent driver's side of a queue. */
struct sva_uacce_ops {
	/* A queue for @pasid: set q's private data. */
	int (*get_queue)(struct sva_uacce_device *u, uint32_t pasid, struct sva_uacce_queue *q);
	void (*put_queue)(struct sva_uacce_queue *q);
	int (*start_queue)(struct sva_uacce_queue *q);
	/* Stop: returns once no work of the queue is in flight. */
	void (*stop_queue)(struct sva_uacce_queue *q);
	/* The page backing @offset (page index) of @region; a reference for the mapping. */
	struct sva_page *(*region_page)(struct sva_uacce_queue *q, enum sva_uacce_region region,
					uint64_t offset);
	/* Pages in @region (mmap beyond is -EINVAL). */
	uint64_t (*region_pages)(struct sva_uacce_queue *q, enum sva_uacce_region region);
	/* Driver-specific ioctls (submission...). */
	long (*ioctl)(struct sva_uacce_queue *q, unsigned cmd, unsigned long arg);
};

struct sva_uacce_config {
	const char *name; /* the character device: "accN" */
	unsigned flags;	  /* SVA_UACCE_* */
	const struct sva_uacce_ops *ops;
	void *priv;
};

/* Register a uacce device on @parent (an SVA-capable device): its char device appears. */
int sva_uacce_register(struct sva_kernel *k, struct sva_device *parent,
		       const struct sva_uacce_config *cfg, struct sva_uacce_device **out);
/* Remove it with queues open: each stopped, put, unbound, its mappings zapped. */
void sva_uacce_remove(struct sva_uacce_device *u);
/*
 * The mm behind @pasid is exiting: stop and put its queues (what uacce's mm_exit did before
 * 2020; called only under the mm-exit-callback variant). Takes u->mutex.
 */
void sva_uacce_mm_exit(struct sva_uacce_device *u, uint32_t pasid);
void *sva_uacce_priv(struct sva_uacce_device *u);
struct sva_device *sva_uacce_parent(struct sva_uacce_device *u);
unsigned sva_uacce_queues(struct sva_uacce_device *u);

void *sva_uacce_queue_priv(struct sva_uacce_queue *q);
void sva_uacce_queue_set_priv(struct sva_uacce_queue *q, void *priv);
uint32_t sva_uacce_queue_pasid(struct sva_uacce_queue *q);
enum sva_uacce_q_state sva_uacce_queue_state(struct sva_uacce_queue *q);
struct sva_uacce_device *sva_uacce_queue_device(struct sva_uacce_queue *q);
/* The queue of an open file of a uacce device, or NULL. */
struct sva_uacce_queue *sva_uacce_file_queue(struct sva_file *file);

SVA_END_DECLS

#endif /* SVA_UACCE_H */

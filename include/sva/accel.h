/* SPDX-License-Identifier: MIT */
/*
 * A DSA-like software accelerator (src/drivers/accel/): the parent driver of uacce queues, with
 * the instructions a process submits with, and a small client library.
 *
 * The device sits on an SVA-capable struct sva_device behind the software IOMMU and claims it
 * (dev->priv is the accelerator while it lives). It has work queues (WQs), each a uacce
 * character device ("dsa0wq0"...):
 *
 *  - dedicated: one open at a time (a second open gets -EBUSY); the opener's PASID is
 *    programmed into the WQ at open; descriptors are written with MOVDIR64B and run on that
 *    PASID whatever their PASID field says;
 *  - shared: any number of opens; descriptors are written with ENQCMD, which puts the
 *    submitting thread's PASID (its IA32_PASID register) into the descriptor.
 *
 * A WQ holds at most `depth` descriptors waiting for an engine. Engines (daemon actors) take
 * descriptors from the WQs in turn and execute them with the swiommu's DMA helpers, page by
 * page, on the descriptor's PASID, with a scheduling point at every page. The completion record
 * (32 bytes) is written by DMA into the process's memory.
 *
 * Faults: a descriptor with block-on-fault (SVA_DSA_FLAG_BOF, allowed only on a WQ configured
 * with block_on_fault) lets a PRI-capable device resolve its faults with page requests and go
 * on; without it the descriptor stops at the first fault and completes with
 * SVA_DSA_STATUS_PAGE_FAULT, bytes_completed and fault_addr, and the client touches the page
 * and submits the rest.
 *
 * Stopping a queue (uacce PUT_Q, release, device removal) refuses new descriptors, completes
 * the pending ones of that queue with SVA_DSA_STATUS_ABORTED (the record may be lost if the mm
 * is gone), asks the engine to end the queue's descriptor in flight at its next page and waits
 * for it: after the stop, which uacce does before it unbinds, no DMA is left on the PASID.
 *
 * The portal: the WQ's MMIO page, mapped by mmap of the uacce file at offset 0. The two
 * instructions are functions of the submitting task; both look the portal address up in the
 * caller's mm as the CPU's store would (no VMA, not a portal, or a mapping the device removed:
 * -EFAULT), so a PASID register left set after an unbind is harmless.
 *
 * ENQCMD and IA32_PASID (reference §8): the register is per thread, a raw value in the task's
 * thread state (sva_task_pasid_msr(), sva/proc.h), not tied to any mm. It is loaded lazily: the
 * first ENQCMD of a thread whose register is not valid takes the #GP fix-up, which loads the
 * mm's PASID if the mm has one, or fails with SVA_ACCEL_EGP when it has none. fork and clone
 * copy the thread state and clear the register in the copy (fpu_clone), so new threads and
 * forked children take their own fix-up; exec clears it; an unbind does not. ENQCMD submits
 * whatever the register holds: a missing clear shows as an accel.submit on a PASID that is not
 * the submitting mm's (the event carries both).
 *
 * Lock order: uacce->mutex -> WQ lock (stop); mmap_lock -> WQ lock (submission); the WQ lock
 * is a spinlock, a leaf. Engines hold no lock while they do DMA.
 */
#ifndef SVA_ACCEL_H
#define SVA_ACCEL_H

#include <assert.h>
#include <errno.h>

#include "sva/api.h"
#include "sva/uacce.h"

SVA_BEGIN_DECLS

struct sva_accel;
struct sva_accel_client;

#define SVA_ACCEL_MAX_WQS     8
#define SVA_ACCEL_MAX_ENGINES 8
#define SVA_ACCEL_MAX_DEPTH   1024

/* The #GP of ENQCMD without a PASID (the thread's register invalid and its mm has none). */
#define SVA_ACCEL_EGP (-EPROTO)

/* IA32_PASID: PASID in bits 19:0, valid in bit 31. */
#define SVA_PASID_MSR_VALID (1u << 31)
#define SVA_PASID_MSR_MASK  0xfffffu

/* ---- descriptors ----------------------------------------------------------------------- */

enum sva_dsa_opcode {
	SVA_DSA_OP_NOOP = 0x00,
	SVA_DSA_OP_BATCH = 0x01,	   /* desc_list, desc_count: descriptors run in order */
	SVA_DSA_OP_MEMMOVE = 0x03,	   /* src, dst, size (overlap copies backward) */
	SVA_DSA_OP_FILL = 0x04,		   /* dst, size, 8-byte pattern */
	SVA_DSA_OP_COMPARE = 0x05,	   /* src, src2, size */
	SVA_DSA_OP_COMPARE_PATTERN = 0x06, /* src, size, pattern */
	SVA_DSA_OP_DUALCAST = 0x0b,	   /* src, dst, dst2, size */
	SVA_DSA_OP_CRC32C = 0x10,	   /* src, size, crc_seed */
	SVA_DSA_OP_COPY_CRC = 0x11,	   /* src, dst, size, crc_seed */
};

enum {
	SVA_DSA_FLAG_BOF = 1u << 1,  /* block on fault (the WQ must allow it) */
	SVA_DSA_FLAG_CRAV = 1u << 2, /* completion_addr is valid: errors are always recorded */
	SVA_DSA_FLAG_RCR = 1u << 3,  /* request a completion record on success too */
};

/* A 64-byte descriptor, as written to a portal. */
struct __attribute__((packed)) sva_dsa_desc {
	uint32_t pasid; /* PASID 19:0, valid bit 31: set by ENQCMD, ignored by MOVDIR64B */
	uint16_t flags; /* SVA_DSA_FLAG_* */
	uint8_t opcode; /* enum sva_dsa_opcode */
	uint8_t rsvd0;
	uint64_t completion_addr; /* a 32-byte struct sva_dsa_completion */
	union {
		uint64_t src;
		uint64_t desc_list; /* BATCH */
	};
	union {
		uint64_t dst;
		uint64_t src2; /* COMPARE */
	};
	union {
		uint32_t size;	     /* bytes */
		uint32_t desc_count; /* BATCH */
	};
	uint32_t rsvd1;
	union {
		uint64_t dst2;	  /* DUALCAST */
		uint64_t pattern; /* FILL, COMPARE_PATTERN: byte i of the pattern at offset i % 8 */
		uint32_t crc_seed; /* CRC32C, COPY_CRC */
	};
	uint64_t rsvd2[2];
};
static_assert(sizeof(struct sva_dsa_desc) == 64, "a DSA descriptor is 64 bytes");

/* ---- completion records ---------------------------------------------------------------- */

enum sva_dsa_status {
	SVA_DSA_STATUS_NONE = 0x00, /* not written yet: the client zeroes the record */
	SVA_DSA_STATUS_SUCCESS = 0x01,
	SVA_DSA_STATUS_PAGE_FAULT = 0x03,	/* partial: bytes_completed, fault_addr */
	SVA_DSA_STATUS_BATCH_FAIL = 0x05,	/* a descriptor of the batch did not succeed */
	SVA_DSA_STATUS_BATCH_PAGE_FAULT = 0x06, /* reading the batch's list faulted */
	SVA_DSA_STATUS_BAD_OPCODE = 0x10,
	SVA_DSA_STATUS_INVALID_FLAGS = 0x11, /* BOF on a WQ that does not allow it */
	SVA_DSA_STATUS_INVALID_SIZE = 0x13,  /* beyond max_xfer, or a range that wraps */
	SVA_DSA_STATUS_BATCH_INVALID = 0x14, /* count 0 or beyond max_batch; a batch in a batch */
	SVA_DSA_STATUS_ABORTED = 0x20,	     /* the queue was stopped */
};

enum {
	SVA_DSA_FAULT_WRITE = 1u << 0, /* fault_info: the faulting access was a write */
	SVA_DSA_FAULT_PRI = 1u << 1,   /* a page request was answered, and not with success */
};

struct __attribute__((packed)) sva_dsa_completion {
	uint8_t status;	    /* enum sva_dsa_status */
	uint8_t result;	    /* COMPARE*: 0 equal, 1 differ; MEMMOVE: 1 copied backward */
	uint8_t fault_info; /* SVA_DSA_FAULT_* */
	uint8_t rsvd0;
	uint32_t bytes_completed; /* bytes done; COMPARE* differ: offset of the first
				     difference; BATCH: descriptors processed */
	uint64_t fault_addr;	  /* PAGE_FAULT: the address that faulted */
	uint64_t value;		  /* CRC32C / COPY_CRC: the CRC (of the bytes done when partial);
				     BATCH: descriptors that succeeded */
	uint64_t rsvd1;
};
static_assert(sizeof(struct sva_dsa_completion) == 32, "a DSA completion record is 32 bytes");

/* CRC32C (Castagnoli, reflected 0x82f63b78), chainable: crc(a || b) = crc(b, crc(a, seed)). */
uint32_t sva_crc32c(uint32_t seed, const void *buf, size_t len);

/* ---- the device ------------------------------------------------------------------------ */

enum sva_accel_wq_mode {
	SVA_ACCEL_WQ_DEDICATED,
	SVA_ACCEL_WQ_SHARED,
};

struct sva_accel_wq_config {
	const char *name; /* the uacce device; NULL = "<accel>wq<i>" */
	enum sva_accel_wq_mode mode;
	unsigned depth;	     /* descriptors waiting; 0 = 32 */
	bool block_on_fault; /* descriptors may ask to block on faults */
};

/*
 * Whose a queue is, when a process other than the opener's (a forked child holding the
 * inherited fd, one the fd was passed to) uses the character device:
 *  - IDXD: the queue is bound to the opener's mm; any other mm gets -EPERM from mmap and from
 *    the driver's ioctls, so it can map no portal and submit nothing (idxd's cdev checks
 *    current->mm against the context's mm);
 *  - UACCE: the queue belongs to the opener's mm and anyone holding the fd may use it: mmap
 *    and ioctls are not checked, and descriptors submitted through it run on the opener's
 *    PASID - after that mm died, its DMA is aborted silently (the PASID entry is blocked by
 *    the release notifier until the file is released and the queue unbound).
 */
enum sva_accel_cdev_rule {
	SVA_ACCEL_CDEV_IDXD, /* the default */
	SVA_ACCEL_CDEV_UACCE,
};

struct sva_accel_config {
	const char *name; /* "dsa0" (NULL) */
	enum sva_accel_cdev_rule cdev_rule;
	unsigned engines; /* 0 = 1 */
	unsigned nwqs;	  /* 1..SVA_ACCEL_MAX_WQS */
	struct sva_accel_wq_config wqs[SVA_ACCEL_MAX_WQS];
	uint32_t max_xfer;  /* bytes per descriptor; 0 = 2 MiB */
	uint32_t max_batch; /* descriptors per batch; 0 = 32 */
};

/*
 * Create the device on @dev (an SVA-capable device: PASIDs; its priv must be free), register
 * its WQs with uacce and start its engines. 0, -EINVAL, -ENODEV (no PASID), -EBUSY (@dev is
 * another model's), -ENOMEM, or uacce's error (-EEXIST: a name taken).
 */
int sva_accel_create(struct sva_kernel *k, struct sva_device *dev,
		     const struct sva_accel_config *cfg, struct sva_accel **out);
/*
 * Remove every WQ (uacce removal: each open queue stopped, unbound, its mappings zapped), stop
 * and join the engines, free. Files still open stay valid and fail with -ENODEV.
 */
void sva_accel_destroy(struct sva_accel *a);
const char *sva_accel_wq_name(struct sva_accel *a, unsigned wq);
struct sva_uacce_device *sva_accel_wq_uacce(struct sva_accel *a, unsigned wq);
/* Dedicated WQ: the PASID programmed at open, SVA_PASID_INVALID when not open. */
uint32_t sva_accel_wq_pasid(struct sva_accel *a, unsigned wq);
/* Descriptors waiting in @wq. */
unsigned sva_accel_wq_pending(struct sva_accel *a, unsigned wq);

struct sva_accel_stats {
	uint64_t submitted;	/* accepted by a portal */
	uint64_t completed;	/* executed by an engine (any status but ABORTED) */
	uint64_t aborted;	/* completed ABORTED: pending at a stop, or ended in flight */
	uint64_t page_faults;	/* completed PAGE_FAULT / BATCH_PAGE_FAULT */
	uint64_t errors;	/* completed with an invalid descriptor status */
	uint64_t records_lost;	/* completion records whose DMA write failed */
	uint64_t bytes;		/* bytes processed by engines */
	uint64_t page_requests; /* page requests of block-on-fault DMA */
};

void sva_accel_get_stats(struct sva_accel *a, struct sva_accel_stats *out);

/* What SVA_ACCEL_IOCTL_WQ_INFO fills (arg: a struct sva_accel_wq_info * of the caller). */
#define SVA_ACCEL_IOCTL_WQ_INFO 0x6101u

struct sva_accel_wq_info {
	uint32_t index;
	uint32_t mode; /* enum sva_accel_wq_mode */
	uint32_t depth;
	uint32_t max_xfer;
	uint32_t max_batch;
	bool block_on_fault;
};

/* ---- the instructions (from the submitting task) -------------------------------------------- */

/*
 * MOVDIR64B of @d to @portal (64-byte aligned, in a dedicated WQ's portal mapping). 0 accepted;
 * -EFAULT (no portal there), -EAGAIN (the WQ is full), -EPERM (the queue is not started or was
 * stopped), -EINVAL (a shared WQ's portal), SVA_ACCEL_EGP (misaligned).
 */
int sva_accel_movdir64b(struct sva_task *t, uint64_t portal, const struct sva_dsa_desc *d);
/*
 * ENQCMD of @d to @portal (a shared WQ's). The thread's PASID register is loaded first if it
 * must be (the #GP fix-up); @d->pasid is overwritten with it. 0 accepted; SVA_ACCEL_EGP (no
 * PASID, or misaligned); -EAGAIN (full: ZF=1); -EFAULT, -EPERM, -EINVAL as MOVDIR64B.
 */
int sva_accel_enqcmd(struct sva_task *t, uint64_t portal, struct sva_dsa_desc *d);
/* The thread's IA32_PASID (0 until its first ENQCMD with a PASID, and again after exec). */
uint32_t sva_accel_pasid_msr(struct sva_task *t);

/* ---- the client library (in a task) ------------------------------------------------------------
 */

/* Open WQ @name, read its info, START_Q, map the portal. 0, or the first error. */
int sva_accel_client_open(struct sva_task *t, const char *name, struct sva_accel_client **out);
/* Unmap the portal, close the fd (the queue is released when nothing else holds it), free. */
void sva_accel_client_close(struct sva_task *t, struct sva_accel_client *c);
/* Free the client of a task that can no longer close it (killed, exited): no system call. */
void sva_accel_client_discard(struct sva_world *w, struct sva_accel_client *c);
int sva_accel_client_fd(const struct sva_accel_client *c);
uint64_t sva_accel_client_portal(const struct sva_accel_client *c);
const struct sva_accel_wq_info *sva_accel_client_info(const struct sva_accel_client *c);
/*
 * Submit @d with the WQ's instruction (MOVDIR64B or ENQCMD), adding SVA_DSA_FLAG_BOF when the
 * WQ blocks on faults; -EAGAIN is retried (yielding) up to SVA_ACCEL_CLIENT_RETRIES times.
 */
#define SVA_ACCEL_CLIENT_RETRIES 1000  /* yields on a full WQ, then ... */
#define SVA_ACCEL_CLIENT_SLEEPS	 10000 /* ... 1 ms sleeps (in sim: scheduling points) */
int sva_accel_client_submit(struct sva_task *t, struct sva_accel_client *c,
			    const struct sva_dsa_desc *d);
#define SVA_ACCEL_CLIENT_PROBE 1024 /* polls between two looks at the queue's state */
/*
 * Poll the completion record at @comp_va (read by the CPU, yielding in between) until its status
 * is not NONE; 0 and *@rec, or the read's error, or -ETIMEDOUT after @max_polls (0: no limit).
 * A descriptor its queue's stop ended (the device removed mid-flight, PUT_Q) completes ABORTED;
 * when that record could not be written either (its page not writable without a page request
 * the stopping device does not make), the wait sees the queue stopped (Q_STATE: ZOMBIE) and
 * returns -ECANCELED promptly instead of polling for a record that will not come.
 */
int sva_accel_client_wait(struct sva_task *t, struct sva_accel_client *c, uint64_t comp_va,
			  struct sva_dsa_completion *rec, unsigned long max_polls);

/* Descriptor builders: zero @d, fill it, ask for a record at @comp (0: none). */
void sva_dsa_desc_noop(struct sva_dsa_desc *d, uint64_t comp);
void sva_dsa_desc_memmove(struct sva_dsa_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			  uint64_t comp);
void sva_dsa_desc_fill(struct sva_dsa_desc *d, uint64_t dst, uint64_t pattern, uint32_t size,
		       uint64_t comp);
void sva_dsa_desc_compare(struct sva_dsa_desc *d, uint64_t src, uint64_t src2, uint32_t size,
			  uint64_t comp);
void sva_dsa_desc_compare_pattern(struct sva_dsa_desc *d, uint64_t src, uint64_t pattern,
				  uint32_t size, uint64_t comp);
void sva_dsa_desc_crc32c(struct sva_dsa_desc *d, uint64_t src, uint32_t size, uint32_t seed,
			 uint64_t comp);
void sva_dsa_desc_copy_crc(struct sva_dsa_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			   uint32_t seed, uint64_t comp);
void sva_dsa_desc_dualcast(struct sva_dsa_desc *d, uint64_t dst, uint64_t dst2, uint64_t src,
			   uint32_t size, uint64_t comp);
void sva_dsa_desc_batch(struct sva_dsa_desc *d, uint64_t list, uint32_t count, uint64_t comp);

SVA_END_DECLS

#endif /* SVA_ACCEL_H */

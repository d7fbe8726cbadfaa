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
 * Descriptors and completion records are Intel DSA's bytes (the kernel's <linux/idxd.h>), and
 * the engine answers them as a DSA 1.0 device does (docs/accelerators.md: every opcode, the
 * checks and their status codes, what is modelled of the flags).
 *
 * Faults: a descriptor with block-on-fault (IDXD_OP_FLAG_BOF, allowed only on a WQ configured
 * with block_on_fault) lets a PRI-capable device resolve its faults with page requests and go
 * on (an unsuccessful response completes it DSA_COMP_PAGE_FAULT_IR); without it the descriptor
 * stops at the first fault and completes with DSA_COMP_PAGE_FAULT_NOBOF (| DSA_COMP_STATUS_WRITE
 * for a write), bytes_completed and fault_addr, and the client touches the page and submits the
 * rest. Errors of a descriptor without a completion record go to the device's software error
 * register (sva_accel_read_swerr()), as do records that cannot be written.
 *
 * Stopping a queue (uacce PUT_Q, release, device removal) refuses new descriptors, completes
 * the pending ones of that queue with SVA_DSA_COMP_ABORTED (the record may be lost if the mm
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
#include <stddef.h>

#include <linux/idxd.h>

#include "sva/api.h"
#include "sva/uacce.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): accelerators, their work
 * queues, engines, contexts and clients.
 */
extern const struct sva_obj_class sva_obj_accel;
extern const struct sva_obj_class sva_obj_accel_wq;
extern const struct sva_obj_class sva_obj_accel_engine;
extern const struct sva_obj_class sva_obj_accel_ctx;
extern const struct sva_obj_class sva_obj_accel_client;
/*
 * Name this layer's values in @w's trace (sva_trace_format: DSA opcodes and statuses);
 * sva_accel_create() does. Context: setup.
 */
void sva_accel_name_formats(struct sva_world *w);

struct sva_accel;
struct sva_accel_client;

#define SVA_ACCEL_MAX_WQS     8
#define SVA_ACCEL_MAX_ENGINES 8
#define SVA_ACCEL_MAX_GROUPS  4
#define SVA_ACCEL_MAX_DEPTH   1024

/*
 * Test only (sva_world_config.breaks): a dedicated WQ keeps the PASID programmed at open after
 * its last file is closed (idxd's release forgetting to clear WQ_PASID) - the scenario runner's
 * quiescence audit reports it (src/scenario/audit.c).
 */
#define SVA_BREAK_WQ_KEEPS_PASID (1u << 5)
static_assert((SVA_BREAK_WQ_KEEPS_PASID & (SVA_BREAK_BIND_LEAKS_BOND | SVA_BREAK_ACCESS_NO_PTL |
					   SVA_BREAK_RECLAIM_WRITEOUT_FIRST | (1u << 0) |
					   (1u << 1) | (1u << 6) | (1u << 7))) == 0,
	      "the layers' SVA_BREAK_* bits overlap (swiommu's are bits 0, 1, 6 and 7)");

/* The #GP of ENQCMD without a PASID (the thread's register invalid and its mm has none). */
#define SVA_ACCEL_EGP (-EPROTO)

/* IA32_PASID: PASID in bits 19:0, valid in bit 31. */
#define SVA_PASID_MSR_VALID (1u << 31)
#define SVA_PASID_MSR_MASK  0xfffffu

/* ---- descriptors and completion records: Intel DSA's, from the kernel's uapi ---------------- */

/*
 * A descriptor is the kernel's struct dsa_hw_desc (<linux/idxd.h>: 64 bytes, PASID and priv in
 * bytes 0-3, flags in bytes 4-6, the opcode in byte 7, then the operation's fields), written to
 * a portal as is; struct dsa_raw_desc is the same 64 bytes as eight words. A completion record
 * is struct dsa_completion_record (32 bytes): status (DSA_COMP_*, bit 7 DSA_COMP_STATUS_WRITE
 * on a page fault of a write), result, bytes_completed, fault_addr and the operation's fields.
 * The opcodes are DSA_OPCODE_*, the flags IDXD_OP_FLAG_*; what the engine does with each is in
 * docs/accelerators.md. The asserts below pin every offset the engine uses (the bit-fields of
 * the first eight bytes are checked by tests/test_dsa_ops.c, offsetof cannot name them).
 */
#define SVA_DSA_OFFSET(type, field, off) \
	static_assert(offsetof(struct type, field) == (off), #type "." #field " at byte " #off)
static_assert(sizeof(struct dsa_hw_desc) == 64, "a DSA descriptor is 64 bytes");
static_assert(sizeof(struct dsa_raw_desc) == 64, "a raw DSA descriptor is 64 bytes");
SVA_DSA_OFFSET(dsa_hw_desc, completion_addr, 8);
SVA_DSA_OFFSET(dsa_hw_desc, src_addr, 16);
SVA_DSA_OFFSET(dsa_hw_desc, rdback_addr, 16);
SVA_DSA_OFFSET(dsa_hw_desc, pattern, 16);
SVA_DSA_OFFSET(dsa_hw_desc, desc_list_addr, 16);
SVA_DSA_OFFSET(dsa_hw_desc, dst_addr, 24);
SVA_DSA_OFFSET(dsa_hw_desc, rdback_addr2, 24);
SVA_DSA_OFFSET(dsa_hw_desc, src2_addr, 24);
SVA_DSA_OFFSET(dsa_hw_desc, comp_pattern, 24);
SVA_DSA_OFFSET(dsa_hw_desc, xfer_size, 32);
SVA_DSA_OFFSET(dsa_hw_desc, desc_count, 32);
SVA_DSA_OFFSET(dsa_hw_desc, int_handle, 36);
SVA_DSA_OFFSET(dsa_hw_desc, rsvd1, 38);
SVA_DSA_OFFSET(dsa_hw_desc, expected_res, 40);
SVA_DSA_OFFSET(dsa_hw_desc, delta_addr, 40);
SVA_DSA_OFFSET(dsa_hw_desc, max_delta_size, 48);
SVA_DSA_OFFSET(dsa_hw_desc, delt_rsvd, 52);
SVA_DSA_OFFSET(dsa_hw_desc, expected_res_mask, 56);
SVA_DSA_OFFSET(dsa_hw_desc, delta_rec_size, 40);
SVA_DSA_OFFSET(dsa_hw_desc, dest2, 40);
SVA_DSA_OFFSET(dsa_hw_desc, crc_seed, 40);
SVA_DSA_OFFSET(dsa_hw_desc, crc_rsvd, 44);
SVA_DSA_OFFSET(dsa_hw_desc, seed_addr, 48);
SVA_DSA_OFFSET(dsa_hw_desc, src_dif_flags, 40);
SVA_DSA_OFFSET(dsa_hw_desc, dif_chk_flags, 42);
SVA_DSA_OFFSET(dsa_hw_desc, chk_ref_tag_seed, 48);
SVA_DSA_OFFSET(dsa_hw_desc, chk_app_tag_mask, 52);
SVA_DSA_OFFSET(dsa_hw_desc, chk_app_tag_seed, 54);
SVA_DSA_OFFSET(dsa_hw_desc, dest_dif_flag, 41);
SVA_DSA_OFFSET(dsa_hw_desc, dif_ins_flags, 42);
SVA_DSA_OFFSET(dsa_hw_desc, ins_ref_tag_seed, 56);
SVA_DSA_OFFSET(dsa_hw_desc, ins_app_tag_mask, 60);
SVA_DSA_OFFSET(dsa_hw_desc, ins_app_tag_seed, 62);
SVA_DSA_OFFSET(dsa_hw_desc, src_upd_flags, 40);
SVA_DSA_OFFSET(dsa_hw_desc, upd_dest_flags, 41);
SVA_DSA_OFFSET(dsa_hw_desc, dif_upd_flags, 42);
SVA_DSA_OFFSET(dsa_hw_desc, src_ref_tag_seed, 48);
SVA_DSA_OFFSET(dsa_hw_desc, src_app_tag_mask, 52);
SVA_DSA_OFFSET(dsa_hw_desc, src_app_tag_seed, 54);
SVA_DSA_OFFSET(dsa_hw_desc, dest_ref_tag_seed, 56);
SVA_DSA_OFFSET(dsa_hw_desc, dest_app_tag_mask, 60);
SVA_DSA_OFFSET(dsa_hw_desc, dest_app_tag_seed, 62);
SVA_DSA_OFFSET(dsa_hw_desc, op_specific, 40);
static_assert(sizeof(struct dsa_completion_record) == 32, "a DSA completion record is 32 bytes");
SVA_DSA_OFFSET(dsa_completion_record, status, 0);
SVA_DSA_OFFSET(dsa_completion_record, result, 1);
SVA_DSA_OFFSET(dsa_completion_record, dif_status, 1);
SVA_DSA_OFFSET(dsa_completion_record, bytes_completed, 4);
SVA_DSA_OFFSET(dsa_completion_record, fault_addr, 8);
SVA_DSA_OFFSET(dsa_completion_record, delta_rec_size, 16);
SVA_DSA_OFFSET(dsa_completion_record, crc_val, 16);
SVA_DSA_OFFSET(dsa_completion_record, dif_chk_ref_tag, 16);
SVA_DSA_OFFSET(dsa_completion_record, dif_chk_app_tag_mask, 20);
SVA_DSA_OFFSET(dsa_completion_record, dif_chk_app_tag, 22);
SVA_DSA_OFFSET(dsa_completion_record, dif_ins_res, 16);
SVA_DSA_OFFSET(dsa_completion_record, dif_ins_ref_tag, 24);
SVA_DSA_OFFSET(dsa_completion_record, dif_ins_app_tag_mask, 28);
SVA_DSA_OFFSET(dsa_completion_record, dif_ins_app_tag, 30);
SVA_DSA_OFFSET(dsa_completion_record, dif_upd_src_ref_tag, 16);
SVA_DSA_OFFSET(dsa_completion_record, dif_upd_src_app_tag_mask, 20);
SVA_DSA_OFFSET(dsa_completion_record, dif_upd_src_app_tag, 22);
SVA_DSA_OFFSET(dsa_completion_record, dif_upd_dest_ref_tag, 24);
SVA_DSA_OFFSET(dsa_completion_record, dif_upd_dest_app_tag_mask, 28);
SVA_DSA_OFFSET(dsa_completion_record, dif_upd_dest_app_tag, 30);
SVA_DSA_OFFSET(dsa_completion_record, op_specific, 16);
#undef SVA_DSA_OFFSET

/*
 * The status byte of a descriptor the driver ended in software, not the device: its queue was
 * stopped (PUT_Q, release, removal) before or while it ran. The whole byte is 0xff, the value
 * the kernel's idxd driver writes for the descriptors it aborts (IDXD_COMP_DESC_ABORT, not in
 * the uapi): compare the whole byte, as idxd does, since DSA_COMP_STATUS_MASK would mask it.
 */
#define SVA_DSA_COMP_ABORTED 0xffu

/* The status code of a status byte: DSA_COMP_* without the write bit, or SVA_DSA_COMP_ABORTED. */
static inline unsigned sva_dsa_status_code(uint8_t status)
{
	return status == SVA_DSA_COMP_ABORTED ? SVA_DSA_COMP_ABORTED
					      : (unsigned)(status & DSA_COMP_STATUS_MASK);
}

/* Operation-specific flags (bits 23:16): CRCGEN, COPY_CRC read the seed at seed_addr. */
#define SVA_DSA_FLAG_CRC_READ_SEED (1u << 16)

/* DIF flags (dif_chk_flags, dif_ins_flags, dif_upd_flags): the block size and the guard's CRC. */
enum {
	SVA_DSA_DIF_BLOCK_MASK = 0x3,	       /* 0: 512, 1: 520, 2: 4096, 3: 4104 bytes of data */
	SVA_DSA_DIF_INVERT_CRC_SEED = 1u << 2, /* the guard's CRC starts at 0xffff, not 0 */
	SVA_DSA_DIF_INVERT_CRC_RESULT = 1u << 3, /* the guard is the CRC inverted */
};
/* Source DIF flags (src_dif_flags, src_upd_flags): how the source's tuples are checked. */
enum {
	SVA_DSA_DIF_SRC_ALL_F_DETECT_ERR = 1u << 0, /* an all-F tuple is an error, not skipped */
	SVA_DSA_DIF_SRC_ALL_F_DETECT = 1u << 1,	    /* a tuple of all 0xff: the block is skipped */
	SVA_DSA_DIF_SRC_APP_TAG_F_DETECT = 1u << 2, /* application tag 0xffff: skipped */
	SVA_DSA_DIF_SRC_APP_REF_F_DETECT = 1u << 3, /* 0xffff and reference tag 0xffffffff */
	SVA_DSA_DIF_SRC_APP_TAG_INC = 1u << 4,	    /* the application tag increments per block */
	SVA_DSA_DIF_SRC_GUARD_CHECK_DISABLE = 1u << 5,
	SVA_DSA_DIF_SRC_REF_TAG_CHECK_DISABLE = 1u << 6,
	SVA_DSA_DIF_SRC_REF_TAG_FIXED = 1u << 7, /* else it increments per block (Type 1) */
};
/* Destination DIF flags (dest_dif_flag, upd_dest_flags): how the new tuples are made. */
enum {
	SVA_DSA_DIF_DST_APP_TAG_INC = 1u << 4,
	SVA_DSA_DIF_DST_APP_TAG_PASS = 1u << 5, /* DIF_UPDT: the source's application tag kept */
	SVA_DSA_DIF_DST_REF_TAG_PASS = 1u << 6, /* DIF_UPDT: the source's reference tag kept */
	SVA_DSA_DIF_DST_REF_TAG_FIXED = 1u << 7,
};
/* dif_status of a DSA_COMP_DIF_ERR record: which check of the failing block failed. */
enum {
	SVA_DSA_DIF_ERR_GUARD = 1u << 0,
	SVA_DSA_DIF_ERR_APP_TAG = 1u << 1,
	SVA_DSA_DIF_ERR_REF_TAG = 1u << 2,
	SVA_DSA_DIF_ERR_ALL_F = 1u << 3,
};

/* A delta record entry (CR_DELTA, AP_DELTA): the offset of an 8-byte word / 8, its new value. */
#define SVA_DSA_DELTA_ENTRY	 10u
#define SVA_DSA_DELTA_MAX_XFER	 (8u << 16) /* 16-bit offsets of 8-byte words */
#define SVA_DSA_DELTA_MIN_RECORD 80u	    /* the smallest max_delta_size accepted */

/* CRC32C (Castagnoli, reflected 0x82f63b78), chainable: crc(a || b) = crc(b, crc(a, seed)), as
 * CRCGEN computes it with a seed. */
uint32_t sva_crc32c(uint32_t seed, const void *buf, size_t len);
/* The T10-DIF CRC16 (0x8bb7, not reflected) of @buf from @crc: the DIF guard. */
uint16_t sva_crc16_t10dif(uint16_t crc, const void *buf, size_t len);

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
	uint32_t max_xfer;   /* the WQ's max transfer size: 0 = the device's */
	uint32_t max_batch;  /* the WQ's max batch size: 0 = the device's */
	unsigned priority;   /* 0..15: the engines of its group serve higher ones first */
	unsigned threshold;  /* shared: ENQCMD to its limited portal retries from this many
				pending on (0 = depth); the unlimited portal fills to depth */
	unsigned group;	     /* the group whose engines serve it (0..SVA_ACCEL_MAX_GROUPS-1) */
	bool ats_disable;    /* kept and reported (the model's DMA does not use ATS) */
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
	/*
	 * Not uacce: the idxd driver's own character device, one per WQ ("dsa/wq0.0", opened as
	 * "/dev/dsa/wq0.0"), with idxd's rule; no START_Q. See sva/idxd.h.
	 */
	SVA_ACCEL_CDEV_IDXD_WQ,
};

struct sva_accel_config {
	const char *name; /* "dsa0" (NULL) */
	enum sva_accel_cdev_rule cdev_rule;
	unsigned engines; /* 0 = 1 */
	unsigned nwqs;	  /* 1..SVA_ACCEL_MAX_WQS */
	struct sva_accel_wq_config wqs[SVA_ACCEL_MAX_WQS];
	uint32_t max_xfer;  /* bytes per descriptor; 0 = 2 MiB (a WQ may ask for less) */
	uint32_t max_batch; /* descriptors per batch; 0 = 32 (a WQ may ask for less) */
	unsigned engine_group[SVA_ACCEL_MAX_ENGINES]; /* each engine's group (0 by default) */
	bool pasid_disabled; /* SVA_ACCEL_CDEV_IDXD_WQ: PASID not enabled, opens refused */
	bool wqs_disabled;   /* SVA_ACCEL_CDEV_IDXD_WQ: no WQ's char device registered at create:
				idxd's per-WQ enable adds each (sva_idxd_wq_enable()) */
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
	uint64_t page_faults;	/* completed PAGE_FAULT_* / BATCH_PAGE_FAULT */
	uint64_t errors;	/* completed with an error status (0x09, 0x10 and above) */
	uint64_t records_lost;	/* completion records whose DMA write failed */
	uint64_t swerrs;	/* errors reported to the software error register */
	uint64_t bytes;		/* bytes processed by engines */
	uint64_t page_requests; /* page requests of block-on-fault DMA */
	uint64_t dropped;	/* MOVDIR64B to a full dedicated WQ: dropped, never completed */
	uint64_t retries;	/* ENQCMD / ENQCMDS answered retry (ZF=1) */
};

void sva_accel_get_stats(struct sva_accel *a, struct sva_accel_stats *out);

/*
 * The software error register (DSA's SWERR): an error the device could not put in a completion
 * record - a descriptor without one (no IDXD_OP_FLAG_CRAV), a record address not 32-byte
 * aligned (DSA_COMP_CRA_ALIGN) or not translatable (DSA_COMP_CRA_XLAT). The first error is kept
 * until software clears it; later ones set overflow.
 */
struct sva_accel_swerr {
	bool valid;
	bool overflow;
	uint8_t status;	      /* DSA_COMP_* */
	uint8_t opcode;	      /* of the descriptor */
	unsigned wq;	      /* its WQ */
	uint32_t pasid;	      /* its PASID */
	uint64_t record_addr; /* its completion_addr */
};

/* Read the register into @out and clear it (software writes valid back); true if it was valid. */
bool sva_accel_read_swerr(struct sva_accel *a, struct sva_accel_swerr *out);

/* What SVA_ACCEL_IOCTL_WQ_INFO fills (arg: a struct sva_accel_wq_info * of the caller). */
#define SVA_ACCEL_IOCTL_WQ_INFO 0x6101u

struct sva_accel_wq_info {
	uint32_t index;
	uint32_t mode; /* enum sva_accel_wq_mode */
	uint32_t depth;
	uint32_t max_xfer;  /* the WQ's */
	uint32_t max_batch; /* the WQ's */
	bool block_on_fault;
};

/* ---- the instructions (from the submitting task) -------------------------------------------- */

/*
 * MOVDIR64B of @d to @portal (64-byte aligned, in a dedicated WQ's portal mapping). 0 accepted;
 * -EFAULT (no portal there), -EPERM (the queue is not started or was stopped, or, idxd's rule,
 * the portal is another mm's), -EINVAL (a shared WQ's portal), SVA_ACCEL_EGP (misaligned).
 * MOVDIR64B is a posted write with no answer: to a full WQ it returns 0 as any store does and
 * the device drops the descriptor silently - it never completes, its record is never written
 * (counted in stats.dropped). A dedicated WQ's user keeps no more descriptors outstanding than
 * the WQ's size (SVA_ACCEL_IOCTL_WQ_INFO's depth), as DSA users do.
 */
int sva_accel_movdir64b(struct sva_task *t, uint64_t portal, const struct dsa_hw_desc *d);
/*
 * Not an instruction: MOVDIR64B where a full WQ answers -EAGAIN and keeps nothing, instead of
 * dropping. The flow control of the model's own client library and scenario interpreter.
 */
int sva_accel_movdir64b_retry(struct sva_task *t, uint64_t portal, const struct dsa_hw_desc *d);
/*
 * ENQCMD of @d to @portal (a shared WQ's). The thread's PASID register is loaded first if it
 * must be (the #GP fix-up); @d->pasid is overwritten with it. 0 accepted; SVA_ACCEL_EGP (no
 * PASID, or misaligned); -EAGAIN (full: ZF=1); -EFAULT, -EPERM, -EINVAL as MOVDIR64B.
 */
int sva_accel_enqcmd(struct sva_task *t, uint64_t portal, struct dsa_hw_desc *d);
/*
 * ENQCMDS (supervisor: the kernel's submitters) of @d to shared WQ @wq of @a, through its
 * limited portal when @limited (the threshold applies) or the unlimited one: the PASID and the
 * priv bit are the descriptor's own, as software wrote them (priv 1: a supervisor request, the
 * kernel's PASID or a process's, on the kernel's responsibility). 0 accepted; -EAGAIN (retry,
 * ZF=1: full, or the threshold reached); -EINVAL (a dedicated WQ, no such WQ, a PASID out of
 * range). Descriptors of the kernel's are aborted when the device is destroyed.
 */
int sva_accel_enqcmds(struct sva_accel *a, unsigned wq, bool limited, const struct dsa_hw_desc *d);
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
 * Submit @d with the WQ's instruction (MOVDIR64B or ENQCMD), adding IDXD_OP_FLAG_BOF when the
 * WQ blocks on faults (but to a DRAIN, where the flag is reserved); -EAGAIN is retried
 * (yielding) up to SVA_ACCEL_CLIENT_RETRIES times.
 */
#define SVA_ACCEL_CLIENT_RETRIES 1000  /* yields on a full WQ, then ... */
#define SVA_ACCEL_CLIENT_SLEEPS	 10000 /* ... 1 ms sleeps (in sim: scheduling points) */
int sva_accel_client_submit(struct sva_task *t, struct sva_accel_client *c,
			    const struct dsa_hw_desc *d);
#define SVA_ACCEL_CLIENT_PROBE 1024 /* polls between two looks at the queue's state */
#define SVA_ACCEL_CLIENT_SPIN  16   /* native: polls per yield (sim: every poll yields) */
/*
 * Poll the completion record at @comp_va (read by the CPU; native: a pause between two polls and
 * a yield every SVA_ACCEL_CLIENT_SPIN, sim: a yield between two) until its status
 * is not NONE; 0 and *@rec, or the read's error, or -ETIMEDOUT after @max_polls (0: no limit).
 * A descriptor its queue's stop ended (the device removed mid-flight, PUT_Q) completes ABORTED;
 * when that record could not be written either (its page not writable without a page request
 * the stopping device does not make), the wait sees the queue stopped (Q_STATE: ZOMBIE) and
 * returns -ECANCELED promptly instead of polling for a record that will not come.
 */
int sva_accel_client_wait(struct sva_task *t, struct sva_accel_client *c, uint64_t comp_va,
			  struct dsa_completion_record *rec, unsigned long max_polls);

/*
 * Descriptor builders: zero @d, fill it, ask for a record at @comp (CRAV and RCR; 0: none).
 * fill is MEMFILL, compare_pattern COMPVAL, crc32c CRCGEN.
 */
void sva_dsa_desc_noop(struct dsa_hw_desc *d, uint64_t comp);
void sva_dsa_desc_memmove(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			  uint64_t comp);
void sva_dsa_desc_fill(struct dsa_hw_desc *d, uint64_t dst, uint64_t pattern, uint32_t size,
		       uint64_t comp);
void sva_dsa_desc_compare(struct dsa_hw_desc *d, uint64_t src, uint64_t src2, uint32_t size,
			  uint64_t comp);
void sva_dsa_desc_compare_pattern(struct dsa_hw_desc *d, uint64_t src, uint64_t pattern,
				  uint32_t size, uint64_t comp);
void sva_dsa_desc_crc32c(struct dsa_hw_desc *d, uint64_t src, uint32_t size, uint32_t seed,
			 uint64_t comp);
void sva_dsa_desc_copy_crc(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			   uint32_t seed, uint64_t comp);
void sva_dsa_desc_dualcast(struct dsa_hw_desc *d, uint64_t dst, uint64_t dst2, uint64_t src,
			   uint32_t size, uint64_t comp);
void sva_dsa_desc_batch(struct dsa_hw_desc *d, uint64_t list, uint32_t count, uint64_t comp);
void sva_dsa_desc_drain(struct dsa_hw_desc *d, uint64_t comp);
void sva_dsa_desc_cr_delta(struct dsa_hw_desc *d, uint64_t src, uint64_t src2, uint32_t size,
			   uint64_t delta, uint32_t max_delta, uint64_t comp);
void sva_dsa_desc_ap_delta(struct dsa_hw_desc *d, uint64_t dst, uint64_t delta, uint32_t delta_size,
			   uint32_t size, uint64_t comp);
void sva_dsa_desc_cflush(struct dsa_hw_desc *d, uint64_t dst, uint32_t size, uint64_t comp);
/* DIF: @flags are the DIF flags (block size...); @ref and @app the tags' seeds. */
void sva_dsa_desc_dif_check(struct dsa_hw_desc *d, uint64_t src, uint32_t size, uint8_t flags,
			    uint8_t src_flags, uint32_t ref, uint16_t app, uint64_t comp);
void sva_dsa_desc_dif_ins(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			  uint8_t flags, uint8_t dst_flags, uint32_t ref, uint16_t app,
			  uint64_t comp);
void sva_dsa_desc_dif_strp(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			   uint8_t flags, uint8_t src_flags, uint32_t ref, uint16_t app,
			   uint64_t comp);

SVA_END_DECLS

#endif /* SVA_ACCEL_H */

/* SPDX-License-Identifier: MIT */
/*
 * Submission: the MOVDIR64B and ENQCMD instructions of a task, and the IA32_PASID register.
 *
 * A 64-byte store to a portal is what the CPU does: the address is looked up in the caller's
 * mm under mmap_lock, as its page walk would. It must fall in a VMA mapping the MMIO page of a
 * WQ's uacce file, and the page must be present; a store to a missing page faults it in (the
 * uacce mapping's fault handler) and retries, and an address with no VMA, another file, or a
 * mapping the device's removal revoked is a fault: -EFAULT. A present portal page under
 * mmap_lock proves the accelerator is alive: its removal zaps the mapping (mmap_lock for
 * write) before anything is freed. The page is decoded to its WQ as a bus decodes an address:
 * the uacce device's parent is the accelerator's device, and the page is that WQ's portal.
 *
 * The IA32_PASID register of a thread is the task's own raw value (sva_task_pasid_msr(), kept
 * with its thread state by the process layer, which copies and clears it at fork, clone and
 * exec as the kernel does). ENQCMD puts whatever it holds into the descriptor: nothing here
 * checks that it is the PASID of the caller's mm - a register left set by a missing clear
 * submits on another mm's PASID, and accel.submit says so (its pasid and the submitting mm).
 *
 * Lock order: mmap_lock -> wq->lock (a spinlock, nothing taken or slept on inside).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SVA_ACCEL_PORTAL_RETRIES 4
#define SVA_ACCEL_PORTAL_MISSING 1 /* internal: the portal page is not mapped yet */

/* ---- the PASID register ---- */

uint32_t sva_accel_pasid_msr(struct sva_task *t)
{
	return sva_task_pasid_msr(t);
}

/*
 * ENQCMD with the register not valid raises #GP; the kernel's fix-up loads the mm's PASID if
 * it has one and not yet done for this thread, and the instruction runs again. 0 and the
 * register, or SVA_ACCEL_EGP.
 */
static int sva_accel_enqcmd_gp_fixup(struct sva_task *t, uint32_t *msr)
{
	struct sva_world *w = sva_kernel_world(sva_task_kernel(t));
	uint32_t pasid = sva_mm_get_pasid(sva_task_mm(t));

	if (pasid == SVA_PASID_INVALID) {
		sva_trace(w, ACCEL_ENQCMD_GP, sva_task_tid(t));
		return SVA_ACCEL_EGP;
	}
	*msr = SVA_PASID_MSR_VALID | pasid;
	sva_task_set_pasid_msr(t, *msr);
	sva_trace(w, ACCEL_PASID_MSR_LOAD, pasid, sva_task_tid(t), pasid);
	return 0;
}

/* ---- the WQ side ---- */

static struct sva_accel_ctx *sva_accel_ctx_find(struct sva_accel_wq *wq, const void *q)
{
	struct sva_accel_ctx *ctx;

	if (!q)
		return wq->kctx;
	sva_glist_for_each_entry(ctx, &wq->ctxs, node)
		if (ctx->q == q)
			return ctx;
	return NULL;
}

static bool sva_accel_insn_fits(struct sva_accel_wq *wq, enum sva_accel_insn insn)
{
	bool movdir = insn == SVA_ACCEL_MOVDIR64B || insn == SVA_ACCEL_MOVDIR64B_RETRY;

	return wq->mode == SVA_ACCEL_WQ_DEDICATED ? movdir : !movdir;
}

/*
 * Full, as the instruction sees it: no free slot, or (ENQCMD / ENQCMDS to a shared WQ's limited
 * portal) the WQ's threshold reached.
 */
static bool sva_accel_wq_full(struct sva_accel_wq *wq, bool limited)
{
	return sva_glist_empty(&wq->free) || (limited && wq->mode == SVA_ACCEL_WQ_SHARED &&
					      sva_wq_locked(wq, npending) >= wq->threshold);
}

int sva_accel_wq_enqueue(struct sva_accel_wq *wq, const void *q, struct sva_mm *mm,
			 const struct dsa_hw_desc *d, enum sva_accel_insn insn, bool limited)
{
	struct sva_accel *a = wq->a;
	struct sva_accel_slot *slot = NULL;
	struct sva_accel_ctx *ctx;
	uint32_t pasid = 0;
	uint64_t gen = 0, id = 0;
	int ret = 0;

	if (!sva_accel_insn_fits(wq, insn))
		return -EINVAL;
	sva_spin_lock(&wq->lock);
	ctx = sva_accel_ctx_find(wq, q);
	if (!ctx || sva_ctx_state(ctx) != SVA_ACCEL_CTX_STARTED) {
		ret = -EPERM;
	} else if (sva_accel_wq_full(wq, limited)) {
		/* full; npending < depth is not enough, see internal.h */
		ret = insn == SVA_ACCEL_MOVDIR64B ? 1 : -EAGAIN;
	} else {
		slot = sva_list_first_entry(sva_glist_locked(&wq->free, false),
					    struct sva_accel_slot, node);
		sva_list_del(&slot->node);
		slot->desc = *d;
		/* a dedicated WQ runs on its own PASID, whatever the descriptor's field says */
		slot->pasid = pasid =
			insn == SVA_ACCEL_MOVDIR64B || insn == SVA_ACCEL_MOVDIR64B_RETRY
				? ctx->pasid
				: d->pasid;
		slot->gen = gen = sva_swiommu_pasid_gen(a->dev, pasid);
		/* its id in the trace: the flow from submission to completion follows it */
		slot->id = id =
			SVA_EV_DESC_ID(a->dev->id, atomic_fetch_add(&a->submitted_ids, 1) + 1);
		slot->ctx = ctx;
		sva_glist_add_tail(&slot->node, &wq->pending);
		sva_wq_locked(wq, npending)++;
		atomic_fetch_add(&ctx->npending, 1);
		atomic_fetch_add(&a->queued[wq->group], 1);
	}
	sva_spin_unlock(&wq->lock);
	if (ret == 1) { /* a posted write the full WQ drops: no answer, no completion */
		sva_accel_count(&a->c.dropped, 1);
		sva_log(a->w, SVA_LOG_DEBUG, "accel %s: WQ %s full: MOVDIR64B dropped", a->name,
			wq->name);
		return 0;
	}
	if (ret == -EAGAIN && insn != SVA_ACCEL_MOVDIR64B_RETRY)
		sva_accel_count(&a->c.retries, 1);
	if (ret)
		return ret;
	sva_accel_count(&a->c.submitted, 1);
	sva_trace(a->w, ACCEL_SUBMIT, pasid, wq->name, pasid, d->opcode, gen,
		  mm ? sva_mm_id(mm) : 0, id);
	sva_accel_kick(a);
	return 0;
}

/* ---- the portal store ---- */

/*
 * The WQ whose portal page @pfn is (*@limited: its limited portal), behind character device
 * @cdev (a uacce device or an idxd cdev) of the accelerator on @dev (caller holds mmap_lock,
 * the page mapped). The WQs' own devices are compared with @cdev before anything of it is used:
 * another driver's device is not dereferenced.
 */
static struct sva_accel_wq *sva_accel_decode(struct sva_device *dev, const void *cdev, uint64_t pfn,
					     bool *limited)
{
	struct sva_accel *a = dev ? dev->priv : NULL;

	for (unsigned i = 0; a && i < a->nwqs; i++) {
		struct sva_accel_wq *wq = a->wqs[i];

		if (cdev != (const void *)wq->u &&
		    cdev != (const void *)atomic_load_explicit(&wq->cdev, memory_order_acquire))
			continue;
		*limited = wq->portal_limited->pfn == pfn;
		if (wq->portal->pfn == pfn || *limited)
			return wq;
	}
	return NULL;
}

/* Store @d to @portal in @mm (mmap_lock held): 0, an error, or SVA_ACCEL_PORTAL_MISSING. */
static int sva_accel_portal_store(struct sva_mm *mm, uint64_t portal, const struct dsa_hw_desc *d,
				  enum sva_accel_insn insn)
{
	struct sva_vma *vma = sva_vma_lookup(mm, portal);
	struct sva_uacce_queue *q = NULL;
	struct sva_idxd_cdev *ic = NULL;
	struct sva_device *dev = NULL;
	struct sva_mm *owner = NULL;
	struct sva_accel_wq *wq;
	const void *key = NULL;
	bool limited = false;
	sva_pte_t *e;
	uint64_t pte;

	if (!vma || !vma->file)
		return -EFAULT;
	if ((q = sva_uacce_file_queue(vma->file))) {
		key = q;
		dev = sva_uacce_parent(sva_uacce_queue_device(q));
	} else if ((ic = sva_idxd_file_cdev(vma->file, &key, &owner))) {
		dev = sva_idxd_cdev_parent(ic);
	} else {
		return -EFAULT;
	}
	if (vma->pgoff + ((portal - vma->start) >> SVA_PAGE_SHIFT) != 0)
		return -EFAULT; /* the queue's shared memory, not its portal */
	if (ic && owner != mm)
		return -EPERM; /* idxd's rule: the portal of another mm's open */
	e = sva_pgtable_walk(sva_mm_pgtable(mm), portal, false, NULL);
	pte = e ? sva_pte_read(e) : 0;
	if (!(pte & SVA_PTE_PRESENT) || !(pte & SVA_PTE_WRITE))
		return SVA_ACCEL_PORTAL_MISSING;
	wq = sva_accel_decode(dev, q ? (const void *)sva_uacce_queue_device(q) : (const void *)ic,
			      sva_pte_pfn(pte), &limited);
	if (!wq)
		return -EFAULT; /* another driver's queue */
	return sva_accel_wq_enqueue(wq, key, mm, d, insn, limited);
}

/* A 64-byte store of @d to @portal from @t, faulting the portal page in as the CPU would. */
static int sva_accel_portal_write(struct sva_task *t, uint64_t portal, const struct dsa_hw_desc *d,
				  enum sva_accel_insn insn)
{
	struct sva_mm *mm = sva_task_mm(t);
	int ret = -EFAULT;

	for (int tries = 0; tries < SVA_ACCEL_PORTAL_RETRIES; tries++) {
		sva_down_read(sva_mm_mmap_lock(mm));
		ret = sva_accel_portal_store(mm, portal, d, insn);
		sva_up_read(sva_mm_mmap_lock(mm));
		if (ret != SVA_ACCEL_PORTAL_MISSING)
			return ret;
		if (sva_mm_fault(mm, portal,
				 SVA_FAULT_FLAG_WRITE | SVA_FAULT_FLAG_USER)) /* SIGSEGV, SIGBUS */
			return -EFAULT;
	}
	return -EFAULT;
}

/* The caller must be @t itself, a thread with an mm; the store 64-byte aligned. */
static int sva_accel_insn_check(struct sva_task *t, uint64_t portal, const void *d,
				const char *insn)
{
	struct sva_kernel *k = sva_task_kernel(t);

	if (sva_task_current(k) != t || !sva_task_mm(t) || !d) {
		sva_report(sva_kernel_world(k), SVA_REPORT_BAD_USAGE,
			   "accel: %s for task %d not made by that task", insn, sva_task_tid(t));
		return -EINVAL;
	}
	return portal % sizeof(struct dsa_hw_desc) ? SVA_ACCEL_EGP : 0;
}

int sva_accel_movdir64b(struct sva_task *t, uint64_t portal, const struct dsa_hw_desc *d)
{
	int ret = sva_accel_insn_check(t, portal, d, "MOVDIR64B");

	if (ret)
		return ret;
	return sva_accel_portal_write(t, portal, d, SVA_ACCEL_MOVDIR64B);
}

int sva_accel_movdir64b_retry(struct sva_task *t, uint64_t portal, const struct dsa_hw_desc *d)
{
	int ret = sva_accel_insn_check(t, portal, d, "MOVDIR64B");

	if (ret)
		return ret;
	return sva_accel_portal_write(t, portal, d, SVA_ACCEL_MOVDIR64B_RETRY);
}

/*
 * ENQCMDS from the kernel: the kernel writes to the portal through its own mapping, so no user
 * page table is involved; PASID and priv are the descriptor's, checked only to be in range.
 */
int sva_accel_enqcmds(struct sva_accel *a, unsigned index, bool limited,
		      const struct dsa_hw_desc *d)
{
	if (!a || !d || index >= a->nwqs || a->wqs[index]->mode != SVA_ACCEL_WQ_SHARED ||
	    d->pasid >= a->dev->max_pasids) {
		if (a)
			sva_log(a->w, SVA_LOG_ERR, "accel %s: ENQCMDS to WQ %u refused", a->name,
				index);
		return -EINVAL;
	}
	return sva_accel_wq_enqueue(a->wqs[index], NULL, NULL, d, SVA_ACCEL_ENQCMDS, limited);
}

int sva_accel_enqcmd(struct sva_task *t, uint64_t portal, struct dsa_hw_desc *d)
{
	int ret = sva_accel_insn_check(t, portal, d, "ENQCMD");
	uint32_t msr;

	if (ret)
		return ret;
	msr = sva_accel_pasid_msr(t);
	if (!(msr & SVA_PASID_MSR_VALID)) {
		ret = sva_accel_enqcmd_gp_fixup(t, &msr);
		if (ret)
			return ret;
	}
	/* ENQCMD writes the register's PASID and a clear priv bit: not user space's to say */
	d->pasid = msr & SVA_PASID_MSR_MASK;
	d->priv = 0;
	/* whose PASID the register held: the checker holds it to the task's mm (I3) */
	sva_trace(sva_kernel_world(sva_task_kernel(t)), ACCEL_ENQCMD, d->pasid, sva_task_tid(t),
		  sva_mm_id(sva_task_mm(t)));
	return sva_accel_portal_write(t, portal, d, SVA_ACCEL_ENQCMD);
}

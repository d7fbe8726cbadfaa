/* SPDX-License-Identifier: MIT */
/*
 * uacce: accelerator queues behind a character device (see sva/uacce.h for the contract).
 *
 * Lock order: u->mutex -> (bind / unbind: iommu_sva_lock -> group mutex ...) and
 * u->mutex -> mmap_lock (removal zaps mappings); mmap_lock -> q->mutex (mmap notes its mm).
 * Nothing takes u->mutex under mmap_lock: a release runs from the deferred fput.
 *
 * References: the device holds one reference of its own (dropped by sva_uacce_remove) and
 * one per open queue (dropped when the queue's file is released), so a file outliving the
 * device's removal still finds its queue and device. A queue's bond holds the opener's
 * mm_count (through its domain), never mm_users: a process that exits with its queue mapped
 * tears its mm down, which puts the VMA, which releases the file, which unbinds (seed 000).
 * Each mm that mapped the queue is grabbed (mmgrab) so removal can zap its mappings.
 *
 * u->queues is a guarded list (sync/glist.h) under u->mutex: every change and walk asserts
 * the mutex, so a dropped or moved lock around it is reported on every run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/list.h"
#include "../../sync/glist.h"
#include "sva/uacce.h"

SVA_OBJ_CLASS(uacce);
SVA_OBJ_CLASS(uacce_queue);

struct sva_uacce_device {
	struct sva_kernel *k;
	struct sva_world *w;
	struct sva_device *parent;
	char name[32];
	unsigned flags;
	const struct sva_uacce_ops *ops;
	void *priv;
	struct sva_mutex mutex;	 /* queues; removed is set under it, read anywhere */
	struct sva_glist queues; /* guarded by mutex */
	unsigned nqueues;
	atomic_bool removed;
	struct sva_refcount refs;
};

struct sva_uacce_queue {
	struct sva_uacce_device *u;
	struct sva_bond *bond; /* NULL once unbound */
	uint32_t pasid;
	SVA_GUARDED_BY(enum sva_uacce_q_state)
	state;		   /* changed under u->mutex and mutex; read under either */
	struct sva_mm *mm; /* the opener's, compared only */
	void *priv;
	struct sva_list_head node;
	struct sva_mutex mutex; /* mms, and state against faults and mmap (under mmap_lock) */
	SVA_GUARDED_BY(struct sva_mm_set) mms; /* that mapped it, grabbed; under mutex */
};

static const struct sva_vm_ops sva_uacce_vm_ops;

static void sva_uacce_put(struct sva_uacce_device *u)
{
	if (!sva_refcount_dec_and_test(&u->refs))
		return;
	sva_mutex_destroy(&u->mutex);
	sva_free(u->w, &sva_obj_uacce, u);
}

/* @q's state, read under either mutex, changed under both (SVA_GUARDED_BY). */
#define sva_uacce_qstate(q)   sva_guarded2_read(&(q)->u->mutex, &(q)->mutex, (q)->state)
#define sva_uacce_qstate_w(q) sva_guarded2(&(q)->u->mutex, &(q)->mutex, (q)->state)

/* Stop and put @q (u->mutex held); it can do nothing any more. */
static void sva_uacce_put_queue(struct sva_uacce_queue *q)
{
	const struct sva_uacce_ops *ops = q->u->ops;

	if (sva_uacce_qstate(q) == SVA_UACCE_Q_ZOMBIE)
		return;
	if (ops->stop_queue)
		ops->stop_queue(q); /* waits for work in flight */
	sva_mutex_lock(&q->mutex);  /* a concurrent fault must not see the queue half put */
	if (ops->put_queue)
		ops->put_queue(q);
	sva_uacce_qstate_w(q) = SVA_UACCE_Q_ZOMBIE;
	sva_mutex_unlock(&q->mutex);
}

/* Unbind @q (u->mutex held): after its queue was stopped, so no DMA on the PASID is left. */
static void sva_uacce_unbind(struct sva_uacce_queue *q)
{
	if (!q->bond)
		return;
	sva_unbind_device(q->bond);
	q->bond = NULL;
}

static void sva_uacce_set_state(struct sva_uacce_queue *q, enum sva_uacce_q_state state)
{
	sva_mutex_lock(&q->mutex);
	sva_uacce_qstate_w(q) = state;
	sva_mutex_unlock(&q->mutex);
}

static bool sva_uacce_mm_ok(struct sva_uacce_queue *q, struct sva_mm *mm)
{
	return !(q->u->flags & SVA_UACCE_MM_CHECK) || mm == q->mm;
}

static struct sva_mm *sva_uacce_current_mm(struct sva_uacce_device *u)
{
	struct sva_task *t = sva_task_current(u->k);

	return t ? sva_task_mm(t) : NULL;
}

/* ---- file operations ---- */

static int sva_uacce_open(struct sva_file *file)
{
	struct sva_uacce_device *u = file->private_data;
	struct sva_mm *mm = sva_uacce_current_mm(u);
	struct sva_uacce_queue *q;
	int ret;

	if (!mm)
		return -EINVAL;
	q = sva_alloc(u->w, &sva_obj_uacce_queue, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->u = u;
	q->mm = mm;
	sva_mutex_init(u->w, &q->mutex, "uacce_queue");
	sva_mutex_lock(&u->mutex);
	if (atomic_load(&u->removed) || !u->parent->max_pasids)
		ret = -ENODEV; /* no device, or no PASID to give the queue */
	else
		ret = sva_bind_device(u->parent, mm, &q->bond);
	if (ret == 0) {
		q->pasid = sva_bond_pasid(q->bond);
		if (q->pasid == SVA_PASID_INVALID)
			ret = -ENODEV;
		else if (u->ops->get_queue)
			ret = u->ops->get_queue(u, q->pasid, q);
		if (ret)
			sva_uacce_unbind(q);
	}
	if (ret == 0) {
		sva_unguarded(q->state) = SVA_UACCE_Q_INIT; /* not on the list yet */
		sva_glist_add_tail(&q->node, &u->queues);
		u->nqueues++;
		sva_refcount_inc(&u->refs);
	}
	sva_mutex_unlock(&u->mutex);
	if (ret) {
		sva_mutex_destroy(&q->mutex);
		sva_free(u->w, &sva_obj_uacce_queue, q);
		return ret;
	}
	file->private_data = q;
	sva_trace(u->w, UACCE_OPEN, u->name, q->pasid);
	return 0;
}

static void sva_uacce_release(struct sva_file *file)
{
	struct sva_uacce_queue *q = file->private_data;
	struct sva_uacce_device *u = q->u;

	sva_mutex_lock(&u->mutex);
	sva_uacce_put_queue(q);
	sva_uacce_unbind(q);
	sva_glist_del(&q->node, &u->queues);
	u->nqueues--;
	sva_mutex_unlock(&u->mutex);
	sva_mm_set_drop(&sva_unguarded(q->mms)); /* released: no one else looks */
	sva_trace(u->w, UACCE_RELEASE, u->name, q->pasid);
	sva_mutex_destroy(&q->mutex);
	sva_free(u->w, &sva_obj_uacce_queue, q);
	sva_uacce_put(u);
}

void sva_uacce_mm_exit(struct sva_uacce_device *u, uint32_t pasid)
{
	struct sva_uacce_queue *q;

	sva_mutex_lock(&u->mutex);
	sva_glist_for_each_entry(q, &u->queues, node)
		if (q->pasid == pasid)
			sva_uacce_put_queue(q); /* waits for the queue's work in flight */
	sva_mutex_unlock(&u->mutex);
}

static long sva_uacce_ioctl(struct sva_file *file, unsigned cmd, unsigned long arg)
{
	struct sva_uacce_queue *q = file->private_data;
	struct sva_uacce_device *u = q->u;
	long ret = 0;

	if (!sva_uacce_mm_ok(q, sva_uacce_current_mm(u)))
		return -EPERM;
	if (cmd == SVA_UACCE_CMD_Q_STATE) {
		sva_mutex_lock(&u->mutex); /* a put or a removal under way finishes first */
		ret = sva_uacce_qstate(q);
		sva_mutex_unlock(&u->mutex);
		return ret;
	}
	if (cmd != SVA_UACCE_CMD_START_Q && cmd != SVA_UACCE_CMD_PUT_Q) {
		if (atomic_load(&u->removed)) /* the driver checks its queue's own state */
			return -ENODEV;
		return u->ops->ioctl ? u->ops->ioctl(q, cmd, arg) : -EINVAL;
	}
	sva_mutex_lock(&u->mutex);
	if (atomic_load(&u->removed))
		ret = -ENODEV;
	else if (cmd == SVA_UACCE_CMD_PUT_Q)
		sva_uacce_put_queue(q);
	else if (sva_uacce_qstate(q) != SVA_UACCE_Q_INIT)
		ret = -EINVAL;
	else if (!u->ops->start_queue || (ret = u->ops->start_queue(q)) == 0)
		sva_uacce_set_state(q, SVA_UACCE_Q_STARTED);
	sva_mutex_unlock(&u->mutex);
	return ret;
}

/*
 * Under q->mutex (the queue cannot be put meanwhile): is @q still there, does @region hold
 * @pages, and remember @mm as one that maps it, for removal.
 */
static int sva_uacce_map_check(struct sva_uacce_queue *q, struct sva_mm *mm,
			       enum sva_uacce_region region, uint64_t pages)
{
	const struct sva_uacce_ops *ops = q->u->ops;
	int ret = 0;

	sva_mutex_lock(&q->mutex);
	if (atomic_load(&q->u->removed))
		ret = -ENODEV;
	else if (sva_uacce_qstate(q) == SVA_UACCE_Q_ZOMBIE ||
		 pages > (ops->region_pages ? ops->region_pages(q, region) : 0))
		ret = -EINVAL;
	if (ret == 0)
		ret = sva_mm_set_add(&sva_guarded(&q->mutex, q->mms), mm);
	sva_mutex_unlock(&q->mutex);
	return ret;
}

/*
 * MMIO is one page at offset 0; the shared memory follows from page 1. A region's pages are
 * found from the VMA's page offset, which splitting keeps consistent.
 */
static int sva_uacce_mmap(struct sva_file *file, struct sva_vma *vma)
{
	struct sva_uacce_queue *q = file->private_data;
	uint64_t pages = (vma->end - vma->start) >> SVA_PAGE_SHIFT;
	enum sva_uacce_region region = vma->pgoff ? SVA_UACCE_QFRT_DUS : SVA_UACCE_QFRT_MMIO;
	int ret;

	if (!sva_uacce_mm_ok(q, vma->mm))
		return -EPERM;
	if (vma->pgoff > 1)
		return -EINVAL;
	ret = sva_uacce_map_check(q, vma->mm, region, pages);
	if (ret)
		return ret;
	vma->flags |= SVA_VM_DONTCOPY | SVA_VM_DONTEXPAND | SVA_VM_WIPEONFORK | SVA_VM_SHARED;
	vma->ops = &sva_uacce_vm_ops;
	vma->private_data = q;
	return 0;
}

static const struct sva_file_operations sva_uacce_fops = {
	.open = sva_uacce_open,
	.release = sva_uacce_release,
	.mmap = sva_uacce_mmap,
	.ioctl = sva_uacce_ioctl,
};

static struct sva_page *sva_uacce_vm_fault(struct sva_vma *vma, uint64_t addr)
{
	struct sva_uacce_queue *q = vma->private_data;
	uint64_t pg = vma->pgoff + ((addr - vma->start) >> SVA_PAGE_SHIFT);
	struct sva_page *page = NULL; /* NULL: SIGBUS */

	sva_mutex_lock(&q->mutex); /* the queue cannot be put meanwhile */
	if (!atomic_load(&q->u->removed) && sva_uacce_qstate(q) != SVA_UACCE_Q_ZOMBIE &&
	    q->u->ops->region_page)
		page = pg == 0 ? q->u->ops->region_page(q, SVA_UACCE_QFRT_MMIO, 0)
			       : q->u->ops->region_page(q, SVA_UACCE_QFRT_DUS, pg - 1);
	sva_mutex_unlock(&q->mutex);
	return page;
}

static const struct sva_vm_ops sva_uacce_vm_ops = {
	.fault = sva_uacce_vm_fault,
};

/* ---- registration and removal ---- */

int sva_uacce_register(struct sva_kernel *k, struct sva_device *parent,
		       const struct sva_uacce_config *cfg, struct sva_uacce_device **out)
{
	struct sva_world *w = sva_kernel_world(k);
	struct sva_uacce_device *u;
	int ret;

	if (!cfg || !cfg->ops || !cfg->name || !(cfg->flags & SVA_UACCE_DEV_SVA))
		return -EINVAL;
	u = sva_alloc(w, &sva_obj_uacce, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->k = k;
	u->w = w;
	u->parent = parent;
	snprintf(u->name, sizeof(u->name), "%s", cfg->name);
	u->flags = cfg->flags;
	u->ops = cfg->ops;
	u->priv = cfg->priv;
	sva_mutex_init(w, &u->mutex, "uacce");
	sva_glist_init(&u->queues, &u->mutex);
	sva_refcount_init(w, &u->refs, "uacce", 1);
	ret = sva_chrdev_register(k, u->name, &sva_uacce_fops, u);
	if (ret) {
		sva_mutex_destroy(&u->mutex);
		sva_free(w, &sva_obj_uacce, u);
		return ret;
	}
	*out = u;
	return 0;
}

/*
 * Zap every user mapping of @q (each mm that mapped it and is still alive). The mm list is
 * copied under q->mutex and zapped without it: mmap takes q->mutex under mmap_lock.
 */
static void sva_uacce_zap_queue(struct sva_uacce_queue *q)
{
	struct sva_mm *mms[SVA_MM_SET_MAX];
	unsigned n;

	sva_mutex_lock(&q->mutex);
	n = sva_mm_set_get_live(&sva_guarded(&q->mutex, q->mms), mms);
	sva_mutex_unlock(&q->mutex);
	sva_mm_set_zap_put(mms, n, &sva_uacce_vm_ops, q);
}

/* Lock order here: u->mutex -> (unbind) -> mmap_lock (zap); nothing takes u->mutex under it. */
void sva_uacce_remove(struct sva_uacce_device *u)
{
	struct sva_uacce_queue *q;

	sva_chrdev_unregister(u->k, u->name); /* no new opens */
	sva_mutex_lock(&u->mutex);
	atomic_store(&u->removed, true);
	sva_glist_for_each_entry(q, &u->queues, node) {
		sva_uacce_put_queue(q);
		sva_uacce_unbind(q);
		sva_uacce_zap_queue(q);
	}
	sva_mutex_unlock(&u->mutex);
	sva_trace(u->w, UACCE_REMOVE, u->name);
	sva_uacce_put(u);
}

void *sva_uacce_priv(struct sva_uacce_device *u)
{
	return u->priv;
}

struct sva_device *sva_uacce_parent(struct sva_uacce_device *u)
{
	return u->parent;
}

unsigned sva_uacce_queues(struct sva_uacce_device *u)
{
	unsigned n;

	sva_mutex_lock(&u->mutex);
	n = u->nqueues;
	sva_mutex_unlock(&u->mutex);
	return n;
}

void *sva_uacce_queue_priv(struct sva_uacce_queue *q)
{
	return q->priv;
}

void sva_uacce_queue_set_priv(struct sva_uacce_queue *q, void *priv)
{
	q->priv = priv;
}

uint32_t sva_uacce_queue_pasid(struct sva_uacce_queue *q)
{
	return q->pasid;
}

enum sva_uacce_q_state sva_uacce_queue_state(struct sva_uacce_queue *q)
{
	enum sva_uacce_q_state state;

	sva_mutex_lock(&q->mutex);
	state = sva_uacce_qstate(q);
	sva_mutex_unlock(&q->mutex);
	return state;
}

struct sva_uacce_device *sva_uacce_queue_device(struct sva_uacce_queue *q)
{
	return q->u;
}

struct sva_uacce_queue *sva_uacce_file_queue(struct sva_file *file)
{
	return file->f_op == &sva_uacce_fops ? file->private_data : NULL;
}

/* SPDX-License-Identifier: MIT */
/*
 * The idxd character device of a WQ ("dsa/wq0.0"): open binds and starts a queue, mmap maps the
 * portal, write submits, release drains then unbinds; disable and removal with files open.
 * The contract is in sva/idxd.h; the queue (ctx) and the engines are the accelerator's
 * (src/drivers/accel/internal.h).
 *
 * Objects and references: struct sva_idxd_cdev is made by sva_idxd_cdev_add() with one reference
 * of its own (dropped by sva_idxd_cdev_del()) and one per open file, so a file outliving a
 * disable or a removal still finds it (and then fails with its err). A file's ctx and bond live
 * from open to release, or to the cdev's deletion, whichever comes first. Each mm that mapped
 * the portal is grabbed (mmgrab) so the deletion can zap its mappings.
 *
 * c->files is a guarded list (c->mutex, asserted on every change and walk); c->clients, the
 * files open from open to release (the kernel's client_count), is guarded by c->mutex too.
 * Lock order: the idxd device's mutex -> c->mutex (enable, disable, the clients attribute:
 * config.c), c->mutex -> (bind / unbind: iommu_sva_lock -> ...), c->mutex -> wq->lock,
 * c->mutex -> mmap_lock (the zap); mmap_lock -> f->mutex (mmap and the portal's fault). Nothing
 * takes c->mutex under mmap_lock: the portal store finds its ctx under the WQ lock by the file
 * (sva_idxd_file_cdev() reads only what does not change after open).
 */
#include <errno.h>
#include <string.h>

#include "../../base/list.h"
#include "../../sync/glist.h"
#include "../accel/internal.h"
#include "sva/idxd.h"

SVA_OBJ_CLASS(idxd_cdev);
SVA_OBJ_CLASS(idxd_file);

struct sva_idxd_cdev {
	struct sva_kernel *k;
	struct sva_world *w;
	struct sva_device *parent;
	char name[32];
	bool pasid_enabled;
	struct sva_mutex mutex;		  /* everything below */
	struct sva_accel_wq *wq;	  /* NULL once deleted */
	struct sva_glist files;		  /* struct sva_idxd_file, open and not ended */
	SVA_GUARDED_BY(unsigned) clients; /* files open, ended or not: the kernel's client_count */
	int err;			  /* 0 while live; what calls get after the deletion */
	struct sva_refcount refs;
};

struct sva_idxd_file {
	struct sva_idxd_cdev *c;
	struct sva_mm *mm; /* the opener's: compared only */
	struct sva_bond *bond;
	uint32_t pasid;
	struct sva_accel_ctx *ctx; /* under c->mutex; NULL once ended */
	struct sva_list_head node; /* c->files while ctx */
	struct sva_mutex mutex;	   /* dead, mms (taken under mmap_lock) */
	SVA_GUARDED_BY(bool) dead; /* the queue ended: faults SIGBUS, mmap refused; under mutex */
	SVA_GUARDED_BY(struct sva_mm_set) mms; /* that mapped the portal, grabbed; under mutex */
};

static const struct sva_vm_ops sva_idxd_vm_ops;
static const struct sva_file_operations sva_idxd_fops;

static void sva_idxd_cdev_put(struct sva_idxd_cdev *c)
{
	if (!sva_refcount_dec_and_test(&c->refs))
		return;
	sva_mutex_destroy(&c->mutex);
	sva_free(c->w, &sva_obj_idxd_cdev, c);
}

static struct sva_mm *sva_idxd_current_mm(struct sva_idxd_cdev *c)
{
	struct sva_task *t = sva_task_current(c->k);

	return t ? sva_task_mm(t) : NULL;
}

/*
 * End @f's queue (c->mutex held): refuse and drain its descriptors (they complete), then the
 * ctx goes and the mm is unbound - after the drain, so no DMA on the PASID is left.
 */
static void sva_idxd_file_end(struct sva_idxd_file *f)
{
	if (f->ctx) {
		sva_accel_ctx_drain(f->ctx);
		sva_mutex_lock(&f->mutex); /* a fault or an mmap sees the queue whole or dead */
		sva_guarded(&f->mutex, f->dead) = true;
		sva_mutex_unlock(&f->mutex);
		sva_accel_ctx_stop(f->ctx); /* nothing left to abort: marks it stopped */
		sva_accel_ctx_close(f->ctx);
		f->ctx = NULL;
		sva_glist_del(&f->node, &f->c->files);
	}
	if (f->bond) {
		sva_unbind_device(f->bond);
		f->bond = NULL;
	}
}

/* ---- file operations ---- */

static int sva_idxd_open(struct sva_file *file)
{
	struct sva_idxd_cdev *c = file->private_data;
	struct sva_mm *mm = sva_idxd_current_mm(c);
	struct sva_idxd_file *f;
	int ret = 0;

	if (!mm)
		return -EINVAL;
	f = sva_alloc(c->w, &sva_obj_idxd_file, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->c = c;
	f->mm = mm;
	f->pasid = SVA_PASID_INVALID;
	sva_list_init(&f->node);
	sva_mutex_init(c->w, &f->mutex, "idxd_file");
	sva_mutex_lock(&c->mutex);
	if (c->err || !c->wq) {
		ret = c->err ? c->err : -ENODEV;
	} else if (!c->pasid_enabled) {
		sva_log(c->w, SVA_LOG_INFO, "idxd %s: open: PASID not enabled on the device",
			c->name);
		ret = -EOPNOTSUPP;
	} else {
		ret = sva_bind_device(c->parent, mm, &f->bond);
	}
	if (ret == 0) {
		f->pasid = sva_bond_pasid(f->bond);
		ret = f->pasid == SVA_PASID_INVALID
			      ? -ENODEV
			      : sva_accel_ctx_open(c->wq, f, f->pasid, true, &f->ctx);
		if (ret) {
			sva_unbind_device(f->bond);
			f->bond = NULL;
		}
	}
	if (ret == 0) {
		sva_glist_add_tail(&f->node, &c->files);
		sva_guarded(&c->mutex, c->clients)++;
		sva_refcount_inc(&c->refs);
	}
	sva_mutex_unlock(&c->mutex);
	if (ret) {
		sva_mutex_destroy(&f->mutex);
		sva_free(c->w, &sva_obj_idxd_file, f);
		return ret;
	}
	file->private_data = f; /* the ctx's open is traced (accel.open) */
	return 0;
}

static void sva_idxd_release(struct sva_file *file)
{
	struct sva_idxd_file *f = file->private_data;
	struct sva_idxd_cdev *c = f->c;

	sva_mutex_lock(&c->mutex);
	sva_idxd_file_end(f); /* drain, end, unbind */
	sva_guarded(&c->mutex, c->clients)--;
	sva_mutex_unlock(&c->mutex);
	sva_mm_set_drop(&sva_unguarded(f->mms)); /* released: no one else looks */
	sva_mutex_destroy(&f->mutex);
	sva_free(c->w, &sva_obj_idxd_file, f);
	sva_idxd_cdev_put(c);
}

/* The error of a call on @f from @mm: idxd's rule first, then a queue gone. */
static int sva_idxd_check(struct sva_idxd_file *f, struct sva_mm *mm)
{
	if (mm != f->mm)
		return -EPERM;
	return 0;
}

static long sva_idxd_ioctl(struct sva_file *file, unsigned cmd, unsigned long arg)
{
	struct sva_idxd_file *f = file->private_data;
	struct sva_idxd_cdev *c = f->c;
	struct sva_accel_wq_info *info = (struct sva_accel_wq_info *)(uintptr_t)arg;
	long ret = sva_idxd_check(f, sva_idxd_current_mm(c));

	if (ret)
		return ret;
	if (cmd != SVA_ACCEL_IOCTL_WQ_INFO)
		return -ENOTTY; /* START_Q, PUT_Q: uacce's, not idxd's */
	if (!info)
		return -EFAULT;
	sva_mutex_lock(&c->mutex);
	if (!f->ctx) {
		ret = c->err ? c->err : -ENXIO;
	} else {
		struct sva_accel_wq *wq = f->ctx->wq;

		*info = (struct sva_accel_wq_info){
			.index = wq->index,
			.mode = wq->mode,
			.depth = wq->depth,
			.max_xfer = wq->max_xfer,
			.max_batch = wq->max_batch,
			.block_on_fault = wq->bof,
		};
	}
	sva_mutex_unlock(&c->mutex);
	return ret;
}

/* Submission by write(2): each descriptor with the file's PASID, to the limited portal. */
static long sva_idxd_write(struct sva_file *file, const void *buf, size_t len)
{
	struct sva_idxd_file *f = file->private_data;
	struct sva_idxd_cdev *c = f->c;
	long ret = sva_idxd_check(f, sva_idxd_current_mm(c));
	size_t done = 0;

	if (ret)
		return ret;
	if (!buf || !len || len % sizeof(struct dsa_hw_desc))
		return -EINVAL;
	sva_mutex_lock(&c->mutex);
	if (!f->ctx)
		ret = c->err ? c->err : -ENXIO;
	for (; ret == 0 && done < len; done += sizeof(struct dsa_hw_desc)) {
		struct sva_accel_wq *wq = f->ctx->wq;
		struct dsa_hw_desc d;

		memcpy(&d, (const char *)buf + done, sizeof(d));
		d.pasid = f->pasid;
		d.priv = 0;
		ret = sva_accel_wq_enqueue(wq, f, f->mm, &d,
					   wq->mode == SVA_ACCEL_WQ_SHARED ? SVA_ACCEL_ENQCMDS
									   : SVA_ACCEL_MOVDIR64B,
					   true);
		if (ret)
			break;
	}
	sva_mutex_unlock(&c->mutex);
	return done ? (long)done : ret;
}

static int sva_idxd_map_check(struct sva_idxd_file *f, struct sva_mm *mm)
{
	int ret = 0;

	sva_mutex_lock(&f->mutex);
	if (sva_guarded(&f->mutex, f->dead))
		ret = f->c->err ? f->c->err : -ENXIO; /* err is set before any file dies of it */
	if (ret == 0)
		ret = sva_mm_set_add(&sva_guarded(&f->mutex, f->mms), mm);
	sva_mutex_unlock(&f->mutex);
	return ret;
}

static int sva_idxd_mmap(struct sva_file *file, struct sva_vma *vma)
{
	struct sva_idxd_file *f = file->private_data;
	int ret = sva_idxd_check(f, vma->mm);

	if (ret)
		return ret;
	if (vma->pgoff || vma->end - vma->start != SVA_PAGE_SIZE)
		return -EINVAL;
	ret = sva_idxd_map_check(f, vma->mm);
	if (ret)
		return ret;
	vma->flags |= SVA_VM_DONTCOPY | SVA_VM_DONTEXPAND | SVA_VM_SHARED;
	vma->ops = &sva_idxd_vm_ops;
	vma->private_data = f;
	return 0;
}

static const struct sva_file_operations sva_idxd_fops = {
	.open = sva_idxd_open,
	.release = sva_idxd_release,
	.mmap = sva_idxd_mmap,
	.ioctl = sva_idxd_ioctl,
	.write = sva_idxd_write,
};

/* The portal page: limited for a shared WQ, unlimited for a dedicated one. */
static struct sva_page *sva_idxd_vm_fault(struct sva_vma *vma, uint64_t addr)
{
	struct sva_idxd_file *f = vma->private_data;
	struct sva_page *page = NULL; /* NULL: SIGBUS */

	(void)addr;
	sva_mutex_lock(&f->mutex); /* the ctx cannot end meanwhile */
	if (!sva_guarded(&f->mutex, f->dead)) {
		struct sva_accel_wq *wq = f->ctx->wq;

		page = wq->mode == SVA_ACCEL_WQ_SHARED ? wq->portal_limited : wq->portal;
		sva_page_get(page);
	}
	sva_mutex_unlock(&f->mutex);
	return page;
}

static const struct sva_vm_ops sva_idxd_vm_ops = {
	.fault = sva_idxd_vm_fault,
};

/* ---- the accelerator's side ---- */

int sva_idxd_cdev_add(struct sva_accel_wq *wq)
{
	struct sva_accel *a = wq->a;
	struct sva_idxd_cdev *c = sva_alloc(a->w, &sva_obj_idxd_cdev, sizeof(*c)), *old;
	int ret;

	if (!c)
		return -ENOMEM;
	c->k = a->k;
	c->w = a->w;
	c->parent = a->dev;
	c->wq = wq;
	c->pasid_enabled = !a->pasid_disabled;
	snprintf(c->name, sizeof(c->name), "%s", wq->name);
	sva_mutex_init(a->w, &c->mutex, "idxd_cdev");
	sva_glist_init(&c->files, &c->mutex);
	sva_refcount_init(a->w, &c->refs, "idxd_cdev", 1);
	old = atomic_load_explicit(&wq->cdev, memory_order_relaxed); /* a previous enable's */
	atomic_store_explicit(&wq->cdev, c, memory_order_release);   /* before any open maps */
	ret = sva_chrdev_register(a->k, c->name, &sva_idxd_fops, c);
	if (ret) {
		sva_log(a->w, SVA_LOG_ERR, "idxd %s: char device registration failed: %s", c->name,
			sva_strerror(ret));
		atomic_store_explicit(&wq->cdev, old, memory_order_release);
		sva_mutex_destroy(&c->mutex);
		sva_free(a->w, &sva_obj_idxd_cdev, c);
		return ret;
	}
	wq->cdev_live = true;
	return 0;
}

/* Zap @f's portal mappings in every live mm that made one (no lock of ours held but c->mutex). */
static void sva_idxd_zap(struct sva_idxd_file *f)
{
	struct sva_mm *mms[SVA_MM_SET_MAX];
	unsigned n;

	sva_mutex_lock(&f->mutex);
	n = sva_mm_set_get_live(&sva_guarded(&f->mutex, f->mms), mms);
	sva_mutex_unlock(&f->mutex);
	sva_mm_set_zap_put(mms, n, &sva_idxd_vm_ops, f);
}

void sva_idxd_cdev_del(struct sva_accel_wq *wq, int err)
{
	struct sva_idxd_cdev *c = atomic_load_explicit(&wq->cdev, memory_order_relaxed);
	struct sva_idxd_file *f, *tmp;
	unsigned n = 0;

	if (!c || !wq->cdev_live)
		return; /* never added (the WQ not enabled), or deleted at its disable */
	wq->cdev_live = false;
	sva_chrdev_unregister(c->k, c->name); /* no new opens */
	sva_mutex_lock(&c->mutex);
	c->err = err ? err : -ENODEV;
	sva_glist_for_each_entry_safe(f, tmp, &c->files, node) {
		sva_idxd_file_end(f); /* the WQ drained, as the hardware's Drain WQ */
		sva_idxd_zap(f);
		n++;
	}
	c->wq = NULL;
	sva_mutex_unlock(&c->mutex);
	sva_log(c->w, SVA_LOG_INFO, "idxd %s: %s with %u queue(s) open", c->name,
		err == -ENXIO ? "disabled" : "removed", n);
	/* wq->cdev stays until the WQ is freed: only compared (by decode), and no portal of it
	 * is mapped any more */
	sva_idxd_cdev_put(c);
}

unsigned sva_idxd_cdev_clients(struct sva_accel_wq *wq)
{
	struct sva_idxd_cdev *c = atomic_load_explicit(&wq->cdev, memory_order_acquire);
	unsigned n;

	if (!c || !wq->cdev_live)
		return 0; /* no char device (a freed one's pointer stays: not followed) */
	sva_mutex_lock(&c->mutex);
	n = sva_guarded(&c->mutex, c->clients);
	sva_mutex_unlock(&c->mutex);
	return n;
}

struct sva_idxd_cdev *sva_idxd_file_cdev(struct sva_file *file, const void **key,
					 struct sva_mm **mm)
{
	struct sva_idxd_file *f;

	if (file->f_op != &sva_idxd_fops)
		return NULL;
	f = file->private_data;
	*key = f; /* never NULL: a file whose queue ended finds no ctx, and gets -EPERM */
	*mm = f->mm;
	return f->c;
}

struct sva_device *sva_idxd_cdev_parent(struct sva_idxd_cdev *c)
{
	return c->parent;
}

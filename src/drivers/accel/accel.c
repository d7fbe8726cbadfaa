/* SPDX-License-Identifier: MIT */
/*
 * The software accelerator device: creation and removal, its work queues as uacce devices, and
 * the uacce ops of a queue (the parent driver's side). See sva/accel.h for the contract and
 * internal.h for objects, references and locks.
 *
 * A queue (ctx) is made at open (get_queue: a dedicated WQ takes one, and the opener's PASID is
 * programmed into it), started by START_Q, stopped by stop_queue (PUT_Q, release, removal:
 * engine.c aborts its descriptors and waits for its jobs) and freed by put_queue. uacce calls
 * these under its device mutex, one at a time per queue; they take the WQ lock inside it.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(accel);
SVA_OBJ_CLASS(accel_wq);
SVA_OBJ_CLASS(accel_ctx);

static struct sva_accel_wq *sva_accel_wq_of(struct sva_uacce_queue *q)
{
	return sva_uacce_priv(sva_uacce_queue_device(q));
}

/* ---- uacce ops ---- */

int sva_accel_ctx_open(struct sva_accel_wq *wq, const void *key, uint32_t pasid, bool started,
		       struct sva_accel_ctx **out)
{
	struct sva_accel *a = wq->a;
	struct sva_accel_ctx *ctx = sva_alloc(a->w, &sva_obj_accel_ctx, sizeof(*ctx));
	int ret = 0;

	if (!ctx)
		return -ENOMEM;
	ctx->wq = wq;
	ctx->q = key;
	ctx->pasid = pasid;
	sva_unguarded(ctx->state) = started ? SVA_ACCEL_CTX_STARTED : SVA_ACCEL_CTX_INIT;
	sva_list_init(&ctx->node);
	sva_spin_lock(&wq->lock);
	if (wq->mode == SVA_ACCEL_WQ_DEDICATED && !sva_glist_empty(&wq->ctxs)) {
		ret = -EBUSY;
	} else {
		if (wq->mode == SVA_ACCEL_WQ_DEDICATED)
			sva_wq_locked(wq, pasid) = pasid; /* the WQ's PASID, programmed at open */
		sva_glist_add_tail(&ctx->node, &wq->ctxs);
	}
	sva_spin_unlock(&wq->lock);
	if (ret) {
		sva_log(a->w, SVA_LOG_INFO, "accel %s: dedicated WQ %s is already open", a->name,
			wq->name);
		sva_free(a->w, &sva_obj_accel_ctx, ctx);
		return ret;
	}
	sva_trace(a->w, ACCEL_OPEN, wq->name, pasid);
	*out = ctx;
	return 0;
}

/* After its stop: no slot and no job of it is left. */
void sva_accel_ctx_close(struct sva_accel_ctx *ctx)
{
	struct sva_accel_wq *wq = ctx->wq;
	struct sva_world *w = wq->a->w;

	sva_spin_lock(&wq->lock);
	sva_glist_del(&ctx->node, &wq->ctxs);
	if (wq->mode == SVA_ACCEL_WQ_DEDICATED && !sva_world_broken(w, SVA_BREAK_WQ_KEEPS_PASID))
		sva_wq_locked(wq, pasid) = SVA_PASID_INVALID;
	sva_spin_unlock(&wq->lock);
	sva_trace(w, ACCEL_CLOSE, wq->name, ctx->pasid);
	sva_free(w, &sva_obj_accel_ctx, ctx);
}

/* ---- uacce ops ---- */

static int sva_accel_get_queue(struct sva_uacce_device *u, uint32_t pasid,
			       struct sva_uacce_queue *q)
{
	struct sva_accel_ctx *ctx;
	int ret = sva_accel_ctx_open(sva_uacce_priv(u), q, pasid, false, &ctx);

	if (ret == 0)
		sva_uacce_queue_set_priv(q, ctx);
	return ret;
}

static void sva_accel_put_queue(struct sva_uacce_queue *q)
{
	sva_accel_ctx_close(sva_uacce_queue_priv(q));
}

static int sva_accel_start_queue(struct sva_uacce_queue *q)
{
	struct sva_accel_ctx *ctx = sva_uacce_queue_priv(q);
	struct sva_accel_wq *wq = ctx->wq;
	int ret = 0;

	sva_spin_lock(&wq->lock);
	if (sva_ctx_state(ctx) == SVA_ACCEL_CTX_INIT)
		sva_ctx_state(ctx) = SVA_ACCEL_CTX_STARTED;
	else
		ret = -EINVAL;
	sva_spin_unlock(&wq->lock);
	return ret;
}

static void sva_accel_stop_queue(struct sva_uacce_queue *q)
{
	sva_accel_ctx_stop(sva_uacce_queue_priv(q));
}

/* The portal: one page per WQ, shared by its opens (the MMIO region); no shared memory. */
static struct sva_page *sva_accel_region_page(struct sva_uacce_queue *q,
					      enum sva_uacce_region region, uint64_t offset)
{
	struct sva_accel_wq *wq = sva_accel_wq_of(q);

	if (region != SVA_UACCE_QFRT_MMIO || offset)
		return NULL;
	sva_page_get(wq->portal);
	return wq->portal;
}

static uint64_t sva_accel_region_pages(struct sva_uacce_queue *q, enum sva_uacce_region region)
{
	(void)q;
	return region == SVA_UACCE_QFRT_MMIO ? 1 : 0;
}

/* The WQ's configuration (the kernel's sysfs attributes); @arg is the caller's struct. */
static long sva_accel_ioctl(struct sva_uacce_queue *q, unsigned cmd, unsigned long arg)
{
	struct sva_accel_wq *wq = sva_accel_wq_of(q);
	struct sva_accel_wq_info *info = (struct sva_accel_wq_info *)(uintptr_t)arg;

	if (cmd != SVA_ACCEL_IOCTL_WQ_INFO)
		return -ENOTTY;
	if (!info)
		return -EFAULT;
	*info = (struct sva_accel_wq_info){
		.index = wq->index,
		.mode = wq->mode,
		.depth = wq->depth,
		.max_xfer = wq->max_xfer,
		.max_batch = wq->max_batch,
		.block_on_fault = wq->bof,
	};
	return 0;
}

static const struct sva_uacce_ops sva_accel_uacce_ops = {
	.get_queue = sva_accel_get_queue,
	.put_queue = sva_accel_put_queue,
	.start_queue = sva_accel_start_queue,
	.stop_queue = sva_accel_stop_queue,
	.region_page = sva_accel_region_page,
	.region_pages = sva_accel_region_pages,
	.ioctl = sva_accel_ioctl,
};

/* ---- work queues ---- */

static void sva_accel_wq_free(struct sva_accel *a, struct sva_accel_wq *wq)
{
	if (wq->portal)
		sva_page_put(wq->portal);
	if (wq->portal_limited)
		sva_page_put(wq->portal_limited);
	sva_free(a->w, &sva_obj_accel_ctx, wq->kctx);
	sva_waitq_destroy(&wq->idle);
	sva_spin_lock_destroy(&wq->lock);
	sva_free(a->w, &sva_obj_accel_wq, wq);
}

static int sva_accel_wq_create(struct sva_accel *a, unsigned index,
			       const struct sva_accel_wq_config *wc, struct sva_accel_wq **out)
{
	unsigned depth = wc->depth ? wc->depth : SVA_ACCEL_DEFAULT_DEPTH;
	struct sva_accel_wq *wq;

	if (depth > SVA_ACCEL_MAX_DEPTH ||
	    (wc->mode != SVA_ACCEL_WQ_DEDICATED && wc->mode != SVA_ACCEL_WQ_SHARED) ||
	    wc->group >= SVA_ACCEL_MAX_GROUPS || wc->priority > 15 || wc->threshold > depth) {
		sva_log(a->w, SVA_LOG_ERR,
			"accel %s: WQ %u: bad configuration (size %u, group %u, priority %u, "
			"threshold %u)",
			a->name, index, depth, wc->group, wc->priority, wc->threshold);
		return -EINVAL;
	}
	wq = sva_alloc(a->w, &sva_obj_accel_wq, sizeof(*wq) + depth * sizeof(wq->slots[0]));
	if (!wq)
		return -ENOMEM;
	wq->a = a;
	wq->index = index;
	if (wc->name)
		snprintf(wq->name, sizeof(wq->name), "%s", wc->name);
	else if (a->cdev_rule == SVA_ACCEL_CDEV_IDXD_WQ)
		snprintf(wq->name, sizeof(wq->name), "dsa/wq%u.%u", a->devid, index);
	else
		snprintf(wq->name, sizeof(wq->name), "%swq%u", a->name, index);
	wq->mode = wc->mode;
	wq->bof = wc->block_on_fault;
	wq->ats_disable = wc->ats_disable;
	wq->depth = depth;
	wq->priority = wc->priority;
	wq->threshold = wc->threshold ? wc->threshold : depth;
	wq->group = wc->group;
	wq->max_xfer = wc->max_xfer && wc->max_xfer < a->max_xfer ? wc->max_xfer : a->max_xfer;
	wq->max_batch =
		wc->max_batch && wc->max_batch < a->max_batch ? wc->max_batch : a->max_batch;
	sva_unguarded(wq->pasid) = SVA_PASID_INVALID;
	sva_spin_lock_init(a->w, &wq->lock, "accel_wq");
	sva_waitq_init(a->w, &wq->idle, "accel_wq_idle");
	atomic_init(&wq->idle_waiters, 0);
	sva_glist_init(&wq->ctxs, &wq->lock);
	sva_glist_init(&wq->pending, &wq->lock);
	sva_glist_init(&wq->free, &wq->lock);
	for (unsigned i = 0; i < depth; i++)
		sva_list_add_tail(&wq->slots[i].node, sva_glist_unguarded(&wq->free)); /* new */
	wq->portal = sva_page_alloc(a->phys, 0);
	wq->portal_limited = sva_page_alloc(a->phys, 0);
	if (wc->mode == SVA_ACCEL_WQ_SHARED) {
		/* the kernel's own submissions (ENQCMDS): a ctx no file holds */
		wq->kctx = sva_alloc(a->w, &sva_obj_accel_ctx, sizeof(*wq->kctx));
		if (wq->kctx) {
			wq->kctx->wq = wq;
			wq->kctx->pasid = SVA_PASID_INVALID;
			sva_unguarded(wq->kctx->state) = SVA_ACCEL_CTX_STARTED;
			sva_list_init(&wq->kctx->node);
		}
	}
	if (!wq->portal || !wq->portal_limited || (wc->mode == SVA_ACCEL_WQ_SHARED && !wq->kctx)) {
		sva_accel_wq_free(a, wq);
		return -ENOMEM;
	}
	*out = wq;
	return 0;
}

static int sva_accel_wq_register(struct sva_accel *a, struct sva_accel_wq *wq)
{
	if (a->cdev_rule == SVA_ACCEL_CDEV_IDXD_WQ)
		return sva_idxd_cdev_add(wq);
	struct sva_uacce_config uc = {
		.name = wq->name,
		.flags = SVA_UACCE_DEV_SVA |
			 (a->cdev_rule == SVA_ACCEL_CDEV_IDXD ? SVA_UACCE_MM_CHECK : 0),
		.ops = &sva_accel_uacce_ops,
		.priv = wq,
	};
	int ret = sva_uacce_register(a->k, a->dev, &uc, &wq->u);

	if (ret)
		sva_log(a->w, SVA_LOG_ERR, "accel %s: WQ %s: uacce registration failed: %s",
			a->name, wq->name, sva_strerror(ret));
	return ret;
}

/* ---- the device ---- */

static int sva_accel_check_config(struct sva_world *w, struct sva_device *dev,
				  const struct sva_accel_config *cfg)
{
	bool served[SVA_ACCEL_MAX_GROUPS] = { false };

	if (!cfg || !cfg->nwqs || cfg->nwqs > SVA_ACCEL_MAX_WQS ||
	    (cfg->cdev_rule != SVA_ACCEL_CDEV_IDXD && cfg->cdev_rule != SVA_ACCEL_CDEV_UACCE &&
	     cfg->cdev_rule != SVA_ACCEL_CDEV_IDXD_WQ) ||
	    cfg->engines > SVA_ACCEL_MAX_ENGINES || cfg->max_batch > SVA_ACCEL_MAX_BATCH) {
		sva_log(w, SVA_LOG_ERR, "accel: bad configuration (%u WQs, %u engines)",
			cfg ? cfg->nwqs : 0, cfg ? cfg->engines : 0);
		return -EINVAL;
	}
	for (unsigned i = 0; i < (cfg->engines ? cfg->engines : 1); i++) {
		if (cfg->engine_group[i] >= SVA_ACCEL_MAX_GROUPS) {
			sva_log(w, SVA_LOG_ERR, "accel: engine %u: no group %u", i,
				cfg->engine_group[i]);
			return -EINVAL;
		}
		served[cfg->engine_group[i]] = true;
	}
	for (unsigned i = 0; i < cfg->nwqs; i++) {
		if (cfg->wqs[i].group >= SVA_ACCEL_MAX_GROUPS || !served[cfg->wqs[i].group]) {
			sva_log(w, SVA_LOG_ERR, "accel: WQ %u: group %u has no engine", i,
				cfg->wqs[i].group);
			return -EINVAL;
		}
	}
	if (!dev->max_pasids) {
		sva_log(w, SVA_LOG_ERR, "accel: device %s has no PASID support", dev->name);
		return -ENODEV;
	}
	if (dev->priv) {
		sva_log(w, SVA_LOG_ERR, "accel: device %s already has a model", dev->name);
		return -EBUSY;
	}
	return 0;
}

static void sva_accel_free(struct sva_accel *a)
{
	for (unsigned i = 0; i < a->nwqs; i++)
		sva_accel_wq_free(a, a->wqs[i]);
	sva_waitq_destroy(&a->work);
	sva_spin_lock_destroy(&a->swerr_lock);
	sva_free(a->w, &sva_obj_accel, a);
}

/*
 * Remove the character devices of the first @n WQs (their queues stopped, put, unbound; an idxd
 * cdev's drained first, its files failing with @err afterwards), then the kernel's ENQCMDS ctxs.
 */
static void sva_accel_unregister(struct sva_accel *a, unsigned n, int err)
{
	for (unsigned i = 0; i < n; i++) {
		if (a->cdev_rule == SVA_ACCEL_CDEV_IDXD_WQ) {
			sva_idxd_cdev_del(a->wqs[i], err);
		} else {
			sva_uacce_remove(a->wqs[i]->u);
			a->wqs[i]->u = NULL;
		}
	}
	for (unsigned i = 0; i < n; i++)
		if (a->wqs[i]->kctx)
			sva_accel_ctx_stop(a->wqs[i]->kctx);
}

/* mm-exit-callback (the design before 2020): put every queue of @pasid, as uacce did then. */
static void sva_accel_mm_exit(struct sva_device *dev, uint32_t pasid)
{
	struct sva_accel *a = dev->priv;

	for (unsigned i = 0; a && i < a->nwqs; i++)
		if (a->wqs[i]->u)
			sva_uacce_mm_exit(a->wqs[i]->u, pasid);
}

int sva_accel_create(struct sva_kernel *k, struct sva_device *dev,
		     const struct sva_accel_config *cfg, struct sva_accel **out)
{
	struct sva_world *w = sva_kernel_world(k);
	struct sva_accel *a;
	unsigned reg = 0;
	int ret;

	ret = sva_accel_check_config(w, dev, cfg);
	if (ret)
		return ret;
	sva_accel_name_formats(w);
	a = sva_alloc(w, &sva_obj_accel, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->k = k;
	a->w = w;
	a->dev = dev;
	a->phys = sva_mm_sys_phys(sva_kernel_mm_sys(k));
	snprintf(a->name, sizeof(a->name), "%s", cfg->name ? cfg->name : "dsa0");
	a->cdev_rule = cfg->cdev_rule;
	a->pasid_disabled = cfg->pasid_disabled;
	a->same_priority = true;
	for (unsigned i = 1; i < cfg->nwqs; i++)
		if (cfg->wqs[i].priority != cfg->wqs[0].priority)
			a->same_priority = false;
	for (const char *c = a->name; *c; c++)
		a->devid = *c >= '0' && *c <= '9' ? a->devid * 10 + (unsigned)(*c - '0') : 0;
	a->max_xfer = cfg->max_xfer ? cfg->max_xfer : SVA_ACCEL_DEFAULT_MAX_XFER;
	a->max_batch = cfg->max_batch ? cfg->max_batch : SVA_ACCEL_DEFAULT_MAX_BATCH;
	sva_waitq_init(w, &a->work, "accel_work");
	a->native = sva_world_backend(w) != SVA_BACKEND_SIM;
	atomic_init(&a->sleepers, 0);
	sva_spin_lock_init(w, &a->swerr_lock, "accel_swerr");
	for (; a->nwqs < cfg->nwqs; a->nwqs++) {
		ret = sva_accel_wq_create(a, a->nwqs, &cfg->wqs[a->nwqs], &a->wqs[a->nwqs]);
		if (ret)
			goto fail;
	}
	dev->priv = a; /* before any portal can be mapped: submission decodes through it */
	dev->mm_exit = sva_accel_mm_exit;
	ret = sva_accel_engines_start(a, cfg->engines ? cfg->engines : 1, cfg->engine_group);
	while (ret == 0 && reg < a->nwqs &&
	       !(cfg->wqs_disabled && a->cdev_rule == SVA_ACCEL_CDEV_IDXD_WQ)) {
		ret = sva_accel_wq_register(a, a->wqs[reg]);
		if (ret == 0)
			reg++;
	}
	if (ret) {
		sva_accel_unregister(a, reg, -ENODEV);
		sva_accel_engines_stop(a);
		dev->mm_exit = NULL;
		dev->priv = NULL;
		goto fail;
	}
	sva_trace(w, ACCEL_CREATE, a->name, a->nwqs, a->nengines);
	*out = a;
	return 0;
fail:
	sva_log(w, SVA_LOG_ERR, "accel %s: creation failed: %s", a->name, sva_strerror(ret));
	sva_accel_free(a);
	return ret;
}

void sva_accel_teardown(struct sva_accel *a, int file_errno)
{
	a->dev->mm_exit = NULL;
	sva_accel_unregister(a, a->nwqs, file_errno); /* every queue stopped: no job, no slot */
	sva_accel_engines_stop(a);
	a->dev->priv = NULL;
	sva_trace(a->w, ACCEL_DESTROY, a->name);
	sva_accel_free(a);
}

void sva_accel_destroy(struct sva_accel *a)
{
	if (a)
		sva_accel_teardown(a, -ENODEV);
}

const char *sva_accel_wq_name(struct sva_accel *a, unsigned wq)
{
	return wq < a->nwqs ? a->wqs[wq]->name : NULL;
}

struct sva_uacce_device *sva_accel_wq_uacce(struct sva_accel *a, unsigned wq)
{
	return wq < a->nwqs ? a->wqs[wq]->u : NULL;
}

uint32_t sva_accel_wq_pasid(struct sva_accel *a, unsigned index)
{
	struct sva_accel_wq *wq;
	uint32_t pasid;

	if (index >= a->nwqs)
		return SVA_PASID_INVALID;
	wq = a->wqs[index];
	sva_spin_lock(&wq->lock);
	pasid = sva_wq_locked(wq, pasid);
	sva_spin_unlock(&wq->lock);
	return pasid;
}

unsigned sva_accel_wq_pending(struct sva_accel *a, unsigned index)
{
	struct sva_accel_wq *wq;
	unsigned n;

	if (index >= a->nwqs)
		return 0;
	wq = a->wqs[index];
	sva_spin_lock(&wq->lock);
	n = sva_wq_locked(wq, npending);
	sva_spin_unlock(&wq->lock);
	return n;
}

void sva_accel_get_stats(struct sva_accel *a, struct sva_accel_stats *out)
{
	*out = (struct sva_accel_stats){
		.submitted = atomic_load(&a->c.submitted),
		.completed = atomic_load(&a->c.completed),
		.aborted = atomic_load(&a->c.aborted),
		.page_faults = atomic_load(&a->c.page_faults),
		.errors = atomic_load(&a->c.errors),
		.records_lost = atomic_load(&a->c.records_lost),
		.bytes = atomic_load(&a->c.bytes),
		.page_requests = atomic_load(&a->c.page_requests),
		.swerrs = atomic_load(&a->c.swerrs),
		.dropped = atomic_load(&a->c.dropped),
		.retries = atomic_load(&a->c.retries),
	};
}

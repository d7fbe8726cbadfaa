/* SPDX-License-Identifier: MIT */
/*
 * I/O page faults (the kernel's io-pgfault.c): page requests reported by an IOMMU driver are
 * collected per device until the last request of their group, handed as a group to the
 * handler of the domain attached at the PASID, and answered once.
 *
 * Objects and references: a fault queue (one per IOMMU with PRI) owns an unordered workqueue
 * on which handlers run. A device on a queue has a fault param: its partial requests and its
 * pending (unanswered) groups, under param->lock. sva_guarded(&sys->fault_param_lock,
 * dev->fault_param) is published and its references taken under the subsystem's fault_param_lock;
 * the queue holds one reference, each report and each group another, and the last put frees it - so
 * a response after the device left the queue is a harmless no-op.
 *
 * Lock order: group mutex -> (driver) -> param->lock; fault_param_lock and the group's xa_lock
 * are leaves. The report path takes no group mutex: a detach holds it while draining.
 * The queue's devices (q->lock) and a param's pending groups (param->lock) are guarded lists
 * (sync/glist.h): every change and walk asserts its lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "sva/proc.h"

SVA_OBJ_CLASS(iopf_queue);
SVA_OBJ_CLASS(iopf_group);
SVA_OBJ_CLASS(iopf_param);

struct sva_iopf_queue {
	struct sva_iommu_sys *sys;
	char name[32];
	struct sva_workqueue *wq;
	struct sva_mutex lock;	  /* the device list */
	struct sva_glist devices; /* struct sva_iommu_fault_param.queue_node; guarded by lock */
};

struct sva_iopf_partials {
	struct sva_page_request *reqs;
	size_t n, cap;
};

/* @p's partial requests, its lock asserted. */
#define sva_iopf_partials(p) (&sva_guarded(&(p)->lock, (p)->partial))

struct sva_iommu_fault_param {
	struct sva_device *dev;
	struct sva_iopf_queue *queue;
	struct sva_refcount users;
	struct sva_mutex lock;				  /* partial, faults */
	SVA_GUARDED_BY(struct sva_iopf_partials) partial; /* requests of groups not complete */
	struct sva_glist faults; /* pending groups (their pending node); guarded by lock */
	struct sva_list_head queue_node;
};

void sva_iopf_sys_init(struct sva_iommu_sys *sys)
{
	sva_spin_lock_init(sys->w, &sys->fault_param_lock, "fault_param");
}

/* ---- the fault param and its references ---- */

static struct sva_iommu_fault_param *sva_iopf_get_param(struct sva_device *dev)
{
	struct sva_iommu_sys *sys;
	struct sva_iommu_fault_param *p;

	if (sva_device_gone(dev, "iopf: the device's fault param"))
		return NULL;
	sys = dev->iommu->sys;
	sva_spin_lock(&sys->fault_param_lock);
	p = sva_guarded(&sys->fault_param_lock, dev->fault_param);
	if (p)
		sva_refcount_inc(&p->users);
	sva_spin_unlock(&sys->fault_param_lock);
	return p;
}

static void sva_iopf_put_param(struct sva_iommu_fault_param *p)
{
	struct sva_world *w;

	/* the count first: it reports a freed param itself, before anything is followed */
	if (!sva_refcount_dec_and_test(&p->users))
		return;
	w = p->dev->iommu->sys->w;
	sva_free(w, &sva_obj_array, sva_unguarded(p->partial).reqs); /* the last reference */
	sva_mutex_destroy(&p->lock);
	sva_free(w, &sva_obj_iopf_param, p);
}

/* ---- queues ---- */

int sva_iopf_queue_alloc(struct sva_iommu_sys *sys, const char *name, struct sva_iopf_queue **out)
{
	struct sva_iopf_queue *q = sva_alloc(sys->w, &sva_obj_iopf_queue, sizeof(*q));
	int ret;

	if (!q)
		return -ENOMEM;
	q->sys = sys;
	snprintf(q->name, sizeof(q->name), "%s", name ? name : "iopf");
	sva_mutex_init(sys->w, &q->lock, "iopf_queue");
	sva_glist_init(&q->devices, &q->lock);
	ret = sva_workqueue_create(sys->w, q->name, 0, 2, &q->wq);
	if (ret) {
		sva_mutex_destroy(&q->lock);
		sva_free(sys->w, &sva_obj_iopf_queue, q);
		return ret;
	}
	*out = q;
	return 0;
}

/* A fault queue handed in by a driver: followed only while live. */
static bool sva_iopf_queue_gone(const struct sva_iopf_queue *q, const char *op)
{
	return q && sva_obj_gone(&q->sys, op);
}

void sva_iopf_queue_free(struct sva_iopf_queue *q)
{
	if (!q || sva_iopf_queue_gone(q, "iopf_queue_free"))
		return;
	/* the driver's last use of the queue: no one else can reach the list */
	if (!sva_list_empty(sva_glist_unguarded(&q->devices)))
		sva_report(q->sys->w, SVA_REPORT_BAD_USAGE, "fault queue %s freed with devices",
			   q->name);
	sva_workqueue_destroy(q->wq);
	sva_mutex_destroy(&q->lock);
	sva_free(q->sys->w, &sva_obj_iopf_queue, q);
}

int sva_iopf_queue_add_device(struct sva_iopf_queue *q, struct sva_device *dev)
{
	struct sva_iommu_sys *sys;
	struct sva_iommu_fault_param *p;
	int ret = 0;

	if (sva_iopf_queue_gone(q, "iopf_queue_add_device") ||
	    sva_device_gone(dev, "iopf_queue_add_device") || !dev->iommu->ops->page_response)
		return -ENODEV;
	sys = q->sys; /* only now: a freed queue's fields are poison (ASan aborts on them) */
	p = sva_alloc(sys->w, &sva_obj_iopf_param, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->dev = dev;
	p->queue = q;
	sva_refcount_init(sys->w, &p->users, "iopf_param", 1);
	sva_mutex_init(sys->w, &p->lock, "iopf_param");
	sva_glist_init(&p->faults, &p->lock);
	sva_mutex_lock(&q->lock);
	sva_spin_lock(&sys->fault_param_lock);
	if (sva_guarded(&sys->fault_param_lock, dev->fault_param))
		ret = -EBUSY;
	else
		sva_guarded(&sys->fault_param_lock, dev->fault_param) = p;
	sva_spin_unlock(&sys->fault_param_lock);
	if (ret == 0)
		sva_glist_add_tail(&p->queue_node, &q->devices);
	sva_mutex_unlock(&q->lock);
	if (ret) {
		sva_mutex_destroy(&p->lock);
		sva_free(sys->w, &sva_obj_iopf_param, p);
	}
	return ret;
}

/* Answer @group (param->lock held) if still pending. */
static void sva_iopf_respond_locked(struct sva_iopf_group *group, enum sva_page_response_code code)
{
	struct sva_device *dev = group->dev;
	struct sva_page_response resp = {
		.pasid = group->last.pasid,
		.pasid_valid = group->last.pasid_valid,
		.grpid = group->last.grpid,
		.code = code,
	};

	sva_lockdep_assert_held(&group->fault_param->lock);
	if (sva_list_empty(&group->pending))
		return; /* answered already, or the device left */
	sva_glist_del(&group->pending, &group->fault_param->faults);
	sva_trace(dev->iommu->sys->w, IOPF_RESPONSE, dev->name, resp.pasid, resp.grpid, code,
		  group->last.gen);
	dev->iommu->ops->page_response(dev, &group->last, &resp);
}

/* Answer every pending group (matching @pasid unless @all) INVALID; param->lock held. */
static void sva_iopf_abort_locked(struct sva_iommu_fault_param *p, bool all, uint32_t pasid)
{
	struct sva_iopf_group *g, *tmp;

	sva_lockdep_assert_held(&p->lock);

	sva_glist_for_each_entry_safe(g, tmp, &p->faults, pending)
		if (all || g->last.pasid == pasid)
			sva_iopf_respond_locked(g, SVA_PAGE_RESP_INVALID);
}

/* Forget the partial requests of @pasid (param->lock held). */
static void sva_iopf_drop_partial_locked(struct sva_iommu_fault_param *p, uint32_t pasid)
{
	struct sva_iopf_partials *pp = sva_iopf_partials(p);
	size_t kept = 0;

	for (size_t i = 0; i < pp->n; i++)
		if (pp->reqs[i].pasid != pasid)
			pp->reqs[kept++] = pp->reqs[i];
	pp->n = kept;
}

void sva_iopf_queue_remove_device(struct sva_iopf_queue *q, struct sva_device *dev)
{
	struct sva_iommu_sys *sys;
	struct sva_iommu_fault_param *p;

	if (sva_iopf_queue_gone(q, "iopf_queue_remove_device") ||
	    sva_device_gone(dev, "iopf_queue_remove_device"))
		return;
	sys = q->sys;
	sva_mutex_lock(&q->lock);
	sva_spin_lock(&sys->fault_param_lock);
	p = sva_guarded(&sys->fault_param_lock, dev->fault_param);
	sva_guarded(&sys->fault_param_lock, dev->fault_param) = NULL;
	sva_spin_unlock(&sys->fault_param_lock);
	if (p)
		sva_glist_del(&p->queue_node, &q->devices);
	sva_mutex_unlock(&q->lock);
	if (!p)
		return;
	sva_mutex_lock(&p->lock);
	sva_iopf_partials(p)->n = 0;
	sva_iopf_abort_locked(p, true, 0);
	sva_mutex_unlock(&p->lock);
	sva_iopf_put_param(p); /* the queue's reference */
}

void sva_iopf_queue_flush_dev(struct sva_device *dev)
{
	struct sva_iommu_fault_param *p = sva_iopf_get_param(dev);

	if (!p)
		return;
	sva_flush_workqueue(p->queue->wq);
	sva_iopf_put_param(p);
}

void sva_iopf_quiesce(struct sva_kernel *k, struct sva_device *const *devs, size_t n)
{
	for (int pass = 0; pass < 3; pass++) {
		for (size_t i = 0; i < n; i++)
			if (devs[i])
				sva_iopf_queue_flush_dev(devs[i]);
		sva_kernel_quiesce(k);
	}
}

void sva_iopf_queue_discard_partial(struct sva_iopf_queue *q)
{
	struct sva_iommu_fault_param *p;

	if (sva_iopf_queue_gone(q, "iopf_queue_discard_partial"))
		return;
	sva_mutex_lock(&q->lock);
	sva_glist_for_each_entry(p, &q->devices, queue_node) {
		sva_mutex_lock(&p->lock);
		sva_iopf_partials(p)->n = 0;
		sva_mutex_unlock(&p->lock);
	}
	sva_mutex_unlock(&q->lock);
}

void sva_iopf_dev_abort_pasid(struct sva_device *dev, uint32_t pasid)
{
	struct sva_iommu_fault_param *p = sva_iopf_get_param(dev);

	if (!p)
		return;
	sva_mutex_lock(&p->lock);
	sva_iopf_drop_partial_locked(p, pasid); /* or a reuse of the PASID would inherit them */
	sva_iopf_abort_locked(p, false, pasid);
	sva_mutex_unlock(&p->lock);
	sva_iopf_put_param(p);
}

unsigned sva_iopf_dev_pending(struct sva_device *dev)
{
	struct sva_iommu_fault_param *p = sva_iopf_get_param(dev);
	struct sva_iopf_group *g;
	unsigned n = 0;

	if (!p)
		return 0;
	sva_mutex_lock(&p->lock);
	sva_glist_for_each_entry(g, &p->faults, pending)
		n++;
	sva_mutex_unlock(&p->lock);
	sva_iopf_put_param(p);
	return n;
}

/* ---- reporting ---- */

/* Answer a lone request without a group (no domain, no memory...). */
static void sva_iopf_respond_request(struct sva_device *dev, const struct sva_page_request *req,
				     enum sva_page_response_code code)
{
	struct sva_page_response resp = {
		.pasid = req->pasid,
		.pasid_valid = req->pasid_valid,
		.grpid = req->grpid,
		.code = code,
	};

	if (!req->last)
		return; /* PRI answers groups, not requests */
	sva_trace(dev->iommu->sys->w, IOPF_RESPONSE, dev->name, resp.pasid, resp.grpid, code,
		  req->gen);
	dev->iommu->ops->page_response(dev, req, &resp);
}

static int sva_iopf_add_partial(struct sva_iommu_fault_param *p, const struct sva_page_request *req)
{
	struct sva_iopf_partials *pp;
	int ret = 0;

	sva_mutex_lock(&p->lock);
	pp = sva_iopf_partials(p);
	if (pp->n == pp->cap) {
		size_t cap = pp->cap ? pp->cap * 2 : 8;
		struct sva_page_request *n = sva_realloc(p->dev->iommu->sys->w, &sva_obj_array,
							 pp->reqs, cap * sizeof(*n));

		if (n) {
			pp->reqs = n;
			pp->cap = cap;
		} else {
			ret = -ENOMEM;
		}
	}
	if (ret == 0)
		sva_iopf_partials(p)->reqs[sva_iopf_partials(p)->n++] = *req;
	sva_mutex_unlock(&p->lock);
	return ret;
}

/* Build the group of @last from the partials of its group id; NULL when out of memory. */
static struct sva_iopf_group *sva_iopf_group_build(struct sva_iommu_fault_param *p,
						   const struct sva_page_request *last,
						   struct sva_domain *domain)
{
	struct sva_world *w = p->dev->iommu->sys->w;
	struct sva_iopf_group *g = sva_alloc(w, &sva_obj_iopf_group, sizeof(*g));
	struct sva_iopf_partials *pp;
	size_t kept = 0;

	sva_mutex_lock(&p->lock);
	pp = sva_iopf_partials(p);
	if (g)
		g->faults = sva_realloc(w, &sva_obj_array, NULL, (pp->n + 1) * sizeof(*g->faults));
	for (size_t i = 0; i < pp->n; i++) { /* the group's partials leave either way */
		const struct sva_page_request *r = &pp->reqs[i];

		if (r->grpid == last->grpid && r->pasid == last->pasid) {
			if (g && g->faults)
				g->faults[g->nfaults++] = *r;
		} else {
			pp->reqs[kept++] = *r;
		}
	}
	sva_iopf_partials(p)->n = kept;
	if (g && g->faults) {
		g->faults[g->nfaults++] = *last;
		g->last = *last;
		g->dev = p->dev;
		g->domain = domain;
		g->fault_param = p;
		sva_refcount_inc(&p->users);
		sva_glist_add_tail(&g->pending, &p->faults);
	}
	sva_mutex_unlock(&p->lock);
	if (g && !g->faults) {
		sva_free(w, &sva_obj_iopf_group, g);
		g = NULL;
	}
	return g;
}

int sva_iommu_report_device_fault(struct sva_device *dev, const struct sva_page_request *req)
{
	struct sva_iommu_fault_param *p;
	struct sva_domain *domain = NULL;
	struct sva_iopf_group *g;
	int ret = 0;

	if (sva_device_gone(dev, "iommu_report_device_fault"))
		return -ENODEV;
	p = sva_iopf_get_param(dev);
	sva_trace(dev->iommu->sys->w, IOPF_REPORT, dev->name, req->pasid, req->grpid, req->last,
		  req->gen);
	if (req->pasid_valid)
		domain = sva_iommu_pasid_domain(dev, req->pasid);
	if (!p || !domain || !domain->iopf_handler) {
		sva_iopf_respond_request(dev, req, SVA_PAGE_RESP_INVALID);
		ret = -EINVAL;
	} else if (!req->last) {
		ret = sva_iopf_add_partial(p, req);
	} else {
		g = sva_iopf_group_build(p, req, domain);
		if (!g) {
			sva_iopf_respond_request(dev, req, SVA_PAGE_RESP_FAILURE);
			ret = -ENOMEM;
		} else if (sva_domain_gone(domain,
					   "iommu_report_device_fault: the PASID's domain")) {
			/* freed while the group was built: a detach that did not wait for us */
			ret = -ENODEV;
		} else if ((ret = domain->iopf_handler(g)) != 0) {
			sva_iopf_group_response(g, SVA_PAGE_RESP_FAILURE);
			sva_iopf_free_group(g);
		}
	}
	if (p)
		sva_iopf_put_param(p);
	return ret;
}

void sva_iopf_group_response(struct sva_iopf_group *group, enum sva_page_response_code code)
{
	struct sva_iommu_fault_param *p;

	if (sva_iopf_group_gone(group, "iopf_group_response"))
		return;
	p = group->fault_param;
	sva_mutex_lock(&p->lock);
	sva_iopf_respond_locked(group, code);
	sva_mutex_unlock(&p->lock);
}

void sva_iopf_free_group(struct sva_iopf_group *group)
{
	struct sva_iommu_fault_param *p;
	struct sva_world *w;

	if (sva_iopf_group_gone(group, "iopf_free_group")) /* freed twice */
		return;
	p = group->fault_param;
	w = p->dev->iommu->sys->w;
	sva_mutex_lock(&p->lock);
	sva_glist_del(&group->pending, &p->faults); /* unanswered: never answered now */
	sva_mutex_unlock(&p->lock);
	sva_free(w, &sva_obj_array, group->faults);
	sva_free(w, &sva_obj_iopf_group, group);
	sva_iopf_put_param(p);
}

struct sva_workqueue *sva_iopf_group_wq(struct sva_iopf_group *group)
{
	return group->fault_param->queue->wq;
}

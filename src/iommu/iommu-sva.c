/* SPDX-License-Identifier: MIT */
/*
 * SVA bind and unbind (the kernel's iommu-sva.c, v6.19).
 *
 * Lock order: iommu_sva_lock (also guards sva_guarded(&sys->sva_lock, domain->users) and
 * domain->detach_later) -> group->mutex -> driver locks; iommu_sva_lock -> mmap_lock (the driver
 * registers its notifier while allocating an SVA domain).
 *
 * References: a bond holds no user of the mm. Its SVA domain holds a count (mmgrab), the
 * driver's notifier another. The mm's iommu data and its PASID are created at the first bind,
 * never rolled back, and dropped only by the __mmdrop hook below, when the last count goes:
 * after the last domain and notifier are gone, so a PASID is never reused while a device can
 * still use it.
 *
 * Tracing: sva.bind and sva.unbind are emitted under iommu_sva_lock and a PASID's end before it
 * goes back to the allocator, so the trace - and the checker, which is handed events in the
 * trace's order - sees these transitions in the order they happened, on native threads too.
 *
 * The historical variants (sva/base.h) switch here: pasid-free-at-mmput and free-pasid-at-exit
 * hang the PASID drop on an earlier point of the mm's life (sva_iommu_sva_init);
 * bind-holds-users makes a bond hold a user of the mm; no-handle-sharing skips the lookup of
 * the (device, mm) handle; detach-at-last-user leaves a device attached until its shared domain
 * has no user; fault-without-mmget serves a page fault without taking a user.
 */
#include <errno.h>

#include "internal.h"

SVA_OBJ_CLASS(iommu_mm);
SVA_OBJ_CLASS(bond);

static struct sva_iommu_mm *sva_iommu_mm_of(struct sva_mm *mm)
{
	return sva_mm_iommu_data(mm);
}

uint32_t sva_mm_get_pasid(struct sva_mm *mm)
{
	struct sva_iommu_mm *im = sva_iommu_mm_of(mm);

	return im ? im->pasid : SVA_PASID_INVALID;
}

uint64_t sva_mm_pasid_gen(struct sva_mm *mm)
{
	struct sva_iommu_mm *im = sva_iommu_mm_of(mm);

	return im ? im->gen : 0;
}

/* mm_pasid_drop: the PASID back to the allocator, once. */
static void sva_iommu_mm_pasid_drop(struct sva_iommu_sys *sys, struct sva_iommu_mm *im)
{
	if (im->pasid_dropped)
		return;
	im->pasid_dropped = true;
	/* traced first: once freed, the PASID may be allocated and traced again at once */
	sva_trace(sys->w, PASID_FREE, im->pasid, sva_mm_id(im->mm), im->gen);
	sva_pasid_free(sys->pasids, im->pasid);
}

/* A historical variant's early drop (at __mmput, or at the process's exit). */
static void sva_iommu_mm_early_drop(void *ctx, struct sva_mm *mm)
{
	struct sva_iommu_mm *im = sva_iommu_mm_of(mm);

	if (im)
		sva_iommu_mm_pasid_drop(ctx, im);
}

/* __mmdrop: mm_pasid_drop. Takes no IOMMU lock: it can run inside an unbind. */
static void sva_iommu_mm_drop(void *ctx, struct sva_mm *mm)
{
	struct sva_iommu_sys *sys = ctx;
	struct sva_iommu_mm *im = sva_iommu_mm_of(mm);

	if (!im)
		return;
	/* the mm's last count: no bond (each holds one) can reach its domains any more */
	if (!sva_list_empty(sva_glist_unguarded(&im->sva_domains)))
		sva_report(sys->w, SVA_REPORT_REFCOUNT, "%s dropped with SVA domains attached",
			   sva_mm_name(mm));
	sva_iommu_mm_pasid_drop(sys, im);
	sva_mm_set_iommu_data(mm, NULL);
	sva_free(sys->w, &sva_obj_iommu_mm, im);
}

int sva_iommu_sva_init(struct sva_iommu_sys *sys)
{
	enum sva_mm_hook_point early = SVA_MM_HOOK_NR;
	int ret;

	if (sva_world_variant(sys->w) == SVA_VARIANT_PASID_FREE_AT_MMPUT)
		early = SVA_MM_HOOK_PUT;
	else if (sva_world_variant(sys->w) == SVA_VARIANT_FREE_PASID_AT_EXIT)
		early = SVA_MM_HOOK_EXIT;
	ret = sva_mm_sys_add_hook(sys->mm_sys, SVA_MM_HOOK_DROP, sva_iommu_mm_drop, sys);
	if (ret == 0 && early != SVA_MM_HOOK_NR)
		ret = sva_mm_sys_add_hook(sys->mm_sys, early, sva_iommu_mm_early_drop, sys);
	return ret;
}

/* iommu_alloc_mm_data (iommu_sva_lock held): the mm's PASID, made at its first bind. */
static int sva_iommu_mm_get(struct sva_iommu_sys *sys, struct sva_device *dev, struct sva_mm *mm,
			    struct sva_iommu_mm **out)
{
	struct sva_iommu_mm *im = sva_iommu_mm_of(mm);
	int ret;

	sva_lockdep_assert_held(&sys->sva_lock);

	if (im) {
		if (im->pasid >= dev->max_pasids)
			return -EOVERFLOW;
		*out = im;
		return 0;
	}
	im = sva_alloc(sys->w, &sva_obj_iommu_mm, sizeof(*im));
	if (!im)
		return -ENOMEM;
	ret = sva_pasid_alloc(sys->pasids, dev->max_pasids, &im->pasid);
	if (ret) {
		sva_free(sys->w, &sva_obj_iommu_mm, im);
		return ret == -ENOMEM ? -ENOMEM : -ENOSPC;
	}
	im->mm = mm;
	im->gen = atomic_fetch_add(&sys->pasid_gens, 1) + 1;
	sva_glist_init(&im->sva_domains, &sys->sva_lock);
	sva_list_init(&im->sys_node);
	sva_mm_set_iommu_data(mm, im); /* published; never rolled back */
	sva_trace(sys->w, PASID_ALLOC, im->pasid, sva_mm_id(mm), im->gen);
	*out = im;
	return 0;
}

/* Attach through one of the mm's SVA domains (sharing across devices of one IOMMU). */
static struct sva_domain *sva_try_shared_domain(struct sva_iommu_mm *im, struct sva_device *dev,
						struct sva_bond *bond)
{
	struct sva_domain *domain;

	sva_glist_for_each_entry(domain, &im->sva_domains, next) {
		if (sva_iommu_attach_device_pasid(domain, dev, im->pasid, &bond->handle) == 0) {
			sva_guarded(&dev->iommu->sys->sva_lock, domain->users)++;
			return domain;
		}
	}
	return NULL;
}

/* A new SVA domain for @mm, attached to @dev. */
static int sva_new_domain(struct sva_iommu_sys *sys, struct sva_iommu_mm *im,
			  struct sva_device *dev, struct sva_bond *bond)
{
	const struct sva_iommu_ops *ops = dev->iommu->ops;
	struct sva_domain *domain;
	int ret;

	if (!ops->domain_alloc_sva)
		return -EOPNOTSUPP;
	ret = ops->domain_alloc_sva(dev, im->mm, &domain);
	if (ret)
		return ret;
	domain->type = SVA_DOMAIN_SVA;
	domain->owner = dev->iommu;
	domain->mm = im->mm;
	domain->iopf_handler = sva_iommu_sva_handle_iopf;
	domain->id = 0;
	sva_mmgrab(im->mm);
	ret = sva_iommu_domain_id_alloc(domain);
	if (ret == 0)
		ret = sva_iommu_attach_device_pasid(domain, dev, im->pasid, &bond->handle);
	if (ret) {
		sva_iommu_domain_free(domain);
		return ret;
	}
	sva_guarded(&sys->sva_lock, domain->users) = 1;
	if (sva_glist_empty(&im->sva_domains))
		sva_glist_add_tail(&im->sys_node, &sys->sva_mms);
	sva_glist_add_tail(&domain->next, &im->sva_domains);
	return 0;
}

/* detach-at-last-user: the domain's last user went: detach (and free) the bonds left. */
static void sva_detach_later(struct sva_iommu_sys *sys, struct sva_domain *domain, uint32_t pasid)
{
	struct sva_detach_later *later = &sva_guarded(&sys->sva_lock, domain->later);

	while (later->n) {
		struct sva_bond *b = later->bonds[--later->n];

		sva_iommu_detach_device_pasid(domain, b->dev, pasid);
		sva_free(sys->w, &sva_obj_bond, b);
	}
}

/* detach-at-last-user: a bond left attached is bound again: it is a user again. */
static void sva_bond_revive(struct sva_iommu_sys *sys, struct sva_domain *domain,
			    struct sva_bond *bond)
{
	struct sva_detach_later *later = &sva_guarded(&sys->sva_lock, domain->later);

	for (unsigned i = 0; i < later->n; i++) {
		if (later->bonds[i] == bond) {
			later->bonds[i] = later->bonds[--later->n];
			sva_guarded(&sys->sva_lock, domain->users)++;
			return;
		}
	}
}

/* iommu_sva_lock held. */
static int sva_bind_locked(struct sva_iommu_sys *sys, struct sva_device *dev, struct sva_mm *mm,
			   struct sva_bond **out)
{
	struct sva_attach_handle *handle;
	struct sva_iommu_mm *im;
	struct sva_bond *bond;
	int ret;

	sva_lockdep_assert_held(&sys->sva_lock);

	ret = sva_iommu_mm_get(sys, dev, mm, &im);
	if (ret)
		return ret;
	ret = -ENOENT; /* no-handle-sharing: as if the (device, mm) had no handle yet */
	if (sva_world_variant(sys->w) != SVA_VARIANT_NO_HANDLE_SHARING)
		ret = sva_iommu_attach_handle_get(dev->group, im->pasid, SVA_DOMAIN_SVA, &handle);
	if (ret == 0) {
		bond = sva_container_of(handle, struct sva_bond, handle);
		if (handle->domain->mm != mm)
			return -EBUSY;
		if (sva_guarded(&sys->sva_lock, bond->users) == 0)
			sva_bond_revive(sys, handle->domain, bond);
		sva_guarded(&sys->sva_lock, bond->users)++;
		*out = bond;
		return 0;
	}
	if (ret != -ENOENT)
		return ret;
	bond = sva_alloc(sys->w, &sva_obj_bond, sizeof(*bond));
	if (!bond)
		return -ENOMEM;
	if (!sva_try_shared_domain(im, dev, bond)) {
		ret = sva_new_domain(sys, im, dev, bond);
		if (ret) {
			if (!sva_world_broken(sys->w, SVA_BREAK_BIND_LEAKS_BOND))
				sva_free(sys->w, &sva_obj_bond, bond);
			return ret;
		}
	}
	sva_guarded(&sys->sva_lock, bond->users) = 1;
	bond->dev = dev;
	*out = bond;
	return 0;
}

int sva_bind_device(struct sva_device *dev, struct sva_mm *mm, struct sva_bond **out)
{
	struct sva_iommu_sys *sys;
	int ret;

	if (!dev || sva_device_gone(dev, "iommu_sva_bind_device") || !dev->group)
		return -ENODEV;
	sys = dev->iommu->sys;
	sva_mutex_lock(&sys->sva_lock);
	ret = sva_bind_locked(sys, dev, mm, out);
	if (ret == 0) /* traced under the lock: in the order binds and unbinds happen */
		sva_trace(sys->w, SVA_BIND, dev->name, sva_mm_id(mm), sva_mm_get_pasid(mm),
			  sva_guarded(&sys->sva_lock, (*out)->users));
	sva_mutex_unlock(&sys->sva_lock);
	if (ret) {
		sva_log(sys->w, SVA_LOG_DEBUG, "bind %s to %s: %s", dev->name, sva_mm_name(mm),
			sva_strerror(ret));
		return ret;
	}
	if (sva_world_variant(sys->w) == SVA_VARIANT_BIND_HOLDS_USERS)
		sva_mmget(mm); /* the bond keeps the address space: the fd<->mm cycle */
	return 0;
}

void sva_unbind_device(struct sva_bond *bond)
{
	struct sva_device *dev;
	struct sva_iommu_sys *sys;
	struct sva_domain *domain;
	struct sva_mm *mm;
	struct sva_iommu_mm *im;
	uint32_t pasid;
	unsigned mm_id;
	bool last, left = false;
	bool detach_late;

	if (sva_bond_gone(bond, "iommu_sva_unbind_device")) /* unbound once too often */
		return;
	dev = bond->dev;
	sys = dev->iommu->sys;
	domain = bond->handle.domain;
	if (sva_domain_gone(domain, "iommu_sva_unbind_device: the bond's domain"))
		return;
	mm = domain->mm;
	im = sva_iommu_mm_of(mm);
	pasid = im->pasid;
	mm_id = sva_mm_id(mm);
	detach_late = sva_world_variant(sys->w) == SVA_VARIANT_DETACH_AT_LAST_USER;
	sva_mutex_lock(&sys->sva_lock);
	/* a concurrent last unbind may have freed it while this one waited for the lock */
	if (sva_bond_gone(bond, "iommu_sva_unbind_device (under iommu_sva_lock)"))
		return;
	if (sva_guarded(&sys->sva_lock, bond->users) ==
	    0) { /* its last unbind ran, the free is on its way */
		sva_mutex_unlock(&sys->sva_lock);
		sva_report(sys->w, SVA_REPORT_REFCOUNT,
			   "iommu_sva_unbind_device: %s's bond of mm%u has no user left", dev->name,
			   mm_id);
		return;
	}
	last = --sva_guarded(&sys->sva_lock, bond->users) == 0;
	if (last) {
		left = detach_late && sva_guarded(&sys->sva_lock, domain->users) > 1 &&
		       sva_guarded(&sys->sva_lock, domain->later).n < 4;
		if (left)
			sva_guarded(&sys->sva_lock, domain->later)
				.bonds[sva_guarded(&sys->sva_lock, domain->later).n++] =
				bond; /* still attached */
		else
			sva_iommu_detach_device_pasid(domain, dev, pasid);
		if (--sva_guarded(&sys->sva_lock, domain->users) == 0) {
			sva_detach_later(sys, domain, pasid);
			sva_glist_del(&domain->next, &im->sva_domains);
			if (sva_glist_empty(&im->sva_domains))
				sva_glist_del(&im->sys_node, &sys->sva_mms);
			sva_iommu_domain_free(domain); /* never the PASID: that is __mmdrop's */
		}
	}
	sva_trace(sys->w, SVA_UNBIND, dev->name, mm_id, pasid, last);
	sva_mutex_unlock(&sys->sva_lock);
	if (last && !left)
		sva_free(sys->w, &sva_obj_bond, bond);
	if (sva_world_variant(sys->w) == SVA_VARIANT_BIND_HOLDS_USERS)
		sva_mmput(mm);
}

uint32_t sva_bond_pasid(struct sva_bond *bond)
{
	if (sva_bond_gone(bond, "iommu_sva_get_pasid") ||
	    sva_domain_gone(bond->handle.domain, "iommu_sva_get_pasid: the bond's domain"))
		return SVA_PASID_INVALID;
	return sva_mm_get_pasid(bond->handle.domain->mm);
}

struct sva_device *sva_bond_device(struct sva_bond *bond)
{
	return sva_bond_gone(bond, "bond_device") ? NULL : bond->dev;
}

unsigned sva_bond_users(struct sva_bond *bond)
{
	struct sva_iommu_sys *sys;
	unsigned users;

	if (sva_bond_gone(bond, "bond_users"))
		return 0;
	sys = bond->dev->iommu->sys;
	sva_mutex_lock(&sys->sva_lock);
	users = sva_guarded(&sys->sva_lock, bond->users);
	sva_mutex_unlock(&sys->sva_lock);
	return users;
}

unsigned sva_mm_sva_domains(struct sva_iommu_sys *sys, struct sva_mm *mm)
{
	struct sva_iommu_mm *im;
	struct sva_domain *d;
	unsigned n = 0;

	sva_mutex_lock(&sys->sva_lock);
	im = sva_iommu_mm_of(mm);
	if (im)
		sva_glist_for_each_entry(d, &im->sva_domains, next)
			n++;
	sva_mutex_unlock(&sys->sva_lock);
	return n;
}

/* ---- I/O page faults on SVA domains (iommu_sva_handle_iopf) ---- */

/* The VMA flags a request needs, and the fault flags it maps to. */
static unsigned sva_iopf_vm_flags(const struct sva_page_request *f, unsigned *fault_flags)
{
	unsigned need = 0;

	*fault_flags = SVA_FAULT_FLAG_REMOTE | (f->priv ? 0 : SVA_FAULT_FLAG_USER);
	if (f->access & SVA_IOPF_READ)
		need |= SVA_VM_READ;
	if (f->access & SVA_IOPF_WRITE) {
		need |= SVA_VM_WRITE;
		*fault_flags |= SVA_FAULT_FLAG_WRITE;
	}
	if (f->access & SVA_IOPF_EXEC) {
		need |= SVA_VM_EXEC;
		*fault_flags |= SVA_FAULT_FLAG_INSTRUCTION;
	}
	return need;
}

/* A request against an external mm (sva_mm_external): 0 when the page is now present. */
static int sva_iopf_handle_external(struct sva_mm *mm, const struct sva_page_request *f)
{
	const struct sva_mm_external *x = sva_mm_external(mm);

	if (f->access & SVA_IOPF_EXEC)
		return -EFAULT; /* a device does not execute from a real process's memory */
	return x->fault(x->ctx, f->addr, f->access & SVA_IOPF_WRITE);
}

/* One request against @mm: a transient user, mmap_lock for read, an exact VMA lookup. */
static enum sva_page_response_code sva_iopf_handle_mm(struct sva_mm *mm,
						      const struct sva_page_request *f)
{
	enum sva_page_response_code code = SVA_PAGE_RESP_INVALID;
	bool hold = sva_world_variant(sva_mm_world(mm)) != SVA_VARIANT_FAULT_WITHOUT_MMGET;
	unsigned need, flags;
	struct sva_vma *vma;

	if (!f->pasid_valid)
		return SVA_PAGE_RESP_INVALID;
	if (hold && !sva_mmget_not_zero(mm)) /* the process has exited */
		return SVA_PAGE_RESP_INVALID;
	need = sva_iopf_vm_flags(f, &flags);
	sva_down_read(sva_mm_mmap_lock(mm));
	/* the address space in use (the checker holds it to mm_users, I5) */
	sva_trace(sva_mm_world(mm), IOPF_HANDLE, sva_mm_id(mm), f->addr, f->pasid, f->gen);
	if (sva_mm_external(mm)) { /* a real process's memory: its own kernel faults it in */
		if (!sva_iopf_handle_external(mm, f))
			code = SVA_PAGE_RESP_SUCCESS;
	} else {
		vma = sva_vma_lookup(mm, f->addr); /* no stack expansion */
		if (vma && (vma->flags & need) == need &&
		    sva_handle_mm_fault(vma, f->addr, flags) == SVA_VM_FAULT_OK)
			code = SVA_PAGE_RESP_SUCCESS;
	}
	sva_up_read(sva_mm_mmap_lock(mm));
	if (hold)
		sva_mmput(mm);
	return code;
}

static void sva_iopf_work(struct sva_work *work)
{
	struct sva_iopf_group *group = sva_container_of(work, struct sva_iopf_group, work);
	enum sva_page_response_code code = SVA_PAGE_RESP_SUCCESS;
	struct sva_mm *mm;

	/* the group holds no reference on its domain: a detach drains it before the free */
	if (sva_iopf_group_gone(group, "iopf work") ||
	    sva_domain_gone(group->domain, "iopf work: the group's domain"))
		return;
	mm = group->domain->mm; /* counted by the domain (mmgrab) */
	for (unsigned i = 0; i < group->nfaults && code == SVA_PAGE_RESP_SUCCESS; i++)
		code = sva_iopf_handle_mm(mm, &group->faults[i]);
	sva_iopf_group_response(group, code);
	sva_iopf_free_group(group);
}

int sva_iommu_sva_handle_iopf(struct sva_iopf_group *group)
{
	sva_work_init(&group->work, sva_iopf_work);
	return sva_queue_work(sva_iopf_group_wq(group), &group->work) ? 0 : -EBUSY;
}

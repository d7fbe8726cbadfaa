/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core against a mock driver (as iommufd's selftest mocks an IOMMU): PASID
 * allocation and lifetime, bind/unbind semantics of v6.19 (handle sharing, domain sharing,
 * -EOVERFLOW, -EBUSY), attach with rollback, private PASIDs, the references a bond holds,
 * exact error unwinding under a failure at every allocation, and the core's I/O page-fault
 * path (groups, one answer each, the SVA handler's answers, draining). Tests named seedNNN_*
 * also run alone as CTest tests of that name.
 */
#include <string.h>

#include "sva/iommu.h"
#include "sva/proc.h"
#include "testutil.h"

/* ---- the mock driver ---- */

#define MOCK_SLOTS 16

struct mock_entry {
	uint32_t pasid;
	unsigned domain_id; /* 0: blocked / none */
};

struct mock_dev {
	struct mock_entry entries[MOCK_SLOTS];
	bool fail_set; /* set_dev_pasid fails for this device */
};

struct mock_domain {
	struct sva_domain dom;
	struct sva_mmu_notifier mn;
	struct sva_world *w;
	bool has_notifier;
};

#define MOCK_RESPONSES 32

struct mock_iommu {
	struct sva_world *w;
	struct sva_domain blocked;
	struct sva_iommu *iommu;
	int releases; /* notifier release calls */
	unsigned nresp;
	struct sva_page_response resp[MOCK_RESPONSES];
};

static struct mock_entry *mock_entry(struct sva_device *dev, uint32_t pasid, bool create)
{
	struct mock_dev *md = dev->iommu_priv;

	for (int i = 0; i < MOCK_SLOTS; i++)
		if (md->entries[i].pasid == pasid)
			return &md->entries[i];
	for (int i = 0; create && i < MOCK_SLOTS; i++) {
		if (!md->entries[i].pasid) {
			md->entries[i].pasid = pasid;
			return &md->entries[i];
		}
	}
	return NULL;
}

/* The domain id programmed for @pasid on @dev (0: none). */
static unsigned mock_programmed(struct sva_device *dev, uint32_t pasid)
{
	struct mock_entry *e = mock_entry(dev, pasid, false);

	return e ? e->domain_id : 0;
}

static int mock_set_dev_pasid(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
			      struct sva_domain *old)
{
	struct mock_dev *md = dev->iommu_priv;
	struct mock_entry *e;

	(void)old;
	if (md->fail_set && domain->type != SVA_DOMAIN_BLOCKED)
		return -EIO;
	e = mock_entry(dev, pasid, true);
	if (!e)
		return -ENOSPC;
	e->domain_id = domain->type == SVA_DOMAIN_BLOCKED ? 0 : domain->id;
	if (!e->domain_id)
		e->pasid = 0;
	return 0;
}

static int mock_page_response(struct sva_device *dev, const struct sva_page_request *last,
			      const struct sva_page_response *resp)
{
	struct mock_iommu *mi = sva_iommu_priv(dev->iommu);

	(void)last;
	if (mi->nresp < MOCK_RESPONSES)
		mi->resp[mi->nresp] = *resp;
	mi->nresp++;
	return 0;
}

static void mock_notifier_release(struct sva_mmu_notifier *mn, struct sva_mm *mm)
{
	struct mock_domain *d = sva_container_of(mn, struct mock_domain, mn);
	struct mock_iommu *mi = sva_iommu_priv(d->dom.owner);

	(void)mm;
	mi->releases++;
}

static void mock_notifier_free(struct sva_mmu_notifier *mn)
{
	struct mock_domain *d = sva_container_of(mn, struct mock_domain, mn);

	sva_free(d->w, &sva_obj_domain, d);
}

static const struct sva_mmu_notifier_ops mock_mn_ops = {
	.release = mock_notifier_release,
	.free_notifier = mock_notifier_free,
};

static void mock_domain_free(struct sva_domain *domain)
{
	struct mock_domain *d = sva_container_of(domain, struct mock_domain, dom);

	if (d->has_notifier)
		sva_mmu_notifier_put(&d->mn); /* freed after the grace period */
	else
		sva_free(d->w, &sva_obj_domain, d);
}

static const struct sva_domain_ops mock_domain_ops = {
	.set_dev_pasid = mock_set_dev_pasid,
	.free = mock_domain_free,
};

static int mock_probe(struct sva_device *dev)
{
	struct mock_iommu *mi = sva_iommu_priv(dev->iommu);

	dev->iommu_priv = sva_alloc(mi->w, &sva_obj_test, sizeof(struct mock_dev));
	return dev->iommu_priv ? 0 : -ENOMEM;
}

static void mock_release(struct sva_device *dev)
{
	struct mock_iommu *mi = sva_iommu_priv(dev->iommu);

	sva_free(mi->w, &sva_obj_test, dev->iommu_priv);
}

static struct mock_domain *mock_domain_new(struct sva_world *w)
{
	struct mock_domain *d = sva_alloc(w, &sva_obj_domain, sizeof(*d));

	if (d) {
		d->w = w;
		d->dom.ops = &mock_domain_ops;
	}
	return d;
}

static int mock_alloc_sva(struct sva_device *dev, struct sva_mm *mm, struct sva_domain **out)
{
	struct mock_iommu *mi = sva_iommu_priv(dev->iommu);
	struct mock_domain *d = mock_domain_new(mi->w);
	int ret;

	if (!d)
		return -ENOMEM;
	d->mn.ops = &mock_mn_ops;
	ret = sva_mmu_notifier_register(&d->mn, mm);
	if (ret) {
		sva_free(mi->w, &sva_obj_domain, d);
		return ret;
	}
	d->has_notifier = true;
	*out = &d->dom;
	return 0;
}

static int mock_alloc_paging(struct sva_device *dev, struct sva_domain **out)
{
	struct mock_iommu *mi = sva_iommu_priv(dev->iommu);
	struct mock_domain *d = mock_domain_new(mi->w);

	if (!d)
		return -ENOMEM;
	*out = &d->dom;
	return 0;
}

/* ---- the environment ---- */

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *sys;
	struct mock_iommu mi;
	struct sva_iommu_ops ops;
	struct sva_mm *mm;
};

static void env_init_config(struct env *e, const struct sva_world_config *wc)
{
	struct sva_iommu_config cfg = { .name = "mock0", .pasid_bits = 20 };

	memset(e, 0, sizeof(*e));
	assert_int_equal(sva_world_create(wc, &e->w), 0);
	assert_int_equal(sva_kernel_create(e->w, NULL, &e->k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e->k), &e->sys), 0);
	e->mi.w = e->w;
	e->mi.blocked.type = SVA_DOMAIN_BLOCKED;
	e->mi.blocked.ops = &mock_domain_ops;
	e->ops = (struct sva_iommu_ops){
		.probe_device = mock_probe,
		.release_device = mock_release,
		.domain_alloc_sva = mock_alloc_sva,
		.domain_alloc_paging = mock_alloc_paging,
		.blocked_domain = &e->mi.blocked,
		.page_response = mock_page_response,
	};
	cfg.ops = &e->ops;
	cfg.priv = &e->mi;
	assert_int_equal(sva_iommu_register(e->sys, &cfg, &e->mi.iommu), 0);
	assert_string_equal(sva_iommu_name(e->mi.iommu), "mock0");
	assert_ptr_equal(sva_iommu_sys_of(e->mi.iommu), e->sys);
	e->mi.blocked.owner = e->mi.iommu;
	assert_int_equal(sva_mm_create(sva_kernel_mm_sys(e->k), "mm", &e->mm), 0);
}

static void env_init(struct env *e, enum sva_backend b, uint64_t seed)
{
	struct sva_world_config wc = { .backend = b, .seed = seed };

	env_init_config(e, &wc);
}

static struct sva_device *env_dev(struct env *e, const char *name, unsigned bits,
				  struct sva_device *same_group)
{
	struct sva_device_config cfg = { .name = name,
					 .pasid_bits = bits,
					 .same_group = same_group };
	struct sva_device *dev;

	assert_int_equal(sva_device_add(e->mi.iommu, &cfg, &dev), 0);
	return dev;
}

/* Tear down all but the world: the mm (if still a user), devices, IOMMU; every PASID back. */
static void env_release(struct env *e, struct sva_device **devs, int ndevs)
{
	if (e->mm)
		sva_mmput(e->mm);
	sva_kernel_quiesce(e->k);
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e->sys)), 0);
	for (int i = ndevs; i-- > 0;)
		sva_device_remove(devs[i]);
	sva_iommu_unregister(e->mi.iommu);
	sva_iommu_sys_destroy(e->sys);
	sva_kernel_destroy(e->k);
}

static void env_done(struct env *e, struct sva_device **devs, int ndevs)
{
	env_release(e, devs, ndevs);
	sva_test_world_done(e->w);
}

/* ---- seed 001: one PASID per mm, kept, freed only at __mmdrop ---- */

static void seed001_one_pasid_per_mm_kept_until_mmdrop(void **state)
{
	struct env e;
	struct sva_device *devs[2];
	struct sva_bond *a, *b;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	devs[1] = env_dev(&e, "dev1", 20, NULL);
	assert_int_equal(sva_mm_get_pasid(e.mm), SVA_PASID_INVALID); /* none before a bind */
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	pasid = sva_bond_pasid(a);
	assert_int_equal(pasid, 1); /* lowest free */
	assert_int_equal(sva_bind_device(devs[1], e.mm, &b), 0);
	assert_int_equal(sva_bond_pasid(b), pasid); /* shared by every device */
	sva_unbind_device(a);
	sva_unbind_device(b);
	/* unbind never frees the PASID: a rebind gets the same one */
	assert_true(sva_pasid_is_allocated(sva_iommu_sys_pasids(e.sys), pasid));
	assert_int_equal(sva_bind_device(devs[1], e.mm, &b), 0);
	assert_int_equal(sva_bond_pasid(b), pasid);
	/* the mm exits while bound: exit_mmap, release; the PASID is still held */
	sva_mmput(e.mm);
	assert_int_equal(e.mi.releases, 1);
	assert_true(sva_pasid_is_allocated(sva_iommu_sys_pasids(e.sys), pasid));
	sva_unbind_device(b);
	sva_kernel_quiesce(e.k); /* the notifier's deferred free drops the last count */
	assert_false(sva_pasid_is_allocated(sva_iommu_sys_pasids(e.sys), pasid));
	e.mm = NULL;
	env_done(&e, devs, 2);
}

static void seed001_private_pasid_never_collides(void **state)
{
	struct env e;
	struct sva_device *devs[1];
	struct sva_bond *a;
	uint32_t priv;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	priv = sva_iommu_alloc_global_pasid(devs[0]);
	assert_int_equal(priv, 1);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	assert_int_not_equal(sva_bond_pasid(a), priv);
	sva_unbind_device(a);
	sva_iommu_free_global_pasid(e.sys, priv);
	env_done(&e, devs, 1);
}

static void test_pasid_bounded_by_device_and_eoverflow(void **state)
{
	struct env e;
	struct sva_device *devs[3];
	struct sva_bond *a;
	struct sva_mm *mm2;
	uint32_t priv;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0);
	devs[0] = env_dev(&e, "wide", 20, NULL);
	devs[1] = env_dev(&e, "narrow", 1, NULL); /* max_pasids 2: only PASID 1 */
	devs[2] = env_dev(&e, "nopasid", 0, NULL);
	assert_int_equal(sva_bind_device(devs[2], e.mm, &a), -ENOSPC); /* no PASID support */
	priv = sva_iommu_alloc_global_pasid(devs[0]);		       /* takes 1 */
	assert_int_equal(sva_bind_device(devs[1], e.mm, &a), -ENOSPC); /* nothing fits */
	assert_int_equal(sva_mm_get_pasid(e.mm), SVA_PASID_INVALID);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0); /* gets 2 */
	assert_int_equal(sva_bond_pasid(a), 2);
	assert_int_equal(sva_mm_create(sva_kernel_mm_sys(e.k), "mm2", &mm2), 0);
	sva_iommu_free_global_pasid(e.sys, priv);
	/* the mm's PASID 2 does not fit the narrow device: no migration, -EOVERFLOW */
	{
		struct sva_bond *b;

		assert_int_equal(sva_bind_device(devs[1], e.mm, &b), -EOVERFLOW);
		/* another mm still fits it */
		assert_int_equal(sva_bind_device(devs[1], mm2, &b), 0);
		assert_int_equal(sva_bond_pasid(b), 1);
		sva_unbind_device(b);
	}
	sva_unbind_device(a);
	sva_mmput(mm2);
	env_done(&e, devs, 3);
}

/* ---- seed 002: handle sharing and domain sharing ---- */

static void seed002_same_device_twice_same_handle(void **state)
{
	struct env e;
	struct sva_device *devs[1];
	struct sva_bond *a, *b;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 2);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &b), 0); /* a second queue */
	assert_ptr_equal(a, b);
	assert_int_equal(sva_bond_users(a), 2);
	pasid = sva_bond_pasid(a);
	sva_unbind_device(b); /* the first queue keeps working */
	assert_int_equal(sva_bond_users(a), 1);
	assert_int_not_equal(mock_programmed(devs[0], pasid), 0);
	sva_unbind_device(a);
	assert_int_equal(mock_programmed(devs[0], pasid), 0);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 0);
	env_done(&e, devs, 1);
}

static void seed002_two_devices_share_a_domain(void **state)
{
	struct env e;
	struct sva_device *devs[2];
	struct sva_bond *a, *b;
	uint32_t pasid;
	long count0;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 3);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	devs[1] = env_dev(&e, "dev1", 20, NULL);
	count0 = sva_mm_count(e.mm);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	assert_int_equal(sva_bind_device(devs[1], e.mm, &b), 0);
	assert_ptr_not_equal(a, b);
	pasid = sva_bond_pasid(a);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 1); /* shared */
	assert_int_equal(mock_programmed(devs[0], pasid), mock_programmed(devs[1], pasid));
	/* the bond holds counts (domain + notifier), never a user */
	assert_int_equal(sva_mm_count(e.mm), count0 + 2);
	assert_int_equal(sva_mm_users(e.mm), 1);
	sva_unbind_device(a); /* removes only dev0's entry */
	assert_int_equal(mock_programmed(devs[0], pasid), 0);
	assert_int_not_equal(mock_programmed(devs[1], pasid), 0);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 1);
	sva_unbind_device(b);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 0);
	env_done(&e, devs, 2);
}

/*
 * The world carries the variant as a number; the IOMMU core, whose policies they are, names
 * them and refuses a subsystem for a number that is none of them.
 */
static void test_iommu_sys_refuses_an_unknown_variant(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .variant = SVA_VARIANT_NR };
	struct sva_iommu_sys *sys = NULL;
	enum sva_variant v = SVA_VARIANT_FAITHFUL;
	struct sva_world *w;
	struct sva_kernel *k;
	(void)state;

	assert_int_equal(sva_world_create(&wc, &w), 0);
	assert_int_equal(sva_world_variant(w), SVA_VARIANT_NR);
	assert_int_equal(sva_kernel_create(w, NULL, &k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(k), &sys), -EINVAL);
	assert_null(sys);
	assert_null(sva_variant_info(SVA_VARIANT_NR));
	assert_int_equal(sva_variant_find("detach-at-last-user", &v), 0);
	assert_int_equal(v, SVA_VARIANT_DETACH_AT_LAST_USER);
	assert_string_equal(sva_variant_info(v)->name, "detach-at-last-user");
	assert_int_equal(sva_variant_find("no-such-design", &v), -ENOENT);
	sva_kernel_destroy(k);
	sva_test_world_done(w);
}

/*
 * detach-at-last-user (the rejected design of seed 002): dev0's bond, unbound while dev1
 * still uses the shared domain, is left attached; bound again, it is that same bond, a user
 * again; the domain's last unbind detaches every device and frees the bonds left.
 */
static void test_detach_at_last_user_revives_a_left_bond(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
				       .seed = 4,
				       .variant = SVA_VARIANT_DETACH_AT_LAST_USER };
	struct sva_device *devs[2];
	struct sva_bond *a, *b, *again;
	struct env e;
	uint32_t pasid;
	(void)state;

	env_init_config(&e, &wc);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	devs[1] = env_dev(&e, "dev1", 20, NULL);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	assert_int_equal(sva_bind_device(devs[1], e.mm, &b), 0);
	pasid = sva_bond_pasid(a);
	sva_unbind_device(a);
	assert_int_not_equal(mock_programmed(devs[0], pasid), 0); /* left attached: the bug */
	assert_int_equal(sva_bind_device(devs[0], e.mm, &again), 0);
	assert_ptr_equal(again, a);
	assert_int_equal(sva_bond_users(again), 1);
	sva_unbind_device(b); /* dev1 left attached in turn: dev0 is still a user */
	assert_int_not_equal(mock_programmed(devs[1], pasid), 0);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 1);
	sva_unbind_device(again); /* the last user: both detached, the domain freed */
	assert_int_equal(mock_programmed(devs[0], pasid), 0);
	assert_int_equal(mock_programmed(devs[1], pasid), 0);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 0);
	env_done(&e, devs, 2);
}

static void test_group_members_share_the_handle(void **state)
{
	struct env e;
	struct sva_device *devs[2];
	struct sva_bond *a, *b;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0);
	devs[0] = env_dev(&e, "fn0", 20, NULL);
	devs[1] = env_dev(&e, "fn1", 20, devs[0]); /* one group */
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	pasid = sva_bond_pasid(a);
	/* both functions programmed by one attach */
	assert_int_not_equal(mock_programmed(devs[1], pasid), 0);
	assert_int_equal(sva_bind_device(devs[1], e.mm, &b), 0);
	assert_ptr_equal(a, b); /* keyed by (group, PASID) */
	assert_ptr_equal(sva_bond_device(b), devs[0]);
	sva_unbind_device(b);
	sva_unbind_device(a);
	assert_int_equal(mock_programmed(devs[1], pasid), 0);
	env_done(&e, devs, 2);
}

/* ---- -EBUSY, attach and rollback ---- */

static void test_slot_held_by_another_domain_is_ebusy(void **state)
{
	struct env e;
	struct sva_device *devs[1];
	struct sva_domain *paging;
	struct sva_bond *a;
	uint32_t pasid;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	pasid = sva_bond_pasid(a);
	sva_unbind_device(a);
	/* a driver's paging domain now sits at the mm's PASID */
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &paging), 0);
	assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], pasid, NULL), 0);
	assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], pasid, NULL), -EBUSY);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), -EBUSY);
	assert_int_equal(sva_mm_sva_domains(e.sys, e.mm), 0); /* nothing left behind */
	sva_iommu_detach_device_pasid(paging, devs[0], pasid);
	assert_int_equal(sva_bind_device(devs[0], e.mm, &a), 0);
	sva_unbind_device(a);
	sva_iommu_domain_free(paging);
	env_done(&e, devs, 1);
}

/*
 * Domain IDs are the IOMMU's, lowest free first, and come back when the domain is freed (as
 * VT-d's DIDs): the next domain reuses the value, so a teardown that leaves IOTLB entries
 * tagged with it lets them translate for someone else (examples/stories/ catch that).
 */
static void test_domain_ids_reused_after_free(void **state)
{
	struct env e;
	struct sva_device *devs[1];
	struct sva_domain *a, *b, *c;
	unsigned id_a, id_b;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0);
	devs[0] = env_dev(&e, "dev0", 20, NULL);
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &a), 0);
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &b), 0);
	id_a = a->id;
	id_b = b->id;
	assert_true(id_a != 0 && id_b != 0 && id_a != id_b);
	sva_iommu_domain_free(a);
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &c), 0);
	assert_int_equal(c->id, id_a); /* the lowest free value again */
	sva_iommu_domain_free(b);
	sva_iommu_domain_free(c);
	env_done(&e, devs, 1);
}

static void last_report_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	(void)level;
	snprintf(ctx, 512, "%s", msg);
}

static void capture_warn(void *ctx, enum sva_log_level level, const char *msg)
{
	if (level <= SVA_LOG_WARN)
		snprintf(ctx, 256, "%s", msg);
}

/* A blocked domain whose set_dev_pasid fails (a driver that cannot block a PASID). */
static int failing_set(struct sva_domain *domain, struct sva_device *dev, uint32_t pasid,
		       struct sva_domain *old)
{
	(void)domain;
	(void)dev;
	(void)pasid;
	(void)old;
	return -EIO;
}

static void test_attach_checks_and_rollback(void **state)
{
	struct env e;
	struct sva_device *devs[3];
	struct sva_domain *paging;
	struct mock_dev *md;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0);
	devs[0] = env_dev(&e, "fn0", 20, NULL);
	devs[1] = env_dev(&e, "fn1", 4, devs[0]); /* a narrower member */
	devs[2] = env_dev(&e, "fn2", 20, devs[0]);
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &paging), 0);
	assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 0, NULL), -EINVAL);
	assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 16, NULL), -EINVAL);
	/* a driver whose blocked domain cannot be set (none, no ops, no set_dev_pasid) or whose
	   domain cannot: refused before anything is programmed */
	{
		static const struct sva_domain_ops free_only = { .free = mock_domain_free };
		const struct sva_domain_ops *ops = paging->ops;

		e.mi.blocked.ops = &free_only;
		assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 5, NULL),
				 -EOPNOTSUPP);
		e.mi.blocked.ops = NULL;
		assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 5, NULL),
				 -EOPNOTSUPP);
		e.mi.blocked.ops = &mock_domain_ops;
		paging->ops = &free_only;
		assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 5, NULL),
				 -EOPNOTSUPP);
		paging->ops = NULL;
		assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 5, NULL),
				 -EOPNOTSUPP);
		paging->ops = ops;
		for (int i = 0; i < 3; i++)
			assert_int_equal(mock_programmed(devs[i], 5), 0);
		assert_null(sva_iommu_get_domain_for_pasid(devs[0], 5));
	}
	/* the third member fails: the others are rolled back, the slot released */
	md = devs[2]->iommu_priv;
	md->fail_set = true;
	assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 5, NULL), -EIO);
	assert_int_equal(mock_programmed(devs[0], 5), 0);
	assert_int_equal(mock_programmed(devs[1], 5), 0);
	assert_null(sva_iommu_get_domain_for_pasid(devs[0], 5));
	md->fail_set = false;
	assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 5, NULL), 0);
	assert_ptr_equal(sva_iommu_get_domain_for_pasid(devs[2], 5), paging);
	assert_int_equal(mock_programmed(devs[2], 5), paging->id);
	sva_iommu_detach_device_pasid(paging, devs[0], 5);
	assert_int_equal(mock_programmed(devs[2], 5), 0);
	/* a detach whose blocking fails on a member: warned, the detach goes on */
	{
		static const struct sva_domain_ops failing = { .set_dev_pasid = failing_set,
							       .free = mock_domain_free };
		char msg[256] = "";

		assert_int_equal(sva_iommu_attach_device_pasid(paging, devs[0], 6, NULL), 0);
		e.mi.blocked.ops = &failing;
		sva_world_set_log_sink(e.w, capture_warn, msg);
		sva_world_set_log_level(e.w, SVA_LOG_WARN);
		sva_iommu_detach_device_pasid(paging, devs[0], 6);
		assert_non_null(strstr(msg, ": blocking PASID 6 failed"));
		assert_null(sva_iommu_get_domain_for_pasid(devs[0], 6));
		e.mi.blocked.ops = &mock_domain_ops;
		sva_test_quiet(e.w);
		for (int i = 0; i < 3; i++) /* what the failed blocking left programmed */
			mock_set_dev_pasid(&e.mi.blocked, devs[i], 6, paging);
	}
	sva_iommu_domain_free(paging);
	env_done(&e, devs, 3);
}

/* ---- the core's refusals of bad input, and the misuse it reports ---- */

static void test_core_refuses_bad_input(void **state)
{
	struct sva_iommu_ops noops = { 0 };
	struct sva_iommu_config cfg = { .ops = &noops, .pasid_bits = 21 };
	struct sva_device_config dcfg = { .pasid_bits = 21 };
	struct sva_device *devs[2], *other_dev, *dev;
	struct sva_iommu *iommu, *other;
	struct sva_domain *paging;
	struct sva_bond *bond;
	char msg[256] = "";
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1);
	sva_iommu_sys_destroy(NULL); /* nothing */
	/* an IOMMU: a configuration, its ops, at most 20 PASID bits */
	assert_int_equal(sva_iommu_register(e.sys, NULL, &iommu), -EINVAL);
	cfg.ops = NULL;
	cfg.pasid_bits = 8;
	assert_int_equal(sva_iommu_register(e.sys, &cfg, &iommu), -EINVAL);
	cfg.ops = &noops;
	cfg.pasid_bits = 21;
	assert_int_equal(sva_iommu_register(e.sys, &cfg, &iommu), -EINVAL);
	cfg.pasid_bits = 0; /* no PASIDs: a name of its own when given none */
	assert_int_equal(sva_iommu_register(e.sys, &cfg, &other), 0);
	assert_string_equal(sva_iommu_name(other), "iommu");
	/* a device: a configuration, 20 bits, a group of the same IOMMU */
	devs[0] = env_dev(&e, "fn0", 20, NULL);
	assert_int_equal(sva_device_add(e.mi.iommu, NULL, &dev), -EINVAL);
	assert_int_equal(sva_device_add(e.mi.iommu, &dcfg, &dev), -EINVAL);
	dcfg.pasid_bits = 8;
	dcfg.same_group = devs[0];
	assert_int_equal(sva_device_add(other, &dcfg, &dev), -EINVAL);
	dcfg.same_group = NULL;
	assert_int_equal(sva_device_add(other, &dcfg, &other_dev), 0); /* no probe: fine */
	assert_string_equal(other_dev->name, "device");
	/* an IOMMU without PASIDs: none private, no paging domain from a driver without one */
	assert_int_equal(sva_iommu_alloc_global_pasid(other_dev), SVA_PASID_INVALID);
	assert_int_equal(sva_iommu_paging_domain_alloc(other_dev, &paging), -EOPNOTSUPP);
	/* the driver's paging domain fails: its error; then its domain ID: the domain freed */
	sva_alloc_fail_nth(e.w, 1);
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &paging), -ENOMEM);
	sva_alloc_fail_nth(e.w, 2);
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &paging), -ENOMEM);
	assert_int_equal(sva_alloc_live(e.w, &sva_obj_domain), 0);
	sva_alloc_fail_nth(e.w, 0);
	/* a fault queue takes no device of an IOMMU that cannot answer page requests */
	{
		struct sva_iopf_queue *q;

		assert_int_equal(sva_iopf_queue_alloc(e.sys, NULL, &q), 0);
		assert_int_equal(sva_iopf_queue_add_device(q, other_dev), -ENODEV);
		sva_iopf_queue_free(q);
	}
	/* attach: a device in no IOMMU's hands, a domain of a driver without set_dev_pasid */
	assert_int_equal(sva_iommu_paging_domain_alloc(devs[0], &paging), 0);
	assert_int_equal(sva_iommu_attach_device_pasid(paging, NULL, 5, NULL), -ENODEV);
	assert_int_equal(sva_iommu_attach_device_pasid(paging, other_dev, 5, NULL), -EOPNOTSUPP);
	sva_iommu_domain_free(paging);
	/* SVA: no device; a device without PASIDs */
	assert_int_equal(sva_bind_device(NULL, e.mm, &bond), -ENODEV);
	assert_int_equal(sva_bind_device(other_dev, e.mm, &bond), -ENOSPC); /* no PASID there */
	/* freeing the invalid PASID: a warning, nothing freed */
	sva_world_set_log_sink(e.w, capture_warn, msg);
	sva_world_set_log_level(e.w, SVA_LOG_WARN);
	sva_iommu_free_global_pasid(e.sys, SVA_PASID_INVALID);
	assert_non_null(strstr(msg, "freeing the invalid PASID"));
	assert_int_equal(sva_report_total(e.w), 0);
	sva_device_remove(other_dev);
	sva_iommu_unregister(other);
	devs[1] = env_dev(&e, "fn1", 20, devs[0]);
	env_done(&e, devs, 2);
}

/* Misuse the core reports rather than crash on: in a sim world, where freed objects wait. */
static void test_core_reports_misuse(void **state)
{
	struct sva_iommu_ops noops = { 0 };
	struct sva_iommu_config cfg = { .name = "left", .ops = &noops };
	struct sva_iommu_sys *sys2;
	struct sva_iommu *left;
	struct sva_device *dev;
	struct sva_bond *bond;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1);
	sva_test_quiet(e.w);
	dev = env_dev(&e, "fn0", 20, NULL);
	sva_device_remove(dev);
	sva_device_remove(dev); /* removed twice: the second is a use after free */
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 1);
	assert_non_null(strstr(sva_report_first(e.w), "device_remove"));
	/* a bond unbound once too often, and its PASID asked after */
	dev = env_dev(&e, "fn1", 20, NULL);
	assert_int_equal(sva_bind_device(dev, e.mm, &bond), 0);
	sva_unbind_device(bond);
	sva_kernel_quiesce(e.k);
	sva_unbind_device(bond);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 2);
	assert_int_equal(sva_bond_pasid(bond), SVA_PASID_INVALID);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 3);
	/* the freed bond's other accessors answer nothing, each reported */
	assert_null(sva_bond_device(bond));
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 4);
	assert_int_equal(sva_bond_users(bond), 0);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 5);
	/* a freed domain attached, detached, freed again; the removed device used */
	{
		struct sva_device *fn2 = env_dev(&e, "fn2", 20, NULL);
		struct sva_domain *paging;
		char last[512] = "";

		assert_int_equal(sva_iommu_paging_domain_alloc(fn2, &paging), 0);
		sva_iommu_domain_free(paging);
		sva_world_set_log_sink(e.w, last_report_sink, last);
		assert_int_equal(sva_iommu_attach_device_pasid(paging, fn2, 5, NULL), -ENODEV);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 6);
		assert_non_null(strstr(last, "attach_device_pasid through a freed domain"));
		sva_iommu_detach_device_pasid(paging, fn2, 5);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 7);
		assert_non_null(strstr(last, "detach_device_pasid through a freed domain"));
		sva_iommu_domain_free(paging);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 8);
		assert_non_null(strstr(last, "iommu_domain_free through a freed domain"));
		sva_device_remove(fn2);
		assert_null(sva_iommu_get_domain_for_pasid(fn2, 5));
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 9);
		assert_non_null(strstr(last, "get_domain_for_pasid through a freed device"));
		sva_test_quiet(e.w);
	}
	/* a fault queue freed with a device on it, then the device taken off the freed queue */
	{
		struct sva_iopf_queue *q;

		assert_int_equal(sva_iopf_queue_alloc(e.sys, "q", &q), 0);
		assert_int_equal(sva_iopf_queue_add_device(q, dev), 0);
		sva_iopf_queue_free(q);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 1);
		sva_iopf_queue_remove_device(q, dev);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 10);
		/* the freed queue given a device, its partials discarded, freed again */
		assert_int_equal(sva_iopf_queue_add_device(q, dev), -ENODEV);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 11);
		sva_iopf_queue_discard_partial(q);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 12);
		sva_iopf_queue_free(q);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 13);
	}
	/* a removed device bound, or reporting a fault */
	{
		struct sva_device *fn4 = env_dev(&e, "fn4", 20, NULL);
		struct sva_page_request req = { .pasid = 1, .pasid_valid = true, .last = true };
		struct sva_bond *b2 = NULL;

		sva_device_remove(fn4);
		assert_int_equal(sva_bind_device(fn4, e.mm, &b2), -ENODEV);
		assert_null(b2);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 14);
		assert_int_equal(sva_iommu_report_device_fault(fn4, &req), -ENODEV);
		assert_int_equal(sva_report_count(e.w, SVA_REPORT_USE_AFTER_FREE), 15);
	}
	sva_device_remove(dev);
	/* a subsystem destroyed with an IOMMU still registered */
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e.k), &sys2), 0);
	assert_int_equal(sva_iommu_register(sys2, &cfg, &left), 0);
	sva_iommu_sys_destroy(sys2);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 2);
	/* the run stopped at the use after free: the mm's PASID is not given back, and
	   destroying the subsystem says so; the IOMMU left behind goes with the world */
	sva_mmput(e.mm);
	sva_kernel_quiesce(e.k);
	sva_iommu_unregister(e.mi.iommu);
	sva_iommu_sys_destroy(e.sys);
	sva_kernel_destroy(e.k);
	sva_world_destroy(e.w);
}

/* ---- exact unwinding under every allocation failure ---- */

struct bind_fail {
	struct env e;
	struct sva_device *devs[2];
	struct sva_bond *a, *b;
	long count0;
	bool second; /* the body binds a second device to the same mm, and unbinds the first */
};

static struct sva_world *bind_fail_setup(void *arg)
{
	struct bind_fail *f = arg;

	env_init(&f->e, SVA_BACKEND_SIM, 1);
	f->devs[0] = env_dev(&f->e, "dev0", 20, NULL);
	f->devs[1] = env_dev(&f->e, "dev1", 20, NULL);
	f->a = f->b = NULL;
	f->count0 = sva_mm_count(f->e.mm); /* unbound: what a failed bind comes back to */
	if (f->second)
		assert_int_equal(sva_bind_device(f->devs[0], f->e.mm, &f->a), 0);
	return f->e.w;
}

static int bind_fail_body(struct sva_world *w, void *arg)
{
	struct bind_fail *f = arg;
	int ret;

	(void)w;
	if (!f->second)
		return sva_bind_device(f->devs[0], f->e.mm, &f->a);
	ret = sva_bind_device(f->devs[1], f->e.mm, &f->b);
	sva_unbind_device(f->a); /* unbinding never fails: whatever the second bind did */
	f->a = NULL;
	return ret;
}

static void bind_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct bind_fail *f = arg;
	struct sva_bond **mine = f->second ? &f->b : &f->a;
	struct sva_device *dev = f->devs[f->second];

	if (r->ret == 0) {
		assert_non_null(sva_iommu_get_domain_for_pasid(dev, sva_bond_pasid(*mine)));
		return;
	}
	/*
	 * Exactly as before, but a PASID once given stays with the mm - once a domain's notifier,
	 * put on the way out, is past its grace period (it holds a count).
	 */
	sva_mm_sys_synchronize(sva_kernel_mm_sys(f->e.k));
	assert_int_equal(sva_mm_sva_domains(f->e.sys, f->e.mm), 0);
	assert_int_equal(sva_mm_count(f->e.mm), f->count0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_bond), 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_domain), 0);
	assert_null(sva_iommu_get_domain_for_pasid(dev, 1));
	assert_true(sva_pasid_allocated(sva_iommu_sys_pasids(f->e.sys)) <= 1);
	/* and it works afterwards */
	assert_int_equal(sva_bind_device(dev, f->e.mm, mine), 0);
}

static void bind_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct bind_fail *f = arg;

	(void)w;
	(void)r;
	if (f->a)
		sva_unbind_device(f->a);
	if (f->b)
		sva_unbind_device(f->b);
	env_release(&f->e, f->devs, 2);
}

static void seed001_bind_unwinds_exactly_at_every_failure(void **state)
{
	struct bind_fail f = { .second = false };
	struct sva_test_fail_case c = { .name = "bind",
					.setup = bind_fail_setup,
					.body = bind_fail_body,
					.check = bind_fail_check,
					.teardown = bind_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 3);
	/* a second device's bind to a bound mm, then the first's unbind */
	f.second = true;
	c.name = "bind a second device, unbind the first";
	sva_test_fail_sweep(&c, &st);
	assert_int_equal(st.errors, 1); /* the bond: the domain and the PASID are shared */
}

/* ---- seed 004: the bond holds count, not users ---- */

struct bind_drv {
	struct env *e;
	struct sva_device *dev;
	struct sva_bond *bond;
	int releases;
};

static int bind_open(struct sva_file *file)
{
	struct bind_drv *d = file->private_data;
	struct sva_task *t = sva_task_current(d->e->k);

	return sva_bind_device(d->dev, sva_task_mm(t), &d->bond);
}

static void bind_release(struct sva_file *file)
{
	struct bind_drv *d = file->private_data;

	sva_unbind_device(d->bond);
	d->releases++;
}

static int bind_mmap(struct sva_file *file, struct sva_vma *vma)
{
	(void)file;
	vma->flags |= SVA_VM_DONTCOPY | SVA_VM_DONTEXPAND | SVA_VM_WIPEONFORK;
	return 0;
}

static const struct sva_file_operations bind_fops = {
	.open = bind_open,
	.release = bind_release,
	.mmap = bind_mmap,
};

static int open_map_exit(struct sva_task *t, void *arg)
{
	(void)arg;
	return sva_test_open_map(t, "acc0") ? 1 : 0; /* exit without close, without munmap */
}

static void seed004_bound_process_exits_clean(void **state)
{
	for (uint64_t seed = 0; seed < 4; seed++) {
		struct env e;
		struct sva_device *devs[1];
		struct bind_drv d;
		struct sva_process *p;
		int status = -1;
		(void)state;

		env_init(&e, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed);
		devs[0] = env_dev(&e, "acc0", 20, NULL);
		d = (struct bind_drv){ .e = &e, .dev = devs[0] };
		assert_int_equal(sva_chrdev_register(e.k, "acc0", &bind_fops, &d), 0);
		assert_int_equal(sva_process_start(e.k, "worker", open_map_exit, NULL, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		sva_kernel_quiesce(e.k);
		assert_int_equal(d.releases, 1); /* the release ran: no fd<->mm cycle */
		assert_int_equal(e.mi.releases, 1);
		env_done(&e, devs, 1); /* and every PASID is back */
	}
}

/* ---- I/O page faults in the core ---- */

struct iopf_env {
	struct env e;
	struct sva_device *devs[1];
	struct sva_iopf_queue *q;
	struct sva_bond *bond;
	uint32_t pasid;
	uint64_t rw, ro;
};

static void iopf_init(struct iopf_env *ie, enum sva_backend b, uint64_t seed)
{
	env_init(&ie->e, b, seed);
	ie->devs[0] = env_dev(&ie->e, "acc0", 20, NULL);
	assert_int_equal(sva_iopf_queue_alloc(ie->e.sys, "iopf", &ie->q), 0);
	assert_int_equal(sva_iopf_queue_add_device(ie->q, ie->devs[0]), 0);
	assert_int_equal(sva_iopf_queue_add_device(ie->q, ie->devs[0]), -EBUSY);
	assert_int_equal(sva_bind_device(ie->devs[0], ie->e.mm, &ie->bond), 0);
	ie->pasid = sva_bond_pasid(ie->bond);
	assert_int_equal(sva_mm_mmap(ie->e.mm, 0, 4 * SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				     0, NULL, 0, &ie->rw),
			 0);
	assert_int_equal(
		sva_mm_mmap(ie->e.mm, 0, SVA_PAGE_SIZE, SVA_PROT_READ, 0, NULL, 0, &ie->ro), 0);
}

static void iopf_done(struct iopf_env *ie)
{
	if (ie->bond)
		sva_unbind_device(ie->bond);
	sva_iopf_queue_remove_device(ie->q, ie->devs[0]);
	sva_iopf_queue_free(ie->q);
	env_done(&ie->e, ie->devs, 1);
}

static struct sva_page_request iopf_req(struct iopf_env *ie, uint64_t addr, unsigned access,
					uint32_t grpid, bool last)
{
	return (struct sva_page_request){ .pasid = ie->pasid,
					  .pasid_valid = true,
					  .addr = addr,
					  .access = access,
					  .grpid = grpid,
					  .last = last };
}

/* Is @addr mapped in the mm's page table (as a device would see it)? */
static bool iopf_mapped(struct iopf_env *ie, uint64_t addr)
{
	return sva_pgtable_hw_walk(sva_mm_pgtable(ie->e.mm), addr, false) & SVA_PTE_PRESENT;
}

static void test_iopf_group_answered_once(void **state)
{
	for (uint64_t seed = 0; seed < 3; seed++) {
		struct iopf_env ie = { 0 };
		struct sva_page_request r;
		(void)state;

		iopf_init(&ie, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed);
		r = iopf_req(&ie, ie.rw, SVA_IOPF_READ, 7, false);
		assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
		r = iopf_req(&ie, ie.rw + SVA_PAGE_SIZE, SVA_IOPF_WRITE, 7, true);
		assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
		sva_iopf_queue_flush_dev(ie.devs[0]);
		assert_int_equal(ie.e.mi.nresp, 1); /* one response per group */
		assert_int_equal(ie.e.mi.resp[0].code, SVA_PAGE_RESP_SUCCESS);
		assert_int_equal(ie.e.mi.resp[0].grpid, 7);
		assert_int_equal(ie.e.mi.resp[0].pasid, ie.pasid);
		assert_true(iopf_mapped(&ie, ie.rw));		      /* the partial was handled */
		assert_true(iopf_mapped(&ie, ie.rw + SVA_PAGE_SIZE)); /* and the last */
		assert_int_equal(sva_iopf_dev_pending(ie.devs[0]), 0);
		iopf_done(&ie);
	}
}

static void test_iopf_invalid_answers(void **state)
{
	struct iopf_env ie = { 0 };
	struct sva_page_request r;
	(void)state;

	iopf_init(&ie, SVA_BACKEND_SIM, 4);
	r = iopf_req(&ie, ie.ro, SVA_IOPF_WRITE, 1, true); /* a write to a read-only VMA */
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	r = iopf_req(&ie, 0x7000000000ull, SVA_IOPF_READ, 2, true); /* no VMA */
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	/* sticky: the first error ends the group; the later page is not faulted in */
	r = iopf_req(&ie, 0x7000000000ull, SVA_IOPF_READ, 3, false);
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	r = iopf_req(&ie, ie.rw + 2 * SVA_PAGE_SIZE, SVA_IOPF_READ, 3, true);
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iopf_queue_flush_dev(ie.devs[0]);
	assert_int_equal(ie.e.mi.nresp, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(ie.e.mi.resp[i].code, SVA_PAGE_RESP_INVALID);
	assert_false(iopf_mapped(&ie, ie.rw + 2 * SVA_PAGE_SIZE));
	/* no domain at a PASID: INVALID at once, and only for the last of a group */
	r = iopf_req(&ie, ie.rw, SVA_IOPF_READ, 4, false);
	r.pasid = 999;
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), -EINVAL);
	assert_int_equal(ie.e.mi.nresp, 3);
	r.last = true;
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), -EINVAL);
	assert_int_equal(ie.e.mi.nresp, 4);
	assert_int_equal(ie.e.mi.resp[3].code, SVA_PAGE_RESP_INVALID);
	/* an instruction fetch from memory the VMA does not let execute; no PASID at all */
	r = iopf_req(&ie, ie.rw, SVA_IOPF_EXEC, 5, true);
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iopf_queue_flush_dev(ie.devs[0]);
	assert_int_equal(ie.e.mi.nresp, 5);
	assert_int_equal(ie.e.mi.resp[4].code, SVA_PAGE_RESP_INVALID);
	assert_false(iopf_mapped(&ie, ie.rw));
	r = iopf_req(&ie, ie.rw, SVA_IOPF_READ, 6, true);
	r.pasid_valid = false;
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), -EINVAL);
	assert_int_equal(ie.e.mi.nresp, 6);
	assert_int_equal(ie.e.mi.resp[5].code, SVA_PAGE_RESP_INVALID);
	iopf_done(&ie);
}

static void test_iopf_dead_mm_answers_invalid(void **state)
{
	struct iopf_env ie = { 0 };
	struct sva_page_request r;
	(void)state;

	iopf_init(&ie, SVA_BACKEND_SIM, 5);
	sva_mmput(ie.e.mm); /* the process exits while bound */
	ie.e.mm = NULL;
	r = iopf_req(&ie, ie.rw, SVA_IOPF_READ, 1, true);
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iopf_queue_flush_dev(ie.devs[0]);
	assert_int_equal(ie.e.mi.nresp, 1);
	assert_int_equal(ie.e.mi.resp[0].code, SVA_PAGE_RESP_INVALID);
	iopf_done(&ie);
}

static void test_iopf_no_memory_answers_failure(void **state)
{
	struct iopf_env ie = { 0 };
	struct sva_page_request r;
	(void)state;

	iopf_init(&ie, SVA_BACKEND_SIM, 6);
	r = iopf_req(&ie, ie.rw, SVA_IOPF_READ, 1, true);
	sva_alloc_fail_nth(ie.e.w, 1); /* the group */
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), -ENOMEM);
	assert_int_equal(ie.e.mi.nresp, 1);
	assert_int_equal(ie.e.mi.resp[0].code, SVA_PAGE_RESP_FAILURE);
	assert_int_equal(sva_alloc_live(ie.e.w, &sva_obj_iopf_group), 0);
	iopf_done(&ie);
}

/* A handler that keeps its groups, so that draining can be seen answering them. */
struct keeper {
	struct sva_iopf_group *groups[8];
	unsigned n;
};

static int keep_group(struct sva_iopf_group *group)
{
	struct keeper *k = group->dev->priv;

	k->groups[k->n++] = group;
	return 0;
}

static void test_iopf_abort_and_remove_answer_pending(void **state)
{
	struct iopf_env ie = { 0 };
	struct sva_page_request r;
	struct sva_domain *paging;
	struct keeper k = { .n = 0 };
	(void)state;

	iopf_init(&ie, SVA_BACKEND_NATIVE, 0);
	ie.devs[0]->priv = &k;
	assert_int_equal(sva_iommu_paging_domain_alloc(ie.devs[0], &paging), 0);
	paging->iopf_handler = keep_group;
	assert_int_equal(sva_iommu_attach_device_pasid(paging, ie.devs[0], 50, NULL), 0);
	/* a partial, discarded as after a queue overflow */
	r = (struct sva_page_request){ .pasid = 50,
				       .pasid_valid = true,
				       .addr = 0x1000,
				       .access = SVA_IOPF_READ,
				       .grpid = 1,
				       .last = false };
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iopf_queue_discard_partial(ie.q);
	r.last = true;
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.groups[0]->nfaults, 1); /* the partial was dropped */
	r.grpid = 2;
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	assert_int_equal(sva_iopf_dev_pending(ie.devs[0]), 2);
	/* draining a detach: every pending group of the PASID answered INVALID */
	sva_iopf_dev_abort_pasid(ie.devs[0], 50);
	assert_int_equal(ie.e.mi.nresp, 2);
	assert_int_equal(ie.e.mi.resp[0].code, SVA_PAGE_RESP_INVALID);
	assert_int_equal(sva_iopf_dev_pending(ie.devs[0]), 0);
	sva_iopf_group_response(k.groups[0], SVA_PAGE_RESP_SUCCESS); /* too late: no-op */
	assert_int_equal(ie.e.mi.nresp, 2);
	/* one more, then the device leaves the queue: answered too */
	r.grpid = 3;
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iommu_detach_device_pasid(paging, ie.devs[0], 50);
	sva_iopf_queue_remove_device(ie.q, ie.devs[0]);
	assert_int_equal(ie.e.mi.nresp, 3);
	for (unsigned i = 0; i < k.n; i++)
		sva_iopf_free_group(k.groups[i]);
	sva_iommu_domain_free(paging);
	assert_int_equal(sva_iopf_queue_add_device(ie.q, ie.devs[0]), 0); /* for iopf_done */
	iopf_done(&ie);
}

static void test_iopf_abort_drops_the_pasids_partials(void **state)
{
	struct iopf_env ie = { 0 };
	struct sva_page_request r;
	(void)state;

	iopf_init(&ie, SVA_BACKEND_SIM, 8);
	r = iopf_req(&ie, ie.rw + 3 * SVA_PAGE_SIZE, SVA_IOPF_WRITE, 9, false);
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iopf_dev_abort_pasid(ie.devs[0], ie.pasid); /* a detach drains the PASID */
	/* the same group index again: only this request is handled */
	r = iopf_req(&ie, ie.rw, SVA_IOPF_READ, 9, true);
	assert_int_equal(sva_iommu_report_device_fault(ie.devs[0], &r), 0);
	sva_iopf_queue_flush_dev(ie.devs[0]);
	assert_true(iopf_mapped(&ie, ie.rw));
	assert_false(iopf_mapped(&ie, ie.rw + 3 * SVA_PAGE_SIZE)); /* the stale partial: gone */
	iopf_done(&ie);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_ids_reused_after_free),
		cmocka_unit_test(seed001_one_pasid_per_mm_kept_until_mmdrop),
		cmocka_unit_test(seed001_private_pasid_never_collides),
		cmocka_unit_test(test_pasid_bounded_by_device_and_eoverflow),
		cmocka_unit_test(seed002_same_device_twice_same_handle),
		cmocka_unit_test(seed002_two_devices_share_a_domain),
		cmocka_unit_test(test_iommu_sys_refuses_an_unknown_variant),
		cmocka_unit_test(test_detach_at_last_user_revives_a_left_bond),
		cmocka_unit_test(test_group_members_share_the_handle),
		cmocka_unit_test(test_slot_held_by_another_domain_is_ebusy),
		cmocka_unit_test(test_attach_checks_and_rollback),
		cmocka_unit_test(test_core_refuses_bad_input),
		cmocka_unit_test(test_core_reports_misuse),
		cmocka_unit_test(seed001_bind_unwinds_exactly_at_every_failure),
		cmocka_unit_test(seed004_bound_process_exits_clean),
		cmocka_unit_test(test_iopf_group_answered_once),
		cmocka_unit_test(test_iopf_invalid_answers),
		cmocka_unit_test(test_iopf_dead_mm_answers_invalid),
		cmocka_unit_test(test_iopf_no_memory_answers_failure),
		cmocka_unit_test(test_iopf_abort_and_remove_answer_pending),
		cmocka_unit_test(test_iopf_abort_drops_the_pasids_partials),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("iommu", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The software IOMMU instance: creation with its IOTLB and fault log, registration with the
 * IOMMU core behind an ops table, the blocked domain, device probe and release (the PASID
 * table, the ATC, the in-flight sections of each device), statistics.
 *
 * References: the instance outlives its devices (destroy reports devices still present through
 * the core's unregister); a device's driver state lives from probe_device to release_device,
 * and every PASID of the device must be detached by then (reported otherwise). Counters of a
 * removed device are folded into the instance's.
 *
 * PRI-capable devices share the instance's page-request queue (prq.c), made with the first of
 * them and freed with the last; each is on the queue's fault queue from probe to release.
 *
 * Lock: sw->lock (mutex) protects the device list, the retired counters and the PRQ pointer;
 * only the PRQ's creation runs under it (never its destruction, which joins its thread).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static int sva_sw_probe_device(struct sva_device *dev);
static void sva_sw_release_device(struct sva_device *dev);

static void sva_sw_config_defaults(struct sva_swiommu *sw, const struct sva_swiommu_config *cfg)
{
	struct sva_swiommu_config *c = &sw->cfg;

	if (cfg)
		*c = *cfg;
	snprintf(sw->name, sizeof(sw->name), "%s", c->name ? c->name : "swiommu");
	c->name = sw->name;
	if (!c->pasid_bits)
		c->pasid_bits = SVA_SW_DEFAULT_PASID_BITS;
	if (!c->iotlb_sets)
		c->iotlb_sets = SVA_SW_DEFAULT_SETS;
	if (!c->iotlb_ways)
		c->iotlb_ways = SVA_SW_DEFAULT_WAYS;
	if (!c->atc_entries)
		c->atc_entries = SVA_SW_DEFAULT_ATC;
	if (!c->flush_all_pages)
		c->flush_all_pages = SVA_SW_DEFAULT_FLUSH_ALL;
	if (!c->fault_log_entries)
		c->fault_log_entries = SVA_SW_DEFAULT_FAULT_LOG;
	if (!c->prq_entries)
		c->prq_entries = SVA_SW_DEFAULT_PRQ;
}

static bool sva_sw_config_valid(const struct sva_swiommu_config *c)
{
	return c->pasid_bits <= SVA_PASID_WIDTH_MAX && c->iotlb_sets <= SVA_IOTLB_MAX_SETS &&
	       c->iotlb_ways <= SVA_IOTLB_MAX_WAYS && c->atc_entries <= SVA_ATC_MAX_ENTRIES &&
	       c->fault_log_entries <= SVA_SW_MAX_FAULT_LOG && c->prq_entries <= SVA_SW_MAX_PRQ &&
	       (!c->mem || c->mem->host_ptr || (c->mem->read && c->mem->write));
}

/* The parts that need no core: IOTLB, fault log. */
static int sva_sw_init_caches(struct sva_swiommu *sw)
{
	struct sva_iotlb_config tc = { .sets = sw->cfg.iotlb_sets,
				       .ways = sw->cfg.iotlb_ways,
				       .policy = SVA_IOTLB_ROUND_ROBIN };
	int ret = sva_iotlb_create(sw->w, &tc, &sw->iotlb);

	if (ret)
		return ret;
	ret = sva_fault_log_init(&sw->log, sw->w, sw->cfg.fault_log_entries);
	if (ret)
		sva_iotlb_destroy(sw->iotlb);
	return ret;
}

static void sva_sw_init_ops(struct sva_swiommu *sw)
{
	sw->ops = (struct sva_iommu_ops){
		.probe_device = sva_sw_probe_device,
		.release_device = sva_sw_release_device,
		.domain_alloc_sva = sva_sw_domain_alloc_sva,
		.domain_alloc_paging = sva_sw_domain_alloc_paging,
		.blocked_domain = &sw->blocked,
		.page_response = sva_sw_page_response,
	};
	sw->blocked = (struct sva_domain){ .type = SVA_DOMAIN_BLOCKED, .ops = &sva_sw_blocked_ops };
}

int sva_swiommu_create(struct sva_iommu_sys *sys, const struct sva_swiommu_config *cfg,
		       struct sva_swiommu **out)
{
	struct sva_world *w = sva_iommu_sys_world(sys);
	struct sva_iommu_config icfg;
	struct sva_swiommu *sw = sva_alloc(w, &sva_obj_iommu, sizeof(*sw));
	int ret;

	if (!sw)
		return -ENOMEM;
	sw->w = w;
	sw->sys = sys;
	sw->phys = sva_mm_sys_phys(sva_iommu_sys_mm_sys(sys));
	sw->sim = sva_world_backend(w) == SVA_BACKEND_SIM;
	sva_sw_config_defaults(sw, cfg);
	ret = sva_sw_config_valid(&sw->cfg) ? sva_sw_init_caches(sw) : -EINVAL;
	if (ret) {
		sva_free(w, &sva_obj_iommu, sw);
		return ret;
	}
	sva_swiommu_name_formats(w);
	sva_mutex_init(w, &sw->lock, "swiommu");
	sva_glist_init(&sw->devices, &sw->lock);
	sva_sw_init_ops(sw);
	sw->mem = sw->cfg.mem;
	sva_sw_mem_init(sw);
	icfg = (struct sva_iommu_config){
		.name = sw->name, .ops = &sw->ops, .pasid_bits = sw->cfg.pasid_bits, .priv = sw
	};
	ret = sva_iommu_register(sys, &icfg, &sw->iommu);
	if (ret) {
		sva_swiommu_destroy(sw);
		return ret;
	}
	sw->blocked.owner = sw->iommu;
	sva_trace(w, SWIOMMU_CREATE, sw->name, sw->cfg.iotlb_sets, sw->cfg.iotlb_ways);
	*out = sw;
	return 0;
}

void sva_swiommu_destroy(struct sva_swiommu *sw)
{
	if (!sw)
		return;
	if (sw->iommu)
		sva_iommu_unregister(sw->iommu); /* reports devices still present */
	sva_fault_log_destroy(&sw->log);
	sva_iotlb_destroy(sw->iotlb);
	sva_mutex_destroy(&sw->lock);
	sva_free(sw->w, &sva_obj_iommu, sw);
}

struct sva_iommu *sva_swiommu_iommu(struct sva_swiommu *sw)
{
	return sw->iommu;
}

struct sva_swiommu *sva_swiommu_of(struct sva_device *dev)
{
	return sva_sw_device_of(dev)->sw;
}

/* ---- devices ---- */

/* The device context's parts that need no other device: PASID table, ATC, sections, PRI. */
static int sva_sw_device_init(struct sva_swiommu *sw, struct sva_sw_device *sdev)
{
	int ret = sva_pasid_table_init(&sdev->table, sw->w, sdev->dev->max_pasids);

	if (ret)
		return ret;
	ret = sva_atc_init(&sdev->atc, sw->w, sw->cfg.atc_entries);
	if (ret) {
		sva_pasid_table_destroy(&sdev->table);
		return ret;
	}
	sva_inflight_init(&sdev->inflight, sw->w, sdev->iotlb);
	sva_sw_pri_init(&sdev->pri, sw->w, sdev->dev->pri_reqs);
	return 0;
}

static void sva_sw_device_fini(struct sva_sw_device *sdev)
{
	sva_sw_pri_destroy(&sdev->pri);
	sva_inflight_destroy(&sdev->inflight);
	sva_atc_destroy(&sdev->atc);
	sva_pasid_table_destroy(&sdev->table);
}

static int sva_sw_probe_device(struct sva_device *dev)
{
	struct sva_swiommu *sw = sva_iommu_priv(dev->iommu);
	struct sva_sw_device *sdev = sva_alloc(sw->w, &sva_obj_pasid_table, sizeof(*sdev));
	int ret;

	if (!sdev)
		return -ENOMEM;
	sdev->sw = sw;
	sdev->dev = dev;
	sdev->iotlb = sw->iotlb;
	sdev->sim = sw->sim;
	sva_glist_init(&sdev->fs, &sw->lock);
	ret = sva_sw_device_init(sw, sdev);
	if (ret)
		goto free;
	dev->iommu_priv = sdev; /* the PRQ's fault queue answers through it */
	ret = dev->pri ? sva_sw_prq_add_device(sw, sdev) : 0;
	if (ret) {
		dev->iommu_priv = NULL;
		sva_sw_device_fini(sdev);
		goto free;
	}
	sva_mutex_lock(&sw->lock);
	sva_glist_add_tail(&sdev->node, &sw->devices);
	sva_mutex_unlock(&sw->lock);
	return 0;
free:
	sva_free(sw->w, &sva_obj_pasid_table, sdev);
	return ret;
}

/* Add @sdev's counters to @s. */
static void sva_sw_device_stats(struct sva_sw_device *sdev, struct sva_swiommu_stats *s)
{
	s->iotlb_hits += atomic_load_explicit(&sdev->c.iotlb_hits, memory_order_relaxed);
	s->iotlb_misses += atomic_load_explicit(&sdev->c.iotlb_misses, memory_order_relaxed);
	s->walks += atomic_load_explicit(&sdev->c.walks, memory_order_relaxed);
	s->ats_requests += atomic_load_explicit(&sdev->c.ats_requests, memory_order_relaxed);
	sva_spin_lock(&sdev->atc.lock);
	s->atc_hits += sdev->atc.hits;
	s->atc_invalidations += sdev->atc.invalidations;
	sva_spin_unlock(&sdev->atc.lock);
}

static void sva_sw_release_device(struct sva_device *dev)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);
	struct sva_swiommu *sw = sdev->sw;
	size_t in_use = sva_pasid_table_in_use(&sdev->table);

	if (in_use)
		sva_report(sw->w, SVA_REPORT_BAD_USAGE, "%s released with %zu PASID entries in use",
			   dev->name, in_use);
	sva_sw_prq_remove_device(sw, sdev); /* drained, off the fault queue */
	sva_mutex_lock(&sw->lock);
	sva_glist_del(&sdev->node, &sw->devices);
	sva_sw_device_stats(sdev, &sw->retired);
	sva_mutex_unlock(&sw->lock);
	sva_sw_device_fini(sdev);
	dev->iommu_priv = NULL;
	sva_free(sw->w, &sva_obj_pasid_table, sdev);
}

enum sva_pasid_entry_state sva_swiommu_pasid_state(struct sva_device *dev, uint32_t pasid)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	return sva_pasid_word_state(
		sva_pasid_entry_word(sva_pasid_table_entry(&sdev->table, pasid)));
}

uint64_t sva_swiommu_pasid_gen(struct sva_device *dev, uint32_t pasid)
{
	struct sva_pasid_entry *e = sva_pasid_table_entry(&sva_sw_device_of(dev)->table, pasid);

	if (sva_pasid_word_state(sva_pasid_entry_word(e)) != SVA_PASID_ENTRY_TRANSLATING)
		return 0;
	return atomic_load(&e->gen);
}

static uint64_t sva_sw_read(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void sva_sw_prq_stats(struct sva_swiommu *sw, struct sva_swiommu_stats *out)
{
	struct sva_sw_prq_counters *pc = &sw->pc;

	out->prq_requests = sva_sw_read(&pc->requests);
	out->prq_overflows = sva_sw_read(&pc->overflows);
	out->prq_auto_responses = sva_sw_read(&pc->auto_responses);
	out->prq_refused = sva_sw_read(&pc->refused);
	out->prq_stop_markers = sva_sw_read(&pc->stop_markers);
	out->prq_unmatched = sva_sw_read(&pc->unmatched);
	for (unsigned i = 0; i < SVA_PAGE_RESP_CODES; i++)
		out->prq_responses[i] = sva_sw_read(&pc->responses[i]);
}

void sva_swiommu_get_stats(struct sva_swiommu *sw, struct sva_swiommu_stats *out)
{
	struct sva_iotlb_counts tc;
	struct sva_sw_device *sdev;

	sva_mutex_lock(&sw->lock);
	*out = sw->retired;
	sva_glist_for_each_entry(sdev, &sw->devices, node)
		sva_sw_device_stats(sdev, out);
	sva_mutex_unlock(&sw->lock);
	sva_iotlb_counts(sw->iotlb, &tc);
	out->iotlb_evictions = tc.evictions;
	out->iotlb_invalidations = tc.invalidations;
	out->iotlb_entries = tc.valid;
	for (unsigned i = 0; i < SVA_FAULT_NR; i++)
		out->faults_reported[i] =
			atomic_load_explicit(&sw->log.reported[i], memory_order_relaxed);
	out->faults_silenced = atomic_load_explicit(&sw->log.silenced, memory_order_relaxed);
	sva_sw_prq_stats(sw, out);
}

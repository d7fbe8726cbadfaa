/* SPDX-License-Identifier: MIT */
/*
 * The fault log: what the kernel's IOMMU driver prints to dmesg on a DMA fault, kept as
 * records in a ring (the newest cap records) with a counter per reason, plus the faults that
 * were aborted silently (a blocking-silent PASID entry: the mm has exited).
 *
 * Lock: the log spinlock, a leaf, around the ring; the counters are atomics.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(fault_record);

static const char *const sva_fault_reason_names[SVA_FAULT_NR] = {
#define SVA_FAULT_NAME(name, str) [SVA_FAULT_##name] = str,
	SVA_FAULT_REASONS(SVA_FAULT_NAME)
#undef SVA_FAULT_NAME
};

const char *sva_fault_reason_name(enum sva_fault_reason reason)
{
	return (unsigned)reason < SVA_FAULT_NR ? sva_fault_reason_names[reason] : "?";
}

int sva_fault_log_init(struct sva_fault_log *log, struct sva_world *w, size_t cap)
{
	log->ring = sva_alloc(w, &sva_obj_fault_record, cap * sizeof(*log->ring));
	if (!log->ring)
		return -ENOMEM;
	log->w = w;
	log->cap = cap;
	sva_unguarded(log->logged) = 0;
	for (unsigned i = 0; i < SVA_FAULT_NR; i++)
		atomic_init(&log->reported[i], 0);
	atomic_init(&log->silenced, 0);
	sva_spin_lock_init(w, &log->lock, "fault_log");
	return 0;
}

void sva_fault_log_destroy(struct sva_fault_log *log)
{
	sva_spin_lock_destroy(&log->lock);
	sva_free(log->w, &sva_obj_fault_record, log->ring);
	log->ring = NULL;
}

void sva_fault_log_add(struct sva_fault_log *log, const struct sva_fault_record *rec)
{
	atomic_fetch_add_explicit(&log->reported[rec->reason], 1, memory_order_relaxed);
	sva_spin_lock(&log->lock);
	log->ring[sva_guarded(&log->lock, log->logged) % log->cap] = *rec;
	sva_guarded(&log->lock, log->logged)++;
	sva_spin_unlock(&log->lock);
}

void sva_sw_fault(struct sva_sw_device *sdev, uint32_t pasid, uint64_t va, unsigned access,
		  enum sva_fault_reason reason, bool silent)
{
	struct sva_swiommu *sw = sdev->sw;
	struct sva_fault_record rec = {
		.time = sva_world_now(sw->w),
		.pasid = pasid,
		.addr = va,
		.access = access,
		.reason = reason,
	};

	if (silent) {
		atomic_fetch_add_explicit(&sw->log.silenced, 1, memory_order_relaxed);
		sva_trace(sw->w, SWIOMMU_FAULT_SILENCED, sdev->dev->name, pasid, va);
		return;
	}
	snprintf(rec.device, sizeof(rec.device), "%s", sdev->dev->name);
	sva_fault_log_add(&sw->log, &rec);
	sva_trace(sw->w, SWIOMMU_FAULT, sdev->dev->name, pasid, va, reason);
	sva_log(sw->w, SVA_LOG_INFO, "%s: DMA fault on %s PASID %u addr %#llx access %#x: %s",
		sw->name, sdev->dev->name, pasid, (unsigned long long)va, access,
		sva_fault_reason_name(reason));
}

uint64_t sva_swiommu_faults_logged(struct sva_swiommu *sw)
{
	uint64_t n;

	sva_spin_lock(&sw->log.lock);
	n = sva_guarded(&sw->log.lock, sw->log.logged);
	sva_spin_unlock(&sw->log.lock);
	return n;
}

int sva_swiommu_fault_get(struct sva_swiommu *sw, size_t i, struct sva_fault_record *out)
{
	struct sva_fault_log *log = &sw->log;
	uint64_t held, first;
	int ret = -ENOENT;

	sva_spin_lock(&log->lock);
	first = sva_guarded(&log->lock, log->logged);
	held = first < log->cap ? first : log->cap;
	first -= held;
	if (i < held) {
		*out = log->ring[(first + i) % log->cap];
		ret = 0;
	}
	sva_spin_unlock(&log->lock);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * libsva IOMMU core. For now: the global PASID space (the kernel's iommu_global_pasid_ida).
 *
 * PASIDs are 20-bit IDs. 0 is IOMMU_NO_PASID (DMA without PASID, never handed out); IDs are
 * given lowest-free-first from [1, max - 1] where max is the calling device's max_pasids, as
 * the kernel's IDA does. There is no quarantine: a freed ID is at once the next candidate.
 */
#ifndef SVA_IOMMU_H
#define SVA_IOMMU_H

#include <stdint.h>

#include "sva/base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SVA_IOMMU_NO_PASID	     0u
#define SVA_IOMMU_FIRST_GLOBAL_PASID 1u
#define SVA_PASID_INVALID	     UINT32_MAX
/* PCIe PASIDs are at most 20 bits: max_pasids is at most 2^20. */
#define SVA_PASID_WIDTH_MAX	     20u
#define SVA_PASID_MAX		     (1u << SVA_PASID_WIDTH_MAX)

struct sva_pasid_space;

/* A space of IDs [1, max - 1]; @max at most SVA_PASID_MAX. 0, -EINVAL or -ENOMEM. */
int sva_pasid_space_create(struct sva_world *w, uint32_t max, struct sva_pasid_space **out);
void sva_pasid_space_destroy(struct sva_pasid_space *space);

/*
 * The lowest free ID in [1, @max - 1] (@max is the device's max_pasids, clamped to the space).
 * 0 and *@pasid set; -ENOSPC when none is free or @max <= 1; -ENOMEM.
 */
int sva_pasid_alloc(struct sva_pasid_space *space, uint32_t max, uint32_t *pasid);
/* Return @pasid. -EINVAL, and nothing changes, when it is not allocated. */
int sva_pasid_free(struct sva_pasid_space *space, uint32_t pasid);
bool sva_pasid_is_allocated(struct sva_pasid_space *space, uint32_t pasid);
/* IDs currently allocated. */
uint32_t sva_pasid_allocated(struct sva_pasid_space *space);
/* Bytes the space uses now (grows and shrinks with use). */
size_t sva_pasid_space_bytes(struct sva_pasid_space *space);

#ifdef __cplusplus
}
#endif

#endif /* SVA_IOMMU_H */

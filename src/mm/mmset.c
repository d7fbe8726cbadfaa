/* SPDX-License-Identifier: MIT */
/*
 * Sets of mms that mapped a driver's region: each member holds a count (mmgrab) from its first
 * mapping until the driver's release, so a device removal can still find every mm that maps
 * its queue, take a user of each one still alive (mmget_not_zero: an exiting mm tears its
 * mappings down itself) and zap the driver's VMAs there. The set is the driver's, under the
 * driver's lock; nothing here locks or sleeps but the zap.
 */
#include <errno.h>

#include "internal.h"

int sva_mm_set_add(struct sva_mm_set *set, struct sva_mm *mm)
{
	for (unsigned i = 0; i < set->n; i++)
		if (set->at[i] == mm)
			return 0;
	if (set->n == SVA_MM_SET_MAX)
		return -ENOSPC;
	sva_mmgrab(mm);
	set->at[set->n++] = mm;
	return 0;
}

unsigned sva_mm_set_get_live(const struct sva_mm_set *set, struct sva_mm *out[SVA_MM_SET_MAX])
{
	unsigned n = 0;

	for (unsigned i = 0; i < set->n; i++)
		if (sva_mmget_not_zero(set->at[i]))
			out[n++] = set->at[i];
	return n;
}

void sva_mm_set_zap_put(struct sva_mm *mms[], unsigned n, const struct sva_vm_ops *ops,
			void *private_data)
{
	for (unsigned i = 0; i < n; i++) {
		sva_mm_zap_vmas(mms[i], ops, private_data);
		sva_mmput(mms[i]);
	}
}

void sva_mm_set_drop(struct sva_mm_set *set)
{
	for (unsigned i = 0; i < set->n; i++)
		sva_mmdrop(set->at[i]);
	set->n = 0;
}

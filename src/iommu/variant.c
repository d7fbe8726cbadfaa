/* SPDX-License-Identifier: MIT */
/*
 * The design variants: the historical designs the IOMMU core keeps as switchable policies
 * (SVA_VARIANTS, sva/iommu.h; docs/variants.md), their names and descriptions for the tool's
 * --variant and `sva variants`. The world carries the chosen one as a number
 * (sva_world_config.variant); the switch points compare sva_world_variant() with it.
 *
 * No state: a constant table.
 */
#include <errno.h>
#include <string.h>

#include "sva/iommu.h"

static const struct sva_variant_info sva_variants[SVA_VARIANT_NR] = {
#define SVA_VARIANT_INFO(id, n, s, i, d) [SVA_VARIANT_##id] = { n, s, i, d },
	SVA_VARIANTS(SVA_VARIANT_INFO)
#undef SVA_VARIANT_INFO
};

const struct sva_variant_info *sva_variant_info(enum sva_variant v)
{
	return (unsigned)v < SVA_VARIANT_NR ? &sva_variants[v] : NULL;
}

int sva_variant_find(const char *name, enum sva_variant *out)
{
	for (unsigned v = 0; v < SVA_VARIANT_NR; v++) {
		if (name && strcmp(name, sva_variants[v].name) == 0) {
			*out = (enum sva_variant)v;
			return 0;
		}
	}
	return -ENOENT;
}

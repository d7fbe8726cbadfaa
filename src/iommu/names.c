/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core's names for the trace's values (sva_trace_format, sva/base.h): a page
 * response's code (SUCCESS, INVALID, FAILURE) and an owner's generation (an allocation of the
 * PASID value, "3", or an embedder's table installation, "embedder#2"), registered with the world
 * by sva_iommu_sys_create(); sva_page_response_name() gives the same names to other printers.
 *
 * No state: a constant table.
 */
#include <stdio.h>

#include "sva/iommu.h"

static const struct sva_trace_name sva_iommu_page_resp[] = {
	SVA_TRACE_NAME(SVA_PAGE_RESP_, SUCCESS),
	SVA_TRACE_NAME(SVA_PAGE_RESP_, INVALID),
	SVA_TRACE_NAME(SVA_PAGE_RESP_, FAILURE),
};

const char *sva_page_response_name(enum sva_page_response_code code, char *buf, size_t len)
{
	return sva_trace_format_code(SVA_TRACE_NAMES(sva_iommu_page_resp), code, buf, len);
}

static const char *sva_iommu_page_resp_text(uint64_t v, char *buf, size_t len)
{
	return sva_trace_format_code(SVA_TRACE_NAMES(sva_iommu_page_resp), v, buf, len);
}

static const char *sva_iommu_owner_gen_text(uint64_t v, char *buf, size_t len)
{
	if (v & SVA_PASID_GEN_EMBEDDER)
		snprintf(buf, len, "embedder#%llu",
			 (unsigned long long)(v & ~SVA_PASID_GEN_EMBEDDER));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

void sva_iommu_name_formats(struct sva_world *w)
{
	sva_trace_format_register(w, SVA_EV_FMT_page_resp, sva_iommu_page_resp_text);
	sva_trace_format_register(w, SVA_EV_FMT_owner_gen, sva_iommu_owner_gen_text);
}

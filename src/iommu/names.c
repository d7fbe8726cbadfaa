/* SPDX-License-Identifier: MIT */
/*
 * The IOMMU core's names for the trace's values (sva_trace_format, sva/base.h): a page
 * response's code (SUCCESS, INVALID, FAILURE), registered with the world by
 * sva_iommu_sys_create(); sva_page_response_name() gives the same names to other printers.
 *
 * No state: a constant table.
 */
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

void sva_iommu_name_formats(struct sva_world *w)
{
	sva_trace_format_register(w, SVA_EV_FMT_page_resp, sva_iommu_page_resp_text);
}

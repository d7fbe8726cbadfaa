/* SPDX-License-Identifier: MIT */
/*
 * The software IOMMU's names for the trace's values (sva_trace_format, sva/base.h): why a
 * translation failed (SVA_FAULT_REASONS: NOT_PRESENT, PASID_BLOCKED, ...) and a PASID table
 * entry's state (TRANSLATING, BLOCKING_SILENT, ...), registered with the world by
 * sva_swiommu_create(); sva_pasid_entry_state_name() gives the states' names to other printers
 * (the checker's messages).
 *
 * No state: constant tables.
 */
#include "sva/swiommu.h"

static const struct sva_trace_name sva_sw_fault_reasons[] = {
#define SVA_SW_REASON_(name, text) SVA_TRACE_NAME(SVA_FAULT_, name),
	SVA_FAULT_REASONS(SVA_SW_REASON_)
#undef SVA_SW_REASON_
};

static const struct sva_trace_name sva_sw_pasid_states[] = {
	SVA_TRACE_NAME(SVA_PASID_ENTRY_, INVALID),
	SVA_TRACE_NAME(SVA_PASID_ENTRY_, TRANSLATING),
	SVA_TRACE_NAME(SVA_PASID_ENTRY_, BLOCKING_SILENT),
	SVA_TRACE_NAME(SVA_PASID_ENTRY_, BLOCKING_REPORTING),
};

static const char *sva_sw_fault_reason_text(uint64_t v, char *buf, size_t len)
{
	return sva_trace_format_code(SVA_TRACE_NAMES(sva_sw_fault_reasons), v, buf, len);
}

static const char *sva_sw_pasid_state_text(uint64_t v, char *buf, size_t len)
{
	return sva_trace_format_code(SVA_TRACE_NAMES(sva_sw_pasid_states), v, buf, len);
}

const char *sva_pasid_entry_state_name(enum sva_pasid_entry_state state, char *buf, size_t len)
{
	return sva_sw_pasid_state_text(state, buf, len);
}

void sva_swiommu_name_formats(struct sva_world *w)
{
	sva_trace_format_register(w, SVA_EV_FMT_fault_reason, sva_sw_fault_reason_text);
	sva_trace_format_register(w, SVA_EV_FMT_pasid_state, sva_sw_pasid_state_text);
}

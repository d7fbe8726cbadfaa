/* SPDX-License-Identifier: MIT */
/*
 * The mm's names for the trace's values (sva_trace_format, sva/base.h): a CPU fault's flags
 * (SVA_FAULT_FLAG_*, "WRITE|USER") and a mapping's protection (SVA_PROT_*, "READ|WRITE",
 * "NONE"), registered with the world by sva_mm_sys_create().
 *
 * No state: constant tables.
 */
#include "sva/mm.h"

static const struct sva_trace_name sva_mm_fault_flags[] = {
	SVA_TRACE_NAME(SVA_FAULT_FLAG_, WRITE),
	SVA_TRACE_NAME(SVA_FAULT_FLAG_, INSTRUCTION),
	SVA_TRACE_NAME(SVA_FAULT_FLAG_, USER),
	SVA_TRACE_NAME(SVA_FAULT_FLAG_, REMOTE),
};

static const struct sva_trace_name sva_mm_prot[] = {
	SVA_TRACE_NAME(SVA_PROT_, READ),
	SVA_TRACE_NAME(SVA_PROT_, WRITE),
	SVA_TRACE_NAME(SVA_PROT_, EXEC),
};

static const char *sva_mm_fault_flags_text(uint64_t v, char *buf, size_t len)
{
	return sva_trace_format_bits(SVA_TRACE_NAMES(sva_mm_fault_flags), v, "0", buf, len);
}

static const char *sva_mm_prot_text(uint64_t v, char *buf, size_t len)
{
	return sva_trace_format_bits(SVA_TRACE_NAMES(sva_mm_prot), v, "NONE", buf, len);
}

void sva_mm_name_formats(struct sva_world *w)
{
	sva_trace_format_register(w, SVA_EV_FMT_fault_flags, sva_mm_fault_flags_text);
	sva_trace_format_register(w, SVA_EV_FMT_prot, sva_mm_prot_text);
}

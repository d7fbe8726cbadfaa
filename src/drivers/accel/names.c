/* SPDX-License-Identifier: MIT */
/*
 * The accelerator's names for the trace's values (sva_trace_format, sva/base.h): DSA opcodes
 * and completion statuses, from <linux/idxd.h> so they cannot drift (printed without their
 * DSA_OPCODE_ / DSA_COMP_ prefix; a status with its write bit reads PAGE_FAULT_NOBOF|WRITE),
 * and the driver's own ABORTED; registered with the world by sva_accel_create().
 *
 * No state: constant tables.
 */
#include <stdio.h>

#include <linux/idxd.h>

#include "sva/accel.h"

static const struct sva_trace_name sva_accel_dsa_ops[] = {
	SVA_TRACE_NAME(DSA_OPCODE_, NOOP),	SVA_TRACE_NAME(DSA_OPCODE_, BATCH),
	SVA_TRACE_NAME(DSA_OPCODE_, DRAIN),	SVA_TRACE_NAME(DSA_OPCODE_, MEMMOVE),
	SVA_TRACE_NAME(DSA_OPCODE_, MEMFILL),	SVA_TRACE_NAME(DSA_OPCODE_, COMPARE),
	SVA_TRACE_NAME(DSA_OPCODE_, COMPVAL),	SVA_TRACE_NAME(DSA_OPCODE_, CR_DELTA),
	SVA_TRACE_NAME(DSA_OPCODE_, AP_DELTA),	SVA_TRACE_NAME(DSA_OPCODE_, DUALCAST),
	SVA_TRACE_NAME(DSA_OPCODE_, CRCGEN),	SVA_TRACE_NAME(DSA_OPCODE_, COPY_CRC),
	SVA_TRACE_NAME(DSA_OPCODE_, DIF_CHECK), SVA_TRACE_NAME(DSA_OPCODE_, DIF_INS),
	SVA_TRACE_NAME(DSA_OPCODE_, DIF_STRP),	SVA_TRACE_NAME(DSA_OPCODE_, DIF_UPDT),
	SVA_TRACE_NAME(DSA_OPCODE_, CFLUSH),
};

static const struct sva_trace_name sva_accel_dsa_status[] = {
	SVA_TRACE_NAME(DSA_COMP_, NONE),
	SVA_TRACE_NAME(DSA_COMP_, SUCCESS),
	SVA_TRACE_NAME(DSA_COMP_, SUCCESS_PRED),
	SVA_TRACE_NAME(DSA_COMP_, PAGE_FAULT_NOBOF),
	SVA_TRACE_NAME(DSA_COMP_, PAGE_FAULT_IR),
	SVA_TRACE_NAME(DSA_COMP_, BATCH_FAIL),
	SVA_TRACE_NAME(DSA_COMP_, BATCH_PAGE_FAULT),
	SVA_TRACE_NAME(DSA_COMP_, DR_OFFSET_NOINC),
	SVA_TRACE_NAME(DSA_COMP_, DR_OFFSET_ERANGE),
	SVA_TRACE_NAME(DSA_COMP_, DIF_ERR),
	SVA_TRACE_NAME(DSA_COMP_, BAD_OPCODE),
	SVA_TRACE_NAME(DSA_COMP_, INVALID_FLAGS),
	SVA_TRACE_NAME(DSA_COMP_, NOZERO_RESERVE),
	SVA_TRACE_NAME(DSA_COMP_, XFER_ERANGE),
	SVA_TRACE_NAME(DSA_COMP_, DESC_CNT_ERANGE),
	SVA_TRACE_NAME(DSA_COMP_, DR_ERANGE),
	SVA_TRACE_NAME(DSA_COMP_, OVERLAP_BUFFERS),
	SVA_TRACE_NAME(DSA_COMP_, DCAST_ERR),
	SVA_TRACE_NAME(DSA_COMP_, DESCLIST_ALIGN),
	SVA_TRACE_NAME(DSA_COMP_, INT_HANDLE_INVAL),
	SVA_TRACE_NAME(DSA_COMP_, CRA_XLAT),
	SVA_TRACE_NAME(DSA_COMP_, CRA_ALIGN),
	SVA_TRACE_NAME(DSA_COMP_, ADDR_ALIGN),
	SVA_TRACE_NAME(DSA_COMP_, PRIV_BAD),
	SVA_TRACE_NAME(DSA_COMP_, TRAFFIC_CLASS_CONF),
	SVA_TRACE_NAME(DSA_COMP_, PFAULT_RDBA),
	SVA_TRACE_NAME(DSA_COMP_, HW_ERR1),
	SVA_TRACE_NAME(DSA_COMP_, HW_ERR_DRB),
	SVA_TRACE_NAME(DSA_COMP_, TRANSLATION_FAIL),
	{ SVA_DSA_COMP_ABORTED, "ABORTED" }, /* the driver's, not the device's (sva/accel.h) */
};

static const char *sva_accel_dsa_op_text(uint64_t v, char *buf, size_t len)
{
	return sva_trace_format_code(SVA_TRACE_NAMES(sva_accel_dsa_ops), v, buf, len);
}

/* A DSA status code: its name, and |WRITE when the status byte's write bit is set. */
static const char *sva_accel_dsa_status_text(uint64_t v, char *buf, size_t len)
{
	char code[40];

	if (v == SVA_DSA_COMP_ABORTED || !(v & DSA_COMP_STATUS_WRITE))
		return sva_trace_format_code(SVA_TRACE_NAMES(sva_accel_dsa_status), v, buf, len);
	sva_trace_format_code(SVA_TRACE_NAMES(sva_accel_dsa_status), v & DSA_COMP_STATUS_MASK, code,
			      sizeof(code));
	snprintf(buf, len, "%s|WRITE", code);
	return buf;
}

void sva_accel_name_formats(struct sva_world *w)
{
	sva_trace_format_register(w, SVA_EV_FMT_dsa_op, sva_accel_dsa_op_text);
	sva_trace_format_register(w, SVA_EV_FMT_dsa_status, sva_accel_dsa_status_text);
}

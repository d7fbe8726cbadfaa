/* SPDX-License-Identifier: MIT */
/*
 * The text of an event's values: the one formatter every printer of events goes through (the
 * text timeline, the Chrome/Perfetto args, the SVG's tooltips, the tool's summaries), so an
 * address reads 0x7f0000001000 and a code reads by its name everywhere. Each field declares
 * its format once, in sva/events.h (SVA_EV_FORMATS); this file knows what each means.
 *
 * The names are the layers' and the kernel's constants, taken from their headers so they
 * cannot drift: DSA opcodes and completion codes from <linux/idxd.h> (printed without their
 * DSA_OPCODE_ / DSA_COMP_ prefix), page responses, fault reasons, PASID entry states, fault
 * flags and protections from sva/iommu.h, sva/swiommu.h and sva/mm.h. Base calls nothing of
 * those layers: it reads their enums only. A value without a name prints in hex, so nothing is
 * ever hidden. No state, no allocation: callers pass the buffer.
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <linux/idxd.h>

#include "sva/accel.h"
#include "sva/base.h"
#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"

struct sva_fmt_name {
	uint64_t v;
	const char *name;
};

#define SVA_FMT_N(prefix, name)     \
	{                           \
		prefix##name, #name \
	}
#define SVA_FMT_NAMES(t) (t), sizeof(t) / sizeof((t)[0])

static const struct sva_fmt_name sva_fmt_dsa_ops[] = {
	SVA_FMT_N(DSA_OPCODE_, NOOP),	   SVA_FMT_N(DSA_OPCODE_, BATCH),
	SVA_FMT_N(DSA_OPCODE_, DRAIN),	   SVA_FMT_N(DSA_OPCODE_, MEMMOVE),
	SVA_FMT_N(DSA_OPCODE_, MEMFILL),   SVA_FMT_N(DSA_OPCODE_, COMPARE),
	SVA_FMT_N(DSA_OPCODE_, COMPVAL),   SVA_FMT_N(DSA_OPCODE_, CR_DELTA),
	SVA_FMT_N(DSA_OPCODE_, AP_DELTA),  SVA_FMT_N(DSA_OPCODE_, DUALCAST),
	SVA_FMT_N(DSA_OPCODE_, CRCGEN),	   SVA_FMT_N(DSA_OPCODE_, COPY_CRC),
	SVA_FMT_N(DSA_OPCODE_, DIF_CHECK), SVA_FMT_N(DSA_OPCODE_, DIF_INS),
	SVA_FMT_N(DSA_OPCODE_, DIF_STRP),  SVA_FMT_N(DSA_OPCODE_, DIF_UPDT),
	SVA_FMT_N(DSA_OPCODE_, CFLUSH),
};

static const struct sva_fmt_name sva_fmt_dsa_status[] = {
	SVA_FMT_N(DSA_COMP_, NONE),
	SVA_FMT_N(DSA_COMP_, SUCCESS),
	SVA_FMT_N(DSA_COMP_, SUCCESS_PRED),
	SVA_FMT_N(DSA_COMP_, PAGE_FAULT_NOBOF),
	SVA_FMT_N(DSA_COMP_, PAGE_FAULT_IR),
	SVA_FMT_N(DSA_COMP_, BATCH_FAIL),
	SVA_FMT_N(DSA_COMP_, BATCH_PAGE_FAULT),
	SVA_FMT_N(DSA_COMP_, DR_OFFSET_NOINC),
	SVA_FMT_N(DSA_COMP_, DR_OFFSET_ERANGE),
	SVA_FMT_N(DSA_COMP_, DIF_ERR),
	SVA_FMT_N(DSA_COMP_, BAD_OPCODE),
	SVA_FMT_N(DSA_COMP_, INVALID_FLAGS),
	SVA_FMT_N(DSA_COMP_, NOZERO_RESERVE),
	SVA_FMT_N(DSA_COMP_, XFER_ERANGE),
	SVA_FMT_N(DSA_COMP_, DESC_CNT_ERANGE),
	SVA_FMT_N(DSA_COMP_, DR_ERANGE),
	SVA_FMT_N(DSA_COMP_, OVERLAP_BUFFERS),
	SVA_FMT_N(DSA_COMP_, DCAST_ERR),
	SVA_FMT_N(DSA_COMP_, DESCLIST_ALIGN),
	SVA_FMT_N(DSA_COMP_, INT_HANDLE_INVAL),
	SVA_FMT_N(DSA_COMP_, CRA_XLAT),
	SVA_FMT_N(DSA_COMP_, CRA_ALIGN),
	SVA_FMT_N(DSA_COMP_, ADDR_ALIGN),
	SVA_FMT_N(DSA_COMP_, PRIV_BAD),
	SVA_FMT_N(DSA_COMP_, TRAFFIC_CLASS_CONF),
	SVA_FMT_N(DSA_COMP_, PFAULT_RDBA),
	SVA_FMT_N(DSA_COMP_, HW_ERR1),
	SVA_FMT_N(DSA_COMP_, HW_ERR_DRB),
	SVA_FMT_N(DSA_COMP_, TRANSLATION_FAIL),
	{ SVA_DSA_COMP_ABORTED, "ABORTED" }, /* the driver's, not the device's (sva/accel.h) */
};

static const struct sva_fmt_name sva_fmt_page_resp[] = {
	SVA_FMT_N(SVA_PAGE_RESP_, SUCCESS),
	SVA_FMT_N(SVA_PAGE_RESP_, INVALID),
	SVA_FMT_N(SVA_PAGE_RESP_, FAILURE),
};

static const struct sva_fmt_name sva_fmt_fault_reasons[] = {
#define SVA_FMT_REASON_(name, text) SVA_FMT_N(SVA_FAULT_, name),
	SVA_FAULT_REASONS(SVA_FMT_REASON_)
#undef SVA_FMT_REASON_
};

static const struct sva_fmt_name sva_fmt_pasid_states[] = {
	SVA_FMT_N(SVA_PASID_ENTRY_, INVALID),
	SVA_FMT_N(SVA_PASID_ENTRY_, TRANSLATING),
	SVA_FMT_N(SVA_PASID_ENTRY_, BLOCKING_SILENT),
	SVA_FMT_N(SVA_PASID_ENTRY_, BLOCKING_REPORTING),
};

/* Bit sets: the names of the bits set, joined by '|'. */
static const struct sva_fmt_name sva_fmt_fault_flags[] = {
	SVA_FMT_N(SVA_FAULT_FLAG_, WRITE),
	SVA_FMT_N(SVA_FAULT_FLAG_, INSTRUCTION),
	SVA_FMT_N(SVA_FAULT_FLAG_, USER),
	SVA_FMT_N(SVA_FAULT_FLAG_, REMOTE),
};

static const struct sva_fmt_name sva_fmt_prot[] = {
	SVA_FMT_N(SVA_PROT_, READ),
	SVA_FMT_N(SVA_PROT_, WRITE),
	SVA_FMT_N(SVA_PROT_, EXEC),
};

static const char *const sva_fmt_format_names[] = {
#define SVA_FMT_FORMAT_NAME_(fmt, storage, what) #fmt,
	SVA_EV_FORMATS(SVA_FMT_FORMAT_NAME_)
#undef SVA_FMT_FORMAT_NAME_
};

static const char *sva_fmt_hex(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "0x%" PRIx64, v);
	return buf;
}

/* The name of @v in @t, or @v in hex. */
static const char *sva_fmt_code(const struct sva_fmt_name *t, size_t n, uint64_t v, char *buf,
				size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].v == v) {
			snprintf(buf, len, "%s", t[i].name);
			return buf;
		}
	return sva_fmt_hex(v, buf, len);
}

/* Append @s to @buf (of @len, @used taken), '|' first unless it is the first; truncates. */
static size_t sva_fmt_append(char *buf, size_t len, size_t used, const char *s)
{
	int n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", s);

	return n < 0 || (size_t)n >= len - used ? len - 1 : used + (size_t)n;
}

/* "WRITE|USER": the bits of @v named in @t, then any other bits in hex; @none when 0. */
static const char *sva_fmt_bits(const struct sva_fmt_name *t, size_t n, uint64_t v,
				const char *none, char *buf, size_t len)
{
	size_t used = 0;
	char rest[24];

	snprintf(buf, len, "%s", v ? "" : none);
	for (size_t i = 0; i < n; i++) {
		if (!(v & t[i].v))
			continue;
		v &= ~t[i].v;
		used = sva_fmt_append(buf, len, used, t[i].name);
	}
	if (v)
		sva_fmt_append(buf, len, used, sva_fmt_hex(v, rest, sizeof(rest)));
	return buf;
}

/* A DSA status code: its name, and |WRITE when the status byte's write bit is set. */
static const char *sva_fmt_dsa_status_text(uint64_t v, char *buf, size_t len)
{
	char code[40];

	if (v == SVA_DSA_COMP_ABORTED || !(v & DSA_COMP_STATUS_WRITE))
		return sva_fmt_code(SVA_FMT_NAMES(sva_fmt_dsa_status), v, buf, len);
	sva_fmt_code(SVA_FMT_NAMES(sva_fmt_dsa_status), v & DSA_COMP_STATUS_MASK, code,
		     sizeof(code));
	snprintf(buf, len, "%s|WRITE", code);
	return buf;
}

/* 0, "-EFAULT" (sva_strerror's name, without its text), or the decimal of a non-errno. */
static const char *sva_fmt_err(uint64_t v, char *buf, size_t len)
{
	int64_t e = (int64_t)v;
	const char *text = e < 0 && e > -4096 ? sva_strerror((int)e) : NULL;
	const char *colon = text && text[0] == '-' ? strchr(text, ':') : NULL;

	if (colon)
		snprintf(buf, len, "%.*s", (int)(colon - text), text);
	else
		snprintf(buf, len, "%" PRId64, e);
	return buf;
}

static const char *sva_fmt_signo(uint64_t v, char *buf, size_t len)
{
	const char *abbrev = v < 128 ? sigabbrev_np((int)v) : NULL;

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

const char *sva_trace_format(enum sva_ev_format format, uint64_t v, char *buf, size_t len)
{
	if (!len)
		return buf;
	switch (format) {
	case SVA_EV_FMT_hex:
		return sva_fmt_hex(v, buf, len);
	case SVA_EV_FMT_err:
		return sva_fmt_err(v, buf, len);
	case SVA_EV_FMT_dsa_op:
		return sva_fmt_code(SVA_FMT_NAMES(sva_fmt_dsa_ops), v, buf, len);
	case SVA_EV_FMT_dsa_status:
		return sva_fmt_dsa_status_text(v, buf, len);
	case SVA_EV_FMT_page_resp:
		return sva_fmt_code(SVA_FMT_NAMES(sva_fmt_page_resp), v, buf, len);
	case SVA_EV_FMT_fault_reason:
		return sva_fmt_code(SVA_FMT_NAMES(sva_fmt_fault_reasons), v, buf, len);
	case SVA_EV_FMT_pasid_state:
		return sva_fmt_code(SVA_FMT_NAMES(sva_fmt_pasid_states), v, buf, len);
	case SVA_EV_FMT_fault_flags:
		return sva_fmt_bits(SVA_FMT_NAMES(sva_fmt_fault_flags), v, "0", buf, len);
	case SVA_EV_FMT_prot:
		return sva_fmt_bits(SVA_FMT_NAMES(sva_fmt_prot), v, "NONE", buf, len);
	case SVA_EV_FMT_signo:
		return sva_fmt_signo(v, buf, len);
	case SVA_EV_FMT_desc:
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64, v >> SVA_EV_DESC_SEQ_BITS,
			 v & ((UINT64_C(1) << SVA_EV_DESC_SEQ_BITS) - 1));
		return buf;
	default: /* num, and a str format asked for a number */
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
}

const char *sva_trace_field_text(const struct sva_trace_event *ev, unsigned f, char *buf,
				 size_t len)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);

	if (f >= d->nfields)
		return "?";
	if (d->fields[f].str)
		return ev->v[f].str ? ev->v[f].str : "?";
	return sva_trace_format(d->fields[f].format, ev->v[f].num, buf, len);
}

const char *sva_trace_format_name(enum sva_ev_format format)
{
	return (unsigned)format < SVA_EV_FMT_NR ? sva_fmt_format_names[format] : "?";
}

bool sva_trace_format_is_decimal(enum sva_ev_format format)
{
	return format == SVA_EV_FMT_num;
}

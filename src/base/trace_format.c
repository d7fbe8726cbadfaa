/* SPDX-License-Identifier: MIT */
/*
 * The text of an event's values: the one formatter every printer of events goes through (the
 * text timeline, the Chrome/Perfetto args, the SVG's tooltips, the tool's summaries), so an
 * address reads 0x7f0000001000 and a code reads by its name everywhere. Each field declares
 * its format once, in sva/events.h (SVA_EV_FORMATS); this file knows what base's own formats
 * mean (str, num, hex, err, signo, desc).
 *
 * The names of the other formats' values - page responses, fault reasons, PASID entry states,
 * fault flags, protections, DSA opcodes and completion codes - are the layers' constants, so
 * the layers name them: each registers a namer for the formats it owns with the world when its
 * subsystem is created (sva_trace_format_register, in w->formats), built on the table helpers
 * here (sva_trace_format_code, _bits). Base includes nothing of those layers. A value without a
 * name - or of a format no layer of the world named - prints in hex, so nothing is ever hidden.
 * No allocation: callers pass the buffer.
 *
 * Locking: a namer is an atomic pointer of the world, set at setup and read by any printer.
 */
#define _GNU_SOURCE /* sigabbrev_np */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sva/base.h"
#include "world.h"

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

const char *sva_trace_format_code(const struct sva_trace_name *t, size_t n, uint64_t v, char *buf,
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

const char *sva_trace_format_bits(const struct sva_trace_name *t, size_t n, uint64_t v,
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

/* Base's own formats: a layer cannot name their values. */
static bool sva_fmt_is_base(enum sva_ev_format format)
{
	switch (format) {
	case SVA_EV_FMT_str:
	case SVA_EV_FMT_num:
	case SVA_EV_FMT_hex:
	case SVA_EV_FMT_err:
	case SVA_EV_FMT_signo:
	case SVA_EV_FMT_desc:
		return true;
	default:
		return false;
	}
}

int sva_trace_format_register(struct sva_world *w, enum sva_ev_format format,
			      sva_trace_format_fn fn)
{
	if ((unsigned)format >= SVA_EV_FMT_NR || sva_fmt_is_base(format) || !fn)
		return -EINVAL;
	atomic_store(&w->formats[format], fn);
	return 0;
}

const char *sva_trace_format(struct sva_world *w, enum sva_ev_format format, uint64_t v, char *buf,
			     size_t len)
{
	sva_trace_format_fn fn;

	if (!len)
		return buf;
	switch (format) {
	case SVA_EV_FMT_hex:
		return sva_fmt_hex(v, buf, len);
	case SVA_EV_FMT_err:
		return sva_fmt_err(v, buf, len);
	case SVA_EV_FMT_signo:
		return sva_fmt_signo(v, buf, len);
	case SVA_EV_FMT_desc:
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64, v >> SVA_EV_DESC_SEQ_BITS,
			 v & ((UINT64_C(1) << SVA_EV_DESC_SEQ_BITS) - 1));
		return buf;
	default:
		if (!sva_fmt_is_base(format) && (unsigned)format < SVA_EV_FMT_NR) {
			/* a layer's: its namer, or hex */
			fn = w ? atomic_load(&w->formats[format]) : NULL;
			return fn ? fn(v, buf, len) : sva_fmt_hex(v, buf, len);
		}
		/* num, and a str format asked for a number */
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
}

const char *sva_trace_field_text(struct sva_world *w, const struct sva_trace_event *ev, unsigned f,
				 char *buf, size_t len)
{
	const struct sva_event_desc *d = sva_event_desc(ev->kind);

	if (f >= d->nfields)
		return "?";
	if (d->fields[f].str)
		return ev->v[f].str ? ev->v[f].str : "?";
	return sva_trace_format(w, d->fields[f].format, ev->v[f].num, buf, len);
}

const char *sva_trace_format_name(enum sva_ev_format format)
{
	return (unsigned)format < SVA_EV_FMT_NR ? sva_fmt_format_names[format] : "?";
}

bool sva_trace_format_is_decimal(enum sva_ev_format format)
{
	return format == SVA_EV_FMT_num;
}

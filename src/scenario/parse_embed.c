/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's embedder (docs/scenario-language.md, "The embedder"): the declarations
 * of a device model's devices behind the swiommu (embedder NAME rid=N ...) and of its guest's
 * first-stage tables (table NAME), and the checks of the embedder's calls that the signatures
 * in calls.c cannot say - which names they take, PASIDs within the device's width, page-aligned
 * guest mappings, ATS and PRI calls on devices that have them. Each refusal has its location.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sva/mem.h"
#include "parse.h"

#define SVA_SCN_MAX_EMBEDDERS	 16
#define SVA_SCN_MAX_TABLES	 16
#define SVA_SCN_MAX_EMBED_NAME	 31 /* the swiommu's fault records keep 32 bytes of a name */
#define SVA_SCN_EMBED_PASID_BITS 8  /* an embedder device's default PASID width */
#define SVA_SCN_MAX_GUEST_LEN	 (1ull << 20) /* one CPU or DMA call's bytes */

int sva_scn_embedder_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->nembedders; i++)
		if (sva_scn_same(s->embedders[i].name, t))
			return (int)i;
	return -1;
}

int sva_scn_table_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (sva_scn_same(s->tables[i].name, t))
			return (int)i;
	return -1;
}

/* A name for an embedder or a table: an identifier, short enough, not declared yet. */
static int sva_scn_embed_new_name(struct sva_scn_parser *p, const char *what)
{
	const struct sva_scenario *s = p->s;
	const struct sva_scn_loc *first = NULL;
	int i;

	if (p->tok.kind != SVA_SCN_TK_IDENT) {
		char want[32];

		snprintf(want, sizeof(want), "a %s name", what);
		return sva_scn_expected(p, want);
	}
	if (p->tok.len > SVA_SCN_MAX_EMBED_NAME)
		return sva_scn_fail(p, p->tok.loc, "%s name too long (at most %d characters)", what,
				    SVA_SCN_MAX_EMBED_NAME);
	/* the trace and the checker name devices by name: one name, one device */
	if ((i = sva_scn_embedder_find(s, &p->tok)) >= 0)
		first = &s->embedders[i].loc;
	else if ((i = sva_scn_device_find(s, &p->tok)) >= 0)
		first = &s->devices[i].loc;
	else if ((i = sva_scn_table_find(s, &p->tok)) >= 0)
		first = &s->tables[i].loc;
	if (first)
		return sva_scn_fail(p, p->tok.loc, "duplicate name %.*s (first declared at %u:%u)",
				    sva_scn_show_len(&p->tok), p->tok.start, first->line,
				    first->col);
	return 0;
}

/* embedder NAME rid=N [pasid_bits=N] [ats] [pri] */
int sva_scn_parse_embedder(struct sva_scn_parser *p)
{
	static const char *const opts[] = { "rid", "pasid_bits", "ats", "pri", NULL };
	struct sva_scenario *s = p->s;
	struct sva_scn_embedder *e;
	struct sva_scn_loc rid_at = { 0 };
	unsigned seen = 0;
	uint64_t v = 0;
	int o, ret = sva_scn_next(p);

	ret = ret ? ret : sva_scn_embed_new_name(p, "embedder");
	if (ret)
		return ret;
	if (s->nembedders >= SVA_SCN_MAX_EMBEDDERS)
		return sva_scn_fail(p, p->tok.loc, "too many embedder devices (at most %d)",
				    SVA_SCN_MAX_EMBEDDERS);
	e = sva_scn_append(s->embedders, s->nembedders);
	if (!e)
		return sva_scn_nomem(p);
	e->loc = p->tok.loc;
	e->name = sva_scn_strdup(p, p->tok.start, p->tok.len);
	if (!e->name)
		return sva_scn_nomem(p);
	e->pasid_bits = SVA_SCN_EMBED_PASID_BITS;
	ret = sva_scn_next(p);
	while (!ret && !sva_scn_at_eol(&p->tok)) {
		struct sva_scn_loc loc = p->tok.loc;

		o = sva_scn_option(
			p, opts, &seen,
			"an embedder option (rid=N, pasid_bits=N, ats, pri) or end of line");
		if (o < 0)
			return o;
		if (o == 0) {
			rid_at = loc;
			ret = sva_scn_option_num(p, "rid", 0, UINT16_MAX, &v);
			e->rid = (unsigned)v;
		} else if (o == 1) {
			ret = sva_scn_option_num(p, "pasid_bits", 1, SVA_SCN_MAX_PASID_BITS, &v);
			e->pasid_bits = (unsigned)v;
		} else if (o == 2) {
			e->ats = true;
		} else {
			e->pri = true;
		}
	}
	if (ret)
		return ret;
	if (!(seen & 1))
		return sva_scn_fail(p, e->loc, "embedder %s needs rid=N (its requester ID)",
				    e->name);
	for (size_t i = 0; i + 1 < s->nembedders; i++)
		if (s->embedders[i].rid == e->rid)
			return sva_scn_fail(p, rid_at, "rid=%#x is %s's (declared at %u:%u)",
					    e->rid, s->embedders[i].name, s->embedders[i].loc.line,
					    s->embedders[i].loc.col);
	return sva_scn_end_line(p);
}

/* table NAME */
int sva_scn_parse_table(struct sva_scn_parser *p)
{
	struct sva_scenario *s = p->s;
	struct sva_scn_table *t;
	int ret = sva_scn_next(p);

	ret = ret ? ret : sva_scn_embed_new_name(p, "table");
	if (ret)
		return ret;
	if (s->ntables >= SVA_SCN_MAX_TABLES)
		return sva_scn_fail(p, p->tok.loc, "too many tables (at most %d)",
				    SVA_SCN_MAX_TABLES);
	t = sva_scn_append(s->tables, s->ntables);
	if (!t)
		return sva_scn_nomem(p);
	t->loc = p->tok.loc;
	t->name = sva_scn_strdup(p, p->tok.start, p->tok.len);
	if (!t->name)
		return sva_scn_nomem(p);
	ret = sva_scn_next(p);
	return ret ? ret : sva_scn_end_line(p);
}

/* The NAME of parameter @i of an embedder call: a table ("table") or an embedder device. */
int sva_scn_embed_value_name(struct sva_scn_parser *p, const struct sva_scn_stmt *st, unsigned i,
			     struct sva_scn_arg *a, const struct sva_scn_tok *v)
{
	bool table = strcmp(st->call->params[i].key, "table") == 0;
	const char *kind = table ? "table" : "embedder device";
	char what[40];

	if (v->kind != SVA_SCN_TK_IDENT) {
		snprintf(what, sizeof(what), "a %s name", kind);
		return sva_scn_expected_tok(p, v, what);
	}
	a->index = table ? sva_scn_table_find(p->s, v) : sva_scn_embedder_find(p->s, v);
	if (a->index < 0 && !table && sva_scn_device_find(p->s, v) >= 0)
		return sva_scn_fail(p, v->loc,
				    "%s: %.*s is an accelerator, not an embedder device (declare "
				    "it: embedder NAME rid=N)",
				    st->call->name, sva_scn_show_len(v), v->start);
	if (a->index < 0)
		return sva_scn_fail(p, v->loc, "unknown %s '%.*s'", kind, sva_scn_show_len(v),
				    v->start);
	a->word = sva_scn_strdup(p, v->start, v->len);
	return a->word ? 0 : sva_scn_nomem(p);
}

/* Argument @key of @st, or NULL when its call has no such parameter or it is absent. */
static const struct sva_scn_arg *sva_scn_embed_arg(const struct sva_scn_stmt *st, const char *key)
{
	for (unsigned i = 0; i < st->call->nparams; i++)
		if (strcmp(st->call->params[i].key, key) == 0)
			return st->args[i].present ? &st->args[i] : NULL;
	return NULL;
}

/* The PASID of @st within the width of its embedder device @e (0 is IOMMU_NO_PASID). */
static int sva_scn_embed_check_pasid(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
				     const struct sva_scn_embedder *e)
{
	const struct sva_scn_arg *a = sva_scn_embed_arg(st, "pasid");
	uint64_t max = (1ull << e->pasid_bits) - 1;

	if (a && (a->num < 1 || a->num > max))
		return sva_scn_fail(p, a->loc,
				    "pasid %" PRIu64 " out of range for %s: 1..%" PRIu64
				    " (pasid_bits=%u; 0 is IOMMU_NO_PASID)",
				    a->num, e->name, max, e->pasid_bits);
	return 0;
}

/* addr and len: page-aligned for a mapping call, at most 1 MiB otherwise; never wrapping. */
static int sva_scn_embed_check_range(struct sva_scn_parser *p, const struct sva_scn_stmt *st)
{
	const struct sva_scn_arg *addr = sva_scn_embed_arg(st, "addr");
	const struct sva_scn_arg *len = sva_scn_embed_arg(st, "len");
	bool mapping =
		st->op == SVA_SCN_GMAP || st->op == SVA_SCN_GUNMAP || st->op == SVA_SCN_GPROTECT;
	bool guest = mapping || st->op == SVA_SCN_GFILL || st->op == SVA_SCN_GVERIFY;

	if (!addr || !len)
		return 0;
	if (mapping && ((addr->num | len->num) & ~SVA_PAGE_MASK))
		return sva_scn_fail(p, (addr->num & ~SVA_PAGE_MASK) ? addr->loc : len->loc,
				    "%s maps whole pages: addr and len are multiples of 4k",
				    st->call->name);
	if (!len->num || (!mapping && len->num > SVA_SCN_MAX_GUEST_LEN))
		return sva_scn_fail(p, len->loc, "len %" PRIu64 ": %s takes 1..%s", len->num,
				    st->call->name, mapping ? "the address space" : "1m bytes");
	if (addr->num + len->num < addr->num || (guest && addr->num + len->num > SVA_TASK_SIZE))
		return sva_scn_fail(p, len->loc,
				    "[%#" PRIx64 ", +%#" PRIx64 ") is outside the %s address space",
				    addr->num, len->num, guest ? "guest's user" : "64-bit");
	return 0;
}

/* byte 0..255, write 0..1. */
static int sva_scn_embed_check_nums(struct sva_scn_parser *p, const struct sva_scn_stmt *st)
{
	const struct sva_scn_arg *byte = sva_scn_embed_arg(st, "byte");
	const struct sva_scn_arg *write = sva_scn_embed_arg(st, "write");

	if (byte && byte->num > 255)
		return sva_scn_fail(p, byte->loc, "byte %" PRIu64 ": expected 0..255", byte->num);
	if (write && write->num > 1)
		return sva_scn_fail(p, write->loc, "write %" PRIu64 ": expected 0 or 1",
				    write->num);
	return 0;
}

int sva_scn_check_embed(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
			struct sva_scn_loc at)
{
	const struct sva_scn_arg *dev = sva_scn_embed_arg(st, "device");
	const struct sva_scn_embedder *e = dev ? &p->s->embedders[dev->index] : NULL;
	int ret;

	if (e && (ret = sva_scn_embed_check_pasid(p, st, e)) != 0)
		return ret;
	if ((ret = sva_scn_embed_check_range(p, st)) != 0 ||
	    (ret = sva_scn_embed_check_nums(p, st)) != 0)
		return ret;
	if (st->op == SVA_SCN_INVALIDATE &&
	    !sva_scn_embed_arg(st, "addr") != !sva_scn_embed_arg(st, "len"))
		return sva_scn_fail(p, at,
				    "invalidate takes addr and len together (neither: the whole "
				    "PASID)");
	if ((st->op == SVA_SCN_ATS || st->op == SVA_SCN_ATC) && e && !e->ats)
		return sva_scn_fail(p, dev->loc,
				    "%s: %s has no ATS (declare it: embedder %s ... ats)",
				    st->call->name, e->name, e->name);
	if (st->op == SVA_SCN_PAGE_RESPONSE && e && !e->pri)
		return sva_scn_fail(p, dev->loc,
				    "page_response: %s has no PRI, it sends no page requests "
				    "(declare it: embedder %s ... pri)",
				    e->name, e->name);
	return 0;
}

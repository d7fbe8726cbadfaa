/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's declarations: kernel, iommu, device, wq, process and program (a program's
 * body is parsed by parse_stmt.c, a top-level expect by parse_expect.c, the embedder's
 * embedder and table by parse_embed.c). Options are words,
 * "word=N" or "word=NAME", each at most once per declaration; a name is declared once.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/accel.h"
#include "sva/idxd.h"
#include "sva/swiommu.h"
#include "parse.h"

/* ---- options of declarations --------------------------------------------------------------- */

/*
 * The option at the current token among @names (NULL-terminated, at most 32): its index, the
 * token stepped over. A second use of one is an error; another token is not @what.
 */
int sva_scn_option(struct sva_scn_parser *p, const char *const *names, unsigned *seen,
		   const char *what)
{
	for (int i = 0; names[i]; i++) {
		int ret;

		if (!sva_scn_word(&p->tok, names[i]))
			continue;
		if (*seen & (1u << i))
			return sva_scn_fail(p, p->tok.loc, "duplicate option %s", names[i]);
		*seen |= 1u << i;
		ret = sva_scn_next(p);
		return ret ? ret : i;
	}
	return sva_scn_expected(p, what);
}

/* "=N" after option @name, N in [@min, @max]. */
int sva_scn_option_num(struct sva_scn_parser *p, const char *name, uint64_t min, uint64_t max,
		       uint64_t *out)
{
	char what[96];
	int ret = sva_scn_eat(p, '=');

	if (ret)
		return ret;
	if (p->tok.kind != SVA_SCN_TK_NUM || p->tok.num < min || p->tok.num > max) {
		snprintf(what, sizeof(what), "%s %" PRIu64 "..%" PRIu64, name, min, max);
		return sva_scn_expected(p, what);
	}
	*out = p->tok.num;
	return sva_scn_next(p);
}

/* ---- declarations -------------------------------------------------------------------------- */

/* kernel [frames=N] */
static int sva_scn_parse_kernel(struct sva_scn_parser *p)
{
	static const char *const opts[] = { "frames", NULL };
	unsigned seen = 0;
	uint64_t v = 0;
	int ret;

	if (p->seen_kernel)
		return sva_scn_fail(p, p->tok.loc, "duplicate kernel declaration");
	p->seen_kernel = true;
	ret = sva_scn_next(p);
	while (!ret && !sva_scn_at_eol(&p->tok)) {
		p->s->kernel.loc = p->tok.loc;
		ret = sva_scn_option(p, opts, &seen, "a kernel option (frames=N) or end of line");
		if (ret < 0)
			return ret;
		ret = sva_scn_option_num(p, "frames", 2, SVA_SCN_MAX_FRAMES, &v);
		p->s->kernel.frames = (unsigned long)v;
	}
	return ret ? ret : sva_scn_end_line(p);
}

/*
 * iommu [prq=N]: the one IOMMU instance the devices sit behind (the swiommu). prq= sizes its
 * page-request queue, so that a scenario can make it overflow under many faults.
 */
static int sva_scn_parse_iommu(struct sva_scn_parser *p)
{
	static const char *const opts[] = { "prq", NULL };
	unsigned seen = 0;
	uint64_t v = 0;
	int ret;

	if (p->seen_iommu)
		return sva_scn_fail(p, p->tok.loc, "duplicate iommu declaration");
	p->seen_iommu = true;
	ret = sva_scn_next(p);
	while (!ret && !sva_scn_at_eol(&p->tok)) {
		ret = sva_scn_option(p, opts, &seen, "an iommu option (prq=N) or end of line");
		if (ret < 0)
			return ret;
		ret = sva_scn_option_num(p, "prq", 1, SVA_SCN_MAX_PRQ, &v);
		p->s->iommu.prq = (unsigned)v;
	}
	return ret ? ret : sva_scn_end_line(p);
}

/*
 * "=idxd", "=uacce" or "=idxd_wq" after cdev: whose a queue's file is, and which char device
 * (enum sva_accel_cdev_rule).
 */
static int sva_scn_device_cdev(struct sva_scn_parser *p, struct sva_scn_device *d)
{
	int ret = sva_scn_eat(p, '=');

	if (ret)
		return ret;
	if (sva_scn_same("idxd", &p->tok))
		d->cdev = SVA_ACCEL_CDEV_IDXD;
	else if (sva_scn_same("uacce", &p->tok))
		d->cdev = SVA_ACCEL_CDEV_UACCE;
	else if (sva_scn_same("idxd_wq", &p->tok))
		d->cdev = SVA_ACCEL_CDEV_IDXD_WQ;
	else
		return sva_scn_expected(p, "idxd, uacce or idxd_wq for cdev");
	return sva_scn_next(p);
}

enum { SVA_SCN_DEV_ENGINES, SVA_SCN_DEV_MAX_XFER = 5, SVA_SCN_DEV_NOPTS = 7 };

/* A device's option; @d is the device being declared (the last one), @at where each began. */
static int sva_scn_device_option(struct sva_scn_parser *p, struct sva_scn_device *d, unsigned *seen,
				 struct sva_scn_loc *at)
{
	static const char *const opts[] = { "engines", "pasid_bits", "pri",  "ats",
					    "group",   "max_xfer",   "cdev", NULL };
	struct sva_scn_loc loc = p->tok.loc;
	int o, ret;
	uint64_t v = 0;

	o = sva_scn_option(p, opts, seen,
			   "a device option (engines=N, pasid_bits=N, pri[=N], ats, group=DEVICE, "
			   "max_xfer=N, cdev=idxd|uacce|idxd_wq) or end of line");
	if (o >= 0 && o < SVA_SCN_DEV_NOPTS)
		at[o] = loc;
	switch (o) {
	case 0:
		ret = sva_scn_option_num(p, "engines", 1, SVA_ACCEL_MAX_ENGINES, &v);
		d->engines = (unsigned)v;
		return ret;
	case 1:
		ret = sva_scn_option_num(p, "pasid_bits", 1, SVA_SCN_MAX_PASID_BITS, &v);
		d->pasid_bits = (unsigned)v;
		return ret;
	case 2: /* pri, or pri=N: PRI with an allocation of N outstanding page requests */
		d->pri = true;
		if (!sva_scn_punct(&p->tok, '='))
			return 0;
		ret = sva_scn_option_num(p, "pri", 1, SVA_PRI_OUTSTANDING, &v);
		d->pri_reqs = (unsigned)v;
		return ret;
	case 3:
		d->ats = true;
		return 0;
	case 4:
		ret = sva_scn_eat(p, '=');
		if (ret)
			return ret;
		if (p->tok.kind != SVA_SCN_TK_IDENT)
			return sva_scn_expected(p, "a device name");
		d->group = sva_scn_device_find(p->s, &p->tok);
		if (d->group < 0) {
			struct sva_scn_hint h = { 0 };

			return sva_scn_fail(p, p->tok.loc, "unknown device '%.*s'%s",
					    sva_scn_show_len(&p->tok), p->tok.start,
					    sva_scn_hint_device(&h, p->s, &p->tok));
		}
		if (d == &p->s->devices[d->group])
			return sva_scn_fail(p, p->tok.loc, "device %s cannot join its own group",
					    d->name);
		return sva_scn_next(p);
	case 5:
		ret = sva_scn_option_num(p, "max_xfer", 1, UINT32_MAX, &v);
		d->max_xfer = v;
		return ret;
	case 6:
		return sva_scn_device_cdev(p, d);
	default:
		return o;
	}
}

/* The number an idxd device's name ends in (sva_idxd_create()'s rule: "dsa0"), -1: none. */
static long sva_scn_idxd_number(const char *name)
{
	const char *digits = name + strcspn(name, "0123456789");

	if (!*digits || digits[strspn(digits, "0123456789")] || strlen(digits) > 6)
		return -1;
	return strtol(digits, NULL, 10);
}

/*
 * A device of cdev=idxd_wq is configured through the idxd driver (src/scenario/idxd.c): its name
 * is the driver's ("dsaN", N its number, unique: the char devices are /dev/dsa/wqN.Q), its
 * engines and transfers within what the driver's device has (max_engines, max_transfer_size).
 */
static int sva_scn_idxd_device_check(struct sva_scn_parser *p, const struct sva_scn_device *d,
				     unsigned seen, const struct sva_scn_loc *at)
{
	long n = sva_scn_idxd_number(d->name);

	if (n < 0 || strlen(d->name) >= SVA_IDXD_NAME_MAX)
		return sva_scn_fail(p, d->loc,
				    "cdev=idxd_wq: an idxd device is named by its number, letters "
				    "then digits (dsa0), at most %d characters: not %s",
				    SVA_IDXD_NAME_MAX - 1, d->name);
	for (size_t i = 0; i + 1 < p->s->ndevices; i++) {
		const struct sva_scn_device *o = &p->s->devices[i];

		if (o->cdev == SVA_ACCEL_CDEV_IDXD_WQ && sva_scn_idxd_number(o->name) == n)
			return sva_scn_fail(p, d->loc,
					    "cdev=idxd_wq: %s has the number %ld of %s (declared "
					    "at %u:%u): both WQs would be /dev/dsa/wq%ld.Q",
					    d->name, n, o->name, o->loc.line, o->loc.col, n);
	}
	if ((seen & (1u << SVA_SCN_DEV_ENGINES)) && d->engines > SVA_IDXD_MAX_ENGINES)
		return sva_scn_fail(p, at[SVA_SCN_DEV_ENGINES],
				    "engines=%u: an idxd device has at most %d engines "
				    "(max_engines)",
				    d->engines, SVA_IDXD_MAX_ENGINES);
	if ((seen & (1u << SVA_SCN_DEV_MAX_XFER)) && d->max_xfer > SVA_IDXD_MAX_XFER)
		return sva_scn_fail(p, at[SVA_SCN_DEV_MAX_XFER],
				    "max_xfer=%" PRIu64
				    ": an idxd WQ's max_transfer_size is at most "
				    "%u (the device's)",
				    d->max_xfer, SVA_IDXD_MAX_XFER);
	return 0;
}

/* device NAME [engines=N] [pasid_bits=N] [pri] [ats] [group=DEVICE] [max_xfer=N] [cdev=R] */
static int sva_scn_parse_device(struct sva_scn_parser *p)
{
	struct sva_scenario *s = p->s;
	struct sva_scn_device *d;
	struct sva_scn_loc at[SVA_SCN_DEV_NOPTS] = { { 0 } };
	unsigned seen = 0;
	int i, ret = sva_scn_next(p);

	if (ret)
		return ret;
	if (p->tok.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a device name");
	if (p->tok.len > SVA_SCN_MAX_DEVICE_NAME)
		return sva_scn_fail(p, p->tok.loc, "device name too long (at most %d characters)",
				    SVA_SCN_MAX_DEVICE_NAME);
	if (s->ndevices >= SVA_SCN_MAX_DEVICES)
		return sva_scn_fail(p, p->tok.loc, "too many devices (at most %d)",
				    SVA_SCN_MAX_DEVICES);
	i = sva_scn_device_find(s, &p->tok);
	if (i >= 0)
		return sva_scn_fail(p, p->tok.loc, "duplicate device %s (first declared at %u:%u)",
				    s->devices[i].name, s->devices[i].loc.line,
				    s->devices[i].loc.col);
	d = sva_scn_append(s->devices, s->ndevices);
	if (!d)
		return sva_scn_nomem(p);
	d->loc = p->tok.loc;
	d->name = sva_scn_strdup(p, p->tok.start, p->tok.len);
	if (!d->name)
		return sva_scn_nomem(p);
	d->engines = 1;
	d->pasid_bits = SVA_SCN_MAX_PASID_BITS;
	d->group = -1;
	ret = sva_scn_next(p);
	while (!ret && !sva_scn_at_eol(&p->tok))
		ret = sva_scn_device_option(p, d, &seen, at);
	if (!ret && d->cdev == SVA_ACCEL_CDEV_IDXD_WQ)
		ret = sva_scn_idxd_device_check(p, d, seen, at);
	return ret ? ret : sva_scn_end_line(p);
}

/* wq DEVICE shared|dedicated [depth=N] [bof] */
static int sva_scn_parse_wq(struct sva_scn_parser *p)
{
	static const char *const opts[] = { "shared",	"dedicated", "depth", "bof",
					    "priority", "threshold", NULL };
	struct sva_scenario *s = p->s;
	struct sva_scn_wq *q;
	unsigned seen = 0, index = 0;
	uint64_t depth = 8, priority = 0, threshold = 0;
	struct sva_scn_loc threshold_at = { 0 }, depth_at = { 0 };
	bool idxd;
	unsigned used = 0;
	int dev, o, ret = sva_scn_next(p);

	if (ret)
		return ret;
	if (p->tok.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a device name");
	dev = sva_scn_device_find(s, &p->tok);
	if (dev < 0) {
		struct sva_scn_hint h = { 0 };

		return sva_scn_fail(p, p->tok.loc, "unknown device '%.*s'%s",
				    sva_scn_show_len(&p->tok), p->tok.start,
				    sva_scn_hint_device(&h, s, &p->tok));
	}
	idxd = s->devices[dev].cdev == SVA_ACCEL_CDEV_IDXD_WQ;
	for (size_t i = 0; i < s->nwqs; i++) {
		index += s->wqs[i].device == dev;
		used += s->wqs[i].device == dev ? s->wqs[i].depth : 0;
	}
	if (index >= SVA_ACCEL_MAX_WQS)
		return sva_scn_fail(p, p->tok.loc, "too many wqs on %s (at most %d)",
				    s->devices[dev].name, SVA_ACCEL_MAX_WQS);
	q = sva_scn_append(s->wqs, s->nwqs);
	if (!q)
		return sva_scn_nomem(p);
	q->loc = p->tok.loc;
	q->device = dev;
	q->index = index;
	snprintf(q->name, sizeof(q->name), "%swq%u", s->devices[dev].name, index);
	ret = sva_scn_next(p);
	while (!ret && !sva_scn_at_eol(&p->tok)) {
		struct sva_scn_loc loc = p->tok.loc;

		o = sva_scn_option(p, opts, &seen,
				   "a wq option (shared, dedicated, depth=N, bof, priority=N, "
				   "threshold=N)");
		if (o < 0)
			return o;
		if (o <= 1 && (seen & 3) == 3)
			return sva_scn_fail(p, loc, "a wq is shared or dedicated, not both");
		if (o <= 1)
			q->mode = o == 0 ? SVA_SCN_WQ_SHARED : SVA_SCN_WQ_DEDICATED;
		else if (o == 2) {
			depth_at = loc;
			ret = sva_scn_option_num(p, "depth", 1, SVA_ACCEL_MAX_DEPTH, &depth);
		} else if (o == 3)
			q->bof = true;
		else if (o == 4) /* idxd's priority is 1..15; 0 leaves the driver's default */
			ret = sva_scn_option_num(p, "priority", idxd ? 1 : 0, 15, &priority);
		else {
			threshold_at = loc;
			ret = sva_scn_option_num(p, "threshold", 0, SVA_ACCEL_MAX_DEPTH,
						 &threshold);
		}
	}
	if (ret)
		return ret;
	if (!(seen & 3))
		return sva_scn_expected(p, "shared or dedicated");
	if (threshold > depth)
		return sva_scn_fail(p, threshold_at, "threshold %u above the wq's depth %u",
				    (unsigned)threshold, (unsigned)depth);
	if (idxd && used + depth > SVA_IDXD_MAX_WQS_SIZE)
		return sva_scn_fail(p, depth_at.line ? depth_at : q->loc,
				    "depth %u: the WQs of idxd device %s share %d entries "
				    "(max_work_queues_size), %u left",
				    (unsigned)depth, s->devices[dev].name, SVA_IDXD_MAX_WQS_SIZE,
				    SVA_IDXD_MAX_WQS_SIZE - used);
	q->depth = (unsigned)depth;
	q->priority = (unsigned)priority;
	q->threshold = (unsigned)threshold;
	return sva_scn_end_line(p);
}

/* "xN" after a process's name: its instances. */
static int sva_scn_parse_instances(struct sva_scn_parser *p, unsigned *out)
{
	const struct sva_scn_tok *t = &p->tok;
	uint64_t n = 0;
	char what[64];

	for (size_t i = 1; i < t->len; i++) {
		if (!sva_scn_is_digit(t->start[i]))
			return sva_scn_expected(p, "xN or '{'");
		if (n <= SVA_SCN_MAX_INSTANCES)
			n = n * 10 + (uint64_t)(t->start[i] - '0');
	}
	if (n < 1 || n > SVA_SCN_MAX_INSTANCES) {
		snprintf(what, sizeof(what), "instances x1..x%u", SVA_SCN_MAX_INSTANCES);
		return sva_scn_expected(p, what);
	}
	*out = (unsigned)n;
	return sva_scn_next(p);
}

/* process NAME [xN] { ... }  |  program NAME { ... } */
static int sva_scn_parse_program(struct sva_scn_parser *p, bool starts)
{
	const char *kind = starts ? "process" : "program";
	struct sva_scenario *s = p->s;
	struct sva_scn_program *prog;
	size_t index;
	char what[32];
	int i, ret = sva_scn_next(p);

	if (ret)
		return ret;
	if (p->tok.kind != SVA_SCN_TK_IDENT) {
		snprintf(what, sizeof(what), "a %s name", kind);
		return sva_scn_expected(p, what);
	}
	if (s->nprograms >= SVA_SCN_MAX_PROGRAMS)
		return sva_scn_fail(p, p->tok.loc, "too many processes and programs (at most %d)",
				    SVA_SCN_MAX_PROGRAMS);
	i = sva_scn_program_find(s, p->tok.start, p->tok.len);
	if (i >= 0)
		return sva_scn_fail(p, p->tok.loc, "duplicate %s %s (first declared at %u:%u)",
				    kind, s->programs[i].name, s->programs[i].loc.line,
				    s->programs[i].loc.col);
	index = s->nprograms;
	prog = sva_scn_append(s->programs, s->nprograms);
	if (!prog)
		return sva_scn_nomem(p);
	prog->loc = p->tok.loc;
	prog->starts = starts;
	prog->instances = 1;
	prog->name = sva_scn_strdup(p, p->tok.start, p->tok.len);
	if (!prog->name)
		return sva_scn_nomem(p);
	p->seen_process |= starts;
	ret = sva_scn_next(p);
	if (!ret && starts && p->tok.kind == SVA_SCN_TK_IDENT && p->tok.start[0] == 'x') {
		prog->instances_loc = p->tok.loc;
		ret = sva_scn_parse_instances(p, &prog->instances);
	}
	if (ret)
		return ret;
	if (!sva_scn_punct(&p->tok, '{'))
		return sva_scn_expected(p, starts ? "xN or '{'" : "'{'");
	return sva_scn_parse_block(p, &s->programs[index].body);
}

static int sva_scn_parse_process(struct sva_scn_parser *p)
{
	return sva_scn_parse_program(p, true);
}

static int sva_scn_parse_program_decl(struct sva_scn_parser *p)
{
	return sva_scn_parse_program(p, false);
}

/* ---- the declaration at the start of a line ------------------------------------------------ */

struct sva_scn_decl_parser {
	const char *word;
	int (*parse)(struct sva_scn_parser *p);
};

static const struct sva_scn_decl_parser sva_scn_decl_parsers[] = {
	{ "kernel", sva_scn_parse_kernel },   { "iommu", sva_scn_parse_iommu },
	{ "device", sva_scn_parse_device },   { "wq", sva_scn_parse_wq },
	{ "process", sva_scn_parse_process }, { "program", sva_scn_parse_program_decl },
	{ "expect", sva_scn_parse_goal },     { "embedder", sva_scn_parse_embedder },
	{ "table", sva_scn_parse_table },
};

int sva_scn_parse_decl(struct sva_scn_parser *p)
{
	for (size_t i = 0; i < sizeof(sva_scn_decl_parsers) / sizeof(sva_scn_decl_parsers[0]); i++)
		if (sva_scn_word(&p->tok, sva_scn_decl_parsers[i].word))
			return sva_scn_decl_parsers[i].parse(p);
	return sva_scn_expected(
		p, "a declaration (kernel, iommu, device, wq, embedder, table, process, program or "
		   "expect)");
}

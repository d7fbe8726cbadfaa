/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's statements: [VAR =] CALL(args) checked against the call's signature
 * in sva_scn_calls[] (calls.c), repeat N { ... }, and blocks. A variable's type is fixed by
 * its first assignment (the prescan learnt it); each use is checked where it is met.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* ---- statements ---------------------------------------------------------------------------- */

struct sva_scn_stmt *sva_scn_stmt_add(struct sva_scn_block *b, struct sva_scn_loc loc,
				      const struct sva_scn_call *c)
{
	struct sva_scn_stmt *st = sva_scn_append(b->stmts, b->n);

	if (!st)
		return NULL;
	st->loc = loc;
	st->op = c->op;
	st->call = c;
	st->result = -1;
	for (int i = 0; i < SVA_SCN_MAX_PARAMS; i++) {
		st->args[i].var = -1;
		st->args[i].index = -1;
	}
	return st;
}

/* @t names a variable of @type (NONE: a completion or a pid). */
static int sva_scn_var_use(struct sva_scn_parser *p, const struct sva_scn_tok *t,
			   enum sva_scn_type type, int *out)
{
	int v = sva_scn_var_find(p->s, t);
	enum sva_scn_type has;

	if (v < 0)
		return sva_scn_fail(p, t->loc, "unknown variable %.*s", sva_scn_show_len(t),
				    t->start);
	has = p->s->vars[v].type;
	if (type == SVA_SCN_T_NONE ? has != SVA_SCN_T_COMP && has != SVA_SCN_T_PID : has != type)
		return sva_scn_fail(p, t->loc, "%s is %s, expected %s", p->s->vars[v].name,
				    sva_scn_type_phrase(has),
				    type == SVA_SCN_T_NONE ? "a completion or a pid"
							   : sva_scn_type_phrase(type));
	*out = v;
	return 0;
}

/* "mmio or dus", "one of noop, memmove, ..." */
static void sva_scn_words_phrase(const char *const *words, const char *key, char *buf, size_t n)
{
	size_t count = 0, o = 0;

	while (words[count])
		count++;
	if (count == 1) {
		snprintf(buf, n, "%s for %s", words[0], key);
		return;
	}
	if (count == 2) {
		snprintf(buf, n, "%s or %s for %s", words[0], words[1], key);
		return;
	}
	o += (size_t)snprintf(buf, n, "one of");
	for (size_t i = 0; i < count && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s %s", i ? "," : "", words[i]);
	if (o < n)
		snprintf(buf + o, n - o, " for %s", key);
}

static int sva_scn_value_word(struct sva_scn_parser *p, const struct sva_scn_param *pa,
			      struct sva_scn_arg *a, const struct sva_scn_tok *v)
{
	char what[192];

	for (size_t i = 0; v->kind == SVA_SCN_TK_IDENT && pa->words[i]; i++) {
		if (!sva_scn_same(pa->words[i], v))
			continue;
		a->word = sva_scn_strdup(p, v->start, v->len);
		return a->word ? 0 : sva_scn_nomem(p);
	}
	sva_scn_words_phrase(pa->words, pa->key, what, sizeof(what));
	return sva_scn_expected_tok(p, v, what);
}

/* WORD(VAR): wait_free's pasid(p1); the current token is WORD, and ')' when done. */
static int sva_scn_value_of(struct sva_scn_parser *p, const struct sva_scn_param *pa,
			    struct sva_scn_arg *a)
{
	char what[192];
	int ret;

	for (size_t i = 0; p->tok.kind == SVA_SCN_TK_IDENT && pa->words[i] && !a->word; i++)
		if (sva_scn_same(pa->words[i], &p->tok))
			a->word = pa->words[i];
	if (!a->word) {
		sva_scn_words_phrase(pa->words, pa->key, what, sizeof(what));
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " (%s(%s))",
			 pa->words[0], sva_scn_type_name(pa->type));
		return sva_scn_expected(p, what);
	}
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_eat(p, '(');
	if (!ret && p->tok.kind != SVA_SCN_TK_IDENT)
		ret = sva_scn_expected(p, "a variable");
	ret = ret ? ret : sva_scn_var_use(p, &p->tok, pa->type, &a->var);
	ret = ret ? ret : sva_scn_next(p);
	if (!ret && !sva_scn_punct(&p->tok, ')'))
		ret = sva_scn_expected(p, "')'");
	return ret;
}

/*
 * A NAME: open's, wq_disable's and wq_enable's WQ, remove's, iopf_disable's, disable's and
 * enable's device, fork's and clone's program (its index fixed later). The idxd driver's calls
 * (wq_disable, wq_enable, disable, enable) need a device of that driver (cdev=idxd_wq).
 */
static int sva_scn_value_name(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
			      struct sva_scn_arg *a, const struct sva_scn_tok *v)
{
	bool idxd = st->op == SVA_SCN_WQ_DISABLE || st->op == SVA_SCN_WQ_ENABLE ||
		    st->op == SVA_SCN_DISABLE || st->op == SVA_SCN_ENABLE;
	bool wq = st->op == SVA_SCN_OPEN || st->op == SVA_SCN_WQ_DISABLE ||
		  st->op == SVA_SCN_WQ_ENABLE;
	bool device = !wq && (idxd || st->op == SVA_SCN_REMOVE || st->op == SVA_SCN_IOPF_DISABLE);
	const char *kind = wq ? "wq" : device ? "device" : "program";
	char what[32];
	int dev;

	if (v->kind != SVA_SCN_TK_IDENT) {
		snprintf(what, sizeof(what), "a %s name", kind);
		return sva_scn_expected_tok(p, v, what);
	}
	if (wq)
		a->index = sva_scn_wq_find(p->s, v);
	else if (device)
		a->index = sva_scn_device_find(p->s, v);
	else
		a->index = sva_scn_decl_find(p, v);
	if (a->index < 0) {
		struct sva_scn_hint h = { 0 };
		const char *hint = wq	    ? sva_scn_hint_wq(&h, p->s, v)
				   : device ? sva_scn_hint_device(&h, p->s, v)
					    : sva_scn_hint_decl(&h, p, v, false);

		return sva_scn_fail(p, v->loc, "unknown %s '%.*s'%s", kind, sva_scn_show_len(v),
				    v->start, hint);
	}
	if ((st->op == SVA_SCN_FORK || st->op == SVA_SCN_CLONE) && p->decls[a->index].starts)
		return sva_scn_fail(p, v->loc, "%.*s is a process, expected a program",
				    sva_scn_show_len(v), v->start);
	dev = wq ? p->s->wqs[a->index].device : a->index;
	if (idxd && p->s->devices[dev].cdev != SVA_ACCEL_CDEV_IDXD_WQ)
		return sva_scn_fail(p, v->loc,
				    "%s: %s is not an idxd device (declare it cdev=idxd_wq): only "
				    "the idxd driver disables and enables its WQs",
				    st->call->name, p->s->devices[dev].name);
	a->word = sva_scn_strdup(p, v->start, v->len);
	return a->word ? 0 : sva_scn_nomem(p);
}

/* The largest number parameter @i of @op takes. */
static uint64_t sva_scn_num_max(enum sva_scn_op op, unsigned i)
{
	if ((op == SVA_SCN_FILL || op == SVA_SCN_VERIFY) && i == 2)
		return 255; /* byte */
	if (op == SVA_SCN_TOUCH && i == 2)
		return 1; /* write */
	if (op == SVA_SCN_EXIT)
		return 255;
	return UINT64_MAX;
}

static int sva_scn_value_num(struct sva_scn_parser *p, const struct sva_scn_stmt *st, unsigned i,
			     struct sva_scn_arg *a, const struct sva_scn_tok *v)
{
	const char *key = st->call->params[i].key;
	uint64_t max = sva_scn_num_max(st->op, i);
	uint64_t min = st->op == SVA_SCN_MMAP || st->op == SVA_SCN_RECLAIM ? 1 : 0;
	char what[96];

	if (v->kind == SVA_SCN_TK_NUM && v->num >= min && v->num <= max) {
		a->num = v->num;
		return 0;
	}
	if (v->kind != SVA_SCN_TK_NUM)
		snprintf(what, sizeof(what), "a number for %s", key);
	else if (max == UINT64_MAX)
		snprintf(what, sizeof(what), "%s of at least %" PRIu64, key, min);
	else
		snprintf(what, sizeof(what), "%s %" PRIu64 "..%" PRIu64, key, min, max);
	return sva_scn_expected_tok(p, v, what);
}

/* The value @v of parameter @i of @st, an argument starting at @at (its key, if any). */
static int sva_scn_parse_value(struct sva_scn_parser *p, struct sva_scn_stmt *st, unsigned i,
			       struct sva_scn_loc at, const struct sva_scn_tok *v)
{
	const struct sva_scn_param *pa = &st->call->params[i];
	struct sva_scn_arg *a = &st->args[i];
	char what[96];

	if (a->present)
		return sva_scn_fail(p, at, "duplicate argument %s", pa->key);
	a->present = true;
	a->loc = at;
	switch (pa->kind) {
	case SVA_SCN_P_NUM:
		return sva_scn_value_num(p, st, i, a, v);
	case SVA_SCN_P_WORD:
		return sva_scn_value_word(p, pa, a, v);
	case SVA_SCN_P_NAME:
		if (sva_scn_op_is_embed(st->op))
			return sva_scn_embed_value_name(p, st, i, a, v);
		return sva_scn_value_name(p, st, a, v);
	case SVA_SCN_P_OF:
		return sva_scn_value_of(p, pa, a);
	case SVA_SCN_P_VAR_OR_NUM:
		if (v->kind == SVA_SCN_TK_NUM)
			return sva_scn_value_num(p, st, i, a, v);
		/* fall through */
	case SVA_SCN_P_VAR:
		if (v->kind == SVA_SCN_TK_IDENT)
			return sva_scn_var_use(p, v, pa->type, &a->var);
		snprintf(what, sizeof(what), "a variable%s for %s",
			 pa->kind == SVA_SCN_P_VAR ? "" : " or a number", pa->key);
		return sva_scn_expected_tok(p, v, what);
	}
	return sva_scn_expected_tok(p, v, "an argument");
}

static int sva_scn_param_find(const struct sva_scn_call *c, const struct sva_scn_tok *t)
{
	for (unsigned i = 0; i < c->nparams; i++)
		if (sva_scn_same(c->params[i].key, t))
			return (int)i;
	return -1;
}

/* Whether the token after the current one is '=' (not '=='): a look at the text. */
static bool sva_scn_next_is_eq(const struct sva_scn_parser *p)
{
	return sva_scn_lookahead(p, 0) == '=' && sva_scn_lookahead(p, 1) != '=';
}

/* One argument, positional (the @pos-th) or key=value; the current token is its first. */
static int sva_scn_parse_arg(struct sva_scn_parser *p, struct sva_scn_stmt *st, unsigned *pos,
			     bool *keyed)
{
	const struct sva_scn_call *c = st->call;
	struct sva_scn_loc at = p->tok.loc;
	char key[SVA_SCN_QUOTED];
	int i, ret;

	if (p->tok.kind == SVA_SCN_TK_IDENT && sva_scn_next_is_eq(p)) {
		i = sva_scn_param_find(c, &p->tok);
		if (i < 0) {
			sva_scn_quote(p->tok.start, p->tok.len, key, sizeof(key));
			return sva_scn_fail(p, p->tok.loc, "%s has no parameter %s", c->name, key);
		}
		*keyed = true;
		ret = sva_scn_next(p);
		ret = ret ? ret : sva_scn_next(p);
	} else if (*keyed) {
		return sva_scn_expected(p, "a key=value argument after key=value ones");
	} else if (*pos >= c->nparams) {
		if (!c->nparams)
			return sva_scn_fail(p, p->tok.loc, "too many arguments: %s takes none",
					    c->name);
		return sva_scn_fail(p, p->tok.loc, "too many arguments: %s takes at most %u",
				    c->name, c->nparams);
	} else {
		i = (int)(*pos)++;
		ret = 0;
	}
	ret = ret ? ret : sva_scn_parse_value(p, st, (unsigned)i, at, &p->tok);
	return ret ? ret : sva_scn_next(p);
}

/* "(args)": the current token is '('. */
static int sva_scn_parse_args(struct sva_scn_parser *p, struct sva_scn_stmt *st)
{
	unsigned pos = 0;
	bool keyed = false;
	int ret = sva_scn_eat(p, '(');

	if (ret || sva_scn_punct(&p->tok, ')'))
		return ret ? ret : sva_scn_next(p);
	for (;;) {
		ret = sva_scn_parse_arg(p, st, &pos, &keyed);
		if (ret)
			return ret;
		if (sva_scn_punct(&p->tok, ')'))
			return sva_scn_next(p);
		if (!sva_scn_punct(&p->tok, ','))
			return sva_scn_expected(p, "',' or ')'");
		ret = sva_scn_next(p);
		if (!ret && sva_scn_punct(&p->tok, ')'))
			ret = sva_scn_expected(p, "an argument");
		if (ret)
			return ret;
	}
}

/* What each submit op needs and accepts, by parameter index (2 src .. 6 dst2, 7 opcode, 8 flags).
 */
struct sva_scn_submit_rule {
	const char *op;
	unsigned needs, takes;
};

#define SVA_SCN_SRC	(1u << 2)
#define SVA_SCN_DST	(1u << 3)
#define SVA_SCN_LEN	(1u << 4)
#define SVA_SCN_PATTERN (1u << 5)
#define SVA_SCN_DST2	(1u << 6)
#define SVA_SCN_OPCODE	(1u << 7)
#define SVA_SCN_FLAGS	(1u << 8)

static const struct sva_scn_submit_rule sva_scn_submit_rules[] = {
	{ "noop", 0, 0 },
	{ "memmove", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN, 0 },
	{ "fill", SVA_SCN_DST | SVA_SCN_LEN, SVA_SCN_PATTERN },
	{ "compare", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN, 0 },
	{ "compare_pattern", SVA_SCN_SRC | SVA_SCN_LEN, SVA_SCN_PATTERN },
	{ "crc32c", SVA_SCN_SRC | SVA_SCN_LEN, 0 },
	{ "copy_crc", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN, 0 },
	{ "dualcast", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_DST2 | SVA_SCN_LEN, 0 },
	/* a DSA descriptor as given: any opcode and flags (sva_scn_desc() says where each goes) */
	{ "raw", SVA_SCN_OPCODE,
	  SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN | SVA_SCN_PATTERN | SVA_SCN_DST2 |
		  SVA_SCN_FLAGS },
};

static int sva_scn_check_submit(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
				struct sva_scn_loc at)
{
	const char *op = st->args[1].word;
	const struct sva_scn_submit_rule *r = NULL;

	for (size_t i = 0; i < sizeof(sva_scn_submit_rules) / sizeof(*r); i++)
		if (strcmp(sva_scn_submit_rules[i].op, op) == 0)
			r = &sva_scn_submit_rules[i];
	if (!r)
		return sva_scn_fail(p, st->args[1].loc, "unknown submit op %s", op);
	for (unsigned i = 2; i < st->call->nparams; i++) {
		bool present = st->args[i].present;

		if ((r->needs & (1u << i)) && !present)
			return sva_scn_fail(p, at, "submit(%s) needs %s", op,
					    st->call->params[i].key);
		if (!((r->needs | r->takes) & (1u << i)) && present)
			return sva_scn_fail(p, st->args[i].loc, "submit(%s) takes no %s", op,
					    st->call->params[i].key);
	}
	return 0;
}

/* What the signature cannot say: required arguments, mmap's two forms, submit's ops. */
static int sva_scn_check_call(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
			      struct sva_scn_loc at)
{
	const struct sva_scn_call *c = st->call;

	for (unsigned i = 0; i < c->nparams; i++)
		if (c->params[i].required && !st->args[i].present)
			return sva_scn_fail(p, at, "%s needs %s", c->name, c->params[i].key);
	if (st->op == SVA_SCN_MMAP && st->args[0].var < 0 && st->args[1].present)
		return sva_scn_fail(p, st->args[1].loc,
				    "mmap(LEN) is an anonymous mapping: it takes no region");
	if (st->op == SVA_SCN_MMAP && st->args[0].var >= 0 && !st->args[1].present)
		return sva_scn_fail(p, at, "mmap(fd) needs a region (mmio or dus)");
	if (st->op == SVA_SCN_SUBMIT)
		return sva_scn_check_submit(p, st, at);
	if (sva_scn_op_is_embed(st->op))
		return sva_scn_check_embed(p, st, at);
	return 0;
}

/* The variable @var (NULL: none) assigned a call of @c: its index. */
static int sva_scn_result(struct sva_scn_parser *p, const struct sva_scn_tok *var,
			  const struct sva_scn_call *c, int *out)
{
	struct sva_scn_var *v;
	int i, ret;

	*out = -1;
	if (!var)
		return 0;
	if (c->returns == SVA_SCN_T_NONE)
		return sva_scn_fail(p, p->tok.loc, "%s returns nothing to assign", c->name);
	i = sva_scn_var_find(p->s, var);
	if (i < 0 && p->s->nvars >= SVA_SCN_MAX_VARS)
		return sva_scn_fail(p, var->loc, "too many variables (at most %d)",
				    SVA_SCN_MAX_VARS);
	if (i < 0) {
		/* the prescan skips a line with a malformed token among its first three */
		ret = sva_scn_var_add(p, var, c->returns);
		if (ret)
			return ret;
		i = (int)p->s->nvars - 1;
	}
	v = &p->s->vars[i];
	if (v->type != c->returns)
		return sva_scn_fail(p, var->loc, "%s is %s (first assigned at %u:%u), not %s",
				    v->name, sva_scn_type_phrase(v->type), v->loc.line, v->loc.col,
				    sva_scn_type_phrase(c->returns));
	*out = i;
	return 0;
}

/* [VAR =] CALL(args) to the end of the line; the current token is the call's name. */
static int sva_scn_parse_call(struct sva_scn_parser *p, struct sva_scn_block *b,
			      const struct sva_scn_tok *var)
{
	const struct sva_scn_call *c = sva_scn_call_lookup(&p->tok);
	struct sva_scn_loc at = p->tok.loc;
	struct sva_scn_stmt *st;
	char q[SVA_SCN_QUOTED];
	int v, ret;

	if (!c) {
		struct sva_scn_hint h = { 0 };

		sva_scn_quote(p->tok.start, p->tok.len, q, sizeof(q));
		return sva_scn_fail(p, at, "unknown call %s%s", q, sva_scn_hint_call(&h, &p->tok));
	}
	ret = sva_scn_result(p, var, c, &v);
	if (ret)
		return ret;
	st = sva_scn_stmt_add(b, var ? var->loc : at, c);
	if (!st)
		return sva_scn_nomem(p);
	st->result = v;
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_parse_args(p, st);
	ret = ret ? ret : sva_scn_check_call(p, st, at);
	return ret ? ret : sva_scn_end_line(p);
}

/* repeat N { ... } */
static int sva_scn_parse_repeat(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_loc loc = p->tok.loc;
	struct sva_scn_stmt *st;
	int ret;

	if (p->depth >= SVA_SCN_MAX_DEPTH)
		return sva_scn_fail(p, loc, "repeat blocks nested too deeply (at most %d)",
				    SVA_SCN_MAX_DEPTH);
	ret = sva_scn_next(p);
	if (ret)
		return ret;
	if (p->tok.kind != SVA_SCN_TK_NUM || p->tok.num < 1 || p->tok.num > ULONG_MAX)
		return sva_scn_expected(p, "a repeat count of at least 1");
	st = sva_scn_stmt_add(b, loc, sva_scn_call_of(SVA_SCN_REPEAT));
	if (!st)
		return sva_scn_nomem(p);
	st->count = (unsigned long)p->tok.num;
	st->args[0].present = true;
	st->args[0].loc = p->tok.loc;
	st->args[0].num = p->tok.num;
	st->body = calloc(1, sizeof(*st->body));
	if (!st->body)
		return sva_scn_nomem(p);
	ret = sva_scn_next(p);
	if (ret)
		return ret;
	if (!sva_scn_punct(&p->tok, '{'))
		return sva_scn_expected(p, "'{'");
	p->depth++;
	ret = sva_scn_parse_block(p, st->body);
	p->depth--;
	return ret;
}

/* A block that opens (the current token is '{') in a statement at @loc: nesting is bounded. */
static int sva_scn_parse_nested(struct sva_scn_parser *p, struct sva_scn_block *b, bool close_only)
{
	int ret;

	if (!sva_scn_punct(&p->tok, '{'))
		return sva_scn_expected(p, "'{'");
	p->depth++;
	ret = close_only ? sva_scn_parse_block_close(p, b) : sva_scn_parse_block(p, b);
	p->depth--;
	return ret;
}

/* if COND { ... } [else { ... }]: "} else {" on one line. */
static int sva_scn_parse_if(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_loc loc = p->tok.loc;
	struct sva_scn_stmt *st;
	int ret;

	if (p->depth >= SVA_SCN_MAX_DEPTH)
		return sva_scn_fail(p, loc, "if blocks nested too deeply (at most %d)",
				    SVA_SCN_MAX_DEPTH);
	st = sva_scn_stmt_add(b, loc, sva_scn_call_of(SVA_SCN_IF));
	if (!st)
		return sva_scn_nomem(p);
	st->body = calloc(1, sizeof(*st->body));
	if (!st->body)
		return sva_scn_nomem(p);
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_parse_cond(p, &st->cond);
	ret = ret ? ret : sva_scn_parse_nested(p, st->body, true);
	if (ret || !sva_scn_word(&p->tok, "else"))
		return ret ? ret : sva_scn_end_line(p);
	st->orelse = calloc(1, sizeof(*st->orelse));
	if (!st->orelse)
		return sva_scn_nomem(p);
	ret = sva_scn_next(p);
	return ret ? ret : sva_scn_parse_nested(p, st->orelse, false);
}

static int sva_scn_parse_stmt(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_tok var = p->tok;
	int ret;

	if (var.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a statement");
	if (sva_scn_word(&var, "repeat"))
		return sva_scn_parse_repeat(p, b);
	if (sva_scn_word(&var, "expect"))
		return sva_scn_parse_expect(p, b);
	if (sva_scn_word(&var, "if"))
		return sva_scn_parse_if(p, b);
	if (sva_scn_word(&var, "else"))
		return sva_scn_fail(p, var.loc, "else must follow the '}' of an if, on its line");
	if (!sva_scn_next_is_eq(p))
		return sva_scn_parse_call(p, b, NULL);
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_next(p);
	if (!ret && p->tok.kind != SVA_SCN_TK_IDENT)
		ret = sva_scn_expected(p, "a call");
	return ret ? ret : sva_scn_parse_call(p, b, &var);
}

int sva_scn_parse_block_close(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_loc open = p->tok.loc;
	int ret = sva_scn_next(p);

	if (!ret && !sva_scn_at_eol(&p->tok))
		ret = sva_scn_expected(p, "end of line");
	while (!ret) {
		if (p->tok.kind == SVA_SCN_TK_EOL) {
			ret = sva_scn_next(p);
		} else if (sva_scn_punct(&p->tok, '}')) {
			return sva_scn_next(p);
		} else if (p->tok.kind == SVA_SCN_TK_EOF) {
			return sva_scn_fail(
				p, p->tok.loc,
				"expected '}' closing the block at %u:%u, found end of file",
				open.line, open.col);
		} else {
			ret = sva_scn_parse_stmt(p, b);
		}
	}
	return ret;
}

int sva_scn_parse_block(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	int ret = sva_scn_parse_block_close(p, b);

	return ret ? ret : sva_scn_end_line(p);
}

/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's expectations: the top-level goals judged at the end of a run
 * (expect violation(I) | pasid(PROC) freed|held | status(PROC) N|killed) and the expectation
 * about the call on the line before (expect error(E) | any | status(N|killed)).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* ---- top-level expectations ---------------------------------------------------------------- */

static const char *const sva_scn_invariants[] = {
	NULL,	    "uniqueness", "no_early_reuse", "isolation",
	"no_leaks", "refcount",	  "liveness",	    "quiet_teardown",
};

/* I1..I7, 1..7, or the invariant's name (no_early_reuse). */
static int sva_scn_parse_invariant(struct sva_scn_parser *p, int *out)
{
	const struct sva_scn_tok *t = &p->tok;
	int inv = 0;

	if (t->kind == SVA_SCN_TK_NUM && t->num >= 1 && t->num <= 7)
		inv = (int)t->num;
	else if (t->kind == SVA_SCN_TK_IDENT && t->len == 2 &&
		 (t->start[0] == 'I' || t->start[0] == 'i') && t->start[1] >= '1' &&
		 t->start[1] <= '7')
		inv = t->start[1] - '0';
	for (int i = 1; !inv && i <= 7; i++)
		if (sva_scn_word(t, sva_scn_invariants[i]))
			inv = i;
	if (!inv)
		return sva_scn_expected(p, "an invariant I1..I7");
	*out = inv;
	return sva_scn_next(p);
}

/* "(PROCESS)": the index its declaration will have (fixed at the end), the name's token. */
static int sva_scn_parse_process_ref(struct sva_scn_parser *p, int *out)
{
	const struct sva_scn_tok *t = &p->tok;
	int d, ret = sva_scn_eat(p, '(');

	if (ret)
		return ret;
	if (t->kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a process name");
	d = sva_scn_decl_find(p, t);
	if (d < 0)
		return sva_scn_fail(p, t->loc, "unknown process '%.*s'", sva_scn_show_len(t),
				    t->start);
	if (!p->decls[d].starts)
		return sva_scn_fail(p, t->loc, "%.*s is a program, expected a process",
				    sva_scn_show_len(t), t->start);
	*out = d;
	ret = sva_scn_next(p);
	return ret ? ret : sva_scn_eat(p, ')');
}

/* status(N) or status(killed) of a wait, status(PROC) N|killed of a goal: N or killed. */
static int sva_scn_parse_status(struct sva_scn_parser *p, int *out)
{
	if (sva_scn_word(&p->tok, "killed"))
		*out = SVA_SCN_STATUS_KILLED;
	else if (p->tok.kind == SVA_SCN_TK_NUM && p->tok.num <= 255)
		*out = (int)p->tok.num;
	else
		return sva_scn_expected(p, "a status 0..255 or killed");
	return sva_scn_next(p);
}

/* expect violation(I) | pasid(PROC) freed|held | status(PROC) N|killed */
int sva_scn_parse_goal(struct sva_scn_parser *p)
{
	struct sva_scn_goal_expect g = { .loc = p->tok.loc, .program = -1 };
	struct sva_scn_goal_expect *slot;
	int ret;

	if (p->s->ngoals >= SVA_SCN_MAX_GOALS)
		return sva_scn_fail(p, g.loc, "too many expectations (at most %d)",
				    SVA_SCN_MAX_GOALS);
	ret = sva_scn_next(p);
	if (ret)
		return ret;
	if (sva_scn_word(&p->tok, "violation")) {
		g.goal = SVA_SCN_GOAL_VIOLATION;
		ret = sva_scn_next(p);
		ret = ret ? ret : sva_scn_eat(p, '(');
		ret = ret ? ret : sva_scn_parse_invariant(p, &g.invariant);
		ret = ret ? ret : sva_scn_eat(p, ')');
	} else if (sva_scn_word(&p->tok, "pasid")) {
		ret = sva_scn_next(p);
		ret = ret ? ret : sva_scn_parse_process_ref(p, &g.program);
		if (!ret && sva_scn_word(&p->tok, "freed"))
			g.goal = SVA_SCN_GOAL_PASID_FREED;
		else if (!ret && sva_scn_word(&p->tok, "held"))
			g.goal = SVA_SCN_GOAL_PASID_HELD;
		else if (!ret)
			ret = sva_scn_expected(p, "freed or held");
		ret = ret ? ret : sva_scn_next(p);
	} else if (sva_scn_word(&p->tok, "status")) {
		g.goal = SVA_SCN_GOAL_STATUS;
		ret = sva_scn_next(p);
		ret = ret ? ret : sva_scn_parse_process_ref(p, &g.program);
		ret = ret ? ret : sva_scn_parse_status(p, &g.status);
	} else {
		ret = sva_scn_expected(p, "violation(I...), pasid(PROCESS) or status(PROCESS)");
	}
	ret = ret ? ret : sva_scn_end_line(p);
	if (ret)
		return ret;
	slot = sva_scn_append(p->s->goals, p->s->ngoals);
	if (!slot)
		return sva_scn_nomem(p);
	*slot = g;
	return 0;
}

/* ---- conditions: if COND, expect COND ------------------------------------------------------ */

static const char *const sva_scn_cmps[] = {
	[SVA_SCN_EQ] = "==", [SVA_SCN_NE] = "!=", [SVA_SCN_LT] = "<",
	[SVA_SCN_LE] = "<=", [SVA_SCN_GT] = ">",  [SVA_SCN_GE] = ">=",
};

/* ".FIELD" after a completion variable @v (the current token is '.'). */
static int sva_scn_parse_field(struct sva_scn_parser *p, const struct sva_scn_tok *var,
			       struct sva_scn_cond *c)
{
	const struct sva_scn_var *v = &p->s->vars[c->var];
	int ret;

	if (v->type != SVA_SCN_T_COMP)
		return sva_scn_fail(p, var->loc, "%s is %s: only a completion has fields", v->name,
				    sva_scn_type_phrase(v->type));
	ret = sva_scn_next(p);
	if (ret)
		return ret;
	for (int f = SVA_SCN_F_STATUS; p->tok.kind == SVA_SCN_TK_IDENT && f < SVA_SCN_F_NR; f++) {
		if (sva_scn_word(&p->tok, sva_scn_field_names[f])) {
			c->field = (enum sva_scn_field)f;
			return sva_scn_next(p);
		}
	}
	if (p->tok.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a field (status, result, bytes_completed, fault_addr)");
	return sva_scn_fail(p, p->tok.loc,
			    "unknown field '%.*s' (status, result, bytes_completed, fault_addr)",
			    sva_scn_show_len(&p->tok), p->tok.start);
}

/* The value compared with: N, -N, -ENAME, or a status name when the field is status. */
static int sva_scn_parse_cond_value(struct sva_scn_parser *p, struct sva_scn_cond *c)
{
	bool minus = sva_scn_punct(&p->tok, '-');
	const char *what = c->field == SVA_SCN_F_STATUS ? "a number or a status name (SUCCESS...)"
							: "a number, -N or -ENAME";
	int ret = minus ? sva_scn_next(p) : 0, e;

	if (ret)
		return ret;
	if (p->tok.kind == SVA_SCN_TK_NUM) {
		if (p->tok.num > INT64_MAX)
			return sva_scn_expected(p, "a number up to 2^63 - 1");
		c->value = minus ? -(int64_t)p->tok.num : (int64_t)p->tok.num;
		return 0;
	}
	if (p->tok.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, minus ? "a number or an error name after '-'" : what);
	e = sva_scn_errno_find(&p->tok);
	if (minus && e) {
		c->value = -e;
		return 0;
	}
	if (minus)
		return sva_scn_fail(p, p->tok.loc, "unknown error name '%.*s'",
				    sva_scn_show_len(&p->tok), p->tok.start);
	e = c->field == SVA_SCN_F_STATUS ? sva_scn_status_find(p->tok.start, p->tok.len) : -1;
	if (e >= 0) {
		c->value = e;
		return 0;
	}
	if (sva_scn_errno_find(&p->tok))
		return sva_scn_fail(p, p->tok.loc,
				    "write -%.*s: a failed call's value is a negative errno",
				    sva_scn_show_len(&p->tok), p->tok.start);
	if (c->field == SVA_SCN_F_STATUS)
		return sva_scn_fail(p, p->tok.loc, "unknown status '%.*s'",
				    sva_scn_show_len(&p->tok), p->tok.start);
	return sva_scn_expected(p, what);
}

int sva_scn_parse_cond(struct sva_scn_parser *p, struct sva_scn_cond *c)
{
	struct sva_scn_tok var = p->tok;
	int ret;

	if (var.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a variable");
	c->loc = var.loc;
	c->var = sva_scn_var_find(p->s, &var);
	if (c->var < 0)
		return sva_scn_fail(p, var.loc, "unknown variable %.*s", sva_scn_show_len(&var),
				    var.start);
	ret = sva_scn_next(p);
	if (!ret && sva_scn_punct(&p->tok, '.'))
		ret = sva_scn_parse_field(p, &var, c);
	if (ret)
		return ret;
	for (int i = 0; p->tok.kind == SVA_SCN_TK_OP && i <= SVA_SCN_GE; i++)
		if (p->tok.len == strlen(sva_scn_cmps[i]) &&
		    memcmp(p->tok.start, sva_scn_cmps[i], p->tok.len) == 0)
			c->cmp = (enum sva_scn_cmp)i;
	if (p->tok.kind != SVA_SCN_TK_OP)
		return sva_scn_expected(p, "a comparison (==, !=, <, <=, >, >=)");
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_parse_cond_value(p, c);
	if (ret)
		return ret;
	c->text = sva_scn_strdup(p, var.start, (size_t)(p->tok.start + p->tok.len - var.start));
	if (!c->text)
		return sva_scn_nomem(p);
	return sva_scn_next(p);
}

/* Whether "expect" (the current token) is followed by a condition: VAR. or VAR OP. */
static bool sva_scn_expect_is_cond(const struct sva_scn_parser *p)
{
	struct sva_scn_lexer lx = p->lx;
	struct sva_scn_tok t;

	if (sva_scn_lex(&lx, &t, NULL, 0) || t.kind != SVA_SCN_TK_IDENT ||
	    sva_scn_lex(&lx, &t, NULL, 0))
		return false;
	return t.kind == SVA_SCN_TK_OP || sva_scn_punct(&t, '.');
}

/* expect COND: a statement of its own, judged when it runs. */
static int sva_scn_parse_check(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_stmt *st = sva_scn_stmt_add(b, p->tok.loc, sva_scn_call_of(SVA_SCN_CHECK));
	int ret;

	if (!st)
		return sva_scn_nomem(p);
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_parse_cond(p, &st->cond);
	return ret ? ret : sva_scn_end_line(p);
}

/* ---- after a call ------------------------------------------------------------------------- */

static const char *sva_scn_stmt_phrase(enum sva_scn_op op)
{
	if (op == SVA_SCN_REPEAT)
		return ", not a repeat block";
	return op == SVA_SCN_IF ? ", not an if block" : ", not an expect";
}

/* expect error(ENAME) | any | status(N|killed) about the statement before it, or COND. */
int sva_scn_parse_expect(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_stmt *st = b->n ? &b->stmts[b->n - 1] : NULL;
	struct sva_scn_loc loc = p->tok.loc;
	int ret;

	if (sva_scn_expect_is_cond(p))
		return sva_scn_parse_check(p, b);
	if (!st || sva_scn_op_is_stmt(st->op))
		return sva_scn_fail(p, loc, "expect must follow a call%s",
				    st ? sva_scn_stmt_phrase(st->op) : "");
	if (st->expect != SVA_SCN_EXPECT_OK)
		return sva_scn_fail(p, loc, "the call at %u:%u already has an expectation",
				    st->loc.line, st->loc.col);
	ret = sva_scn_next(p);
	if (ret)
		return ret;
	if (sva_scn_word(&p->tok, "error")) {
		st->expect = SVA_SCN_EXPECT_ERROR;
		ret = sva_scn_next(p);
		ret = ret ? ret : sva_scn_eat(p, '(');
		if (!ret && p->tok.kind != SVA_SCN_TK_IDENT)
			ret = sva_scn_expected(p, "an error name (EBUSY, ENODEV...)");
		if (!ret)
			st->expect_value = sva_scn_errno_find(&p->tok);
		if (!ret && !st->expect_value)
			ret = sva_scn_fail(p, p->tok.loc, "unknown error name '%.*s'",
					   sva_scn_show_len(&p->tok), p->tok.start);
		ret = ret ? ret : sva_scn_next(p);
		ret = ret ? ret : sva_scn_eat(p, ')');
	} else if (sva_scn_word(&p->tok, "any")) {
		st->expect = SVA_SCN_EXPECT_ANY;
		ret = sva_scn_next(p);
	} else if (sva_scn_word(&p->tok, "status")) {
		if (st->op != SVA_SCN_WAIT || p->s->vars[st->args[0].var].type != SVA_SCN_T_PID)
			return sva_scn_fail(p, loc, "expect status must follow a wait(pid)");
		st->expect = SVA_SCN_EXPECT_STATUS;
		ret = sva_scn_next(p);
		ret = ret ? ret : sva_scn_eat(p, '(');
		ret = ret ? ret : sva_scn_parse_status(p, &st->expect_value);
		ret = ret ? ret : sva_scn_eat(p, ')');
	} else {
		ret = sva_scn_expected(p, "error(ENAME), any or status(N)");
	}
	return ret ? ret : sva_scn_end_line(p);
}

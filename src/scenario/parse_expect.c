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

/* ---- after a call ------------------------------------------------------------------------- */

/* expect error(ENAME) | any | status(N|killed), about the statement before it. */
int sva_scn_parse_expect(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_stmt *st = b->n ? &b->stmts[b->n - 1] : NULL;
	struct sva_scn_loc loc = p->tok.loc;
	int ret;

	if (!st || st->op == SVA_SCN_REPEAT)
		return sva_scn_fail(p, loc, "expect must follow a call%s",
				    st ? ", not a repeat block" : "");
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

/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's insides, shared by its files (the language: docs/scenario-language.md):
 *
 *   lex.c           tokens, numbers, the quoting of a token in a message
 *   parse.c         errors, memory, names, the prescan, the file and its entry points
 *   parse_decl.c    declarations: kernel, device, wq, process, program
 *   parse_stmt.c    statements: calls and their arguments, repeat, blocks
 *   parse_expect.c  expectations: after a call, and the top-level goals
 *   parse_embed.c   the embedder: its devices and tables, the checks of its calls
 *
 * Every parse function works on the current token (parser->tok), steps over what it parsed,
 * and returns 0 or a negative errno with the message "file:line:col: ..." in parser->err
 * (sva_scn_fail()); the first error stops the parse.
 */
#ifndef SVA_SCENARIO_PARSE_H
#define SVA_SCENARIO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ast.h"

#define SVA_SCN_MAX_DEPTH	16	     /* nested repeat blocks */
#define SVA_SCN_MAX_INSTANCES	1000000u     /* process NAME xN */
#define SVA_SCN_MAX_FRAMES	(1ul << 20)  /* kernel frames=N: 4 GiB */
#define SVA_SCN_MAX_PRQ		(1u << 16)   /* iommu prq=N: the swiommu's SVA_SW_MAX_PRQ */
#define SVA_SCN_MAX_DEVICE_NAME 40	     /* leaves room for "wq<i>" in a WQ's name */
#define SVA_SCN_MAX_PASID_BITS	20	     /* the global PASID space */
#define SVA_SCN_MAX_FILE	(16ul << 20) /* sva_scenario_load() */
/* names are looked up by a linear search: these keep a 16 MiB file from taking hours */
#define SVA_SCN_MAX_VARS	SVA_SCN_RUN_MAX_VARS /* what a run can hold */
#define SVA_SCN_MAX_PROGRAMS	1024		     /* processes and programs */
#define SVA_SCN_MAX_DEVICES	256
#define SVA_SCN_MAX_GOALS	1024
#define SVA_SCN_SHOW		32 /* characters of a token quoted in a message */
#define SVA_SCN_QUOTED		(SVA_SCN_SHOW * 4 + 8)

/* ---- tokens (lex.c) ---------------------------------------------------------------------- */

enum sva_scn_tk {
	SVA_SCN_TK_EOF,
	SVA_SCN_TK_EOL,
	SVA_SCN_TK_IDENT,
	SVA_SCN_TK_NUM,
	SVA_SCN_TK_PUNCT, /* = ( ) { } , - . */
	SVA_SCN_TK_OP,	  /* < <= > >= == != */
};

struct sva_scn_tok {
	enum sva_scn_tk kind;
	struct sva_scn_loc loc;
	const char *start; /* in the scenario's copy of the text */
	size_t len;
	uint64_t num; /* NUM */
};

struct sva_scn_lexer {
	const char *text;
	size_t len, pos;
	unsigned line, col;
};

bool sva_scn_is_alpha(int c);
bool sva_scn_is_digit(int c);
int sva_scn_peek(const struct sva_scn_lexer *lx);
void sva_scn_skip_blanks(struct sva_scn_lexer *lx);
/* @s between quotes, cut after SVA_SCN_SHOW characters, bytes outside printable ASCII escaped. */
void sva_scn_quote(const char *s, size_t len, char *buf, size_t n);
/* A token for a message: quoted, or "end of line" / "end of file". */
void sva_scn_describe(const struct sva_scn_tok *t, char *buf, size_t n);
/*
 * The next token into @t. -EINVAL with the problem in @msg (may be NULL) on a malformed number
 * or a character that starts no token; the lexer has moved past it.
 */
int sva_scn_lex(struct sva_scn_lexer *lx, struct sva_scn_tok *t, char *msg, size_t n);
bool sva_scn_punct(const struct sva_scn_tok *t, char c);
bool sva_scn_word(const struct sva_scn_tok *t, const char *word);
bool sva_scn_at_eol(const struct sva_scn_tok *t);

/* ---- the parser's state, errors, memory, names (parse.c) ---------------------------------- */

/* A `process` or `program` line seen by the prescan (the tree's index is resolved at the end). */
struct sva_scn_decl {
	const char *name;
	size_t len;
	bool starts;
};

struct sva_scn_parser {
	struct sva_scenario *s;
	const char *file;
	struct sva_scn_lexer lx;
	struct sva_scn_tok tok; /* the current token */
	char *err;
	size_t err_len;
	struct sva_scn_decl *decls;
	size_t ndecls;
	unsigned depth; /* nested repeat blocks */
	bool seen_kernel, seen_iommu, seen_process;
};

int sva_scn_fail(struct sva_scn_parser *p, struct sva_scn_loc loc, const char *fmt, ...)
	SVA_PRINTF(3, 4);
/* "expected @what, found <the token @t>" */
int sva_scn_expected_tok(struct sva_scn_parser *p, const struct sva_scn_tok *t, const char *what);
int sva_scn_expected(struct sva_scn_parser *p, const char *what);
int sva_scn_nomem(struct sva_scn_parser *p);
/* The character @n after the blanks that follow the current token (-1 at the end). */
int sva_scn_lookahead(const struct sva_scn_parser *p, size_t n);
/* Step to the next token. */
int sva_scn_next(struct sva_scn_parser *p);
/* The current token must be @c: step over it. */
int sva_scn_eat(struct sva_scn_parser *p, char c);
/* A line ends here: step over its end (not over the end of the file). */
int sva_scn_end_line(struct sva_scn_parser *p);
/* Room for element @n of an array of @n elements grown in powers of two; NULL: no memory. */
void *sva_scn_grow(void *arr, size_t n, size_t elem);

/* Append a zeroed element to array @arr of @n elements: a pointer to it, NULL without memory. */
#define sva_scn_append(arr, n)                                                 \
	({                                                                     \
		__typeof__(arr) a_ = sva_scn_grow((arr), (n), sizeof(*(arr))); \
		__typeof__(arr) e_ = NULL;                                     \
		if (a_) {                                                      \
			(arr) = a_;                                            \
			e_ = &a_[(n)++];                                       \
			memset(e_, 0, sizeof(*e_));                            \
		}                                                              \
		e_;                                                            \
	})

/* A copy of @len bytes at @src owned by the scenario; NULL without memory. */
const char *sva_scn_strdup(struct sva_scn_parser *p, const char *src, size_t len);
bool sva_scn_same(const char *name, const struct sva_scn_tok *t);
/* An identifier for a message: itself, or its start when very long. */
int sva_scn_show_len(const struct sva_scn_tok *t);
const char *sva_scn_type_phrase(enum sva_scn_type t);
int sva_scn_var_find(const struct sva_scenario *s, const struct sva_scn_tok *t);
int sva_scn_var_add(struct sva_scn_parser *p, const struct sva_scn_tok *t, enum sva_scn_type type);
int sva_scn_device_find(const struct sva_scenario *s, const struct sva_scn_tok *t);
int sva_scn_wq_find(const struct sva_scenario *s, const struct sva_scn_tok *t);
int sva_scn_program_find(const struct sva_scenario *s, const char *name, size_t len);
int sva_scn_decl_find(const struct sva_scn_parser *p, const struct sva_scn_tok *t);
/* The call named by @t; repeat, if and expect are statements, not calls. */
const struct sva_scn_call *sva_scn_call_lookup(const struct sva_scn_tok *t);

/* "did you mean": the candidate name nearest an unknown one, a few edits away at most. */
struct sva_scn_hint {
	const char *best;
	size_t len, dist;
	char text[SVA_SCN_SHOW + 24];
};
void sva_scn_hint_add(struct sva_scn_hint *h, const struct sva_scn_tok *t, const char *name,
		      size_t len);
/* "; did you mean open?" or "" (the hint's own buffer). */
const char *sva_scn_hint_text(struct sva_scn_hint *h, const struct sva_scn_tok *t);
/* The hint for an unknown call, device, wq or program/process (@starts: a process). */
const char *sva_scn_hint_call(struct sva_scn_hint *h, const struct sva_scn_tok *t);
const char *sva_scn_hint_device(struct sva_scn_hint *h, const struct sva_scenario *s,
				const struct sva_scn_tok *t);
const char *sva_scn_hint_wq(struct sva_scn_hint *h, const struct sva_scenario *s,
			    const struct sva_scn_tok *t);
const char *sva_scn_hint_decl(struct sva_scn_hint *h, const struct sva_scn_parser *p,
			      const struct sva_scn_tok *t, bool starts);
/* The positive errno named by @t (EBUSY), 0 if none. */
int sva_scn_errno_find(const struct sva_scn_tok *t);

/* ---- the parts of the grammar --------------------------------------------------------------- */

/* parse_decl.c: the declaration at the current token (kernel, device, wq, process, ...). */
int sva_scn_parse_decl(struct sva_scn_parser *p);
/*
 * parse_decl.c: the option at the current token among @names (its index, stepped over), and
 * "=N" after option @name with N in [@min, @max].
 */
int sva_scn_option(struct sva_scn_parser *p, const char *const *names, unsigned *seen,
		   const char *what);
int sva_scn_option_num(struct sva_scn_parser *p, const char *name, uint64_t min, uint64_t max,
		       uint64_t *out);
/* parse_embed.c: the declarations embedder NAME ... and table NAME. */
int sva_scn_parse_embedder(struct sva_scn_parser *p);
int sva_scn_parse_table(struct sva_scn_parser *p);
int sva_scn_embedder_find(const struct sva_scenario *s, const struct sva_scn_tok *t);
int sva_scn_table_find(const struct sva_scenario *s, const struct sva_scn_tok *t);
/* parse_embed.c: the NAME @v of parameter @i of embedder call @st (a table or a device). */
int sva_scn_embed_value_name(struct sva_scn_parser *p, const struct sva_scn_stmt *st, unsigned i,
			     struct sva_scn_arg *a, const struct sva_scn_tok *v);
/* parse_embed.c: what an embedder call's signature cannot say (the call begins at @at). */
int sva_scn_check_embed(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
			struct sva_scn_loc at);
/* parse_stmt.c: a block from its '{' (the current token) to its '}' on a line of its own. */
int sva_scn_parse_block(struct sva_scn_parser *p, struct sva_scn_block *b);
/* parse_stmt.c: the same up to its '}' only, which is stepped over (if's "} else {"). */
int sva_scn_parse_block_close(struct sva_scn_parser *p, struct sva_scn_block *b);
/* parse_stmt.c: a new statement of call @c at the end of @b; NULL without memory. */
struct sva_scn_stmt *sva_scn_stmt_add(struct sva_scn_block *b, struct sva_scn_loc loc,
				      const struct sva_scn_call *c);
/* parse_expect.c: a condition VAR[.FIELD] OP VALUE (the current token is VAR). */
int sva_scn_parse_cond(struct sva_scn_parser *p, struct sva_scn_cond *c);
/* parse_expect.c: a top-level expect (the current token is "expect"). */
int sva_scn_parse_goal(struct sva_scn_parser *p);
/* parse_expect.c: expect ... about the last statement of @b (the current token is "expect"). */
int sva_scn_parse_expect(struct sva_scn_parser *p, struct sva_scn_block *b);

#endif /* SVA_SCENARIO_PARSE_H */

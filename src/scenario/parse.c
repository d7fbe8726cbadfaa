/* SPDX-License-Identifier: MIT */
/*
 * The scenario language's parser (docs/scenario-language.md): a hand-written lexer and a
 * recursive-descent parser that build the tree of ast.h and check everything that can be
 * checked before running. The first error stops parsing with one line
 * "file:line:col: problem" and nothing of the tree is kept.
 *
 * Two passes. The prescan looks only at the start of each line, to learn the names a
 * statement may use before the line that defines them: variables (typed by their first
 * assignment in file order) and programs / processes (a fork may name a program declared
 * further down, a top-level expect a process). The main pass builds the tree and checks each
 * use where it meets it, so the error reported is always the first one in the file.
 *
 * Memory: every allocation hangs off the scenario as soon as it is made (arrays in the tree,
 * strings in scenario->strings), so sva_scenario_free() releases a half-built tree too.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/accel.h"
#include "ast.h"

#define SVA_SCN_MAX_DEPTH	16	     /* nested repeat blocks */
#define SVA_SCN_MAX_INSTANCES	1000000u     /* process NAME xN */
#define SVA_SCN_MAX_FRAMES	(1ul << 20)  /* kernel frames=N: 4 GiB */
#define SVA_SCN_MAX_DEVICE_NAME 40	     /* leaves room for "wq<i>" in a WQ's name */
#define SVA_SCN_MAX_PASID_BITS	20	     /* the global PASID space */
#define SVA_SCN_MAX_FILE	(16ul << 20) /* sva_scenario_load() */
/* names are looked up by a linear search: these keep a 16 MiB file from taking hours */
#define SVA_SCN_MAX_VARS	1024
#define SVA_SCN_MAX_PROGRAMS	1024 /* processes and programs */
#define SVA_SCN_MAX_DEVICES	256
#define SVA_SCN_MAX_GOALS	1024
#define SVA_SCN_SHOW		32 /* characters of a token quoted in a message */
#define SVA_SCN_QUOTED		(SVA_SCN_SHOW * 4 + 8)

/* ---- tokens ----------------------------------------------------------------------------- */

enum sva_scn_tk {
	SVA_SCN_TK_EOF,
	SVA_SCN_TK_EOL,
	SVA_SCN_TK_IDENT,
	SVA_SCN_TK_NUM,
	SVA_SCN_TK_PUNCT, /* = ( ) { } , */
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

static bool sva_scn_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool sva_scn_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int sva_scn_peek(const struct sva_scn_lexer *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->text[lx->pos] : -1;
}

static void sva_scn_advance(struct sva_scn_lexer *lx)
{
	if (lx->text[lx->pos++] == '\n') {
		if (lx->line < UINT_MAX)
			lx->line++;
		lx->col = 1;
	} else if (lx->col < UINT_MAX) {
		lx->col++;
	}
}

/* @s between quotes, cut after SVA_SCN_SHOW characters, bytes outside printable ASCII escaped. */
static void sva_scn_quote(const char *s, size_t len, char *buf, size_t n)
{
	size_t o = 0;

	o += (size_t)snprintf(buf + o, n - o, "'");
	for (size_t i = 0; i < len && i < SVA_SCN_SHOW && o < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			o += (size_t)snprintf(buf + o, n - o, "%c", c);
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	if (o < n)
		snprintf(buf + o, n - o, len > SVA_SCN_SHOW ? "...'" : "'");
}

static void sva_scn_describe(const struct sva_scn_tok *t, char *buf, size_t n)
{
	if (t->kind == SVA_SCN_TK_EOF)
		snprintf(buf, n, "end of file");
	else if (t->kind == SVA_SCN_TK_EOL)
		snprintf(buf, n, "end of line");
	else
		sva_scn_quote(t->start, t->len, buf, n);
}

static int sva_scn_digit(int c, unsigned base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned)d < base ? d : -1;
}

static uint64_t sva_scn_suffix(int c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 1ull << 10;
	case 'm':
	case 'M':
		return 1ull << 20;
	case 'g':
	case 'G':
		return 1ull << 30;
	default:
		return 1;
	}
}

/* Decimal or 0x hex, an optional k/m/g suffix (powers of 1024). -EINVAL, -ERANGE. */
static int sva_scn_number(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0, mul = 1;
	size_t i = 0;

	if (len > 1 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (len > i && sva_scn_suffix(s[len - 1]) > 1)
		mul = sva_scn_suffix(s[--len]);
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		int d = sva_scn_digit((unsigned char)s[i], base);

		if (d < 0)
			return -EINVAL;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		v = v * base + (unsigned)d;
	}
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

static void sva_scn_skip_blanks(struct sva_scn_lexer *lx)
{
	for (;;) {
		int c = sva_scn_peek(lx);

		if (c == ' ' || c == '\t' || c == '\r') {
			sva_scn_advance(lx);
		} else if (c == '#') {
			while ((c = sva_scn_peek(lx)) != -1 && c != '\n')
				sva_scn_advance(lx);
		} else {
			return;
		}
	}
}

/* The rest of a word (identifier or number) whose first character is the current one. */
static void sva_scn_lex_word(struct sva_scn_lexer *lx, struct sva_scn_tok *t)
{
	int c;

	do {
		sva_scn_advance(lx);
		c = sva_scn_peek(lx);
	} while (sva_scn_is_alpha(c) || sva_scn_is_digit(c));
	t->len = (size_t)(lx->text + lx->pos - t->start);
}

/*
 * The next token into @t. -EINVAL with the problem in @msg (may be NULL) on a malformed number
 * or a character that starts no token; the lexer has moved past it.
 */
static int sva_scn_lex(struct sva_scn_lexer *lx, struct sva_scn_tok *t, char *msg, size_t n)
{
	char q[SVA_SCN_QUOTED];
	int c, ret;

	sva_scn_skip_blanks(lx);
	memset(t, 0, sizeof(*t));
	t->loc = (struct sva_scn_loc){ lx->line, lx->col };
	t->start = lx->text + lx->pos;
	c = sva_scn_peek(lx);
	if (c == -1) {
		t->kind = SVA_SCN_TK_EOF;
		return 0;
	}
	if (sva_scn_is_alpha(c) || sva_scn_is_digit(c)) {
		sva_scn_lex_word(lx, t);
		if (sva_scn_is_alpha(c)) {
			t->kind = SVA_SCN_TK_IDENT;
			return 0;
		}
		t->kind = SVA_SCN_TK_NUM;
		ret = sva_scn_number(t->start, t->len, &t->num);
		if (ret == 0)
			return 0;
		sva_scn_quote(t->start, t->len, q, sizeof(q));
		if (msg)
			snprintf(msg, n, ret == -ERANGE ? "number too large: %s" : "bad number %s",
				 q);
		return -EINVAL;
	}
	t->len = 1;
	sva_scn_advance(lx);
	switch (c) {
	case '\n':
		t->kind = SVA_SCN_TK_EOL;
		return 0;
	case '=':
	case '(':
	case ')':
	case '{':
	case '}':
	case ',':
		t->kind = SVA_SCN_TK_PUNCT;
		return 0;
	default:
		sva_scn_quote(t->start, 1, q, sizeof(q));
		if (msg)
			snprintf(msg, n, "unexpected character %s", q);
		return -EINVAL;
	}
}

static bool sva_scn_punct(const struct sva_scn_tok *t, char c)
{
	return t->kind == SVA_SCN_TK_PUNCT && t->start[0] == c;
}

static bool sva_scn_word(const struct sva_scn_tok *t, const char *word)
{
	return t->kind == SVA_SCN_TK_IDENT && strlen(word) == t->len &&
	       memcmp(t->start, word, t->len) == 0;
}

static bool sva_scn_at_eol(const struct sva_scn_tok *t)
{
	return t->kind == SVA_SCN_TK_EOL || t->kind == SVA_SCN_TK_EOF;
}

/* ---- the parser's state, errors, memory -------------------------------------------------- */

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
	bool seen_kernel, seen_process;
};

static int sva_scn_fail(struct sva_scn_parser *p, struct sva_scn_loc loc, const char *fmt, ...)
	SVA_PRINTF(3, 4);

static int sva_scn_fail(struct sva_scn_parser *p, struct sva_scn_loc loc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->err_len)
		return -EINVAL;
	n = snprintf(p->err, p->err_len, "%s:%u:%u: ", p->file, loc.line, loc.col);
	if (n >= 0 && (size_t)n < p->err_len) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->err_len - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int sva_scn_expected_tok(struct sva_scn_parser *p, const struct sva_scn_tok *t,
				const char *what)
{
	char found[SVA_SCN_QUOTED];

	sva_scn_describe(t, found, sizeof(found));
	return sva_scn_fail(p, t->loc, "expected %s, found %s", what, found);
}

static int sva_scn_expected(struct sva_scn_parser *p, const char *what)
{
	return sva_scn_expected_tok(p, &p->tok, what);
}

static int sva_scn_nomem(struct sva_scn_parser *p)
{
	if (p->err && p->err_len)
		snprintf(p->err, p->err_len, "%s: out of memory", p->file);
	return -ENOMEM;
}

static int sva_scn_next(struct sva_scn_parser *p)
{
	char msg[2 * SVA_SCN_QUOTED];

	if (sva_scn_lex(&p->lx, &p->tok, msg, sizeof(msg)))
		return sva_scn_fail(p, p->tok.loc, "%s", msg);
	return 0;
}

/* The current token must be @c: step over it. */
static int sva_scn_eat(struct sva_scn_parser *p, char c)
{
	char what[4] = { '\'', c, '\'', 0 };

	if (!sva_scn_punct(&p->tok, c))
		return sva_scn_expected(p, what);
	return sva_scn_next(p);
}

/* A line ends here: step over its end (not over the end of the file). */
static int sva_scn_end_line(struct sva_scn_parser *p)
{
	if (p->tok.kind == SVA_SCN_TK_EOF)
		return 0;
	if (p->tok.kind != SVA_SCN_TK_EOL)
		return sva_scn_expected(p, "end of line");
	return sva_scn_next(p);
}

/* Room for element @n of an array of @n elements grown in powers of two; NULL: no memory. */
static void *sva_scn_grow(void *arr, size_t n, size_t elem)
{
	size_t cap = n ? 2 * n : 4;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	if (cap > SIZE_MAX / elem)
		return NULL;
	return realloc(arr, cap * elem);
}

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
static const char *sva_scn_strdup(struct sva_scn_parser *p, const char *src, size_t len)
{
	struct sva_scenario *s = p->s;
	char *copy;

	if (s->nstrings == s->strings_cap) {
		size_t cap = s->strings_cap ? 2 * s->strings_cap : 16;
		char **strings = cap < SIZE_MAX / sizeof(*strings)
					 ? realloc(s->strings, cap * sizeof(*strings))
					 : NULL;

		if (!strings)
			return NULL;
		s->strings = strings;
		s->strings_cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return NULL;
	memcpy(copy, src, len);
	copy[len] = '\0';
	s->strings[s->nstrings++] = copy;
	return copy;
}

static bool sva_scn_same(const char *name, const struct sva_scn_tok *t)
{
	return strlen(name) == t->len && memcmp(name, t->start, t->len) == 0;
}

/* An identifier for a message: itself, or its start when very long. */
static int sva_scn_show_len(const struct sva_scn_tok *t)
{
	return t->len > 2 * SVA_SCN_SHOW ? 2 * SVA_SCN_SHOW : (int)t->len;
}

/* ---- names --------------------------------------------------------------------------------- */

static const char *sva_scn_type_phrase(enum sva_scn_type t)
{
	static const char *const phrases[SVA_SCN_T_NR] = {
		[SVA_SCN_T_NONE] = "nothing",	 [SVA_SCN_T_FD] = "an fd",
		[SVA_SCN_T_ADDR] = "an address", [SVA_SCN_T_PID] = "a pid",
		[SVA_SCN_T_TID] = "a tid",	 [SVA_SCN_T_COMP] = "a completion",
	};

	return (unsigned)t < SVA_SCN_T_NR ? phrases[t] : "?";
}

static int sva_scn_var_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->nvars; i++)
		if (sva_scn_same(s->vars[i].name, t))
			return (int)i;
	return -1;
}

static int sva_scn_var_add(struct sva_scn_parser *p, const struct sva_scn_tok *t,
			   enum sva_scn_type type)
{
	struct sva_scenario *s = p->s;
	const char *name = sva_scn_strdup(p, t->start, t->len);
	struct sva_scn_var *v;

	if (!name || s->nvars >= INT_MAX)
		return sva_scn_nomem(p);
	v = sva_scn_append(s->vars, s->nvars);
	if (!v)
		return sva_scn_nomem(p);
	v->name = name;
	v->type = type;
	v->loc = t->loc;
	return 0;
}

static int sva_scn_device_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->ndevices; i++)
		if (sva_scn_same(s->devices[i].name, t))
			return (int)i;
	return -1;
}

static int sva_scn_wq_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->nwqs; i++)
		if (sva_scn_same(s->wqs[i].name, t))
			return (int)i;
	return -1;
}

static int sva_scn_program_find(const struct sva_scenario *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nprograms; i++)
		if (strlen(s->programs[i].name) == len &&
		    memcmp(s->programs[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

static int sva_scn_decl_find(const struct sva_scn_parser *p, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < p->ndecls; i++)
		if (p->decls[i].len == t->len && memcmp(p->decls[i].name, t->start, t->len) == 0)
			return (int)i;
	return -1;
}

/* The call named by @t; repeat is a statement, not a call. */
static const struct sva_scn_call *sva_scn_call_lookup(const struct sva_scn_tok *t)
{
	for (const struct sva_scn_call *c = sva_scn_calls; c->name; c++)
		if (c->op != SVA_SCN_REPEAT && sva_scn_same(c->name, t))
			return c;
	return NULL;
}

struct sva_scn_errno {
	const char *name;
	int value;
};

static const struct sva_scn_errno sva_scn_errnos[] = {
	{ "EPERM", EPERM },
	{ "ENOENT", ENOENT },
	{ "ESRCH", ESRCH },
	{ "EINTR", EINTR },
	{ "EIO", EIO },
	{ "ENXIO", ENXIO },
	{ "E2BIG", E2BIG },
	{ "EBADF", EBADF },
	{ "ECHILD", ECHILD },
	{ "EAGAIN", EAGAIN },
	{ "ENOMEM", ENOMEM },
	{ "EACCES", EACCES },
	{ "EFAULT", EFAULT },
	{ "EBUSY", EBUSY },
	{ "EEXIST", EEXIST },
	{ "ENODEV", ENODEV },
	{ "EINVAL", EINVAL },
	{ "EMFILE", EMFILE },
	{ "ENOTTY", ENOTTY },
	{ "ENOSPC", ENOSPC },
	{ "ERANGE", ERANGE },
	{ "EDEADLK", EDEADLK },
	{ "ENOSYS", ENOSYS },
	{ "EOVERFLOW", EOVERFLOW },
	{ "ECANCELED", ECANCELED },
	{ "ETIMEDOUT", ETIMEDOUT },
	{ "EOPNOTSUPP", EOPNOTSUPP },
	{ "EPROTO", EPROTO },
};

static int sva_scn_errno_find(const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < sizeof(sva_scn_errnos) / sizeof(sva_scn_errnos[0]); i++)
		if (sva_scn_same(sva_scn_errnos[i].name, t))
			return sva_scn_errnos[i].value;
	return 0;
}

/* ---- the prescan --------------------------------------------------------------------------- */

/* The first tokens of one line: "v = call" types v, "process|program NAME" declares NAME. */
static int sva_scn_prescan_line(struct sva_scn_parser *p, const struct sva_scn_tok *t, size_t n)
{
	const struct sva_scn_call *c;
	struct sva_scn_decl *d;

	if (n >= 3 && t[0].kind == SVA_SCN_TK_IDENT && sva_scn_punct(&t[1], '=') &&
	    t[2].kind == SVA_SCN_TK_IDENT) {
		c = sva_scn_call_lookup(&t[2]);
		if (c && c->returns != SVA_SCN_T_NONE && p->s->nvars < SVA_SCN_MAX_VARS &&
		    sva_scn_var_find(p->s, &t[0]) < 0)
			return sva_scn_var_add(p, &t[0], c->returns);
	}
	if (n >= 2 && (sva_scn_word(&t[0], "process") || sva_scn_word(&t[0], "program")) &&
	    t[1].kind == SVA_SCN_TK_IDENT && p->ndecls < SVA_SCN_MAX_PROGRAMS) {
		d = sva_scn_append(p->decls, p->ndecls);
		if (!d)
			return sva_scn_nomem(p);
		d->name = t[1].start;
		d->len = t[1].len;
		d->starts = sva_scn_word(&t[0], "process");
	}
	return 0;
}

/*
 * A line with a malformed token among its first three is skipped: the main pass stops there.
 * One further on does not matter: the main pass meets the line's start first.
 */
static int sva_scn_prescan(struct sva_scn_parser *p)
{
	struct sva_scn_lexer lx = p->lx;
	struct sva_scn_tok line[3], t;
	bool broken = false;
	size_t n = 0;

	for (;;) {
		if (sva_scn_lex(&lx, &t, NULL, 0)) {
			broken |= n < 3;
			continue;
		}
		if (!sva_scn_at_eol(&t)) {
			if (n < 3)
				line[n++] = t;
			continue;
		}
		if (!broken) {
			int ret = sva_scn_prescan_line(p, line, n);

			if (ret)
				return ret;
		}
		if (t.kind == SVA_SCN_TK_EOF)
			return 0;
		n = 0;
		broken = false;
	}
}

/* ---- options of declarations --------------------------------------------------------------- */

/*
 * The option at the current token among @names (NULL-terminated, at most 32): its index, the
 * token stepped over. A second use of one is an error; another token is not @what.
 */
static int sva_scn_option(struct sva_scn_parser *p, const char *const *names, unsigned *seen,
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
static int sva_scn_option_num(struct sva_scn_parser *p, const char *name, uint64_t min,
			      uint64_t max, uint64_t *out)
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
		ret = sva_scn_option(p, opts, &seen, "a kernel option (frames=N) or end of line");
		if (ret < 0)
			return ret;
		ret = sva_scn_option_num(p, "frames", 2, SVA_SCN_MAX_FRAMES, &v);
		p->s->kernel.frames = (unsigned long)v;
	}
	return ret ? ret : sva_scn_end_line(p);
}

/* "=idxd" or "=uacce" after cdev: whose a queue's file is (enum sva_accel_cdev_rule). */
static int sva_scn_device_cdev(struct sva_scn_parser *p, struct sva_scn_device *d)
{
	int ret = sva_scn_eat(p, '=');

	if (ret)
		return ret;
	if (sva_scn_same("idxd", &p->tok))
		d->cdev = SVA_ACCEL_CDEV_IDXD;
	else if (sva_scn_same("uacce", &p->tok))
		d->cdev = SVA_ACCEL_CDEV_UACCE;
	else
		return sva_scn_expected(p, "idxd or uacce for cdev");
	return sva_scn_next(p);
}

/* A device's option; @d is the device being declared (the last one). */
static int sva_scn_device_option(struct sva_scn_parser *p, struct sva_scn_device *d, unsigned *seen)
{
	static const char *const opts[] = { "engines", "pasid_bits", "pri",  "ats",
					    "group",   "max_xfer",   "cdev", NULL };
	int o, ret;
	uint64_t v = 0;

	o = sva_scn_option(p, opts, seen,
			   "a device option (engines=N, pasid_bits=N, pri, ats, group=DEVICE, "
			   "max_xfer=N, cdev=idxd|uacce) or end of line");
	switch (o) {
	case 0:
		ret = sva_scn_option_num(p, "engines", 1, SVA_ACCEL_MAX_ENGINES, &v);
		d->engines = (unsigned)v;
		return ret;
	case 1:
		ret = sva_scn_option_num(p, "pasid_bits", 1, SVA_SCN_MAX_PASID_BITS, &v);
		d->pasid_bits = (unsigned)v;
		return ret;
	case 2:
		d->pri = true;
		return 0;
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
		if (d->group < 0)
			return sva_scn_fail(p, p->tok.loc, "unknown device '%.*s'",
					    sva_scn_show_len(&p->tok), p->tok.start);
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

/* device NAME [engines=N] [pasid_bits=N] [pri] [ats] [group=DEVICE] [max_xfer=N] [cdev=R] */
static int sva_scn_parse_device(struct sva_scn_parser *p)
{
	struct sva_scenario *s = p->s;
	struct sva_scn_device *d;
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
		ret = sva_scn_device_option(p, d, &seen);
	return ret ? ret : sva_scn_end_line(p);
}

/* wq DEVICE shared|dedicated [depth=N] [bof] */
static int sva_scn_parse_wq(struct sva_scn_parser *p)
{
	static const char *const opts[] = { "shared", "dedicated", "depth", "bof", NULL };
	struct sva_scenario *s = p->s;
	struct sva_scn_wq *q;
	unsigned seen = 0, index = 0;
	uint64_t depth = 8;
	int dev, o, ret = sva_scn_next(p);

	if (ret)
		return ret;
	if (p->tok.kind != SVA_SCN_TK_IDENT)
		return sva_scn_expected(p, "a device name");
	dev = sva_scn_device_find(s, &p->tok);
	if (dev < 0)
		return sva_scn_fail(p, p->tok.loc, "unknown device '%.*s'",
				    sva_scn_show_len(&p->tok), p->tok.start);
	for (size_t i = 0; i < s->nwqs; i++)
		index += s->wqs[i].device == dev;
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

		o = sva_scn_option(p, opts, &seen, "a wq option (shared, dedicated, depth=N, bof)");
		if (o < 0)
			return o;
		if (o <= 1 && (seen & 3) == 3)
			return sva_scn_fail(p, loc, "a wq is shared or dedicated, not both");
		if (o <= 1)
			q->mode = o == 0 ? SVA_SCN_WQ_SHARED : SVA_SCN_WQ_DEDICATED;
		else if (o == 2)
			ret = sva_scn_option_num(p, "depth", 1, SVA_ACCEL_MAX_DEPTH, &depth);
		else
			q->bof = true;
	}
	if (ret)
		return ret;
	if (!(seen & 3))
		return sva_scn_expected(p, "shared or dedicated");
	q->depth = (unsigned)depth;
	return sva_scn_end_line(p);
}

static int sva_scn_parse_block(struct sva_scn_parser *p, struct sva_scn_block *b);

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
	if (!ret && starts && p->tok.kind == SVA_SCN_TK_IDENT && p->tok.start[0] == 'x')
		ret = sva_scn_parse_instances(p, &prog->instances);
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
static int sva_scn_parse_goal(struct sva_scn_parser *p)
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

/* ---- statements ---------------------------------------------------------------------------- */

static struct sva_scn_stmt *sva_scn_stmt_add(struct sva_scn_block *b, struct sva_scn_loc loc,
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

/* A NAME: open's WQ, remove's device, fork's and clone's program (its index fixed later). */
static int sva_scn_value_name(struct sva_scn_parser *p, const struct sva_scn_stmt *st,
			      struct sva_scn_arg *a, const struct sva_scn_tok *v)
{
	const char *kind = st->op == SVA_SCN_OPEN     ? "wq"
			   : st->op == SVA_SCN_REMOVE ? "device"
						      : "program";
	char what[32];

	if (v->kind != SVA_SCN_TK_IDENT) {
		snprintf(what, sizeof(what), "a %s name", kind);
		return sva_scn_expected_tok(p, v, what);
	}
	if (st->op == SVA_SCN_OPEN)
		a->index = sva_scn_wq_find(p->s, v);
	else if (st->op == SVA_SCN_REMOVE)
		a->index = sva_scn_device_find(p->s, v);
	else
		a->index = sva_scn_decl_find(p, v);
	if (a->index < 0)
		return sva_scn_fail(p, v->loc, "unknown %s '%.*s'", kind, sva_scn_show_len(v),
				    v->start);
	if ((st->op == SVA_SCN_FORK || st->op == SVA_SCN_CLONE) && p->decls[a->index].starts)
		return sva_scn_fail(p, v->loc, "%.*s is a process, expected a program",
				    sva_scn_show_len(v), v->start);
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
	uint64_t min = st->op == SVA_SCN_MMAP ? 1 : 0;
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
		return sva_scn_value_name(p, st, a, v);
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

/* Whether the token after the current one is '=': a look at the text, nothing lexed. */
static bool sva_scn_next_is_eq(const struct sva_scn_parser *p)
{
	struct sva_scn_lexer lx = p->lx;

	sva_scn_skip_blanks(&lx);
	return sva_scn_peek(&lx) == '=';
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

/* What each submit op needs and accepts, by parameter index (2 src .. 6 dst2). */
struct sva_scn_submit_rule {
	const char *op;
	unsigned needs, takes;
};

#define SVA_SCN_SRC	(1u << 2)
#define SVA_SCN_DST	(1u << 3)
#define SVA_SCN_LEN	(1u << 4)
#define SVA_SCN_PATTERN (1u << 5)
#define SVA_SCN_DST2	(1u << 6)

static const struct sva_scn_submit_rule sva_scn_submit_rules[] = {
	{ "noop", 0, 0 },
	{ "memmove", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN, 0 },
	{ "fill", SVA_SCN_DST | SVA_SCN_LEN, SVA_SCN_PATTERN },
	{ "compare", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN, 0 },
	{ "compare_pattern", SVA_SCN_SRC | SVA_SCN_LEN, SVA_SCN_PATTERN },
	{ "crc32c", SVA_SCN_SRC | SVA_SCN_LEN, 0 },
	{ "copy_crc", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_LEN, 0 },
	{ "dualcast", SVA_SCN_SRC | SVA_SCN_DST | SVA_SCN_DST2 | SVA_SCN_LEN, 0 },
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
		sva_scn_quote(p->tok.start, p->tok.len, q, sizeof(q));
		return sva_scn_fail(p, at, "unknown call %s", q);
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

/* expect error(ENAME) | any | status(N|killed), about the statement before it. */
static int sva_scn_parse_expect(struct sva_scn_parser *p, struct sva_scn_block *b)
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
	if (!sva_scn_next_is_eq(p))
		return sva_scn_parse_call(p, b, NULL);
	ret = sva_scn_next(p);
	ret = ret ? ret : sva_scn_next(p);
	if (!ret && p->tok.kind != SVA_SCN_TK_IDENT)
		ret = sva_scn_expected(p, "a call");
	return ret ? ret : sva_scn_parse_call(p, b, &var);
}

/* A block from its '{' (the current token) to its '}' on a line of its own. */
static int sva_scn_parse_block(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	struct sva_scn_loc open = p->tok.loc;
	int ret = sva_scn_next(p);

	if (!ret && !sva_scn_at_eol(&p->tok))
		ret = sva_scn_expected(p, "end of line");
	while (!ret) {
		if (p->tok.kind == SVA_SCN_TK_EOL) {
			ret = sva_scn_next(p);
		} else if (sva_scn_punct(&p->tok, '}')) {
			ret = sva_scn_next(p);
			return ret ? ret : sva_scn_end_line(p);
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

/* ---- the file ------------------------------------------------------------------------------ */

struct sva_scn_decl_parser {
	const char *word;
	int (*parse)(struct sva_scn_parser *p);
};

static const struct sva_scn_decl_parser sva_scn_decl_parsers[] = {
	{ "kernel", sva_scn_parse_kernel },
	{ "device", sva_scn_parse_device },
	{ "wq", sva_scn_parse_wq },
	{ "process", sva_scn_parse_process },
	{ "program", sva_scn_parse_program_decl },
	{ "expect", sva_scn_parse_goal },
};

static int sva_scn_parse_decl(struct sva_scn_parser *p)
{
	for (size_t i = 0; i < sizeof(sva_scn_decl_parsers) / sizeof(sva_scn_decl_parsers[0]); i++)
		if (sva_scn_word(&p->tok, sva_scn_decl_parsers[i].word))
			return sva_scn_decl_parsers[i].parse(p);
	return sva_scn_expected(p,
				"a declaration (kernel, device, wq, process, program or expect)");
}

/* Program names used before their declaration: their indices, now that all are known. */
static int sva_scn_resolve_block(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct sva_scn_stmt *st = &b->stmts[i];
		struct sva_scn_arg *a = &st->args[0];
		int ret;

		if (st->op == SVA_SCN_REPEAT) {
			ret = sva_scn_resolve_block(p, st->body);
			if (ret)
				return ret;
		} else if ((st->op == SVA_SCN_FORK || st->op == SVA_SCN_CLONE) && a->present) {
			a->index = sva_scn_program_find(p->s, a->word, strlen(a->word));
			if (a->index < 0)
				return sva_scn_fail(p, a->loc, "unknown program '%s'", a->word);
		}
	}
	return 0;
}

static int sva_scn_resolve(struct sva_scn_parser *p)
{
	struct sva_scenario *s = p->s;

	for (size_t i = 0; i < s->nprograms; i++) {
		int ret = sva_scn_resolve_block(p, &s->programs[i].body);

		if (ret)
			return ret;
	}
	for (size_t i = 0; i < s->ngoals; i++) {
		struct sva_scn_goal_expect *g = &s->goals[i];
		const struct sva_scn_decl *d;

		if (g->program < 0)
			continue;
		d = &p->decls[g->program];
		g->program = sva_scn_program_find(s, d->name, d->len);
		if (g->program < 0)
			return sva_scn_fail(p, g->loc, "unknown process '%.*s'", (int)d->len,
					    d->name);
	}
	return 0;
}

static int sva_scn_parse_file(struct sva_scn_parser *p)
{
	int ret = sva_scn_prescan(p);

	ret = ret ? ret : sva_scn_next(p);
	while (!ret) {
		if (p->tok.kind == SVA_SCN_TK_EOL)
			ret = sva_scn_next(p);
		else if (p->tok.kind == SVA_SCN_TK_EOF)
			break;
		else
			ret = sva_scn_parse_decl(p);
	}
	if (ret)
		return ret;
	if (!p->seen_process)
		return sva_scn_expected(p, "at least one process");
	return sva_scn_resolve(p);
}

/* Parse @len bytes at @text (NUL bytes in it are errors). */
static int sva_scn_parse_text(const char *file, const char *text, size_t len,
			      struct sva_scenario **out, char *err, size_t err_len)
{
	struct sva_scn_parser p = { .file = file, .err = err, .err_len = err_len };
	struct sva_scenario *s;
	int ret;

	if (err && err_len)
		err[0] = '\0';
	s = calloc(1, sizeof(*s));
	p.s = s;
	if (!s)
		return sva_scn_nomem(&p);
	s->text = malloc(len + 1);
	s->file = sva_scn_strdup(&p, file, strlen(file));
	if (!s->text || !s->file) {
		sva_scenario_free(s);
		return sva_scn_nomem(&p);
	}
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	p.lx = (struct sva_scn_lexer){ .text = s->text, .len = len, .line = 1, .col = 1 };
	ret = sva_scn_parse_file(&p);
	free(p.decls);
	if (ret) {
		sva_scenario_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

int sva_scenario_parse(const char *file, const char *text, struct sva_scenario **out, char *err,
		       size_t err_len)
{
	if (!file)
		file = "<scenario>";
	if (out)
		*out = NULL;
	if (!text || !out) {
		if (err && err_len)
			snprintf(err, err_len, "%s: no text to parse", file);
		return -EINVAL;
	}
	return sva_scn_parse_text(file, text, strlen(text), out, err, err_len);
}

/* The whole of @path into *@text (malloc'd) and *@len. -errno, the message in @err. */
static int sva_scn_read(const char *path, char **text, size_t *len, char *err, size_t err_len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	FILE *f;
	int ret;

	errno = 0;
	f = fopen(path, "rb");
	if (!f) {
		ret = errno ? -errno : -EIO;
		goto fail;
	}
	do {
		if (n == cap) {
			char *bigger =
				cap <= SVA_SCN_MAX_FILE ? realloc(buf, cap ? 2 * cap : 4096) : NULL;

			ret = cap > SVA_SCN_MAX_FILE ? -EFBIG : -ENOMEM;
			if (!bigger)
				goto fail;
			buf = bigger;
			cap = cap ? 2 * cap : 4096;
		}
		errno = 0;
		n += fread(buf + n, 1, cap - n, f);
		if (ferror(f)) {
			ret = errno ? -errno : -EIO;
			goto fail;
		}
	} while (!feof(f));
	ret = n > SVA_SCN_MAX_FILE ? -EFBIG : 0;
	if (ret)
		goto fail;
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
fail:
	if (err && err_len)
		snprintf(err, err_len, "cannot read %s: %s", path,
			 ret == -EFBIG ? "larger than 16 MiB" : strerror(-ret));
	if (f)
		fclose(f);
	free(buf);
	return ret;
}

int sva_scenario_load(const char *path, struct sva_scenario **out, char *err, size_t err_len)
{
	char *text;
	size_t len;
	int ret;

	if (out)
		*out = NULL;
	if (!path || !out) {
		if (err && err_len)
			snprintf(err, err_len, "no scenario file");
		return -EINVAL;
	}
	ret = sva_scn_read(path, &text, &len, err, err_len);
	if (ret)
		return ret;
	ret = sva_scn_parse_text(path, text, len, out, err, err_len);
	free(text);
	return ret;
}

static void sva_scn_block_free(struct sva_scn_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (!b->stmts[i].body)
			continue;
		sva_scn_block_free(b->stmts[i].body);
		free(b->stmts[i].body);
	}
	free(b->stmts);
}

void sva_scenario_free(struct sva_scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nprograms; i++)
		sva_scn_block_free(&s->programs[i].body);
	for (size_t i = 0; i < s->nstrings; i++)
		free(s->strings[i]);
	free(s->strings);
	free(s->programs);
	free(s->devices);
	free(s->wqs);
	free(s->vars);
	free(s->goals);
	free(s->text);
	free(s);
}

const char *sva_scenario_file(const struct sva_scenario *s)
{
	return s ? s->file : NULL;
}

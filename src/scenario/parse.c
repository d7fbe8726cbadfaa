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

#include "../base/text.h"
#include "parse.h"

/* ---- errors, memory ------------------------------------------------------------------------ */

int sva_scn_fail(struct sva_scn_parser *p, struct sva_scn_loc loc, const char *fmt, ...)
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

int sva_scn_expected_tok(struct sva_scn_parser *p, const struct sva_scn_tok *t, const char *what)
{
	char found[SVA_SCN_QUOTED];

	sva_scn_describe(t, found, sizeof(found));
	return sva_scn_fail(p, t->loc, "expected %s, found %s", what, found);
}

int sva_scn_expected(struct sva_scn_parser *p, const char *what)
{
	return sva_scn_expected_tok(p, &p->tok, what);
}

int sva_scn_nomem(struct sva_scn_parser *p)
{
	if (p->err && p->err_len)
		snprintf(p->err, p->err_len, "%s: out of memory", p->file);
	return -ENOMEM;
}

int sva_scn_lookahead(const struct sva_scn_parser *p, size_t n)
{
	struct sva_scn_lexer lx = p->lx;

	sva_scn_skip_blanks(&lx);
	return lx.pos + n < lx.len ? (unsigned char)lx.text[lx.pos + n] : -1;
}

int sva_scn_next(struct sva_scn_parser *p)
{
	char msg[2 * SVA_SCN_QUOTED];

	if (sva_scn_lex(&p->lx, &p->tok, msg, sizeof(msg)))
		return sva_scn_fail(p, p->tok.loc, "%s", msg);
	return 0;
}

/* The current token must be @c: step over it. */
int sva_scn_eat(struct sva_scn_parser *p, char c)
{
	char what[4] = { '\'', c, '\'', 0 };

	if (!sva_scn_punct(&p->tok, c))
		return sva_scn_expected(p, what);
	return sva_scn_next(p);
}

/* A line ends here: step over its end (not over the end of the file). */
int sva_scn_end_line(struct sva_scn_parser *p)
{
	if (p->tok.kind == SVA_SCN_TK_EOF)
		return 0;
	if (p->tok.kind != SVA_SCN_TK_EOL)
		return sva_scn_expected(p, "end of line");
	return sva_scn_next(p);
}

/* Room for element @n of an array of @n elements grown in powers of two; NULL: no memory. */
void *sva_scn_grow(void *arr, size_t n, size_t elem)
{
	size_t cap = n ? 2 * n : 4;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	if (cap > SIZE_MAX / elem)
		return NULL;
	return realloc(arr, cap * elem);
}

/* A copy of @len bytes at @src owned by the scenario; NULL without memory. */
const char *sva_scn_strdup(struct sva_scn_parser *p, const char *src, size_t len)
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

bool sva_scn_same(const char *name, const struct sva_scn_tok *t)
{
	return strlen(name) == t->len && memcmp(name, t->start, t->len) == 0;
}

/* An identifier for a message: itself, or its start when very long. */
int sva_scn_show_len(const struct sva_scn_tok *t)
{
	return t->len > 2 * SVA_SCN_SHOW ? 2 * SVA_SCN_SHOW : (int)t->len;
}

/* ---- names --------------------------------------------------------------------------------- */

const char *sva_scn_type_phrase(enum sva_scn_type t)
{
	static const char *const phrases[SVA_SCN_T_NR] = {
		[SVA_SCN_T_NONE] = "nothing",	 [SVA_SCN_T_FD] = "an fd",
		[SVA_SCN_T_ADDR] = "an address", [SVA_SCN_T_PID] = "a pid",
		[SVA_SCN_T_TID] = "a tid",	 [SVA_SCN_T_COMP] = "a completion",
	};

	return (unsigned)t < SVA_SCN_T_NR ? phrases[t] : "?";
}

int sva_scn_var_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->nvars; i++)
		if (sva_scn_same(s->vars[i].name, t))
			return (int)i;
	return -1;
}

int sva_scn_var_add(struct sva_scn_parser *p, const struct sva_scn_tok *t, enum sva_scn_type type)
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

int sva_scn_device_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->ndevices; i++)
		if (sva_scn_same(s->devices[i].name, t))
			return (int)i;
	return -1;
}

int sva_scn_wq_find(const struct sva_scenario *s, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->nwqs; i++)
		if (sva_scn_same(s->wqs[i].name, t))
			return (int)i;
	return -1;
}

int sva_scn_program_find(const struct sva_scenario *s, const char *name, size_t len)
{
	for (size_t i = 0; i < s->nprograms; i++)
		if (strlen(s->programs[i].name) == len &&
		    memcmp(s->programs[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

int sva_scn_decl_find(const struct sva_scn_parser *p, const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < p->ndecls; i++)
		if (p->decls[i].len == t->len && memcmp(p->decls[i].name, t->start, t->len) == 0)
			return (int)i;
	return -1;
}

/* The call named by @t; repeat, if and expect are statements, not calls. */
const struct sva_scn_call *sva_scn_call_lookup(const struct sva_scn_tok *t)
{
	for (const struct sva_scn_call *c = sva_scn_calls; c->name; c++)
		if (!sva_scn_op_is_stmt(c->op) && sva_scn_same(c->name, t))
			return c;
	return NULL;
}

/* ---- did you mean ------------------------------------------------------------------------- */

void sva_scn_hint_add(struct sva_scn_hint *h, const struct sva_scn_tok *t, const char *name,
		      size_t len)
{
	size_t d =
		t->len > SVA_SCN_SHOW ? SIZE_MAX : sva_edit_distance(t->start, t->len, name, len);

	if (!h->best || d < h->dist) {
		h->best = name;
		h->len = len;
		h->dist = d;
	}
}

const char *sva_scn_hint_text(struct sva_scn_hint *h, const struct sva_scn_tok *t)
{
	size_t limit = t->len <= 3 ? 1 : t->len <= 6 ? 2 : 3;

	h->text[0] = '\0';
	if (h->best && h->dist > 0 && h->dist <= limit)
		snprintf(h->text, sizeof(h->text), "; did you mean %.*s?", (int)h->len, h->best);
	return h->text;
}

const char *sva_scn_hint_call(struct sva_scn_hint *h, const struct sva_scn_tok *t)
{
	for (const struct sva_scn_call *c = sva_scn_calls; c->name; c++)
		if (!sva_scn_op_is_stmt(c->op))
			sva_scn_hint_add(h, t, c->name, strlen(c->name));
	return sva_scn_hint_text(h, t);
}

const char *sva_scn_hint_device(struct sva_scn_hint *h, const struct sva_scenario *s,
				const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->ndevices; i++)
		sva_scn_hint_add(h, t, s->devices[i].name, strlen(s->devices[i].name));
	return sva_scn_hint_text(h, t);
}

const char *sva_scn_hint_wq(struct sva_scn_hint *h, const struct sva_scenario *s,
			    const struct sva_scn_tok *t)
{
	for (size_t i = 0; i < s->nwqs; i++)
		sva_scn_hint_add(h, t, s->wqs[i].name, strlen(s->wqs[i].name));
	return sva_scn_hint_text(h, t);
}

const char *sva_scn_hint_decl(struct sva_scn_hint *h, const struct sva_scn_parser *p,
			      const struct sva_scn_tok *t, bool starts)
{
	for (size_t i = 0; i < p->ndecls; i++)
		if (p->decls[i].starts == starts)
			sva_scn_hint_add(h, t, p->decls[i].name, p->decls[i].len);
	return sva_scn_hint_text(h, t);
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

int sva_scn_errno_find(const struct sva_scn_tok *t)
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

/* ---- the file ------------------------------------------------------------------------------ */

/* Program names used before their declaration: their indices, now that all are known. */
static int sva_scn_resolve_block(struct sva_scn_parser *p, struct sva_scn_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct sva_scn_stmt *st = &b->stmts[i];
		struct sva_scn_arg *a = &st->args[0];
		int ret;

		if (st->body || st->orelse) {
			ret = st->body ? sva_scn_resolve_block(p, st->body) : 0;
			ret = !ret && st->orelse ? sva_scn_resolve_block(p, st->orelse) : ret;
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

/*
 * What setup needs, checked here so that a scenario that parses can be set up (a refusal at
 * setup would have no location): every device has a WQ (an accelerator without one cannot be
 * created), the processes started at time zero fit the runner's tasks, and the kernel's frames
 * hold what setup takes from them - a portal page per WQ and a page-table root per process -
 * plus the frame the allocator never hands out. What the processes take later is theirs to
 * run out of (a call fails with -ENOMEM, at its line).
 */
static int sva_scn_check_setup(struct sva_scn_parser *p)
{
	const struct sva_scenario *s = p->s;
	unsigned long tops = 0, need;

	for (size_t d = 0; d < s->ndevices; d++) {
		bool has_wq = false;

		for (size_t i = 0; i < s->nwqs && !has_wq; i++)
			has_wq = s->wqs[i].device == (int)d;
		if (!has_wq)
			return sva_scn_fail(p, s->devices[d].loc,
					    "device %s has no wq (declare one: wq %s shared)",
					    s->devices[d].name, s->devices[d].name);
	}
	for (size_t i = 0; i < s->nprograms; i++) {
		const struct sva_scn_program *prog = &s->programs[i];

		if (!prog->starts)
			continue;
		tops += prog->instances;
		if (tops > SVA_SCN_RUN_MAX_TASKS)
			return sva_scn_fail(
				p, prog->instances_loc.line ? prog->instances_loc : prog->loc,
				"too many processes at the start: %lu, a run has at most "
				"%d tasks (processes, children and threads)",
				tops, SVA_SCN_RUN_MAX_TASKS);
	}
	need = 1 + s->nwqs + tops;
	if (s->kernel.frames && s->kernel.frames < need)
		return sva_scn_fail(p, s->kernel.loc,
				    "frames=%lu is too few: setup takes %lu (a portal per wq: %zu, "
				    "a page table per process: %lu, and one reserved)",
				    s->kernel.frames, need, s->nwqs, tops);
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
	ret = sva_scn_check_setup(p);
	return ret ? ret : sva_scn_resolve(p);
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
		struct sva_scn_block *nested[2] = { b->stmts[i].body, b->stmts[i].orelse };

		for (int j = 0; j < 2; j++) {
			if (!nested[j])
				continue;
			sva_scn_block_free(nested[j]);
			free(nested[j]);
		}
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
	free(s->embedders);
	free(s->tables);
	free(s->vars);
	free(s->goals);
	free(s->text);
	free(s);
}

const char *sva_scenario_file(const struct sva_scenario *s)
{
	return s ? s->file : NULL;
}

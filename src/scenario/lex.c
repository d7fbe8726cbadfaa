/* SPDX-License-Identifier: MIT */
/*
 * The scenario language's lexer: identifiers, numbers (decimal or 0x hex, k/m/g suffixes),
 * punctuation, comparison operators (< <= > >= == !=), line ends ('#' starts a comment to the end
 * of the line), each token with the line and column it starts at; and the quoting of a token for a
 * message. A malformed token is reported to the caller, who decides where the error goes (the
 * prescan ignores it).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

bool sva_scn_is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool sva_scn_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

int sva_scn_peek(const struct sva_scn_lexer *lx)
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
void sva_scn_quote(const char *s, size_t len, char *buf, size_t n)
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

void sva_scn_describe(const struct sva_scn_tok *t, char *buf, size_t n)
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

void sva_scn_skip_blanks(struct sva_scn_lexer *lx)
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
int sva_scn_lex(struct sva_scn_lexer *lx, struct sva_scn_tok *t, char *msg, size_t n)
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
	if ((c == '<' || c == '>' || c == '=' || c == '!') && sva_scn_peek(lx) == '=') {
		sva_scn_advance(lx);
		t->len = 2;
		t->kind = SVA_SCN_TK_OP;
		return 0;
	}
	switch (c) {
	case '\n':
		t->kind = SVA_SCN_TK_EOL;
		return 0;
	case '<':
	case '>':
		t->kind = SVA_SCN_TK_OP;
		return 0;
	case '=':
	case '-':
	case '.':
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

bool sva_scn_punct(const struct sva_scn_tok *t, char c)
{
	return t->kind == SVA_SCN_TK_PUNCT && t->start[0] == c;
}

bool sva_scn_word(const struct sva_scn_tok *t, const char *word)
{
	return t->kind == SVA_SCN_TK_IDENT && strlen(word) == t->len &&
	       memcmp(t->start, word, t->len) == 0;
}

bool sva_scn_at_eol(const struct sva_scn_tok *t)
{
	return t->kind == SVA_SCN_TK_EOL || t->kind == SVA_SCN_TK_EOF;
}

/* SPDX-License-Identifier: MIT */
/*
 * Schedule strings: the decisions of a sim run in a form a person can copy.
 *
 * A decision names the actor that ran next: 'a' for actor 0 ... 'z' for 25, "[N]" for any
 * other, followed by a repeat count when the same actor was chosen several times in a row.
 * "ab3a" = actor 0, then actor 1 three times, then actor 0. Only points where more than one
 * actor could run are decisions, so the strings stay short.
 *
 * Encoding uses no stdio and allocates nothing: a crash handler writes the schedule of the run
 * in progress with sva_world_schedule_write().
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sched.h"

static size_t sva_put(char *buf, size_t len, size_t off, const char *s, size_t n)
{
	if (off < len) {
		size_t room = len - off - 1;

		memcpy(buf + off, s, n < room ? n : room);
		buf[off + (n < room ? n : room)] = '\0';
	}
	return off + n;
}

/* @v in decimal at @out (no stdio: the encoder runs in signal handlers); its length. */
static size_t sva_decimal(char *out, unsigned long v)
{
	char rev[24];
	size_t n = 0, len = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[len++] = rev[--n];
	return len;
}

/* One decision's token at @tok: "c" or "[N]", with its repeat count; its length. */
static size_t sva_schedule_token(unsigned id, size_t run, char tok[48])
{
	size_t n = 0;

	if (id < 26) {
		tok[n++] = (char)('a' + id);
	} else {
		tok[n++] = '[';
		n += sva_decimal(tok + n, id);
		tok[n++] = ']';
	}
	if (run > 1)
		n += sva_decimal(tok + n, run);
	return n;
}

size_t sva_schedule_encode(const struct sva_decision *d, size_t n, char *buf, size_t len)
{
	size_t off = 0;
	char tok[48];

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t run = 1, tlen;

		while (i + run < n && d[i + run].chosen == d[i].chosen)
			run++;
		tlen = sva_schedule_token(d[i].chosen, run, tok);
		off = sva_put(buf, len, off, tok, tlen);
		i += run;
	}
	return off;
}

static int sva_schedule_push(uint16_t **out, size_t *n, size_t *cap, unsigned id, unsigned long rep)
{
	if (rep == 0 || rep > 100000000ul)
		return -EINVAL;
	if (*n + rep > *cap) {
		size_t c = (*n + rep) * 2;
		uint16_t *p = realloc(*out, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*out = p;
		*cap = c;
	}
	for (unsigned long i = 0; i < rep; i++)
		(*out)[(*n)++] = (uint16_t)id;
	return 0;
}

int sva_schedule_decode(const char *str, uint16_t **out, size_t *n)
{
	size_t cap = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	while (ret == 0 && *str) {
		unsigned long id, rep = 1;
		char *end;

		if (*str >= 'a' && *str <= 'z') {
			id = (unsigned long)(*str++ - 'a');
		} else if (*str == '[') {
			id = strtoul(str + 1, &end, 10);
			if (end == str + 1 || *end != ']' || id > UINT16_MAX)
				ret = -EINVAL;
			str = end + 1;
		} else {
			ret = -EINVAL;
			break;
		}
		if (ret == 0 && isdigit((unsigned char)*str)) {
			rep = strtoul(str, &end, 10);
			str = end;
		}
		if (ret == 0)
			ret = sva_schedule_push(out, n, &cap, (unsigned)id, rep);
	}
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

/* Write every byte of @buf to @fd, as far as it goes (async-signal-safe). */
static void sva_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = write(fd, buf, len);

		if (r <= 0 && errno != EINTR)
			return;
		if (r > 0) {
			buf += r;
			len -= (size_t)r;
		}
	}
}

size_t sva_world_schedule_write(struct sva_world *w, int fd)
{
	const struct sva_sched *s = w ? w->sched : NULL;
	size_t total = 0, used = 0;
	char out[512], tok[48];

	if (!s || !s->sim)
		return 0;
	for (size_t i = 0, n = s->ndecisions; i < n;) {
		size_t run = 1, tlen;

		while (i + run < n && s->decisions[i + run].chosen == s->decisions[i].chosen)
			run++;
		tlen = sva_schedule_token(s->decisions[i].chosen, run, tok);
		if (used + tlen > sizeof(out)) {
			sva_write_all(fd, out, used);
			used = 0;
		}
		memcpy(out + used, tok, tlen);
		used += tlen;
		total += tlen;
		i += run;
	}
	sva_write_all(fd, out, used);
	return total;
}

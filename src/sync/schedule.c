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
#include <limits.h>
#include <stdio.h>
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

/*
 * One pass over @str: every token checked, the decisions counted against @max and, when @out
 * is set, written there. 0; -EINVAL (malformed) or -E2BIG (more than @max decisions) with the
 * 0-based offset of the token at fault in *@bad and what is wrong in @why.
 */
static int sva_schedule_scan(const char *str, uint64_t max, uint16_t *out, size_t *n, size_t *bad,
			     const char **why)
{
	const char *p = str;
	uint64_t total = 0;

	while (*p) {
		const char *tok = p;
		unsigned long id, rep = 1;
		char *end;

		*bad = (size_t)(tok - str);
		if (*p >= 'a' && *p <= 'z') {
			id = (unsigned long)(*p++ - 'a');
		} else if (*p == '[') {
			if (!isdigit((unsigned char)p[1])) {
				*why = "expected an actor number after '[' ([N], N 0..65535)";
				return -EINVAL;
			}
			errno = 0;
			id = strtoul(p + 1, &end, 10);
			if (*end != ']') {
				*why = "expected ']' closing the actor number ([N])";
				return -EINVAL;
			}
			if (errno || id > UINT16_MAX) {
				*why = "an actor number is 0..65535";
				return -EINVAL;
			}
			p = end + 1;
		} else {
			*why = isdigit((unsigned char)*p)
				       ? "a repeat count must follow an actor (a-z or [N])"
				       : "expected an actor: a-z, or [N] for actor 26 and above";
			return -EINVAL;
		}
		if (isdigit((unsigned char)*p)) {
			errno = 0;
			rep = strtoul(p, &end, 10);
			if (rep == 0) {
				*bad = (size_t)(p - str);
				*why = "a repeat count is at least 1";
				return -EINVAL;
			}
			if (errno)
				rep = ULONG_MAX;
			p = end;
		}
		if (rep > max - total) {
			*why = "more decisions than the run's step budget (each decision takes a "
			       "step)";
			return -E2BIG;
		}
		for (unsigned long i = 0; out && i < rep; i++)
			out[total + i] = (uint16_t)id;
		total += rep;
	}
	*n = (size_t)total;
	return 0;
}

int sva_schedule_check(const char *str, uint64_t max_decisions, size_t *decisions, char *err,
		       size_t err_len)
{
	const char *why = "";
	size_t n = 0, bad = 0;
	int ret;

	if (!max_decisions)
		max_decisions = SVA_SIM_DEFAULT_MAX_STEPS;
	if (max_decisions > SVA_SCHEDULE_MAX_DECISIONS)
		max_decisions = SVA_SCHEDULE_MAX_DECISIONS;
	ret = sva_schedule_scan(str, max_decisions, NULL, &n, &bad, &why);
	if (ret && err && err_len) {
		if (ret == -E2BIG)
			snprintf(err, err_len,
				 "schedule too long at character %zu: more than %llu decisions, "
				 "the run's step budget (each decision takes a step)",
				 bad + 1, (unsigned long long)max_decisions);
		else
			snprintf(err, err_len, "bad schedule at character %zu: %s, found '%c'",
				 bad + 1, why, str[bad]);
	}
	if (decisions)
		*decisions = ret ? 0 : n;
	return ret;
}

int sva_schedule_decode(const char *str, uint64_t max, uint16_t **out, size_t *n)
{
	const char *why;
	size_t count = 0, bad;
	int ret;

	*out = NULL;
	*n = 0;
	if (max > SVA_SCHEDULE_MAX_DECISIONS)
		max = SVA_SCHEDULE_MAX_DECISIONS;
	ret = sva_schedule_scan(str, max, NULL, &count, &bad, &why);
	if (ret)
		return ret;
	*out = malloc((count ? count : 1) * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	sva_schedule_scan(str, max, *out, n, &bad, &why);
	return 0;
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

/* SPDX-License-Identifier: MIT */
/*
 * Schedule strings: the decisions of a sim run in a form a person can copy.
 *
 * A decision names the actor that ran next: 'a' for actor 0 ... 'z' for 25, "[N]" for any
 * other, followed by a repeat count when the same actor was chosen several times in a row.
 * "ab3a" = actor 0, then actor 1 three times, then actor 0. Only points where more than one
 * actor could run are decisions, so the strings stay short.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

static size_t sva_put(char *buf, size_t len, size_t off, const char *s)
{
	size_t n = strlen(s);

	if (off < len) {
		size_t room = len - off - 1;

		memcpy(buf + off, s, n < room ? n : room);
		buf[off + (n < room ? n : room)] = '\0';
	}
	return off + n;
}

size_t sva_schedule_encode(const struct sva_decision *d, size_t n, char *buf, size_t len)
{
	size_t off = 0;
	char tok[32];

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t run = 1;

		while (i + run < n && d[i + run].chosen == d[i].chosen)
			run++;
		if (d[i].chosen < 26)
			snprintf(tok, sizeof(tok), "%c", 'a' + d[i].chosen);
		else
			snprintf(tok, sizeof(tok), "[%u]", d[i].chosen);
		off = sva_put(buf, len, off, tok);
		if (run > 1) {
			snprintf(tok, sizeof(tok), "%zu", run);
			off = sva_put(buf, len, off, tok);
		}
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

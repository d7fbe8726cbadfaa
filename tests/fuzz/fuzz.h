/* SPDX-License-Identifier: MIT */
/*
 * What the libFuzzer targets share: the input as the C string the parser takes (a NUL byte
 * ends the text), and the property check - a broken property prints which and aborts, which
 * libFuzzer reports as a crash with the input that broke it. Kept in release fuzz builds
 * (not assert(): NDEBUG would drop it).
 */
#ifndef SVA_FUZZ_H
#define SVA_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_ASSERT(cond)                                                                   \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, \
				#cond);                                                     \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* @data as a NUL-terminated copy to free(), or NULL when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

#endif /* SVA_FUZZ_H */

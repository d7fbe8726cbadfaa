/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: sva_scenario_parse on arbitrary bytes. Whatever the input, the parser
 * answers a tree or -EINVAL with one line of message naming the file, never crashes, leaks or
 * runs into undefined behaviour (built with ASan+UBSan). The input is copied into a
 * NUL-terminated buffer: the parser takes a C string, so a NUL byte ends the text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sva/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sva_scenario *s = NULL;
	char err[256];
	char *text = malloc(size + 1);
	int ret;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	ret = sva_scenario_parse("fuzz.sva", text, &s, err, sizeof(err));
	if (ret == 0) {
		if (!s)
			abort(); /* success without a tree */
		sva_scenario_free(s);
	} else if (ret == -EINVAL) {
		/* one line, naming the file */
		if (strncmp(err, "fuzz.sva:", 9) != 0 || strchr(err, '\n'))
			abort();
	} else if (ret != -ENOMEM) {
		abort();
	}
	free(text);
	return 0;
}

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

#include "fuzz.h"
#include "sva/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sva_scenario *s = NULL;
	char err[256];
	char *text = fuzz_text(data, size);
	int ret;

	if (!text)
		return 0;
	err[0] = '\0';
	ret = sva_scenario_parse("fuzz.sva", text, &s, err, sizeof(err));
	/* a tree, or one line of message naming the file, or out of memory: nothing else */
	FUZZ_ASSERT(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret == 0) {
		FUZZ_ASSERT(s != NULL);
		sva_scenario_free(s);
	} else if (ret == -EINVAL) {
		FUZZ_ASSERT(strncmp(err, "fuzz.sva:", 9) == 0);
		FUZZ_ASSERT(strchr(err, '\n') == NULL);
	}
	free(text);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The edit distance behind "did you mean" (text.h): two rows and the one before, on the stack;
 * no allocation, so a hint can be made where memory ran out.
 */
#include <stdint.h>
#include <string.h>

#include "text.h"

size_t sva_edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t prev2[SVA_EDIT_MAX + 1], prev[SVA_EDIT_MAX + 1], cur[SVA_EDIT_MAX + 1];

	if (la > SVA_EDIT_MAX || lb > SVA_EDIT_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		memcpy(prev2, prev, sizeof(prev));
		memcpy(prev, cur, sizeof(cur));
	}
	return prev[lb];
}

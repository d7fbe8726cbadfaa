/* SPDX-License-Identifier: MIT */
/*
 * Small text helpers shared by the scenario parser and the tool: the edit distance behind
 * every "did you mean".
 */
#ifndef SVA_BASE_TEXT_H
#define SVA_BASE_TEXT_H

#include <stddef.h>

/* The longest word sva_edit_distance() measures; longer ones are SIZE_MAX apart. */
#define SVA_EDIT_MAX 63

/*
 * Edit distance of @a (@la bytes) and @b (@lb): insertions, deletions, substitutions, and a
 * swap of neighbours counting as one (Damerau's restricted distance).
 */
size_t sva_edit_distance(const char *a, size_t la, const char *b, size_t lb);

#endif /* SVA_BASE_TEXT_H */

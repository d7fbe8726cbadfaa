/* SPDX-License-Identifier: MIT */
/*
 * The checker's hash tables (see table.h). A slot is a used byte then the record, padded to
 * 8 bytes; the capacity is a power of two and the table grows (rehashing) before it is half
 * full, so a probe sequence is short and ends at a free slot.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define SVA_CHK_TABLE_MIN 16

static size_t sva_chk_stride(const struct sva_chk_table *t)
{
	return 8 + t->size;
}

static char *sva_chk_slot_at(const struct sva_chk_table *t, size_t i)
{
	return t->slots + i * sva_chk_stride(t);
}

static uint64_t sva_chk_hash(const struct sva_chk_key *k)
{
	uint64_t h = (uint64_t)(uintptr_t)k->device * 0x9e3779b97f4a7c15ull;

	h ^= k->pasid + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
	h ^= k->id + 0x85ebca77c2b2ae63ull + (h << 6) + (h >> 2);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static bool sva_chk_key_eq(const struct sva_chk_key *a, const struct sva_chk_key *b)
{
	return a->device == b->device && a->pasid == b->pasid && a->id == b->id;
}

void sva_chk_table_init(struct sva_chk_table *t, size_t size)
{
	*t = (struct sva_chk_table){ .size = (size + 7) & ~(size_t)7 };
}

void sva_chk_table_free(struct sva_chk_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->cap = t->n = 0;
}

void *sva_chk_slot(const struct sva_chk_table *t, size_t i)
{
	char *s = sva_chk_slot_at(t, i);

	return *s ? s + 8 : NULL;
}

/* The slot holding @k, or the free slot where it would go. */
static size_t sva_chk_probe(const struct sva_chk_table *t, const struct sva_chk_key *k)
{
	size_t mask = t->cap - 1, i = sva_chk_hash(k) & mask;

	for (;;) {
		char *s = sva_chk_slot_at(t, i);

		if (!*s || sva_chk_key_eq((const struct sva_chk_key *)(s + 8), k))
			return i;
		i = (i + 1) & mask;
	}
}

void *sva_chk_get(const struct sva_chk_table *t, const struct sva_chk_key *k)
{
	if (!t->cap)
		return NULL;
	return sva_chk_slot(t, sva_chk_probe(t, k));
}

static bool sva_chk_grow(struct sva_chk_table *t)
{
	struct sva_chk_table old = *t;
	size_t cap = t->cap ? t->cap * 2 : SVA_CHK_TABLE_MIN;

	t->slots = calloc(cap, sva_chk_stride(t));
	if (!t->slots) {
		*t = old;
		return false;
	}
	t->cap = cap;
	for (size_t i = 0; i < old.cap; i++) {
		char *from = sva_chk_slot_at(&old, i);

		if (*from)
			memcpy(sva_chk_slot_at(
				       t, sva_chk_probe(t, (const struct sva_chk_key *)(from + 8))),
			       from, sva_chk_stride(t));
	}
	free(old.slots);
	return true;
}

void *sva_chk_put(struct sva_chk_table *t, const struct sva_chk_key *k)
{
	char *s;

	if ((t->n + 1) * 2 > t->cap && !sva_chk_grow(t))
		return NULL;
	s = sva_chk_slot_at(t, sva_chk_probe(t, k));
	if (!*s) {
		memset(s, 0, sva_chk_stride(t));
		*s = 1;
		memcpy(s + 8, k, sizeof(*k));
		t->n++;
	}
	return s + 8;
}

/* Close the gap at @hole: move back each later record of the run that may fill it. */
static void sva_chk_shift_back(struct sva_chk_table *t, size_t hole)
{
	size_t mask = t->cap - 1;

	for (size_t i = (hole + 1) & mask;; i = (i + 1) & mask) {
		char *s = sva_chk_slot_at(t, i);
		size_t home;

		if (!*s)
			break;
		home = sva_chk_hash((const struct sva_chk_key *)(s + 8)) & mask;
		/* movable unless its home lies cyclically in (hole, i] */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			memcpy(sva_chk_slot_at(t, hole), s, sva_chk_stride(t));
			*s = 0;
			hole = i;
		}
	}
}

void sva_chk_remove(struct sva_chk_table *t, const struct sva_chk_key *k)
{
	size_t i;
	char *s;

	if (!t->cap)
		return;
	i = sva_chk_probe(t, k);
	s = sva_chk_slot_at(t, i);
	if (!*s)
		return;
	*s = 0;
	t->n--;
	sva_chk_shift_back(t, i);
}

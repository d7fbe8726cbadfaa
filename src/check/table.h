/* SPDX-License-Identifier: MIT */
/*
 * The checker's shadow sets: open-addressing hash tables (linear probing, at most half full,
 * backward-shift deletion) of fixed-size records that start with their key, so every lookup,
 * insertion and removal takes constant time however long the run. Not locked: the checker's
 * lock covers them. A record's address is valid until the next insertion or removal.
 */
#ifndef SVA_CHECK_TABLE_H
#define SVA_CHECK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a record is found by; the parts a table does not use stay NULL or 0. */
struct sva_chk_key {
	const char *device; /* interned by the trace ring: compared by pointer */
	uint64_t pasid;
	uint64_t id; /* an mm's id, a page-request group's id */
};

struct sva_chk_table {
	char *slots; /* cap records of @size bytes, each after a used byte */
	size_t cap, n, size;
};

/* A table of records of @size bytes (struct sva_chk_key first). */
void sva_chk_table_init(struct sva_chk_table *t, size_t size);
void sva_chk_table_free(struct sva_chk_table *t);
/* The record keyed @k, or NULL. */
void *sva_chk_get(const struct sva_chk_table *t, const struct sva_chk_key *k);
/* The record keyed @k, created zeroed (but for its key) if there was none; NULL out of memory. */
void *sva_chk_put(struct sva_chk_table *t, const struct sva_chk_key *k);
/* Remove the record keyed @k, if any. */
void sva_chk_remove(struct sva_chk_table *t, const struct sva_chk_key *k);
/* The record in slot @i (0 <= i < cap), or NULL if the slot is free: to walk a table. */
void *sva_chk_slot(const struct sva_chk_table *t, size_t i);

#endif /* SVA_CHECK_TABLE_H */

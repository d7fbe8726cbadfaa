/* SPDX-License-Identifier: MIT */
/*
 * A device's PASID table, two levels as VT-d's PASID directory and tables: a directory sized
 * for the device's max_pasids, pointing to leaves of SVA_PASID_LEAF_ENTRIES entries allocated
 * on first use and freed with the table.
 *
 * An entry is what the hardware reads on every translation:
 *  - word: the state and the domain id in one atomic, so the lock-free hit path reads a
 *    consistent pair without touching the domain (a hardware PASID entry holds the DID too);
 *  - domain: the attached domain (translating, blocking-silent), the blocked domain
 *    (blocking-reporting), NULL (invalid). Dereferenced only inside a walk section
 *    (inflight.h): whoever replaces it waits for walks before the old domain may be freed.
 * Writers store domain, then word (release); a reader that finds domain->id != the word's DID
 * raced a change and reads again.
 *
 * The attachment fields (node, sdev, pasid, attached) belong to the domain the entry is
 * attached to and are protected by that domain's lock.
 *
 * Locks: the table lock (a mutex) serialises writers and leaf allocation; taken under a
 * domain's lock, nothing is taken under it. Readers take nothing: leaves are published with a
 * release store and freed only at destroy.
 */
#ifndef SVA_SWIOMMU_PASID_TABLE_H
#define SVA_SWIOMMU_PASID_TABLE_H

#include <stdatomic.h>
#include <stdint.h>

#include "sva/swiommu.h"
#include "sva/sync.h"

#define SVA_PASID_LEAF_BITS    9
#define SVA_PASID_LEAF_ENTRIES (1u << SVA_PASID_LEAF_BITS)

struct sva_sw_device;

struct sva_pasid_entry {
	_Atomic uint64_t word; /* state | did << 32 */
	_Atomic(struct sva_domain *) domain;
	_Atomic uint64_t gen; /* the generation of the PASID's owner it translates for (0: none) */
	/* the attachment: under the attached domain's lock */
	struct sva_list_head node;
	struct sva_sw_device *sdev;
	uint32_t pasid;
	bool attached;
};

struct sva_pasid_table {
	struct sva_world *w;
	uint32_t max_pasids;
	size_t ndir;
	_Atomic(struct sva_pasid_entry *) *dir; /* [ndir], NULL when max_pasids is 0 */
	struct sva_mutex lock;
	SVA_GUARDED_BY(size_t) leaves; /* allocated; under lock */
	bool sim;		       /* POR: readers name @lock (sva_pasid_table_entry) */
};

static inline uint64_t sva_pasid_word(enum sva_pasid_entry_state state, uint32_t did)
{
	return (uint64_t)did << 32 | (uint64_t)state;
}

static inline enum sva_pasid_entry_state sva_pasid_word_state(uint64_t word)
{
	return (enum sva_pasid_entry_state)(word & 0xffffffffu);
}

static inline uint32_t sva_pasid_word_did(uint64_t word)
{
	return (uint32_t)(word >> 32);
}

/* 0 or -ENOMEM. A table for max_pasids 0 has no directory: every lookup finds nothing. */
int sva_pasid_table_init(struct sva_pasid_table *t, struct sva_world *w, uint32_t max_pasids);
void sva_pasid_table_destroy(struct sva_pasid_table *t);

/*
 * The entry of @pasid, or NULL when its leaf was never allocated or @pasid is out of range.
 * POR (sim): every lock-free reader of an entry finds it here, and the step names the table
 * lock, under which entries (and leaves) are written.
 */
static inline struct sva_pasid_entry *sva_pasid_table_entry(struct sva_pasid_table *t,
							    uint32_t pasid)
{
	struct sva_pasid_entry *leaf;

	if (__builtin_expect(t->sim, 0))
		sva_mutex_reads(&t->lock);
	if (pasid >= t->max_pasids)
		return NULL;
	leaf = atomic_load_explicit(&t->dir[pasid >> SVA_PASID_LEAF_BITS], memory_order_acquire);
	return leaf ? &leaf[pasid & (SVA_PASID_LEAF_ENTRIES - 1)] : NULL;
}

static inline uint64_t sva_pasid_entry_word(struct sva_pasid_entry *e)
{
	return e ? atomic_load_explicit(&e->word, memory_order_acquire) : 0;
}

/* The entry of @pasid, its leaf allocated if needed: NULL when out of range or memory. */
struct sva_pasid_entry *sva_pasid_table_get(struct sva_pasid_table *t, uint32_t pasid);
/* Program @e: @state with @domain (NULL for invalid), whose id goes into the word. */
void sva_pasid_entry_set(struct sva_pasid_table *t, struct sva_pasid_entry *e,
			 enum sva_pasid_entry_state state, struct sva_domain *domain);
/* Entries not invalid (a device must have none when it is released). */
size_t sva_pasid_table_in_use(struct sva_pasid_table *t);

#endif /* SVA_SWIOMMU_PASID_TABLE_H */

/* SPDX-License-Identifier: MIT */
/*
 * A device's PASID table: the directory, lazily allocated leaves, and entry updates (see
 * pasid_table.h for the entry format and who reads what).
 *
 * Locks: the table lock (mutex) around leaf allocation and every entry write; it is taken
 * under the attached domain's lock and nothing is taken under it. Readers are lock-free.
 */
#include <errno.h>

#include "../../base/list.h"
#include "pasid_table.h"

SVA_OBJ_CLASS(pasid_table);

int sva_pasid_table_init(struct sva_pasid_table *t, struct sva_world *w, uint32_t max_pasids)
{
	t->w = w;
	t->sim = sva_world_backend(w) == SVA_BACKEND_SIM;
	t->max_pasids = max_pasids;
	t->ndir = ((size_t)max_pasids + SVA_PASID_LEAF_ENTRIES - 1) >> SVA_PASID_LEAF_BITS;
	sva_unguarded(t->leaves) = 0;
	t->dir = NULL;
	if (t->ndir) {
		t->dir = sva_alloc(w, &sva_obj_pasid_table, t->ndir * sizeof(*t->dir));
		if (!t->dir)
			return -ENOMEM;
	}
	sva_mutex_init(w, &t->lock, "pasid_table");
	return 0;
}

void sva_pasid_table_destroy(struct sva_pasid_table *t)
{
	for (size_t i = 0; i < t->ndir; i++)
		sva_free(t->w, &sva_obj_pasid_table,
			 atomic_load_explicit(&t->dir[i], memory_order_relaxed));
	sva_free(t->w, &sva_obj_pasid_table, t->dir);
	t->dir = NULL;
	t->ndir = 0;
	t->max_pasids = 0;
	sva_mutex_destroy(&t->lock);
}

struct sva_pasid_entry *sva_pasid_table_get(struct sva_pasid_table *t, uint32_t pasid)
{
	struct sva_pasid_entry *e = sva_pasid_table_entry(t, pasid), *leaf;
	size_t i = pasid >> SVA_PASID_LEAF_BITS;

	if (e || pasid >= t->max_pasids)
		return e;
	sva_mutex_lock(&t->lock);
	leaf = atomic_load_explicit(&t->dir[i], memory_order_relaxed);
	if (!leaf) {
		leaf = sva_alloc(t->w, &sva_obj_pasid_table,
				 SVA_PASID_LEAF_ENTRIES * sizeof(*leaf));
		if (leaf) {
			for (unsigned j = 0; j < SVA_PASID_LEAF_ENTRIES; j++)
				sva_list_init(&leaf[j].node);
			/* zeroed entries (invalid) visible before the leaf */
			atomic_store_explicit(&t->dir[i], leaf, memory_order_release);
			sva_guarded(&t->lock, t->leaves)++;
		}
	}
	sva_mutex_unlock(&t->lock);
	return leaf ? &leaf[pasid & (SVA_PASID_LEAF_ENTRIES - 1)] : NULL;
}

/*
 * An entry's domain and word, changed together under the table lock (asserted): two writers
 * interleaved would leave one's domain with the other's word for the lock-free readers.
 */
static void sva_pasid_entry_store(struct sva_pasid_table *t, struct sva_pasid_entry *e,
				  struct sva_domain *domain, uint64_t word)
{
	sva_lockdep_assert_held(&t->lock);
	atomic_store_explicit(&e->domain, domain, memory_order_release);
	atomic_store_explicit(&e->word, word, memory_order_seq_cst);
}

void sva_pasid_entry_set(struct sva_pasid_table *t, struct sva_pasid_entry *e,
			 enum sva_pasid_entry_state state, struct sva_domain *domain)
{
	uint32_t did = domain ? domain->id : 0;

	sva_mutex_lock(&t->lock);
	sva_pasid_entry_store(t, e, domain, sva_pasid_word(state, did));
	sva_mutex_unlock(&t->lock);
}

size_t sva_pasid_table_in_use(struct sva_pasid_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->ndir; i++) {
		struct sva_pasid_entry *leaf =
			atomic_load_explicit(&t->dir[i], memory_order_acquire);

		for (unsigned j = 0; leaf && j < SVA_PASID_LEAF_ENTRIES; j++)
			if (sva_pasid_word_state(sva_pasid_entry_word(&leaf[j])) !=
			    SVA_PASID_ENTRY_INVALID)
				n++;
	}
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * A device's ATC: lookup, fill and invalidation (see atc.h).
 *
 * Lock: the ATC spinlock, a leaf; the generation is bumped before the lock is taken.
 */
#include <errno.h>

#include "atc.h"

int sva_atc_init(struct sva_atc *atc, struct sva_world *w, unsigned entries)
{
	if (!entries || entries > SVA_ATC_MAX_ENTRIES)
		return -EINVAL;
	atc->e = sva_alloc(w, &sva_obj_iotlb, entries * sizeof(*atc->e));
	if (!atc->e)
		return -ENOMEM;
	atc->w = w;
	atc->n = entries;
	atc->next = 0;
	atomic_init(&atc->gen, 0);
	atc->gen_por_id = sva_por_object(w);
	atc->hits = atc->fills = atc->invalidations = atc->valid = 0;
	sva_spin_lock_init(w, &atc->lock, "atc");
	return 0;
}

void sva_atc_destroy(struct sva_atc *atc)
{
	sva_spin_lock_destroy(&atc->lock);
	sva_free(atc->w, &sva_obj_iotlb, atc->e);
	atc->e = NULL;
}

/* The entries, under the ATC lock (asserted: every section reads or changes them). */
static struct sva_atc_entry *sva_atc_entries(struct sva_atc *atc)
{
	sva_lockdep_assert_held(&atc->lock);
	return atc->e;
}

static struct sva_atc_entry *sva_atc_slot(struct sva_atc *atc, uint32_t pasid, uint64_t vpn)
{
	struct sva_atc_entry *e = sva_atc_entries(atc);

	for (unsigned i = 0; i < atc->n; i++)
		if (e[i].valid && e[i].pasid == pasid && e[i].vpn == vpn)
			return &e[i];
	return NULL;
}

bool sva_atc_find(struct sva_atc *atc, uint32_t pasid, uint64_t vpn, struct sva_ats_completion *out)
{
	struct sva_atc_entry *e;

	sva_spin_lock(&atc->lock);
	e = sva_atc_slot(atc, pasid, vpn);
	if (e) {
		*out = e->c;
		atc->hits++;
	}
	sva_spin_unlock(&atc->lock);
	return e != NULL;
}

/* An empty slot, else the round-robin victim. */
static struct sva_atc_entry *sva_atc_victim(struct sva_atc *atc)
{
	struct sva_atc_entry *e = sva_atc_entries(atc);
	unsigned victim;

	for (unsigned i = 0; i < atc->n; i++)
		if (!e[i].valid) {
			atc->valid++;
			return &e[i];
		}
	victim = atc->next;
	atc->next = (atc->next + 1) % atc->n;
	return &e[victim];
}

bool sva_atc_fill(struct sva_atc *atc, uint32_t pasid, uint64_t vpn,
		  const struct sva_ats_completion *c, uint64_t gen)
{
	struct sva_atc_entry *e;
	bool filled = false;

	sva_spin_lock(&atc->lock);
	if (sva_atc_gen(atc) == gen) {
		e = sva_atc_slot(atc, pasid, vpn);
		if (!e)
			e = sva_atc_victim(atc);
		*e = (struct sva_atc_entry){ .valid = true, .pasid = pasid, .vpn = vpn, .c = *c };
		atc->fills++;
		filled = true;
	}
	sva_spin_unlock(&atc->lock);
	return filled;
}

void sva_atc_invalidate(struct sva_atc *atc, uint32_t pasid, uint64_t vpn, uint64_t npages)
{
	uint64_t last;

	if (!npages)
		return;
	last = npages == SVA_ATC_ALL || npages - 1 > UINT64_MAX - vpn ? UINT64_MAX
								      : vpn + (npages - 1);
	if (npages == SVA_ATC_ALL)
		vpn = 0;
	/* before the lock's point: a request that began before this reads the old generation */
	sva_por_access(atc->w, atc->gen_por_id);
	atomic_fetch_add_explicit(&atc->gen, 1, memory_order_seq_cst);
	sva_spin_lock(&atc->lock);
	atc->invalidations++;
	for (unsigned i = 0; i < atc->n; i++) {
		struct sva_atc_entry *e = &sva_atc_entries(atc)[i];

		uint64_t n = e->c.page_size > SVA_PAGE_SIZE ? e->c.page_size >> SVA_PAGE_SHIFT : 1;
		uint64_t first = e->vpn & ~(n - 1); /* a huge page's piece: its whole page */

		if (e->valid && e->pasid == pasid && first + (n - 1) >= vpn && first <= last) {
			e->valid = false;
			atc->valid--;
		}
	}
	sva_spin_unlock(&atc->lock);
	/* the caller goes on in this step, past a fill that read the old @gen: name it again */
	sva_por_access(atc->w, atc->gen_por_id);
}

/* SPDX-License-Identifier: MIT */
/*
 * The global PASID space (the kernel's iommu_global_pasid_ida): lowest-free-first allocation of
 * IDs in [1, max - 1], with a per-call upper bound (the device's max_pasids).
 *
 * PASID p is kept as index p - 1, so index 0 is the first ID handed out and 0 (IOMMU_NO_PASID)
 * needs no special case. The indices form a two-level bitmap:
 *
 *  - a chunk holds 4096 indices as 64 words of 64 bits, plus @full, a bit per word that is all
 *    ones, and @count, its set bits. Chunks are allocated (sva_alloc) when the first ID in their
 *    range is handed out and freed when their last ID is returned; one empty chunk is kept as
 *    @spare so alloc/free at a chunk boundary does not go to the allocator every time;
 *  - @top_full has a bit per chunk that is full, so the lowest free index is three ctz away;
 *  - @next caches the lowest free index: an allocation takes it and searches onwards from it
 *    (usually within the same word), a free lowers it.
 *
 * Rules:
 *  - @lock (a spinlock) protects everything mutable in the space: @chunks, the chunks' contents,
 *    @top_full, @next, @count, @spare and @nr_live_chunks. Its sections only look and flip bits:
 *    nothing allocates, frees or sleeps under it. A chunk is allocated with the lock dropped and
 *    @next looked at afresh once it is retaken; a chunk to free is freed after the unlock.
 *  - top_full bit c is set iff chunks[c]->full is all ones; full bit i of a chunk is set iff
 *    words[i] is all ones. A chunk in @chunks has count > 0; the spare is all zeroes.
 *  - @next is the lowest free index of the chunks (an absent chunk is all free), or
 *    SVA_PASID_NONE. It may lie past the space's last index (in the last chunk): then, as for
 *    any caller's bound, it means none is free, because bits past the last index are never set.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "sva/base.h"
#include "sva/iommu.h"
#include "sva/sync.h"

SVA_OBJ_CLASS(pasid_space);
SVA_OBJ_CLASS(pasid_chunk);

#define SVA_PASID_WORD_BITS   64u
#define SVA_PASID_CHUNK_SHIFT 12u
#define SVA_PASID_CHUNK_IDS   (1u << SVA_PASID_CHUNK_SHIFT)
#define SVA_PASID_CHUNK_WORDS (SVA_PASID_CHUNK_IDS / SVA_PASID_WORD_BITS)
#define SVA_PASID_CHUNKS_MAX  (SVA_PASID_MAX / SVA_PASID_CHUNK_IDS)
#define SVA_PASID_TOP_WORDS   (SVA_PASID_CHUNKS_MAX / SVA_PASID_WORD_BITS)
#define SVA_PASID_ALL_ONES    UINT64_MAX
/* No free index below the space's end. */
#define SVA_PASID_NONE	      UINT32_MAX

_Static_assert(SVA_PASID_CHUNK_WORDS == 64, "a chunk's word summary is one 64-bit word");
_Static_assert(SVA_PASID_CHUNKS_MAX % SVA_PASID_WORD_BITS == 0, "top summary is whole words");

struct sva_pasid_chunk {
	uint64_t full; /* bit i: words[i] is all ones */
	uint32_t count;
	uint64_t words[SVA_PASID_CHUNK_WORDS];
};

/*
 * Layout, for CPUs contending: what the lock protects and every call writes sits before the lock,
 * whose word comes after its sim-only wait channel, over a cache line further on; so waiters
 * spinning on the lock word do not steal the line the holder is writing. The chunk table after
 * the lock is only read in steady state.
 */
struct sva_pasid_space {
	struct sva_world *w;
	uint32_t max;				/* IDs are [1, max - 1], indices [0, max - 2] */
	uint32_t nr_chunks;			/* slots in chunks[] */
	uint64_t top_full[SVA_PASID_TOP_WORDS]; /* bit c: chunks[c] is full */
	uint32_t next;				/* the lowest free index (see the rules) */
	uint32_t count;				/* IDs allocated */
	uint32_t nr_live_chunks;		/* chunks allocated, spare included */
	struct sva_pasid_chunk *spare;
	struct sva_spinlock lock;
	struct sva_pasid_chunk *chunks[];
};

static inline uint32_t sva_pasid_chunk_of(uint32_t idx)
{
	return idx >> SVA_PASID_CHUNK_SHIFT;
}

static inline uint32_t sva_pasid_word_of(uint32_t idx)
{
	return (idx / SVA_PASID_WORD_BITS) % SVA_PASID_CHUNK_WORDS;
}

static inline uint64_t sva_pasid_bit_of(uint32_t idx)
{
	return 1ull << (idx % SVA_PASID_WORD_BITS);
}

static size_t sva_pasid_space_size(uint32_t nr_chunks)
{
	return sizeof(struct sva_pasid_space) + nr_chunks * sizeof(struct sva_pasid_chunk *);
}

/* ---- the bitmap (lock held) ---------------------------------------------------------- */

/* The lowest free index of chunk @c, which is not full (it may be past the space's end). */
static uint32_t sva_pasid_first_free_in(const struct sva_pasid_space *s, uint32_t c)
{
	const struct sva_pasid_chunk *ch = s->chunks[c];
	uint32_t base = c << SVA_PASID_CHUNK_SHIFT;

	if (!ch)
		return base;
	/* Not full: some word has a zero bit, and that word has a zero bit. */
	uint32_t i = (uint32_t)__builtin_ctzll(~ch->full);
	return base + i * SVA_PASID_WORD_BITS + (uint32_t)__builtin_ctzll(~ch->words[i]);
}

/* The lowest free index in chunks @c and above; SVA_PASID_NONE when they are all full. */
static uint32_t sva_pasid_find_chunk_from(const struct sva_pasid_space *s, uint32_t c)
{
	for (uint32_t t = c / SVA_PASID_WORD_BITS; t < SVA_PASID_TOP_WORDS; t++) {
		uint64_t open = ~s->top_full[t];
		if (t == c / SVA_PASID_WORD_BITS)
			open &= SVA_PASID_ALL_ONES << (c % SVA_PASID_WORD_BITS);
		if (!open)
			continue;
		uint32_t first = t * SVA_PASID_WORD_BITS + (uint32_t)__builtin_ctzll(open);
		if (first >= s->nr_chunks)
			return SVA_PASID_NONE;
		return sva_pasid_first_free_in(s, first);
	}
	return SVA_PASID_NONE;
}

/* The lowest free index at or above @from; SVA_PASID_NONE when there is none. */
static uint32_t sva_pasid_find_free_from(const struct sva_pasid_space *s, uint32_t from)
{
	uint32_t c = sva_pasid_chunk_of(from);
	uint32_t i = sva_pasid_word_of(from);

	if (c >= s->nr_chunks)
		return SVA_PASID_NONE;
	const struct sva_pasid_chunk *ch = s->chunks[c];
	if (!ch)
		return from;
	/* In @from's word, then in the chunk's later words, then in later chunks. */
	uint64_t open = ~ch->words[i] & (SVA_PASID_ALL_ONES << (from % SVA_PASID_WORD_BITS));
	if (open)
		return (from & ~(SVA_PASID_WORD_BITS - 1)) + (uint32_t)__builtin_ctzll(open);
	uint64_t later = ~ch->full & ((SVA_PASID_ALL_ONES << i) << 1);
	if (later) {
		i = (uint32_t)__builtin_ctzll(later);
		return (c << SVA_PASID_CHUNK_SHIFT) + i * SVA_PASID_WORD_BITS +
		       (uint32_t)__builtin_ctzll(~ch->words[i]);
	}
	return sva_pasid_find_chunk_from(s, c + 1);
}

/* The lowest free index and the IDs handed out, read under the lock. */
static uint32_t sva_pasid_next(struct sva_pasid_space *s)
{
	sva_lockdep_assert_held(&s->lock);
	return s->next;
}

static uint32_t sva_pasid_count(struct sva_pasid_space *s)
{
	sva_lockdep_assert_held(&s->lock);
	return s->count;
}

/* Take index @idx, the lowest free one, of chunk @ch. */
static void sva_pasid_set(struct sva_pasid_space *s, struct sva_pasid_chunk *ch, uint32_t idx)
{
	uint32_t c = sva_pasid_chunk_of(idx);
	uint32_t i = sva_pasid_word_of(idx);

	sva_lockdep_assert_held(&s->lock);
	ch->words[i] |= sva_pasid_bit_of(idx);
	ch->count++;
	s->count++;
	if (ch->words[i] == SVA_PASID_ALL_ONES) {
		ch->full |= 1ull << i;
		if (ch->full == SVA_PASID_ALL_ONES)
			s->top_full[c / SVA_PASID_WORD_BITS] |= 1ull << (c % SVA_PASID_WORD_BITS);
	}
	s->next = sva_pasid_find_free_from(s, idx + 1);
}

static void sva_pasid_clear(struct sva_pasid_space *s, struct sva_pasid_chunk *ch, uint32_t idx)
{
	uint32_t c = sva_pasid_chunk_of(idx);
	uint32_t i = sva_pasid_word_of(idx);

	sva_lockdep_assert_held(&s->lock);
	ch->words[i] &= ~sva_pasid_bit_of(idx);
	ch->full &= ~(1ull << i);
	s->top_full[c / SVA_PASID_WORD_BITS] &= ~(1ull << (c % SVA_PASID_WORD_BITS));
	ch->count--;
	s->count--;
	if (idx < s->next)
		s->next = idx;
}

static struct sva_pasid_chunk *sva_pasid_lookup(struct sva_pasid_space *s, uint32_t idx)
{
	struct sva_pasid_chunk *ch;

	sva_lockdep_assert_held(&s->lock);
	ch = s->chunks[sva_pasid_chunk_of(idx)];
	if (ch && (ch->words[sva_pasid_word_of(idx)] & sva_pasid_bit_of(idx)))
		return ch;
	return NULL;
}

/* ---- chunks (lock held; the allocator is called by the callers, unlocked) --------------- */

/* Keep @*fresh as the spare if there is none. */
static void sva_pasid_keep_spare(struct sva_pasid_space *s, struct sva_pasid_chunk **fresh)
{
	sva_lockdep_assert_held(&s->lock);
	if (*fresh && !s->spare) {
		s->spare = *fresh;
		s->nr_live_chunks++;
		*fresh = NULL;
	}
}

/* Fill the empty slot @c from the spare or @*fresh. False when there is neither. */
static bool sva_pasid_install(struct sva_pasid_space *s, uint32_t c, struct sva_pasid_chunk **fresh)
{
	sva_lockdep_assert_held(&s->lock);
	sva_pasid_keep_spare(s, fresh);
	if (!s->spare)
		return false;
	s->chunks[c] = s->spare;
	s->spare = NULL;
	return true;
}

/* Empty slot @c; returns the chunk for the caller to free after the unlock, or NULL if kept. */
static struct sva_pasid_chunk *sva_pasid_retire(struct sva_pasid_space *s, uint32_t c)
{
	struct sva_pasid_chunk *ch;

	sva_lockdep_assert_held(&s->lock);
	ch = s->chunks[c];
	s->chunks[c] = NULL;
	if (!s->spare) {
		s->spare = ch;
		return NULL;
	}
	s->nr_live_chunks--;
	return ch;
}

/* ---- API --------------------------------------------------------------------------------- */

int sva_pasid_space_create(struct sva_world *w, uint32_t max, struct sva_pasid_space **out)
{
	if (!w || !out || max == 0 || max > SVA_PASID_MAX)
		return -EINVAL;

	uint32_t nr_chunks = (max - 1 + SVA_PASID_CHUNK_IDS - 1) / SVA_PASID_CHUNK_IDS;
	struct sva_pasid_space *s =
		sva_alloc(w, &sva_obj_pasid_space, sva_pasid_space_size(nr_chunks));
	if (!s)
		return -ENOMEM;
	s->w = w;
	s->max = max;
	s->nr_chunks = nr_chunks;
	sva_spin_lock_init(w, &s->lock, "pasid_space");
	*out = s;
	return 0;
}

void sva_pasid_space_destroy(struct sva_pasid_space *s)
{
	if (!s)
		return;
	for (uint32_t c = 0; c < s->nr_chunks; c++)
		sva_free(s->w, &sva_obj_pasid_chunk, s->chunks[c]);
	sva_free(s->w, &sva_obj_pasid_chunk, s->spare);
	sva_spin_lock_destroy(&s->lock);
	sva_free(s->w, &sva_obj_pasid_space, s);
}

/*
 * The slow path: the lowest free index is in a chunk not allocated yet (and there is no spare).
 * The chunk is allocated unlocked, so @next is read again each time the lock is retaken: meanwhile
 * others may have taken the index, installed the chunk or freed lower IDs.
 */
static int sva_pasid_alloc_slow(struct sva_pasid_space *s, uint32_t max, uint32_t *pasid)
{
	struct sva_pasid_chunk *fresh = NULL;
	uint32_t idx = SVA_PASID_NONE;
	int ret;

	for (;;) {
		sva_spin_lock(&s->lock);
		idx = sva_pasid_next(s);
		if (idx >= max - 1) {
			ret = -ENOSPC;
			break;
		}
		uint32_t c = sva_pasid_chunk_of(idx);
		if (s->chunks[c] || sva_pasid_install(s, c, &fresh)) {
			sva_pasid_set(s, s->chunks[c], idx);
			ret = 0;
			break;
		}
		sva_spin_unlock(&s->lock);
		fresh = sva_alloc(s->w, &sva_obj_pasid_chunk, sizeof(*fresh));
		if (!fresh)
			return -ENOMEM;
	}
	sva_pasid_keep_spare(s, &fresh);
	sva_spin_unlock(&s->lock);
	if (fresh)
		sva_free(s->w, &sva_obj_pasid_chunk, fresh);
	if (!ret)
		*pasid = idx + 1;
	return ret;
}

int sva_pasid_alloc(struct sva_pasid_space *s, uint32_t max, uint32_t *pasid)
{
	struct sva_pasid_chunk *ch;
	uint32_t idx;

	if (!s || !pasid)
		return -EINVAL;
	if (max > s->max)
		max = s->max;
	if (max <= 1)
		return -ENOSPC;

	sva_spin_lock(&s->lock);
	idx = sva_pasid_next(s);
	if (idx >= max - 1) {
		sva_spin_unlock(&s->lock);
		return -ENOSPC;
	}
	ch = s->chunks[sva_pasid_chunk_of(idx)];
	if (__builtin_expect(!ch, 0)) {
		sva_spin_unlock(&s->lock);
		return sva_pasid_alloc_slow(s, max, pasid);
	}
	sva_pasid_set(s, ch, idx);
	sva_spin_unlock(&s->lock);
	*pasid = idx + 1;
	return 0;
}

int sva_pasid_free(struct sva_pasid_space *s, uint32_t pasid)
{
	struct sva_pasid_chunk *ch, *dead = NULL;
	uint32_t idx = pasid - 1;

	if (!s || pasid == SVA_IOMMU_NO_PASID || pasid >= s->max)
		return -EINVAL;

	sva_spin_lock(&s->lock);
	ch = sva_pasid_lookup(s, idx);
	if (!ch) {
		sva_spin_unlock(&s->lock);
		return -EINVAL;
	}
	sva_pasid_clear(s, ch, idx);
	if (!ch->count)
		dead = sva_pasid_retire(s, sva_pasid_chunk_of(idx));
	sva_spin_unlock(&s->lock);
	if (dead)
		sva_free(s->w, &sva_obj_pasid_chunk, dead);
	return 0;
}

bool sva_pasid_is_allocated(struct sva_pasid_space *s, uint32_t pasid)
{
	bool ret;

	if (!s || pasid == SVA_IOMMU_NO_PASID || pasid >= s->max)
		return false;
	sva_spin_lock(&s->lock);
	ret = sva_pasid_lookup(s, pasid - 1) != NULL;
	sva_spin_unlock(&s->lock);
	return ret;
}

uint32_t sva_pasid_allocated(struct sva_pasid_space *s)
{
	uint32_t ret;

	if (!s)
		return 0;
	sva_spin_lock(&s->lock);
	ret = sva_pasid_count(s);
	sva_spin_unlock(&s->lock);
	return ret;
}

size_t sva_pasid_space_bytes(struct sva_pasid_space *s)
{
	uint32_t nr_live;

	if (!s)
		return 0;
	sva_spin_lock(&s->lock);
	nr_live = s->nr_live_chunks;
	sva_spin_unlock(&s->lock);
	return sva_pasid_space_size(s->nr_chunks) + nr_live * sizeof(struct sva_pasid_chunk);
}

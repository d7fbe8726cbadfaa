/* SPDX-License-Identifier: MIT */
/*
 * Sharding the enumeration: N processes (or machines) that each run `sva explore --shard I/N`
 * explore every schedule of the bounded tree exactly once between them.
 *
 * The explorer's tree: every run replays a prefix and continues with the default; the prefix
 * ends at a *branch point*, a decision where it takes another option than the run it came
 * from. A run's branch points are those of its prefix (positions, increasing), and every run
 * of the subtree below a prefix keeps the prefix's branch points and adds deeper ones.
 *
 * A schedule's owner is a hash of (position, choice) of its first D branch points, mod N.
 * So once a prefix has D branch points, its whole subtree has one owner, known before
 * running anything in it: a shard skips the subtrees of others without running them, by
 * backtracking past the prefix (the alternatives at its last branch point and above). A
 * prefix with fewer than D branch points is run by every shard - it is needed to learn the
 * decisions (and so the subtrees) below it - and counted by its owner only. Every shard
 * builds the same tree (the runs are deterministic), so every schedule is counted once.
 *
 * D: the first run (the default schedule, 0 branch points) has a subtree per alternative of
 * each of its decisions. When there are at least SVA_SHARD_SPREAD alternatives per shard, D
 * is 1: only that run is shared. Otherwise D is 2, and the runs with one branch point (about
 * one per alternative of the first run) are run by every shard too. Subtrees of one branch
 * point differ in size (an early preemption has a long run left to branch in), so many of
 * them per shard are what evens the shards out.
 */
#include <errno.h>
#include <stdlib.h>

#include "shard.h"

#define SVA_SHARD_SPREAD 16

void sva_shard_init(struct sva_shard *sh, unsigned index, unsigned count)
{
	*sh = (struct sva_shard){ .index = index, .count = count };
}

void sva_shard_free(struct sva_shard *sh)
{
	free(sh->branch);
	sh->branch = NULL;
}

void sva_shard_choose_depth(struct sva_shard *sh, const struct sva_decision *dec, size_t n,
			    unsigned bound)
{
	unsigned long alternatives = 0;

	for (size_t i = 0; i < n; i++)
		if (dec[i].current < 0 || bound > 0)
			alternatives += (unsigned long)__builtin_popcountll(dec[i].runnable) - 1;
	sh->depth = alternatives >= (unsigned long)SVA_SHARD_SPREAD * sh->count ? 1 : 2;
}

/* The owner of schedules whose first branch points are those of @prefix (up to D of them). */
static unsigned sva_shard_owner(const struct sva_shard *sh, const struct sva_decision *prefix)
{
	uint64_t h = 0x243f6a8885a308d3ull;
	size_t n = sh->nbranch < sh->depth ? sh->nbranch : sh->depth;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = (uint64_t)sh->branch[i] << 16 | prefix[sh->branch[i]].chosen;

		h = (h ^ v) * 0x100000001b3ull; /* FNV-1a over 64-bit words */
		h ^= h >> 29;
	}
	return (unsigned)(h % sh->count);
}

bool sva_shard_owns(const struct sva_shard *sh, const struct sva_decision *prefix)
{
	return !sh->count || sva_shard_owner(sh, prefix) == sh->index;
}

int sva_shard_branched(struct sva_shard *sh, size_t n)
{
	if (!sh->count)
		return 0;
	while (sh->nbranch && sh->branch[sh->nbranch - 1] >= n - 1)
		sh->nbranch--;
	if (sh->nbranch == sh->cap) {
		size_t cap = sh->cap ? sh->cap * 2 : 16;
		size_t *b = realloc(sh->branch, cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		sh->branch = b;
		sh->cap = cap;
	}
	sh->branch[sh->nbranch++] = n - 1;
	return 0;
}

bool sva_shard_skips(const struct sva_shard *sh, const struct sva_decision *prefix)
{
	return sh->count && sh->nbranch >= sh->depth && !sva_shard_owns(sh, prefix);
}

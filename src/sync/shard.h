/* SPDX-License-Identifier: MIT */
/*
 * Shards of an exploration (shard.c): which schedules of the bounded enumeration this process
 * owns, so that N processes cover the tree exactly once. See shard.c for the scheme.
 */
#ifndef SVA_SYNC_SHARD_H
#define SVA_SYNC_SHARD_H

#include "sched.h"

struct sva_shard {
	unsigned index, count; /* count 0: not sharded, every schedule is ours */
	unsigned depth;	       /* D: branch points that decide the owner; 0 until the first run */
	size_t *branch;	       /* the current prefix's branch points (positions, increasing) */
	size_t nbranch, cap;
};

void sva_shard_init(struct sva_shard *sh, unsigned index, unsigned count);
void sva_shard_free(struct sva_shard *sh);
/* After the first run (the default schedule, which every shard runs): choose D from it. */
void sva_shard_choose_depth(struct sva_shard *sh, const struct sva_decision *dec, size_t n,
			    unsigned bound);
/* Whether the run of the current prefix (@prefix, @n decisions) belongs to this shard. */
bool sva_shard_owns(const struct sva_shard *sh, const struct sva_decision *prefix);
/* The explorer branched: the new prefix has @n decisions, its last one a new choice. */
int sva_shard_branched(struct sva_shard *sh, size_t n);
/* Whether the whole subtree of the current prefix belongs to another shard (skip it). */
bool sva_shard_skips(const struct sva_shard *sh, const struct sva_decision *prefix);

#endif /* SVA_SYNC_SHARD_H */

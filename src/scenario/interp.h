/* SPDX-License-Identifier: MIT */
/*
 * The scenario interpreter's insides, shared by interp.c (a task's statements: variables,
 * conditions, the judging of outcomes), interp_calls.c (what each call does) and
 * interp_embed.c (the embedder's calls). The state of
 * a process (struct sva_scn_proc) is read and changed only through the helpers here, under
 * the run's lock, never held across a system call (see runner.h).
 */
#ifndef SVA_SCENARIO_INTERP_H
#define SVA_SCENARIO_INTERP_H

#include "runner.h"

struct sva_scn_exec {
	struct sva_scn_ctx *c;
	struct sva_scn_proc *ps;
	struct sva_task *t;
	struct sva_world *w;
	const struct sva_scn_stmt *st;
	char why[160]; /* why the call failed without being made, for its message */
};

void sva_scn_lock(struct sva_scn_exec *x);
void sva_scn_unlock(struct sva_scn_exec *x);
const struct sva_scn_arg *sva_scn_arg(const struct sva_scn_exec *x, unsigned i);
/*
 * The value of argument @i: its number, or its variable's value. -ENOENT when the variable is
 * not set in this process (a failure of the run, recorded); the error a C call given -1 would
 * fail with when its call failed (EBADF, EFAULT, ESRCH/ECHILD, EINVAL), the reason in x->why.
 */
int sva_scn_val(struct sva_scn_exec *x, unsigned i, uint64_t *out);
uint64_t sva_scn_num_or(const struct sva_scn_exec *x, unsigned i, uint64_t dflt);
/* The process's record of @fd, a copy (false: it has none). */
bool sva_scn_fdinfo(struct sva_scn_exec *x, int fd, struct sva_scn_fdinfo *out);
void sva_scn_fd_add(struct sva_scn_exec *x, const struct sva_scn_fdinfo *f);
/* Forget @fd; when @fd < 0, every fd opened with cloexec (exec closed them). */
void sva_scn_fd_drop(struct sva_scn_exec *x, int fd);
void sva_scn_fd_portal(struct sva_scn_exec *x, int fd, uint64_t portal);
/* The length of the mapping at @addr (0: none), and forget it when @forget. */
uint64_t sva_scn_map_len(struct sva_scn_exec *x, uint64_t addr, bool forget);
void sva_scn_map_add(struct sva_scn_exec *x, uint64_t addr, uint64_t len);

/* interp_calls.c: run the call of x->st; its value (>= 0) or a negative errno. */
long sva_scn_call(struct sva_scn_exec *x);
/* interp_calls.c: wait a little (yield, then sleep); false once the tries are spent. */
bool sva_scn_backoff(struct sva_scn_exec *x, unsigned *tries);
/* interp_embed.c: an embedder's call (sva_scn_op_is_embed()). */
long sva_scn_embed_call(struct sva_scn_exec *x);

#endif /* SVA_SCENARIO_INTERP_H */

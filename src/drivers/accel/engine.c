/* SPDX-License-Identifier: MIT */
/*
 * The engines of the software accelerator: daemon actors that take descriptors from the WQs
 * (round robin), execute them page by page with the swiommu's DMA helpers on the descriptor's
 * PASID, and write their completion records by DMA; and the stop of a queue, which aborts what
 * it still has pending and waits for what an engine runs for it.
 *
 * A job's life: taken from its WQ under the WQ lock (the slot goes back to the free list at
 * once, as a WQ entry is freed at dispatch; the ctx counts one more job in flight); executed
 * with no lock held, a scheduling point at every page and the ctx's abort flag checked there;
 * its completion record written; then, under the WQ lock, the ctx's in-flight count dropped and
 * the stoppers woken. The record is written before the count drops, so once a stop has seen
 * the count at zero no DMA of that ctx is left, and uacce may unbind.
 *
 * What a descriptor does is ops.c's (and dif.c's): here a job is taken, run, completed and
 * counted. DRAIN needs to know which jobs run: each engine publishes the one it runs
 * (run_seq: its take order, WQ and PASID packed), set under the WQ lock at take and cleared
 * once its record is written, before the WQ's idle queue is woken.
 *
 * Native engines poll their group's queue a while (pauses, a yield now and then) before they
 * sleep on a->work, and a submitter wakes a->work only when an engine sleeps there (a->sleepers);
 * a job's end wakes wq->idle only when someone waits there (wq->idle_waiters), and drops the
 * ctx's in-flight count without the WQ lock (a seq_cst subtract, then idle_waiters read: a
 * waiter counts itself in before it reads the count, so one of them sees the other). Sim: every
 * wait and wake-up, and that lock, as before (they are scheduling points and footprints).
 *
 * Locks: wq->lock (spinlock, leaf) around slots and counts; nothing else. The stop runs under
 * uacce's device mutex and sleeps on the WQ's idle queue, which engines never need.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(accel_engine);

/* Native: an idle engine polls this many times (a pause each, a yield every _YIELD) first. */
#define SVA_ACCEL_ENGINE_POLLS	     20000u
#define SVA_ACCEL_ENGINE_POLLS_YIELD 64u

/* Count @c's outcome (a job's, not its batch's descriptors). */
static void sva_accel_account(struct sva_accel *a, const struct dsa_completion_record *c)
{
	unsigned code = sva_dsa_status_code(c->status);

	if (code == SVA_DSA_COMP_ABORTED) {
		sva_accel_count(&a->c.aborted, 1);
		return;
	}
	if (code == DSA_COMP_PAGE_FAULT_NOBOF || code == DSA_COMP_PAGE_FAULT_IR ||
	    code == DSA_COMP_BATCH_PAGE_FAULT)
		sva_accel_count(&a->c.page_faults, 1);
	else if (code >= DSA_COMP_DR_OFFSET_NOINC)
		sva_accel_count(&a->c.errors, 1);
	sva_accel_count(&a->c.completed, 1);
}

/* ---- jobs ---- */

/* The highest priority of @e's group's WQs that have a descriptor waiting (racy: a hint). */
static unsigned sva_accel_best_priority(struct sva_accel_engine *e)
{
	struct sva_accel *a = e->a;
	unsigned best = 0;

	for (unsigned i = 0; i < a->nwqs; i++) {
		struct sva_accel_wq *wq = a->wqs[i];

		if (wq->group != e->group || wq->priority <= best)
			continue;
		sva_spin_lock(&wq->lock);
		if (!sva_glist_empty(&wq->pending))
			best = wq->priority;
		sva_spin_unlock(&wq->lock);
	}
	return best;
}

/*
 * Take the oldest descriptor of the next WQ of @e's group that has one, among those of the
 * highest priority that have one (round robin between equals).
 */
static bool sva_accel_take(struct sva_accel_engine *e, struct sva_accel_job *job)
{
	struct sva_accel *a = e->a;
	unsigned best = a->same_priority ? 0 : sva_accel_best_priority(e);

	for (unsigned n = 0; n < a->nwqs; n++) {
		struct sva_accel_wq *wq = a->wqs[(e->next_wq + n) % a->nwqs];
		struct sva_accel_slot *slot;

		if (wq->group != e->group || wq->priority < best)
			continue;
		sva_spin_lock(&wq->lock);
		if (sva_glist_empty(&wq->pending)) {
			sva_spin_unlock(&wq->lock);
			continue;
		}
		slot = sva_list_first_entry(sva_glist_locked(&wq->pending, false),
					    struct sva_accel_slot, node);
		sva_glist_del(&slot->node, &wq->pending);
		sva_wq_locked(wq, npending)--;
		/* in flight before no longer pending: a drain's lock-free condition reads
		   npending, then inflight, and must never see the job in neither */
		atomic_fetch_add(&slot->ctx->inflight, 1);
		atomic_fetch_sub(&slot->ctx->npending, 1);
		atomic_fetch_sub(&a->queued[wq->group], 1);
		*job = (struct sva_accel_job){ .wq = wq, .ctx = slot->ctx, .desc = slot->desc };
		job->pasid = slot->pasid;
		job->gen = slot->gen;
		job->id = slot->id;
		job->seq = atomic_fetch_add(&a->seq, 1) + 1;
		atomic_store(&e->run_seq,
			     (job->seq << 23) | ((uint64_t)wq->index << 20) | job->pasid);
		sva_glist_add_tail(&slot->node, &wq->free);
		sva_spin_unlock(&wq->lock);
		e->next_wq = (e->next_wq + n + 1) % a->nwqs;
		return true;
	}
	return false;
}

/* Not inlined: the benchmark counts its instructions (bench_accel.c, callgrind). */
static void sva_accel_run(struct sva_accel_engine *e, struct sva_accel_job *job)
	__attribute__((noinline));

static void sva_accel_run(struct sva_accel_engine *e, struct sva_accel_job *job)
{
	struct sva_accel *a = e->a;
	struct sva_accel_exec x = { .a = a,
				    .e = e,
				    .wq = job->wq,
				    .ctx = job->ctx,
				    .pasid = job->pasid,
				    .gen = job->gen,
				    .seq = job->seq,
				    .id = job->id };
	struct sva_accel_wq *wq = job->wq;
	struct dsa_completion_record c;
	unsigned code;

	sva_trace(a->w, ACCEL_START, job->pasid, e->index, job->pasid, job->desc.opcode,
		  job->desc.xfer_size, job->id);
	sva_accel_execute(&x, &job->desc, &c, false);
	sva_accel_complete(&x, &job->desc, &c);
	sva_accel_account(a, &c);
	if (job->desc.opcode != DSA_OPCODE_BATCH)
		sva_accel_count(&a->c.bytes, c.bytes_completed);
	/* the events carry the status code (the write bit of a fault is in the record only) */
	code = sva_dsa_status_code(c.status);
	if (code == SVA_DSA_COMP_ABORTED)
		sva_trace(a->w, ACCEL_ABORT, job->pasid, job->pasid, code, c.bytes_completed,
			  c.fault_addr, job->gen, job->id);
	else
		sva_trace(a->w, ACCEL_COMPLETE, job->pasid, job->pasid, code, c.bytes_completed,
			  c.fault_addr, job->gen, job->id);
	/* the record is written: only now may a stopper or a DRAIN see the job gone */
	atomic_store(&e->run_seq, 0);
	if (a->native) { /* seq_cst, before idle_waiters is read: no lock needed (see above) */
		atomic_fetch_sub(&job->ctx->inflight, 1);
	} else { /* sim: under the lock as before (its footprint is the schedule's) */
		sva_spin_lock(&wq->lock);
		atomic_fetch_sub(&job->ctx->inflight, 1);
		sva_spin_unlock(&wq->lock);
	}
	if (a->native && !atomic_load(&wq->idle_waiters))
		return; /* nobody waits on idle (sim: always woken, as before) */
	sva_wake_up(&wq->idle);
}

/* Work for @e, or the device going away. */
static bool sva_accel_engine_woken(struct sva_accel_engine *e)
{
	return atomic_load(&e->a->queued[e->group]) || atomic_load(&e->a->stopping);
}

static inline void sva_accel_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * Native: poll the group's queue a while before sleeping, as hardware consumes descriptors
 * without waiting for an interrupt - a submitter then finds the engine awake and wakes nobody.
 * A sleeping engine is counted in a->sleepers before its condition is evaluated (seq_cst), and
 * a submitter counts its descriptor in a->queued before it reads a->sleepers (seq_cst): either
 * the engine sees the descriptor or the submitter sees the sleeper and wakes it.
 */
static void sva_accel_engine_idle(struct sva_accel_engine *e)
{
	struct sva_accel *a = e->a;

	for (unsigned i = 1; i <= SVA_ACCEL_ENGINE_POLLS; i++) {
		if (sva_accel_engine_woken(e))
			return;
		if (i % SVA_ACCEL_ENGINE_POLLS_YIELD == 0)
			sva_yield(a->w); /* a 2-core machine: the submitter may need this core */
		else
			sva_accel_cpu_relax();
	}
	atomic_fetch_add(&a->sleepers, 1);
	sva_wait_event(&a->work, sva_accel_engine_woken(e));
	atomic_fetch_sub(&a->sleepers, 1);
}

void sva_accel_kick(struct sva_accel *a)
{
	/* sim: always, as before (the wake-up is part of the schedule and its footprints) */
	if (!a->native || atomic_load(&a->sleepers))
		sva_wake_up(&a->work);
}

static int sva_accel_engine_main(void *arg)
{
	struct sva_accel_engine *e = arg;
	struct sva_accel *a = e->a;

	for (;;) {
		struct sva_accel_job job;

		if (a->native)
			sva_accel_engine_idle(e);
		else
			sva_wait_event(&a->work, sva_accel_engine_woken(e));
		if (atomic_load(&a->stopping))
			return 0;
		if (sva_accel_take(e, &job))
			sva_accel_run(e, &job);
	}
}

int sva_accel_engines_start(struct sva_accel *a, unsigned n, const unsigned *groups)
{
	for (; a->nengines < n; a->nengines++) {
		struct sva_accel_engine *e = sva_alloc(a->w, &sva_obj_accel_engine, sizeof(*e));
		char name[40];
		int ret;

		if (!e)
			return -ENOMEM;
		e->a = a;
		sva_dma_memo_reset(&e->memo);
		e->index = a->nengines;
		e->next_wq = a->nengines % a->nwqs;
		e->group = groups[a->nengines];
		snprintf(name, sizeof(name), "%s/engine%u", a->name, e->index);
		ret = sva_actor_spawn(a->w, name, sva_accel_engine_main, e, SVA_ACTOR_DAEMON,
				      &e->actor);
		if (ret) {
			sva_free(a->w, &sva_obj_accel_engine, e);
			return ret;
		}
		a->engines[a->nengines] = e;
	}
	return 0;
}

/* After every queue was stopped: nothing pending, no job running. */
void sva_accel_engines_stop(struct sva_accel *a)
{
	atomic_store(&a->stopping, true);
	sva_wake_up(&a->work);
	for (unsigned i = 0; i < a->nengines; i++) {
		sva_actor_join(a->engines[i]->actor, NULL);
		sva_free(a->w, &sva_obj_accel_engine, a->engines[i]);
		a->engines[i] = NULL;
	}
	a->nengines = 0;
}

/* ---- stopping a queue ---- */

/* Complete the pending descriptors on @list ABORTED (records written, which may fault). */
static void sva_accel_abort_list(struct sva_accel_ctx *ctx, struct sva_list_head *list)
{
	struct sva_accel *a = ctx->wq->a;
	struct sva_accel_slot *slot;

	sva_list_for_each_entry(slot, list, node) {
		uint32_t pasid = slot->pasid;
		struct sva_accel_exec x = { .a = a,
					    .wq = ctx->wq,
					    .ctx = ctx,
					    .pasid = pasid,
					    .gen = slot->gen,
					    .id = slot->id };
		struct dsa_completion_record c = { .status = SVA_DSA_COMP_ABORTED };

		sva_accel_complete(&x, &slot->desc, &c); /* an abort's record never blocks */
		sva_accel_account(a, &c);
		sva_trace(a->w, ACCEL_ABORT_QUEUED, pasid, pasid, slot->desc.opcode, 1, slot->gen,
			  slot->id);
	}
}

void sva_accel_ctx_stop(struct sva_accel_ctx *ctx)
{
	struct sva_accel_wq *wq = ctx->wq;
	struct sva_accel *a = wq->a;
	struct sva_accel_slot *slot, *tmp;
	struct sva_list_head aborted;
	unsigned n = 0;

	sva_list_init(&aborted);
	sva_spin_lock(&wq->lock);
	sva_ctx_state(ctx) = SVA_ACCEL_CTX_STOPPED;
	atomic_store(&ctx->abort, true);
	sva_glist_for_each_entry_safe(slot, tmp, &wq->pending, node) {
		if (slot->ctx != ctx)
			continue;
		sva_glist_del(&slot->node, &wq->pending);
		sva_list_add_tail(&slot->node, &aborted);
		n++;
	}
	sva_wq_locked(wq, npending) -= n;
	atomic_fetch_sub(&ctx->npending, n);
	atomic_fetch_sub(&a->queued[wq->group], n);
	sva_spin_unlock(&wq->lock);
	if (atomic_load(&wq->drains))
		sva_wake_up(&wq->idle); /* a DRAIN of it waiting there ends */

	sva_accel_abort_list(ctx, &aborted);
	sva_spin_lock(&wq->lock);
	sva_list_for_each_entry_safe(slot, tmp, &aborted, node) {
		sva_list_del(&slot->node);
		sva_glist_add_tail(&slot->node, &wq->free);
	}
	sva_spin_unlock(&wq->lock);

	/* the job an engine runs for it ends at its next page, its record written */
	sva_accel_idle_wait(wq, atomic_load(&ctx->inflight) == 0);
	if (ctx != wq->kctx)
		sva_trace(a->w, ACCEL_STOP, ctx->pasid, wq->name, ctx->pasid, n);
}

/*
 * idxd's drain of a PASID at release (the Drain PASID command): @ctx refuses new descriptors,
 * and nothing is aborted; the wait
 * ends when the engines have taken and completed every descriptor of @ctx. Each job's end
 * wakes wq->idle; a descriptor blocked on a fault ends when its page request is answered.
 */
void sva_accel_ctx_drain(struct sva_accel_ctx *ctx)
{
	struct sva_accel_wq *wq = ctx->wq;

	sva_spin_lock(&wq->lock);
	sva_ctx_state(ctx) = SVA_ACCEL_CTX_STOPPED; /* refuses: the drain ends */
	sva_spin_unlock(&wq->lock);
	sva_accel_idle_wait(wq,
			    atomic_load(&ctx->npending) == 0 && atomic_load(&ctx->inflight) == 0);
}

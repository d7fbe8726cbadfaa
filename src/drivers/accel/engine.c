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
 * Faults: a descriptor with block-on-fault uses the DMA helpers as they are (a PRI-capable
 * device waits for the page request's response and goes on). Without it, the copy stops at the
 * first fault (SVA_DMA_NO_PRI: no page request even on a PRI-capable device), and the
 * descriptor completes with PAGE_FAULT, the bytes done and the faulting address.
 *
 * Locks: wq->lock (spinlock, leaf) around slots and counts; nothing else. The stop runs under
 * uacce's device mutex and sleeps on the WQ's idle queue, which engines never need.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SVA_ACCEL_PAGE_LEFT(va) ((size_t)(SVA_PAGE_SIZE - ((va) & ~SVA_PAGE_MASK)))

/* What an operation is executing with. */
struct sva_accel_exec {
	struct sva_accel *a;
	struct sva_accel_engine *e; /* NULL for a stopper's abort records */
	struct sva_accel_ctx *ctx;
	uint32_t pasid;
	uint64_t gen; /* the descriptor's: its DMA is for that owner of the PASID */
	bool bof;
};

static size_t sva_accel_min(size_t x, size_t y)
{
	return x < y ? x : y;
}

/* ---- DMA ---- */

static int sva_accel_dma(struct sva_accel_exec *x, uint64_t va, void *buf, size_t len, bool write,
			 struct sva_dma_status *st)
{
	int ret;

	/* without block-on-fault a job does not wait for page requests: it reports the fault */
	ret = sva_dma_copy_gen(x->a->dev, x->pasid, x->gen, va, buf, len,
			       (write ? SVA_DMA_WRITE : 0) | (x->bof ? 0 : SVA_DMA_NO_PRI), st);
	if (st->pri_requests)
		sva_accel_count(&x->a->c.page_requests, st->pri_requests);
	return ret;
}

/* ---- operations: each fills @c (status and the rest) ---- */

static bool sva_accel_aborted(struct sva_accel_exec *x)
{
	return x->ctx && atomic_load(&x->ctx->abort);
}

/* Stop at a fault of an access at @done bytes. */
static void sva_accel_fault(struct sva_dsa_completion *c, uint64_t done,
			    const struct sva_dma_status *st, bool write)
{
	c->status = SVA_DSA_STATUS_PAGE_FAULT;
	c->bytes_completed = (uint32_t)done;
	c->fault_addr = st->fault_addr;
	c->fault_info =
		(write ? SVA_DSA_FAULT_WRITE : 0) |
		(st->pri_requests && st->response != SVA_PAGE_RESP_SUCCESS ? SVA_DSA_FAULT_PRI : 0);
}

/* Common page-wise loop state: the step ends at the next page boundary of every address. */
static size_t sva_accel_step(uint64_t done, uint64_t size, const uint64_t *va, unsigned n)
{
	size_t step = sva_accel_min(SVA_PAGE_SIZE, size - done);

	for (unsigned i = 0; i < n; i++)
		step = sva_accel_min(step, SVA_ACCEL_PAGE_LEFT(va[i] + done));
	return step;
}

/* A page boundary: a scheduling point, and where a stop ends the job. */
static bool sva_accel_page(struct sva_accel_exec *x, struct sva_dsa_completion *c, uint64_t done)
{
	sva_sched_point(x->a->w);
	if (!sva_accel_aborted(x))
		return true;
	c->status = SVA_DSA_STATUS_ABORTED;
	c->bytes_completed = (uint32_t)done;
	return false;
}

/* Copy backward (an overlapping move to a higher address): from the end, page by page. */
static void sva_accel_move_backward(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
				    struct sva_dsa_completion *c)
{
	uint8_t *buf = x->e->buf[0];
	struct sva_dma_status st;
	uint64_t done = 0;

	c->result = 1;
	while (done < d->size) {
		uint64_t end = d->size - done;
		size_t step = sva_accel_min(end, SVA_PAGE_SIZE);

		step = sva_accel_min(step, ((d->src + end - 1) & ~SVA_PAGE_MASK) + 1);
		step = sva_accel_min(step, ((d->dst + end - 1) & ~SVA_PAGE_MASK) + 1);
		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->src + end - step, buf, step, false, &st)) {
			sva_accel_fault(c, done, &st, false);
			return;
		}
		if (sva_accel_dma(x, d->dst + end - step, buf, step, true, &st)) {
			sva_accel_fault(c, done, &st, true);
			return;
		}
		done += step;
	}
	c->status = SVA_DSA_STATUS_SUCCESS;
	c->bytes_completed = (uint32_t)done;
}

/* MEMMOVE, COPY_CRC and DUALCAST: read a step of src, write it to one or two destinations. */
static void sva_accel_copy(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			   struct sva_dsa_completion *c)
{
	uint64_t va[3] = { d->src, d->dst, d->dst2 };
	unsigned n = d->opcode == SVA_DSA_OP_DUALCAST ? 3 : 2;
	bool crc = d->opcode == SVA_DSA_OP_COPY_CRC;
	uint32_t sum = crc ? d->crc_seed : 0;
	uint8_t *buf = x->e->buf[0];
	struct sva_dma_status st;
	uint64_t done = 0;

	while (done < d->size) {
		size_t step = sva_accel_step(done, d->size, va, n);

		if (!sva_accel_page(x, c, done))
			break;
		if (sva_accel_dma(x, d->src + done, buf, step, false, &st)) {
			sva_accel_fault(c, done, &st, false);
			break;
		}
		if (sva_accel_dma(x, d->dst + done, buf, step, true, &st) ||
		    (n == 3 && sva_accel_dma(x, d->dst2 + done, buf, step, true, &st))) {
			sva_accel_fault(c, done, &st, true);
			break;
		}
		if (crc)
			sum = sva_crc32c(sum, buf, step);
		done += step;
	}
	if (done == d->size) {
		c->status = SVA_DSA_STATUS_SUCCESS;
		c->bytes_completed = (uint32_t)done;
	}
	c->value = sum; /* partial: the CRC of what was copied, the seed of the rest */
}

static void sva_accel_memmove(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			      struct sva_dsa_completion *c)
{
	if (d->dst > d->src && d->dst < d->src + d->size)
		sva_accel_move_backward(x, d, c);
	else
		sva_accel_copy(x, d, c);
}

static void sva_accel_pattern(uint8_t *buf, size_t len, uint64_t pattern, uint64_t offset)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(pattern >> (8 * ((offset + i) % 8)));
}

static void sva_accel_fill(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			   struct sva_dsa_completion *c)
{
	uint8_t *buf = x->e->buf[0];
	struct sva_dma_status st;
	uint64_t done = 0;

	while (done < d->size) {
		uint64_t va = d->dst;
		size_t step = sva_accel_step(done, d->size, &va, 1);

		if (!sva_accel_page(x, c, done))
			return;
		sva_accel_pattern(buf, step, d->pattern, done);
		if (sva_accel_dma(x, d->dst + done, buf, step, true, &st)) {
			sva_accel_fault(c, done, &st, true);
			return;
		}
		done += step;
	}
	c->status = SVA_DSA_STATUS_SUCCESS;
	c->bytes_completed = (uint32_t)done;
}

/* COMPARE and COMPARE_PATTERN: result 1 and the offset of the first difference. */
static void sva_accel_compare(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			      struct sva_dsa_completion *c)
{
	bool pattern = d->opcode == SVA_DSA_OP_COMPARE_PATTERN;
	uint64_t va[2] = { d->src, d->src2 };
	uint8_t *a = x->e->buf[0], *b = x->e->buf[1];
	struct sva_dma_status st;
	uint64_t done = 0;

	while (done < d->size) {
		size_t step = sva_accel_step(done, d->size, va, pattern ? 1 : 2);

		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->src + done, a, step, false, &st)) {
			sva_accel_fault(c, done, &st, false);
			return;
		}
		if (pattern)
			sva_accel_pattern(b, step, d->pattern, done);
		else if (sva_accel_dma(x, d->src2 + done, b, step, false, &st)) {
			sva_accel_fault(c, done, &st, false);
			return;
		}
		if (memcmp(a, b, step)) {
			size_t i = 0;

			while (a[i] == b[i])
				i++;
			c->status = SVA_DSA_STATUS_SUCCESS;
			c->result = 1;
			c->bytes_completed = (uint32_t)(done + i);
			return;
		}
		done += step;
	}
	c->status = SVA_DSA_STATUS_SUCCESS;
	c->bytes_completed = (uint32_t)done;
}

static void sva_accel_crc(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			  struct sva_dsa_completion *c)
{
	uint32_t sum = d->crc_seed;
	uint8_t *buf = x->e->buf[0];
	struct sva_dma_status st;
	uint64_t done = 0;

	while (done < d->size) {
		uint64_t va = d->src;
		size_t step = sva_accel_step(done, d->size, &va, 1);

		if (!sva_accel_page(x, c, done))
			break;
		if (sva_accel_dma(x, d->src + done, buf, step, false, &st)) {
			sva_accel_fault(c, done, &st, false);
			break;
		}
		sum = sva_crc32c(sum, buf, step);
		done += step;
	}
	if (done == d->size) {
		c->status = SVA_DSA_STATUS_SUCCESS;
		c->bytes_completed = (uint32_t)done;
	}
	c->value = sum;
}

static bool sva_accel_range_ok(uint64_t va, uint32_t size)
{
	return !size || va + (size - 1) >= va;
}

/* The ranges @d touches do not wrap. */
static bool sva_accel_ranges_ok(const struct sva_dsa_desc *d)
{
	bool src = sva_accel_range_ok(d->src, d->size), dst = sva_accel_range_ok(d->dst, d->size);

	switch (d->opcode) {
	case SVA_DSA_OP_DUALCAST:
		return src && dst && sva_accel_range_ok(d->dst2, d->size);
	case SVA_DSA_OP_MEMMOVE:
	case SVA_DSA_OP_COPY_CRC:
	case SVA_DSA_OP_COMPARE: /* dst is src2 */
		return src && dst;
	case SVA_DSA_OP_FILL:
		return dst;
	case SVA_DSA_OP_CRC32C:
	case SVA_DSA_OP_COMPARE_PATTERN:
		return src;
	default:
		return true;
	}
}

static void sva_accel_batch(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			    struct sva_dsa_completion *c);

/* Execute one descriptor (not its record): @c is filled. */
static void sva_accel_execute(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			      struct sva_dsa_completion *c, bool in_batch)
{
	*c = (struct sva_dsa_completion){ .status = SVA_DSA_STATUS_NONE };
	if ((d->flags & SVA_DSA_FLAG_BOF) && !x->ctx->wq->bof) {
		c->status = SVA_DSA_STATUS_INVALID_FLAGS;
		return;
	}
	if (d->opcode != SVA_DSA_OP_BATCH &&
	    (d->size > x->a->max_xfer || !sva_accel_ranges_ok(d))) {
		c->status = SVA_DSA_STATUS_INVALID_SIZE;
		return;
	}
	x->bof = d->flags & SVA_DSA_FLAG_BOF;
	switch (d->opcode) {
	case SVA_DSA_OP_NOOP:
		c->status = SVA_DSA_STATUS_SUCCESS;
		break;
	case SVA_DSA_OP_BATCH:
		if (in_batch)
			c->status = SVA_DSA_STATUS_BATCH_INVALID;
		else
			sva_accel_batch(x, d, c);
		break;
	case SVA_DSA_OP_MEMMOVE:
		sva_accel_memmove(x, d, c);
		break;
	case SVA_DSA_OP_COPY_CRC:
	case SVA_DSA_OP_DUALCAST:
		sva_accel_copy(x, d, c);
		break;
	case SVA_DSA_OP_FILL:
		sva_accel_fill(x, d, c);
		break;
	case SVA_DSA_OP_COMPARE:
	case SVA_DSA_OP_COMPARE_PATTERN:
		sva_accel_compare(x, d, c);
		break;
	case SVA_DSA_OP_CRC32C:
		sva_accel_crc(x, d, c);
		break;
	default:
		c->status = SVA_DSA_STATUS_BAD_OPCODE;
		break;
	}
}

static bool sva_accel_wants_record(const struct sva_dsa_desc *d, const struct sva_dsa_completion *c)
{
	return (d->flags & SVA_DSA_FLAG_CRAV) &&
	       ((d->flags & SVA_DSA_FLAG_RCR) || c->status != SVA_DSA_STATUS_SUCCESS);
}

/* Write @c where @d asks (CRAV, and RCR or an error); a fault loses it (counted, traced). */
static void sva_accel_record(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			     const struct sva_dsa_completion *c)
{
	struct sva_dsa_completion rec = *c;
	struct sva_dma_status st;

	if (!sva_accel_wants_record(d, c))
		return;
	if (sva_accel_dma(x, d->completion_addr, &rec, sizeof(rec), true, &st) == 0)
		return;
	sva_accel_count(&x->a->c.records_lost, 1);
	sva_trace(x->a->w, ACCEL_RECORD_LOST, x->pasid, x->pasid, d->completion_addr, st.reason,
		  x->gen);
}

/* Count @c's outcome. */
static void sva_accel_account(struct sva_accel *a, const struct sva_dsa_completion *c)
{
	switch (c->status) {
	case SVA_DSA_STATUS_ABORTED:
		sva_accel_count(&a->c.aborted, 1);
		return;
	case SVA_DSA_STATUS_PAGE_FAULT:
	case SVA_DSA_STATUS_BATCH_PAGE_FAULT:
		sva_accel_count(&a->c.page_faults, 1);
		break;
	case SVA_DSA_STATUS_SUCCESS:
	case SVA_DSA_STATUS_BATCH_FAIL:
		break;
	default:
		sva_accel_count(&a->c.errors, 1);
		break;
	}
	sva_accel_count(&a->c.completed, 1);
}

/*
 * BATCH: read each descriptor of the list (on the batch's PASID), execute it, write its record.
 * bytes_completed counts the descriptors processed, value those that succeeded.
 */
static void sva_accel_batch(struct sva_accel_exec *x, const struct sva_dsa_desc *d,
			    struct sva_dsa_completion *c)
{
	uint32_t ok = 0, i;

	if (!d->desc_count || d->desc_count > x->a->max_batch ||
	    d->desc_list + (uint64_t)d->desc_count * sizeof(*d) - 1 < d->desc_list) {
		c->status = SVA_DSA_STATUS_BATCH_INVALID;
		return;
	}
	for (i = 0; i < d->desc_count; i++) {
		struct sva_dsa_completion sub_c;
		struct sva_dsa_desc sub;
		struct sva_dma_status st;

		if (!sva_accel_page(x, c, i))
			break;
		x->bof = d->flags & SVA_DSA_FLAG_BOF;
		if (sva_accel_dma(x, d->desc_list + i * sizeof(sub), &sub, sizeof(sub), false,
				  &st)) {
			sva_accel_fault(c, i, &st, false);
			c->status = SVA_DSA_STATUS_BATCH_PAGE_FAULT;
			break;
		}
		sva_accel_execute(x, &sub, &sub_c, true);
		sva_accel_record(x, &sub, &sub_c);
		ok += sub_c.status == SVA_DSA_STATUS_SUCCESS;
	}
	if (i == d->desc_count) {
		c->status = ok == i ? SVA_DSA_STATUS_SUCCESS : SVA_DSA_STATUS_BATCH_FAIL;
		c->bytes_completed = i;
	}
	c->value = ok;
}

/* ---- jobs ---- */

/* Take the oldest descriptor of the next WQ that has one. */
static bool sva_accel_take(struct sva_accel_engine *e, struct sva_accel_job *job)
{
	struct sva_accel *a = e->a;

	for (unsigned n = 0; n < a->nwqs; n++) {
		struct sva_accel_wq *wq = a->wqs[(e->next_wq + n) % a->nwqs];
		struct sva_accel_slot *slot;

		sva_spin_lock(&wq->lock);
		if (sva_list_empty(&wq->pending)) {
			sva_spin_unlock(&wq->lock);
			continue;
		}
		slot = sva_list_first_entry(&wq->pending, struct sva_accel_slot, node);
		sva_list_del(&slot->node);
		wq->npending--;
		atomic_fetch_sub(&a->queued, 1);
		*job = (struct sva_accel_job){ .wq = wq, .ctx = slot->ctx, .desc = slot->desc };
		job->pasid = slot->desc.pasid & SVA_PASID_MSR_MASK;
		job->gen = slot->gen;
		atomic_fetch_add(&slot->ctx->inflight, 1);
		sva_list_add_tail(&slot->node, &wq->free);
		sva_spin_unlock(&wq->lock);
		e->next_wq = (e->next_wq + n + 1) % a->nwqs;
		return true;
	}
	return false;
}

static void sva_accel_run(struct sva_accel_engine *e, struct sva_accel_job *job)
{
	struct sva_accel *a = e->a;
	struct sva_accel_exec x = {
		.a = a, .e = e, .ctx = job->ctx, .pasid = job->pasid, .gen = job->gen
	};
	struct sva_accel_wq *wq = job->wq;
	struct sva_dsa_completion c;

	sva_trace(a->w, ACCEL_START, job->pasid, e->index, job->pasid, job->desc.opcode,
		  job->desc.size);
	sva_accel_execute(&x, &job->desc, &c, false);
	x.bof = job->desc.flags & SVA_DSA_FLAG_BOF;
	sva_accel_record(&x, &job->desc, &c);
	sva_accel_account(a, &c);
	if (job->desc.opcode != SVA_DSA_OP_BATCH)
		sva_accel_count(&a->c.bytes, c.bytes_completed);
	if (c.status == SVA_DSA_STATUS_ABORTED)
		sva_trace(a->w, ACCEL_ABORT, job->pasid, job->pasid, c.status, c.bytes_completed,
			  c.fault_addr, job->gen);
	else
		sva_trace(a->w, ACCEL_COMPLETE, job->pasid, job->pasid, c.status, c.bytes_completed,
			  c.fault_addr, job->gen);
	/* the record is written: only now may a stopper see the job gone */
	sva_spin_lock(&wq->lock);
	atomic_fetch_sub(&job->ctx->inflight, 1);
	sva_spin_unlock(&wq->lock);
	sva_wake_up(&wq->idle);
}

static int sva_accel_engine_main(void *arg)
{
	struct sva_accel_engine *e = arg;
	struct sva_accel *a = e->a;

	for (;;) {
		struct sva_accel_job job;

		sva_wait_event(&a->work, atomic_load(&a->queued) || atomic_load(&a->stopping));
		if (atomic_load(&a->stopping))
			return 0;
		if (sva_accel_take(e, &job))
			sva_accel_run(e, &job);
	}
}

int sva_accel_engines_start(struct sva_accel *a, unsigned n)
{
	for (; a->nengines < n; a->nengines++) {
		struct sva_accel_engine *e = sva_alloc(a->w, SVA_OBJ_ACCEL_ENGINE, sizeof(*e));
		char name[40];
		int ret;

		if (!e)
			return -ENOMEM;
		e->a = a;
		e->index = a->nengines;
		e->next_wq = a->nengines % a->nwqs;
		snprintf(name, sizeof(name), "%s/engine%u", a->name, e->index);
		ret = sva_actor_spawn(a->w, name, sva_accel_engine_main, e, SVA_ACTOR_DAEMON,
				      &e->actor);
		if (ret) {
			sva_free(a->w, SVA_OBJ_ACCEL_ENGINE, e);
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
		sva_free(a->w, SVA_OBJ_ACCEL_ENGINE, a->engines[i]);
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
		uint32_t pasid = slot->desc.pasid & SVA_PASID_MSR_MASK;
		struct sva_accel_exec x = { .a = a, .ctx = ctx, .pasid = pasid, .gen = slot->gen };
		struct sva_dsa_completion c = { .status = SVA_DSA_STATUS_ABORTED };

		sva_accel_record(&x, &slot->desc, &c); /* never blocks on a fault */
		sva_accel_account(a, &c);
		sva_trace(a->w, ACCEL_ABORT_QUEUED, pasid, pasid, slot->desc.opcode, 1, slot->gen);
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
	ctx->state = SVA_ACCEL_CTX_STOPPED;
	atomic_store(&ctx->abort, true);
	sva_list_for_each_entry_safe(slot, tmp, &wq->pending, node) {
		if (slot->ctx != ctx)
			continue;
		sva_list_del(&slot->node);
		sva_list_add_tail(&slot->node, &aborted);
		n++;
	}
	wq->npending -= n;
	atomic_fetch_sub(&a->queued, n);
	sva_spin_unlock(&wq->lock);

	sva_accel_abort_list(ctx, &aborted);
	sva_spin_lock(&wq->lock);
	sva_list_for_each_entry_safe(slot, tmp, &aborted, node) {
		sva_list_del(&slot->node);
		sva_list_add_tail(&slot->node, &wq->free);
	}
	sva_spin_unlock(&wq->lock);

	/* the job an engine runs for it ends at its next page, its record written */
	sva_wait_event(&wq->idle, atomic_load(&ctx->inflight) == 0);
	sva_trace(a->w, ACCEL_STOP, ctx->pasid, wq->name, ctx->pasid, n);
}

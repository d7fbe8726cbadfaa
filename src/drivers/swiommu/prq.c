/* SPDX-License-Identifier: MIT */
/*
 * PRI, the IOMMU's end: the page-request queue (PRQ) of a swiommu instance, its consumer (the
 * "prq" thread), draining at detach, and the page_response op (see prq.h for the whole story).
 *
 * As hardware does (VT-d's PRQ with its overflow bit, the RISC-V IOMMU's page-request queue):
 *  - a request is accepted only if the PASID entry translates, checked under the PRQ lock, so
 *    a detach that made the entry invalid and then read the queue's count waits for every
 *    request of the PASID that was accepted before;
 *  - a full ring sets the overflow state: this request and every later one is dropped until
 *    the consumer has emptied the ring; a dropped last-in-group request gets an automatic
 *    SUCCESS (the device translates again, faults, asks again), other requests are dropped
 *    silently, stop markers too;
 *  - the consumer discards stop markers (no response), reports every other request to the
 *    core, and after an overflow, once the ring is empty, discards the core's partial requests
 *    (their groups lost their last request) before it reopens the ring.
 *
 * Lock order: the PRQ lock is a leaf (nothing is taken under it; responses are delivered after
 * it is released). The consumer calls into the core with no lock held and never takes a group
 * mutex or iommu_sva_lock, so a detach holding them may wait for it. sw->lock -> PRQ creation.
 */
#include <errno.h>

#include "internal.h"

SVA_OBJ_CLASS(prq);

static bool sva_sw_prq_is_marker(const struct sva_page_request *r)
{
	return r->last && !(r->access & (SVA_IOPF_READ | SVA_IOPF_WRITE | SVA_IOPF_EXEC));
}

/* ---- the consumer: the "prq" thread ---- */

/* Take the oldest entry: true, or false once stopping with nothing queued. */
static bool sva_sw_prq_take(struct sva_sw_prq *prq, struct sva_sw_prq_entry *out)
{
	for (;;) {
		unsigned n;

		sva_wait_event(&prq->wq,
			       atomic_load(&prq->count) != 0 || atomic_load(&prq->stopping));
		sva_spin_lock(&prq->lock);
		n = atomic_load(&prq->count);
		if (n) {
			struct sva_sw_prq_state *st = sva_sw_prq_st(prq);

			*out = prq->ring[st->head];
			st->head = (st->head + 1) % prq->cap;
			atomic_store(&prq->count, n - 1);
		}
		sva_spin_unlock(&prq->lock);
		if (n)
			return true;
		if (atomic_load(&prq->stopping))
			return false;
	}
}

static void sva_sw_prq_handle(struct sva_sw_prq *prq, const struct sva_sw_prq_entry *e)
{
	struct sva_swiommu *sw = prq->sw;

	/* a device removed with requests still queued (its removal drains them): reported */
	if (sva_obj_gone(&e->sdev->dev, "prq consumer: the request's device"))
		return;
	if (sva_sw_prq_is_marker(&e->req)) { /* a PASID stop marker: no response expected */
		sva_sw_counter_add(&sw->pc.stop_markers, 1);
		sva_trace(sw->w, SWIOMMU_PRQ_STOP_MARKER, e->sdev->dev->name, e->req.pasid);
		return;
	}
	sva_iommu_report_device_fault(e->sdev->dev, &e->req);
}

/* An entry is done: after an overflow, reopen the ring once it is empty; wake drainers. */
static void sva_sw_prq_retire(struct sva_sw_prq *prq)
{
	bool reopen;

	sva_spin_lock(&prq->lock);
	reopen = sva_sw_prq_st(prq)->overflow && atomic_load(&prq->count) == 0;
	sva_spin_unlock(&prq->lock);
	if (reopen) {
		/* still overflowed: nothing is queued, so no partial request arrives meanwhile */
		sva_iopf_queue_discard_partial(prq->iopf);
		sva_spin_lock(&prq->lock);
		sva_sw_prq_st(prq)->overflow = false;
		atomic_fetch_add(&prq->reopens, 1);
		sva_spin_unlock(&prq->lock);
		sva_trace(prq->sw->w, SWIOMMU_PRQ_REOPEN, prq->sw->name);
	}
	atomic_fetch_add(&prq->done, 1);
	sva_wake_up(&prq->drained);
}

static int sva_sw_prq_consumer(void *arg)
{
	struct sva_sw_prq *prq = arg;
	struct sva_sw_prq_entry e;

	while (sva_sw_prq_take(prq, &e)) {
		sva_sw_prq_handle(prq, &e);
		sva_sw_prq_retire(prq);
	}
	return 0;
}

/* Wait until the consumer has taken and reported every entry queued before the call. */
static void sva_sw_prq_drain(struct sva_sw_prq *prq)
{
	uint64_t upto;

	sva_spin_lock(&prq->lock);
	upto = sva_sw_prq_st(prq)->enqueued;
	sva_spin_unlock(&prq->lock);
	sva_trace(prq->sw->w, SWIOMMU_PRQ_DRAIN, prq->sw->name, upto - atomic_load(&prq->done));
	sva_wait_event(&prq->drained, atomic_load(&prq->done) >= upto);
}

/* ---- the queue: made with the first PRI-capable device, freed with the last ---- */

static void sva_sw_prq_free(struct sva_sw_prq *prq)
{
	struct sva_world *w = prq->sw->w;

	sva_iopf_queue_free(prq->iopf);
	sva_waitq_destroy(&prq->drained);
	sva_waitq_destroy(&prq->wq);
	sva_spin_lock_destroy(&prq->lock);
	sva_free(w, &sva_obj_prq, prq);
}

static int sva_sw_prq_create(struct sva_swiommu *sw, struct sva_sw_prq **out)
{
	unsigned cap = sw->cfg.prq_entries;
	struct sva_sw_prq *prq =
		sva_alloc(sw->w, &sva_obj_prq, sizeof(*prq) + cap * sizeof(prq->ring[0]));
	char name[48];
	int ret;

	if (!prq)
		return -ENOMEM;
	prq->sw = sw;
	prq->cap = cap;
	atomic_init(&prq->count, 0);
	atomic_init(&prq->done, 0);
	atomic_init(&prq->reopens, 0);
	atomic_init(&prq->stopping, false);
	sva_spin_lock_init(sw->w, &prq->lock, "swiommu_prq");
	sva_waitq_init(sw->w, &prq->wq, "prq_entries");
	sva_waitq_init(sw->w, &prq->drained, "prq_drained");
	snprintf(name, sizeof(name), "%s/iopf", sw->name);
	ret = sva_iopf_queue_alloc(sw->sys, name, &prq->iopf);
	if (ret) {
		prq->iopf = NULL;
		sva_sw_prq_free(prq);
		return ret;
	}
	snprintf(name, sizeof(name), "%s/prq", sw->name);
	ret = sva_actor_spawn(sw->w, name, sva_sw_prq_consumer, prq, SVA_ACTOR_DAEMON,
			      &prq->consumer);
	if (ret) {
		sva_sw_prq_free(prq);
		return ret;
	}
	*out = prq;
	return 0;
}

static void sva_sw_prq_destroy(struct sva_sw_prq *prq)
{
	atomic_store(&prq->stopping, true);
	sva_wake_up(&prq->wq);
	sva_actor_join(prq->consumer, NULL);
	sva_sw_prq_free(prq);
}

/* One PRI-capable device fewer; the last one takes the queue with it. */
static void sva_sw_prq_put(struct sva_swiommu *sw)
{
	struct sva_sw_prq *prq = NULL;

	sva_mutex_lock(&sw->lock);
	if (--sva_guarded(&sw->lock, sw->npri) == 0) {
		prq = sva_guarded(&sw->lock, sw->prq);
		sva_guarded(&sw->lock, sw->prq) = NULL;
	}
	sva_mutex_unlock(&sw->lock);
	if (prq)
		sva_sw_prq_destroy(prq); /* joins the consumer: no lock held */
}

int sva_sw_prq_add_device(struct sva_swiommu *sw, struct sva_sw_device *sdev)
{
	int ret = 0;

	sva_mutex_lock(&sw->lock);
	if (!sva_guarded(&sw->lock, sw->prq))
		ret = sva_sw_prq_create(sw, &sva_guarded(&sw->lock, sw->prq));
	if (ret == 0) {
		sva_guarded(&sw->lock, sw->npri)++;
		sdev->prq = sva_guarded(&sw->lock, sw->prq);
	}
	sva_mutex_unlock(&sw->lock);
	if (ret)
		return ret;
	ret = sva_iopf_queue_add_device(sdev->prq->iopf, sdev->dev);
	if (ret) {
		sdev->prq = NULL;
		sva_sw_prq_put(sw);
	}
	return ret;
}

void sva_sw_prq_remove_device(struct sva_swiommu *sw, struct sva_sw_device *sdev)
{
	if (!sdev->prq)
		return;
	sva_sw_prq_drain(sdev->prq); /* nothing of the device is left in the ring */
	sva_iopf_queue_remove_device(sdev->prq->iopf, sdev->dev); /* pending: INVALID */
	sdev->prq = NULL;
	sva_sw_prq_put(sw);
}

int sva_swiommu_disable_iopf(struct sva_device *dev)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	if (!sdev->prq)
		return -ENODEV;
	sva_sw_prq_drain(sdev->prq); /* what the device sent so far is reported ... */
	sva_iopf_queue_remove_device(sdev->prq->iopf, dev); /* ... then answered INVALID */
	return 0;
}

/* ---- the device sends ---- */

/*
 * Queue @reqs, stamped with the generation @gen of the PASID's owner they are issued under, or
 * drop them (PRQ lock held): the number queued; *@answer set if dropped last.
 */
static unsigned sva_sw_prq_queue_locked(struct sva_sw_prq *prq, struct sva_sw_device *sdev,
					const struct sva_page_request *reqs, unsigned n,
					uint64_t gen, unsigned *dropped, bool *answer)
{
	struct sva_sw_prq_state *st = sva_sw_prq_st(prq);
	unsigned queued = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned count = atomic_load(&prq->count);

		if (st->overflow || count == prq->cap) {
			st->overflow = true;
			(*dropped)++;
			if (reqs[i].last && !sva_sw_prq_is_marker(&reqs[i]))
				*answer = true; /* the automatic response */
			continue;
		}
		prq->ring[(st->head + count) % prq->cap] =
			(struct sva_sw_prq_entry){ .sdev = sdev, .req = reqs[i] };
		prq->ring[(st->head + count) % prq->cap].req.gen = gen;
		atomic_store(&prq->count, count + 1);
		st->enqueued++;
		queued++;
	}
	return queued;
}

static void sva_sw_prq_trace_sent(struct sva_sw_device *sdev, const struct sva_page_request *last,
				  uint64_t word, uint64_t gen, unsigned queued, unsigned dropped)
{
	struct sva_world *w = sdev->sw->w;

	if (queued)
		sva_trace(w, SWIOMMU_PRQ_REQUEST, sdev->dev->name, last->pasid, last->grpid,
			  sva_pasid_word_did(word), gen);
	if (dropped)
		sva_trace(w, SWIOMMU_PRQ_OVERFLOW, sdev->dev->name, last->pasid, last->grpid,
			  dropped);
}

void sva_sw_prq_send(struct sva_sw_device *sdev, const struct sva_page_request *reqs, unsigned n,
		     struct sva_sw_prq_sent *out)
{
	struct sva_sw_prq *prq = sdev->prq;
	struct sva_swiommu *sw = sdev->sw;
	const struct sva_page_request *last = &reqs[n - 1];
	struct sva_pasid_entry *e = sva_pasid_table_entry(&sdev->table, last->pasid);
	unsigned queued = 0, dropped = 0;
	bool refused;
	uint64_t word, gen;

	*out = (struct sva_sw_prq_sent){ .code = SVA_PAGE_RESP_SUCCESS };
	sva_spin_lock(&prq->lock);
	word = sva_pasid_entry_word(e);
	gen = atomic_load(&e->gen);
	refused = sva_pasid_word_state(word) != SVA_PASID_ENTRY_TRANSLATING;
	if (!refused)
		queued =
			sva_sw_prq_queue_locked(prq, sdev, reqs, n, gen, &dropped, &out->automatic);
	out->reopens = atomic_load(&prq->reopens);
	sva_spin_unlock(&prq->lock);
	if (queued) {
		sva_sw_counter_add(&sw->pc.requests, queued);
		sva_wake_up(&prq->wq);
	}
	if (refused) { /* the IOMMU answers a PASID that does not translate */
		sva_sw_counter_add(&sw->pc.refused, n);
		sva_trace(sw->w, SWIOMMU_PRQ_REFUSED, sdev->dev->name, last->pasid, last->grpid,
			  sva_pasid_word_state(word));
		out->answered = !sva_sw_prq_is_marker(last);
		out->code = SVA_PAGE_RESP_INVALID;
	} else {
		sva_sw_counter_add(&sw->pc.overflows, dropped);
		sva_sw_prq_trace_sent(sdev, last, word, gen, queued, dropped);
		out->answered = out->automatic;
		if (out->automatic)
			sva_sw_counter_add(&sw->pc.auto_responses, 1);
	}
	if (out->answered)
		sva_sw_pri_respond(sdev, last->pasid, last->grpid, out->code);
}

void sva_sw_prq_wait_reopen(struct sva_sw_prq *prq, uint64_t reopens)
{
	sva_wait_event_killable(&prq->drained, atomic_load(&prq->reopens) != reopens);
}

/* ---- detach and responses ---- */

void sva_sw_prq_drain_pasid(struct sva_sw_device *sdev, uint32_t pasid)
{
	if (!sdev->prq || sva_world_broken(sdev->sw->w, SVA_BREAK_NO_PRQ_DRAIN))
		return;
	sva_sw_prq_drain(sdev->prq);		    /* every request already queued is reported */
	sva_iopf_queue_flush_dev(sdev->dev);	    /* and its handler has run */
	sva_iopf_dev_abort_pasid(sdev->dev, pasid); /* whatever is left: INVALID */
}

int sva_sw_page_response(struct sva_device *dev, const struct sva_page_request *last,
			 const struct sva_page_response *resp)
{
	(void)last;
	sva_sw_pri_respond(sva_sw_device_of(dev), resp->pasid, resp->grpid, resp->code);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * PRI, the device's end (PCIe Page Request Interface): what a PRI-capable function does when a
 * translation fails and it wants the page made present.
 *
 * A requester takes a slot of the device's outstanding-group table (sleeping, killable, while
 * all the device's allocation - pri_reqs, at most SVA_PRI_OUTSTANDING - are busy), gives it a 9-bit
 * group index no other outstanding group uses, sends the group to the IOMMU's PRQ (prq.c) and
 * sleeps, killable, until the response for (PASID, group index) marks the slot answered. A response
 * that finds no outstanding group is counted and dropped, as a device drops an unexpected PRG
 * Response. FAILURE stops the device's PRI (new requests fail with -EIO) until sva_pri_reset(). A
 * killed requester leaves its slot abandoned; the response, which always comes (answered by the
 * core, by the IOMMU itself, or INVALID when the PASID is detached or the device leaves its fault
 * queue), frees it.
 *
 * Trace: "swiommu.pri_request" when a group is sent, "swiommu.pri_response" when its answer
 * reaches the device (under the PRI lock, so before its group index can be reused), and
 * "swiommu.pri_unmatched" for an answer that found no outstanding group.
 *
 * Asynchronous groups (sva_pri_submit) take a slot without sleeping (-EBUSY when none is free)
 * and nobody waits on them: the response frees the slot and calls the submitter's callback
 * (after the PRI lock is dropped), or marks it answered for sva_pri_poll(), which frees it.
 *
 * Locks: the PRI lock (spinlock) is a leaf: taken from page_response under the core's
 * fault-param lock, and by requesters, never with the PRQ lock. Waiters read atomics only.
 */
#include <errno.h>

#include "internal.h"

void sva_sw_pri_init(struct sva_sw_pri *pri, struct sva_world *w, unsigned reqs)
{
	sva_spin_lock_init(w, &pri->lock, "swiommu_pri");
	sva_waitq_init(w, &pri->wq, "pri_response");
	atomic_init(&pri->stopped, false);
	pri->next_grpid = 0;
	pri->nslots = reqs && reqs < SVA_PRI_OUTSTANDING ? reqs : SVA_PRI_OUTSTANDING;
	for (unsigned i = 0; i < SVA_PRI_OUTSTANDING; i++) {
		atomic_init(&pri->slots[i].state, SVA_SW_PRG_FREE);
		atomic_init(&pri->slots[i].code, SVA_PAGE_RESP_SUCCESS);
	}
}

void sva_sw_pri_destroy(struct sva_sw_pri *pri)
{
	sva_waitq_destroy(&pri->wq);
	sva_spin_lock_destroy(&pri->lock);
}

static int sva_sw_prg_state(const struct sva_sw_prg *g)
{
	return atomic_load_explicit(&g->state, memory_order_acquire);
}

/* Slot @i, for a section under the PRI lock (asserted; waiters read only the state, lock-free). */
static struct sva_sw_prg *sva_sw_pri_slot(struct sva_sw_pri *pri, unsigned i)
{
	sva_lockdep_assert_held(&pri->lock);
	return &pri->slots[i];
}

/* A slot's state changes under the PRI lock (asserted). */
static void sva_sw_prg_set_state(struct sva_sw_pri *pri, struct sva_sw_prg *g, int state)
{
	sva_lockdep_assert_held(&pri->lock);
	atomic_store_explicit(&g->state, state, memory_order_release);
}

static bool sva_sw_pri_has_free(struct sva_sw_pri *pri)
{
	for (unsigned i = 0; i < pri->nslots; i++)
		if (sva_sw_prg_state(&pri->slots[i]) == SVA_SW_PRG_FREE)
			return true;
	return false;
}

/* A group index no outstanding group uses (PRI lock held; a slot is free, so one exists). */
static uint32_t sva_sw_pri_grpid(struct sva_sw_pri *pri)
{
	for (;;) {
		uint32_t id = pri->next_grpid;
		bool used = false;

		pri->next_grpid = (pri->next_grpid + 1) % SVA_SW_PRGI_MAX;
		for (unsigned i = 0; i < pri->nslots && !used; i++)
			used = sva_sw_prg_state(sva_sw_pri_slot(pri, i)) != SVA_SW_PRG_FREE &&
			       sva_sw_pri_slot(pri, i)->grpid == id;
		if (!used)
			return id;
	}
}

/* Take a free slot for a group on @pasid: 0 and the slot, or -EINTR. */
/* A free slot taken for a group on @pasid (@async: its answer goes to @done / a poll), or NULL. */
static struct sva_sw_prg *sva_sw_pri_slot_try(struct sva_sw_pri *pri, uint32_t pasid, bool async,
					      sva_pri_done_fn done, void *ctx)
{
	struct sva_sw_prg *g = NULL;

	sva_spin_lock(&pri->lock);
	for (unsigned i = 0; i < pri->nslots && !g; i++)
		if (sva_sw_prg_state(sva_sw_pri_slot(pri, i)) == SVA_SW_PRG_FREE)
			g = sva_sw_pri_slot(pri, i);
	if (g) {
		g->pasid = pasid;
		g->grpid = sva_sw_pri_grpid(pri);
		g->async = async;
		g->done = done;
		g->ctx = ctx;
		sva_sw_prg_set_state(pri, g, SVA_SW_PRG_WAITING);
	}
	sva_spin_unlock(&pri->lock);
	return g;
}

static int sva_sw_pri_slot_get(struct sva_sw_pri *pri, uint32_t pasid, struct sva_sw_prg **out)
{
	for (;;) {
		struct sva_sw_prg *g = sva_sw_pri_slot_try(pri, pasid, false, NULL, NULL);
		int ret;

		if (g) {
			*out = g;
			return 0;
		}
		ret = sva_wait_event_killable(&pri->wq, sva_sw_pri_has_free(pri));
		if (ret)
			return ret;
	}
}

/* The requester is done with @g: 0 and the code, or -EINTR and the slot left abandoned. */
static int sva_sw_pri_slot_put(struct sva_sw_pri *pri, struct sva_sw_prg *g, bool killed,
			       enum sva_page_response_code *code)
{
	int ret = 0;

	sva_spin_lock(&pri->lock);
	if (sva_sw_prg_state(g) == SVA_SW_PRG_ANSWERED) {
		*code = atomic_load_explicit(&g->code, memory_order_relaxed);
		sva_sw_prg_set_state(pri, g, SVA_SW_PRG_FREE);
	} else if (killed) {
		sva_sw_prg_set_state(pri, g, SVA_SW_PRG_ABANDONED);
		ret = -EINTR;
	}
	sva_spin_unlock(&pri->lock);
	if (ret == 0)
		sva_wake_up(&pri->wq); /* a slot is free */
	return ret;
}

void sva_sw_pri_respond(struct sva_sw_device *sdev, uint32_t pasid, uint32_t grpid,
			enum sva_page_response_code code)
{
	struct sva_swiommu *sw = sdev->sw;
	struct sva_sw_pri *pri = &sdev->pri;
	struct sva_sw_prg *g = NULL;
	sva_pri_done_fn done = NULL;
	void *done_ctx = NULL;

	sva_spin_lock(&pri->lock);
	for (unsigned i = 0; i < pri->nslots && !g; i++) {
		struct sva_sw_prg *s = sva_sw_pri_slot(pri, i);
		int state = sva_sw_prg_state(s);

		if ((state == SVA_SW_PRG_WAITING || state == SVA_SW_PRG_ABANDONED) &&
		    s->pasid == pasid && s->grpid == grpid)
			g = s;
	}
	if (g) { /* traced before the group index can be reused */
		sva_trace(sw->w, SWIOMMU_PRI_RESPONSE, sdev->dev->name, pasid, grpid, code);
		if (code == SVA_PAGE_RESP_FAILURE)
			atomic_store(&pri->stopped, true); /* Response Failure: PRI stops */
	}
	if (g && g->async && g->done) { /* an event loop's group: its callback, slot free */
		done = g->done;
		done_ctx = g->ctx;
		sva_sw_prg_set_state(pri, g, SVA_SW_PRG_FREE);
	} else if (g && sva_sw_prg_state(g) == SVA_SW_PRG_WAITING) {
		atomic_store_explicit(&g->code, code, memory_order_relaxed);
		sva_sw_prg_set_state(pri, g, SVA_SW_PRG_ANSWERED);
	} else if (g) {
		sva_sw_prg_set_state(pri, g, SVA_SW_PRG_FREE);
	}
	sva_spin_unlock(&pri->lock);
	if (!g) {
		sva_sw_counter_add(&sw->pc.unmatched, 1);
		sva_trace(sw->w, SWIOMMU_PRI_UNMATCHED, sdev->dev->name, pasid, grpid, code);
		return;
	}
	if ((unsigned)code < SVA_PAGE_RESP_CODES)
		sva_sw_counter_add(&sw->pc.responses[code], 1);
	if (done)
		done(done_ctx, sdev->dev, pasid, grpid, code);
	sva_wake_up(&pri->wq);
}

/* The requests of one group on @pasid, the last one last-in-group (group index set later). */
static int sva_sw_pri_build(uint32_t pasid, const struct sva_pri_page *pages, unsigned n,
			    struct sva_page_request *reqs)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned a = pages[i].access;

		if (pages[i].va >= SVA_TASK_SIZE ||
		    !(a & (SVA_ACCESS_READ | SVA_ACCESS_WRITE | SVA_ACCESS_EXEC)))
			return -EINVAL;
		reqs[i] = (struct sva_page_request){
			.pasid = pasid,
			.pasid_valid = true,
			.addr = pages[i].va & SVA_PAGE_MASK,
			.access = (a & SVA_ACCESS_READ ? SVA_IOPF_READ : 0) |
				  (a & SVA_ACCESS_WRITE ? SVA_IOPF_WRITE : 0) |
				  (a & SVA_ACCESS_EXEC ? SVA_IOPF_EXEC : 0),
			.priv = a & SVA_ACCESS_PRIV,
			.last = i == n - 1,
		};
	}
	return 0;
}

static int sva_sw_pri_check(struct sva_device *dev, uint32_t pasid, unsigned n)
{
	if (!dev->pri)
		return -EOPNOTSUPP;
	if (n == 0 || n > SVA_PRI_GROUP_MAX || pasid >= dev->max_pasids)
		return -EINVAL;
	if (atomic_load(&sva_sw_device_of(dev)->pri.stopped))
		return -EIO;
	return 0;
}

/* Send a group, wait for its answer; after an automatic one, for the queue to reopen. */
static int sva_sw_pri_group(struct sva_device *dev, uint32_t pasid,
			    const struct sva_pri_page *pages, unsigned n,
			    enum sva_page_response_code *code, bool *automatic)
{
	struct sva_sw_device *sdev;
	struct sva_page_request reqs[SVA_PRI_GROUP_MAX];
	struct sva_sw_prq_sent sent;
	struct sva_sw_prg *g;
	int ret = sva_sw_pri_check(dev, pasid, n);

	if (ret)
		return ret;
	ret = sva_sw_pri_build(pasid, pages, n, reqs);
	if (ret)
		return ret;
	sdev = sva_sw_device_of(dev);
	/* the slot lock's point follows at once */
	sva_might_sleep_named(sdev->sw->w, SVA_HERE, "page request");
	ret = sva_sw_pri_slot_get(&sdev->pri, pasid, &g);
	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++)
		reqs[i].grpid = g->grpid;
	sva_trace(sdev->sw->w, SWIOMMU_PRI_REQUEST, dev->name, pasid, g->grpid, n);
	sva_sw_prq_send(sdev, reqs, n, &sent); /* an immediate answer is delivered to the slot */
	ret = sva_wait_event_killable(&sdev->pri.wq, sva_sw_prg_state(g) == SVA_SW_PRG_ANSWERED);
	ret = sva_sw_pri_slot_put(&sdev->pri, g, ret != 0, code);
	*automatic = sent.automatic;
	if (ret == 0 && sent.automatic)
		sva_sw_prq_wait_reopen(sdev->prq, sent.reopens);
	return ret;
}

int sva_pri_request_group(struct sva_device *dev, uint32_t pasid, const struct sva_pri_page *pages,
			  unsigned n, enum sva_page_response_code *code)
{
	bool automatic;

	return sva_sw_pri_group(dev, pasid, pages, n, code, &automatic);
}

int sva_sw_pri_request(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		       enum sva_page_response_code *code, bool *automatic)
{
	struct sva_pri_page page = { .va = va, .access = access };

	return sva_sw_pri_group(dev, pasid, &page, 1, code, automatic);
}

int sva_pri_request(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		    enum sva_page_response_code *code)
{
	bool automatic;

	return sva_sw_pri_request(dev, pasid, va, access, code, &automatic);
}

int sva_pri_submit(struct sva_device *dev, uint32_t pasid, uint64_t va, unsigned access,
		   sva_pri_done_fn done, void *ctx, uint32_t *grpid)
{
	struct sva_pri_page page = { .va = va, .access = access };
	struct sva_page_request req;
	struct sva_sw_prq_sent sent;
	struct sva_sw_device *sdev;
	struct sva_sw_prg *g;
	int ret = sva_sw_pri_check(dev, pasid, 1);

	if (!ret)
		ret = sva_sw_pri_build(pasid, &page, 1, &req);
	if (ret)
		return ret;
	sdev = sva_sw_device_of(dev);
	g = sva_sw_pri_slot_try(&sdev->pri, pasid, true, done, ctx);
	if (!g)
		return -EBUSY;
	req.grpid = g->grpid;
	if (grpid) /* before the send: an immediate answer may call @done at once */
		*grpid = g->grpid;
	sva_trace(sdev->sw->w, SWIOMMU_PRI_REQUEST, dev->name, pasid, g->grpid, 1);
	sva_sw_prq_send(sdev, &req, 1, &sent);
	return 0;
}

int sva_pri_poll(struct sva_device *dev, uint32_t grpid, enum sva_page_response_code *code)
{
	struct sva_sw_pri *pri = &sva_sw_device_of(dev)->pri;
	int ret = -ENOENT;

	sva_spin_lock(&pri->lock);
	for (unsigned i = 0; i < pri->nslots && ret == -ENOENT; i++) {
		struct sva_sw_prg *g = sva_sw_pri_slot(pri, i);
		int state = sva_sw_prg_state(g);

		if (state == SVA_SW_PRG_FREE || !g->async || g->done || g->grpid != grpid)
			continue;
		ret = state == SVA_SW_PRG_ANSWERED ? 0 : -EAGAIN;
		if (ret == 0) {
			*code = atomic_load_explicit(&g->code, memory_order_relaxed);
			sva_sw_prg_set_state(pri, g, SVA_SW_PRG_FREE);
		}
	}
	sva_spin_unlock(&pri->lock);
	if (ret == 0)
		sva_wake_up(&pri->wq); /* a slot is free */
	return ret;
}

int sva_pri_stop_marker(struct sva_device *dev, uint32_t pasid)
{
	struct sva_page_request marker = {
		.pasid = pasid, .pasid_valid = true, .last = true /* L = 1, R = W = 0 */
	};
	struct sva_sw_prq_sent sent;
	int ret = sva_sw_pri_check(dev, pasid, 1);

	if (ret)
		return ret;
	sva_sw_prq_send(sva_sw_device_of(dev), &marker, 1, &sent);
	return 0;
}

void sva_pri_reset(struct sva_device *dev)
{
	struct sva_sw_device *sdev = sva_sw_device_of(dev);

	if (!dev->pri)
		return;
	atomic_store(&sdev->pri.stopped, false);
	sva_trace(sdev->sw->w, SWIOMMU_PRI_RESET, dev->name);
}

bool sva_pri_is_stopped(struct sva_device *dev)
{
	return dev->pri && atomic_load(&sva_sw_device_of(dev)->pri.stopped);
}

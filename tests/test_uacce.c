/* SPDX-License-Identifier: MIT */
/*
 * uacce over the software IOMMU: open binds and gets a queue on the PASID, START_Q / PUT_Q,
 * mmap of the portal and shared memory (DONTCOPY and friends), many opens from one process
 * (seed 002), exit without close (the release unbinds), device removal with queues open, and
 * idxd's rule against another mm. Tests named seedNNN_* also run alone in CTest.
 */
#include <string.h>

#include "sva/swiommu.h"
#include "sva/uacce.h"
#include "testutil.h"

#define PAGE SVA_PAGE_SIZE

/* ---- a mock parent driver: a portal page and two shared pages per queue ---- */

struct mockq {
	struct sva_page *mmio, *dus[2];
	bool started, stopped;
};

struct mockacc {
	struct sva_phys *phys;
	struct sva_world *w;
	int gets, puts, starts, stops;
	struct mockq *last; /* the newest queue */
	/* what the queue's accessors said at the last start and stop */
	enum sva_uacce_q_state state_at_start, state_at_stop;
	uint32_t pasid_at_start;
};

static int mock_get_queue(struct sva_uacce_device *u, uint32_t pasid, struct sva_uacce_queue *q)
{
	struct mockacc *m = sva_uacce_priv(u);
	struct mockq *mq = sva_alloc(m->w, &sva_obj_test, sizeof(*mq));

	(void)pasid;
	if (!mq)
		return -ENOMEM;
	mq->mmio = sva_page_alloc(m->phys, 0);
	mq->dus[0] = sva_page_alloc(m->phys, 0);
	mq->dus[1] = sva_page_alloc(m->phys, 0);
	if (!mq->mmio || !mq->dus[0] || !mq->dus[1]) {
		for (int i = 0; i < 2; i++)
			if (mq->dus[i])
				sva_page_put(mq->dus[i]);
		if (mq->mmio)
			sva_page_put(mq->mmio);
		sva_free(m->w, &sva_obj_test, mq);
		return -ENOMEM;
	}
	sva_uacce_queue_set_priv(q, mq);
	m->last = mq;
	m->gets++;
	return 0;
}

static void mock_put_queue(struct sva_uacce_queue *q)
{
	struct mockacc *m = sva_uacce_priv(sva_uacce_queue_device(q));
	struct mockq *mq = sva_uacce_queue_priv(q);

	sva_page_put(mq->mmio);
	sva_page_put(mq->dus[0]);
	sva_page_put(mq->dus[1]);
	sva_free(m->w, &sva_obj_test, mq);
	m->puts++;
}

static int mock_start_queue(struct sva_uacce_queue *q)
{
	struct mockacc *m = sva_uacce_priv(sva_uacce_queue_device(q));

	((struct mockq *)sva_uacce_queue_priv(q))->started = true;
	m->state_at_start = sva_uacce_queue_state(q);
	m->pasid_at_start = sva_uacce_queue_pasid(q);
	m->starts++;
	return 0;
}

static void mock_stop_queue(struct sva_uacce_queue *q)
{
	struct mockacc *m = sva_uacce_priv(sva_uacce_queue_device(q));

	((struct mockq *)sva_uacce_queue_priv(q))->stopped = true;
	m->state_at_stop = sva_uacce_queue_state(q);
	m->stops++;
}

static struct sva_page *mock_region_page(struct sva_uacce_queue *q, enum sva_uacce_region r,
					 uint64_t off)
{
	struct mockq *mq = sva_uacce_queue_priv(q);
	struct sva_page *p = r == SVA_UACCE_QFRT_MMIO ? mq->mmio : mq->dus[off];

	sva_page_get(p);
	return p;
}

static uint64_t mock_region_pages(struct sva_uacce_queue *q, enum sva_uacce_region r)
{
	(void)q;
	return r == SVA_UACCE_QFRT_MMIO ? 1 : 2;
}

static long mock_ioctl(struct sva_uacce_queue *q, unsigned cmd, unsigned long arg)
{
	(void)q;
	(void)arg;
	return cmd == 0x77 ? 7 : -ENOTTY;
}

static const struct sva_uacce_ops mock_ops = {
	.get_queue = mock_get_queue,
	.put_queue = mock_put_queue,
	.start_queue = mock_start_queue,
	.stop_queue = mock_stop_queue,
	.region_page = mock_region_page,
	.region_pages = mock_region_pages,
	.ioctl = mock_ioctl,
};

/* ---- the machine ---- */

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_uacce_device *u;
	struct mockacc m;
	bool removed;
};

static void env_init(struct env *e, enum sva_backend b, uint64_t seed, unsigned flags)
{
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = { .name = "accdev", .pasid_bits = 20 };
	struct sva_uacce_config ucfg = { .name = "acc0",
					 .flags = SVA_UACCE_DEV_SVA | flags,
					 .ops = &mock_ops };

	memset(e, 0, sizeof(*e));
	e->w = sva_test_world(b, seed);
	assert_int_equal(sva_kernel_create(e->w, NULL, &e->k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e->k), &e->isys), 0);
	assert_int_equal(sva_swiommu_create(e->isys, &scfg, &e->sw), 0);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e->sw), &dcfg, &e->dev), 0);
	e->m.phys = sva_mm_sys_phys(sva_kernel_mm_sys(e->k));
	e->m.w = e->w;
	ucfg.priv = &e->m;
	assert_int_equal(sva_uacce_register(e->k, e->dev, &ucfg, &e->u), 0);
}

/* Everything but the world: every queue put, every PASID back. */
static void env_release(struct env *e)
{
	sva_kernel_quiesce(e->k);
	if (!e->removed)
		sva_uacce_remove(e->u);
	assert_int_equal(e->m.gets, e->m.puts); /* every queue put */
	sva_kernel_quiesce(e->k);
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e->isys)), 0);
	sva_device_remove(e->dev);
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	sva_kernel_destroy(e->k);
}

static void env_done(struct env *e)
{
	env_release(e);
	sva_test_world_done(e->w);
}

/* ---- queue life ---- */

struct life {
	struct env *e;
	uint32_t pasid;
	int started_twice;
	long ioctl_ret;
};

static int queue_life(struct sva_task *t, void *arg)
{
	struct life *l = arg;
	int fd = sva_sys_open(t, "acc0");

	if (fd < 0)
		return 1;
	l->pasid = sva_mm_get_pasid(sva_task_mm(t));
	if (sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0))
		return 2;
	l->started_twice = (int)sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0);
	l->ioctl_ret = sva_sys_ioctl(t, fd, 0x77, 0);
	if (sva_sys_ioctl(t, fd, SVA_UACCE_CMD_PUT_Q, 0))
		return 3;
	return sva_sys_close(t, fd) ? 4 : 0;
}

static void test_open_start_put_close(void **state)
{
	for (uint64_t seed = 0; seed < 3; seed++) {
		struct env e;
		struct life l = { .e = &e };
		(void)state;

		env_init(&e, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed, 0);
		assert_int_equal(sva_test_run_process(e.k, queue_life, &l), 0);
		assert_int_not_equal(l.pasid, SVA_PASID_INVALID);
		assert_int_equal(l.started_twice, -EINVAL);
		assert_int_equal(l.ioctl_ret, 7);
		assert_int_equal(e.m.starts, 1);
		assert_int_equal(e.m.stops, 1);
		/* the queue is started from INIT, stopped once STARTED, with its mm's PASID */
		assert_int_equal(e.m.state_at_start, SVA_UACCE_Q_INIT);
		assert_int_equal(e.m.state_at_stop, SVA_UACCE_Q_STARTED);
		assert_int_equal(e.m.pasid_at_start, l.pasid);
		env_done(&e);
	}
}

/* ---- seed 002: many opens of one device from one process ---- */

struct many {
	struct env *e;
	uint32_t pasid;
	enum sva_pasid_entry_state after_first_close;
	unsigned queues;
};

static int many_opens(struct sva_task *t, void *arg)
{
	struct many *m = arg;
	int fds[4];

	for (int i = 0; i < 4; i++) {
		fds[i] = sva_sys_open(t, "acc0");
		if (fds[i] < 0)
			return 1 + i;
	}
	m->pasid = sva_mm_get_pasid(sva_task_mm(t));
	m->queues = sva_uacce_queues(m->e->u);
	sva_sys_close(t, fds[0]);
	sva_task_work_run(sva_kernel_world(m->e->k)); /* the release, now */
	m->after_first_close = sva_swiommu_pasid_state(m->e->dev, m->pasid);
	return 0; /* the other three are closed by exit */
}

static void seed002_many_opens_of_one_device(void **state)
{
	for (uint64_t seed = 0; seed < 3; seed++) {
		struct env e;
		struct many m = { .e = &e };
		(void)state;

		env_init(&e, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed, 0);
		assert_int_equal(sva_test_run_process(e.k, many_opens, &m), 0);
		assert_int_equal(m.queues, 4);
		assert_int_equal(m.after_first_close, SVA_PASID_ENTRY_TRANSLATING);
		assert_int_equal(e.m.gets, 4);
		env_done(&e);
	}
}

/*
 * A parent driver that gives uacce nothing but a count of region pages: open binds with no
 * get_queue, START_Q starts with no start_queue, an ioctl of its own is -EINVAL, the regions
 * map but a touch of them finds no page (-EIO, the SIGBUS), PUT_Q puts with no stop or put; and
 * with no ops at all nothing maps.
 */
static const struct sva_uacce_ops bare_ops = { .region_pages = mock_region_pages };
static const struct sva_uacce_ops no_ops = { 0 };

struct bare {
	struct env *e;
	long state_opened, state_started, state_put, own_ioctl, start_again;
	int map, touch, map_none;
	bool translating;
};

static int bare_queue(struct sva_task *t, void *arg)
{
	struct bare *b = arg;
	int fd = sva_sys_open(t, "bare0"), fd2;
	uint64_t a;
	char c;

	if (fd < 0)
		return 1;
	b->translating = sva_swiommu_pasid_state(b->e->dev, sva_mm_get_pasid(sva_task_mm(t))) ==
			 SVA_PASID_ENTRY_TRANSLATING;
	b->state_opened = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_Q_STATE, 0);
	if (sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0))
		return 2;
	b->state_started = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_Q_STATE, 0);
	b->start_again = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0);
	b->own_ioctl = sva_sys_ioctl(t, fd, 0x77, 0);
	b->map = sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, SVA_MAP_SHARED, fd, 0, &a);
	b->touch = b->map ? 0 : sva_sys_read_mem(t, a, &c, 1);
	if (sva_sys_ioctl(t, fd, SVA_UACCE_CMD_PUT_Q, 0))
		return 3;
	b->state_put = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_Q_STATE, 0);
	fd2 = sva_sys_open(t, "none0");
	if (fd2 < 0)
		return 4;
	b->map_none = sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, SVA_MAP_SHARED, fd2, 0, &a);
	return sva_sys_close(t, fd) || sva_sys_close(t, fd2) ? 5 : 0;
}

static void test_driver_without_queue_ops(void **state)
{
	struct sva_uacce_config bcfg = { .name = "bare0",
					 .flags = SVA_UACCE_DEV_SVA,
					 .ops = &bare_ops };
	struct sva_uacce_config ncfg = { .name = "none0",
					 .flags = SVA_UACCE_DEV_SVA,
					 .ops = &no_ops };
	struct sva_uacce_device *bare, *none;
	struct env e;
	struct bare b = { .e = &e };
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1, 0);
	assert_int_equal(sva_uacce_register(e.k, e.dev, &bcfg, &bare), 0);
	assert_int_equal(sva_uacce_register(e.k, e.dev, &ncfg, &none), 0);
	assert_int_equal(sva_test_run_process(e.k, bare_queue, &b), 0);
	assert_true(b.translating);
	assert_int_equal(b.state_opened, SVA_UACCE_Q_INIT);
	assert_int_equal(b.state_started, SVA_UACCE_Q_STARTED);
	assert_int_equal(b.start_again, -EINVAL);
	assert_int_equal(b.own_ioctl, -EINVAL);
	assert_int_equal(b.map, 0);
	assert_int_equal(b.touch, -EIO); /* the fault found no page: a bus error */
	assert_int_equal(b.state_put, SVA_UACCE_Q_ZOMBIE);
	assert_int_equal(b.map_none, -EINVAL);
	sva_kernel_quiesce(e.k);
	assert_int_equal(sva_uacce_queues(bare), 0);
	assert_int_equal(sva_uacce_queues(none), 0);
	assert_int_equal(e.m.gets, 0); /* the mock's device was never opened */
	sva_uacce_remove(none);
	sva_uacce_remove(bare);
	env_done(&e);
}

/*
 * uacce's pre-2020 mm_exit: the queues of the exiting mm's PASID are stopped and put (the
 * parent's stop and put called once each, the queue a zombie); another PASID's are untouched,
 * and the file still closes.
 */
struct mm_exit_run {
	struct env *e;
	long before, other, after;
	int stops_other, stops, puts;
};

static int mm_exit_task(struct sva_task *t, void *arg)
{
	struct mm_exit_run *r = arg;
	int fd = sva_sys_open(t, "acc0");
	uint32_t pasid;

	if (fd < 0 || sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0))
		return 1;
	pasid = sva_mm_get_pasid(sva_task_mm(t));
	r->before = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_Q_STATE, 0);
	sva_uacce_mm_exit(r->e->u, pasid + 1);
	r->other = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_Q_STATE, 0);
	r->stops_other = r->e->m.stops;
	sva_uacce_mm_exit(r->e->u, pasid);
	r->after = sva_sys_ioctl(t, fd, SVA_UACCE_CMD_Q_STATE, 0);
	r->stops = r->e->m.stops;
	r->puts = r->e->m.puts;
	return sva_sys_close(t, fd) ? 2 : 0;
}

static void test_mm_exit_puts_the_pasids_queues(void **state)
{
	struct env e;
	struct mm_exit_run r = { .e = &e };
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1, 0);
	assert_int_equal(sva_test_run_process(e.k, mm_exit_task, &r), 0);
	assert_int_equal(r.before, SVA_UACCE_Q_STARTED);
	assert_int_equal(r.other, SVA_UACCE_Q_STARTED);
	assert_int_equal(r.stops_other, 0);
	assert_int_equal(r.after, SVA_UACCE_Q_ZOMBIE);
	assert_int_equal(r.stops, 1);
	assert_int_equal(r.puts, 1);
	assert_int_equal(e.m.puts, 1); /* not again at the close */
	env_done(&e);
}

/* ---- mmap, fork, exit without close ---- */

struct maps {
	struct env *e;
	uint64_t mmio, dus;
	int child_mmio_err, too_big, bad_region;
	uint64_t seen_by_device;
};

static int maps_child(struct sva_task *t, void *arg)
{
	struct maps *m = arg;
	char c;

	m->child_mmio_err = sva_sys_read_mem(t, m->mmio, &c, 1); /* DONTCOPY: not there */
	return 0;
}

static int maps_parent(struct sva_task *t, void *arg)
{
	struct maps *m = arg;
	uint64_t v = 0x1234, x;
	int fd = sva_sys_open(t, "acc0"), pid, st;

	if (fd < 0)
		return 1;
	if (sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0,
			 &m->mmio) ||
	    sva_sys_mmap(t, 0, 2 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd, PAGE,
			 &m->dus))
		return 2;
	m->too_big = sva_sys_mmap(t, 0, 2 * PAGE, SVA_PROT_READ, SVA_MAP_SHARED, fd, 0, &x);
	m->bad_region = sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, SVA_MAP_SHARED, fd, 2 * PAGE, &x);
	if (sva_sys_write_mem(t, m->dus + PAGE, &v, sizeof(v)))
		return 3;
	/* the device sees the process's write in its own shared page */
	memcpy(&m->seen_by_device, sva_page_address(m->e->m.last->dus[1]), sizeof(uint64_t));
	pid = sva_sys_fork(t, "child", maps_child, m);
	if (pid < 0 || sva_sys_wait(t, pid, &st) != pid)
		return 4;
	return 0; /* exit: the mappings and the fd go with it */
}

static void seed000_exit_without_close_releases(void **state)
{
	for (uint64_t seed = 0; seed < 3; seed++) {
		struct env e;
		struct maps m = { .e = &e };
		(void)state;

		env_init(&e, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed, 0);
		assert_int_equal(sva_test_run_process(e.k, maps_parent, &m), 0);
		assert_int_equal(m.child_mmio_err, -EFAULT);
		assert_int_equal(m.too_big, -EINVAL);
		assert_int_equal(m.bad_region, -EINVAL);
		assert_int_equal(m.seen_by_device, 0x1234);
		sva_kernel_quiesce(e.k);
		assert_int_equal(sva_uacce_queues(e.u), 0); /* released, unbound */
		assert_int_equal(e.m.puts, 1);
		env_done(&e);
	}
}

/* ---- device removal with queues open ---- */

struct removal {
	struct env *e;
	struct sva_completion mapped, removed;
	uint32_t pasid;
	int read_after, start_after, ioctl_after, open_after, close_after;
};

static int removal_proc(struct sva_task *t, void *arg)
{
	struct removal *r = arg;
	int fd = sva_sys_open(t, "acc0");
	uint64_t mmio;
	char c;

	if (fd < 0 || sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, SVA_MAP_SHARED, fd, 0, &mmio) ||
	    sva_sys_read_mem(t, mmio, &c, 1))
		return 1;
	r->pasid = sva_mm_get_pasid(sva_task_mm(t));
	sva_complete(&r->mapped);
	sva_wait_for_completion(&r->removed);
	r->read_after = sva_sys_read_mem(t, mmio, &c, 1); /* zapped; the fault finds no queue */
	r->start_after = (int)sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0);
	r->ioctl_after = (int)sva_sys_ioctl(t, fd, 0x77, 0);
	r->open_after = sva_sys_open(t, "acc0");
	r->close_after = sva_sys_close(t, fd);
	return 0;
}

static void test_device_removal_with_queues_open(void **state)
{
	for (uint64_t seed = 0; seed < 3; seed++) {
		struct env e;
		struct removal r = { .e = &e };
		struct sva_process *p;
		int status = -1;
		(void)state;

		env_init(&e, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed, 0);
		sva_completion_init(e.w, &r.mapped, "mapped");
		sva_completion_init(e.w, &r.removed, "removed");
		assert_int_equal(sva_process_start(e.k, "proc", removal_proc, &r, &p), 0);
		sva_wait_for_completion(&r.mapped);
		sva_uacce_remove(e.u);
		e.removed = true;
		assert_int_equal(e.m.puts, 1); /* stopped and put */
		assert_int_equal(e.m.stops, 1);
		assert_int_equal(sva_swiommu_pasid_state(e.dev, r.pasid), SVA_PASID_ENTRY_INVALID);
		sva_complete(&r.removed);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(r.read_after, -EIO);
		assert_int_equal(r.start_after, -ENODEV);
		assert_int_equal(r.ioctl_after, -ENODEV);
		assert_int_equal(r.open_after, -ENODEV);
		assert_int_equal(r.close_after, 0);
		sva_completion_destroy(&r.mapped);
		sva_completion_destroy(&r.removed);
		env_done(&e); /* nothing leaks: the queue and the device go with the last file */
	}
}

/* ---- idxd's rule: another mm may not use the opener's queue ---- */

struct other_mm {
	int fd;
	int child_mmap, child_ioctl;
};

static int other_child(struct sva_task *t, void *arg)
{
	struct other_mm *o = arg;
	uint64_t a;

	o->child_mmap = sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, SVA_MAP_SHARED, o->fd, 0, &a);
	o->child_ioctl = (int)sva_sys_ioctl(t, o->fd, 0x77, 0);
	return 0;
}

static int other_parent(struct sva_task *t, void *arg)
{
	struct other_mm *o = arg;
	int pid, st;

	o->fd = sva_sys_open(t, "acc0");
	if (o->fd < 0)
		return 1;
	pid = sva_sys_fork(t, "child", other_child, o); /* inherits the fd */
	if (pid < 0 || sva_sys_wait(t, pid, &st) != pid)
		return 2;
	return 0;
}

static void test_idxd_rule_refuses_another_mm(void **state)
{
	for (int check = 0; check < 2; check++) {
		struct env e;
		struct other_mm o = { .fd = -1 };
		(void)state;

		env_init(&e, SVA_BACKEND_SIM, 7, check ? SVA_UACCE_MM_CHECK : 0);
		assert_int_equal(sva_test_run_process(e.k, other_parent, &o), 0);
		if (check) {
			assert_int_equal(o.child_mmap, -EPERM);
			assert_int_equal(o.child_ioctl, -EPERM);
		} else { /* uacce itself allows it: the child would use the parent's PASID */
			assert_int_equal(o.child_mmap, 0);
			assert_int_equal(o.child_ioctl, 7);
		}
		env_done(&e);
	}
}

static int open_acc1(struct sva_task *t, void *arg)
{
	(void)arg;
	return sva_sys_open(t, "acc1") == -ENODEV ? 0 : 1;
}

static void test_device_without_pasid_refuses_open(void **state)
{
	struct sva_device_config dcfg = { .name = "nopasid", .pasid_bits = 0 };
	struct sva_uacce_config ucfg = { .name = "acc1",
					 .flags = SVA_UACCE_DEV_SVA,
					 .ops = &mock_ops };
	struct sva_uacce_device *u1, *bad = NULL;
	struct sva_device *dev1;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_NATIVE, 0, 0);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e.sw), &dcfg, &dev1), 0);
	ucfg.priv = &e.m;
	assert_int_equal(sva_uacce_register(e.k, dev1, &ucfg, &u1), 0);
	assert_int_equal(sva_uacce_register(e.k, dev1, &ucfg, &u1), -EEXIST);
	/* a configuration, its ops, a name and SVA are required */
	assert_int_equal(sva_uacce_register(e.k, dev1, NULL, &bad), -EINVAL);
	ucfg.flags = 0;
	assert_int_equal(sva_uacce_register(e.k, dev1, &ucfg, &bad), -EINVAL);
	ucfg.flags = SVA_UACCE_DEV_SVA;
	ucfg.name = NULL;
	assert_int_equal(sva_uacce_register(e.k, dev1, &ucfg, &bad), -EINVAL);
	ucfg.name = "acc2";
	ucfg.ops = NULL;
	assert_int_equal(sva_uacce_register(e.k, dev1, &ucfg, &bad), -EINVAL);
	assert_null(bad);
	assert_int_equal(sva_test_run_process(e.k, open_acc1, NULL), 0);
	sva_uacce_remove(u1);
	sva_device_remove(dev1);
	env_done(&e);
}

/*
 * uacce's lifetime paths, each allocation failed in turn: the device's registration, and a
 * process's use - open (the bond, the queue), map the MMIO and the DUS regions, START_Q, a
 * second open, a close and an exit with the other still open and mapped (the release at exit).
 */
struct uacce_fail {
	struct env e;
	bool use;
	struct sva_uacce_device *made;
	struct sva_process *p;
	int status, err, fds_left;
	unsigned queues_open; /* seen with both open */
};

/* Open and map acc0 into *@out; @keep is the one fd open before. */
static int uacce_fail_open_map(struct sva_task *t, struct uacce_fail *f, int keep, int *out)
{
	uint64_t mmio, dus;
	int fd = sva_sys_open(t, "acc0"), ret;

	if (fd < 0) { /* nothing this open made is left: no fd but the ones before */
		for (int k = 0; k < 16; k++)
			f->fds_left += k != keep && sva_sys_close(t, k) == 0;
		return fd;
	}
	ret = sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd,
			   0, &mmio);
	if (ret == 0)
		ret = sva_sys_mmap(t, 0, 2 * SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				   SVA_MAP_SHARED, fd, SVA_PAGE_SIZE, &dus);
	if (ret == 0)
		ret = (int)sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0);
	*out = fd;
	return ret;
}

static int uacce_fail_task(struct sva_task *t, void *arg)
{
	struct uacce_fail *f = arg;
	int a = -1, b = -1, ret;

	ret = uacce_fail_open_map(t, f, -1, &a);
	if (ret == 0)
		ret = uacce_fail_open_map(t, f, a, &b);
	if (ret == 0)
		f->queues_open = sva_uacce_queues(f->e.u);
	if (a >= 0)
		sva_sys_close(t, a); /* its mappings keep the file until exit */
	f->err = ret;
	return ret ? 1 : 0; /* b, if open, is released at exit */
}

static struct sva_world *uacce_fail_setup(void *arg)
{
	struct uacce_fail *f = arg;
	bool use = f->use;

	memset(f, 0, sizeof(*f));
	f->use = use;
	f->status = -1;
	env_init(&f->e, SVA_BACKEND_SIM, 1, 0);
	sva_test_quiet(f->e.w);
	if (!use) {
		sva_uacce_remove(f->e.u);
		f->e.u = NULL;
	}
	return f->e.w;
}

static int uacce_fail_body(struct sva_world *w, void *arg)
{
	struct uacce_fail *f = arg;
	struct sva_uacce_config ucfg = {
		.name = "acc0", .flags = SVA_UACCE_DEV_SVA, .ops = &mock_ops, .priv = &f->e.m
	};
	int ret;

	(void)w;
	if (!f->use)
		return sva_uacce_register(f->e.k, f->e.dev, &ucfg, &f->made);
	ret = sva_process_start(f->e.k, "user", uacce_fail_task, f, &f->p);
	if (ret)
		return ret;
	assert_int_equal(sva_process_wait(f->p, &f->status), 0);
	return f->err;
}

static void uacce_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct uacce_fail *f = arg;

	(void)w;
	if (!f->use) {
		if (r->ret)
			assert_int_equal(sva_alloc_live(w, &sva_obj_uacce), 0);
		return;
	}
	sva_kernel_quiesce(f->e.k);
	assert_int_equal(f->fds_left, 0);
	assert_int_equal(sva_uacce_queues(f->e.u), 0); /* every queue released */
	assert_int_equal(f->e.m.gets, f->e.m.puts);
	assert_int_equal(f->e.m.stops, f->e.m.puts); /* each stopped before its put */
	if (r->ret == 0) {
		assert_int_equal(f->status, 0);
		assert_int_equal(f->queues_open, 2);
		assert_int_equal(f->e.m.gets, 2);
	}
}

static void uacce_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct uacce_fail *f = arg;

	(void)w;
	(void)r;
	if (!f->use) {
		f->e.u = f->made;
		f->e.removed = !f->made;
	}
	env_release(&f->e);
}

static void test_fail_nth_register_open_map_release(void **state)
{
	struct uacce_fail f = { .use = false };
	struct sva_test_fail_case c = { .name = "uacce register",
					.setup = uacce_fail_setup,
					.body = uacce_fail_body,
					.check = uacce_fail_check,
					.teardown = uacce_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 1);
	f.use = true;
	c.name = "uacce open, mmap, START_Q, second open, close, exit";
	c.checker = true;
	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 8);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_start_put_close),
		cmocka_unit_test(test_driver_without_queue_ops),
		cmocka_unit_test(test_mm_exit_puts_the_pasids_queues),
		cmocka_unit_test(test_fail_nth_register_open_map_release),
		cmocka_unit_test(seed002_many_opens_of_one_device),
		cmocka_unit_test(seed000_exit_without_close_releases),
		cmocka_unit_test(test_device_removal_with_queues_open),
		cmocka_unit_test(test_idxd_rule_refuses_another_mm),
		cmocka_unit_test(test_device_without_pasid_refuses_open),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("uacce", tests, NULL, NULL);
}

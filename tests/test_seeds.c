/* SPDX-License-Identifier: MIT */
/*
 * The seed threads end to end, on the whole stack (processes, the software IOMMU with PRI, the
 * accelerator, uacce), with the invariant checker attached throughout:
 *  - seed000_nginx_master_workers: a master forks workers; each opens a shared queue, maps its
 *    portal and runs a stream of mixed descriptors; some exit at once with work in flight,
 *    some after their work, some are killed mid-DMA; then the master exits. Every PASID comes
 *    back, nothing leaks, no PASID is reused early, no DMA after an unbind;
 *  - seed000_exit_10000: a process that opens, maps, submits and exits without closing, again
 *    and again (the seed's own test): allocation keeps working and memory stays flat;
 *  - seed002_queues_and_two_devices: several queues of one process on one device, and one
 *    process on two devices of one IOMMU sharing one SVA domain.
 */
#include <stdatomic.h>
#include <string.h>

#include "sva/accel.h"
#include "sva/check.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE SVA_PAGE_SIZE

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev[2];
	struct sva_accel *a[2];
	struct sva_checker *chk;
	unsigned ndev;
};

/* dsaN: wq0 shared, wq1 shared with block-on-fault; 2 engines. */
static void env_add_accel(struct env *e, const char *dev_name, const char *accel_name)
{
	struct sva_device_config dcfg = { .name = dev_name, .pasid_bits = 20, .pri = true };
	struct sva_accel_config acfg = {
		.name = accel_name,
		.engines = 2,
		.nwqs = 2,
		.wqs = { { .mode = SVA_ACCEL_WQ_SHARED, .depth = 16 },
			 { .mode = SVA_ACCEL_WQ_SHARED, .depth = 16, .block_on_fault = true } },
	};
	unsigned i = e->ndev++;

	assert_int_equal(sva_device_add(sva_swiommu_iommu(e->sw), &dcfg, &e->dev[i]), 0);
	assert_int_equal(sva_accel_create(e->k, e->dev[i], &acfg, &e->a[i]), 0);
}

static void env_init(struct env *e, enum sva_backend b, uint64_t seed, unsigned ndev)
{
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_kernel_config kcfg = { .frames = 4096 };

	memset(e, 0, sizeof(*e));
	e->w = sva_test_world(b, seed);
	assert_int_equal(sva_checker_attach(e->w, &e->chk), 0);
	assert_int_equal(sva_kernel_create(e->w, &kcfg, &e->k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e->k), &e->isys), 0);
	assert_int_equal(sva_swiommu_create(e->isys, &scfg, &e->sw), 0);
	env_add_accel(e, "acc0", "dsa0");
	if (ndev > 1)
		env_add_accel(e, "acc1", "dsa1");
}

/* Everything accounted for: descriptors, DMA after unbind, PASIDs, invariants, memory. */
static void env_check(struct env *e)
{
	struct sva_swiommu_stats ss;

	sva_kernel_quiesce(e->k);
	for (unsigned i = 0; i < e->ndev; i++) {
		struct sva_accel_stats s;

		sva_accel_get_stats(e->a[i], &s);
		assert_int_equal(s.submitted, s.completed + s.aborted);
	}
	sva_swiommu_get_stats(e->sw, &ss);
	assert_int_equal(ss.faults_reported[SVA_FAULT_PASID_INVALID], 0); /* no DMA after unbind */
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e->isys)), 0);
	assert_int_equal(sva_kernel_processes(e->k), 0);
}

static void env_done(struct env *e)
{
	env_check(e);
	for (unsigned i = 0; i < e->ndev; i++) {
		sva_accel_destroy(e->a[i]);
		sva_device_remove(e->dev[i]);
	}
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	sva_kernel_destroy(e->k);
	sva_checker_finish(e->chk); /* I4 at quiescence, I6 every group answered */
	if (sva_checker_violations(e->chk, 0))
		fprintf(stderr, "%s\n", sva_report_first(e->w));
	assert_int_equal(sva_checker_violations(e->chk, 0), 0);
	sva_checker_detach(e->chk);
	sva_test_world_done(e->w);
}

/* ---- a worker: open a queue, map its portal, submit a stream ---- */

enum worker_kind {
	WORKER_EXITS_AT_ONCE, /* work in flight at exit */
	WORKER_WAITS,	      /* exits after its work completed */
	WORKER_LOOPS,	      /* submits until it is killed */
};

struct worker {
	enum worker_kind kind;
	const char *wq;
	atomic_int done; /* descriptors seen complete (the master reads it) */
};

struct bufs {
	uint64_t src, dst, comp;
};

static int map_bufs(struct sva_task *t, struct bufs *b)
{
	uint8_t pattern[256];

	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7);
	if (sva_sys_mmap(t, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &b->src) ||
	    sva_sys_mmap(t, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &b->dst) ||
	    sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &b->comp))
		return -ENOMEM;
	/*
	 * The completion records' page is touched first, as clients do: a record written to a
	 * missing page by a queue that does not block on faults is lost. The rest: on demand.
	 */
	if (sva_sys_touch(t, b->comp, PAGE, true))
		return -EFAULT;
	return sva_sys_write_mem(t, b->src, pattern, sizeof(pattern));
}

/* Open @wq and map its portal: the fd stays open, the mapping stays (uacce's users do). */
static int open_queue(struct sva_task *t, const char *wq, uint64_t *portal)
{
	int fd = sva_sys_open(t, wq);

	if (fd < 0)
		return fd;
	if (sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0))
		return -EIO;
	return sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0,
			    portal);
}

/* One descriptor of the mixed stream, numbered @i; its record at comp + 32 * (i % 64). */
static void stream_desc(struct dsa_hw_desc *d, const struct bufs *b, unsigned i, bool bof)
{
	uint64_t comp = b->comp + 32 * (i % 64);
	uint32_t off = (uint32_t)(i % 4) * PAGE;

	switch (i % 3) {
	case 0:
		sva_dsa_desc_memmove(d, b->dst + off, b->src + off, PAGE, comp);
		break;
	case 1:
		sva_dsa_desc_fill(d, b->dst + off, 0x0123456789abcdefull, PAGE, comp);
		break;
	default:
		sva_dsa_desc_crc32c(d, b->src, 2 * PAGE, 0, comp);
		break;
	}
	if (bof)
		d->flags |= IDXD_OP_FLAG_BOF;
}

static int submit(struct sva_task *t, uint64_t portal, struct dsa_hw_desc *d)
{
	for (int tries = 0; tries < 10000; tries++) {
		int ret = sva_accel_enqcmd(t, portal, d);

		if (ret != -EAGAIN)
			return ret;
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
	}
	return -EAGAIN;
}

/*
 * Wait for record @i to be written: a syscall each poll (a kill lands here), yielding first,
 * then sleeping a millisecond at a time (on native threads the engines may be slow to run on
 * a busy machine); bounded at about 30 s so a lost record fails rather than hangs.
 */
static int wait_record(struct sva_task *t, const struct bufs *b, unsigned i)
{
	struct sva_world *w = sva_kernel_world(sva_task_kernel(t));

	for (int polls = 0; polls < 1000 + 30000; polls++) {
		uint8_t status = 0;
		int ret = sva_sys_read_mem(t, b->comp + 32 * (i % 64), &status, 1);

		if (ret)
			return ret;
		if (status != DSA_COMP_NONE)
			return status;
		if (polls < 1000)
			sva_yield(w);
		else
			sva_msleep(w, 1);
	}
	return -ETIMEDOUT;
}

static int worker_main(struct sva_task *t, void *arg)
{
	struct worker *wk = arg;
	bool bof = strstr(wk->wq, "wq1") != NULL;
	struct dsa_hw_desc d;
	uint64_t portal;
	struct bufs b;
	unsigned n = wk->kind == WORKER_LOOPS ? 100000 : 6;

	if (open_queue(t, wk->wq, &portal) || map_bufs(t, &b))
		return 1;
	for (unsigned i = 0; i < n; i++) {
		stream_desc(&d, &b, i, bof);
		if (submit(t, portal, &d))
			return 2;
		if (wk->kind == WORKER_EXITS_AT_ONCE)
			continue;
		if (wait_record(t, &b, i) < 0)
			return 3;
		atomic_fetch_add(&wk->done, 1);
	}
	return 0; /* exit without close: the fd, the portal mapping and the bond go at exit */
}

#define NWORKERS 6

struct master {
	struct worker w[NWORKERS];
	int pids[NWORKERS];
	int status[NWORKERS];
};

static int master_main(struct sva_task *t, void *arg)
{
	struct master *m = arg;
	struct sva_world *w = sva_kernel_world(sva_task_kernel(t));

	for (int i = 0; i < NWORKERS; i++) {
		m->w[i].kind = (enum worker_kind)(i % 3);
		m->w[i].wq = i % 2 ? "dsa0wq1" : "dsa0wq0";
		m->pids[i] = sva_sys_fork(t, "worker", worker_main, &m->w[i]);
		if (m->pids[i] < 0)
			return 1;
	}
	for (int i = 0; i < NWORKERS; i++) {
		if (m->w[i].kind != WORKER_LOOPS)
			continue;
		for (int spin = 0; spin < 2000 && atomic_load(&m->w[i].done) < 2; spin++)
			sva_yield(w); /* let it get going */
		if (sva_sys_kill(t, m->pids[i]))
			return 2;
	}
	for (int i = 0; i < NWORKERS; i++)
		if (sva_sys_wait(t, m->pids[i], &m->status[i]) != m->pids[i])
			return 3;
	return 0; /* the master exits too */
}

static void seed000_nginx_master_workers(void **state)
{
	static const struct {
		enum sva_backend b;
		uint64_t seed;
	} runs[] = { { SVA_BACKEND_NATIVE, 0 },
		     { SVA_BACKEND_SIM, 1 },
		     { SVA_BACKEND_SIM, 2 },
		     { SVA_BACKEND_SIM, 3 },
		     { SVA_BACKEND_SIM, 4 } };
	(void)state;

	for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		struct master m;
		struct sva_process *p;
		struct env e;
		int status = -1;

		memset(&m, 0, sizeof(m));
		env_init(&e, runs[r].b, runs[r].seed, 1);
		assert_int_equal(sva_process_start(e.k, "master", master_main, &m, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		for (int i = 0; i < NWORKERS; i++) {
			if (m.w[i].kind == WORKER_LOOPS)
				assert_int_equal(m.status[i], 128 + 9); /* killed */
			else
				assert_int_equal(m.status[i], 0);
			if (m.w[i].kind == WORKER_WAITS)
				assert_int_equal(atomic_load(&m.w[i].done), 6);
		}
		env_done(&e);
	}
}

/* ---- the seed's own test: exit without unbind, again and again ---- */

#if defined(__SANITIZE_THREAD__)
#define EXIT_LOOPS 1000 /* the same story, fewer times: TSan is slow and this runs in sim */
#else
#define EXIT_LOOPS 10000
#endif
#define EXIT_BATCH 1000

static int exit_child(struct sva_task *t, void *arg)
{
	struct dsa_hw_desc d;
	uint64_t portal;
	struct bufs b;

	(void)arg;
	if (open_queue(t, "dsa0wq0", &portal) || map_bufs(t, &b))
		return 1;
	stream_desc(&d, &b, 0, false);
	return submit(t, portal, &d) ? 2 : 0; /* and exit, the descriptor maybe in flight */
}

static int exit_loop(struct sva_task *t, void *arg)
{
	int *failures = arg;

	for (int i = 0; i < EXIT_BATCH; i++) {
		int st = -1, pid = sva_sys_fork(t, "child", exit_child, NULL);

		if (pid < 0 || sva_sys_wait(t, pid, &st) != pid || st)
			(*failures)++;
	}
	return 0;
}

static void seed000_exit_10000(void **state)
{
	struct sva_phys *phys;
	long live0 = -1;
	size_t free0 = 0;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 10, 1);
	phys = sva_mm_sys_phys(sva_kernel_mm_sys(e.k));
	for (int batch = 0; batch < EXIT_LOOPS / EXIT_BATCH; batch++) {
		struct sva_process *p;
		int failures = 0, status = -1;

		assert_int_equal(sva_process_start(e.k, "loop", exit_loop, &failures, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(failures, 0); /* allocation still works */
		sva_kernel_quiesce(e.k);
		assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e.isys)), 0);
		if (batch == 0) {
			live0 = sva_alloc_live_total(e.w);
			free0 = sva_phys_free_frames(phys);
		}
		/* memory stays flat: the same objects and frames after every batch */
		assert_int_equal(sva_alloc_live_total(e.w), live0);
		assert_int_equal(sva_phys_free_frames(phys), free0);
	}
	env_done(&e);
}

/* ---- seed 002: several queues of one process, and two devices sharing a domain ---- */

struct two {
	uint32_t pasid;
	unsigned domains;
	struct env *e;
	int results;
	int status[4];
};

static int two_main(struct sva_task *t, void *arg)
{
	struct two *tw = arg;
	const char *wqs[] = { "dsa0wq0", "dsa0wq0", "dsa0wq1", "dsa1wq0" };
	struct dsa_hw_desc d;
	uint64_t portal[4];
	struct bufs b;

	if (map_bufs(t, &b) || sva_sys_touch(t, b.src, 4 * PAGE, true) ||
	    sva_sys_touch(t, b.dst, 4 * PAGE, true))
		return 1; /* every page present: no queue here blocks on faults */
	for (int i = 0; i < 4; i++)
		if (open_queue(t, wqs[i], &portal[i]))
			return 2;
	tw->pasid = sva_mm_get_pasid(sva_task_mm(t));
	tw->domains = sva_mm_sva_domains(tw->e->isys, sva_task_mm(t));
	for (unsigned i = 0; i < 4; i++) { /* every queue works, on the one PASID */
		stream_desc(&d, &b, i, false);
		if (submit(t, portal[i], &d))
			return 3;
		tw->status[i] = wait_record(t, &b, i);
		if (tw->status[i] == DSA_COMP_SUCCESS)
			tw->results++;
	}
	return 0;
}

static void seed002_queues_and_two_devices(void **state)
{
	for (uint64_t seed = 0; seed < 3; seed++) {
		struct two tw = { .results = 0 };
		struct sva_process *p;
		struct env e;
		int status = -1;
		(void)state;

		env_init(&e, seed ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, seed, 2);
		tw.e = &e;
		assert_int_equal(sva_process_start(e.k, "uadk", two_main, &tw, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_not_equal(tw.pasid, SVA_PASID_INVALID);
		assert_int_equal(tw.domains, 1); /* two devices of one IOMMU: one domain */
		for (int i = 0; i < 4; i++)
			if (tw.status[i] != DSA_COMP_SUCCESS)
				fprintf(stderr, "queue %d: status %d\n", i, tw.status[i]);
		assert_int_equal(tw.results, 4);
		env_done(&e);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed000_nginx_master_workers),
		cmocka_unit_test(seed000_exit_10000),
		cmocka_unit_test(seed002_queues_and_two_devices),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("seeds", tests, NULL, NULL);
}

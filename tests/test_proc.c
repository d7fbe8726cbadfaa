/* SPDX-License-Identifier: MIT */
/*
 * Processes: start, exit status and reaping, fork with copy-on-write and no PASID, threads,
 * exec, the order of do_exit (exit_mm before exit_files before task_work), the fd<->mm cycle
 * of seeds 000 and 004, kill of a thread blocked in a driver (its exit traced with the signal),
 * kill of an exited child not yet reaped (0, its status unchanged), fds passed to another
 * process, orphans, and misuse. Tests named seedNNN_* also run alone as CTest tests of that name.
 */
#include <stdlib.h>
#include <string.h>

#include "sva/accel.h"
#include "sva/check.h"
#include "sva/fs.h"
#include "sva/idxd.h"
#include "sva/iommu.h"
#include "sva/mem.h"
#include "sva/mm.h"
#include "sva/proc.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE SVA_PAGE_SIZE

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
};

static void env_init(struct env *e, enum sva_backend b, uint64_t seed)
{
	e->w = sva_test_world(b, seed);
	assert_int_equal(sva_kernel_create(e->w, NULL, &e->k), 0);
}

/* Everything but the world: no process is left, every frame is back. */
static void env_release(struct env *e)
{
	struct sva_phys *phys = sva_mm_sys_phys(sva_kernel_mm_sys(e->k));

	sva_kernel_quiesce(e->k);
	assert_int_equal(sva_kernel_processes(e->k), 0);
	assert_int_equal(sva_phys_free_frames(phys), sva_phys_total_frames(phys) - 1);
	sva_kernel_destroy(e->k);
}

static void env_done(struct env *e)
{
	env_release(e);
	sva_test_world_done(e->w);
}

/* ---- a plain life ---- */

static int simple_main(struct sva_task *t, void *arg)
{
	char in[8] = "libsva", out[8] = { 0 };
	uint64_t a;

	(void)arg;
	if (sva_sys_mmap(t, 0, 4 * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &a))
		return 1;
	if (sva_sys_write_mem(t, a + PAGE, in, sizeof(in)) ||
	    sva_sys_read_mem(t, a + PAGE, out, sizeof(out)) || strcmp(in, out) ||
	    sva_sys_touch(t, a, 4 * PAGE, true))
		return 2;
	return 42;
}

static void test_process_lives_and_is_reaped(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct env e;
		struct sva_process *p;
		int status = 0;

		env_init(&e, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "simple", simple_main, NULL, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 42);
		env_done(&e);
	}
}

/* ---- fork ---- */

struct fork_case {
	uint64_t a;
	char child_saw;
	int child_status;
	bool child_has_iommu_data;
};

static int fork_child(struct sva_task *t, void *arg)
{
	struct fork_case *c = arg;
	char v = 'C';

	c->child_has_iommu_data = sva_mm_iommu_data(sva_task_mm(t)) != NULL;
	sva_sys_read_mem(t, c->a, &c->child_saw, 1);
	return sva_sys_write_mem(t, c->a, &v, 1) ? 1 : 7;
}

static int fork_parent(struct sva_task *t, void *arg)
{
	struct fork_case *c = arg;
	char v = 'P';
	int pid;

	if (sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &c->a) ||
	    sva_sys_write_mem(t, c->a, &v, 1))
		return 1;
	sva_mm_set_iommu_data(sva_task_mm(t), c); /* stands for the parent's PASID */
	pid = sva_sys_fork(t, "child", fork_child, c);
	if (pid <= 0 || sva_sys_wait(t, pid, &c->child_status) != pid)
		return 2;
	sva_sys_read_mem(t, c->a, &v, 1);
	sva_mm_set_iommu_data(sva_task_mm(t), NULL);
	return v == 'P' ? 0 : 3;
}

static void test_fork_copy_on_write_and_no_pasid(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct fork_case c = { 0 };
		struct env e;
		struct sva_process *p;
		int status = -1;

		env_init(&e, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "parent", fork_parent, &c, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(c.child_saw, 'P');
		assert_int_equal(c.child_status, 7);
		assert_false(c.child_has_iommu_data);
		env_done(&e);
	}
}

/* ---- a test driver: the order of exit, and the fd<->mm cycle ---- */

struct drv {
	struct sva_kernel *k;
	bool take_users; /* open takes mmget (the historic bug) instead of mmgrab */
	struct sva_mm *mm;
	int opens, releases;
	bool mm_dead_at_release;
	struct sva_actor *released_by;
	struct sva_actor *opener;
	struct sva_completion never; /* a driver call that waits forever */
	int wait_ret;
};

static int drv_open(struct sva_file *file)
{
	struct drv *d = file->private_data;
	struct sva_task *t = sva_task_current(d->k);

	d->opens++;
	d->mm = sva_task_mm(t);
	d->opener = sva_current(sva_kernel_world(d->k));
	if (d->take_users)
		sva_mmget(d->mm);
	else
		sva_mmgrab(d->mm);
	return 0;
}

static void drv_release(struct sva_file *file)
{
	struct drv *d = file->private_data;

	d->releases++;
	d->mm_dead_at_release = sva_mm_is_dead(d->mm);
	d->released_by = sva_current(sva_kernel_world(d->k));
	if (d->take_users)
		sva_mmput(d->mm);
	else
		sva_mmdrop(d->mm);
}

static int drv_mmap(struct sva_file *file, struct sva_vma *vma)
{
	(void)file;
	vma->flags |= SVA_VM_DONTCOPY | SVA_VM_DONTEXPAND | SVA_VM_WIPEONFORK;
	return 0;
}

static long drv_ioctl(struct sva_file *file, unsigned cmd, unsigned long arg)
{
	struct drv *d = file->private_data;

	(void)cmd;
	(void)arg;
	d->wait_ret = sva_wait_for_completion_killable(&d->never);
	return d->wait_ret;
}

static const struct sva_file_operations drv_fops = {
	.open = drv_open,
	.release = drv_release,
	.mmap = drv_mmap,
	.ioctl = drv_ioctl,
};

/* Open the device, map it, and exit without closing or unmapping (uacce's users do). */
static int open_map_exit(struct sva_task *t, void *arg)
{
	(void)arg;
	if (sva_test_open_map(t, "acc0"))
		return 1;
	sva_sys_exit(t, 5); /* without close, without munmap */
}

static void drv_env(struct env *e, struct drv *d, enum sva_backend b, uint64_t seed)
{
	env_init(e, b, seed);
	d->k = e->k;
	sva_completion_init(e->w, &d->never, "never");
	assert_int_equal(sva_chrdev_register(e->k, "acc0", &drv_fops, d), 0);
}

static void seed004_exit_order_mm_before_files(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct drv d = { 0 };
		struct sva_process *p;
		struct env e;
		int status;

		drv_env(&e, &d, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "worker", open_map_exit, NULL, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 5);
		/* release ran, after exit_mmap, from the exiting task itself (task_work) */
		assert_int_equal(d.releases, 1);
		assert_true(d.mm_dead_at_release);
		assert_ptr_equal(d.released_by, d.opener);
		sva_completion_destroy(&d.never);
		env_done(&e);
	}
}

static void seed000_fd_mm_cycle_with_mmget_leaks(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct drv d = { .take_users = true };
		struct sva_process *p;
		struct env e;
		uint64_t a;
		int status;

		drv_env(&e, &d, bc->backend, bc->seed);
		sva_test_quiet(e.w);
		assert_int_equal(sva_process_start(e.k, "nginx-worker", open_map_exit, NULL, &p),
				 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		sva_kernel_quiesce(e.k);
		/* the cycle: the mm keeps the VMA, the VMA the file, the file the mm */
		assert_int_equal(d.releases, 0);
		assert_false(sva_mm_is_dead(d.mm));
		assert_int_equal(sva_mm_users(d.mm), 1);
		assert_int_equal(sva_alloc_live(e.w, &sva_obj_file), 2); /* the file + acc0 */
		/* the leak check sees it */
		assert_true(sva_alloc_describe_live(e.w, SVA_TEST_IGNORED_TYPES, NULL, 0) > 0);

		/* break it by hand: unmapping puts the file, whose release puts the mm */
		sva_down_read(sva_mm_mmap_lock(d.mm));
		a = sva_vma_lookup(d.mm, 0x10000000) ? 0x10000000 : 0;
		sva_up_read(sva_mm_mmap_lock(d.mm));
		assert_true(a != 0);
		sva_mmgrab(d.mm); /* the caller of munmap holds the mm, as any caller must */
		assert_int_equal(sva_mm_munmap(d.mm, a, PAGE), 0);
		sva_kernel_quiesce(e.k);
		assert_int_equal(d.releases, 1);
		assert_true(sva_mm_is_dead(d.mm)); /* the release's mmput was the last user */
		sva_mmdrop(d.mm);
		sva_completion_destroy(&d.never);
		env_done(&e);
	}
}

static void seed000_fd_mm_cycle_with_mmgrab_exits_clean(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct drv d = { .take_users = false };
		struct sva_process *p;
		struct env e;
		int status;

		drv_env(&e, &d, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "nginx-worker", open_map_exit, NULL, &p),
				 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(d.releases, 1);
		sva_completion_destroy(&d.never);
		env_done(&e); /* nothing left: the leak check is clean */
	}
}

/* ---- kill ---- */

struct kill_case {
	int victim_pid;
	int victim_status;
	int kill_ret;
};

static int blocked_in_driver(struct sva_task *t, void *arg)
{
	int fd = sva_sys_open(t, "acc0");

	(void)arg;
	if (fd < 0)
		return 1;
	sva_sys_ioctl(t, fd, 1, 0); /* waits until killed */
	return 2;		    /* never reached: the kill ends the task at the return */
}

static int killer(struct sva_task *t, void *arg)
{
	struct kill_case *c = arg;

	c->victim_pid = sva_sys_fork(t, "victim", blocked_in_driver, NULL);
	if (c->victim_pid <= 0)
		return 1;
	for (int i = 0; i < 50; i++) /* let it get into the driver, any schedule */
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
	c->kill_ret = sva_sys_kill(t, c->victim_pid);
	return sva_sys_wait(t, c->victim_pid, &c->victim_status) == c->victim_pid ? 0 : 2;
}

/* The trace has task.exit of @pid's first task with @what ("signal=SIGKILL", "code=3"). */
static void assert_task_exit_traced(struct sva_world *w, int pid, const char *what)
{
	char *text = sva_test_trace_string(w, sva_trace_write_text), want[96];

	snprintf(want, sizeof(want), "task.exit pid=%d tid=%d %s\n", pid, pid, what);
	assert_non_null(text);
	if (!strstr(text, want))
		fail_msg("no '%s' in the trace", want);
	free(text);
}

static void test_kill_of_a_thread_blocked_in_a_driver(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct drv d = { 0 };
		struct kill_case c = { 0 };
		struct sva_process *p;
		struct env e;
		int status = -1;

		drv_env(&e, &d, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "killer", killer, &c, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(c.kill_ret, 0);
		assert_int_equal(c.victim_status, 128 + 9);
		assert_task_exit_traced(e.w, c.victim_pid, "signal=SIGKILL");
		/* either it was in the driver's wait (woken with -EINTR) or never got there */
		assert_true(d.wait_ret == -EINTR || d.opens == d.releases);
		assert_int_equal(d.releases, d.opens);
		sva_completion_destroy(&d.never);
		env_done(&e);
	}
}

/* kill(2) of an exited child not yet reaped: 0, as Linux answers; the status is its own. */
struct zombie_case {
	struct sva_process *child;
	int pid, kill_ret, kill_after_reap, status;
};

static int exits_with_3(struct sva_task *t, void *arg)
{
	struct zombie_case *c = arg;

	__atomic_store_n(&c->child, sva_task_process(t), __ATOMIC_RELEASE);
	return 3;
}

static int kills_a_zombie(struct sva_task *t, void *arg)
{
	struct zombie_case *c = arg;
	struct sva_world *w = sva_kernel_world(sva_task_kernel(t));
	int pid = sva_sys_fork(t, "child", exits_with_3, c);

	if (pid <= 0)
		return 1;
	c->pid = pid;
	/* unreaped, so the child stays (a zombie) however long it takes it to exit */
	while (!__atomic_load_n(&c->child, __ATOMIC_ACQUIRE) || !sva_process_exited(c->child))
		sva_yield(w);
	c->kill_ret = sva_sys_kill(t, pid);
	if (sva_sys_wait(t, pid, &c->status) != pid)
		return 2;
	c->kill_after_reap = sva_sys_kill(t, pid);
	return 0;
}

static void test_kill_of_an_unreaped_child_is_0(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct zombie_case c = { 0 };
		struct env e;

		env_init(&e, bc->backend, bc->seed);
		assert_int_equal(sva_test_run_process(e.k, kills_a_zombie, &c), 0);
		assert_int_equal(c.kill_ret, 0);
		assert_int_equal(c.status, 3); /* not made "killed" by a signal to a zombie */
		assert_int_equal(c.kill_after_reap, -ESRCH);
		assert_task_exit_traced(e.w, c.pid, "code=3");
		env_done(&e);
	}
}

/* ---- fd passing ---- */

struct pass_case {
	struct drv *d;
	int receiver_pid;
	int releases_after_sender_exit;
	struct sva_completion sent, sender_gone;
};

static int receiver(struct sva_task *t, void *arg)
{
	struct pass_case *c = arg;

	sva_wait_for_completion(&c->sender_gone);
	c->releases_after_sender_exit = c->d->releases;
	return sva_sys_close(t, 0) == 0 ? 0 : 1; /* its first and only fd */
}

static int sender(struct sva_task *t, void *arg)
{
	struct pass_case *c = arg;
	int fd = sva_sys_open(t, "acc0");

	if (fd < 0 || sva_sys_send_fd(t, fd, c->receiver_pid) != 0)
		return 1;
	return 0; /* exits holding fd: the receiver's copy keeps the file */
}

static void test_fd_passed_to_another_process(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct drv d = { 0 };
		struct pass_case c = { .d = &d };
		struct sva_process *r, *s;
		struct env e;
		int status = -1;

		drv_env(&e, &d, bc->backend, bc->seed);
		sva_completion_init(e.w, &c.sender_gone, "sender_gone");
		assert_int_equal(sva_process_start(e.k, "receiver", receiver, &c, &r), 0);
		c.receiver_pid = sva_process_pid(r);
		assert_int_equal(sva_process_start(e.k, "sender", sender, &c, &s), 0);
		assert_int_equal(sva_process_wait(s, &status), 0);
		assert_int_equal(status, 0);
		sva_kernel_quiesce(e.k);
		sva_complete(&c.sender_gone);
		assert_int_equal(sva_process_wait(r, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(c.releases_after_sender_exit, 0);
		sva_kernel_quiesce(e.k);
		assert_int_equal(d.releases, 1); /* the last holder closed it */
		sva_completion_destroy(&c.sender_gone);
		sva_completion_destroy(&d.never);
		env_done(&e);
	}
}

/* ---- threads and exec ---- */

struct thread_case {
	long users_seen;
	uint64_t a;
	int thread_ret;
	bool old_mm_dead;
};

static int second_thread(struct sva_task *t, void *arg)
{
	struct thread_case *c = arg;
	char v = 'T';

	c->users_seen = sva_mm_users(sva_task_mm(t));
	return sva_sys_write_mem(t, c->a, &v, 1);
}

static int threads_then_exec(struct sva_task *t, void *arg)
{
	struct thread_case *c = arg;
	struct sva_mm *old;
	char v = 0;
	int tid;

	if (sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &c->a))
		return 1;
	tid = sva_sys_clone(t, second_thread, c);
	if (tid <= 0 || tid == sva_sys_getpid(t))
		return 2;
	while (v != 'T') { /* shared memory: the thread's write shows here */
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
		if (sva_sys_read_mem(t, c->a, &v, 1))
			return 3;
	}
	old = sva_task_mm(t);
	sva_mmgrab(old);
	if (sva_sys_exec(t, "exec'd"))
		return 4;
	c->old_mm_dead = sva_mm_is_dead(old);
	sva_mmdrop(old);
	/* the new address space is empty */
	return sva_sys_read_mem(t, c->a, &v, 1) == -EFAULT ? 0 : 5;
}

static void test_threads_share_the_mm_and_exec_replaces_it(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct thread_case c = { 0 };
		struct sva_process *p;
		struct env e;
		int status = -1;

		env_init(&e, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "threads", threads_then_exec, &c, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_true(c.users_seen >= 2); /* each thread holds a user */
		assert_true(c.old_mm_dead);
		env_done(&e);
	}
}

/* Two opens of acc0, one close-on-exec: exec releases that one only, in the exec itself. */
static int open_cloexec_then_exec(struct sva_task *t, void *arg)
{
	struct drv *d = arg;
	int keep = sva_sys_open(t, "acc0");
	int gone = sva_sys_open_flags(t, "acc0", SVA_O_CLOEXEC);

	if (keep < 0 || gone < 0)
		return 1;
	if (sva_sys_open_flags(t, "acc0", 1u << 5) != -EINVAL)
		return 2;
	if (sva_sys_exec(t, "exec'd") || d->releases != 1)
		return 3;
	if (sva_sys_close(t, gone) != -EBADF || sva_sys_close(t, keep) != 0)
		return 4;
	return 0;
}

static void test_exec_closes_cloexec_fds(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct drv d = { 0 };
		struct sva_process *p;
		struct env e;
		int status = -1;

		drv_env(&e, &d, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "cloexec", open_cloexec_then_exec, &d, &p),
				 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(d.opens, 2);
		assert_int_equal(d.releases, 2);
		sva_completion_destroy(&d.never);
		env_done(&e);
	}
}

/* ---- orphans and errors ---- */

static int forgetful_parent(struct sva_task *t, void *arg)
{
	(void)arg;
	if (sva_sys_fork(t, "orphan", simple_main, NULL) <= 0)
		return 1;
	return sva_sys_wait(t, 12345, NULL) == -ECHILD ? 0 : 2; /* and never waits for it */
}

static void test_orphans_are_reaped(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_process *p;
		struct env e;
		int status = -1;

		env_init(&e, bc->backend, bc->seed);
		assert_int_equal(sva_process_start(e.k, "parent", forgetful_parent, NULL, &p), 0);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		/* the orphan finishes on its own; env_done checks nothing is left */
		for (int i = 0; i < 1000 && sva_kernel_processes(e.k); i++) {
			sva_world_run(e.w);
			sva_kernel_quiesce(e.k);
		}
		env_done(&e);
	}
}

/* A character device that keeps what is written to it and gives it back on read. */
struct echo_dev {
	char buf[64];
	size_t len;
};

static long echo_read(struct sva_file *file, void *buf, size_t len)
{
	struct echo_dev *d = file->private_data;

	len = len < d->len ? len : d->len;
	memcpy(buf, d->buf, len);
	return (long)len;
}

static long echo_write(struct sva_file *file, const void *buf, size_t len)
{
	struct echo_dev *d = file->private_data;

	if (len > sizeof(d->buf))
		return -EFBIG;
	memcpy(d->buf, buf, len);
	d->len = len;
	return (long)len;
}

static const struct sva_file_operations echo_fops = { .read = echo_read, .write = echo_write };

/* read and write reach the driver's calls; a device without them answers -EINVAL; the
   process's accessors name what the task sees; the fd table's limits */
static int echo_user(struct sva_task *t, void *arg)
{
	struct sva_kernel *k = arg;
	char got[16] = "";
	int marker, fd = sva_sys_open(t, "echo"), fd2 = sva_sys_open(t, "acc0");

	if (fd < 0 || fd2 < 0)
		return 1;
	if (sva_sys_write(t, fd, "hello", 5) != 5 || sva_sys_read(t, fd, got, 3) != 3 ||
	    memcmp(got, "hel", 3) != 0 || sva_sys_read(t, fd, got, sizeof(got)) != 5)
		return 2;
	if (sva_sys_write(t, fd, got, 65) != -EFBIG)
		return 3;
	if (sva_sys_ioctl(t, fd, 1, 0) != -ENOTTY) /* a driver without ioctl */
		return 13;
	if (sva_sys_read(t, fd2, got, 1) != -EINVAL || sva_sys_write(t, fd2, "x", 1) != -EINVAL ||
	    sva_sys_read(t, 42, got, 1) != -EBADF || sva_sys_write(t, 42, "x", 1) != -EBADF)
		return 4;
	if (sva_process_mm(sva_task_process(t)) != sva_task_mm(t) || !sva_task_mm(t) ||
	    sva_mm_sys_of(sva_task_mm(t)) != sva_kernel_mm_sys(k) ||
	    sva_fs_world(sva_kernel_fs(k)) != sva_kernel_world(k))
		return 5;
	/* per-task slots: each its own, NULL until set, out-of-range slots ignored */
	if (sva_task_private(t, 0) || sva_task_private(t, SVA_TASK_PRIVATE_SLOTS - 1))
		return 6;
	sva_task_set_private(t, SVA_TASK_PRIVATE_SLOTS - 1, &marker);
	sva_task_set_private(t, SVA_TASK_PRIVATE_SLOTS, &marker);
	if (sva_task_private(t, SVA_TASK_PRIVATE_SLOTS - 1) != &marker || sva_task_private(t, 0) ||
	    sva_task_private(t, SVA_TASK_PRIVATE_SLOTS))
		return 7;
	sva_task_set_private(t, SVA_TASK_PRIVATE_SLOTS - 1, NULL);
	/* dup until the table is full: -EMFILE; every dup then closes */
	int dups[300], ndup = 0, r;

	for (;;) {
		r = sva_sys_dup(t, fd);
		if (r < 0)
			break;
		if (ndup == 300)
			return 9;
		dups[ndup++] = r;
	}
	if (r != -EMFILE || ndup < 200)
		return 10;
	while (ndup)
		if (sva_sys_close(t, dups[--ndup]))
			return 11;
	if (sva_sys_close(t, -1) != -EBADF || sva_sys_close(t, 1 << 20) != -EBADF ||
	    sva_sys_send_fd(t, fd, 99999) != -ESRCH)
		return 12;
	/* the device's node names the same device: the same driver, its same buffer */
	r = sva_sys_open(t, "/dev/echo");
	memset(got, 0, sizeof(got));
	if (r < 0 || sva_sys_write(t, r, "hello", 5) != 5 || sva_sys_read(t, fd, got, 8) != 5 ||
	    memcmp(got, "hello", 5) != 0 || sva_sys_close(t, r))
		return 14;
	return sva_sys_close(t, fd) || sva_sys_close(t, fd2) ? 8 : 0;
}

static void test_read_write_and_accessors(void **state)
{
	struct echo_dev echo = { .len = 0 };
	struct sva_process *p;
	struct drv d = { 0 };
	struct env e;
	int status = -1;
	(void)state;

	drv_env(&e, &d, SVA_BACKEND_SIM, 5);
	assert_int_equal(sva_chrdev_register(e.k, "echo", &echo_fops, &echo), 0);
	assert_int_equal(sva_chrdev_register(e.k, NULL, &echo_fops, &echo), -EINVAL);
	assert_int_equal(sva_chrdev_register(e.k, "echo2", NULL, &echo), -EINVAL);
	assert_int_equal(sva_chrdev_register(e.k, "a-name-much-too-long-for-a-char-device",
					     &echo_fops, &echo),
			 -EINVAL);
	assert_int_equal(sva_process_start(e.k, "echo-user", echo_user, e.k, &p), 0);
	assert_int_equal(sva_process_wait(p, &status), 0);
	assert_int_equal(status, 0);
	assert_memory_equal(echo.buf, "hello", 5);
	sva_completion_destroy(&d.never);
	env_done(&e);
}

static int bad_calls(struct sva_task *t, void *arg)
{
	uint64_t a;

	(void)arg;
	if (sva_sys_open(t, "nothing") != -ENODEV || sva_sys_open(t, NULL) != -ENODEV ||
	    sva_sys_open(t, "/dev/nothing") != -ENODEV || sva_sys_close(t, 3) != -EBADF ||
	    sva_sys_dup(t, -1) != -EBADF || sva_sys_ioctl(t, 9, 0, 0) != -EBADF ||
	    sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ, 0, 7, 0, &a) != -EBADF ||
	    sva_sys_kill(t, 999) != -ESRCH || sva_sys_send_fd(t, 0, 1) != -EBADF ||
	    sva_sys_wait(t, -1, NULL) != -ECHILD)
		return 1;
	return 0;
}

static int exit_with_arg(struct sva_task *t, void *arg)
{
	(void)t;
	return (int)(intptr_t)arg;
}

/*
 * wait(pid) takes that child, not an earlier one; a status is written only where asked; wait(-1)
 * then takes the one left, and there is none after.
 */
static int wait_by_pid(struct sva_task *t, void *arg)
{
	int first = sva_sys_fork(t, "first", exit_with_arg, (void *)(intptr_t)3);
	int second = sva_sys_fork(t, "second", exit_with_arg, (void *)(intptr_t)4);
	int st = -1;

	(void)arg;
	if (first < 0 || second < 0)
		return 1;
	if (sva_sys_wait(t, second, NULL) != second)
		return 2;
	if (sva_sys_wait(t, second, &st) != -ECHILD || st != -1)
		return 3;
	if (sva_sys_wait(t, -1, &st) != first || st != 3)
		return 4;
	return sva_sys_wait(t, -1, NULL) == -ECHILD ? 0 : 5;
}

static void test_wait_for_one_child_by_pid(void **state)
{
	struct sva_process *p;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 2);
	assert_int_equal(sva_test_run_process(e.k, wait_by_pid, NULL), 0);
	assert_int_equal(sva_process_start(e.k, "lone", exit_with_arg, (void *)(intptr_t)9, &p), 0);
	assert_int_equal(sva_process_wait(p, NULL), 0); /* from outside, no status asked */
	env_done(&e);
}

static void test_bad_system_calls_fail_cleanly(void **state)
{
	struct sva_process *p;
	struct env e;
	int status = -1;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 3);
	assert_int_equal(sva_process_start(e.k, "clumsy", bad_calls, NULL, &p), 0);
	assert_int_equal(sva_process_wait(p, &status), 0);
	assert_int_equal(status, 0);
	assert_int_equal(sva_chrdev_unregister(e.k, "nothing"), -ENOENT);
	env_done(&e);
}

/* A process that never ends: its sim world's step budget stops it. */
static int spin_forever(struct sva_task *t, void *arg)
{
	(void)arg;
	for (;;)
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
	return 0;
}

/*
 * Waiting from outside for a process of a sim world that stops (its step budget spent) ends
 * with -EDEADLK and the budget's report; it asked the stopped world again for ever (a sweep
 * whose error path left a page request unanswered hung there).
 */
static void test_wait_from_outside_ends_when_the_world_stops(void **state)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM, .seed = 1, .max_steps = 2000 };
	struct sva_kernel *k;
	struct sva_process *p;
	struct sva_world *w;
	int status = -1;
	(void)state;

	assert_int_equal(sva_world_create(&wc, &w), 0);
	sva_test_quiet(w);
	assert_int_equal(sva_kernel_create(w, NULL, &k), 0);
	assert_int_equal(sva_process_start(k, "spinner", spin_forever, NULL, &p), 0);
	assert_int_equal(sva_process_wait(p, &status), -EDEADLK);
	assert_int_equal(status, -1);
	assert_int_equal(sva_report_count(w, SVA_REPORT_STEP_BUDGET), 1);
	assert_true(sva_world_stopped(w));
	sva_world_destroy(w); /* the world frees what the stopped run left */
}

/*
 * A whole life, each of its allocations failed in turn: a process maps memory, opens a device,
 * dups the fd, passes it to itself (send_fd), maps the device, forks a child that execs and maps
 * and writes its new memory, waits for it and exits. Every call returns 0 or -ENOMEM, the first
 * error of each process is kept; afterwards no process, file, mm or frame is left.
 */
struct life {
	struct env e;
	struct drv d;
	struct sva_process *p;
	int status, child_status;
	int err, child_err; /* the first error of each, 0 none */
	bool child_ran;
};

static void life_note(int *err, long ret)
{
	if (ret < 0 && !*err)
		*err = (int)ret;
}

static int life_child(struct sva_task *t, void *arg)
{
	struct life *l = arg;
	uint64_t a = 0;
	long ret;
	char v = 'c';

	l->child_ran = true;
	ret = sva_sys_exec(t, "exec'd");
	life_note(&l->child_err, ret);
	if (ret == 0) {
		ret = sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &a);
		life_note(&l->child_err, ret);
	}
	if (ret == 0)
		life_note(&l->child_err, sva_sys_write_mem(t, a, &v, 1));
	return l->child_err ? 1 : 7;
}

static int life_parent(struct sva_task *t, void *arg)
{
	struct life *l = arg;
	uint64_t a, m;
	int fd, fd2 = -1, passed = -1, pid;
	char v = 'P';

	life_note(&l->err, sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &a));
	if (!l->err)
		life_note(&l->err, sva_sys_write_mem(t, a, &v, 1));
	fd = sva_sys_open_flags(t, "acc0", SVA_O_CLOEXEC);
	life_note(&l->err, fd);
	if (fd >= 0) {
		fd2 = sva_sys_dup(t, fd);
		life_note(&l->err, fd2);
		passed = sva_sys_send_fd(t, fd, sva_sys_getpid(t));
		life_note(&l->err, passed);
		life_note(&l->err, sva_sys_mmap(t, 0, PAGE, SVA_PROT_READ | SVA_PROT_WRITE,
						SVA_MAP_SHARED, fd, 0, &m));
	}
	pid = sva_sys_fork(t, "child", life_child, l);
	life_note(&l->err, pid);
	if (pid > 0 && sva_sys_wait(t, pid, &l->child_status) != pid)
		return 2;
	if (fd2 >= 0)
		life_note(&l->err, sva_sys_close(t, fd2));
	return l->err ? 1 : 0; /* the rest is closed and unmapped by exit */
}

static struct sva_world *life_setup(void *arg)
{
	struct life *l = arg;

	memset(l, 0, sizeof(*l));
	l->status = l->child_status = -1;
	drv_env(&l->e, &l->d, SVA_BACKEND_SIM, 1);
	sva_test_quiet(l->e.w);
	return l->e.w;
}

static int life_body(struct sva_world *w, void *arg)
{
	struct life *l = arg;
	int ret;

	(void)w;
	ret = sva_process_start(l->e.k, "parent", life_parent, l, &l->p);
	if (ret)
		return ret;
	assert_int_equal(sva_process_wait(l->p, &l->status), 0);
	sva_kernel_quiesce(l->e.k);
	return l->err ? l->err : l->child_err;
}

static void life_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct life *l = arg;

	(void)w;
	/* whatever failed, every file opened was released, by the last holder */
	assert_int_equal(l->d.opens, l->d.releases);
	assert_int_equal(sva_kernel_processes(l->e.k), 0);
	if (r->ret == 0) {
		assert_int_equal(l->status, 0);
		assert_int_equal(l->child_status, 7);
		assert_int_equal(l->d.opens, 1); /* dup and send_fd share the file */
	} else if (l->p) {
		assert_int_equal(l->status, l->err ? 1 : 0);
		if (l->child_ran && l->child_err)
			assert_int_equal(l->child_status, 1);
	}
}

static void life_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct life *l = arg;

	(void)w;
	(void)r;
	sva_completion_destroy(&l->d.never);
	env_release(&l->e);
}

static void test_fail_nth_whole_life(void **state)
{
	struct life l;
	struct sva_test_fail_case c = {
		.name = "process life: mmap, open, dup, send_fd, fork, exec, "
			"wait, exit",
		.setup = life_setup,
		.body = life_body,
		.check = life_check,
		.teardown = life_teardown,
		.arg = &l
	};
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors > 15);
}

/* A system call for a task made by another actor: reported, the task's state untouched. */
struct foreign {
	struct sva_task *victim;
	struct sva_completion ready, done;
	int ret;
};

static int victim_main(struct sva_task *t, void *arg)
{
	struct foreign *f = arg;

	f->victim = t;
	sva_complete(&f->ready);
	sva_wait_for_completion(&f->done);
	return 0;
}

static int intruder_main(struct sva_task *t, void *arg)
{
	struct foreign *f = arg;

	(void)t;
	sva_wait_for_completion(&f->ready);
	f->ret = sva_sys_close(f->victim, 77); /* not its own task */
	sva_complete(&f->done);
	return 0;
}

static void test_syscall_by_another_actor_reported(void **state)
{
	struct foreign f = { 0 };
	struct sva_process *a, *b;
	int sa = -1, sb = -1;
	struct env e;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 2);
	sva_test_quiet(e.w);
	sva_completion_init(e.w, &f.ready, "ready");
	sva_completion_init(e.w, &f.done, "done");
	assert_int_equal(sva_process_start(e.k, "victim", victim_main, &f, &a), 0);
	assert_int_equal(sva_process_start(e.k, "intruder", intruder_main, &f, &b), 0);
	assert_int_equal(sva_process_wait(a, &sa), 0);
	assert_int_equal(sva_process_wait(b, &sb), 0);
	assert_int_equal(sa, 0);
	assert_int_equal(sb, 0);
	assert_int_equal(f.ret, -EBADF);
	assert_int_equal(sva_report_count(e.w, SVA_REPORT_BAD_USAGE), 1);
	assert_non_null(strstr(sva_report_first(e.w), "system call for task"));
	assert_non_null(strstr(sva_report_first(e.w), "of victim made by intruder"));
	sva_completion_destroy(&f.ready);
	sva_completion_destroy(&f.done);
	env_release(&e);
	sva_world_destroy(e.w);
}

/* Every teardown takes NULL as free() does (an unwind calls them on what it did not make). */
static void test_teardowns_accept_null(void **state)
{
	(void)state;
	sva_world_destroy(NULL);
	sva_kernel_destroy(NULL);
	sva_mm_sys_destroy(NULL);
	sva_phys_destroy(NULL);
	sva_fs_destroy(NULL);
	sva_workqueue_destroy(NULL);
	sva_iommu_sys_destroy(NULL);
	sva_iopf_queue_free(NULL);
	sva_checker_detach(NULL);
	sva_idxd_destroy(NULL);
	sva_accel_destroy(NULL);
	sva_swiommu_destroy(NULL);
	sva_accel_client_close(NULL, NULL);
	/* and the PASID space's counters read 0 of none */
	assert_int_equal(sva_pasid_allocated(NULL), 0);
	assert_int_equal(sva_pasid_space_bytes(NULL), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_lives_and_is_reaped),
		cmocka_unit_test(test_teardowns_accept_null),
		cmocka_unit_test(test_syscall_by_another_actor_reported),
		cmocka_unit_test(test_fork_copy_on_write_and_no_pasid),
		cmocka_unit_test(seed004_exit_order_mm_before_files),
		cmocka_unit_test(seed000_fd_mm_cycle_with_mmget_leaks),
		cmocka_unit_test(seed000_fd_mm_cycle_with_mmgrab_exits_clean),
		cmocka_unit_test(test_kill_of_a_thread_blocked_in_a_driver),
		cmocka_unit_test(test_kill_of_an_unreaped_child_is_0),
		cmocka_unit_test(test_fd_passed_to_another_process),
		cmocka_unit_test(test_threads_share_the_mm_and_exec_replaces_it),
		cmocka_unit_test(test_exec_closes_cloexec_fds),
		cmocka_unit_test(test_orphans_are_reaped),
		cmocka_unit_test(test_bad_system_calls_fail_cleanly),
		cmocka_unit_test(test_wait_for_one_child_by_pid),
		cmocka_unit_test(test_read_write_and_accessors),
		cmocka_unit_test(test_fail_nth_whole_life),
		cmocka_unit_test(test_wait_from_outside_ends_when_the_world_stops),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("proc", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The kernel object and the life of processes: start, fork, clone, exec, kill, exit, wait and
 * reap.
 *
 * do_exit follows the kernel's order, which is what the SVA lifetime rules rest on:
 *   exit_mm        - the task lets go of its mm (mmput); the last user runs exit_mmap, whose
 *                    notifier release blocks the PASID, and whose unmap puts mapped files;
 *   exit_files     - the fd table is put; the last reference closes every fd (fput);
 *   exit_task_work - the deferred final fputs run here: a driver's release (unbind) happens
 *                    after exit_mm, never before.
 * A task ends by returning from its function or, when killed or calling sva_sys_exit(), by a
 * longjmp to its base frame from a system-call boundary, where it holds no kernel lock.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SVA_EXIT_KILLED (128 + 9)

static void sva_reaper_work(struct sva_work *work);

int sva_kernel_create(struct sva_world *w, const struct sva_kernel_config *cfg,
		      struct sva_kernel **out)
{
	struct sva_mm_sys_config mcfg = { .frames = cfg ? cfg->frames : 0 };
	struct sva_kernel *k = sva_alloc(w, SVA_OBJ_PROCESS, sizeof(*k));
	int ret;

	if (!k)
		return -ENOMEM;
	k->w = w;
	sva_mutex_init(w, &k->lock, "kernel");
	sva_list_init(&k->processes);
	sva_list_init(&k->chrdevs);
	sva_work_init(&k->reaper_work, sva_reaper_work);
	ret = sva_mm_sys_create(w, &mcfg, &k->mm_sys);
	if (ret == 0) {
		ret = sva_fs_create(w, &k->fs);
		if (ret == 0) {
			ret = sva_workqueue_create(w, "reaper", SVA_WQ_ORDERED, 1, &k->reaper_wq);
			if (ret)
				sva_fs_destroy(k->fs);
		}
		if (ret)
			sva_mm_sys_destroy(k->mm_sys);
	}
	if (ret) {
		sva_mutex_destroy(&k->lock);
		sva_free(w, SVA_OBJ_PROCESS, k);
		return ret;
	}
	*out = k;
	return 0;
}

void sva_kernel_quiesce(struct sva_kernel *k)
{
	for (int pass = 0; pass < 3; pass++) { /* each may feed the next */
		sva_flush_workqueue(k->reaper_wq);
		sva_fs_flush_delayed(k->fs);
		sva_mm_sys_synchronize(k->mm_sys);
	}
}

void sva_kernel_destroy(struct sva_kernel *k)
{
	struct sva_chrdev *cd, *tmp;

	if (!k)
		return;
	sva_kernel_quiesce(k);
	if (!sva_list_empty(&k->processes))
		sva_report(k->w, SVA_REPORT_BAD_USAGE, "kernel destroyed with %u processes left",
			   sva_kernel_processes(k));
	sva_workqueue_destroy(k->reaper_wq);
	sva_list_for_each_entry_safe(cd, tmp, &k->chrdevs, node) {
		sva_list_del(&cd->node);
		sva_free(k->w, SVA_OBJ_FILE, cd);
	}
	sva_fs_destroy(k->fs);
	sva_mm_sys_destroy(k->mm_sys);
	sva_mutex_destroy(&k->lock);
	sva_free(k->w, SVA_OBJ_PROCESS, k);
}

struct sva_world *sva_kernel_world(struct sva_kernel *k)
{
	return k->w;
}

struct sva_mm_sys *sva_kernel_mm_sys(struct sva_kernel *k)
{
	return k->mm_sys;
}

struct sva_fs *sva_kernel_fs(struct sva_kernel *k)
{
	return k->fs;
}

unsigned sva_kernel_processes(struct sva_kernel *k)
{
	struct sva_process *p;
	unsigned n = 0;

	sva_mutex_lock(&k->lock);
	sva_list_for_each_entry(p, &k->processes, node)
		n++;
	sva_mutex_unlock(&k->lock);
	return n;
}

/* ---- tasks ---- */

static void sva_do_exit(struct sva_task *t);

static int sva_task_main(void *arg)
{
	struct sva_task *t = arg;

	sva_actor_set_owner(t->actor, t); /* read only by the task itself */
	if (setjmp(t->exit_jmp) == 0)
		t->exit_code = t->fn(t, t->arg);
	sva_do_exit(t);
	return t->exit_code;
}

void sva_task_exit_now(struct sva_task *t)
{
	longjmp(t->exit_jmp, 1);
}

/* A task of @p on @mm and @fdt (their references are the caller's, handed over). */
static int sva_task_create(struct sva_process *p, struct sva_mm *mm, struct sva_fdtable *fdt,
			   sva_task_fn fn, void *arg, struct sva_task **out)
{
	struct sva_kernel *k = p->k;
	struct sva_task *t = sva_alloc(k->w, SVA_OBJ_TASK, sizeof(*t));
	char name[48];
	int ret;

	if (!t)
		return -ENOMEM;
	t->p = p;
	t->mm = mm;
	t->fdt = fdt;
	t->fn = fn;
	t->arg = arg;
	sva_mutex_lock(&k->lock);
	/* threads share the pid space, as in Linux: the first task's tid is the pid */
	t->tid = sva_list_empty(&p->tasks) && !p->nthreads ? p->pid : ++k->next_pid;
	sva_list_add_tail(&t->node, &p->tasks);
	__atomic_add_fetch(&p->nthreads, 1, __ATOMIC_RELEASE);
	p->mm_threads++;
	p->fdt_threads++;
	sva_mutex_unlock(&k->lock);
	snprintf(name, sizeof(name), "%s/%d", p->name, t->tid);
	ret = sva_actor_spawn(k->w, name, sva_task_main, t, SVA_ACTOR_USER, &t->actor);
	if (ret) {
		sva_mutex_lock(&k->lock);
		sva_list_del(&t->node);
		__atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_RELEASE);
		p->mm_threads--;
		p->fdt_threads--;
		sva_mutex_unlock(&k->lock);
		sva_free(k->w, SVA_OBJ_TASK, t);
		return ret;
	}
	if (out)
		*out = t;
	return 0;
}

/* ---- processes ---- */

static struct sva_process *sva_process_alloc(struct sva_kernel *k, const char *name,
					     struct sva_process *parent)
{
	struct sva_process *p = sva_alloc(k->w, SVA_OBJ_PROCESS, sizeof(*p));

	if (!p)
		return NULL;
	p->k = k;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "process");
	sva_list_init(&p->children);
	sva_list_init(&p->sibling);
	sva_list_init(&p->tasks);
	sva_list_init(&p->dead_tasks);
	sva_waitq_init(k->w, &p->wait, "process_wait");
	sva_mutex_lock(&k->lock);
	p->pid = ++k->next_pid;
	p->parent = parent;
	if (parent)
		sva_list_add_tail(&p->sibling, &parent->children);
	sva_list_add_tail(&p->node, &k->processes);
	sva_mutex_unlock(&k->lock);
	return p;
}

static void sva_process_free(struct sva_process *p)
{
	struct sva_kernel *k = p->k;

	sva_mutex_lock(&k->lock);
	sva_list_del(&p->node);
	sva_list_del(&p->sibling);
	sva_mutex_unlock(&k->lock);
	sva_waitq_destroy(&p->wait);
	sva_trace_track(k->w, SVA_TRACE_END, "process", "process", (uint64_t)p->pid);
	sva_free(k->w, SVA_OBJ_PROCESS, p);
}

/* Start @p's first task on @mm and @fdt; on failure everything is undone. */
static int sva_process_launch(struct sva_process *p, struct sva_mm *mm, struct sva_fdtable *fdt,
			      sva_task_fn fn, void *arg)
{
	int ret;

	p->mm = mm;
	p->fdt = fdt;
	sva_trace_track(p->k->w, SVA_TRACE_BEGIN, "process", "process", (uint64_t)p->pid,
			SVA_TFS("name", p->name), SVA_TF("mm", sva_mm_id(mm)));
	ret = sva_task_create(p, mm, fdt, fn, arg, NULL);
	if (ret) {
		sva_fdtable_put(fdt);
		sva_mmput(mm);
		sva_process_free(p);
	}
	return ret;
}

int sva_process_start(struct sva_kernel *k, const char *name, sva_task_fn fn, void *arg,
		      struct sva_process **out)
{
	struct sva_process *p = sva_process_alloc(k, name, NULL);
	struct sva_fdtable *fdt;
	struct sva_mm *mm;
	int ret;

	if (!p)
		return -ENOMEM;
	ret = sva_mm_create(k->mm_sys, NULL, &mm);
	if (ret) {
		sva_process_free(p);
		return ret;
	}
	ret = sva_fdtable_create(k->w, &fdt);
	if (ret) {
		sva_mmput(mm);
		sva_process_free(p);
		return ret;
	}
	ret = sva_process_launch(p, mm, fdt, fn, arg);
	if (ret == 0 && out)
		*out = p;
	return ret;
}

static int sva_do_fork(struct sva_task *t, const char *name, sva_task_fn fn, void *arg)
{
	struct sva_process *child = sva_process_alloc(t->p->k, name ? name : t->p->name, t->p);
	struct sva_fdtable *fdt;
	struct sva_mm *mm;
	int ret, pid;

	if (!child)
		return -ENOMEM;
	ret = sva_mm_dup(t->mm, NULL, &mm);
	if (ret) {
		sva_process_free(child);
		return ret;
	}
	ret = sva_fdtable_dup(t->fdt, &fdt);
	if (ret) {
		sva_mmput(mm);
		sva_process_free(child);
		return ret;
	}
	pid = child->pid;
	ret = sva_process_launch(child, mm, fdt, fn, arg); /* frees @child on failure */
	if (ret)
		return ret;
	sva_trace(t->p->k->w, "process.fork", SVA_TF("parent", t->p->pid), SVA_TF("child", pid));
	return pid;
}

int sva_sys_fork(struct sva_task *t, const char *name, sva_task_fn fn, void *arg)
{
	int pid;

	sva_syscall_enter(t);
	pid = sva_do_fork(t, name, fn, arg);
	return (int)sva_syscall_return(t, pid);
}

static int sva_do_clone(struct sva_task *t, sva_task_fn fn, void *arg)
{
	struct sva_task *nt;
	int ret;

	sva_mmget(t->mm);
	sva_fdtable_get(t->fdt);
	ret = sva_task_create(t->p, t->mm, t->fdt, fn, arg, &nt);
	if (ret) {
		sva_fdtable_put(t->fdt);
		sva_mmput(t->mm);
		return ret;
	}
	return nt->tid;
}

int sva_sys_clone(struct sva_task *t, sva_task_fn fn, void *arg)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_clone(t, fn, arg));
}

/* Kill every task of @p but the one of tid @except (0: all, and the process counts as killed). */
static void sva_process_signal(struct sva_process *p, int except)
{
	struct sva_task *t;

	sva_mutex_lock(&p->k->lock);
	if (!except)
		p->killed = true;
	sva_list_for_each_entry(t, &p->tasks, node)
		if (t->tid != except)
			sva_actor_kill(t->actor);
	sva_mutex_unlock(&p->k->lock);
}

static int sva_do_exec(struct sva_task *t, const char *name)
{
	struct sva_process *p = t->p;
	struct sva_mm *old = t->mm, *mm;
	int ret;

	sva_process_signal(p, t->tid); /* de_thread: the other threads go */
	ret = sva_wait_event_killable(&p->wait,
				      __atomic_load_n(&p->nthreads, __ATOMIC_ACQUIRE) == 1);
	if (ret)
		return ret;
	ret = sva_mm_create(p->k->mm_sys, NULL, &mm);
	if (ret)
		return ret;
	sva_mutex_lock(&p->k->lock);
	t->mm = mm;
	p->mm = mm;
	if (name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	sva_mutex_unlock(&p->k->lock);
	sva_trace(p->k->w, "process.exec", SVA_TF("pid", p->pid), SVA_TF("mm", sva_mm_id(mm)));
	sva_mmput(old);
	return 0;
}

int sva_sys_exec(struct sva_task *t, const char *name)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_exec(t, name));
}

void sva_process_kill(struct sva_process *p)
{
	sva_trace(p->k->w, "process.kill", SVA_TF("pid", p->pid));
	sva_process_signal(p, 0);
}

static struct sva_process *sva_process_find(struct sva_kernel *k, int pid)
{
	struct sva_process *p;

	sva_list_for_each_entry(p, &k->processes, node)
		if (p->pid == pid)
			return p;
	return NULL;
}

static int sva_do_kill(struct sva_task *t, int pid)
{
	struct sva_kernel *k = t->p->k;
	struct sva_process *p;

	sva_mutex_lock(&k->lock);
	p = sva_process_find(k, pid);
	if (p && p->state == SVA_PROCESS_ZOMBIE)
		p = NULL;
	sva_mutex_unlock(&k->lock);
	if (!p)
		return -ESRCH;
	sva_process_kill(p);
	return 0;
}

int sva_sys_kill(struct sva_task *t, int pid)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_kill(t, pid));
}

/* ---- exit ---- */

static void sva_exit_mm(struct sva_task *t)
{
	struct sva_mm *mm = t->mm;

	sva_mutex_lock(&t->p->k->lock);
	t->mm = NULL;
	if (--t->p->mm_threads == 0)
		t->p->mm = NULL;
	sva_mutex_unlock(&t->p->k->lock);
	sva_mmput(mm);
}

static void sva_exit_files(struct sva_task *t)
{
	struct sva_fdtable *fdt = t->fdt;

	sva_mutex_lock(&t->p->k->lock);
	t->fdt = NULL;
	if (--t->p->fdt_threads == 0)
		t->p->fdt = NULL;
	sva_mutex_unlock(&t->p->k->lock);
	sva_fdtable_put(fdt);
}

/* The last thread is gone: become a zombie; children lose their parent. */
static void sva_process_zombify(struct sva_process *p, int code)
{
	struct sva_process *c, *tmp;
	bool reap = false;

	p->exit_code = p->killed ? SVA_EXIT_KILLED : code;
	__atomic_store_n(&p->state, SVA_PROCESS_ZOMBIE, __ATOMIC_RELEASE);
	sva_list_for_each_entry_safe(c, tmp, &p->children, sibling) {
		sva_list_del(&c->sibling);
		c->parent = NULL;
		c->autoreap = true;
		reap |= c->state == SVA_PROCESS_ZOMBIE && !c->claimed;
	}
	reap |= p->parent == NULL && p->autoreap;
	if (reap)
		sva_queue_work(p->k->reaper_wq, &p->k->reaper_work);
}

static void sva_do_exit(struct sva_task *t)
{
	struct sva_process *p = t->p;
	struct sva_kernel *k = p->k;

	sva_trace(k->w, "task.exit", SVA_TF("pid", p->pid), SVA_TF("tid", t->tid),
		  SVA_TF("code", (uint64_t)(int64_t)t->exit_code));
	sva_exit_mm(t);
	sva_exit_files(t);
	sva_task_work_exit(k->w);

	sva_mutex_lock(&k->lock);
	sva_list_del(&t->node);
	sva_list_add_tail(&t->node, &p->dead_tasks);
	if (__atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_RELEASE) == 0)
		sva_process_zombify(p, t->exit_code);
	/*
	 * Wake under the lock: a parent still linked is not a zombie yet, so it cannot be freed
	 * under us; and @p itself is freed only after its reaper joined this task's actor.
	 */
	sva_wake_up(&p->wait);
	if (p->parent)
		sva_wake_up(&p->parent->wait);
	sva_mutex_unlock(&k->lock);
}

void sva_sys_exit(struct sva_task *t, int code)
{
	t->exit_code = code;
	sva_task_exit_now(t);
}

/* ---- wait and reap ---- */

/* Join @p's ended tasks and free it (it is a zombie nobody else will reap). */
static void sva_process_reap(struct sva_process *p)
{
	struct sva_kernel *k = p->k;
	struct sva_task *t, *tmp;

	sva_list_for_each_entry_safe(t, tmp, &p->dead_tasks, node) {
		sva_actor_join(t->actor, NULL);
		sva_list_del(&t->node);
		sva_free(k->w, SVA_OBJ_TASK, t);
	}
	sva_process_free(p);
}

static void sva_reaper_work(struct sva_work *work)
{
	struct sva_kernel *k = sva_container_of(work, struct sva_kernel, reaper_work);

	for (;;) {
		struct sva_process *p, *found = NULL;

		sva_mutex_lock(&k->lock);
		sva_list_for_each_entry(p, &k->processes, node) {
			if (p->autoreap && p->state == SVA_PROCESS_ZOMBIE && !p->claimed) {
				p->claimed = true;
				found = p;
				break;
			}
		}
		sva_mutex_unlock(&k->lock);
		if (!found)
			return;
		sva_process_reap(found);
	}
}

static bool sva_process_is_zombie(struct sva_process *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == SVA_PROCESS_ZOMBIE;
}

int sva_process_wait(struct sva_process *p, int *status)
{
	bool mine;

	sva_mutex_lock(&p->k->lock);
	mine = !p->claimed && !p->parent && !p->autoreap;
	p->claimed |= mine;
	sva_mutex_unlock(&p->k->lock);
	if (!mine) {
		sva_report(p->k->w, SVA_REPORT_BAD_USAGE,
			   "process %d is not to be waited from outside", p->pid);
		return -ECHILD;
	}
	sva_wait_event(&p->wait, sva_process_is_zombie(p));
	if (!sva_process_is_zombie(p))
		return -EDEADLK;
	if (status)
		*status = p->exit_code;
	sva_process_reap(p);
	return 0;
}

/* Claim a child of @parent matching @pid (-1: any), preferring a zombie; NULL if none. */
static struct sva_process *sva_child_claim(struct sva_process *parent, int pid)
{
	struct sva_process *c, *match = NULL;

	sva_list_for_each_entry(c, &parent->children, sibling) {
		if ((pid != -1 && c->pid != pid) || c->claimed)
			continue;
		match = c;
		if (c->state == SVA_PROCESS_ZOMBIE)
			break;
	}
	if (match)
		match->claimed = true;
	return match;
}

static int sva_do_wait(struct sva_task *t, int pid, int *status)
{
	struct sva_process *parent = t->p, *c;
	int ret;

	sva_mutex_lock(&parent->k->lock);
	c = sva_child_claim(parent, pid);
	sva_mutex_unlock(&parent->k->lock);
	if (!c)
		return -ECHILD;
	ret = sva_wait_event_killable(&parent->wait, sva_process_is_zombie(c));
	if (ret) {
		sva_mutex_lock(&parent->k->lock);
		c->claimed = false;
		sva_mutex_unlock(&parent->k->lock);
		return ret;
	}
	if (status)
		*status = c->exit_code;
	ret = c->pid;
	sva_process_reap(c);
	return ret;
}

int sva_sys_wait(struct sva_task *t, int pid, int *status)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_wait(t, pid, status));
}

/* ---- accessors ---- */

int sva_process_pid(const struct sva_process *p)
{
	return p->pid;
}

struct sva_mm *sva_process_mm(struct sva_process *p)
{
	struct sva_mm *mm;

	sva_mutex_lock(&p->k->lock);
	mm = p->mm;
	sva_mutex_unlock(&p->k->lock);
	return mm;
}

bool sva_process_exited(struct sva_process *p)
{
	return sva_process_is_zombie(p);
}

struct sva_task *sva_task_current(struct sva_kernel *k)
{
	struct sva_actor *a = sva_current(k->w);

	if (!a || !(sva_actor_flags(a) & SVA_ACTOR_USER))
		return NULL;
	return sva_actor_owner(a);
}

struct sva_process *sva_task_process(struct sva_task *t)
{
	return t->p;
}

struct sva_mm *sva_task_mm(struct sva_task *t)
{
	return t->mm;
}

struct sva_kernel *sva_task_kernel(struct sva_task *t)
{
	return t->p->k;
}

int sva_task_tid(const struct sva_task *t)
{
	return t->tid;
}

void *sva_task_private(struct sva_task *t, unsigned slot)
{
	return slot < SVA_TASK_PRIVATE_SLOTS ? t->priv[slot] : NULL;
}

void sva_task_set_private(struct sva_task *t, unsigned slot, void *data)
{
	if (slot < SVA_TASK_PRIVATE_SLOTS)
		t->priv[slot] = data;
}

/* SPDX-License-Identifier: MIT */
/*
 * The life of processes and tasks: start, fork, clone, exec, kill, and the accessors. A task
 * is a user actor running a C function; it ends by returning from it or, when killed or calling
 * sva_sys_exit(), by a longjmp to its base frame from a system-call boundary, where it holds no
 * kernel lock (exit.c then runs do_exit). Locking: see internal.h.
 *
 * Thread state (the IA32_PASID register): a new task's is a copy of its creator's, as
 * copy_thread copies the fpstate; fpu_clone then clears the PASID state in it, for a thread
 * (clone) and a child (fork) alike, so each takes its own #GP fix-up at its first ENQCMD; exec
 * clears it (the fpstate is reset with the old mm). A task started from outside starts clear.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(process);
SVA_OBJ_CLASS(task);

/* ---- tasks ---- */

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

/* copy_thread: @t's register state is @from's; fpu_clone clears the PASID state in the copy. */
static void sva_task_copy_thread(struct sva_task *t, const struct sva_task *from)
{
	t->thread = from->thread;
	t->thread.pasid_msr = 0; /* "x86/fpu: Clear PASID when copying fpstate" */
}

/*
 * A task of @p on @mm and @fdt (their references are the caller's, handed over), created by
 * task @from (NULL: from outside).
 */
static int sva_task_create(struct sva_process *p, struct sva_mm *mm, struct sva_fdtable *fdt,
			   const struct sva_task *from, sva_task_fn fn, void *arg,
			   struct sva_task **out)
{
	struct sva_kernel *k = p->k;
	struct sva_task *t = sva_alloc(k->w, &sva_obj_task, sizeof(*t));
	char name[48];
	int ret;

	if (!t)
		return -ENOMEM;
	t->p = p;
	t->mm = mm;
	t->fdt = fdt;
	t->fn = fn;
	t->arg = arg;
	if (from)
		sva_task_copy_thread(t, from);
	sva_mutex_lock(&k->lock);
	/* threads share the pid space, as in Linux: the first task's tid is the pid */
	t->tid = sva_glist_empty(&p->tasks) && !p->nthreads ? p->pid : ++k->next_pid;
	sva_glist_add_tail(&t->node, &p->tasks);
	__atomic_add_fetch(&p->nthreads, 1, __ATOMIC_RELEASE);
	sva_proc_locked(p, mm_threads)++;
	sva_proc_locked(p, fdt_threads)++;
	sva_mutex_unlock(&k->lock);
	snprintf(name, sizeof(name), "%s/%d", p->name, t->tid);
	ret = sva_actor_spawn(k->w, name, sva_task_main, t, SVA_ACTOR_USER, &t->actor);
	if (ret) {
		sva_mutex_lock(&k->lock);
		sva_glist_del(&t->node, &p->tasks);
		__atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_RELEASE);
		sva_proc_locked(p, mm_threads)--;
		sva_proc_locked(p, fdt_threads)--;
		sva_mutex_unlock(&k->lock);
		sva_free(k->w, &sva_obj_task, t);
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
	struct sva_process *p = sva_alloc(k->w, &sva_obj_process, sizeof(*p));

	if (!p)
		return NULL;
	p->k = k;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "process");
	sva_glist_init(&p->children, &k->lock);
	sva_list_init(&p->sibling);
	sva_glist_init(&p->tasks, &k->lock);
	sva_glist_init(&p->dead_tasks, &k->lock);
	sva_waitq_init(k->w, &p->wait, "process_wait");
	sva_mutex_lock(&k->lock);
	p->pid = ++k->next_pid;
	sva_proc_locked(p, parent) = parent;
	if (parent)
		sva_glist_add_tail(&p->sibling, &parent->children);
	sva_glist_add_tail(&p->node, &k->processes);
	sva_mutex_unlock(&k->lock);
	return p;
}

void sva_process_free(struct sva_process *p)
{
	struct sva_kernel *k = p->k;

	sva_mutex_lock(&k->lock);
	sva_glist_del(&p->node, &k->processes);
	sva_list_del(&p->sibling); /* its parent's children, if linked: k->lock too */
	sva_mutex_unlock(&k->lock);
	sva_waitq_destroy(&p->wait);
	sva_trace(k->w, PROCESS_REAP, (uint64_t)p->pid);
	sva_free(k->w, &sva_obj_process, p);
}

/* Start @p's first task on @mm and @fdt, forked by @from; on failure everything is undone. */
static int sva_process_launch(struct sva_process *p, struct sva_mm *mm, struct sva_fdtable *fdt,
			      const struct sva_task *from, sva_task_fn fn, void *arg)
{
	int ret;

	sva_mutex_lock(&p->k->lock); /* p is on the process list already */
	sva_proc_locked(p, mm) = mm;
	sva_proc_locked(p, fdt) = fdt;
	sva_mutex_unlock(&p->k->lock);
	sva_trace(p->k->w, PROCESS_START, (uint64_t)p->pid, p->name, sva_mm_id(mm));
	ret = sva_task_create(p, mm, fdt, from, fn, arg, NULL);
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
	ret = sva_process_launch(p, mm, fdt, NULL, fn, arg);
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
	ret = sva_process_launch(child, mm, fdt, t, fn, arg); /* frees @child on failure */
	if (ret)
		return ret;
	sva_trace(t->p->k->w, PROCESS_FORK, t->p->pid, pid);
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
	ret = sva_task_create(t->p, t->mm, t->fdt, t, fn, arg, &nt);
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

/*
 * Kill every task of @p but the one of tid @except (0: all, and the process counts as killed).
 * k->lock held.
 */
static void sva_process_signal_locked(struct sva_process *p, int except)
{
	struct sva_task *t;

	sva_lockdep_assert_held(&p->k->lock);

	if (!except)
		p->killed = true;
	sva_glist_for_each_entry(t, &p->tasks, node)
		if (t->tid != except)
			sva_actor_kill(t->actor);
}

static void sva_process_signal(struct sva_process *p, int except)
{
	sva_mutex_lock(&p->k->lock);
	sva_process_signal_locked(p, except);
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
	sva_proc_locked(p, mm) = mm;
	t->thread.pasid_msr = 0; /* flush_thread: the fpstate, PASID included, starts over */
	if (name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	sva_mutex_unlock(&p->k->lock);
	sva_trace(p->k->w, PROCESS_EXEC, p->pid, sva_mm_id(mm));
	sva_mmput(old);
	sva_fdtable_close_on_exec(t->fdt); /* after exec_mmap, as begin_new_exec does */
	return 0;
}

int sva_sys_exec(struct sva_task *t, const char *name)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_exec(t, name));
}

void sva_process_kill(struct sva_process *p)
{
	sva_trace(p->k->w, PROCESS_KILL, p->pid);
	sva_process_signal(p, 0);
}

/*
 * kill(pid, SIGKILL): -ESRCH when no such process exists (never was, or reaped); 0 for a
 * zombie, as Linux answers for an exited child not yet reaped - the signal changes nothing, its
 * exit status stays. Found and signalled under k->lock: a reaper cannot free it in between.
 */

static struct sva_process *sva_process_find(struct sva_kernel *k, int pid)
{
	struct sva_process *p;

	sva_glist_for_each_entry(p, &k->processes, node)
		if (p->pid == pid)
			return p;
	return NULL;
}

static int sva_do_kill(struct sva_task *t, int pid)
{
	struct sva_kernel *k = t->p->k;
	struct sva_process *p;
	int ret = 0;

	sva_mutex_lock(&k->lock);
	p = sva_process_find(k, pid);
	if (!p) {
		ret = -ESRCH;
	} else if (p->state != SVA_PROCESS_ZOMBIE) {
		sva_trace(k->w, PROCESS_KILL, p->pid);
		sva_process_signal_locked(p, 0);
	}
	sva_mutex_unlock(&k->lock);
	return ret;
}

int sva_sys_kill(struct sva_task *t, int pid)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_kill(t, pid));
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
	mm = sva_proc_locked(p, mm);
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

uint32_t sva_task_pasid_msr(const struct sva_task *t)
{
	return t->thread.pasid_msr;
}

void sva_task_set_pasid_msr(struct sva_task *t, uint32_t msr)
{
	t->thread.pasid_msr = msr;
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

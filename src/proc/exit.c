/* SPDX-License-Identifier: MIT */
/*
 * Exit, wait and reap.
 *
 * do_exit follows the kernel's order, which is what the SVA lifetime rules rest on:
 *   exit_mm        - the task lets go of its mm (mmput); the last user runs exit_mmap, whose
 *                    notifier release blocks the PASID, and whose unmap puts mapped files;
 *   exit_files     - the fd table is put; the last reference closes every fd (fput);
 *   exit_task_work - the deferred final fputs run here: a driver's release (unbind) happens
 *                    after exit_mm, never before.
 * The last task makes the process a zombie; its reaper (the parent, the outside, or the reaper
 * work for orphans) joins the tasks' actors and frees it. Locking: see internal.h.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SVA_SIGKILL	9
#define SVA_EXIT_KILLED (128 + SVA_SIGKILL)

/* ---- exit ---- */

static void sva_exit_mm(struct sva_task *t)
{
	struct sva_mm *mm = t->mm;
	bool last;

	sva_mutex_lock(&t->p->k->lock);
	t->mm = NULL;
	last = --sva_proc_locked(t->p, mm_threads) == 0;
	if (last)
		sva_proc_locked(t->p, mm) = NULL;
	sva_mutex_unlock(&t->p->k->lock);
	if (last)
		sva_mm_run_hooks(mm, SVA_MM_HOOK_EXIT);
	sva_mmput(mm);
}

static void sva_exit_files(struct sva_task *t)
{
	struct sva_fdtable *fdt = t->fdt;

	sva_mutex_lock(&t->p->k->lock);
	t->fdt = NULL;
	if (--sva_proc_locked(t->p, fdt_threads) == 0)
		sva_proc_locked(t->p, fdt) = NULL;
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
	sva_glist_for_each_entry_safe(c, tmp, &p->children, sibling) {
		sva_glist_del(&c->sibling, &p->children);
		sva_proc_locked(c, parent) = NULL;
		sva_proc_locked(c, autoreap) = true;
		reap |= c->state == SVA_PROCESS_ZOMBIE && !sva_proc_locked(c, claimed);
	}
	reap |= sva_proc_locked(p, parent) == NULL && sva_proc_locked(p, autoreap);
	if (reap)
		sva_queue_work(p->k->reaper_wq, &p->k->reaper_work);
}

void sva_do_exit(struct sva_task *t)
{
	struct sva_process *p = t->p;
	struct sva_kernel *k = p->k;

	/* A task dies of a pending SIGKILL however it got here (boundary, return, exit). */
	if (sva_fatal_signal_pending(k->w))
		sva_trace(k->w, TASK_EXIT_KILLED, p->pid, t->tid, SVA_SIGKILL);
	else
		sva_trace(k->w, TASK_EXIT, p->pid, t->tid, (uint64_t)(int64_t)t->exit_code);
	sva_exit_mm(t);
	sva_exit_files(t);
	sva_task_work_exit(k->w);

	sva_mutex_lock(&k->lock);
	sva_glist_del(&t->node, &p->tasks);
	sva_glist_add_tail(&t->node, &p->dead_tasks);
	if (__atomic_sub_fetch(&p->nthreads, 1, __ATOMIC_RELEASE) == 0)
		sva_process_zombify(p, t->exit_code);
	/*
	 * Wake under the lock: a parent still linked is not a zombie yet, so it cannot be freed
	 * under us; and @p itself is freed only after its reaper joined this task's actor.
	 */
	sva_wake_up(&p->wait);
	if (sva_proc_locked(p, parent))
		sva_wake_up(&sva_proc_locked(p, parent)->wait);
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

	/* a zombie its reaper claimed: no one else reaches its tasks */
	sva_list_for_each_entry_safe(t, tmp, sva_glist_unguarded(&p->dead_tasks), node) {
		sva_actor_join(t->actor, NULL);
		sva_list_del(&t->node);
		sva_free(k->w, &sva_obj_task, t);
	}
	sva_process_free(p);
}

void sva_reaper_work(struct sva_work *work)
{
	struct sva_kernel *k = sva_container_of(work, struct sva_kernel, reaper_work);

	for (;;) {
		struct sva_process *p, *found = NULL;

		sva_mutex_lock(&k->lock);
		sva_glist_for_each_entry(p, &k->processes, node) {
			if (sva_proc_locked(p, autoreap) && p->state == SVA_PROCESS_ZOMBIE &&
			    !sva_proc_locked(p, claimed)) {
				sva_proc_locked(p, claimed) = true;
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

bool sva_process_is_zombie(struct sva_process *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == SVA_PROCESS_ZOMBIE;
}

int sva_process_wait(struct sva_process *p, int *status)
{
	bool mine;

	sva_mutex_lock(&p->k->lock);
	mine = !sva_proc_locked(p, claimed) && !sva_proc_locked(p, parent) &&
	       !sva_proc_locked(p, autoreap);
	sva_proc_locked(p, claimed) |= mine;
	sva_mutex_unlock(&p->k->lock);
	if (!mine) {
		sva_report(p->k->w, SVA_REPORT_BAD_USAGE,
			   "process %d is not to be waited from outside", p->pid);
		return -ECHILD;
	}
	/*
	 * From outside a sim world, a sleep that cannot end - the world stopped (its step budget
	 * spent, a violation) or every actor blocked - returns an error: the wait ends there
	 * instead of asking again for ever.
	 */
	sva_waitq_prepare_(&p->wait, SVA_HERE, false);
	while (!sva_process_is_zombie(p))
		if (sva_waitq_sleep_(&p->wait, SVA_HERE, false))
			break;
	sva_waitq_finish_(&p->wait, false);
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

	sva_glist_for_each_entry(c, &parent->children, sibling) {
		if ((pid != -1 && c->pid != pid) || sva_proc_locked(c, claimed))
			continue;
		match = c;
		if (c->state == SVA_PROCESS_ZOMBIE)
			break;
	}
	if (match)
		sva_proc_locked(match, claimed) = true;
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
		sva_proc_locked(c, claimed) = false;
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

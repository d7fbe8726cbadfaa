/* SPDX-License-Identifier: MIT */
/*
 * The system-call boundary and the memory system calls.
 *
 * Entry and return are where a pending SIGKILL takes effect: no kernel lock is held there, so
 * the task jumps straight to its exit path. On return to user space the task also runs its
 * task_work (the deferred final fputs). A system call made by anyone but the task itself is
 * refused with a report: a task's state is its own.
 */
#include <errno.h>

#include "internal.h"

static bool sva_task_is_current(struct sva_task *t)
{
	if (sva_current(t->p->k->w) == t->actor)
		return true;
	sva_report(t->p->k->w, SVA_REPORT_BAD_USAGE, "system call for task %d of %s made by %s",
		   t->tid, t->p->name,
		   sva_current(t->p->k->w) ? sva_actor_name(sva_current(t->p->k->w)) : "outside");
	return false;
}

void sva_syscall_enter(struct sva_task *t)
{
	if (!sva_task_is_current(t))
		return;
	if (sva_fatal_signal_pending(t->p->k->w))
		sva_task_exit_now(t);
}

long sva_syscall_return(struct sva_task *t, long ret)
{
	struct sva_world *w = t->p->k->w;

	if (sva_current(w) != t->actor)
		return ret;
	sva_task_work_run(w);
	if (sva_fatal_signal_pending(w))
		sva_task_exit_now(t);
	return ret;
}

int sva_sys_getpid(struct sva_task *t)
{
	return t->p->pid;
}

static int sva_do_mmap(struct sva_task *t, uint64_t addr, uint64_t len, unsigned prot,
		       unsigned flags, int fd, uint64_t off, uint64_t *out)
{
	struct sva_file *file = NULL;
	int ret;

	if (!t->mm)
		return -EFAULT;
	if (fd >= 0) {
		file = sva_fget(t->fdt, fd);
		if (!file)
			return -EBADF;
	}
	ret = sva_mm_mmap(t->mm, addr, len, prot, flags, file, off >> SVA_PAGE_SHIFT, out);
	if (file)
		sva_fput(file);
	return ret;
}

int sva_sys_mmap(struct sva_task *t, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		 int fd, uint64_t off, uint64_t *out)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_mmap(t, addr, len, prot, flags, fd, off, out));
}

int sva_sys_munmap(struct sva_task *t, uint64_t addr, uint64_t len)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_mm_munmap(t->mm, addr, len));
}

int sva_sys_mprotect(struct sva_task *t, uint64_t addr, uint64_t len, unsigned prot)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_mm_mprotect(t->mm, addr, len, prot));
}

int sva_sys_read_mem(struct sva_task *t, uint64_t addr, void *buf, size_t len)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_mm_access(t->mm, addr, buf, len, false));
}

int sva_sys_write_mem(struct sva_task *t, uint64_t addr, const void *buf, size_t len)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_mm_access(t->mm, addr, (void *)buf, len, true));
}

static int sva_do_touch(struct sva_task *t, uint64_t addr, uint64_t len, bool write)
{
	unsigned flags = SVA_FAULT_FLAG_USER | (write ? SVA_FAULT_FLAG_WRITE : 0);
	uint64_t end = addr + len;
	int ret = 0;

	for (uint64_t a = addr & SVA_PAGE_MASK; a < end && ret == 0; a += SVA_PAGE_SIZE)
		ret = sva_mm_fault(t->mm, a, flags);
	return ret;
}

int sva_sys_touch(struct sva_task *t, uint64_t addr, uint64_t len, bool write)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_touch(t, addr, len, write));
}

/* SPDX-License-Identifier: MIT */
/*
 * The insides of the process layer, shared by the files of src/proc.
 *
 * Locking: k->lock (a mutex) protects the process list, the character devices, every
 * process's task list, children, state, exit code and its mm / fdt pointers. A task's own
 * t->mm and t->fdt are changed only by the task itself. An fd table's slots are under its
 * spinlock; a file taken from a slot gets a reference (fget) before the lock is dropped.
 *
 * References: a task holds a user of its mm and a reference on its fd table; a process is
 * freed when it is reaped (by its parent, from outside, or by the reaper work for orphans),
 * which joins its tasks' actors.
 */
#ifndef SVA_PROC_INTERNAL_H
#define SVA_PROC_INTERNAL_H

#include <setjmp.h>

#include "../base/list.h"
#include "../sync/glist.h"
#include "sva/proc.h"

#define SVA_NR_OPEN 256

struct sva_chrdev {
	char name[32];
	const struct sva_file_operations *fops;
	void *priv;
	struct sva_list_head node;
	/*
	 * Opens between the lookup and the driver's open returning (incremented under k->lock,
	 * decremented with __atomic): unregister frees the device, and its driver @priv, only
	 * once none is in flight - the kernel's cdev reference an open holds.
	 */
	unsigned opening;
};

struct sva_kernel {
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_fs *fs;
	struct sva_mutex lock;
	struct sva_glist processes;   /* under lock */
	struct sva_glist chrdevs;     /* under lock */
	struct sva_waitq chrdev_idle; /* an unregister waits here for the opens in flight */
	unsigned chrdev_waiting;      /* unregisters waiting (__atomic, seq_cst with opening) */
	int next_pid;
	struct sva_workqueue *reaper_wq;
	struct sva_work reaper_work;
};

struct sva_fd_slot {
	struct sva_file *file;
	bool cloexec; /* close-on-exec (SVA_O_CLOEXEC), copied by fork */
};

struct sva_fdtable {
	struct sva_world *w;
	struct sva_refcount users;
	struct sva_spinlock lock;
	SVA_GUARDED_BY(struct sva_fd_slot) slots[SVA_NR_OPEN]; /* under lock */
};

enum sva_process_state {
	SVA_PROCESS_RUNNING,
	SVA_PROCESS_ZOMBIE,
};

struct sva_process {
	struct sva_kernel *k;
	int pid;
	char name[32];
	SVA_GUARDED_BY(struct sva_process *) parent; /* under k->lock */
	struct sva_glist children;		     /* under k->lock */
	struct sva_list_head sibling;
	struct sva_list_head node;   /* k->processes */
	struct sva_glist tasks;	     /* under k->lock */
	struct sva_glist dead_tasks; /* exited, actors to join at reap; under k->lock */
	unsigned nthreads;	     /* live tasks; written with __atomic under the lock */
	/* tasks still holding the mm / the fd table */
	SVA_GUARDED_BY(unsigned) mm_threads, fdt_threads; /* under k->lock */
	enum sva_process_state state;			  /* written with __atomic under the lock */
	bool killed;
	SVA_GUARDED_BY(bool) autoreap; /* nobody will wait: the reaper frees it; k->lock */
	SVA_GUARDED_BY(bool) claimed;  /* a waiter (parent, outside, reaper) took it; k->lock */
	int exit_code;
	SVA_GUARDED_BY(struct sva_mm *) mm;	  /* under k->lock */
	SVA_GUARDED_BY(struct sva_fdtable *) fdt; /* under k->lock */
	struct sva_waitq wait;			  /* state changes, thread exits */
};

/*
 * A thread's register state, which fork, clone and exec copy or clear as the kernel does: of
 * the x86 XSAVE state (reference §8), the IA32_PASID register, its raw value.
 */
struct sva_thread_state {
	uint32_t pasid_msr;
};

/* A field of @p under k->lock (SVA_GUARDED_BY), the lock asserted. */
#define sva_proc_locked(p, field) sva_guarded(&(p)->k->lock, (p)->field)

struct sva_task {
	struct sva_process *p;
	struct sva_actor *actor;
	int tid;
	struct sva_mm *mm;
	struct sva_fdtable *fdt;
	sva_task_fn fn;
	void *arg;
	int exit_code;
	jmp_buf exit_jmp;
	void *priv[SVA_TASK_PRIVATE_SLOTS];
	struct sva_thread_state thread;
	struct sva_list_head node;
};

/* files.c */
int sva_fdtable_create(struct sva_world *w, struct sva_fdtable **out);
int sva_fdtable_dup(struct sva_fdtable *old, struct sva_fdtable **out);
void sva_fdtable_get(struct sva_fdtable *fdt);
/* Drop a reference; the last one closes every fd (exit_files). */
void sva_fdtable_put(struct sva_fdtable *fdt);
int sva_fd_install(struct sva_fdtable *fdt, struct sva_file *file);
/* exec: close every fd opened with SVA_O_CLOEXEC. */
void sva_fdtable_close_on_exec(struct sva_fdtable *fdt);
/* The file of @fd with a reference, or NULL. */
struct sva_file *sva_fget(struct sva_fdtable *fdt, int fd);

/* syscall.c: the system-call boundary, where a pending SIGKILL ends the task */
void sva_syscall_enter(struct sva_task *t);
long sva_syscall_return(struct sva_task *t, long ret);

/* process.c */
__attribute__((noreturn)) void sva_task_exit_now(struct sva_task *t);
void sva_process_free(struct sva_process *p);

/* exit.c */
void sva_do_exit(struct sva_task *t);
bool sva_process_is_zombie(struct sva_process *p);
void sva_reaper_work(struct sva_work *work);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * libsva processes: the simulated kernel's tasks, their address spaces and file tables, and
 * the system calls a process makes.
 *
 * A kernel (struct sva_kernel) owns the mm subsystem (frames, swap), the files, the character
 * devices drivers register, and the processes. A process has threads (tasks, each an actor
 * flagged SVA_ACTOR_USER), one mm shared by its threads (each holds a user of it), one fd table
 * shared by its threads, a pid, a parent. A task runs a C function; inside it, sva_sys_*() are
 * its system calls.
 *
 * Signals: sva_sys_kill() delivers SIGKILL to every thread of a process. A thread sees it at
 * the next system-call boundary (entry or return to user space) and exits there; a thread
 * blocked in a killable wait inside a driver is woken with -EINTR first. Exit follows the
 * kernel's order: exit_mm (mmput) before exit_files (every fd closed) before exit_task_work
 * (the deferred final fputs, where drivers' release runs).
 */
#ifndef SVA_PROC_H
#define SVA_PROC_H

#include "sva/api.h"
#include "sva/fs.h"
#include "sva/mm.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): fd tables, processes, tasks.
 */
extern const struct sva_obj_class sva_obj_fdtable;
extern const struct sva_obj_class sva_obj_process;
extern const struct sva_obj_class sva_obj_task;

struct sva_kernel;
struct sva_process;
struct sva_task;

struct sva_kernel_config {
	size_t frames; /* physical memory, in 4 KiB frames; 0 = 16384 */
};

int sva_kernel_create(struct sva_world *w, const struct sva_kernel_config *cfg,
		      struct sva_kernel **out);
/* Flushes deferred work, then frees. Processes still alive are reported (BAD_USAGE). */
void sva_kernel_destroy(struct sva_kernel *k);
struct sva_world *sva_kernel_world(struct sva_kernel *k);
struct sva_mm_sys *sva_kernel_mm_sys(struct sva_kernel *k);
struct sva_fs *sva_kernel_fs(struct sva_kernel *k);
/* Run deferred work (delayed fputs, notifier frees) until none is pending. */
void sva_kernel_quiesce(struct sva_kernel *k);

/* ---- character devices ------------------------------------------------------------------- */

/* Make @name openable; @fops->open sees @priv as file->private_data. 0, -EEXIST, -ENOMEM. */
int sva_chrdev_register(struct sva_kernel *k, const char *name,
			const struct sva_file_operations *fops, void *priv);
/* Remove @name; files already open stay open. 0 or -ENOENT. */
int sva_chrdev_unregister(struct sva_kernel *k, const char *name);

/* ---- processes, from outside ---------------------------------------------------------------- */

typedef int (*sva_task_fn)(struct sva_task *t, void *arg);

/* A new process (fresh mm, empty fd table, no parent) whose first thread runs fn(t, arg). */
int sva_process_start(struct sva_kernel *k, const char *name, sva_task_fn fn, void *arg,
		      struct sva_process **out);
/* Wait until @p has exited, store its exit status, free it. -EDEADLK if it cannot exit. */
int sva_process_wait(struct sva_process *p, int *status);
/* SIGKILL from outside. */
void sva_process_kill(struct sva_process *p);
int sva_process_pid(const struct sva_process *p);
/* The process's mm while it has one (NULL after exit_mm of its last thread). No reference. */
struct sva_mm *sva_process_mm(struct sva_process *p);
bool sva_process_exited(struct sva_process *p);
/* Processes alive or waiting to be reaped. */
unsigned sva_kernel_processes(struct sva_kernel *k);

/* ---- inside a task: its identity ----------------------------------------------------------- */

/* The calling task, or NULL when the caller is not a process's thread. */
struct sva_task *sva_task_current(struct sva_kernel *k);
struct sva_process *sva_task_process(struct sva_task *t);
struct sva_mm *sva_task_mm(struct sva_task *t);
struct sva_kernel *sva_task_kernel(struct sva_task *t);
int sva_task_tid(const struct sva_task *t);
/*
 * The thread's IA32_PASID register (x86 XSAVE supervisor state, reference §8): the raw value,
 * PASID in bits 19:0 and valid in bit 31, whatever mm it was loaded for. Copied with the thread
 * state at fork and clone and cleared in the copy (fpu_clone), cleared at exec. Written by the
 * ENQCMD #GP fix-up (sva/accel.h); read by the CPU's ENQCMD. Only the task itself touches it.
 */
uint32_t sva_task_pasid_msr(const struct sva_task *t);
void sva_task_set_pasid_msr(struct sva_task *t, uint32_t msr);
/* Per-task state other layers keep. */
void *sva_task_private(struct sva_task *t, unsigned slot);
void sva_task_set_private(struct sva_task *t, unsigned slot, void *data);
#define SVA_TASK_PRIVATE_SLOTS 4

/* ---- system calls (from the calling task; negative errno on error) ----------------------------
 */

int sva_sys_getpid(struct sva_task *t);
/* Open character device @name: 0..n (the lowest free fd) or -ENODEV, -EMFILE, the open's error. */
int sva_sys_open(struct sva_task *t, const char *name);
#define SVA_O_CLOEXEC 1u /* exec closes the fd */
/* open with flags (SVA_O_CLOEXEC); -EINVAL for any other flag. */
int sva_sys_open_flags(struct sva_task *t, const char *name, unsigned flags);
int sva_sys_close(struct sva_task *t, int fd);
/* The file behind @fd of @t's table with a reference of the caller's (sva_fput()), or NULL. */
struct sva_file *sva_task_fget(struct sva_task *t, int fd);
int sva_sys_dup(struct sva_task *t, int fd);
long sva_sys_ioctl(struct sva_task *t, int fd, unsigned cmd, unsigned long arg);
long sva_sys_read(struct sva_task *t, int fd, void *buf, size_t len);
long sva_sys_write(struct sva_task *t, int fd, const void *buf, size_t len);
/* mmap: @fd < 0 for anonymous memory. */
int sva_sys_mmap(struct sva_task *t, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		 int fd, uint64_t off, uint64_t *out);
int sva_sys_munmap(struct sva_task *t, uint64_t addr, uint64_t len);
int sva_sys_mprotect(struct sva_task *t, uint64_t addr, uint64_t len, unsigned prot);
/* The CPU reads or writes its own memory, faulting as it goes. */
int sva_sys_read_mem(struct sva_task *t, uint64_t addr, void *buf, size_t len);
int sva_sys_write_mem(struct sva_task *t, uint64_t addr, const void *buf, size_t len);
/* Touch every page of [addr, addr + len) (a write when @write). */
int sva_sys_touch(struct sva_task *t, uint64_t addr, uint64_t len, bool write);
/* A child process (copy-on-write mm, copied fd table) whose thread runs fn; its pid. */
int sva_sys_fork(struct sva_task *t, const char *name, sva_task_fn fn, void *arg);
/* Another thread of this process (shares mm and fds); its tid. */
int sva_sys_clone(struct sva_task *t, sva_task_fn fn, void *arg);
/* A fresh, empty address space for this process (other threads are killed first); the fds
 * opened with SVA_O_CLOEXEC are closed. */
int sva_sys_exec(struct sva_task *t, const char *name);
/* SIGKILL to process @pid: 0 (also for an exited child not yet reaped, which it leaves as it is)
 * or -ESRCH if there is none. */
int sva_sys_kill(struct sva_task *t, int pid);
/* Reap child @pid (-1: any child), waiting for it. Its pid, or -ECHILD. */
int sva_sys_wait(struct sva_task *t, int pid, int *status);
/* Give a copy of @fd to process @pid (SCM_RIGHTS-like): the fd number there. */
int sva_sys_send_fd(struct sva_task *t, int fd, int pid);
/* End the calling thread (the whole process when it is the last). Does not return. */
__attribute__((noreturn)) void sva_sys_exit(struct sva_task *t, int code);

SVA_END_DECLS

#endif /* SVA_PROC_H */

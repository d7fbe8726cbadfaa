/* SPDX-License-Identifier: MIT */
/*
 * File descriptor tables and the file system calls: open of a character device, close, dup,
 * ioctl, read, write, and passing an fd to another process. An fd opened with SVA_O_CLOEXEC
 * is closed by exec (dup and send_fd give fds without it; fork copies it).
 *
 * A table is shared by the threads of a process (a reference each) and copied at fork. Its
 * slots are under its spinlock; a file leaves a slot with a reference (fget), which the caller
 * drops with sva_fput() once done, so a close racing an ioctl never frees the file under it.
 *
 * Character devices are listed under k->lock. An open counts itself in the device's @opening
 * from the lookup (under k->lock) until the driver's open returns; unregister takes the device
 * off the list, then waits on k->chrdev_idle until no open is in flight before it frees it, so
 * a driver may free its private data once unregister returns (the kernel's cdev reference).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

SVA_OBJ_CLASS(fdtable);

/* Slot @fd of @fdt, its lock asserted. */
static struct sva_fd_slot *sva_fd_slot(struct sva_fdtable *fdt, int fd)
{
	return &sva_guarded(&fdt->lock, fdt->slots[fd]);
}

int sva_fdtable_create(struct sva_world *w, struct sva_fdtable **out)
{
	struct sva_fdtable *fdt = sva_alloc(w, &sva_obj_fdtable, sizeof(*fdt));

	if (!fdt)
		return -ENOMEM;
	fdt->w = w;
	sva_refcount_init(w, &fdt->users, "fdtable", 1);
	sva_spin_lock_init(w, &fdt->lock, "fdtable");
	*out = fdt;
	return 0;
}

int sva_fdtable_dup(struct sva_fdtable *old, struct sva_fdtable **out)
{
	struct sva_fdtable *fdt;
	int ret = sva_fdtable_create(old->w, &fdt);

	if (ret)
		return ret;
	sva_spin_lock(&old->lock);
	for (int fd = 0; fd < SVA_NR_OPEN; fd++) {
		struct sva_fd_slot *from = sva_fd_slot(old, fd),
				   *to = &sva_unguarded(fdt->slots[fd]);

		to->file = from->file ? sva_get_file(from->file) : NULL;
		to->cloexec = from->cloexec;
	}
	sva_spin_unlock(&old->lock);
	*out = fdt;
	return 0;
}

void sva_fdtable_get(struct sva_fdtable *fdt)
{
	sva_refcount_inc(&fdt->users);
}

void sva_fdtable_put(struct sva_fdtable *fdt)
{
	if (!sva_refcount_dec_and_test(&fdt->users))
		return;
	for (int fd = 0; fd < SVA_NR_OPEN; fd++) /* the last user: nobody else looks */
		if (sva_unguarded(fdt->slots[fd]).file)
			sva_fput(sva_unguarded(fdt->slots[fd]).file);
	sva_spin_lock_destroy(&fdt->lock);
	sva_free(fdt->w, &sva_obj_fdtable, fdt);
}

static int sva_fd_install_flags(struct sva_fdtable *fdt, struct sva_file *file, bool cloexec)
{
	int ret = -EMFILE;

	sva_spin_lock(&fdt->lock);
	for (int fd = 0; fd < SVA_NR_OPEN; fd++) {
		struct sva_fd_slot *slot = sva_fd_slot(fdt, fd);

		if (!slot->file) {
			*slot = (struct sva_fd_slot){ .file = file, .cloexec = cloexec };
			ret = fd;
			break;
		}
	}
	sva_spin_unlock(&fdt->lock);
	return ret;
}

int sva_fd_install(struct sva_fdtable *fdt, struct sva_file *file)
{
	return sva_fd_install_flags(fdt, file, false);
}

void sva_fdtable_close_on_exec(struct sva_fdtable *fdt)
{
	struct sva_file *closed[SVA_NR_OPEN];
	int n = 0;

	sva_spin_lock(&fdt->lock);
	for (int fd = 0; fd < SVA_NR_OPEN; fd++) {
		struct sva_fd_slot *slot = sva_fd_slot(fdt, fd);

		if (slot->file && slot->cloexec) {
			closed[n++] = slot->file;
			slot->file = NULL;
		}
		slot->cloexec = false;
	}
	sva_spin_unlock(&fdt->lock);
	for (int i = 0; i < n; i++) /* in fd order, as the kernel; not under the spinlock */
		sva_fput(closed[i]);
}

struct sva_file *sva_fget(struct sva_fdtable *fdt, int fd)
{
	struct sva_file *file = NULL;

	if (fd < 0 || fd >= SVA_NR_OPEN)
		return NULL;
	sva_spin_lock(&fdt->lock);
	if (sva_fd_slot(fdt, fd)->file)
		file = sva_get_file(sva_fd_slot(fdt, fd)->file);
	sva_spin_unlock(&fdt->lock);
	return file;
}

static struct sva_chrdev *sva_chrdev_find(struct sva_kernel *k, const char *name)
{
	struct sva_chrdev *cd;

	sva_glist_for_each_entry(cd, &k->chrdevs, node)
		if (strcmp(cd->name, name) == 0)
			return cd;
	return NULL;
}

int sva_chrdev_register(struct sva_kernel *k, const char *name,
			const struct sva_file_operations *fops, void *priv)
{
	struct sva_chrdev *cd;
	int ret = 0;

	if (!name || !fops || strlen(name) >= sizeof(cd->name))
		return -EINVAL;
	cd = sva_alloc(k->w, &sva_obj_file, sizeof(*cd));
	if (!cd)
		return -ENOMEM;
	snprintf(cd->name, sizeof(cd->name), "%s", name);
	cd->fops = fops;
	cd->priv = priv;
	sva_mutex_lock(&k->lock);
	if (sva_chrdev_find(k, name))
		ret = -EEXIST;
	else
		sva_glist_add_tail(&cd->node, &k->chrdevs);
	sva_mutex_unlock(&k->lock);
	if (ret)
		sva_free(k->w, &sva_obj_file, cd);
	return ret;
}

int sva_chrdev_unregister(struct sva_kernel *k, const char *name)
{
	struct sva_chrdev *cd;
	bool busy = false;

	sva_mutex_lock(&k->lock);
	cd = sva_chrdev_find(k, name);
	if (cd) {
		sva_glist_del(&cd->node, &k->chrdevs);
		/* announce the wait before looking, as an open decrements before looking */
		__atomic_add_fetch(&k->chrdev_waiting, 1, __ATOMIC_SEQ_CST);
		busy = __atomic_load_n(&cd->opening, __ATOMIC_SEQ_CST) != 0;
	}
	sva_mutex_unlock(&k->lock);
	if (!cd)
		return -ENOENT;
	if (busy) /* an open found it: its driver's open may still use priv */
		sva_wait_event(&k->chrdev_idle, !__atomic_load_n(&cd->opening, __ATOMIC_SEQ_CST));
	__atomic_sub_fetch(&k->chrdev_waiting, 1, __ATOMIC_SEQ_CST);
	sva_free(k->w, &sva_obj_file, cd);
	return 0;
}

static int sva_do_open(struct sva_task *t, const char *name, unsigned flags)
{
	struct sva_kernel *k = t->p->k;
	const struct sva_file_operations *fops = NULL;
	struct sva_chrdev *cd;
	struct sva_file *file;
	void *priv = NULL;
	int ret;

	if (name && strncmp(name, "/dev/", 5) == 0)
		name += 5; /* a character device's node: "/dev/dsa/wq0.0" is "dsa/wq0.0" */
	sva_mutex_lock(&k->lock);
	cd = name ? sva_chrdev_find(k, name) : NULL;
	if (cd) {
		fops = cd->fops;
		priv = cd->priv;
		__atomic_add_fetch(&cd->opening, 1, __ATOMIC_RELAXED);
	}
	sva_mutex_unlock(&k->lock);
	if (!fops)
		return -ENODEV;
	ret = sva_file_open(k->fs, name, fops, priv, &file);
	/* cd may be freed once this is seen: only the kernel's fields after it */
	if (__atomic_sub_fetch(&cd->opening, 1, __ATOMIC_SEQ_CST) == 0 &&
	    __atomic_load_n(&k->chrdev_waiting, __ATOMIC_SEQ_CST))
		sva_wake_up(&k->chrdev_idle);
	if (ret)
		return ret;
	ret = sva_fd_install_flags(t->fdt, file, flags & SVA_O_CLOEXEC);
	if (ret < 0)
		sva_fput(file);
	return ret;
}

int sva_sys_open_flags(struct sva_task *t, const char *name, unsigned flags)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, flags & ~SVA_O_CLOEXEC ? -EINVAL
								 : sva_do_open(t, name, flags));
}

int sva_sys_open(struct sva_task *t, const char *name)
{
	return sva_sys_open_flags(t, name, 0);
}

static int sva_do_close(struct sva_task *t, int fd)
{
	struct sva_fdtable *fdt = t->fdt;
	struct sva_file *file = NULL;

	if (fd < 0 || fd >= SVA_NR_OPEN)
		return -EBADF;
	sva_spin_lock(&fdt->lock);
	file = sva_fd_slot(fdt, fd)->file;
	*sva_fd_slot(fdt, fd) = (struct sva_fd_slot){ 0 };
	sva_spin_unlock(&fdt->lock);
	if (!file)
		return -EBADF;
	sva_fput(file);
	return 0;
}

int sva_sys_close(struct sva_task *t, int fd)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_close(t, fd));
}

static int sva_do_dup(struct sva_task *t, int fd)
{
	struct sva_file *file = sva_fget(t->fdt, fd);
	int ret;

	if (!file)
		return -EBADF;
	ret = sva_fd_install(t->fdt, file); /* the fget's reference goes to the new slot */
	if (ret < 0)
		sva_fput(file);
	return ret;
}

int sva_sys_dup(struct sva_task *t, int fd)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_dup(t, fd));
}

enum sva_file_call { SVA_CALL_IOCTL, SVA_CALL_READ, SVA_CALL_WRITE };

/* The three calls that hand a live file to its driver. */
static long sva_do_file_call(struct sva_task *t, int fd, enum sva_file_call call, unsigned cmd,
			     unsigned long arg, void *buf, size_t len)
{
	struct sva_file *file = sva_fget(t->fdt, fd);
	const struct sva_file_operations *f;
	long ret = -EINVAL;

	if (!file)
		return -EBADF;
	f = file->f_op;
	if (call == SVA_CALL_IOCTL && f && f->ioctl)
		ret = f->ioctl(file, cmd, arg);
	else if (call == SVA_CALL_READ && f && f->read)
		ret = f->read(file, buf, len);
	else if (call == SVA_CALL_WRITE && f && f->write)
		ret = f->write(file, buf, len);
	else if (call == SVA_CALL_IOCTL)
		ret = -ENOTTY;
	sva_fput(file);
	return ret;
}

long sva_sys_ioctl(struct sva_task *t, int fd, unsigned cmd, unsigned long arg)
{
	sva_syscall_enter(t);
	return sva_syscall_return(t, sva_do_file_call(t, fd, SVA_CALL_IOCTL, cmd, arg, NULL, 0));
}

long sva_sys_read(struct sva_task *t, int fd, void *buf, size_t len)
{
	sva_syscall_enter(t);
	return sva_syscall_return(t, sva_do_file_call(t, fd, SVA_CALL_READ, 0, 0, buf, len));
}

long sva_sys_write(struct sva_task *t, int fd, const void *buf, size_t len)
{
	sva_syscall_enter(t);
	return sva_syscall_return(t,
				  sva_do_file_call(t, fd, SVA_CALL_WRITE, 0, 0, (void *)buf, len));
}

static int sva_do_send_fd(struct sva_task *t, int fd, int pid)
{
	struct sva_kernel *k = t->p->k;
	struct sva_fdtable *target = NULL;
	struct sva_process *p;
	struct sva_file *file;
	int ret;

	file = sva_fget(t->fdt, fd);
	if (!file)
		return -EBADF;
	sva_mutex_lock(&k->lock);
	sva_glist_for_each_entry(p, &k->processes, node) {
		if (p->pid == pid && sva_proc_locked(p, fdt)) {
			target = sva_proc_locked(p, fdt);
			sva_fdtable_get(target);
			break;
		}
	}
	sva_mutex_unlock(&k->lock);
	if (!target) {
		sva_fput(file);
		return -ESRCH;
	}
	ret = sva_fd_install(target, file);
	if (ret < 0)
		sva_fput(file);
	sva_fdtable_put(target);
	return ret;
}

int sva_sys_send_fd(struct sva_task *t, int fd, int pid)
{
	sva_syscall_enter(t);
	return (int)sva_syscall_return(t, sva_do_send_fd(t, fd, pid));
}

struct sva_file *sva_task_fget(struct sva_task *t, int fd)
{
	return sva_fget(t->fdt, fd);
}

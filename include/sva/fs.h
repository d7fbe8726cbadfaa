/* SPDX-License-Identifier: MIT */
/*
 * libsva files: struct file with its reference count (f_count) and file operations, and the
 * deferred final fput.
 *
 * A file is referenced by fd-table slots, by VMAs that map it, and by whoever holds it
 * transiently. The final sva_fput() does not call release directly: from a user task it is
 * queued as task_work (run on the task's way back to user space, or at its exit, after
 * exit_files); from anywhere else it goes to the delayed-fput work of the file system. That is
 * the kernel's order, and the reason a uacce release (which unbinds) runs after exit_mm at
 * process exit.
 */
#ifndef SVA_FS_H
#define SVA_FS_H

#include "sva/api.h"
#include "sva/sync.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): the file subsystem, files.
 */
extern const struct sva_obj_class sva_obj_fs;
extern const struct sva_obj_class sva_obj_file;

struct sva_fs;
struct sva_file;
struct sva_vma;

struct sva_file_operations {
	/* At open, in the opening task. An error fails the open (release is not called). */
	int (*open)(struct sva_file *file);
	/* The final reference went away (deferred context). */
	void (*release)(struct sva_file *file);
	/* A VMA is being created for the file: set its ops and flags, or refuse. */
	int (*mmap)(struct sva_file *file, struct sva_vma *vma);
	long (*ioctl)(struct sva_file *file, unsigned cmd, unsigned long arg);
	long (*read)(struct sva_file *file, void *buf, size_t len);
	long (*write)(struct sva_file *file, const void *buf, size_t len);
};

struct sva_file {
	/* public, read-only; @private_data the file's owner's, read-write */
	struct sva_fs *fs;
	struct sva_refcount f_count; /* sva_file_count() reads it */
	const struct sva_file_operations *f_op;
	void *private_data;
	char name[32];
	/* private: */
	struct sva_task_work release_tw; /* the deferred release from a user task */
	struct sva_list_head delayed;	 /* on the delayed-fput list otherwise */
};

int sva_fs_create(struct sva_world *w, struct sva_fs **out);
/* Runs the delayed releases still pending, then frees. */
void sva_fs_destroy(struct sva_fs *fs);
struct sva_world *sva_fs_world(struct sva_fs *fs);
/* Wait until every delayed release queued so far has run (the kernel's flush_delayed_fput). */
void sva_fs_flush_delayed(struct sva_fs *fs);

/*
 * A new file with f_count 1; @ops->open runs now (in the calling task). 0, -ENOMEM, or the
 * open's error (then the file is gone without release).
 */
int sva_file_open(struct sva_fs *fs, const char *name, const struct sva_file_operations *ops,
		  void *private_data, struct sva_file **out);
struct sva_file *sva_get_file(struct sva_file *file);
/* Drop a reference; the last one queues release (task_work, or the delayed-fput work). */
void sva_fput(struct sva_file *file);
long sva_file_count(struct sva_file *file);
/* Files open and not yet released. */
long sva_fs_files(struct sva_fs *fs);

SVA_END_DECLS

#endif /* SVA_FS_H */

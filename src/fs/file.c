/* SPDX-License-Identifier: MIT */
/*
 * Files: allocation, f_count, and the deferred final fput (see sva/fs.h).
 *
 * The final fput from a user task queues ____fput as that task's task_work; from a kernel
 * actor (a workqueue worker, a device engine) or from outside any actor, the file joins the
 * delayed list and one work item on the fs's ordered workqueue releases the whole list, as the
 * kernel's delayed_fput does. Locking: the delayed list is under @lock (a spinlock); a file is
 * on it at most once because its count reached zero once.
 */
#include <errno.h>
#include <string.h>

#include "../base/list.h"
#include "../sync/glist.h"
#include "sva/fs.h"

SVA_OBJ_CLASS(fs);
SVA_OBJ_CLASS(file);

struct sva_fs {
	struct sva_world *w;
	struct sva_spinlock lock;
	struct sva_glist delayed; /* under lock */
	struct sva_workqueue *wq;
	struct sva_work delayed_work;
	struct sva_atomic files;
};

static void sva_file_free(struct sva_file *file)
{
	struct sva_fs *fs = file->fs;

	sva_trace(fs->w, FILE_RELEASE, file->name);
	if (file->f_op && file->f_op->release)
		file->f_op->release(file);
	sva_atomic_dec_return(&fs->files);
	sva_free(fs->w, &sva_obj_file, file);
}

static void sva_fput_task_work(struct sva_task_work *tw)
{
	sva_file_free(sva_container_of(tw, struct sva_file, release_tw));
}

static void sva_delayed_fput(struct sva_work *work)
{
	struct sva_fs *fs = sva_container_of(work, struct sva_fs, delayed_work);

	for (;;) {
		struct sva_file *file = NULL;

		sva_spin_lock(&fs->lock);
		if (!sva_glist_empty(&fs->delayed)) {
			file = sva_list_first_entry(sva_glist_locked(&fs->delayed, false),
						    struct sva_file, delayed);
			sva_glist_del(&file->delayed, &fs->delayed);
		}
		sva_spin_unlock(&fs->lock);
		if (!file)
			return;
		sva_file_free(file);
	}
}

int sva_fs_create(struct sva_world *w, struct sva_fs **out)
{
	struct sva_fs *fs = sva_alloc(w, &sva_obj_fs, sizeof(*fs));
	int ret;

	if (!fs)
		return -ENOMEM;
	fs->w = w;
	sva_spin_lock_init(w, &fs->lock, "delayed_fput");
	sva_glist_init(&fs->delayed, &fs->lock);
	sva_work_init(&fs->delayed_work, sva_delayed_fput);
	sva_atomic_init(w, &fs->files, 0);
	ret = sva_workqueue_create(w, "fput", SVA_WQ_ORDERED, 1, &fs->wq);
	if (ret) {
		sva_free(w, &sva_obj_fs, fs);
		return ret;
	}
	*out = fs;
	return 0;
}

void sva_fs_destroy(struct sva_fs *fs)
{
	if (!fs)
		return;
	sva_fs_flush_delayed(fs);
	sva_workqueue_destroy(fs->wq);
	sva_spin_lock_destroy(&fs->lock);
	sva_free(fs->w, &sva_obj_fs, fs);
}

struct sva_world *sva_fs_world(struct sva_fs *fs)
{
	return fs->w;
}

void sva_fs_flush_delayed(struct sva_fs *fs)
{
	sva_flush_work(&fs->delayed_work);
}

int sva_file_open(struct sva_fs *fs, const char *name, const struct sva_file_operations *ops,
		  void *private_data, struct sva_file **out)
{
	struct sva_file *file = sva_alloc(fs->w, &sva_obj_file, sizeof(*file));
	int ret;

	if (!file)
		return -ENOMEM;
	file->fs = fs;
	file->f_op = ops;
	file->private_data = private_data;
	snprintf(file->name, sizeof(file->name), "%s", name ? name : "file");
	sva_refcount_init(fs->w, &file->f_count, file->name, 1);
	sva_list_init(&file->delayed);
	file->release_tw.fn = sva_fput_task_work;
	if (ops && ops->open) {
		ret = ops->open(file);
		if (ret) {
			sva_free(fs->w, &sva_obj_file, file);
			return ret;
		}
	}
	sva_atomic_inc_return(&fs->files);
	sva_trace(fs->w, FILE_OPEN, file->name);
	*out = file;
	return 0;
}

struct sva_file *sva_get_file(struct sva_file *file)
{
	sva_refcount_inc(&file->f_count);
	return file;
}

void sva_fput(struct sva_file *file)
{
	struct sva_fs *fs = file->fs;
	struct sva_actor *cur;

	if (!sva_refcount_dec_and_test(&file->f_count))
		return;
	cur = sva_current(fs->w);
	if (cur && sva_task_work_add(cur, &file->release_tw) == 0)
		return;
	sva_spin_lock(&fs->lock);
	sva_glist_add_tail(&file->delayed, &fs->delayed);
	sva_spin_unlock(&fs->lock);
	sva_queue_work(fs->wq, &fs->delayed_work);
}

long sva_file_count(struct sva_file *file)
{
	return sva_refcount_read(&file->f_count);
}

long sva_fs_files(struct sva_fs *fs)
{
	return atomic_load(&fs->files.v);
}

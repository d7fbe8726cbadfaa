/* SPDX-License-Identifier: MIT */
/*
 * The kernel object: the mm subsystem, the files, the character devices and the processes of
 * one simulated machine, and the reaper work that frees orphans. Locking: see internal.h.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

int sva_kernel_create(struct sva_world *w, const struct sva_kernel_config *cfg,
		      struct sva_kernel **out)
{
	struct sva_mm_sys_config mcfg = { .frames = cfg ? cfg->frames : 0 };
	struct sva_kernel *k = sva_alloc(w, &sva_obj_process, sizeof(*k));
	int ret;

	if (!k)
		return -ENOMEM;
	k->w = w;
	sva_mutex_init(w, &k->lock, "kernel");
	sva_glist_init(&k->processes, &k->lock);
	sva_glist_init(&k->chrdevs, &k->lock);
	sva_waitq_init(w, &k->chrdev_idle, "chrdev_idle");
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
		sva_waitq_destroy(&k->chrdev_idle);
		sva_mutex_destroy(&k->lock);
		sva_free(w, &sva_obj_process, k);
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
	if (!sva_list_empty(sva_glist_unguarded(&k->processes))) /* quiesced */
		sva_report(k->w, SVA_REPORT_BAD_USAGE, "kernel destroyed with %u processes left",
			   sva_kernel_processes(k));
	sva_workqueue_destroy(k->reaper_wq);
	sva_list_for_each_entry_safe(cd, tmp, sva_glist_unguarded(&k->chrdevs), node) {
		sva_list_del(&cd->node); /* the kernel's last moment: no one else */
		sva_free(k->w, &sva_obj_file, cd);
	}
	sva_fs_destroy(k->fs);
	sva_mm_sys_destroy(k->mm_sys);
	sva_waitq_destroy(&k->chrdev_idle);
	sva_mutex_destroy(&k->lock);
	sva_free(k->w, &sva_obj_process, k);
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
	sva_glist_for_each_entry(p, &k->processes, node)
		n++;
	sva_mutex_unlock(&k->lock);
	return n;
}

/* SPDX-License-Identifier: MIT */
/*
 * The fd<->mm cycle of seeds 000 and 004, as tool programs. A process opens a device, maps
 * it and exits without closing or unmapping (as UADK's users and nginx workers do). The
 * device's open takes a reference on the opener's mm and its release drops it:
 *  - fd-mm-cycle:  mm_users (mmget), the bug of 2016 and of the 2022 RFC: exit_mmap never runs,
 *                  the mapping keeps the file, the file keeps the mm - nothing is released;
 *  - fd-mm-clean:  mm_count (mmgrab), today's rule: exit_mmap runs, unmapping puts the file,
 *                  its release runs from the exiting task, everything goes.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "prog.h"
#include "sva/proc.h"

struct cycle {
	struct sva_kernel *k;
	bool take_users;
	struct sva_mm *mm;
	struct sva_process *p;
	int releases;
	int releases_after_exit; /* when the worker had exited and everything was flushed */
	int status;
};

static int cycle_open(struct sva_file *file)
{
	struct cycle *c = file->private_data;
	struct sva_task *t = sva_task_current(c->k);

	c->mm = sva_task_mm(t);
	if (c->take_users)
		sva_mmget(c->mm);
	else
		sva_mmgrab(c->mm);
	return 0;
}

static void cycle_release(struct sva_file *file)
{
	struct cycle *c = file->private_data;

	c->releases++;
	if (c->take_users)
		sva_mmput(c->mm);
	else
		sva_mmdrop(c->mm);
}

static const struct sva_file_operations cycle_fops = {
	.open = cycle_open,
	.release = cycle_release,
};

static int cycle_worker(struct sva_task *t, void *arg)
{
	int fd = sva_sys_open(t, "acc0");
	uint64_t a;

	(void)arg;
	if (fd < 0 || sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				   SVA_MAP_SHARED, fd, 0, &a))
		return 1;
	return 0; /* exit with the fd open and the queue mapped */
}

void sva_prog_cycle_init(void *state, int take_users)
{
	((struct cycle *)state)->take_users = take_users;
}

int sva_prog_cycle_setup(struct sva_world *w, void *arg)
{
	struct sva_kernel_config cfg = { .frames = 256 };
	struct cycle *c = arg;
	int ret;

	c->releases = 0;
	c->mm = NULL;
	ret = sva_kernel_create(w, &cfg, &c->k);
	if (ret)
		return ret;
	ret = sva_chrdev_register(c->k, "acc0", &cycle_fops, c);
	if (ret == 0)
		ret = sva_process_start(c->k, "worker", cycle_worker, NULL, &c->p);
	if (ret)
		sva_kernel_destroy(c->k);
	return ret;
}

int sva_prog_cycle_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct cycle *c = arg;

	(void)w;
	if (run)
		return run;
	sva_process_wait(c->p, &c->status);
	sva_kernel_quiesce(c->k);
	c->releases_after_exit = c->releases;
	if (c->status) { /* its open or its mmap failed (sva run --fail-nth): no cycle to judge */
		snprintf(msg, len,
			 "the worker failed (exit status %d): its open or mmap returned an "
			 "error",
			 c->status);
		return -EIO;
	}
	if (c->releases == 0) {
		snprintf(msg, len,
			 "fd<->mm cycle: the worker exited but its file was never released and its "
			 "mm never torn down (mm_users %ld)",
			 sva_mm_users(c->mm));
		return -EDEADLK;
	}
	return 0;
}

void sva_prog_cycle_teardown(struct sva_world *w, void *arg)
{
	struct cycle *c = arg;

	(void)w;
	if (c->releases == 0 && c->mm) { /* break the cycle by hand, to free everything */
		sva_mmgrab(c->mm);
		sva_mm_munmap(c->mm, 0x10000000, SVA_PAGE_SIZE);
		sva_kernel_quiesce(c->k);
		sva_mmdrop(c->mm);
	}
	sva_kernel_destroy(c->k);
}

int sva_prog_cycle_outcome(void *arg, int *invariant)
{
	struct cycle *c = arg;

	*invariant = 0;
	return c->status ? SVA_EXIT_FAILED : SVA_EXIT_VIOLATION;
}

void sva_prog_cycle_summarize(void *arg, FILE *out)
{
	struct cycle *c = arg;

	fprintf(out, "  %-28s %s\n", "device's mm reference",
		c->take_users ? "mm_users" : "mm_count");
	fprintf(out, "  %-28s %d\n", "file releases at exit", c->releases_after_exit);
}

size_t sva_prog_cycle_size(void)
{
	return sizeof(struct cycle);
}

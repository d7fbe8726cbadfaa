/* SPDX-License-Identifier: MIT */
/*
 * The client library of the software accelerator, what a process links (libaccel-config's and
 * UADK's role): open a WQ, start its queue, map its portal; submit with the WQ's instruction;
 * poll a completion record; close. Plus the descriptor builders.
 *
 * Everything runs in the calling task, with its system calls: a fatal signal ends the task at
 * the next one (the polling read, for instance). The client object is the process's own memory
 * (one allocation, freed by close); a process that exits without closing leaves the kernel to
 * release the queue (exit_mm unmaps the portal, exit_files closes the fd) and leaves the
 * client object behind as a process leaves its heap: whoever knows of it frees it with
 * sva_accel_client_discard() (a test, after the process was killed).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct sva_accel_client {
	int fd;
	uint64_t portal;
	struct sva_accel_wq_info info;
};

static struct sva_world *sva_accel_task_world(struct sva_task *t)
{
	return sva_kernel_world(sva_task_kernel(t));
}

int sva_accel_client_open(struct sva_task *t, const char *name, struct sva_accel_client **out)
{
	struct sva_world *w = sva_accel_task_world(t);
	struct sva_accel_client *c = sva_alloc(w, SVA_OBJ_ACCEL_CLIENT, sizeof(*c));
	long ret;

	if (!c)
		return -ENOMEM;
	c->fd = sva_sys_open(t, name);
	if (c->fd < 0) {
		ret = c->fd;
		goto free;
	}
	ret = sva_sys_ioctl(t, c->fd, SVA_ACCEL_IOCTL_WQ_INFO, (unsigned long)(uintptr_t)&c->info);
	if (ret == 0)
		ret = sva_sys_ioctl(t, c->fd, SVA_UACCE_CMD_START_Q, 0);
	if (ret == 0)
		ret = sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				   SVA_MAP_SHARED, c->fd, 0, &c->portal);
	if (ret) {
		sva_sys_close(t, c->fd);
		goto free;
	}
	*out = c;
	return 0;
free:
	sva_log(w, SVA_LOG_INFO, "accel client: opening %s failed: %s", name,
		sva_strerror((int)ret));
	sva_free(w, SVA_OBJ_ACCEL_CLIENT, c);
	return (int)ret;
}

void sva_accel_client_close(struct sva_task *t, struct sva_accel_client *c)
{
	uint64_t portal;
	int fd;

	if (!c)
		return;
	portal = c->portal;
	fd = c->fd;
	/* freed first: a fatal signal at either system call ends the task there */
	sva_free(sva_accel_task_world(t), SVA_OBJ_ACCEL_CLIENT, c);
	sva_sys_munmap(t, portal, SVA_PAGE_SIZE);
	sva_sys_close(t, fd);
}

void sva_accel_client_discard(struct sva_world *w, struct sva_accel_client *c)
{
	sva_free(w, SVA_OBJ_ACCEL_CLIENT, c);
}

int sva_accel_client_fd(const struct sva_accel_client *c)
{
	return c->fd;
}

uint64_t sva_accel_client_portal(const struct sva_accel_client *c)
{
	return c->portal;
}

const struct sva_accel_wq_info *sva_accel_client_info(const struct sva_accel_client *c)
{
	return &c->info;
}

int sva_accel_client_submit(struct sva_task *t, struct sva_accel_client *c,
			    const struct sva_dsa_desc *d)
{
	struct sva_dsa_desc desc = *d;
	int ret = -EAGAIN;

	if (c->info.block_on_fault)
		desc.flags |= SVA_DSA_FLAG_BOF;
	/* a full WQ: yield for a while, then sleep a millisecond a try (a busy machine) */
	for (int i = 0; i < SVA_ACCEL_CLIENT_RETRIES + SVA_ACCEL_CLIENT_SLEEPS && ret == -EAGAIN;
	     i++) {
		if (i && i < SVA_ACCEL_CLIENT_RETRIES)
			sva_yield(sva_accel_task_world(t));
		else if (i)
			sva_msleep(sva_accel_task_world(t), 1);
		if (c->info.mode == SVA_ACCEL_WQ_SHARED)
			ret = sva_accel_enqcmd(t, c->portal, &desc);
		else
			ret = sva_accel_movdir64b(t, c->portal, &desc);
	}
	return ret;
}

/*
 * Every SVA_ACCEL_CLIENT_PROBE polls without a record, ask whether the queue is stopped (its
 * device removed, or put): then the record is final, and one still missing will not come.
 */
static bool sva_accel_client_stopped(struct sva_task *t, struct sva_accel_client *c,
				     unsigned long polls)
{
	if (!c || polls % SVA_ACCEL_CLIENT_PROBE != SVA_ACCEL_CLIENT_PROBE - 1)
		return false;
	return sva_sys_ioctl(t, c->fd, SVA_UACCE_CMD_Q_STATE, 0) == SVA_UACCE_Q_ZOMBIE;
}

int sva_accel_client_wait(struct sva_task *t, struct sva_accel_client *c, uint64_t comp_va,
			  struct sva_dsa_completion *rec, unsigned long max_polls)
{
	for (unsigned long i = 0; !max_polls || i < max_polls; i++) {
		bool stopped = sva_accel_client_stopped(t, c, i);
		int ret = sva_sys_read_mem(t, comp_va, rec, sizeof(*rec));

		if (ret)
			return ret;
		if (rec->status != SVA_DSA_STATUS_NONE)
			return 0;
		if (stopped)
			return -ECANCELED; /* ended ABORTED with the queue; its record was lost */
		sva_yield(sva_accel_task_world(t));
	}
	return -ETIMEDOUT;
}

/* ---- descriptor builders ---- */

static void sva_dsa_desc_init(struct sva_dsa_desc *d, uint8_t opcode, uint64_t comp)
{
	memset(d, 0, sizeof(*d));
	d->opcode = opcode;
	if (comp) {
		d->completion_addr = comp;
		d->flags = SVA_DSA_FLAG_CRAV | SVA_DSA_FLAG_RCR;
	}
}

void sva_dsa_desc_noop(struct sva_dsa_desc *d, uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_NOOP, comp);
}

void sva_dsa_desc_memmove(struct sva_dsa_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			  uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_MEMMOVE, comp);
	d->dst = dst;
	d->src = src;
	d->size = size;
}

void sva_dsa_desc_fill(struct sva_dsa_desc *d, uint64_t dst, uint64_t pattern, uint32_t size,
		       uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_FILL, comp);
	d->dst = dst;
	d->pattern = pattern;
	d->size = size;
}

void sva_dsa_desc_compare(struct sva_dsa_desc *d, uint64_t src, uint64_t src2, uint32_t size,
			  uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_COMPARE, comp);
	d->src = src;
	d->src2 = src2;
	d->size = size;
}

void sva_dsa_desc_compare_pattern(struct sva_dsa_desc *d, uint64_t src, uint64_t pattern,
				  uint32_t size, uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_COMPARE_PATTERN, comp);
	d->src = src;
	d->pattern = pattern;
	d->size = size;
}

void sva_dsa_desc_crc32c(struct sva_dsa_desc *d, uint64_t src, uint32_t size, uint32_t seed,
			 uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_CRC32C, comp);
	d->src = src;
	d->size = size;
	d->crc_seed = seed;
}

void sva_dsa_desc_copy_crc(struct sva_dsa_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			   uint32_t seed, uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_COPY_CRC, comp);
	d->dst = dst;
	d->src = src;
	d->size = size;
	d->crc_seed = seed;
}

void sva_dsa_desc_dualcast(struct sva_dsa_desc *d, uint64_t dst, uint64_t dst2, uint64_t src,
			   uint32_t size, uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_DUALCAST, comp);
	d->dst = dst;
	d->dst2 = dst2;
	d->src = src;
	d->size = size;
}

void sva_dsa_desc_batch(struct sva_dsa_desc *d, uint64_t list, uint32_t count, uint64_t comp)
{
	sva_dsa_desc_init(d, SVA_DSA_OP_BATCH, comp);
	d->desc_list = list;
	d->desc_count = count;
}

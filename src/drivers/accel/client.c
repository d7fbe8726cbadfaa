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

SVA_OBJ_CLASS(accel_client);

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
	struct sva_accel_client *c = sva_alloc(w, &sva_obj_accel_client, sizeof(*c));
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
	if (ret == -ENOTTY)
		ret = 0; /* idxd's char device: no START_Q, the queue is ready at open */
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
	sva_free(w, &sva_obj_accel_client, c);
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
	sva_free(sva_accel_task_world(t), &sva_obj_accel_client, c);
	sva_sys_munmap(t, portal, SVA_PAGE_SIZE);
	sva_sys_close(t, fd);
}

void sva_accel_client_discard(struct sva_world *w, struct sva_accel_client *c)
{
	sva_free(w, &sva_obj_accel_client, c);
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
			    const struct dsa_hw_desc *d)
{
	struct dsa_hw_desc desc = *d;
	int ret = -EAGAIN;

	if (c->info.block_on_fault && desc.opcode != DSA_OPCODE_DRAIN) /* reserved for DRAIN */
		desc.flags |= IDXD_OP_FLAG_BOF;
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
			ret = sva_accel_movdir64b_retry(t, c->portal, &desc);
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

static inline void sva_accel_client_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

int sva_accel_client_wait(struct sva_task *t, struct sva_accel_client *c, uint64_t comp_va,
			  struct dsa_completion_record *rec, unsigned long max_polls)
{
	struct sva_world *w = sva_accel_task_world(t);
	/* native: a record is usually a few polls away: yield every SVA_ACCEL_CLIENT_SPIN */
	unsigned long spin = sva_world_backend(w) == SVA_BACKEND_SIM ? 1 : SVA_ACCEL_CLIENT_SPIN;

	for (unsigned long i = 0; !max_polls || i < max_polls; i++) {
		bool stopped = sva_accel_client_stopped(t, c, i);
		int ret = sva_sys_read_mem(t, comp_va, rec, sizeof(*rec));

		if (ret)
			return ret;
		if (rec->status != DSA_COMP_NONE)
			return 0;
		if (stopped)
			return -ECANCELED; /* ended ABORTED with the queue; its record was lost */
		if ((i + 1) % spin == 0)
			sva_yield(w);
		else
			sva_accel_client_relax();
	}
	return -ETIMEDOUT;
}

/* ---- descriptor builders ---- */

static void sva_dsa_desc_init(struct dsa_hw_desc *d, uint8_t opcode, uint64_t comp)
{
	memset(d, 0, sizeof(*d));
	d->opcode = opcode;
	if (comp) {
		d->completion_addr = comp;
		d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	}
}

void sva_dsa_desc_noop(struct dsa_hw_desc *d, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_NOOP, comp);
}

void sva_dsa_desc_drain(struct dsa_hw_desc *d, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_DRAIN, comp);
}

void sva_dsa_desc_memmove(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			  uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_MEMMOVE, comp);
	d->dst_addr = dst;
	d->src_addr = src;
	d->xfer_size = size;
}

void sva_dsa_desc_fill(struct dsa_hw_desc *d, uint64_t dst, uint64_t pattern, uint32_t size,
		       uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_MEMFILL, comp);
	d->dst_addr = dst;
	d->pattern = pattern;
	d->xfer_size = size;
}

void sva_dsa_desc_compare(struct dsa_hw_desc *d, uint64_t src, uint64_t src2, uint32_t size,
			  uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_COMPARE, comp);
	d->src_addr = src;
	d->src2_addr = src2;
	d->xfer_size = size;
}

void sva_dsa_desc_compare_pattern(struct dsa_hw_desc *d, uint64_t src, uint64_t pattern,
				  uint32_t size, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_COMPVAL, comp);
	d->src_addr = src;
	d->comp_pattern = pattern;
	d->xfer_size = size;
}

void sva_dsa_desc_crc32c(struct dsa_hw_desc *d, uint64_t src, uint32_t size, uint32_t seed,
			 uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_CRCGEN, comp);
	d->src_addr = src;
	d->xfer_size = size;
	d->crc_seed = seed;
}

void sva_dsa_desc_copy_crc(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			   uint32_t seed, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_COPY_CRC, comp);
	d->dst_addr = dst;
	d->src_addr = src;
	d->xfer_size = size;
	d->crc_seed = seed;
}

void sva_dsa_desc_dualcast(struct dsa_hw_desc *d, uint64_t dst, uint64_t dst2, uint64_t src,
			   uint32_t size, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_DUALCAST, comp);
	d->dst_addr = dst;
	d->dest2 = dst2;
	d->src_addr = src;
	d->xfer_size = size;
}

void sva_dsa_desc_batch(struct dsa_hw_desc *d, uint64_t list, uint32_t count, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_BATCH, comp);
	d->desc_list_addr = list;
	d->desc_count = count;
}

void sva_dsa_desc_cr_delta(struct dsa_hw_desc *d, uint64_t src, uint64_t src2, uint32_t size,
			   uint64_t delta, uint32_t max_delta, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_CR_DELTA, comp);
	d->src_addr = src;
	d->src2_addr = src2;
	d->xfer_size = size;
	d->delta_addr = delta;
	d->max_delta_size = max_delta;
}

void sva_dsa_desc_ap_delta(struct dsa_hw_desc *d, uint64_t dst, uint64_t delta, uint32_t delta_size,
			   uint32_t size, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_AP_DELTA, comp);
	d->dst_addr = dst;
	d->src_addr = delta;
	d->delta_rec_size = delta_size;
	d->xfer_size = size;
}

void sva_dsa_desc_cflush(struct dsa_hw_desc *d, uint64_t dst, uint32_t size, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_CFLUSH, comp);
	d->dst_addr = dst;
	d->xfer_size = size;
}

void sva_dsa_desc_dif_check(struct dsa_hw_desc *d, uint64_t src, uint32_t size, uint8_t flags,
			    uint8_t src_flags, uint32_t ref, uint16_t app, uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_DIF_CHECK, comp);
	d->src_addr = src;
	d->xfer_size = size;
	d->dif_chk_flags = flags;
	d->src_dif_flags = src_flags;
	d->chk_ref_tag_seed = ref;
	d->chk_app_tag_seed = app;
}

void sva_dsa_desc_dif_ins(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			  uint8_t flags, uint8_t dst_flags, uint32_t ref, uint16_t app,
			  uint64_t comp)
{
	sva_dsa_desc_init(d, DSA_OPCODE_DIF_INS, comp);
	d->src_addr = src;
	d->dst_addr = dst;
	d->xfer_size = size;
	d->dif_ins_flags = flags;
	d->dest_dif_flag = dst_flags;
	d->ins_ref_tag_seed = ref;
	d->ins_app_tag_seed = app;
}

void sva_dsa_desc_dif_strp(struct dsa_hw_desc *d, uint64_t dst, uint64_t src, uint32_t size,
			   uint8_t flags, uint8_t src_flags, uint32_t ref, uint16_t app,
			   uint64_t comp)
{
	sva_dsa_desc_dif_check(d, src, size, flags, src_flags, ref, app, comp);
	d->opcode = DSA_OPCODE_DIF_STRP;
	d->dst_addr = dst;
}

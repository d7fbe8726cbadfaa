/* SPDX-License-Identifier: MIT */
/*
 * What each call of the scenario language does, as system calls of the calling task
 * (sva/proc.h), accelerator instructions (sva/accel.h) and, for the calls that act on the
 * machine (remove, iopf_disable, reclaim; the idxd driver's wq_disable, wq_enable, disable and
 * enable, idxd.c), the model's own entry points. A call returns its
 * value (>= 0: an fd, an address, a pid, a status) or a negative errno; interp.c judges it.
 *
 * Calls that wait for something another actor does (wait on a record, recv_fd, wait_free, a
 * full WQ) poll with a backoff - yield, then sleep - and give up with -ETIMEDOUT, so a lost
 * completion is a failure of the run, not a hang.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "interp.h"
#include "sva/uacce.h"

#define SVA_SCN_SUBMIT_RETRIES 1000  /* yields on a full WQ, then ... */
#define SVA_SCN_SLEEPS	       30000 /* ... 1 ms sleeps: a record lost is a failure, not a hang */
#define SVA_SCN_RECORD_SIZE    32u

/* ---- files and memory ---- */

/*
 * The char device of WQ @a: its scenario name ("dsa0wq1", the uacce device), or with
 * cdev=idxd_wq the idxd node the accelerator names it by ("dsa/wq0.1": D the digits of the
 * device's name, the rule of sva/accel.h's names; Q the WQ's place among the device's).
 */
static const char *sva_scn_wq_node(struct sva_scn_exec *x, const struct sva_scn_arg *a, char *buf,
				   size_t len)
{
	const struct sva_scenario *s = x->c->r->s;
	const struct sva_scn_wq *wq;
	unsigned devid = 0;

	if (a->index < 0 || (size_t)a->index >= s->nwqs)
		return a->word;
	wq = &s->wqs[a->index];
	if (s->devices[wq->device].cdev != SVA_ACCEL_CDEV_IDXD_WQ)
		return a->word;
	for (const char *c = s->devices[wq->device].name; *c; c++)
		devid = *c >= '0' && *c <= '9' ? devid * 10 + (unsigned)(*c - '0') : 0;
	snprintf(buf, len, "/dev/dsa/wq%u.%u", devid, wq->index);
	return buf;
}

static long sva_scn_open(struct sva_scn_exec *x)
{
	const struct sva_scn_arg *a = sva_scn_arg(x, 0);
	bool cloexec = sva_scn_arg(x, 1)->present;
	char node[48];
	int fd = sva_sys_open_flags(x->t, sva_scn_wq_node(x, a, node, sizeof(node)),
				    cloexec ? SVA_O_CLOEXEC : 0);
	uint32_t pasid;

	if (fd < 0)
		return fd;
	sva_scn_fd_add(x, &(struct sva_scn_fdinfo){ .fd = fd, .wq = a->index, .cloexec = cloexec });
	pasid = sva_mm_get_pasid(sva_task_mm(x->t));
	sva_scn_lock(x);
	x->ps->pasid = pasid;
	sva_scn_unlock(x);
	return fd;
}

static long sva_scn_close(struct sva_scn_exec *x)
{
	uint64_t fd;
	int ret = sva_scn_val(x, 0, &fd);

	if (ret)
		return ret;
	ret = sva_sys_close(x->t, (int)fd);
	if (ret == 0)
		sva_scn_fd_drop(x, (int)fd);
	return ret;
}

static long sva_scn_mmap(struct sva_scn_exec *x)
{
	const unsigned rw = SVA_PROT_READ | SVA_PROT_WRITE;
	const struct sva_scn_arg *src = sva_scn_arg(x, 0);
	uint64_t v, addr = 0;
	bool mmio;
	int ret;

	if (src->var < 0) { /* anonymous */
		ret = sva_sys_mmap(x->t, 0, src->num, rw, 0, -1, 0, &addr);
		if (ret)
			return ret;
		sva_scn_map_add(x, addr, src->num);
		return (long)addr;
	}
	ret = sva_scn_val(x, 0, &v);
	if (ret)
		return ret;
	mmio = strcmp(sva_scn_arg(x, 1)->word, "mmio") == 0;
	ret = sva_sys_mmap(x->t, 0, SVA_PAGE_SIZE, rw, SVA_MAP_SHARED, (int)v,
			   mmio ? 0 : SVA_PAGE_SIZE, &addr);
	if (ret)
		return ret;
	sva_scn_map_add(x, addr, SVA_PAGE_SIZE);
	if (mmio)
		sva_scn_fd_portal(x, (int)v, addr);
	return (long)addr;
}

static long sva_scn_munmap(struct sva_scn_exec *x)
{
	uint64_t addr, len, mapped;
	int ret = sva_scn_val(x, 0, &addr);

	if (ret)
		return ret;
	mapped = sva_scn_map_len(x, addr, false);
	len = sva_scn_num_or(x, 1, mapped ? mapped : SVA_PAGE_SIZE);
	ret = sva_sys_munmap(x->t, addr, len);
	if (ret == 0 && mapped && len >= mapped)
		sva_scn_map_len(x, addr, true);
	return ret;
}

static long sva_scn_mprotect(struct sva_scn_exec *x)
{
	const char *prot = sva_scn_arg(x, 2)->word;
	unsigned bits = strcmp(prot, "rw") == 0	    ? SVA_PROT_READ | SVA_PROT_WRITE
			: strcmp(prot, "read") == 0 ? SVA_PROT_READ
						    : 0;
	uint64_t addr;
	int ret = sva_scn_val(x, 0, &addr);

	return ret ? ret : sva_sys_mprotect(x->t, addr, sva_scn_arg(x, 1)->num, bits);
}

static long sva_scn_ioctl(struct sva_scn_exec *x)
{
	bool start = strcmp(sva_scn_arg(x, 1)->word, "start_q") == 0;
	uint64_t fd;
	int ret = sva_scn_val(x, 0, &fd);

	if (ret)
		return ret;
	return sva_sys_ioctl(x->t, (int)fd, start ? SVA_UACCE_CMD_START_Q : SVA_UACCE_CMD_PUT_Q, 0);
}

/* fill / verify / touch: the CPU on [addr, addr + len), a page at a time. */
static long sva_scn_cpu(struct sva_scn_exec *x)
{
	uint8_t byte = (uint8_t)sva_scn_num_or(x, 2, 0), buf[SVA_PAGE_SIZE], want[SVA_PAGE_SIZE];
	uint64_t addr, len = sva_scn_arg(x, 1)->num;
	int ret = sva_scn_val(x, 0, &addr);

	if (ret)
		return ret;
	if (x->st->op == SVA_SCN_TOUCH)
		return sva_sys_touch(x->t, addr, len, sva_scn_num_or(x, 2, 0) != 0);
	memset(want, byte, sizeof(want));
	for (uint64_t done = 0; done < len;) {
		size_t chunk = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);

		ret = x->st->op == SVA_SCN_FILL ? sva_sys_write_mem(x->t, addr + done, want, chunk)
						: sva_sys_read_mem(x->t, addr + done, buf, chunk);
		if (ret)
			return ret;
		if (x->st->op == SVA_SCN_VERIFY && memcmp(buf, want, chunk))
			return -EIO;
		done += chunk;
	}
	return 0;
}

/* ---- the accelerator ---- */

/* The address of a fresh completion record (zero: records are never reused). */
static long sva_scn_record(struct sva_scn_exec *x, uint64_t *out)
{
	struct sva_scn_proc *ps = x->ps;
	uint64_t page;
	int ret;

	sva_scn_lock(x);
	if (ps->comp_page && ps->comp_next < SVA_PAGE_SIZE / SVA_SCN_RECORD_SIZE) {
		*out = ps->comp_page + SVA_SCN_RECORD_SIZE * ps->comp_next++;
		sva_scn_unlock(x);
		return 0;
	}
	sva_scn_unlock(x);
	ret = sva_sys_mmap(x->t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE,
			   -1, 0, &page);
	if (ret)
		return ret;
	sva_scn_lock(x);
	ps->comp_page = page;
	ps->comp_next = 1;
	sva_scn_unlock(x);
	*out = page;
	return 0;
}

/*
 * A raw descriptor: opcode and flags as given (flags default to CRAV | RCR), the record at
 * @comp; src at byte 16, dst at 24, len at 32, dst2 at 40, pattern at 48 (8 bytes each, len 4).
 */
static void sva_scn_desc_raw(struct sva_scn_exec *x, struct dsa_hw_desc *d, uint64_t src,
			     uint64_t dst, uint64_t dst2, uint64_t comp)
{
	uint64_t pattern = sva_scn_num_or(x, SVA_SCN_SUB_PATTERN, 0);
	uint8_t *p = (uint8_t *)d;

	memset(d, 0, sizeof(*d));
	d->opcode = (uint8_t)sva_scn_num_or(x, SVA_SCN_SUB_OPCODE, 0);
	d->flags = (uint32_t)sva_scn_num_or(x, SVA_SCN_SUB_FLAGS,
					    IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR) &
		   0xffffffu;
	d->completion_addr = comp;
	d->src_addr = src;
	d->dst_addr = dst;
	d->xfer_size = (uint32_t)sva_scn_num_or(x, SVA_SCN_SUB_LEN, 0);
	memcpy(p + 40, &dst2, sizeof(dst2));
	memcpy(p + 48, &pattern, sizeof(pattern));
}

/* Build the descriptor of a submit statement. */
static long sva_scn_desc(struct sva_scn_exec *x, struct dsa_hw_desc *d, uint64_t comp)
{
	static const unsigned addrs[] = { SVA_SCN_SUB_SRC, SVA_SCN_SUB_DST, SVA_SCN_SUB_DST2 };
	const char *op = sva_scn_arg(x, SVA_SCN_SUB_OP)->word;
	uint64_t a[3] = { 0 };
	uint32_t len = (uint32_t)sva_scn_num_or(x, SVA_SCN_SUB_LEN, 0);
	uint64_t pattern = sva_scn_num_or(x, SVA_SCN_SUB_PATTERN, 0);
	uint64_t src, dst, dst2;

	for (unsigned i = 0; i < 3; i++) {
		int ret = sva_scn_arg(x, addrs[i])->present ? sva_scn_val(x, addrs[i], &a[i]) : 0;

		if (ret)
			return ret;
	}
	src = a[0];
	dst = a[1];
	dst2 = a[2];
	if (strcmp(op, "noop") == 0)
		sva_dsa_desc_noop(d, comp);
	else if (strcmp(op, "memmove") == 0)
		sva_dsa_desc_memmove(d, dst, src, len, comp);
	else if (strcmp(op, "fill") == 0)
		sva_dsa_desc_fill(d, dst, pattern, len, comp);
	else if (strcmp(op, "compare") == 0)
		sva_dsa_desc_compare(d, src, dst, len, comp);
	else if (strcmp(op, "compare_pattern") == 0)
		sva_dsa_desc_compare_pattern(d, src, pattern, len, comp);
	else if (strcmp(op, "crc32c") == 0)
		sva_dsa_desc_crc32c(d, src, len, (uint32_t)pattern, comp);
	else if (strcmp(op, "copy_crc") == 0)
		sva_dsa_desc_copy_crc(d, dst, src, len, (uint32_t)pattern, comp);
	else if (strcmp(op, "raw") == 0)
		sva_scn_desc_raw(x, d, src, dst, dst2, comp);
	else
		sva_dsa_desc_dualcast(d, dst, dst2, src, len, comp);
	return 0;
}

/* Wait a little: yield first, then sleep a millisecond (native engines may be slow). */
bool sva_scn_backoff(struct sva_scn_exec *x, unsigned *tries)
{
	if (*tries >= SVA_SCN_SUBMIT_RETRIES + SVA_SCN_SLEEPS)
		return false;
	if ((*tries)++ < SVA_SCN_SUBMIT_RETRIES)
		sva_yield(x->w);
	else
		sva_msleep(x->w, 1);
	return true;
}

static long sva_scn_submit(struct sva_scn_exec *x)
{
	const struct sva_scn_wq *wq;
	struct sva_scn_fdinfo f;
	struct dsa_hw_desc d;
	uint64_t fd, comp;
	unsigned tries = 0;
	long ret = sva_scn_val(x, SVA_SCN_SUB_FD, &fd);

	if (ret)
		return ret;
	if (!sva_scn_fdinfo(x, (int)fd, &f) || f.wq < 0)
		return -EBADF;
	wq = &x->c->r->s->wqs[f.wq];
	ret = sva_scn_record(x, &comp);
	if (ret == 0)
		ret = sva_scn_desc(x, &d, comp);
	if (ret)
		return ret;
	if (wq->bof && strcmp(sva_scn_arg(x, SVA_SCN_SUB_OP)->word, "raw") != 0)
		d.flags |= IDXD_OP_FLAG_BOF; /* a raw descriptor's flags are as given */
	do {
		struct dsa_hw_desc copy = d;

		ret = wq->mode == SVA_SCN_WQ_SHARED
			      ? sva_accel_enqcmd(x->t, f.portal, &copy)
			      : sva_accel_movdir64b_retry(x->t, f.portal, &copy);
	} while (ret == -EAGAIN && sva_scn_backoff(x, &tries));
	if (ret)
		return ret;
	sva_scn_lock(x);
	x->c->ps->recs[x->c->ps->nrecs % SVA_SCN_RECS].comp = comp;
	x->c->ps->recs[x->c->ps->nrecs++ % SVA_SCN_RECS].fd = (int)fd;
	sva_scn_unlock(x);
	return (long)comp;
}

/*
 * Is the queue @comp was submitted to stopped (its device removed, or put)? Then every record
 * of it is final (SVA_UACCE_CMD_Q_STATE answers once the stop is over).
 */
static bool sva_scn_record_queue_stopped(struct sva_scn_exec *x, uint64_t comp)
{
	struct sva_scn_proc *ps = x->c->ps;
	int fd = -1;

	sva_scn_lock(x);
	for (unsigned i = 0; i < SVA_SCN_RECS && i < ps->nrecs; i++)
		if (ps->recs[i].comp == comp)
			fd = ps->recs[i].fd;
	sva_scn_unlock(x);
	return fd >= 0 && sva_sys_ioctl(x->t, fd, SVA_UACCE_CMD_Q_STATE, 0) == SVA_UACCE_Q_ZOMBIE;
}

/*
 * wait(completion): 0 on SUCCESS; -EFAULT page fault, -ECANCELED aborted, -EIO otherwise. A
 * descriptor its queue's stop ended (a removal mid-flight) is ABORTED even when its record
 * could not be written: once the yields are spent, each retry asks whether the queue is
 * stopped, and a record still missing then will not come.
 */
static long sva_scn_wait_record(struct sva_scn_exec *x, uint64_t comp)
{
	unsigned tries = 0;

	for (;;) {
		bool stopped =
			tries >= SVA_SCN_SUBMIT_RETRIES && sva_scn_record_queue_stopped(x, comp);
		uint8_t status = 0;
		int ret = sva_sys_read_mem(x->t, comp, &status, 1);
		unsigned code = sva_dsa_status_code(status);

		if (ret)
			return ret;
		if (code == DSA_COMP_SUCCESS)
			return 0;
		if (code == DSA_COMP_PAGE_FAULT_NOBOF || code == DSA_COMP_PAGE_FAULT_IR)
			return -EFAULT;
		if (code == SVA_DSA_COMP_ABORTED)
			return -ECANCELED;
		if (code != DSA_COMP_NONE)
			return -EIO;
		if (stopped)
			return -ECANCELED; /* aborted, its record lost */
		if (!sva_scn_backoff(x, &tries))
			return -ETIMEDOUT;
	}
}

static long sva_scn_wait(struct sva_scn_exec *x)
{
	int var = sva_scn_arg(x, 0)->var;
	uint64_t v;
	int status = 0, ret = sva_scn_val(x, 0, &v);

	if (ret)
		return ret;
	if (x->c->r->s->vars[var].type == SVA_SCN_T_COMP)
		return sva_scn_wait_record(x, v);
	ret = sva_sys_wait(x->t, (int)v, &status);
	return ret < 0 ? ret : status;
}

/* ---- processes ---- */

static long sva_scn_spawn(struct sva_scn_exec *x)
{
	const struct sva_scn_arg *a = sva_scn_arg(x, 0);
	struct sva_scenario_run *r = x->c->r;
	const struct sva_scn_program *p = a->present ? &r->s->programs[a->index] : NULL;
	bool clone = x->st->op == SVA_SCN_CLONE;
	struct sva_scn_ctx *child = sva_scn_ctx_get(r, p, clone ? x->ps : NULL);
	struct sva_scn_proc *ps;
	int ret;

	if (!child)
		return -EAGAIN;
	if (clone) /* a thread of this process: its variables, fds and mappings */
		return sva_sys_clone(x->t, sva_scn_task_main, child);
	ps = child->ps; /* a child: a copy of them, as of the fork */
	sva_scn_lock(x);
	memcpy(ps->vals, x->ps->vals, sizeof(ps->vals));
	memcpy(ps->set, x->ps->set, sizeof(ps->set));
	memcpy(ps->by, x->ps->by, sizeof(ps->by));
	memcpy(ps->fds, x->ps->fds, sizeof(ps->fds));
	ps->nfds = x->ps->nfds;
	memcpy(ps->maps, x->ps->maps, sizeof(ps->maps));
	ps->nmaps = x->ps->nmaps;
	ps->comp_page = x->ps->comp_page;
	ps->comp_next = x->ps->comp_next;
	sva_scn_unlock(x);
	ret = sva_sys_fork(x->t, p ? p->name : "child", sva_scn_task_main, child);
	if (ret > 0) {
		sva_scn_lock(x);
		ps->pid = ret;
		sva_scn_unlock(x);
	}
	return ret;
}

static long sva_scn_exec_call(struct sva_scn_exec *x)
{
	struct sva_scn_proc *ps = x->ps;
	int ret = sva_sys_exec(x->t, x->c->prog ? x->c->prog->name : "exec");

	if (ret)
		return ret;
	sva_scn_fd_drop(x, -1); /* close-on-exec */
	sva_scn_lock(x);	/* a new address space: no mapping, no portal, no record page */
	ps->nmaps = 0;
	ps->comp_page = 0;
	for (unsigned i = 0; i < ps->nfds; i++)
		ps->fds[i].portal = 0;
	sva_scn_unlock(x);
	return 0;
}

static long sva_scn_kill(struct sva_scn_exec *x)
{
	uint64_t pid;
	int ret = sva_scn_val(x, 0, &pid);

	return ret ? ret : sva_sys_kill(x->t, (int)pid);
}

/* send_fd: the file goes into @pid's table now; its recv_fd learns the number from the mail. */
static long sva_scn_send_fd(struct sva_scn_exec *x)
{
	struct sva_scenario_run *r = x->c->r;
	struct sva_scn_fdinfo f = { .wq = -1 };
	uint64_t pid, fd;
	int ret = sva_scn_val(x, 0, &fd);

	ret = ret ? ret : sva_scn_val(x, 1, &pid);
	if (ret)
		return ret;
	ret = sva_sys_send_fd(x->t, (int)fd, (int)pid);
	if (ret < 0)
		return ret;
	sva_scn_fdinfo(x, (int)fd, &f);
	sva_scn_lock(x);
	if (r->nmail < SVA_SCN_MAX_MAIL)
		r->mail[r->nmail++] =
			(struct sva_scn_mail){ .pid = (int)pid, .fd = ret, .wq = f.wq };
	sva_scn_unlock(x);
	return 0;
}

/* The first file passed to this process and not yet received: its fd (false: none yet). */
static bool sva_scn_mail_take(struct sva_scn_exec *x, struct sva_scn_fdinfo *out)
{
	struct sva_scenario_run *r = x->c->r;
	bool found = false;

	sva_scn_lock(x);
	for (unsigned i = 0; i < r->nmail && !found; i++) {
		if (r->mail[i].pid != x->ps->pid)
			continue;
		*out = (struct sva_scn_fdinfo){ .fd = r->mail[i].fd, .wq = r->mail[i].wq };
		memmove(&r->mail[i], &r->mail[i + 1], (r->nmail - i - 1) * sizeof(r->mail[i]));
		r->nmail--;
		found = true;
	}
	sva_scn_unlock(x);
	return found;
}

static long sva_scn_recv_fd(struct sva_scn_exec *x)
{
	struct sva_scn_fdinfo f;
	unsigned tries = 0;

	while (!sva_scn_mail_take(x, &f))
		if (!sva_scn_backoff(x, &tries))
			return -ETIMEDOUT;
	sva_scn_fd_add(x, &f);
	return f.fd;
}

/* The process state of child @pid: its mm id (0 until known). */
static uint64_t sva_scn_child_mm(struct sva_scn_exec *x, int pid)
{
	struct sva_scenario_run *r = x->c->r;
	unsigned n = atomic_load(&r->nprocs);
	uint64_t mm = 0;

	sva_scn_lock(x);
	for (unsigned i = 0; i < n && i < SVA_SCN_MAX_TASKS && !mm; i++)
		if (r->procs[i].pid == pid)
			mm = r->procs[i].mm_id;
	sva_scn_unlock(x);
	return mm;
}

/*
 * wait_free(pasid(p)): until the PASID of p's mm went back to the allocator (-ENOENT when the
 * mm was dropped without one); wait_free(mm(p)): until p's mm was freed (__mmdrop).
 */
static long sva_scn_wait_free(struct sva_scn_exec *x)
{
	struct sva_scenario_run *r = x->c->r;
	bool pasid = strcmp(sva_scn_arg(x, 0)->word, "pasid") == 0;
	unsigned tries = 0;
	uint64_t pid;
	int ret = sva_scn_val(x, 0, &pid);

	if (ret)
		return ret;
	for (;;) {
		uint64_t mm = sva_scn_child_mm(x, (int)pid);
		bool freed = false, dropped = false;

		if (mm) {
			sva_scn_lock(x);
			freed = sva_scn_mms_has(&r->freed, mm);
			dropped = sva_scn_mms_has(&r->dropped, mm);
			sva_scn_unlock(x);
		}
		if (pasid ? freed : dropped)
			return 0;
		if (pasid && dropped)
			return -ENOENT;
		if (!sva_scn_backoff(x, &tries))
			return -ETIMEDOUT;
	}
}

/* ---- the machine ---- */

static long sva_scn_remove(struct sva_scn_exec *x)
{
	return sva_scn_device_destroy(x->c->r, x->w, (size_t)sva_scn_arg(x, 0)->index);
}

static long sva_scn_iopf_disable(struct sva_scn_exec *x)
{
	struct sva_scenario_run *r = x->c->r;
	int i = sva_scn_arg(x, 0)->index;

	if (atomic_load(&r->removed[i]))
		return -ENODEV;
	return sva_swiommu_disable_iopf(r->devs[i]);
}

static long sva_scn_reclaim(struct sva_scn_exec *x)
{
	sva_mm_sys_reclaim(sva_kernel_mm_sys(x->c->r->k), (size_t)sva_scn_arg(x, 0)->num);
	return 0;
}

long sva_scn_call(struct sva_scn_exec *x)
{
	switch (x->st->op) {
	case SVA_SCN_OPEN:
		return sva_scn_open(x);
	case SVA_SCN_CLOSE:
		return sva_scn_close(x);
	case SVA_SCN_MMAP:
		return sva_scn_mmap(x);
	case SVA_SCN_MUNMAP:
		return sva_scn_munmap(x);
	case SVA_SCN_MPROTECT:
		return sva_scn_mprotect(x);
	case SVA_SCN_IOCTL:
		return sva_scn_ioctl(x);
	case SVA_SCN_FILL:
	case SVA_SCN_VERIFY:
	case SVA_SCN_TOUCH:
		return sva_scn_cpu(x);
	case SVA_SCN_SUBMIT:
		return sva_scn_submit(x);
	case SVA_SCN_WAIT:
		return sva_scn_wait(x);
	case SVA_SCN_FORK:
	case SVA_SCN_CLONE:
		return sva_scn_spawn(x);
	case SVA_SCN_EXEC:
		return sva_scn_exec_call(x);
	case SVA_SCN_EXIT:
		sva_sys_exit(x->t, (int)sva_scn_num_or(x, 0, 0));
	case SVA_SCN_KILL:
		return sva_scn_kill(x);
	case SVA_SCN_SEND_FD:
		return sva_scn_send_fd(x);
	case SVA_SCN_RECV_FD:
		return sva_scn_recv_fd(x);
	case SVA_SCN_YIELD:
		for (uint64_t i = sva_scn_num_or(x, 0, 1); i; i--)
			sva_yield(x->w);
		return 0;
	case SVA_SCN_REMOVE:
		return sva_scn_remove(x);
	case SVA_SCN_IOPF_DISABLE:
		return sva_scn_iopf_disable(x);
	case SVA_SCN_RECLAIM:
		return sva_scn_reclaim(x);
	case SVA_SCN_WAIT_FREE:
		return sva_scn_wait_free(x);
	case SVA_SCN_WQ_DISABLE:
	case SVA_SCN_WQ_ENABLE:
	case SVA_SCN_DISABLE:
	case SVA_SCN_ENABLE:
		return sva_scn_idxd_admin(x->c->r, x->st->op, sva_scn_arg(x, 0)->index);
	default:
		return sva_scn_op_is_embed(x->st->op) ? sva_scn_embed_call(x) : -EINVAL;
	}
}

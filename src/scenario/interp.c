/* SPDX-License-Identifier: MIT */
/*
 * The scenario interpreter: what each call of a task's program does, as system calls of that
 * task (sva/proc.h) and accelerator instructions (sva/accel.h), and how its outcome is judged
 * against the statement's expectation.
 *
 * A call returns a value (>= 0: an fd, an address, a pid, a status) or a negative errno. A
 * call that fails unexpectedly, or succeeds where a failure was expected, is recorded as a
 * failure of the run at the statement's file:line:column and ends the task (exit code 1). A
 * task killed in a call never returns from it (the process layer exits it at the system-call
 * boundary), which is why nothing here is allocated per task (see runner.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "runner.h"
#include "sva/uacce.h"

#define SVA_SCN_SUBMIT_RETRIES 1000  /* yields on a full WQ, then ... */
#define SVA_SCN_SLEEPS	       30000 /* ... 1 ms sleeps: a record lost is a failure, not a hang */
#define SVA_SCN_RECORD_SIZE    32u

struct sva_scn_exec {
	struct sva_scn_ctx *c;
	struct sva_task *t;
	struct sva_world *w;
	const struct sva_scn_stmt *st;
};

static int sva_scn_block(struct sva_scn_exec *x, const struct sva_scn_block *b);

struct sva_scn_ctx *sva_scn_ctx_get(struct sva_scenario_run *r, const struct sva_scn_program *p)
{
	unsigned i = atomic_fetch_add(&r->npool, 1);
	struct sva_scn_ctx *c;

	if (i >= SVA_SCN_MAX_TASKS)
		return NULL;
	c = &r->pool[i];
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->prog = p;
	c->pasid = SVA_PASID_INVALID;
	return c;
}

void sva_scn_fail(struct sva_scenario_run *r, const struct sva_scn_loc *loc, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&r->lock);
	if (!r->nfailures++)
		snprintf(r->failure, sizeof(r->failure), "%s:%u:%u: %s", r->s->file,
			 loc ? loc->line : 0, loc ? loc->col : 0, msg);
	pthread_mutex_unlock(&r->lock);
}

/* ---- arguments ---- */

static const struct sva_scn_arg *sva_scn_arg(const struct sva_scn_exec *x, unsigned i)
{
	return &x->st->args[i];
}

/* The value of argument @i: its number, or its variable's value (-ENOENT: not set here). */
static int sva_scn_val(const struct sva_scn_exec *x, unsigned i, uint64_t *out)
{
	const struct sva_scn_arg *a = sva_scn_arg(x, i);

	if (a->var < 0) {
		*out = a->num;
		return 0;
	}
	if (!x->c->set[a->var]) {
		sva_scn_fail(x->c->r, &a->loc, "%s is not set in this process",
			     x->c->r->s->vars[a->var].name);
		return -ENOENT;
	}
	*out = x->c->vals[a->var];
	return 0;
}

static uint64_t sva_scn_num_or(const struct sva_scn_exec *x, unsigned i, uint64_t dflt)
{
	return sva_scn_arg(x, i)->present ? sva_scn_arg(x, i)->num : dflt;
}

static struct sva_scn_fdinfo *sva_scn_fdinfo(struct sva_scn_ctx *c, int fd)
{
	for (unsigned i = 0; i < c->nfds; i++)
		if (c->fds[i].fd == fd)
			return &c->fds[i];
	return NULL;
}

static struct sva_scn_map *sva_scn_map_find(struct sva_scn_ctx *c, uint64_t addr)
{
	for (unsigned i = 0; i < c->nmaps; i++)
		if (c->maps[i].addr == addr)
			return &c->maps[i];
	return NULL;
}

static void sva_scn_map_add(struct sva_scn_ctx *c, uint64_t addr, uint64_t len)
{
	if (c->nmaps < SVA_SCN_MAX_MAPS)
		c->maps[c->nmaps++] = (struct sva_scn_map){ addr, len };
}

/* ---- files and memory ---- */

static long sva_scn_open(struct sva_scn_exec *x)
{
	const struct sva_scn_arg *a = sva_scn_arg(x, 0);
	struct sva_scn_ctx *c = x->c;
	int fd = sva_sys_open(x->t, a->word);

	if (fd < 0)
		return fd;
	if (c->nfds < SVA_SCN_MAX_FDS)
		c->fds[c->nfds++] = (struct sva_scn_fdinfo){ .fd = fd, .wq = a->index };
	c->pasid = sva_mm_get_pasid(sva_task_mm(x->t));
	return fd;
}

static long sva_scn_close(struct sva_scn_exec *x)
{
	struct sva_scn_fdinfo *f;
	uint64_t fd;
	int ret;

	if (sva_scn_val(x, 0, &fd))
		return -ENOENT;
	ret = sva_sys_close(x->t, (int)fd);
	f = sva_scn_fdinfo(x->c, (int)fd);
	if (ret == 0 && f)
		*f = x->c->fds[--x->c->nfds];
	return ret;
}

static long sva_scn_mmap(struct sva_scn_exec *x)
{
	const unsigned rw = SVA_PROT_READ | SVA_PROT_WRITE;
	const struct sva_scn_arg *src = sva_scn_arg(x, 0);
	struct sva_scn_fdinfo *f;
	uint64_t v, addr = 0;
	bool mmio;
	int ret;

	if (src->var < 0) { /* anonymous */
		ret = sva_sys_mmap(x->t, 0, src->num, rw, 0, -1, 0, &addr);
		if (ret)
			return ret;
		sva_scn_map_add(x->c, addr, src->num);
		return (long)addr;
	}
	if (sva_scn_val(x, 0, &v))
		return -ENOENT;
	mmio = strcmp(sva_scn_arg(x, 1)->word, "mmio") == 0;
	ret = sva_sys_mmap(x->t, 0, SVA_PAGE_SIZE, rw, SVA_MAP_SHARED, (int)v,
			   mmio ? 0 : SVA_PAGE_SIZE, &addr);
	if (ret)
		return ret;
	sva_scn_map_add(x->c, addr, SVA_PAGE_SIZE);
	f = sva_scn_fdinfo(x->c, (int)v);
	if (mmio && f)
		f->portal = addr;
	return (long)addr;
}

static long sva_scn_munmap(struct sva_scn_exec *x)
{
	struct sva_scn_map *m;
	uint64_t addr, len;
	int ret;

	if (sva_scn_val(x, 0, &addr))
		return -ENOENT;
	m = sva_scn_map_find(x->c, addr);
	len = sva_scn_num_or(x, 1, m ? m->len : SVA_PAGE_SIZE);
	ret = sva_sys_munmap(x->t, addr, len);
	if (ret == 0 && m && len >= m->len)
		*m = x->c->maps[--x->c->nmaps];
	return ret;
}

static long sva_scn_ioctl(struct sva_scn_exec *x)
{
	bool start = strcmp(sva_scn_arg(x, 1)->word, "start_q") == 0;
	uint64_t fd;

	if (sva_scn_val(x, 0, &fd))
		return -ENOENT;
	return sva_sys_ioctl(x->t, (int)fd, start ? SVA_UACCE_CMD_START_Q : SVA_UACCE_CMD_PUT_Q, 0);
}

/* fill / verify / touch: the CPU on [addr, addr + len), a page at a time. */
static long sva_scn_cpu(struct sva_scn_exec *x)
{
	uint8_t byte = (uint8_t)sva_scn_num_or(x, 2, 0), buf[SVA_PAGE_SIZE], want[SVA_PAGE_SIZE];
	uint64_t addr, len = sva_scn_arg(x, 1)->num;

	if (sva_scn_val(x, 0, &addr))
		return -ENOENT;
	if (x->st->op == SVA_SCN_TOUCH)
		return sva_sys_touch(x->t, addr, len, sva_scn_num_or(x, 2, 0) != 0);
	memset(want, byte, sizeof(want));
	for (uint64_t done = 0; done < len;) {
		size_t chunk = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		int ret = x->st->op == SVA_SCN_FILL
				  ? sva_sys_write_mem(x->t, addr + done, want, chunk)
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
	struct sva_scn_ctx *c = x->c;
	int ret;

	if (!c->comp_page || c->comp_next == SVA_PAGE_SIZE / SVA_SCN_RECORD_SIZE) {
		ret = sva_sys_mmap(x->t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				   SVA_MAP_POPULATE, -1, 0, &c->comp_page);
		if (ret)
			return ret;
		c->comp_next = 0;
	}
	*out = c->comp_page + SVA_SCN_RECORD_SIZE * c->comp_next++;
	return 0;
}

/* Build the descriptor of a submit statement. */
static long sva_scn_desc(struct sva_scn_exec *x, struct sva_dsa_desc *d, uint64_t comp)
{
	const char *op = sva_scn_arg(x, SVA_SCN_SUB_OP)->word;
	uint64_t src = 0, dst = 0, dst2 = 0;
	uint32_t len = (uint32_t)sva_scn_num_or(x, SVA_SCN_SUB_LEN, 0);
	uint64_t pattern = sva_scn_num_or(x, SVA_SCN_SUB_PATTERN, 0);

	if ((sva_scn_arg(x, SVA_SCN_SUB_SRC)->present && sva_scn_val(x, SVA_SCN_SUB_SRC, &src)) ||
	    (sva_scn_arg(x, SVA_SCN_SUB_DST)->present && sva_scn_val(x, SVA_SCN_SUB_DST, &dst)) ||
	    (sva_scn_arg(x, SVA_SCN_SUB_DST2)->present && sva_scn_val(x, SVA_SCN_SUB_DST2, &dst2)))
		return -ENOENT;
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
	else
		sva_dsa_desc_dualcast(d, dst, dst2, src, len, comp);
	return 0;
}

/* Wait a little: yield first, then sleep a millisecond (native engines may be slow). */
static bool sva_scn_backoff(struct sva_scn_exec *x, unsigned *tries)
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
	struct sva_scn_fdinfo *f;
	struct sva_dsa_desc d;
	uint64_t fd, comp;
	unsigned tries = 0;
	long ret;

	if (sva_scn_val(x, SVA_SCN_SUB_FD, &fd))
		return -ENOENT;
	f = sva_scn_fdinfo(x->c, (int)fd);
	if (!f)
		return -EBADF;
	wq = &x->c->r->s->wqs[f->wq];
	ret = sva_scn_record(x, &comp);
	if (ret == 0)
		ret = sva_scn_desc(x, &d, comp);
	if (ret)
		return ret;
	if (wq->bof)
		d.flags |= SVA_DSA_FLAG_BOF;
	do {
		struct sva_dsa_desc copy = d;

		ret = wq->mode == SVA_SCN_WQ_SHARED ? sva_accel_enqcmd(x->t, f->portal, &copy)
						    : sva_accel_movdir64b(x->t, f->portal, &copy);
	} while (ret == -EAGAIN && sva_scn_backoff(x, &tries));
	if (ret)
		return ret;
	x->c->recs[x->c->nrecs % SVA_SCN_RECS].comp = comp;
	x->c->recs[x->c->nrecs++ % SVA_SCN_RECS].fd = (int)fd;
	return (long)comp;
}

/*
 * Is the queue @comp was submitted to stopped (its device removed, or put)? Then every record
 * of it is final (SVA_UACCE_CMD_Q_STATE answers once the stop is over).
 */
static bool sva_scn_record_queue_stopped(struct sva_scn_exec *x, uint64_t comp)
{
	struct sva_scn_ctx *c = x->c;

	for (unsigned i = 0; i < SVA_SCN_RECS && i < c->nrecs; i++)
		if (c->recs[i].comp == comp)
			return sva_sys_ioctl(x->t, c->recs[i].fd, SVA_UACCE_CMD_Q_STATE, 0) ==
			       SVA_UACCE_Q_ZOMBIE;
	return false;
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

		if (ret)
			return ret;
		if (status == SVA_DSA_STATUS_SUCCESS)
			return 0;
		if (status == SVA_DSA_STATUS_PAGE_FAULT)
			return -EFAULT;
		if (status == SVA_DSA_STATUS_ABORTED)
			return -ECANCELED;
		if (status != SVA_DSA_STATUS_NONE)
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
	int status = 0, ret;

	if (sva_scn_val(x, 0, &v))
		return -ENOENT;
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
	struct sva_scn_ctx *child = sva_scn_ctx_get(r, p);

	if (!child)
		return -EAGAIN;
	memcpy(child->vals, x->c->vals, sizeof(child->vals));
	memcpy(child->set, x->c->set, sizeof(child->set));
	memcpy(child->fds, x->c->fds, sizeof(child->fds));
	child->nfds = x->c->nfds;
	memcpy(child->maps, x->c->maps, sizeof(child->maps));
	child->nmaps = x->c->nmaps;
	child->comp_page = x->c->comp_page;
	child->comp_next = x->c->comp_next;
	if (x->st->op == SVA_SCN_CLONE)
		return sva_sys_clone(x->t, sva_scn_task_main, child);
	return sva_sys_fork(x->t, p ? p->name : "child", sva_scn_task_main, child);
}

static long sva_scn_exec_call(struct sva_scn_exec *x)
{
	struct sva_scn_ctx *c = x->c;
	int ret = sva_sys_exec(x->t, c->prog ? c->prog->name : "exec");

	if (ret == 0) { /* a new address space: no mapping, no portal, no record page */
		c->nmaps = 0;
		c->comp_page = 0;
		for (unsigned i = 0; i < c->nfds; i++)
			c->fds[i].portal = 0;
	}
	return ret;
}

static long sva_scn_pid_call(struct sva_scn_exec *x)
{
	uint64_t pid, fd;

	if (x->st->op == SVA_SCN_KILL)
		return sva_scn_val(x, 0, &pid) ? -ENOENT : sva_sys_kill(x->t, (int)pid);
	if (sva_scn_val(x, 0, &fd) || sva_scn_val(x, 1, &pid))
		return -ENOENT;
	return sva_sys_send_fd(x->t, (int)fd, (int)pid);
}

static long sva_scn_remove(struct sva_scn_exec *x)
{
	struct sva_scenario_run *r = x->c->r;
	int i = sva_scn_arg(x, 0)->index;

	if (atomic_exchange(&r->removed[i], true))
		return -ENODEV;
	sva_accel_destroy(r->accels[i]);
	sva_device_remove(r->devs[i]);
	return 0;
}

static long sva_scn_call(struct sva_scn_exec *x)
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
	case SVA_SCN_SEND_FD:
		return sva_scn_pid_call(x);
	case SVA_SCN_YIELD:
		for (uint64_t i = sva_scn_num_or(x, 0, 1); i; i--)
			sva_yield(x->w);
		return 0;
	case SVA_SCN_REMOVE:
		return sva_scn_remove(x);
	default:
		return -EINVAL;
	}
}

/* ---- judging ---- */

static void sva_scn_describe(long ret, char *buf, size_t len)
{
	if (ret < 0)
		snprintf(buf, len, "%s", sva_strerror((int)ret));
	else
		snprintf(buf, len, "%ld", ret);
}

/* Whether @ret is what the statement expects (a failure is recorded when not). */
static bool sva_scn_judge(struct sva_scn_exec *x, long ret)
{
	const struct sva_scn_stmt *st = x->st;
	char got[96];
	bool ok;

	switch (st->expect) {
	case SVA_SCN_EXPECT_ANY:
		return true;
	case SVA_SCN_EXPECT_ERROR:
		ok = ret == -st->expect_value;
		break;
	case SVA_SCN_EXPECT_STATUS:
		ok = ret == st->expect_value;
		break;
	default:
		ok = ret >= 0;
		break;
	}
	if (ok)
		return true;
	sva_scn_describe(ret, got, sizeof(got));
	if (st->expect == SVA_SCN_EXPECT_OK)
		sva_scn_fail(x->c->r, &st->loc, "%s() failed: %s", st->call->name, got);
	else if (st->expect == SVA_SCN_EXPECT_ERROR)
		sva_scn_fail(x->c->r, &st->loc, "%s() returned %s, expected %s", st->call->name,
			     got, sva_strerror(-st->expect_value));
	else
		sva_scn_fail(x->c->r, &st->loc, "wait() gave status %s, expected %d", got,
			     st->expect_value);
	return false;
}

static int sva_scn_stmt(struct sva_scn_exec *x, const struct sva_scn_stmt *st)
{
	long ret;

	x->st = st;
	if (st->op == SVA_SCN_REPEAT) {
		for (unsigned long i = 0; i < st->count; i++)
			if (sva_scn_block(x, st->body))
				return -1;
		return 0;
	}
	ret = sva_scn_call(x);
	if (!sva_scn_judge(x, ret))
		return -1;
	if (st->result >= 0 && ret >= 0) {
		x->c->vals[st->result] = (uint64_t)ret;
		x->c->set[st->result] = 1;
	}
	return 0;
}

static int sva_scn_block(struct sva_scn_exec *x, const struct sva_scn_block *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (sva_scn_stmt(x, &b->stmts[i]))
			return -1;
	return 0;
}

int sva_scn_task_main(struct sva_task *t, void *arg)
{
	struct sva_scn_ctx *c = arg;
	struct sva_scn_exec x = { .c = c, .t = t, .w = sva_kernel_world(sva_task_kernel(t)) };

	if (!c->mm_id)
		c->mm_id = sva_mm_id(sva_task_mm(t));
	if (!c->prog)
		return 0; /* fork() with no program: the child exits at once */
	return sva_scn_block(&x, &c->prog->body) ? 1 : 0;
}

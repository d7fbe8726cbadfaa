/* SPDX-License-Identifier: MIT */
/*
 * The scenario interpreter: how a task runs its program's statements (repeat, if, expect COND,
 * calls - what each call does is in interp_calls.c) and how a call's outcome is judged against
 * the statement's expectation.
 *
 * A call returns a value (>= 0: an fd, an address, a pid, a status) or a negative errno. A
 * call that fails unexpectedly, or succeeds where a failure was expected, is recorded as a
 * failure of the run at the statement's file:line:column and ends the task (exit code 1). A
 * call that fails as expected binds its variable to the negative errno: a condition may test
 * it, and a later call given it fails (EBADF, EFAULT, ESRCH, EINVAL by the variable's type)
 * without being made - judged by that call's own expectation. A task killed in a call never
 * returns from it (the process layer exits it at the system-call boundary), which is why
 * nothing here is allocated per task (see runner.h).
 *
 * The variables, fds and mappings are the process's (struct sva_scn_proc, under the run's
 * lock): a cloned thread shares its creator's, a forked child starts with a copy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "interp.h"

static int sva_scn_block(struct sva_scn_exec *x, const struct sva_scn_block *b);

struct sva_scn_ctx *sva_scn_ctx_get(struct sva_scenario_run *r, const struct sva_scn_program *p,
				    struct sva_scn_proc *ps)
{
	unsigned i = atomic_fetch_add(&r->npool, 1);
	struct sva_scn_ctx *c;

	if (i >= SVA_SCN_MAX_TASKS)
		return NULL;
	if (!ps) {
		unsigned j = atomic_fetch_add(&r->nprocs, 1);

		if (j >= SVA_SCN_MAX_TASKS)
			return NULL;
		ps = &r->procs[j];
		pthread_mutex_lock(&r->lock); /* wait_free may be looking through the states */
		memset(ps, 0, sizeof(*ps));
		ps->pasid = SVA_PASID_INVALID;
		pthread_mutex_unlock(&r->lock);
	}
	c = &r->pool[i];
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->prog = p;
	c->ps = ps;
	return c;
}

void sva_scn_run_fail(struct sva_scenario_run *r, const struct sva_scn_loc *loc, const char *fmt,
		      ...)
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

void sva_scn_lock(struct sva_scn_exec *x)
{
	pthread_mutex_lock(&x->c->r->lock);
}

void sva_scn_unlock(struct sva_scn_exec *x)
{
	pthread_mutex_unlock(&x->c->r->lock);
}

/* ---- variables and arguments ---- */

const struct sva_scn_arg *sva_scn_arg(const struct sva_scn_exec *x, unsigned i)
{
	return &x->st->args[i];
}

/* What a call given a variable whose own call failed fails with (as C would given -1). */
static int sva_scn_bad_value(const struct sva_scn_exec *x, enum sva_scn_type type)
{
	switch (type) {
	case SVA_SCN_T_FD:
		return -EBADF;
	case SVA_SCN_T_ADDR:
		return -EFAULT;
	case SVA_SCN_T_PID:
	case SVA_SCN_T_TID:
		return x->st->op == SVA_SCN_WAIT ? -ECHILD : -ESRCH;
	default:
		return -EINVAL;
	}
}

/* Variable @var as the process holds it: its state, value and, FAILED, the call that failed. */
static enum sva_scn_var_state sva_scn_var(struct sva_scn_exec *x, int var, int64_t *val,
					  const struct sva_scn_stmt **by)
{
	enum sva_scn_var_state state;

	sva_scn_lock(x);
	state = (enum sva_scn_var_state)x->ps->set[var];
	*val = x->ps->vals[var];
	if (by)
		*by = x->ps->by[var];
	sva_scn_unlock(x);
	return state;
}

static void sva_scn_var_assign(struct sva_scn_exec *x, int var, long ret)
{
	sva_scn_lock(x);
	x->ps->vals[var] = ret;
	x->ps->set[var] = ret >= 0 ? SVA_SCN_SET : SVA_SCN_FAILED;
	x->ps->by[var] = x->st;
	sva_scn_unlock(x);
}

/* "-EBUSY": the name of error @err, without its description. */
static void sva_scn_errname(long err, char *buf, size_t len)
{
	const char *text = sva_strerror((int)err);
	const char *colon = strchr(text, ':');

	snprintf(buf, len, "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
}

/*
 * The value of variable @var used at @loc: 0, or -ENOENT (not set here: a failure of the
 * run), or the error of a use of a failed call's result (the reason in x->why).
 */
static int sva_scn_var_use(struct sva_scn_exec *x, int var, const struct sva_scn_loc *loc,
			   int64_t *out)
{
	const struct sva_scn_var *v = &x->c->r->s->vars[var];
	const struct sva_scn_stmt *by;
	enum sva_scn_var_state state = sva_scn_var(x, var, out, &by);
	char err[32];

	if (state == SVA_SCN_UNSET) {
		sva_scn_run_fail(x->c->r, loc, "%s is not set in this process", v->name);
		return -ENOENT;
	}
	if (state == SVA_SCN_SET)
		return 0;
	sva_scn_errname((long)*out, err, sizeof(err));
	snprintf(x->why, sizeof(x->why), "%s is %s (%s() failed at %u:%u)", v->name, err,
		 by->call->name, by->loc.line, by->loc.col);
	return sva_scn_bad_value(x, v->type);
}

/* The value of argument @i: its number, or its variable's value (see sva_scn_var_use). */
int sva_scn_val(struct sva_scn_exec *x, unsigned i, uint64_t *out)
{
	const struct sva_scn_arg *a = sva_scn_arg(x, i);
	int64_t v;
	int ret;

	if (a->var < 0) {
		*out = a->num;
		return 0;
	}
	ret = sva_scn_var_use(x, a->var, &a->loc, &v);
	*out = (uint64_t)v;
	return ret;
}

uint64_t sva_scn_num_or(const struct sva_scn_exec *x, unsigned i, uint64_t dflt)
{
	return sva_scn_arg(x, i)->present ? sva_scn_arg(x, i)->num : dflt;
}

/* The process's record of @fd, a copy (false: it has none). */
bool sva_scn_fdinfo(struct sva_scn_exec *x, int fd, struct sva_scn_fdinfo *out)
{
	bool found = false;

	sva_scn_lock(x);
	for (unsigned i = 0; i < x->ps->nfds && !found; i++) {
		if (x->ps->fds[i].fd == fd) {
			*out = x->ps->fds[i];
			found = true;
		}
	}
	sva_scn_unlock(x);
	return found;
}

void sva_scn_fd_add(struct sva_scn_exec *x, const struct sva_scn_fdinfo *f)
{
	sva_scn_lock(x);
	if (x->ps->nfds < SVA_SCN_MAX_FDS)
		x->ps->fds[x->ps->nfds++] = *f;
	sva_scn_unlock(x);
}

/* Forget @fd; when @fd < 0, every fd opened with cloexec (exec closed them). */
void sva_scn_fd_drop(struct sva_scn_exec *x, int fd)
{
	struct sva_scn_proc *ps = x->ps;

	sva_scn_lock(x);
	for (unsigned i = 0; i < ps->nfds;) {
		if (fd >= 0 ? ps->fds[i].fd == fd : ps->fds[i].cloexec)
			ps->fds[i] = ps->fds[--ps->nfds];
		else
			i++;
	}
	sva_scn_unlock(x);
}

void sva_scn_fd_portal(struct sva_scn_exec *x, int fd, uint64_t portal)
{
	sva_scn_lock(x);
	for (unsigned i = 0; i < x->ps->nfds; i++)
		if (x->ps->fds[i].fd == fd)
			x->ps->fds[i].portal = portal;
	sva_scn_unlock(x);
}

/* The length of the mapping at @addr (0: none), and forget it when @forget. */
uint64_t sva_scn_map_len(struct sva_scn_exec *x, uint64_t addr, bool forget)
{
	struct sva_scn_proc *ps = x->ps;
	uint64_t len = 0;

	sva_scn_lock(x);
	for (unsigned i = 0; i < ps->nmaps && !len; i++) {
		if (ps->maps[i].addr != addr)
			continue;
		len = ps->maps[i].len;
		if (forget)
			ps->maps[i] = ps->maps[--ps->nmaps];
	}
	sva_scn_unlock(x);
	return len;
}

void sva_scn_map_add(struct sva_scn_exec *x, uint64_t addr, uint64_t len)
{
	sva_scn_lock(x);
	if (x->ps->nmaps < SVA_SCN_MAX_MAPS)
		x->ps->maps[x->ps->nmaps++] = (struct sva_scn_map){ addr, len };
	sva_scn_unlock(x);
}

/* ---- conditions ---- */

/* What @c reads, into @val: 0, or -1 after recording why it cannot be read. */
static int sva_scn_cond_read(struct sva_scn_exec *x, const struct sva_scn_cond *c, int64_t *val)
{
	const struct sva_scn_var *v = &x->c->r->s->vars[c->var];
	struct dsa_completion_record rec;
	int ret;

	if (c->field == SVA_SCN_F_VALUE) {
		if (sva_scn_var(x, c->var, val, NULL) != SVA_SCN_UNSET)
			return 0;
		sva_scn_run_fail(x->c->r, &c->loc, "%s is not set in this process", v->name);
		return -1;
	}
	ret = sva_scn_var_use(x, c->var, &c->loc, val);
	if (ret == -ENOENT)
		return -1;
	if (ret) {
		sva_scn_run_fail(x->c->r, &c->loc, "%s: %s, it has no record", c->text, x->why);
		return -1;
	}
	/* this process's copy of the record: a forked child reads the one it inherited */
	ret = sva_sys_read_mem(x->t, (uint64_t)*val, &rec, sizeof(rec));
	if (ret) {
		sva_scn_run_fail(x->c->r, &c->loc, "%s: reading %s's record failed: %s", c->text,
				 v->name, sva_strerror(ret));
		return -1;
	}
	*val = c->field == SVA_SCN_F_STATUS	       ? sva_dsa_status_code(rec.status)
	       : c->field == SVA_SCN_F_RESULT	       ? rec.result
	       : c->field == SVA_SCN_F_BYTES_COMPLETED ? (int64_t)rec.bytes_completed
						       : (int64_t)rec.fault_addr;
	return 0;
}

static bool sva_scn_compare(int64_t a, enum sva_scn_cmp cmp, int64_t b)
{
	switch (cmp) {
	case SVA_SCN_EQ:
		return a == b;
	case SVA_SCN_NE:
		return a != b;
	case SVA_SCN_LT:
		return a < b;
	case SVA_SCN_LE:
		return a <= b;
	case SVA_SCN_GT:
		return a > b;
	default:
		return a >= b;
	}
}

/* A value for a message: 3 (PAGE_FAULT) for a status, -EBUSY for an error, else the number. */
static void sva_scn_show(const struct sva_scn_cond *c, int64_t val, char *buf, size_t len)
{
	const char *name = c->field == SVA_SCN_F_STATUS ? sva_scn_status_name((uint64_t)val) : NULL;

	if (name)
		snprintf(buf, len, "%" PRId64 " (%s)", val, name);
	else if (c->field == SVA_SCN_F_VALUE && val < 0 && val >= -4095)
		sva_scn_errname((long)val, buf, len);
	else
		snprintf(buf, len, "%" PRId64, val);
}

/* if COND { } else { }, expect COND: 0 to go on, -1 when the task stops. */
static int sva_scn_cond_stmt(struct sva_scn_exec *x, const struct sva_scn_stmt *st)
{
	const struct sva_scn_cond *c = &st->cond;
	int64_t val;
	char shown[64];
	bool holds;

	if (sva_scn_cond_read(x, c, &val))
		return -1;
	holds = sva_scn_compare(val, c->cmp, c->value);
	if (st->op == SVA_SCN_IF)
		return holds	    ? sva_scn_block(x, st->body)
		       : st->orelse ? sva_scn_block(x, st->orelse)
				    : 0;
	if (holds)
		return 0;
	sva_scn_show(c, val, shown, sizeof(shown));
	sva_scn_run_fail(x->c->r, &st->loc, "expected %s, but %s%s%s is %s", c->text,
			 x->c->r->s->vars[c->var].name, c->field ? "." : "",
			 sva_scn_field_names[c->field], shown);
	return -1;
}

/* ---- judging ---- */

/* "-EFAULT (Bad address)", or the value returned. */
static void sva_scn_describe_ret(long ret, char *buf, size_t len)
{
	if (ret < 0) {
		const char *text = sva_strerror((int)ret), *colon = strstr(text, ": ");

		if (colon)
			snprintf(buf, len, "%.*s (%s)", (int)(colon - text), text, colon + 2);
		else
			snprintf(buf, len, "%ld (%s)", ret, text);
	} else
		snprintf(buf, len, "%ld", ret);
}

/* Whether @ret is what the statement expects (a failure is recorded when not). */
static bool sva_scn_judge(struct sva_scn_exec *x, long ret)
{
	const struct sva_scn_stmt *st = x->st;
	char got[96], want[96];
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
	sva_scn_describe_ret(ret, got, sizeof(got));
	sva_scn_describe_ret(-(long)st->expect_value, want, sizeof(want));
	if (st->expect == SVA_SCN_EXPECT_OK)
		sva_scn_run_fail(x->c->r, &st->loc, "%s() returned %s, expected success%s%s",
				 st->call->name, got, x->why[0] ? ": " : "", x->why);
	else if (st->expect == SVA_SCN_EXPECT_ERROR)
		sva_scn_run_fail(x->c->r, &st->loc, "%s() returned %s, expected %s%s%s",
				 st->call->name, got, want, x->why[0] ? ": " : "", x->why);
	else
		sva_scn_run_fail(x->c->r, &st->loc, "wait() gave status %s, expected %s",
				 sva_scn_status_text(ret, got, sizeof(got)),
				 sva_scn_status_text(st->expect_value, want, sizeof(want)));
	return false;
}

static int sva_scn_stmt(struct sva_scn_exec *x, const struct sva_scn_stmt *st)
{
	long ret;

	x->st = st;
	x->why[0] = '\0';
	if (st->op == SVA_SCN_REPEAT) {
		for (unsigned long i = 0; i < st->count; i++) {
			uint64_t before = sva_world_now(x->w);

			if (sva_scn_block(x, st->body))
				return -1;
			/* an iteration that reached no scheduling point (an empty body, conditions
			   only) is one: a long such loop is a livelock the step budget stops */
			if (sva_world_now(x->w) == before)
				sva_sched_point(x->w);
		}
		return 0;
	}
	if (st->op == SVA_SCN_IF || st->op == SVA_SCN_CHECK)
		return sva_scn_cond_stmt(x, st);
	ret = sva_scn_call(x);
	if (!sva_scn_judge(x, ret))
		return -1;
	if (st->result >= 0)
		sva_scn_var_assign(x, st->result, ret);
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
	struct sva_scn_exec x = {
		.c = c, .ps = c->ps, .t = t, .w = sva_kernel_world(sva_task_kernel(t))
	};

	sva_scn_lock(&x);
	if (!c->ps->mm_id) { /* the first task of its process */
		c->ps->mm_id = sva_mm_id(sva_task_mm(t));
		c->ps->pid = sva_process_pid(sva_task_process(t));
	}
	sva_scn_unlock(&x);
	if (!c->prog)
		return 0; /* fork() with no program: the child exits at once */
	return sva_scn_block(&x, &c->prog->body) ? 1 : 0;
}

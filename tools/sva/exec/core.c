/* SPDX-License-Identifier: MIT */
/*
 * The device daemon's core (see exec.h): a native libsva world with the idxd devices of an
 * accel-config configuration, a shadow libsva process per real client mm, a keeper process,
 * and a watcher thread for real exits.
 *
 * Actors. libsva's system calls and instructions are made by libsva tasks, so every operation
 * a real program asks for (open, portal store, write) is run as a command by the task of its
 * mm's shadow process (struct exec_actor: a mailbox the task waits on). The shadow's mm is
 * external (sva_mm_set_external): the engine's DMA on its PASID reaches the real process's
 * memory through procmem.h; the lifetime is libsva's: the shadow's open binds its mm (PASID
 * allocated), its exit runs exit_mmap (the PASID blocked), the file's last put drains and
 * unbinds (the PASID freed once mm_count goes).
 *
 * References. A struct sva_exec_file holds a reference on its libsva file from open to the
 * real file's release (the FUSE RELEASE), so the libsva file lives exactly as long as the real
 * one: beyond its opener's exit when a forked child or a passed fd holds it. That reference is
 * put by the keeper process's task (a final fput runs the driver's release, which needs a
 * task). A shadow lives until its real process has exited (the watcher's pidfd) and is freed
 * when no file names it.
 *
 * Locks: x->lock (a pthread mutex) protects the shadow list, each shadow's exited / nfiles and
 * x->nfiles; it is never held across a command (commands may sleep in libsva: the engine's
 * drain). An actor's call_lock lets one caller at a time use its mailbox; mbox_lock guards
 * the mailbox. Order: x->lock is released before any call_lock is taken.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jansson.h>

#include "exec.h"
#include "procmem.h"
#include "sva/check.h"
#include "sva/idxd.h"
#include "sva/swiommu.h"
#include "sva/sync.h"

#define EXEC_MAX_DEVICES 8

/* The default device: like accel-config-test's 2g2q_user_1 (a shared and a dedicated WQ). */
static const char exec_default_config[] =
	"[{\"dev\":\"dsa0\",\"groups\":["
	"{\"dev\":\"group0.0\",\"grouped_workqueues\":[{\"dev\":\"wq0.0\",\"mode\":\"shared\","
	"\"size\":16,\"group_id\":0,\"priority\":10,\"block_on_fault\":1,\"type\":\"user\","
	"\"driver_name\":\"user\","
	"\"name\":\"app1\",\"threshold\":15}],\"grouped_engines\":[{\"dev\":\"engine0.0\","
	"\"group_id\":0},{\"dev\":\"engine0.1\",\"group_id\":0}]},"
	"{\"dev\":\"group0.1\",\"grouped_workqueues\":[{\"dev\":\"wq0.1\",\"mode\":\"dedicated\","
	"\"size\":16,\"group_id\":1,\"priority\":10,\"block_on_fault\":1,\"type\":\"user\","
	"\"driver_name\":\"user\","
	"\"name\":\"app2\"}],\"grouped_engines\":[{\"dev\":\"engine0.2\",\"group_id\":1},"
	"{\"dev\":\"engine0.3\",\"group_id\":1}]}]}]";

/* A command run by an actor's task. */
struct exec_cmd {
	int (*fn)(struct sva_task *t, void *arg);
	void *arg;
	int ret;
	bool done;
};

/* A libsva process driven from outside: its task runs the commands posted to it. */
struct exec_actor {
	struct sva_process *p;
	pthread_mutex_t call_lock; /* one caller at a time */
	pthread_mutex_t mbox_lock; /* cmd, quit */
	pthread_cond_t mbox_cond;
	struct exec_cmd *cmd;
	bool quit;
};

/* A real process's memory as its shadow mm's external memory (freed at the mm's __mmdrop). */
struct exec_mem {
	pthread_mutex_t lock; /* procmem is one user at a time; engines run in parallel */
	struct sva_procmem *pm;
	struct sva_mm_external ext;
};

/* The shadow of one real process (its thread group's mm). */
struct exec_proc {
	struct sva_exec *x;
	pid_t tgid;
	int pidfd;
	struct exec_actor a;
	struct exec_mem *mem; /* until the shadow's mm takes it (sva_mm_set_external) */
	bool exited;	      /* the real process has: the shadow is exiting (under x->lock) */
	bool stopped;	      /* the shadow has exited and been reaped (under x->lock) */
	unsigned nfiles;      /* files naming it, and callers pinning it across an unlock: the
			       * watcher frees no shadow they count (under x->lock) */
	struct exec_proc *next;
};

struct sva_exec_file {
	struct sva_exec *x;
	struct exec_proc *proc;
	int fd;		       /* in the shadow's table, until the shadow exits */
	uint64_t portal;       /* the portal's address in the shadow's mm */
	struct sva_file *file; /* the reference the real file's life holds */
};

struct sva_exec {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_checker *checker;
	struct sva_device *devs[EXEC_MAX_DEVICES];
	struct sva_idxd *idxd[EXEC_MAX_DEVICES];
	unsigned ndevs;
	FILE *trace;
	struct exec_actor keeper;
	pthread_mutex_t lock;
	struct exec_proc *procs; /* under lock */
	unsigned nfiles;	 /* under lock */
	pthread_t watcher;
	int wake_fd; /* eventfd: the watcher re-reads the shadow list */
	atomic_bool stopping;
};

/* ---- actors ------------------------------------------------------------------------------ */

static int exec_actor_main(struct sva_task *t, void *arg)
{
	struct exec_actor *a = arg;

	pthread_mutex_lock(&a->mbox_lock);
	for (;;) {
		struct exec_cmd *c;

		while (!a->cmd && !a->quit)
			pthread_cond_wait(&a->mbox_cond, &a->mbox_lock);
		if (!a->cmd)
			break;
		c = a->cmd;
		pthread_mutex_unlock(&a->mbox_lock);
		c->ret = c->fn(t, c->arg);
		/* back to user space: the task_work the command queued runs (a final fput's
		 * release) */
		sva_task_work_run(sva_kernel_world(sva_task_kernel(t)));
		pthread_mutex_lock(&a->mbox_lock);
		c->done = true;
		a->cmd = NULL;
		pthread_cond_broadcast(&a->mbox_cond);
	}
	pthread_mutex_unlock(&a->mbox_lock);
	return 0;
}

static int exec_actor_start(struct sva_exec *x, struct exec_actor *a, const char *name)
{
	pthread_mutex_init(&a->call_lock, NULL);
	pthread_mutex_init(&a->mbox_lock, NULL);
	pthread_cond_init(&a->mbox_cond, NULL);
	a->cmd = NULL;
	a->quit = false;
	return sva_process_start(x->k, name, exec_actor_main, a, &a->p);
}

/* Run fn(task, arg) as @a's task; its return value. */
static int exec_actor_call(struct exec_actor *a, int (*fn)(struct sva_task *, void *), void *arg)
{
	struct exec_cmd c = { .fn = fn, .arg = arg };

	pthread_mutex_lock(&a->call_lock);
	pthread_mutex_lock(&a->mbox_lock);
	/* the command lives on this stack until done is set: the caller waits for it */
	/* cppcheck-suppress autoVariables */
	a->cmd = &c;
	pthread_cond_broadcast(&a->mbox_cond);
	while (!c.done)
		pthread_cond_wait(&a->mbox_cond, &a->mbox_lock);
	pthread_mutex_unlock(&a->mbox_lock);
	pthread_mutex_unlock(&a->call_lock);
	return c.ret;
}

/* The task returns (the process exits: exit_mm, then exit_files), and is reaped. */
static void exec_actor_stop(struct exec_actor *a)
{
	int status;

	pthread_mutex_lock(&a->call_lock);
	pthread_mutex_lock(&a->mbox_lock);
	a->quit = true;
	pthread_cond_broadcast(&a->mbox_cond);
	pthread_mutex_unlock(&a->mbox_lock);
	pthread_mutex_unlock(&a->call_lock);
	sva_process_wait(a->p, &status);
	pthread_cond_destroy(&a->mbox_cond);
	pthread_mutex_destroy(&a->mbox_lock);
	pthread_mutex_destroy(&a->call_lock);
}

/* ---- a real process's memory ---------------------------------------------------------------- */

static int exec_mem_present(void *ctx, uint64_t va, bool write)
{
	struct exec_mem *m = ctx;
	int ret;

	pthread_mutex_lock(&m->lock);
	ret = sva_procmem_present(m->pm, va, write);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int exec_mem_fault(void *ctx, uint64_t va, bool write)
{
	struct exec_mem *m = ctx;
	int ret;

	pthread_mutex_lock(&m->lock);
	ret = sva_procmem_fault_in(m->pm, va, write);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static int exec_mem_access(void *ctx, uint64_t va, void *buf, size_t len, bool write)
{
	struct exec_mem *m = ctx;
	int ret;

	pthread_mutex_lock(&m->lock);
	ret = sva_procmem_access(m->pm, va, buf, len, write);
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static void exec_mem_release(void *ctx)
{
	struct exec_mem *m = ctx;

	sva_procmem_close(m->pm);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static int exec_mem_open(pid_t tgid, struct exec_mem **out)
{
	struct exec_mem *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	ret = sva_procmem_open(tgid, &m->pm);
	if (ret) {
		free(m);
		return ret;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->ext = (struct sva_mm_external){ .present = exec_mem_present,
					   .fault = exec_mem_fault,
					   .access = exec_mem_access,
					   .release = exec_mem_release,
					   .ctx = m };
	*out = m;
	return 0;
}

/* ---- shadows ----------------------------------------------------------------------------------
 */

/* The thread group of @pid (a thread id is what FUSE reports): from /proc/PID/status. */
static pid_t exec_tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -ESRCH;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

/* The shadow's first command: its mm's memory is the real process's. */
static int exec_proc_setup(struct sva_task *t, void *arg)
{
	struct exec_proc *p = arg;

	sva_mm_set_external(sva_task_mm(t), &p->mem->ext);
	return 0;
}

static void exec_wake_watcher(struct sva_exec *x)
{
	uint64_t one = 1;

	if (write(x->wake_fd, &one, sizeof(one)) != sizeof(one))
		sva_log(x->w, SVA_LOG_ERR, "exec: cannot wake the watcher: %s", strerror(errno));
}

/* The shadow of @tgid, created at its first open (its task started, its mm made external). x->lock
 * held. */
static int exec_proc_get(struct sva_exec *x, pid_t tgid, struct exec_proc **out)
{
	struct exec_proc *p;
	char name[32];
	int ret;

	for (p = x->procs; p; p = p->next)
		if (p->tgid == tgid && !p->exited) {
			*out = p;
			return 0;
		}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->x = x;
	p->tgid = tgid;
	p->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (p->pidfd < 0) {
		free(p);
		return -ESRCH;
	}
	ret = exec_mem_open(tgid, &p->mem);
	if (ret)
		goto fail_pidfd;
	snprintf(name, sizeof(name), "pid%d", (int)tgid);
	ret = exec_actor_start(x, &p->a, name);
	if (ret)
		goto fail_mem;
	exec_actor_call(&p->a, exec_proc_setup, p); /* the mm owns p->mem from here */
	p->next = x->procs;
	x->procs = p;
	exec_wake_watcher(x);
	*out = p;
	return 0;
fail_mem:
	exec_mem_release(p->mem);
fail_pidfd:
	close(p->pidfd);
	free(p);
	return ret;
}

/*
 * Free the shadows that have exited and that no file names. Only the watcher (or destroy,
 * after it) frees: its poll set holds shadows unlocked. x->lock held.
 */
static void exec_procs_reap_locked(struct sva_exec *x)
{
	for (struct exec_proc **pp = &x->procs; *pp;) {
		struct exec_proc *p = *pp;

		if (!p->stopped || p->nfiles) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		close(p->pidfd);
		free(p);
	}
}

/* Drop a pin of @p (exec_proc_get's caller's, a file's): the watcher may reap it. x->lock held. */
static void exec_proc_unpin_locked(struct sva_exec *x, struct exec_proc *p)
{
	if (!--p->nfiles && p->exited)
		exec_wake_watcher(x);
}

/* The real process of @p ended: its shadow exits (exit_mmap blocks its PASIDs). */
static void exec_proc_exit(struct sva_exec *x, struct exec_proc *p)
{
	pthread_mutex_lock(&x->lock);
	if (p->exited) {
		pthread_mutex_unlock(&x->lock);
		return;
	}
	p->exited = true;
	pthread_mutex_unlock(&x->lock);
	exec_actor_stop(&p->a);
	pthread_mutex_lock(&x->lock);
	p->stopped = true;
	pthread_mutex_unlock(&x->lock);
	exec_wake_watcher(x); /* to reap it once no file names it */
}

/*
 * The daemon saw @tgid's pidfd, as the watcher may have meanwhile: @p stays pinned while it
 * exits, or the watcher could end and free it first.
 */
void sva_exec_process_exited(struct sva_exec *x, pid_t tgid)
{
	struct exec_proc *p;

	pthread_mutex_lock(&x->lock);
	for (p = x->procs; p; p = p->next)
		if (p->tgid == tgid && !p->exited)
			break;
	if (p)
		p->nfiles++;
	pthread_mutex_unlock(&x->lock);
	if (!p)
		return;
	exec_proc_exit(x, p);
	pthread_mutex_lock(&x->lock);
	exec_proc_unpin_locked(x, p);
	pthread_mutex_unlock(&x->lock);
}

/* The watcher: a shadow's real process ends when its pidfd becomes readable. */
static void *exec_watcher_main(void *arg)
{
	struct sva_exec *x = arg;

	while (!atomic_load(&x->stopping)) {
		struct pollfd fds[256];
		struct exec_proc *ps[256];
		unsigned n = 1;

		fds[0] = (struct pollfd){ .fd = x->wake_fd, .events = POLLIN };
		pthread_mutex_lock(&x->lock);
		exec_procs_reap_locked(x);
		for (struct exec_proc *p = x->procs; p && n < 256; p = p->next)
			if (!p->exited) {
				ps[n] = p;
				fds[n++] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
			}
		pthread_mutex_unlock(&x->lock);
		if (poll(fds, n, -1) < 0 && errno != EINTR)
			break;
		if (fds[0].revents & POLLIN) {
			uint64_t v;

			if (read(x->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
		}
		/* a shadow is freed only by this thread: ps[] stays valid */
		for (unsigned i = 1; i < n; i++)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				exec_proc_exit(x, ps[i]);
	}
	return NULL;
}

/* ---- files --------------------------------------------------------------------------------- */

static bool exec_proc_alive(struct sva_exec *x, struct exec_proc *p);

struct exec_open_args {
	char path[64];
	struct sva_exec_file *f;
};

static int exec_do_open(struct sva_task *t, void *arg)
{
	struct exec_open_args *o = arg;
	struct sva_exec_file *f = o->f;
	int fd = sva_sys_open(t, o->path), ret;

	if (fd < 0)
		return fd;
	ret = sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd,
			   0, &f->portal);
	if (ret) {
		sva_sys_close(t, fd);
		return ret;
	}
	f->fd = fd;
	f->file = sva_task_fget(t, fd);
	return f->file ? 0 : -EBADF;
}

int sva_exec_open(struct sva_exec *x, const char *wq, pid_t pid, struct sva_exec_file **out)
{
	struct exec_open_args o;
	struct exec_proc *p;
	struct sva_exec_file *f;
	pid_t tgid = exec_tgid_of(pid);
	int ret;

	if (tgid < 0)
		return tgid;
	if (strlen(wq) > 32 || strchr(wq, '/'))
		return -ENODEV;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	/* a shadow whose process exec'd since (a new mm) exits first: this open is the new mm's */
	pthread_mutex_lock(&x->lock);
	for (p = x->procs; p && (p->tgid != tgid || p->exited); p = p->next)
		;
	if (p)
		p->nfiles++; /* pinned: the watcher reaps no shadow a file names */
	pthread_mutex_unlock(&x->lock);
	if (p) {
		exec_proc_alive(x, p);
		pthread_mutex_lock(&x->lock);
		exec_proc_unpin_locked(x, p);
		pthread_mutex_unlock(&x->lock);
	}
	pthread_mutex_lock(&x->lock);
	ret = exec_proc_get(x, tgid, &p);
	if (!ret)
		p->nfiles++; /* keeps the shadow from being freed while we open */
	pthread_mutex_unlock(&x->lock);
	if (ret) {
		free(f);
		return ret;
	}
	f->x = x;
	f->proc = p;
	f->fd = -1;
	snprintf(o.path, sizeof(o.path), "/dev/dsa/%s", wq);
	o.f = f;
	ret = exec_actor_call(&p->a, exec_do_open, &o);
	if (ret) {
		sva_exec_release(f);
		return ret;
	}
	pthread_mutex_lock(&x->lock);
	x->nfiles++;
	pthread_mutex_unlock(&x->lock);
	*out = f;
	return 0;
}

/*
 * Is @p's mm still its process's? Not when the process exec'd (a new mm, no PASID) or is past
 * exit_mmap: its shadow then exits - the old mm's exit_mmap - and a next open gets a new one.
 * Called at each of the process's requests: what it did to its mappings before (munmap,
 * mprotect) is seen by its DMA from now on, as the kernel's synchronous invalidations (mmu
 * notifiers) would have told an IOTLB before the store.
 */
static bool exec_proc_alive(struct sva_exec *x, struct exec_proc *p)
{
	bool alive;

	pthread_mutex_lock(&x->lock);
	alive = !p->exited;
	if (alive) { /* p->mem lives while the shadow has not exited: its mm holds it */
		pthread_mutex_lock(&p->mem->lock);
		alive = sva_procmem_alive(p->mem->pm);
		sva_procmem_invalidate(p->mem->pm);
		pthread_mutex_unlock(&p->mem->lock);
	}
	pthread_mutex_unlock(&x->lock);
	if (!alive)
		exec_proc_exit(x, p);
	return alive;
}

/* The caller is the opener's mm (idxd's rule: another mm's access is refused, -EPERM). */
static int exec_file_check(struct sva_exec_file *f, pid_t pid)
{
	if (exec_tgid_of(pid) != f->proc->tgid || !exec_proc_alive(f->x, f->proc))
		return -EPERM;
	return 0;
}

struct exec_store_args {
	struct sva_exec_file *f;
	const struct sva_exec_store *s;
};

static int exec_do_store(struct sva_task *t, void *arg)
{
	struct exec_store_args *a = arg;
	struct dsa_hw_desc d;
	uint64_t portal = a->f->portal + (a->s->offset & (SVA_PAGE_SIZE - 64));

	memcpy(&d, a->s->desc, sizeof(d));
	switch (a->s->insn) {
	case SVA_EXEC_MOVDIR64B:
		return sva_accel_movdir64b(t, portal, &d);
	case SVA_EXEC_ENQCMD:
		return sva_accel_enqcmd(t, portal, &d);
	default: /* ENQCMDS is privileged: a user program's faults (#GP) */
		return -EPERM;
	}
}

int sva_exec_store(struct sva_exec_file *f, pid_t pid, const struct sva_exec_store *s)
{
	struct exec_store_args a = { .f = f, .s = s };
	int ret = exec_file_check(f, pid);

	return ret ? ret : exec_actor_call(&f->proc->a, exec_do_store, &a);
}

struct exec_write_args {
	struct sva_exec_file *f;
	const void *buf;
	size_t len;
};

static int exec_do_write(struct sva_task *t, void *arg)
{
	struct exec_write_args *a = arg;

	return (int)sva_sys_write(t, a->f->fd, a->buf, a->len);
}

ssize_t sva_exec_write(struct sva_exec_file *f, pid_t pid, const void *buf, size_t len)
{
	struct exec_write_args a = { .f = f, .buf = buf, .len = len };
	int ret = exec_file_check(f, pid);

	if (len > 64 * 64)
		return -EINVAL;
	return ret ? ret : exec_actor_call(&f->proc->a, exec_do_write, &a);
}

/* The shadow's own fd and portal mapping go while it lives (its exit closes them otherwise). */
static int exec_do_close(struct sva_task *t, void *arg)
{
	struct sva_exec_file *f = arg;

	sva_sys_munmap(t, f->portal, SVA_PAGE_SIZE);
	return sva_sys_close(t, f->fd);
}

static int exec_do_fput(struct sva_task *t, void *arg)
{
	(void)t;
	sva_fput(arg);
	return 0;
}

void sva_exec_release(struct sva_exec_file *f)
{
	struct sva_exec *x = f->x;
	struct exec_proc *p = f->proc;
	bool exited, opened = f->file != NULL;

	/*
	 * The kernel's exit runs exit_mm before exit_files: a release that comes from the exit
	 * follows the shadow's exit_mmap, never precedes it. The RELEASE comes while the process
	 * is still exiting - its pidfd not yet readable - but its mm has no users left already.
	 */
	exec_proc_alive(x, p);
	pthread_mutex_lock(&x->lock);
	exited = p->exited;
	pthread_mutex_unlock(&x->lock);
	if (!exited && f->fd >= 0)
		exec_actor_call(&p->a, exec_do_close, f);
	if (f->file) /* the last reference: the driver's release (drain, unbind) */
		exec_actor_call(&x->keeper, exec_do_fput, f->file);
	pthread_mutex_lock(&x->lock);
	if (opened)
		x->nfiles--;
	exec_proc_unpin_locked(x, p); /* the watcher reaps the shadow */
	pthread_mutex_unlock(&x->lock);
	free(f);
}

unsigned sva_exec_clients(struct sva_exec *x)
{
	unsigned n = 0;

	pthread_mutex_lock(&x->lock);
	for (struct exec_proc *p = x->procs; p; p = p->next)
		n += !p->exited;
	n += x->nfiles;
	pthread_mutex_unlock(&x->lock);
	return n;
}

/* ---- the world ------------------------------------------------------------------------------ */

static void exec_trace_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct sva_exec *x = ctx;
	const struct sva_event_desc *d = sva_event_desc(ev->kind);
	char value[64];

	fprintf(x->trace, "%12llu %-22s", (unsigned long long)ev->time, d->name);
	for (unsigned i = 0; i < d->nfields; i++) /* as every printer: the field's format */
		fprintf(x->trace, " %s=%s", d->fields[i].name,
			sva_trace_field_text(w, ev, i, value, sizeof(value)));
	fputc('\n', x->trace);
}

/* One libsva device and idxd per entry of the configuration ("dev": "dsaN"). */
static int exec_add_devices(struct sva_exec *x, const char *json)
{
	json_error_t jerr;
	json_t *root = json_loads(json, 0, &jerr), *e;
	size_t i;
	int ret = 0;

	if (!root || !json_is_array(root)) {
		sva_log(x->w, SVA_LOG_ERR, "exec: configuration: line %d: %s", jerr.line,
			root ? "not an array of devices" : jerr.text);
		json_decref(root);
		return -EINVAL;
	}
	json_array_foreach(root, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "dev"));
		struct sva_device_config dc = { .pasid_bits = 20, .pri = true };
		char dname[32];

		if (!name || strncmp(name, "dsa", 3)) /* iax and others: not modelled */
			continue;
		if (x->ndevs == EXEC_MAX_DEVICES) {
			ret = -E2BIG;
			break;
		}
		snprintf(dname, sizeof(dname), "0000:%02x:01.0", 0x6a + 0x10 * x->ndevs);
		dc.name = dname;
		ret = sva_device_add(sva_swiommu_iommu(x->sw), &dc, &x->devs[x->ndevs]);
		if (ret)
			break;
		ret = sva_idxd_create(x->k, x->devs[x->ndevs], name, &x->idxd[x->ndevs]);
		if (ret) {
			sva_device_remove(x->devs[x->ndevs]);
			break;
		}
		x->ndevs++;
		ret = sva_idxd_load_config(x->idxd[x->ndevs - 1], json);
		if (ret)
			break;
	}
	json_decref(root);
	if (!ret && !x->ndevs) {
		sva_log(x->w, SVA_LOG_ERR, "exec: configuration: no dsa device");
		ret = -EINVAL;
	}
	return ret;
}

/* Everything but the world; then the checker's last word (leaks: I4): the violations. */
static unsigned exec_teardown(struct sva_exec *x, FILE *out)
{
	unsigned bad = 0;

	for (unsigned i = x->ndevs; i-- > 0;) {
		sva_idxd_destroy(x->idxd[i]);
		sva_device_remove(x->devs[i]);
	}
	if (x->sw)
		sva_swiommu_destroy(x->sw);
	if (x->isys)
		sva_iommu_sys_destroy(x->isys);
	if (x->k)
		sva_kernel_destroy(x->k);
	if (x->checker) {
		sva_checker_finish(x->checker);
		bad = sva_exec_report(x, out);
		sva_checker_detach(x->checker);
	}
	if (x->trace)
		sva_world_unsubscribe(x->w, exec_trace_event, x);
	sva_world_destroy(x->w);
	if (x->wake_fd >= 0)
		close(x->wake_fd);
	pthread_mutex_destroy(&x->lock);
	free(x);
	return bad;
}

int sva_exec_create(const struct sva_exec_config *cfg, struct sva_exec **out)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_NATIVE };
	struct sva_swiommu_config sc = { .name = "swiommu0" };
	enum sva_variant variant;
	struct sva_exec *x;
	int ret;

	if (cfg->variant) {
		ret = sva_variant_find(cfg->variant, &variant);
		if (ret)
			return ret;
		wc.variant = variant;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	pthread_mutex_init(&x->lock, NULL);
	x->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ret = x->wake_fd < 0 ? -errno : sva_world_create(&wc, &x->w);
	if (ret) {
		if (x->wake_fd >= 0)
			close(x->wake_fd);
		pthread_mutex_destroy(&x->lock);
		free(x);
		return ret;
	}
	x->trace = cfg->trace;
	if (x->trace) { /* the time column's unit said once, at the top of each daemon's events */
		fprintf(x->trace, "# %10s %-22s fields\n", "time (ns)", "event");
		ret = sva_world_subscribe(x->w, exec_trace_event, x);
	}
	if (!ret)
		ret = sva_checker_attach(x->w, &x->checker);
	if (!ret)
		ret = sva_kernel_create(x->w, NULL, &x->k);
	if (!ret)
		ret = sva_iommu_sys_create(sva_kernel_mm_sys(x->k), &x->isys);
	if (!ret)
		ret = sva_swiommu_create(x->isys, &sc, &x->sw);
	if (!ret)
		ret = exec_add_devices(x,
				       cfg->config_json ? cfg->config_json : exec_default_config);
	if (!ret && cfg->enable)
		for (unsigned i = 0; i < x->ndevs && !ret; i++)
			ret = sva_idxd_enable(x->idxd[i]);
	if (!ret)
		ret = exec_actor_start(x, &x->keeper, "keeper");
	if (ret) {
		exec_teardown(x, NULL);
		return ret;
	}
	ret = pthread_create(&x->watcher, NULL, exec_watcher_main, x);
	if (ret) {
		exec_actor_stop(&x->keeper);
		exec_teardown(x, NULL);
		return -ret;
	}
	*out = x;
	return 0;
}

unsigned sva_exec_ndevices(struct sva_exec *x)
{
	return x->ndevs;
}

struct sva_idxd *sva_exec_device(struct sva_exec *x, unsigned i)
{
	return i < x->ndevs ? x->idxd[i] : NULL;
}

unsigned sva_exec_verdict(struct sva_exec *x, char *first, size_t len)
{
	unsigned long total = 0;

	for (enum sva_invariant inv = SVA_I1_UNIQUENESS; inv < SVA_INVARIANT_NR; inv++)
		total += sva_checker_violations(x->checker, inv);
	snprintf(first, len, "%s", total && sva_report_first(x->w) ? sva_report_first(x->w) : "");
	return (unsigned)total;
}

unsigned sva_exec_report(struct sva_exec *x, FILE *out)
{
	unsigned long total = 0;

	for (enum sva_invariant inv = SVA_I1_UNIQUENESS; inv < SVA_INVARIANT_NR; inv++) {
		unsigned long n = sva_checker_violations(x->checker, inv);

		if (n && out)
			fprintf(out, "sva exec: %lu violation(s) of %s\n", n,
				sva_invariant_name(inv));
		total += n;
	}
	if (out && sva_report_total(x->w))
		fprintf(out, "sva exec: %lu report(s), the first: %s\n", sva_report_total(x->w),
			sva_report_first(x->w));
	return (unsigned)total;
}

int sva_exec_destroy(struct sva_exec *x, FILE *out)
{
	int ret = 0;

	pthread_mutex_lock(&x->lock);
	if (x->nfiles)
		ret = -EBUSY;
	pthread_mutex_unlock(&x->lock);
	if (ret)
		return ret;
	atomic_store(&x->stopping, true);
	exec_wake_watcher(x);
	pthread_join(x->watcher, NULL);
	for (;;) { /* shadows whose real process lives on end now (the daemon is going) */
		struct exec_proc *p;

		pthread_mutex_lock(&x->lock);
		for (p = x->procs; p && p->exited; p = p->next)
			;
		pthread_mutex_unlock(&x->lock);
		if (!p)
			break;
		exec_proc_exit(x, p);
	}
	pthread_mutex_lock(&x->lock);
	exec_procs_reap_locked(x);
	pthread_mutex_unlock(&x->lock);
	exec_actor_stop(&x->keeper);
	sva_kernel_quiesce(x->k);
	return (int)exec_teardown(x, out);
}

/* SPDX-License-Identifier: MIT */
/*
 * The device daemon of `sva exec`: one per run directory (daemon.h), started by the first
 * launcher, one thread, one poll loop over
 *   - the FUSE mount's requests (fuse.c),
 *   - the control socket: launchers ("hello HASH": connected for their lifetime) and the
 *     module tools' commands (modprobe / rmmod / lsmod: answered, then closed),
 *   - a pidfd per real process that opened a WQ file: its exit goes to the core
 *     (sva_exec_process_exited()),
 *   - SIGTERM / SIGINT / SIGHUP (a signalfd): stop.
 * It stops when no launcher is connected and sva_exec_clients() is 0 (or, started, when no
 * launcher came within a few seconds) - taking the run directory's lock first, so that no
 * launcher is starting another daemon meanwhile, and keeping it until its mount is gone -,
 * unmounts, prints the checker's report (sva_exec_report()) and destroys the core. A daemon that
 * died leaves a dead mount: the next one lazily unmounts it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

#define MAX_CONNS     64
#define FIRST_WAIT_MS 10000

uint64_t sva_daemon_hash(const struct sva_exec_config *cfg)
{
	const char *parts[2] = { cfg->config_json ? cfg->config_json : "(default)",
				 cfg->variant ? cfg->variant : "faithful" };
	uint64_t h = 14695981039346656037ull;

	for (int i = 0; i < 2; i++) {
		for (const char *c = parts[i]; *c; c++)
			h = (h ^ (uint8_t)*c) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull; /* the parts' boundary */
	}
	return h;
}

/* The thread group of @pid: /proc/PID/status's Tgid, or @pid. */
static pid_t tgid_of(pid_t pid)
{
	char path[64], line[128];
	pid_t tgid = pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return pid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

void sva_daemon_watch(struct sva_daemon *d, pid_t pid)
{
	pid_t tgid = tgid_of(pid);
	int fd;

	for (unsigned i = 0; i < d->nwatch; i++)
		if (d->tgid[i] == tgid)
			return;
	if (d->nwatch == SVA_DAEMON_MAX_FDS) {
		fprintf(stderr,
			"sva exec: daemon: more than %d processes at once: pid %d's exit "
			"is seen at its files' release only\n",
			SVA_DAEMON_MAX_FDS, (int)tgid);
		return;
	}
	fd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (fd < 0)
		return; /* gone already: its files' release says the rest */
	d->pidfd[d->nwatch] = fd;
	d->tgid[d->nwatch] = tgid;
	d->nwatch++;
}

static void unwatch(struct sva_daemon *d, unsigned i)
{
	close(d->pidfd[i]);
	d->nwatch--;
	d->pidfd[i] = d->pidfd[d->nwatch];
	d->tgid[i] = d->tgid[d->nwatch];
}

struct conn {
	int fd;
	bool launcher; /* said hello: connected as long as the launcher lives */
	char buf[256];
	size_t len;
};

static void conn_reply(int fd, int rc, const char *text)
{
	char head[32];

	snprintf(head, sizeof(head), "rc=%d\n", rc);
	(void)!send(fd, head, strlen(head), MSG_NOSIGNAL);
	if (text && *text)
		(void)!send(fd, text, strlen(text), MSG_NOSIGNAL);
}

/* A whole line @line from a connection: false when the connection is done with. */
static bool conn_line(struct sva_daemon *d, struct conn *c, const char *line)
{
	char text[SVA_VIEW_TEXT], arg[64] = "";
	unsigned long long hash;
	int rc;

	if (sscanf(line, "hello %llx", &hash) == 1) {
		if (hash != d->config_hash) {
			conn_reply(c->fd, -EBUSY,
				   "a daemon runs with another configuration: wait for its "
				   "programs to end\n");
			return false;
		}
		conn_reply(c->fd, 0, NULL);
		c->launcher = true;
		return true;
	}
	text[0] = '\0';
	if (sscanf(line, "modprobe %63s", arg) == 1) {
		rc = sva_view_modprobe(&d->view, arg, text, sizeof(text));
	} else if (sscanf(line, "rmmod %63s", arg) == 1) {
		rc = sva_view_rmmod(&d->view, arg, text, sizeof(text));
	} else if (strcmp(line, "lsmod") == 0) {
		sva_view_lsmod(&d->view, text, sizeof(text));
		rc = 0;
	} else if (strcmp(line, "verdict") == 0) { /* the violations so far, and the first */
		rc = (int)sva_exec_verdict(d->view.x, text, sizeof(text));
	} else {
		snprintf(text, sizeof(text), "sva exec: daemon: unknown command '%.64s'", line);
		rc = -EINVAL;
	}
	if (text[0] && text[strlen(text) - 1] != '\n')
		strncat(text, "\n", sizeof(text) - strlen(text) - 1);
	conn_reply(c->fd, rc, text);
	return false;
}

/* Input on a connection: false when it is to be closed. */
static bool conn_input(struct sva_daemon *d, struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	char *nl;

	if (n <= 0)
		return false; /* the launcher (or tool) is gone */
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n'))) {
		*nl = '\0';
		if (!conn_line(d, c, c->buf))
			return false;
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len + 1);
	}
	return c->len < sizeof(c->buf) - 1;
}

static int listen_ctl(const char *rundir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0); /* accept: poll's */

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl", rundir);
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* bin/modprobe, rmmod, lsmod: links to this binary (main.c runs them by their name). */
static void module_tools(const char *rundir)
{
	static const char *const tools[] = { "modprobe", "rmmod", "lsmod", "insmod" };
	char self[256], path[300];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/bin", rundir);
	mkdir(path, 0755);
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		snprintf(path, sizeof(path), "%s/bin/%s", rundir, tools[i]);
		unlink(path);
		if (symlink(self, path))
			fprintf(stderr, "sva exec: daemon: %s: %s\n", path, strerror(errno));
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void ready_say(int ready, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	if (ready >= 0)
		(void)!write(ready, msg, strlen(msg));
	fprintf(stderr, "%s", msg);
}

/*
 * Idle: may it stop? Only with the run directory's lock (no launcher is starting a daemon
 * or connecting under it) and no connection waiting in the backlog; then it keeps the lock
 * until its mount is gone (@lock). false: serve on (a connection taken into @conns).
 */
static bool may_stop(struct sva_daemon *d, int lfd, struct conn *conns, unsigned *nconns, int *lock)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/lock", d->rundir);
	*lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*lock < 0)
		return true;
	if (flock(*lock, LOCK_EX | LOCK_NB)) {
		close(*lock);
		*lock = -1;
		return false; /* a launcher is at it: it will connect */
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return true;
	conns[(*nconns)++] = (struct conn){ .fd = fd };
	close(*lock);
	*lock = -1;
	return false;
}

/* The loop: until no launcher and no client is left (or a signal). The lock on return. */
static int serve(struct sva_daemon *d, int lfd, int sfd)
{
	struct conn conns[MAX_CONNS];
	unsigned nconns = 0, launchers;
	bool ever = false;
	uint64_t start = now_ms();
	int lock = -1;

	for (;;) {
		struct pollfd p[3 + MAX_CONNS + SVA_DAEMON_MAX_FDS];
		unsigned np = 0, base_conn, base_watch, nwatch;
		bool idle;

		launchers = 0;
		for (unsigned i = 0; i < nconns; i++)
			launchers += conns[i].launcher;
		ever |= launchers > 0;
		idle = launchers == 0 && sva_exec_clients(d->view.x) == 0 &&
		       (ever || now_ms() - start > FIRST_WAIT_MS);
		if (idle && nconns < MAX_CONNS && may_stop(d, lfd, conns, &nconns, &lock))
			break;
		nwatch = d->nwatch;
		p[np++] = (struct pollfd){ .fd = sva_daemon_fuse_fd(d), .events = POLLIN };
		p[np++] = (struct pollfd){ .fd = lfd, .events = nconns < MAX_CONNS ? POLLIN : 0 };
		p[np++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		base_conn = np;
		for (unsigned i = 0; i < nconns; i++)
			p[np++] = (struct pollfd){ .fd = conns[i].fd, .events = POLLIN };
		base_watch = np;
		for (unsigned i = 0; i < nwatch; i++)
			p[np++] = (struct pollfd){ .fd = d->pidfd[i], .events = POLLIN };
		if (poll(p, np, idle ? 100 : ever ? -1 : 1000) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sva exec: daemon: poll: %s\n", strerror(errno));
			break;
		}
		if (p[2].revents) {
			struct signalfd_siginfo si;

			(void)!read(sfd, &si, sizeof(si));
			fprintf(stderr, "sva exec: daemon: signal %u: stopping\n", si.ssi_signo);
			break;
		}
		if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "sva exec: daemon: the FUSE mount went away\n");
			break;
		}
		if ((p[0].revents & POLLIN) && sva_daemon_fuse_serve(d)) {
			fprintf(stderr, "sva exec: daemon: the FUSE mount went away\n");
			break;
		}
		/* exits after requests: a RELEASE already queued comes first */
		for (unsigned i = nwatch; i-- > 0;) {
			if (!p[base_watch + i].revents)
				continue;
			sva_exec_process_exited(d->view.x, d->tgid[i]);
			unwatch(d, i);
		}
		for (unsigned i = nconns; i-- > 0;) {
			if (!p[base_conn + i].revents || conn_input(d, &conns[i]))
				continue;
			close(conns[i].fd);
			conns[i] = conns[--nconns];
		}
		if (p[1].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0)
				conns[nconns++] = (struct conn){ .fd = fd };
		}
	}
	for (unsigned i = 0; i < nconns; i++)
		close(conns[i].fd);
	return lock;
}

int sva_daemon_main(const char *rundir, const struct sva_exec_config *given, const char *events,
		    int ready)
{
	struct sva_exec_config cfg_copy = *given, *cfg = &cfg_copy;
	struct sva_daemon *d = calloc(1, sizeof(*d));
	char path[300];
	sigset_t sigs;
	int lfd = -1, sfd, ret, lock;
	unsigned bad;

	if (!d) {
		ready_say(ready, "out of memory%s\n", "");
		return 1;
	}
	snprintf(d->rundir, sizeof(d->rundir), "%s", rundir);
	d->config_hash = sva_daemon_hash(cfg);
	if (events) {
		cfg->trace = fopen(events, "a");
		if (!cfg->trace) {
			ready_say(ready, "--events: cannot open the file: %s\n", strerror(errno));
			free(d);
			return 1;
		}
		setvbuf(cfg->trace, NULL, _IOLBF, 0);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	/* a dead daemon's mount: lazily detached (its clients keep their errors) */
	snprintf(path, sizeof(path), "%s/fs", rundir);
	umount2(path, MNT_DETACH);
	mkdir(path, 0755);
	ret = sva_exec_create(cfg, &d->view.x);
	if (ret) {
		ready_say(ready, "the configuration is refused: %s\n", strerror(-ret));
		free(d);
		return 1;
	}
	ret = sva_view_init(&d->view, d->view.x);
	if (ret == 0)
		ret = sva_daemon_fuse_mount(d);
	if (ret == 0) {
		lfd = listen_ctl(rundir);
		ret = lfd < 0 ? lfd : 0;
	}
	if (ret) {
		ready_say(ready, "the daemon could not start: %s\n", strerror(-ret));
		sva_daemon_fuse_unmount(d);
		sva_view_fini(&d->view);
		sva_exec_destroy(d->view.x, NULL);
		free(d);
		return 1;
	}
	module_tools(rundir);
	ready_say(ready, "ok%s\n", "");
	if (ready >= 0)
		close(ready);
	fprintf(stderr, "sva exec: daemon %d: serving %u device(s) at %s\n", (int)getpid(),
		d->view.ndevs, path);

	lock = serve(d, lfd, sfd);

	/* no new launcher: the socket goes first, then the views */
	close(lfd);
	snprintf(path, sizeof(path), "%s/ctl", rundir);
	unlink(path);
	sva_daemon_fuse_unmount(d);
	while (d->nwatch)
		unwatch(d, d->nwatch - 1);
	sva_view_fini(&d->view);
	ret = sva_exec_destroy(d->view.x, stderr); /* the verdict, leaks included (I4) */
	bad = ret < 0 ? 1 : (unsigned)ret;
	fprintf(stderr, "sva exec: daemon %d: stopped (%u violation(s)%s)\n", (int)getpid(), bad,
		ret < 0 ? ", files still open" : "");
	if (sfd >= 0)
		close(sfd);
	if (lock >= 0)
		close(lock); /* the mount is gone: a new daemon may start */
	if (cfg->trace)
		fclose(cfg->trace);
	free(d);
	return bad || ret ? 1 : 0;
}

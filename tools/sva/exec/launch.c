/* SPDX-License-Identifier: MIT */
/*
 * The launcher's side of the control socket (daemon.h): connect to the run directory's daemon,
 * or start one - under the run directory's lock, so two launchers never start two - and say
 * hello with the configuration's hash; the module tools' one-shot commands.
 *
 * A daemon is started double-forked (it is nobody's child to wait for), in its own session,
 * its output to daemon.log; it says "ok" on a pipe when its mount and socket are up, or why
 * not, and the lock is released then. A stopping daemon takes the lock (daemon.c), so a
 * launcher that finds no daemon waits until the old mount is gone before starting one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"

static int ctl_connect(const char *rundir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl", rundir);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* The reply's "rc=N" line: N, and the rest of the line's text into @text (up to @len). */
static int ctl_reply(int fd, char *text, size_t len, bool whole)
{
	char buf[4096 + 64];
	size_t n = 0;
	char *nl;
	int rc;

	for (;;) {
		ssize_t got = read(fd, buf + n, sizeof(buf) - 1 - n);

		if (got <= 0)
			break;
		n += (size_t)got;
		buf[n] = '\0';
		if (!whole && strchr(buf, '\n'))
			break;
		if (n == sizeof(buf) - 1)
			break;
	}
	buf[n] = '\0';
	if (sscanf(buf, "rc=%d", &rc) != 1)
		return -ECONNRESET; /* a daemon stopping as we came */
	nl = strchr(buf, '\n');
	snprintf(text, len, "%s", nl ? nl + 1 : "");
	return rc;
}

static int hello(int fd, const struct sva_exec_config *cfg, char *why, size_t len)
{
	char line[64];

	snprintf(line, sizeof(line), "hello %llx\n", (unsigned long long)sva_daemon_hash(cfg));
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0)
		return -errno;
	return ctl_reply(fd, why, len, false);
}

static void daemon_child(const char *rundir, const struct sva_exec_config *cfg, const char *events,
			 int ready)
{
	char log[300];
	int fd, null = open("/dev/null", O_RDWR | O_CLOEXEC);

	snprintf(log, sizeof(log), "%s/daemon.log", rundir);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	setsid();
	if (null >= 0)
		dup2(null, 0);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	for (int i = 3; i < 1024; i++)
		if (i != ready)
			close(i); /* the lock too: the launcher holds it until "ok" */
	_exit(sva_daemon_main(rundir, cfg, events, ready));
}

/* Start a daemon (the lock held): 0, or its reason printed. */
static int start(const char *rundir, const struct sva_exec_config *cfg, const char *events)
{
	char msg[512] = "";
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(p[0]);
		if (fork() == 0)
			daemon_child(rundir, cfg, events, p[1]);
		_exit(0);
	}
	close(p[1]);
	waitpid(pid, &status, 0);
	n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	msg[n > 0 ? n : 0] = '\0';
	if (strncmp(msg, "ok", 2) == 0)
		return 0;
	msg[strcspn(msg, "\n")] = '\0';
	fprintf(stderr, "sva: exec: the device daemon did not start: %s (see %s/daemon.log)\n",
		*msg ? msg : "it died", rundir);
	return -EIO;
}

int sva_launch_connect(const char *rundir, const struct sva_exec_config *cfg, const char *events)
{
	char why[512], path[300];
	int lock = -1;

	mkdir(rundir, 0755);
	for (int attempt = 0; attempt < 5; attempt++) {
		int fd = ctl_connect(rundir), rc;

		if (fd < 0 && lock < 0) {
			/* none: start one, unless another launcher is at it (then it is ours too)
			 */
			snprintf(path, sizeof(path), "%s/lock", rundir);
			lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			if (lock < 0 || flock(lock, LOCK_EX)) {
				fprintf(stderr, "sva: exec: %s: %s\n", path, strerror(errno));
				return -EIO;
			}
			fd = ctl_connect(rundir);
		}
		if (fd < 0) {
			/* the lock is ours: nobody serves this directory */
			int ret = start(rundir, cfg, events);

			close(lock); /* it serves: other launchers connect */
			lock = -1;
			if (ret)
				return ret;
			continue;
		}
		rc = hello(fd, cfg, why, sizeof(why));
		if (rc == 0) {
			if (lock >= 0)
				close(lock);
			return fd;
		}
		close(fd);
		if (rc != -ECONNRESET) {
			why[strcspn(why, "\n")] = '\0';
			fprintf(stderr, "sva: exec: %s\n", why);
			if (lock >= 0)
				close(lock);
			return rc;
		}
		/* it was stopping: it will release the lock; then start afresh */
	}
	if (lock >= 0)
		close(lock);
	fprintf(stderr, "sva: exec: no device daemon would answer at %s/ctl\n", rundir);
	return -EIO;
}

int sva_launch_query(const char *rundir, const char *cmd, char *text, size_t len)
{
	char line[128];
	int fd = ctl_connect(rundir), rc;

	text[0] = '\0';
	if (fd < 0) {
		snprintf(text, len, "%s: no sva exec device daemon at %s/ctl (%s)\n", cmd, rundir,
			 strerror(-fd));
		return -ENOTCONN;
	}
	snprintf(line, sizeof(line), "%s\n", cmd);
	if (send(fd, line, strlen(line), MSG_NOSIGNAL) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = ctl_reply(fd, text, len, true);
	close(fd);
	return rc;
}

int sva_launch_command(const char *rundir, const char *cmd)
{
	char text[4096];
	int rc = sva_launch_query(rundir, cmd, text, sizeof(text));

	fputs(text, rc ? stderr : stdout);
	return rc;
}

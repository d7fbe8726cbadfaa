/* SPDX-License-Identifier: MIT */
/*
 * The device daemon of `sva exec` (daemon.c), its FUSE mount (fuse.c) and the launcher's side
 * (launch.c, ns.c): where they meet.
 *
 * Files of a run directory (/run/sva-exec, or $SVA_EXEC_RUNDIR):
 *   fs/      the daemon's FUSE mount: fs/sys is /sys/bus/dsa, fs/dev is /dev/dsa
 *   ctl      its control socket: a launcher's "hello HASH" connection lives as long as the
 *            launcher; "modprobe M", "rmmod M", "lsmod" from the module tools get "rc=N" and
 *            a text, then the connection is closed
 *   lock     held (flock) by a launcher starting a daemon (until it serves) and by a daemon
 *            stopping (from its last check until its mount is gone)
 *   bin/     modprobe, rmmod, lsmod: links to the sva binary (main.c runs them by name)
 *   ns/      where a launcher's mount namespace keeps what it covers (ns.c)
 *   daemon.log  the daemon's messages and its checker's report at exit
 *
 * Rules: the daemon is one thread; the state below is its own. Lifetime: it stops when no
 * launcher is connected and sva_exec_clients() is 0.
 */
#ifndef SVA_EXEC_DAEMON_H
#define SVA_EXEC_DAEMON_H

#include <stdint.h>

#include "view.h"

#define SVA_EXEC_RUNDIR	   "/run/sva-exec"
#define SVA_DAEMON_MAX_FDS 256

struct fuse;
struct fuse_session;

struct sva_daemon {
	struct sva_view view;
	struct fuse *fuse;
	struct fuse_session *se;
	char rundir[256];
	uint64_t config_hash; /* the configuration it serves (a launcher's must match) */
	/* the real processes that opened a WQ file: their pidfds, to tell the core of exits */
	int pidfd[SVA_DAEMON_MAX_FDS];
	pid_t tgid[SVA_DAEMON_MAX_FDS];
	unsigned nwatch;
};

struct sva_exec_config;

/* fuse.c: mount the views at @d->rundir/fs; 0 or a negative errno (printed). */
int sva_daemon_fuse_mount(struct sva_daemon *d);
/* Serve one FUSE request if one is there; 0, or -ENODEV when the mount is gone. */
int sva_daemon_fuse_serve(struct sva_daemon *d);
int sva_daemon_fuse_fd(struct sva_daemon *d);
void sva_daemon_fuse_unmount(struct sva_daemon *d);
/* daemon.c: watch the thread group of @pid (it opened a WQ file). */
void sva_daemon_watch(struct sva_daemon *d, pid_t pid);

/* FNV-1a of a configuration: its text (NULL: the default's) and variant (NULL: faithful). */
uint64_t sva_daemon_hash(const struct sva_exec_config *cfg);
/*
 * daemon.c: run a daemon in @rundir for @cfg (@events: the file its checker's events are
 * appended to, or NULL); @ready gets "ok\n" or the error. Its exit code.
 */
int sva_daemon_main(const char *rundir, const struct sva_exec_config *cfg, const char *events,
		    int ready);

/* launch.c: a connected launcher's socket (a daemon started if none), or a negative errno
 * with its reason printed. */
int sva_launch_connect(const char *rundir, const struct sva_exec_config *cfg, const char *events);
/* One command of the module tools to the daemon: its rc, the text printed. */
int sva_launch_command(const char *rundir, const char *cmd);
/* The same, its answer's text in @text: "verdict" answers the violations so far and the first. */
int sva_launch_query(const char *rundir, const char *cmd, char *text, size_t len);

/* ns.c: in a new private mount namespace, the views at /sys/bus/dsa and /dev/dsa. */
int sva_ns_enter(const char *rundir);

#endif /* SVA_EXEC_DAEMON_H */

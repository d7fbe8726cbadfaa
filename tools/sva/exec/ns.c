/* SPDX-License-Identifier: MIT */
/*
 * The program's mount namespace: private (unshare(CLONE_NEWNS), / made rprivate, so nothing
 * done here reaches the host), with the daemon's views at /sys/bus/dsa and /dev/dsa.
 *
 * Those usually do not exist, and cannot be made: sysfs takes no mkdir, and a directory made in
 * /dev (the host's devtmpfs, one superblock for every namespace) would leak outside. So
 * "cover": directory D (/sys/bus, /dev) is bound (recursively) to a stash, a tmpfs is mounted
 * on D, each entry of the stash is recreated on it as a placeholder (a directory, an empty
 * file, the same symlink) with the original bound onto it (recursively: /dev/pts, /dev/shm
 * come along), and the new entry is added: an empty directory with the view bound onto it.
 * Where D/dsa exists already (a real DSA's), the view is simply bound over it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"

static int fail(const char *what, const char *path)
{
	int err = errno;

	fprintf(stderr, "sva: exec: %s %s: %s\n", what, path, strerror(err));
	return -err;
}

/*
 * Directory @dir covered by a tmpfs with its entries, plus @name with @view bound onto it
 * (@link: a symlink to @view instead, which vanishes with its target).
 */
static int cover(const char *dir, const char *name, const char *view, const char *stash, bool link)
{
	char from[512], to[512];
	struct dirent *e;
	struct stat st;
	DIR *dp;

	snprintf(to, sizeof(to), "%s/%s", dir, name);
	if (!link && stat(to, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (mount(view, to, NULL, MS_BIND, NULL))
			return fail("bind the view on", to);
		return 0;
	}
	if (stat(dir, &st))
		return fail("stat", dir);
	if (mkdir(stash, 0700) && errno != EEXIST)
		return fail("mkdir", stash);
	if (mount(dir, stash, NULL, MS_BIND | MS_REC, NULL))
		return fail("bind to the stash", dir);
	if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755"))
		return fail("mount a tmpfs on", dir);
	chmod(dir, st.st_mode & 07777);
	dp = opendir(stash);
	if (!dp)
		return fail("opendir", stash);
	while ((e = readdir(dp))) {
		struct stat es;
		char target[512];
		ssize_t n;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(from, sizeof(from), "%s/%s", stash, e->d_name);
		snprintf(to, sizeof(to), "%s/%s", dir, e->d_name);
		if (lstat(from, &es))
			continue;
		if (S_ISLNK(es.st_mode)) {
			n = readlink(from, target, sizeof(target) - 1);
			if (n < 0)
				continue;
			target[n] = '\0';
			if (symlink(target, to))
				fprintf(stderr, "sva: exec: symlink %s: %s\n", to, strerror(errno));
			continue;
		}
		if (S_ISDIR(es.st_mode)) {
			if (mkdir(to, es.st_mode & 07777))
				continue;
		} else {
			int fd = open(to, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);

			if (fd < 0)
				continue;
			close(fd);
		}
		if (mount(from, to, NULL, MS_BIND | MS_REC, NULL))
			fprintf(stderr, "sva: exec: bind %s: %s\n", to, strerror(errno));
	}
	closedir(dp);
	snprintf(to, sizeof(to), "%s/%s", dir, name);
	if (link) {
		if (symlink(view, to) && errno != EEXIST)
			return fail("symlink", to);
		return 0;
	}
	if (mkdir(to, 0755))
		return fail("mkdir", to);
	if (mount(view, to, NULL, MS_BIND, NULL))
		return fail("bind the view on", to);
	return 0;
}

int sva_ns_enter(const char *rundir)
{
	char view[512], stash[512], ns[300];
	int ret;

	if (unshare(CLONE_NEWNS))
		return fail("unshare", "the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail("make private", "/");
	snprintf(ns, sizeof(ns), "%s/ns", rundir);
	if (mkdir(ns, 0700) && errno != EEXIST)
		return fail("mkdir", ns);
	if (mount("tmpfs", ns, "tmpfs", 0, "mode=0700")) /* this namespace's own */
		return fail("mount a tmpfs on", ns);
	snprintf(view, sizeof(view), "%s/fs/sys", rundir);
	snprintf(stash, sizeof(stash), "%s/bus", ns);
	ret = cover("/sys/bus", "dsa", view, stash, false);
	if (ret)
		return ret;
	/* /sys/module/idxd: there while the view's driver is loaded (a link to it) */
	snprintf(view, sizeof(view), "%s/fs/module/idxd", rundir);
	snprintf(stash, sizeof(stash), "%s/module", ns);
	ret = cover("/sys/module", "idxd", view, stash, true);
	if (ret)
		return ret;
	snprintf(view, sizeof(view), "%s/fs/dev", rundir);
	snprintf(stash, sizeof(stash), "%s/dev", ns);
	return cover("/dev", "dsa", view, stash, false);
}

/* SPDX-License-Identifier: MIT */
/*
 * The daemon's FUSE mount (libfuse3, high-level API, served one request at a time from the
 * daemon's poll loop): "sys" is the sysfs view and "dev" the dev view of sysfs.c.
 *
 *  - sysfs attributes are direct_io files of 4096 bytes (as sysfs reports): every read asks
 *    the daemon, so a state change is seen at once; truncation (a shell's `>`) is accepted;
 *    nothing is cached (entry and attribute timeouts 0: a driver link appears at a bind).
 *  - /dev/dsa/wqD.Q is a regular file of 4096 bytes, NOT direct_io: the kernel refuses a
 *    MAP_SHARED mmap of a direct_io FUSE file (FUSE_DIRECT_IO_ALLOW_MMAP is newer than
 *    Debian 12's libfuse), and the portal must map. open is sva_exec_open() with the caller's
 *    pid, write is sva_exec_write() (write-through: the kernel sends each write), the
 *    SVA_EXEC_IOC_STORE ioctl (portal.h) is sva_exec_store(), and release - the real file's
 *    last close or unmap, as the kernel decides it - is sva_exec_release(). Reads give zeros
 *    (the page the portal's mapping is populated with; the shim makes it PROT_NONE).
 *
 * References: a WQ file's handle holds its struct sva_exec_file from open to release.
 */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon.h"

struct handle {
	bool wq;
	struct sva_view_node n; /* a sysfs file */
	struct sva_exec_file *f;
	int dev;
	unsigned q;
};

static struct sva_daemon *daemon_of(void)
{
	return fuse_get_context()->private_data;
}

/* "/sys/x" -> "/x", "/dev/x" -> "/x": which view, and the path in it. */
enum tree { T_ROOT, T_SYS, T_DEV, T_MOD, T_NONE };

static enum tree tree_of(const char *path, const char **rest)
{
	static const struct {
		const char *name;
		enum tree t;
	} trees[] = { { "/sys", T_SYS }, { "/dev", T_DEV }, { "/module", T_MOD } };

	if (strcmp(path, "/") == 0) {
		*rest = "/";
		return T_ROOT;
	}
	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		size_t n = strlen(trees[i].name);

		if (strncmp(path, trees[i].name, n) == 0 && (path[n] == '/' || !path[n])) {
			*rest = path[n] ? path + n : "/";
			return trees[i].t;
		}
	}
	return T_NONE;
}

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->kernel_cache = 0;
	cfg->direct_io = 0;
	return fuse_get_context()->private_data;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct sva_daemon *d = daemon_of();
	struct sva_view_node n;
	const char *rest;
	char wq[32];
	int dev, ret;

	(void)fi;
	memset(st, 0, sizeof(*st));
	st->st_uid = 0;
	st->st_gid = 0;
	switch (tree_of(path, &rest)) {
	case T_ROOT:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	case T_DEV:
		if (strcmp(rest, "/") == 0) {
			st->st_mode = S_IFDIR | 0755;
			st->st_nlink = 2;
			return 0;
		}
		ret = sva_view_dev_lookup(&d->view, rest, &dev, wq, sizeof(wq));
		if (ret)
			return ret;
		st->st_mode = S_IFREG | 0600; /* the kernel's crw------- root */
		st->st_nlink = 1;
		st->st_size = 4096; /* the portal page */
		return 0;
	case T_SYS:
	case T_MOD:
		ret = tree_of(path, &rest) == T_SYS ? sva_view_sys_lookup(&d->view, rest, &n)
						    : sva_view_mod_lookup(&d->view, rest, &n);
		if (ret)
			return ret;
		st->st_nlink = n.kind == SVA_VIEW_DIR ? 2 : 1;
		if (n.kind == SVA_VIEW_DIR) {
			st->st_mode = S_IFDIR | n.mode;
		} else if (n.kind == SVA_VIEW_LINK) {
			st->st_mode = S_IFLNK | 0777;
			st->st_size = (off_t)strlen(n.link);
		} else {
			st->st_mode = S_IFREG | n.mode;
			st->st_size = 4096; /* sysfs's */
		}
		return 0;
	default:
		return -ENOENT;
	}
}

static int op_readlink(const char *path, char *buf, size_t len)
{
	struct sva_view_node n;
	const char *rest;
	int ret;

	if (tree_of(path, &rest) != T_SYS)
		return -EINVAL;
	ret = sva_view_sys_lookup(&daemon_of()->view, rest, &n);
	if (ret)
		return ret;
	if (n.kind != SVA_VIEW_LINK)
		return -EINVAL;
	snprintf(buf, len, "%s", n.link);
	return 0;
}

struct fill_ctx {
	void *buf;
	fuse_fill_dir_t filler;
};

static int fill_one(void *ctx, const char *name)
{
	struct fill_ctx *c = ctx;

	return c->filler(c->buf, name, NULL, 0, 0);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct sva_daemon *d = daemon_of();
	struct fill_ctx c = { buf, filler };
	const char *rest;

	(void)off;
	(void)fi;
	(void)flags;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	switch (tree_of(path, &rest)) {
	case T_ROOT:
		filler(buf, "sys", NULL, 0, 0);
		filler(buf, "dev", NULL, 0, 0);
		filler(buf, "module", NULL, 0, 0);
		return 0;
	case T_MOD:
		return sva_view_mod_readdir(&d->view, rest, fill_one, &c);
	case T_DEV:
		return strcmp(rest, "/") == 0 ? sva_view_dev_readdir(&d->view, fill_one, &c)
					      : -ENOTDIR;
	case T_SYS:
		return sva_view_sys_readdir(&d->view, rest, fill_one, &c);
	default:
		return -ENOENT;
	}
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	struct sva_daemon *d = daemon_of();
	struct handle *h = calloc(1, sizeof(*h));
	const char *rest;
	char wq[32];
	int ret;

	if (!h)
		return -ENOMEM;
	switch (tree_of(path, &rest)) {
	case T_SYS:
	case T_MOD:
		ret = tree_of(path, &rest) == T_SYS ? sva_view_sys_lookup(&d->view, rest, &h->n)
						    : sva_view_mod_lookup(&d->view, rest, &h->n);
		if (ret == 0 && h->n.kind != SVA_VIEW_FILE)
			ret = -EISDIR;
		/* as kernfs: an attribute without a store refuses a writer at open, bind and
		   unbind a reader (root included, where the mode bits would let it) */
		if (ret == 0 && (fi->flags & O_ACCMODE) != O_RDONLY && !(h->n.mode & 0200))
			ret = -EACCES;
		if (ret == 0 && (fi->flags & O_ACCMODE) != O_WRONLY && !(h->n.mode & 0444))
			ret = -EACCES;
		fi->direct_io = 1; /* every read asks: attributes change */
		break;
	case T_DEV: {
		unsigned a;
		char end;

		ret = sva_view_dev_lookup(&d->view, rest, &h->dev, wq, sizeof(wq));
		if (ret == 0 && sscanf(wq, "wq%u.%u%c", &a, &h->q, &end) != 2)
			ret = -ENOENT;
		if (ret == 0)
			ret = sva_exec_open(d->view.x, wq, fuse_get_context()->pid, &h->f);
		if (ret == -ENOSYS)
			ret = -ENXIO; /* ENOSYS from OPEN tells the kernel to stop asking (no_open)
				       */
		if (ret == 0) {
			h->wq = true;
			d->view.devs[h->dev].opens[h->q]++;
			sva_daemon_watch(d, fuse_get_context()->pid);
		}
		fi->direct_io = 0; /* MAP_SHARED must work (see above) */
		fi->keep_cache = 0;
		break;
	}
	default:
		ret = -ENOENT;
	}
	if (ret) {
		free(h);
		return ret;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

/* Never NULL while the kernel asks OPEN (see op_open); a stray request finds a dead one. */
static struct handle *handle_of(struct fuse_file_info *fi)
{
	static const struct handle none;

	return fi && fi->fh ? (struct handle *)(uintptr_t)fi->fh : (struct handle *)&none;
}

static int op_read(const char *path, char *buf, size_t len, off_t off, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	char text[SVA_VIEW_TEXT];
	int n;

	(void)path;
	if (h->wq) { /* the portal page reads as zeros */
		size_t left = off < 4096 ? (size_t)(4096 - off) : 0;

		len = len < left ? len : left;
		memset(buf, 0, len);
		return (int)len;
	}
	n = sva_view_sys_read(&daemon_of()->view, &h->n, text, sizeof(text));
	if (n < 0)
		return n;
	if (off >= n)
		return 0;
	len = len < (size_t)(n - off) ? len : (size_t)(n - off);
	memcpy(buf, text + off, len);
	return (int)len;
}

static int op_write(const char *path, const char *buf, size_t len, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);

	(void)path;
	(void)off;
	if (h->wq) {
		/* the page cache writing a portal page back is no submission: a store to a mapped
		   portal reaches the device through the shim, never by writeback */
		if (fi->writepage)
			return (int)len;
		return (int)sva_exec_write(h->f, fuse_get_context()->pid, buf, len);
	}
	return sva_view_sys_write(&daemon_of()->view, &h->n, buf, len);
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct sva_view_node n;
	const char *rest;

	(void)size;
	(void)fi;
	if (tree_of(path, &rest) == T_SYS &&
	    sva_view_sys_lookup(&daemon_of()->view, rest, &n) == 0 && n.kind == SVA_VIEW_FILE)
		return 0; /* `echo 1 > attr` opens with O_TRUNC: sysfs ignores it */
	return tree_of(path, &rest) == T_DEV ? 0 : -EACCES;
}

static int op_ioctl(const char *path, unsigned int cmd, void *arg, struct fuse_file_info *fi,
		    unsigned int flags, void *data)
{
	struct handle *h = handle_of(fi);

	(void)path;
	(void)arg;
	if (flags & FUSE_IOCTL_COMPAT)
		return -ENOSYS;
	if (!h->wq || cmd != SVA_EXEC_IOC_STORE)
		return -ENOTTY;
	return sva_exec_store(h->f, fuse_get_context()->pid, data);
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct sva_daemon *d = daemon_of();

	(void)path;
	if (!fi || !fi->fh)
		return 0;
	if (h->wq) {
		sva_exec_release(h->f);
		if (d->view.devs[h->dev].opens[h->q])
			d->view.devs[h->dev].opens[h->q]--;
	}
	free(h);
	return 0;
}

static const struct fuse_operations sva_daemon_ops = {
	.init = op_init,
	.getattr = op_getattr,
	.readlink = op_readlink,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.truncate = op_truncate,
	.ioctl = op_ioctl,
	.release = op_release,
};

int sva_daemon_fuse_mount(struct sva_daemon *d)
{
	/* default_permissions: the kernel checks the modes, so a program that is not root cannot
	   open /dev/dsa/wq0.0 (crw------- root on a real host) */
	char *argv[] = { "sva-exec", "-o",
			 "allow_other,default_permissions,fsname=sva-exec,subtype=sva", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);
	char mnt[300];

	snprintf(mnt, sizeof(mnt), "%s/fs", d->rundir);
	d->fuse = fuse_new(&args, &sva_daemon_ops, sizeof(sva_daemon_ops), d);
	fuse_opt_free_args(&args);
	if (!d->fuse) {
		fprintf(stderr, "sva exec: daemon: fuse_new failed\n");
		return -EIO;
	}
	if (fuse_mount(d->fuse, mnt)) {
		fprintf(stderr, "sva exec: daemon: cannot mount FUSE at %s\n", mnt);
		fuse_destroy(d->fuse);
		d->fuse = NULL;
		return -EIO;
	}
	d->se = fuse_get_session(d->fuse);
	return 0;
}

int sva_daemon_fuse_fd(struct sva_daemon *d)
{
	return fuse_session_fd(d->se);
}

int sva_daemon_fuse_serve(struct sva_daemon *d)
{
	struct fuse_buf buf = { 0 };
	int ret = fuse_session_receive_buf(d->se, &buf);

	if (ret == -EINTR || ret == -EAGAIN) {
		free(buf.mem);
		return 0;
	}
	if (ret <= 0 || fuse_session_exited(d->se)) {
		free(buf.mem);
		return -ENODEV;
	}
	fuse_session_process_buf(d->se, &buf);
	free(buf.mem);
	return 0;
}

void sva_daemon_fuse_unmount(struct sva_daemon *d)
{
	if (!d->fuse)
		return;
	fuse_unmount(d->fuse);
	fuse_destroy(d->fuse);
	d->fuse = NULL;
	d->se = NULL;
}

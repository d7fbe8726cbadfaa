/* SPDX-License-Identifier: MIT */
/*
 * The device daemon's views of its devices (sysfs.c, fuse.c, daemon.c): the sysfs tree a real
 * program sees at /sys/bus/dsa and the device files it sees at /dev/dsa, both served by one
 * FUSE mount (its "sys" and "dev" directories), and the daemon around them (the control
 * socket, the module tools' driver state, its lifetime).
 *
 * Rules: everything here runs on the daemon's one thread (the FUSE requests and the control
 * socket are served by one poll loop), which is what exec.h asks of its callers; no locks.
 */
#ifndef SVA_EXEC_VIEW_H
#define SVA_EXEC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "exec.h"

#define SVA_VIEW_MAX_DEVS 8
#define SVA_VIEW_MAX_WQS  8 /* SVA_IDXD_MAX_WQS */
#define SVA_VIEW_TEXT	  4096

/* What the view keeps that the idxd model does not (attributes written and read back only). */
struct sva_view_dev {
	char read_buffer_limit[16];
	char driver_name[SVA_VIEW_MAX_WQS][32];
	char traffic_class[4][2][8];	  /* per group: a, b */
	unsigned opens[SVA_VIEW_MAX_WQS]; /* the WQ's files open now (clients) */
};

struct sva_view {
	struct sva_exec *x;
	bool loaded;	 /* the idxd driver (modprobe idxd / rmmod idxd) */
	char **snapshot; /* each device's configuration as the daemon started (rmmod resets) */
	unsigned ndevs;
	struct sva_view_dev devs[SVA_VIEW_MAX_DEVS];
};

/* A node of the sysfs view, found by its path (relative to /sys/bus/dsa, starting with '/'). */
enum sva_view_kind {
	SVA_VIEW_DIR = 1,
	SVA_VIEW_FILE,
	SVA_VIEW_LINK,
};

struct sva_view_node {
	enum sva_view_kind kind;
	unsigned mode;	 /* permission bits */
	char link[128];	 /* LINK: the target, relative as sysfs has it */
	int dev;	 /* the device's index, -1 none */
	char obj[64];	 /* "dsa0", "wq0.1", "group0.0", "engine0.2", or "" */
	char attr[64];	 /* FILE: the attribute, or bind / unbind */
	char driver[64]; /* FILE bind / unbind: "idxd" or "user" */
};

int sva_view_init(struct sva_view *v, struct sva_exec *x);
void sva_view_fini(struct sva_view *v);

/* sysfs.c */
int sva_view_sys_lookup(struct sva_view *v, const char *path, struct sva_view_node *n);
/* The names in directory @path, each given to @fill; 0 or -ENOENT / -ENOTDIR. */
int sva_view_sys_readdir(struct sva_view *v, const char *path,
			 int (*fill)(void *ctx, const char *name), void *ctx);
/* The text of file @n (with its newline) into @buf: its length, or a negative errno. */
int sva_view_sys_read(struct sva_view *v, const struct sva_view_node *n, char *buf, size_t len);
/* A write of @len bytes of @buf to file @n: @len, or a negative errno (the writer's errno). */
int sva_view_sys_write(struct sva_view *v, const struct sva_view_node *n, const char *buf,
		       size_t len);

/* The module view (/sys/module/idxd while the driver is loaded): as the sysfs view's. */
int sva_view_mod_lookup(struct sva_view *v, const char *path, struct sva_view_node *n);
int sva_view_mod_readdir(struct sva_view *v, const char *path,
			 int (*fill)(void *ctx, const char *name), void *ctx);

/* The WQ file "/wq0.1" of the dev view: its device and idxd name when enabled, else -ENOENT. */
int sva_view_dev_lookup(struct sva_view *v, const char *path, int *dev, char *wq, size_t len);
int sva_view_dev_readdir(struct sva_view *v, int (*fill)(void *ctx, const char *name), void *ctx);

/* The module tools: "idxd" loaded or not, listed; other modules -ENOENT. */
int sva_view_modprobe(struct sva_view *v, const char *module, char *msg, size_t len);
int sva_view_rmmod(struct sva_view *v, const char *module, char *msg, size_t len);
/* lsmod's lines for the modules loaded. */
void sva_view_lsmod(struct sva_view *v, char *buf, size_t len);

#endif /* SVA_EXEC_VIEW_H */

/* SPDX-License-Identifier: MIT */
/*
 * The device daemon's core (core.c): a libsva world (native backend) with the idxd devices of
 * an accel-config configuration, and one shadow libsva process per real client mm, through
 * which the real program's opens, portal stores, writes and releases reach libsva's idxd
 * driver - so PASID allocation, binding, draining and freeing are libsva's, judged by its
 * checker, while the memory the engine reaches is the real process's (procmem.h).
 *
 * The FUSE views (fuse.c, sysfs.c) call these; they are not thread-safe against each other:
 * the caller serialises them (one FUSE loop thread, or its own mutex).
 *
 * References: a struct sva_exec_file holds one reference on its libsva file from
 * sva_exec_open() to sva_exec_release() (the FUSE RELEASE: the real file's last close or
 * unmap), so a forked child's inherited fd, a passed fd or the portal mapping keep the queue
 * exactly as long as the real kernel keeps the real file.
 */
#ifndef SVA_EXEC_H
#define SVA_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "portal.h"

struct sva_exec;
struct sva_exec_file;
struct sva_idxd;

struct sva_exec_config {
	const char *config_json; /* accel-config JSON text: the devices; NULL: the default */
	const char *variant;	 /* a design variant's name (sva_variant_parse); NULL: faithful */
	FILE *trace;		 /* the checker's events as text, or NULL */
	bool enable;		 /* enable every device at once (else accel-config does) */
};

/* 0, or a negative errno (a bad configuration: the message names the object). */
int sva_exec_create(const struct sva_exec_config *cfg, struct sva_exec **out);
/*
 * Every shadow process ended, the devices removed, the checker's last word (leaks are I4): the
 * number of violations, printed to @out (may be NULL); -EBUSY (nothing done) while files are open.
 */
int sva_exec_destroy(struct sva_exec *x, FILE *out);

/* The devices, "dsa0".. in configuration order. */
unsigned sva_exec_ndevices(struct sva_exec *x);
struct sva_idxd *sva_exec_device(struct sva_exec *x, unsigned i);

/*
 * The real program's file operations on /dev/dsa/<wq> (e.g. "wq0.0"), @pid the caller's (a
 * thread id is fine: its thread group's mm is meant). Errors as the kernel's idxd cdev's:
 * -ENODEV (no such enabled WQ), -EBUSY (a dedicated WQ already open), -EPERM (the file is
 * another mm's: a forked child, a passed fd), -EAGAIN, -EINVAL.
 */
int sva_exec_open(struct sva_exec *x, const char *wq, pid_t pid, struct sva_exec_file **out);
int sva_exec_store(struct sva_exec_file *f, pid_t pid, const struct sva_exec_store *s);
ssize_t sva_exec_write(struct sva_exec_file *f, pid_t pid, const void *buf, size_t len);
void sva_exec_release(struct sva_exec_file *f);

/* A real process ended (pidfd / proc connector): its shadow exits (exit_mmap, files closed). */
void sva_exec_process_exited(struct sva_exec *x, pid_t tgid);
/* Clients: shadow processes alive, files open. The daemon stops when both are 0. */
unsigned sva_exec_clients(struct sva_exec *x);

/* The violations so far, and the first report's text in @first ("" when none). */
unsigned sva_exec_verdict(struct sva_exec *x, char *first, size_t len);
/* The checker's verdict so far: 0 clean, else the number of violations (printed to @out). */
unsigned sva_exec_report(struct sva_exec *x, FILE *out);

#endif /* SVA_EXEC_H */

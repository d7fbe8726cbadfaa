/* SPDX-License-Identifier: MIT */
/*
 * A STAND-IN for the daemon core (exec.h), so that the views (sysfs.c, fuse.c) and the
 * launcher link and run before the real core lands: a native libsva world with the idxd
 * devices of the configuration (configured, disabled), and no file operations - open, store
 * and write answer -ENOSYS. The lead's core.c replaces this file whole.
 *
 * Rules: one caller thread (exec.h); the world's objects are owned by struct sva_exec.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "exec.h"
#include "sva/idxd.h"
#include "sva/iommu.h"
#include "sva/proc.h"
#include "sva/swiommu.h"

/* accel-config-test's configs/2g2q_user_1.conf, as strict JSON */
static const char sva_exec_default_config[] =
	"[{\"dev\":\"dsa0\",\"groups\":["
	"{\"dev\":\"group0.0\",\"read_buffers_reserved\":0,\"use_read_buffer_limit\":0,"
	"\"read_buffers_allowed\":8,\"grouped_workqueues\":[{\"dev\":\"wq0.0\",\"mode\":"
	"\"shared\",\"size\":16,\"group_id\":0,\"priority\":10,\"block_on_fault\":1,\"type\":"
	"\"user\",\"name\":\"app1\",\"threshold\":15}],\"grouped_engines\":[{\"dev\":"
	"\"engine0.0\",\"group_id\":0},{\"dev\":\"engine0.1\",\"group_id\":0}]},"
	"{\"dev\":\"group0.1\",\"read_buffers_reserved\":0,\"use_read_buffer_limit\":0,"
	"\"read_buffers_allowed\":8,\"grouped_workqueues\":[{\"dev\":\"wq0.1\",\"mode\":"
	"\"dedicated\",\"size\":16,\"group_id\":1,\"priority\":10,\"block_on_fault\":1,\"type\":"
	"\"user\",\"name\":\"app2\",\"threshold\":0}],\"grouped_engines\":[{\"dev\":"
	"\"engine0.2\",\"group_id\":1},{\"dev\":\"engine0.3\",\"group_id\":1}]}]}]";

struct sva_exec {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_idxd *x;
};

int sva_exec_create(const struct sva_exec_config *cfg, struct sva_exec **out)
{
	struct sva_swiommu_config sc = { .name = "swiommu0" };
	struct sva_device_config dc = { .name = "0000:6a:01.0", .pasid_bits = 20 };
	struct sva_exec *x = calloc(1, sizeof(*x));
	int ret;

	if (!x)
		return -ENOMEM;
	ret = sva_world_create(NULL, &x->w);
	if (ret == 0)
		ret = sva_kernel_create(x->w, NULL, &x->k);
	if (ret == 0)
		ret = sva_iommu_sys_create(sva_kernel_mm_sys(x->k), &x->isys);
	if (ret == 0)
		ret = sva_swiommu_create(x->isys, &sc, &x->sw);
	if (ret == 0)
		ret = sva_device_add(sva_swiommu_iommu(x->sw), &dc, &x->dev);
	if (ret == 0)
		ret = sva_idxd_create(x->k, x->dev, "dsa0", &x->x);
	if (ret == 0)
		ret = sva_idxd_load_config(x->x, cfg && cfg->config_json ? cfg->config_json
									 : sva_exec_default_config);
	if (ret) {
		sva_exec_destroy(x);
		return ret;
	}
	*out = x;
	return 0;
}

int sva_exec_destroy(struct sva_exec *x)
{
	if (!x)
		return 0;
	if (x->k)
		sva_kernel_quiesce(x->k);
	sva_idxd_destroy(x->x);
	if (x->dev)
		sva_device_remove(x->dev);
	if (x->sw)
		sva_swiommu_destroy(x->sw);
	if (x->isys)
		sva_iommu_sys_destroy(x->isys);
	if (x->k)
		sva_kernel_destroy(x->k);
	if (x->w)
		sva_world_destroy(x->w);
	free(x);
	return 0;
}

unsigned sva_exec_ndevices(struct sva_exec *x)
{
	return x->x ? 1 : 0;
}

struct sva_idxd *sva_exec_device(struct sva_exec *x, unsigned i)
{
	return i == 0 ? x->x : NULL;
}

int sva_exec_open(struct sva_exec *x, const char *wq, pid_t pid, struct sva_exec_file **out)
{
	(void)x;
	(void)wq;
	(void)pid;
	(void)out;
	return -ENOSYS;
}

int sva_exec_store(struct sva_exec_file *f, pid_t pid, const struct sva_exec_store *s)
{
	(void)f;
	(void)pid;
	(void)s;
	return -ENOSYS;
}

ssize_t sva_exec_write(struct sva_exec_file *f, pid_t pid, const void *buf, size_t len)
{
	(void)f;
	(void)pid;
	(void)buf;
	(void)len;
	return -ENOSYS;
}

void sva_exec_release(struct sva_exec_file *f)
{
	(void)f;
}

void sva_exec_process_exited(struct sva_exec *x, pid_t tgid)
{
	(void)x;
	(void)tgid;
}

unsigned sva_exec_clients(struct sva_exec *x)
{
	(void)x;
	return 0;
}

unsigned sva_exec_report(struct sva_exec *x, FILE *out)
{
	(void)x;
	fprintf(out, "sva exec: the stand-in core: no checker ran\n");
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * A scenario's idxd devices (cdev=idxd_wq): made as the kernel's idxd driver makes one and
 * configured as accel-config configures it - sva_idxd_create() on the added device, then the
 * engines and WQs the scenario declares written as the driver's sysfs attributes
 * (sva_idxd_attr_set(): every engine in group 0, each WQ's mode, size, group, priority,
 * threshold, block_on_fault, max_transfer_size, type and name), then sva_idxd_enable()
 * (accel-config's enable-device and the enable-wq of each WQ). And the driver's calls behind the
 * scenario's admin statements: wq_disable, wq_enable, disable, enable.
 *
 * Locks: none of the runner's; the driver's (x->mutex) inside each call. remove() frees the
 * device while another task may be in one of these calls: each holds an active reference
 * (r->admin[dev], as kernfs holds one on an attribute being written) taken before it reads
 * r->removed, and remove() waits for them after setting it (sva_scn_device_destroy()), so
 * neither misses the other (sequentially consistent atomics).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* N of the device's name "dsaN" (the parser checked its form). */
static unsigned sva_scn_idxd_id(const char *name)
{
	return (unsigned)strtoul(name + strcspn(name, "0123456789"), NULL, 10);
}

/*
 * Write number @value to attribute @attr of object "@kindD.Q" (Q = @index), and read it back
 * as accel-config's list would: the driver must report what it took (-EIO, logged, if not).
 */
static int sva_scn_idxd_set(struct sva_world *w, struct sva_idxd *x, const char *kind,
			    unsigned index, const char *attr, unsigned long value)
{
	char obj[32], v[24], back[SVA_IDXD_ATTR_MAX];
	int ret;

	snprintf(obj, sizeof(obj), "%s%u.%u", kind, sva_scn_idxd_id(sva_idxd_name(x)), index);
	snprintf(v, sizeof(v), "%lu", value);
	ret = sva_idxd_attr_set(x, obj, attr, v);
	ret = ret ? ret : sva_idxd_attr_get(x, obj, attr, back, sizeof(back));
	if (ret == 0 && strcmp(back, v) != 0) {
		sva_log(w, SVA_LOG_ERR, "idxd %s: %s: %s reads %s after writing %s",
			sva_idxd_name(x), obj, attr, back, v);
		ret = -EIO;
	}
	return ret;
}

long sva_scn_idxd_clients(struct sva_scenario_run *r, size_t dev, unsigned wq)
{
	char obj[32], v[SVA_IDXD_ATTR_MAX];
	int ret;

	snprintf(obj, sizeof(obj), "wq%u.%u", sva_scn_idxd_id(r->s->devices[dev].name), wq);
	ret = sva_idxd_attr_get(r->idxd[dev], obj, "clients", v, sizeof(v));
	return ret ? ret : strtol(v, NULL, 10);
}

/* The scenario's WQ @wq as accel-config's config-wq writes it. */
static int sva_scn_idxd_config_wq(struct sva_scenario_run *r, struct sva_idxd *x,
				  const struct sva_scn_device *d, const struct sva_scn_wq *wq)
{
	bool shared = wq->mode == SVA_SCN_WQ_SHARED;
	char obj[32];
	int ret;

	snprintf(obj, sizeof(obj), "wq%u.%u", sva_scn_idxd_id(d->name), wq->index);
	ret = sva_idxd_attr_set(x, obj, "mode", shared ? "shared" : "dedicated");
	ret = ret ? ret : sva_scn_idxd_set(r->w, x, "wq", wq->index, "size", wq->depth);
	ret = ret ? ret : sva_scn_idxd_set(r->w, x, "wq", wq->index, "group_id", 0);
	if (!ret && wq->priority) /* 0: the driver's default */
		ret = sva_scn_idxd_set(r->w, x, "wq", wq->index, "priority", wq->priority);
	if (!ret && shared)
		ret = sva_scn_idxd_set(r->w, x, "wq", wq->index, "threshold", wq->threshold);
	ret = ret ? ret : sva_scn_idxd_set(r->w, x, "wq", wq->index, "block_on_fault", wq->bof);
	if (!ret && d->max_xfer)
		ret = sva_scn_idxd_set(r->w, x, "wq", wq->index, "max_transfer_size",
				       (unsigned long)d->max_xfer);
	ret = ret ? ret : sva_idxd_attr_set(x, obj, "type", "user");
	return ret ? ret : sva_idxd_attr_set(x, obj, "name", wq->name);
}

int sva_scn_idxd_setup(struct sva_scenario_run *r, size_t dev)
{
	const struct sva_scenario *s = r->s;
	const struct sva_scn_device *d = &s->devices[dev];
	struct sva_idxd *x;
	int ret = sva_idxd_create(r->k, r->devs[dev], d->name, &x);

	if (ret)
		return ret;
	for (unsigned e = 0; ret == 0 && e < d->engines; e++)
		ret = sva_scn_idxd_set(r->w, x, "engine", e, "group_id", 0);
	for (size_t i = 0; ret == 0 && i < s->nwqs; i++)
		if (s->wqs[i].device == (int)dev)
			ret = sva_scn_idxd_config_wq(r, x, d, &s->wqs[i]);
	ret = ret ? ret : sva_idxd_enable(x);
	if (ret) {
		sva_idxd_destroy(x);
		return ret;
	}
	r->idxd[dev] = x;
	return 0;
}

long sva_scn_idxd_admin(struct sva_scenario_run *r, enum sva_scn_op op, int index)
{
	bool wq = op == SVA_SCN_WQ_DISABLE || op == SVA_SCN_WQ_ENABLE;
	int dev = wq ? r->s->wqs[index].device : index;
	struct sva_idxd *x = r->idxd[dev];
	char obj[32] = "";
	long ret;

	atomic_fetch_add(&r->admin[dev], 1);
	if (atomic_load(&r->removed[dev]) || !x) {
		atomic_fetch_sub(&r->admin[dev], 1);
		return -ENODEV;
	}
	if (wq)
		snprintf(obj, sizeof(obj), "wq%u.%u", sva_scn_idxd_id(sva_idxd_name(x)),
			 r->s->wqs[index].index);
	if (op == SVA_SCN_WQ_DISABLE)
		ret = sva_idxd_wq_disable(x, obj);
	else if (op == SVA_SCN_WQ_ENABLE)
		ret = sva_idxd_wq_enable(x, obj);
	else if (op == SVA_SCN_DISABLE)
		ret = sva_idxd_disable(x);
	else
		ret = sva_idxd_enable(x);
	atomic_fetch_sub(&r->admin[dev], 1);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * The sysfs view of the daemon's idxd devices, as a real program sees it at /sys/bus/dsa:
 *
 *   devices/dsaN/                 the device's attributes, driver -> ../../drivers/idxd (bound)
 *   devices/dsaN/wqN.Q/           a WQ's, driver -> ../../../drivers/user (bound); groupN.G/,
 *                                 engineN.E/ likewise
 *   devices/wqN.Q -> dsaN/wqN.Q   (and groupN.G, engineN.E): the bus's list of its devices
 *   drivers/idxd/{bind,unbind}    "dsaN": the device enabled / disabled; dsaN -> the device
 *   drivers/user/{bind,unbind}    "wqN.Q": the WQ enabled / disabled; wqN.Q -> the WQ
 *
 * and the dev view (/dev/dsa): a file wqN.Q for each enabled WQ. Attributes are the idxd
 * model's (sva_idxd_attr_get / _set, its errors as the writer's errno); the ones that describe
 * hardware are constants of a Sapphire-Rapids-like DSA 1.0 (op_cap, gen_cap, numa_node -1...);
 * a few are only kept (read_buffer_limit, driver_name, traffic classes). What a real kernel
 * does that this does not is in docs/exec.md. One thread (view.h): no locks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/idxd.h"
#include "view.h"

enum how {
	MODEL = 1, /* the idxd model's attribute (arg: its name there, NULL the same) */
	CONST,	   /* arg */
	KEPT,	   /* written and read back (view.h), default arg */
	CMD_STATUS,
	CLIENTS, /* the files open on the device (or the WQ) */
	CDEV_MINOR,
};

struct attr {
	const char *name;
	unsigned mode;
	enum how how;
	const char *arg;
};

static const struct attr dev_attrs[] = {
	{ "state", 0444, MODEL, NULL },
	{ "pasid_enabled", 0444, MODEL, NULL },
	{ "max_groups", 0444, MODEL, NULL },
	{ "max_engines", 0444, MODEL, NULL },
	{ "max_work_queues", 0444, MODEL, NULL },
	{ "max_work_queues_size", 0444, MODEL, NULL },
	{ "max_transfer_size", 0444, MODEL, NULL },
	{ "max_batch_size", 0444, MODEL, NULL },
	{ "numa_node", 0444, CONST, "-1" },
	{ "ims_size", 0444, CONST, "0" },
	/* block on fault, overlapping copies, cache control (memory, flush); 2 MiB; 32 */
	{ "gen_cap", 0444, CONST, "0xb5000f" },
	/* DSA 1.0's operations 0x00-0x09, 0x10-0x15, 0x20 (what the model runs) */
	{ "op_cap", 0444, CONST, "0x1003f03ff 0x0 0x0 0x0" },
	{ "configurable", 0444, CONST, "1" },
	{ "max_read_buffers", 0444, CONST, "96" },
	{ "read_buffer_limit", 0644, KEPT, "0" },
	{ "cdev_major", 0444, CONST, "0" },
	{ "version", 0444, CONST, "0x100" },
	{ "cmd_status", 0644, CMD_STATUS, NULL },
	{ "clients", 0444, CLIENTS, NULL },
	{ "errors", 0444, CONST, "0 0 0 0" },
	{ NULL, 0, 0, NULL },
};

static const struct attr wq_attrs[] = {
	{ "mode", 0644, MODEL, NULL },
	{ "size", 0644, MODEL, NULL },
	{ "group_id", 0644, MODEL, NULL },
	{ "priority", 0644, MODEL, NULL },
	{ "block_on_fault", 0644, MODEL, NULL },
	{ "max_batch_size", 0644, MODEL, NULL },
	{ "max_transfer_size", 0644, MODEL, NULL },
	{ "threshold", 0644, MODEL, NULL },
	{ "ats_disable", 0644, MODEL, NULL },
	{ "type", 0644, MODEL, NULL },
	{ "name", 0644, MODEL, NULL },
	{ "state", 0444, MODEL, NULL },
	{ "driver_name", 0644, KEPT, "" },
	{ "cdev_minor", 0444, CDEV_MINOR, NULL },
	{ "clients", 0444, CLIENTS, NULL },
	{ "occupancy", 0444, CONST, "0" },
	{ NULL, 0, 0, NULL },
};

static const struct attr group_attrs[] = {
	{ "read_buffers_reserved", 0644, MODEL, NULL },
	{ "read_buffers_allowed", 0644, MODEL, NULL },
	{ "use_read_buffer_limit", 0644, MODEL, NULL },
	{ "engines", 0444, MODEL, "grouped_engines" },
	{ "work_queues", 0444, MODEL, "grouped_workqueues" },
	{ "traffic_class_a", 0644, KEPT, "1" },
	{ "traffic_class_b", 0644, KEPT, "1" },
	{ NULL, 0, 0, NULL },
};

static const struct attr engine_attrs[] = {
	{ "group_id", 0644, MODEL, NULL },
	{ NULL, 0, 0, NULL },
};

enum kind { K_DEV, K_WQ, K_GROUP, K_ENGINE };

static const struct attr *attrs_of(enum kind k)
{
	return k == K_DEV     ? dev_attrs
	       : k == K_WQ    ? wq_attrs
	       : k == K_GROUP ? group_attrs
			      : engine_attrs;
}

static const struct attr *attr_find(enum kind k, const char *name)
{
	for (const struct attr *a = attrs_of(k); a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* ---- the devices ---- */

static struct sva_idxd *dev_of(struct sva_view *v, int i)
{
	return i >= 0 && (unsigned)i < v->ndevs ? sva_exec_device(v->x, (unsigned)i) : NULL;
}

static unsigned dev_id(struct sva_view *v, int i)
{
	const char *name = sva_idxd_name(dev_of(v, i));

	return (unsigned)strtoul(name + strcspn(name, "0123456789"), NULL, 10);
}

static unsigned dev_max(struct sva_view *v, int i, const char *attr)
{
	char buf[SVA_IDXD_ATTR_MAX];

	if (sva_idxd_attr_get(dev_of(v, i), sva_idxd_name(dev_of(v, i)), attr, buf, sizeof(buf)))
		return 0;
	return (unsigned)strtoul(buf, NULL, 10);
}

/* "dsaN": its index, or -1 (also while the driver is not loaded). */
static int dev_find(struct sva_view *v, const char *name)
{
	for (unsigned i = 0; v->loaded && i < v->ndevs; i++)
		if (strcmp(sva_idxd_name(dev_of(v, (int)i)), name) == 0)
			return (int)i;
	return -1;
}

/* "wqN.Q", "groupN.G", "engineN.E" of some device: its kind, device and index. */
static int sub_find(struct sva_view *v, const char *name, enum kind *k, int *dev, unsigned *idx)
{
	static const struct {
		const char *prefix;
		enum kind k;
		const char *max;
	} subs[] = {
		{ "wq", K_WQ, "max_work_queues" },
		{ "group", K_GROUP, "max_groups" },
		{ "engine", K_ENGINE, "max_engines" },
	};
	unsigned id, i;
	char end;

	for (size_t s = 0; s < sizeof(subs) / sizeof(subs[0]); s++) {
		size_t n = strlen(subs[s].prefix);

		if (strncmp(name, subs[s].prefix, n) != 0 ||
		    sscanf(name + n, "%u.%u%c", &id, &i, &end) != 2)
			continue;
		for (unsigned d = 0; v->loaded && d < v->ndevs; d++) {
			if (dev_id(v, (int)d) != id)
				continue;
			if (i >= dev_max(v, (int)d, subs[s].max))
				return -1;
			*k = subs[s].k;
			*dev = (int)d;
			*idx = i;
			return 0;
		}
	}
	return -1;
}

/* Is @obj (a device or a WQ) bound to its driver? */
static bool bound(struct sva_view *v, int dev, enum kind k, const char *obj)
{
	struct sva_idxd *x = dev_of(v, dev);

	return k == K_DEV ? sva_idxd_enabled(x) : k == K_WQ && sva_idxd_wq_enabled(x, obj);
}

/* ---- paths ---- */

#define MAX_PARTS 6

static int split(const char *path, char parts[MAX_PARTS][64])
{
	int n = 0;

	while (*path) {
		size_t len;

		while (*path == '/')
			path++;
		if (!*path)
			break;
		len = strcspn(path, "/");
		if (n == MAX_PARTS || len >= 64)
			return -1;
		memcpy(parts[n], path, len);
		parts[n][len] = '\0';
		n++;
		path += len;
	}
	return n;
}

static void node_dir(struct sva_view_node *n)
{
	memset(n, 0, sizeof(*n));
	n->kind = SVA_VIEW_DIR;
	n->mode = 0755;
	n->dev = -1;
}

static void node_link(struct sva_view_node *n, const char *fmt, const char *a, const char *b)
{
	memset(n, 0, sizeof(*n));
	n->kind = SVA_VIEW_LINK;
	n->mode = 0777;
	n->dev = -1;
	snprintf(n->link, sizeof(n->link), fmt, a, b);
}

/* An object's directory entry @name (@depth: of the object's directory under devices/). */
static int obj_entry(struct sva_view *v, int dev, enum kind k, const char *obj, const char *name,
		     int depth, struct sva_view_node *n)
{
	const struct attr *a = attr_find(k, name);

	if (a) {
		memset(n, 0, sizeof(*n));
		n->kind = SVA_VIEW_FILE;
		n->mode = a->mode;
		n->dev = dev;
		snprintf(n->obj, sizeof(n->obj), "%s", obj);
		snprintf(n->attr, sizeof(n->attr), "%s", name);
		return 0;
	}
	if (strcmp(name, "driver") == 0 && bound(v, dev, k, obj)) {
		node_link(n, "%s%s", depth == 1 ? "../../drivers/" : "../../../drivers/",
			  k == K_DEV ? "idxd" : "user");
		return 0;
	}
	return -ENOENT;
}

int sva_view_sys_lookup(struct sva_view *v, const char *path, struct sva_view_node *n)
{
	char p[MAX_PARTS][64];
	int np = split(path, p), dev;
	enum kind k;
	unsigned idx;

	if (np < 0)
		return -ENOENT;
	if (np == 0) {
		node_dir(n);
		return 0;
	}
	if (strcmp(p[0], "devices") == 0) {
		if (np == 1) {
			node_dir(n);
			return 0;
		}
		dev = dev_find(v, p[1]);
		if (dev < 0) { /* devices/wqN.Q -> dsaN/wqN.Q */
			if (np != 2 || sub_find(v, p[1], &k, &dev, &idx))
				return -ENOENT;
			node_link(n, "%s/%s", sva_idxd_name(dev_of(v, dev)), p[1]);
			return 0;
		}
		if (np == 2) {
			node_dir(n);
			n->dev = dev;
			snprintf(n->obj, sizeof(n->obj), "%s", p[1]);
			return 0;
		}
		if (np == 3 && obj_entry(v, dev, K_DEV, p[1], p[2], 1, n) == 0)
			return 0;
		if (sub_find(v, p[2], &k, &dev, &idx) ||
		    strcmp(sva_idxd_name(dev_of(v, dev)), p[1]))
			return -ENOENT;
		if (np == 3) {
			node_dir(n);
			n->dev = dev;
			snprintf(n->obj, sizeof(n->obj), "%s", p[2]);
			return 0;
		}
		return np == 4 ? obj_entry(v, dev, k, p[2], p[3], 2, n) : -ENOENT;
	}
	if (strcmp(p[0], "drivers") != 0)
		return -ENOENT;
	if (np == 1) {
		node_dir(n);
		return 0;
	}
	if (!v->loaded || (strcmp(p[1], "idxd") != 0 && strcmp(p[1], "user") != 0))
		return -ENOENT;
	if (np == 2) {
		node_dir(n);
		return 0;
	}
	if (np != 3)
		return -ENOENT;
	if (strcmp(p[2], "bind") == 0 || strcmp(p[2], "unbind") == 0) {
		memset(n, 0, sizeof(*n));
		n->kind = SVA_VIEW_FILE;
		n->mode = 0200;
		n->dev = -1;
		snprintf(n->attr, sizeof(n->attr), "%s", p[2]);
		snprintf(n->driver, sizeof(n->driver), "%s", p[1]);
		return 0;
	}
	/* drivers/idxd/dsaN, drivers/user/wqN.Q: the devices bound */
	if (strcmp(p[1], "idxd") == 0) {
		dev = dev_find(v, p[2]);
		if (dev < 0 || !bound(v, dev, K_DEV, p[2]))
			return -ENOENT;
		node_link(n, "../../devices/%s%s", p[2], "");
		return 0;
	}
	if (sub_find(v, p[2], &k, &dev, &idx) || k != K_WQ || !bound(v, dev, K_WQ, p[2]))
		return -ENOENT;
	node_link(n, "../../devices/%s/%s", sva_idxd_name(dev_of(v, dev)), p[2]);
	return 0;
}

static int fill_attrs(enum kind k, int (*fill)(void *, const char *), void *ctx)
{
	for (const struct attr *a = attrs_of(k); a->name; a++)
		if (fill(ctx, a->name))
			return 0;
	return 0;
}

/* The sub-objects of device @dev: "wqN.Q"... each to @fill. */
static void fill_subs(struct sva_view *v, int dev, int (*fill)(void *, const char *), void *ctx)
{
	static const char *const prefixes[] = { "engine", "group", "wq" };
	static const char *const maxes[] = { "max_engines", "max_groups", "max_work_queues" };
	char name[32];

	for (int s = 0; s < 3; s++)
		for (unsigned i = 0; i < dev_max(v, dev, maxes[s]); i++) {
			snprintf(name, sizeof(name), "%s%u.%u", prefixes[s], dev_id(v, dev), i);
			if (fill(ctx, name))
				return;
		}
}

int sva_view_sys_readdir(struct sva_view *v, const char *path,
			 int (*fill)(void *ctx, const char *name), void *ctx)
{
	struct sva_view_node n;
	char p[MAX_PARTS][64];
	int np = split(path, p), ret = sva_view_sys_lookup(v, path, &n);
	enum kind k;
	unsigned idx;
	int dev;

	if (ret)
		return ret;
	if (n.kind != SVA_VIEW_DIR)
		return -ENOTDIR;
	if (np == 0) {
		fill(ctx, "devices");
		fill(ctx, "drivers");
		return 0;
	}
	if (strcmp(p[0], "drivers") == 0) {
		if (np == 1) {
			if (v->loaded) {
				fill(ctx, "idxd");
				fill(ctx, "user");
			}
			return 0;
		}
		fill(ctx, "bind");
		fill(ctx, "unbind");
		for (unsigned d = 0; d < v->ndevs; d++) {
			struct sva_idxd *x = dev_of(v, (int)d);
			char name[32];

			if (strcmp(p[1], "idxd") == 0) {
				if (sva_idxd_enabled(x))
					fill(ctx, sva_idxd_name(x));
				continue;
			}
			for (unsigned q = 0; q < dev_max(v, (int)d, "max_work_queues"); q++) {
				snprintf(name, sizeof(name), "wq%u.%u", dev_id(v, (int)d), q);
				if (sva_idxd_wq_enabled(x, name))
					fill(ctx, name);
			}
		}
		return 0;
	}
	if (np == 1) { /* devices/: each device, and its sub-objects as links */
		for (unsigned d = 0; v->loaded && d < v->ndevs; d++) {
			fill(ctx, sva_idxd_name(dev_of(v, (int)d)));
			fill_subs(v, (int)d, fill, ctx);
		}
		return 0;
	}
	if (np == 2) {
		fill_attrs(K_DEV, fill, ctx);
		if (bound(v, n.dev, K_DEV, p[1]))
			fill(ctx, "driver");
		fill_subs(v, n.dev, fill, ctx);
		return 0;
	}
	if (sub_find(v, p[2], &k, &dev, &idx))
		return -ENOENT;
	fill_attrs(k, fill, ctx);
	if (bound(v, dev, k, p[2]))
		fill(ctx, "driver");
	return 0;
}

/* ---- attributes ---- */

static char *kept(struct sva_view *v, const struct sva_view_node *n, enum kind k, size_t *len)
{
	struct sva_view_dev *d = &v->devs[n->dev];
	unsigned a, b;
	char end;

	if (k == K_DEV) {
		*len = sizeof(d->read_buffer_limit);
		return d->read_buffer_limit;
	}
	if (k == K_WQ && sscanf(n->obj, "wq%u.%u%c", &a, &b, &end) == 2 && b < SVA_VIEW_MAX_WQS) {
		*len = sizeof(d->driver_name[b]);
		return d->driver_name[b];
	}
	if (k == K_GROUP && sscanf(n->obj, "group%u.%u%c", &a, &b, &end) == 2 && b < 4) {
		*len = sizeof(d->traffic_class[b][0]);
		return d->traffic_class[b][strcmp(n->attr, "traffic_class_b") == 0];
	}
	return NULL;
}

static enum kind kind_of(const struct sva_view_node *n)
{
	return strncmp(n->obj, "wq", 2) == 0	   ? K_WQ
	       : strncmp(n->obj, "group", 5) == 0  ? K_GROUP
	       : strncmp(n->obj, "engine", 6) == 0 ? K_ENGINE
						   : K_DEV;
}

static unsigned clients(struct sva_view *v, const struct sva_view_node *n, enum kind k)
{
	unsigned a, b, sum = 0;
	char end;

	if (k == K_WQ && sscanf(n->obj, "wq%u.%u%c", &a, &b, &end) == 2 && b < SVA_VIEW_MAX_WQS)
		return v->devs[n->dev].opens[b];
	for (unsigned q = 0; q < SVA_VIEW_MAX_WQS; q++)
		sum += v->devs[n->dev].opens[q];
	return sum;
}

static int mod_read(struct sva_view *v, const struct sva_view_node *n, char *buf, size_t len);

int sva_view_sys_read(struct sva_view *v, const struct sva_view_node *n, char *buf, size_t len)
{
	char text[SVA_IDXD_ATTR_MAX] = "";
	enum kind k = kind_of(n);
	const struct attr *a;
	size_t klen;
	char *kv;
	int ret = 0;

	if (n->kind != SVA_VIEW_FILE)
		return -EISDIR;
	if (n->driver[0])
		return -EACCES; /* bind, unbind: write-only */
	if (strncmp(n->attr, "module:", 7) == 0)
		return mod_read(v, n, buf, len);
	a = attr_find(k, n->attr);
	if (!a || !dev_of(v, n->dev))
		return -ENOENT;
	switch (a->how) {
	case MODEL:
		ret = sva_idxd_attr_get(dev_of(v, n->dev), n->obj, a->arg ? a->arg : a->name, text,
					sizeof(text));
		break;
	case CONST:
		snprintf(text, sizeof(text), "%s", a->arg);
		break;
	case KEPT:
		kv = kept(v, n, k, &klen);
		snprintf(text, sizeof(text), "%s", kv && *kv ? kv : a->arg);
		break;
	case CMD_STATUS:
		snprintf(text, sizeof(text), "0");
		break;
	case CLIENTS:
		snprintf(text, sizeof(text), "%u", clients(v, n, k));
		break;
	case CDEV_MINOR: {
		unsigned d, q;
		char end;

		if (sscanf(n->obj, "wq%u.%u%c", &d, &q, &end) == 2 &&
		    sva_idxd_wq_enabled(dev_of(v, n->dev), n->obj))
			snprintf(text, sizeof(text), "%u", q);
		else
			snprintf(text, sizeof(text), "-1");
		break;
	}
	}
	if (ret)
		return ret;
	return snprintf(buf, len, "%s\n", text) >= (int)len ? -ERANGE : (int)strlen(buf);
}

/* "dsa0" or "wq0.1" written to a driver's bind or unbind. */
static int bind_write(struct sva_view *v, const struct sva_view_node *n, const char *what)
{
	bool bind = strcmp(n->attr, "bind") == 0;
	int dev, ret;
	enum kind k;
	unsigned idx;

	if (strcmp(n->driver, "idxd") == 0) {
		dev = dev_find(v, what);
		if (dev < 0)
			return -ENODEV;
		if (bind)
			return sva_idxd_enable_device(dev_of(v, dev));
		ret = sva_idxd_disable(dev_of(v, dev));
		return ret == -EINVAL ? -ENODEV : ret; /* not bound */
	}
	if (sub_find(v, what, &k, &dev, &idx) || k != K_WQ)
		return -ENODEV;
	if (bind)
		return sva_idxd_wq_enable(dev_of(v, dev), what);
	ret = sva_idxd_wq_disable(dev_of(v, dev), what);
	return ret == -EINVAL ? -ENODEV : ret;
}

int sva_view_sys_write(struct sva_view *v, const struct sva_view_node *n, const char *buf,
		       size_t len)
{
	char value[SVA_IDXD_ATTR_MAX];
	enum kind k = kind_of(n);
	const struct attr *a;
	size_t klen;
	char *kv;
	int ret, done;

	if (n->kind != SVA_VIEW_FILE)
		return -EISDIR;
	if (strncmp(n->attr, "module:", 7) == 0)
		return -EACCES;
	if (len >= sizeof(value))
		return -EINVAL;
	done = (int)len;
	memcpy(value, buf, len);
	value[len] = '\0';
	while (len && (value[len - 1] == '\n' || value[len - 1] == ' '))
		value[--len] = '\0'; /* sysfs's stores take "1\n" as "1" */
	if (n->driver[0]) {
		ret = bind_write(v, n, value);
		return ret ? ret : done;
	}
	a = attr_find(k, n->attr);
	if (!a || !dev_of(v, n->dev))
		return -ENOENT;
	if (!(a->mode & 0200))
		return -EACCES;
	switch (a->how) {
	case MODEL:
		ret = sva_idxd_attr_set(dev_of(v, n->dev), n->obj, a->name, value);
		break;
	case KEPT:
		kv = kept(v, n, k, &klen);
		if (!kv)
			return -ENOENT;
		if (sva_idxd_enabled(dev_of(v, n->dev)))
			return -EBUSY; /* as the model's attributes */
		if (strlen(value) >= klen)
			return -EINVAL;
		snprintf(kv, klen, "%s", value);
		ret = 0;
		break;
	case CMD_STATUS: /* a write clears it: it is always 0 here */
		ret = 0;
		break;
	default:
		return -EACCES;
	}
	return ret ? ret : done;
}

/* ---- the dev view ---- */

int sva_view_dev_lookup(struct sva_view *v, const char *path, int *dev, char *wq, size_t len)
{
	enum kind k;
	unsigned idx;

	while (*path == '/')
		path++;
	if (sub_find(v, path, &k, dev, &idx) || k != K_WQ ||
	    !sva_idxd_wq_enabled(dev_of(v, *dev), path))
		return -ENOENT;
	snprintf(wq, len, "%s", path);
	return 0;
}

int sva_view_dev_readdir(struct sva_view *v, int (*fill)(void *ctx, const char *name), void *ctx)
{
	char name[32];

	for (unsigned d = 0; v->loaded && d < v->ndevs; d++)
		for (unsigned q = 0; q < dev_max(v, (int)d, "max_work_queues"); q++) {
			snprintf(name, sizeof(name), "wq%u.%u", dev_id(v, (int)d), q);
			if (sva_idxd_wq_enabled(dev_of(v, (int)d), name))
				fill(ctx, name);
		}
	return 0;
}

/* ---- /sys/module/idxd (accel-config checks the module is loaded) ---- */

static const struct {
	const char *path, *text; /* text NULL: a directory */
} mod_nodes[] = {
	{ "/idxd", NULL },
	{ "/idxd/initstate", "live" },
	{ "/idxd/refcnt", NULL /* the files open */ },
	{ "/idxd/parameters", NULL },
	{ "/idxd/parameters/sva", "Y" },
	{ "/idxd/parameters/tc_override", "N" },
};

int sva_view_mod_lookup(struct sva_view *v, const char *path, struct sva_view_node *n)
{
	if (strcmp(path, "/") == 0) {
		node_dir(n);
		return 0;
	}
	for (size_t i = 0; v->loaded && i < sizeof(mod_nodes) / sizeof(mod_nodes[0]); i++) {
		if (strcmp(path, mod_nodes[i].path) != 0)
			continue;
		if (!mod_nodes[i].text && strcmp(path, "/idxd/refcnt") != 0) {
			node_dir(n);
			return 0;
		}
		memset(n, 0, sizeof(*n));
		n->kind = SVA_VIEW_FILE;
		n->mode = 0444;
		n->dev = -1;
		snprintf(n->attr, sizeof(n->attr), "module:%s", path);
		return 0;
	}
	return -ENOENT;
}

int sva_view_mod_readdir(struct sva_view *v, const char *path,
			 int (*fill)(void *ctx, const char *name), void *ctx)
{
	struct sva_view_node n;
	size_t len = strcmp(path, "/") == 0 ? 0 : strlen(path);
	int ret = sva_view_mod_lookup(v, path, &n);

	if (ret)
		return ret;
	if (n.kind != SVA_VIEW_DIR)
		return -ENOTDIR;
	for (size_t i = 0; v->loaded && i < sizeof(mod_nodes) / sizeof(mod_nodes[0]); i++) {
		const char *p = mod_nodes[i].path;

		if (strncmp(p, path, len) == 0 && p[len] == '/' && !strchr(p + len + 1, '/'))
			fill(ctx, p + len + 1);
	}
	return 0;
}

static int mod_read(struct sva_view *v, const struct sva_view_node *n, char *buf, size_t len)
{
	const char *path = n->attr + strlen("module:");
	unsigned users = 0;

	for (unsigned d = 0; d < v->ndevs; d++)
		for (unsigned q = 0; q < SVA_VIEW_MAX_WQS; q++)
			users += v->devs[d].opens[q];
	for (size_t i = 0; i < sizeof(mod_nodes) / sizeof(mod_nodes[0]); i++)
		if (strcmp(path, mod_nodes[i].path) == 0) {
			if (mod_nodes[i].text)
				snprintf(buf, len, "%s\n", mod_nodes[i].text);
			else
				snprintf(buf, len, "%u\n", users);
			return (int)strlen(buf);
		}
	return -ENOENT;
}

/* ---- the state, the module tools ---- */

/* Device @d's kept attributes as the configuration has them (the daemon's start, an rmmod). */
static void view_dev_reset(struct sva_view *v, unsigned d)
{
	memset(&v->devs[d], 0, sizeof(v->devs[d]));
	/* a user WQ of the configuration is the "user" driver's, as in 2g2q_user_1.conf */
	for (unsigned q = 0; q < SVA_VIEW_MAX_WQS; q++) {
		char obj[32], type[SVA_IDXD_ATTR_MAX];

		snprintf(obj, sizeof(obj), "wq%u.%u", dev_id(v, (int)d), q);
		if (sva_idxd_attr_get(dev_of(v, (int)d), obj, "type", type, sizeof(type)) == 0 &&
		    strcmp(type, "user") == 0)
			snprintf(v->devs[d].driver_name[q], sizeof(v->devs[d].driver_name[q]),
				 "user");
	}
}

int sva_view_init(struct sva_view *v, struct sva_exec *x)
{
	memset(v, 0, sizeof(*v));
	v->x = x;
	v->loaded = true; /* the driver is loaded at boot */
	v->ndevs = sva_exec_ndevices(x);
	if (v->ndevs > SVA_VIEW_MAX_DEVS)
		return -E2BIG;
	v->snapshot = calloc(v->ndevs ? v->ndevs : 1, sizeof(*v->snapshot));
	if (!v->snapshot)
		return -ENOMEM;
	for (unsigned i = 0; i < v->ndevs; i++) {
		int ret = sva_idxd_save_config(dev_of(v, (int)i), &v->snapshot[i]);

		if (ret)
			return ret;
		view_dev_reset(v, i);
	}
	return 0;
}

void sva_view_fini(struct sva_view *v)
{
	for (unsigned i = 0; v->snapshot && i < v->ndevs; i++)
		free(v->snapshot[i]);
	free(v->snapshot);
	v->snapshot = NULL;
}

int sva_view_modprobe(struct sva_view *v, const char *module, char *msg, size_t len)
{
	if (strcmp(module, "idxd") != 0) {
		snprintf(msg, len, "modprobe: module %s: not libsva's (sva exec models idxd only)",
			 module);
		return -ENOENT;
	}
	v->loaded = true;
	msg[0] = '\0';
	return 0;
}

int sva_view_rmmod(struct sva_view *v, const char *module, char *msg, size_t len)
{
	if (strcmp(module, "idxd") != 0) {
		snprintf(msg, len, "rmmod: module %s: not libsva's (sva exec models idxd only)",
			 module);
		return -ENOENT;
	}
	if (!v->loaded) {
		snprintf(msg, len, "rmmod: ERROR: Module idxd is not currently loaded");
		return -ENOENT;
	}
	for (unsigned d = 0; d < v->ndevs; d++)
		for (unsigned q = 0; q < SVA_VIEW_MAX_WQS; q++)
			if (v->devs[d].opens[q]) {
				snprintf(msg, len, "rmmod: ERROR: Module idxd is in use");
				return -EBUSY;
			}
	/* unloaded: every device disabled and back to its configuration at the daemon's start */
	for (unsigned d = 0; d < v->ndevs; d++) {
		struct sva_idxd *x = dev_of(v, (int)d);
		int ret;

		if (sva_idxd_enabled(x))
			sva_idxd_disable(x);
		ret = sva_idxd_load_config(x, v->snapshot[d]);
		if (ret) {
			snprintf(msg, len, "rmmod: %s: its configuration not restored (%d)",
				 sva_idxd_name(x), ret);
			return ret;
		}
		view_dev_reset(v, d);
	}
	v->loaded = false;
	msg[0] = '\0';
	return 0;
}

void sva_view_lsmod(struct sva_view *v, char *buf, size_t len)
{
	unsigned users = 0;

	for (unsigned d = 0; d < v->ndevs; d++)
		for (unsigned q = 0; q < SVA_VIEW_MAX_WQS; q++)
			users += v->devs[d].opens[q];
	if (v->loaded)
		snprintf(buf, len,
			 "Module                  Size  Used by\nidxd                  "
			 "196608  %u\n",
			 users);
	else
		snprintf(buf, len, "Module                  Size  Used by\n");
}

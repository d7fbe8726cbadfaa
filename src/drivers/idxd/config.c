/* SPDX-License-Identifier: MIT */
/*
 * The idxd device model's configuration: groups, engines and WQs with accel-config's attribute
 * names, read and written as text while the device is disabled, and enable / disable (the
 * software accelerator made from the configuration, with idxd's character devices). The
 * contract is in sva/idxd.h; locks in internal.h (x->mutex around everything here).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../accel/internal.h"
#include "internal.h"

SVA_OBJ_CLASS(idxd);

const char *const sva_idxd_dev_attrs[] = {
	"state",
	"pasid_enabled",
	"max_groups",
	"max_engines",
	"max_work_queues",
	"max_work_queues_size",
	"max_transfer_size",
	"max_batch_size",
	NULL,
};
const char *const sva_idxd_group_attrs[] = {
	"read_buffers_reserved",
	"read_buffers_allowed",
	"use_read_buffer_limit",
	NULL,
};
const char *const sva_idxd_engine_attrs[] = { "group_id", NULL };
const char *const sva_idxd_wq_attrs[] = {
	"mode",
	"size",
	"group_id",
	"priority",
	"block_on_fault",
	"max_batch_size",
	"max_transfer_size",
	"threshold",
	"ats_disable",
	"type",
	"name",
	"state",
	"clients",
	NULL,
};

bool sva_idxd_attr_numeric(const char *attr)
{
	static const char *const text[] = { "state", "mode", "type", "name", NULL };

	for (int i = 0; text[i]; i++)
		if (strcmp(attr, text[i]) == 0)
			return false;
	return true;
}

enum sva_idxd_kind {
	SVA_IDXD_OBJ_DEV,
	SVA_IDXD_OBJ_GROUP,
	SVA_IDXD_OBJ_ENGINE,
	SVA_IDXD_OBJ_WQ,
};

/* WQ @q's clients (x->mutex held): the files open on its char device, 0 while disabled. */
static unsigned sva_idxd_wq_clients(struct sva_idxd *x, unsigned q)
{
	const struct sva_idxd_state *st = sva_idxd_st(x);

	if (!st->a || !st->wq_on[q] || st->wq_slot[q] < 0)
		return 0;
	return sva_idxd_cdev_clients(st->a->wqs[st->wq_slot[q]]);
}

/* "dsa0", "group0.1", "engine0.2", "wq0.3" of this device: 0, its kind and index. */
static int sva_idxd_object(struct sva_idxd *x, const char *object, enum sva_idxd_kind *kind,
			   unsigned *index)
{
	static const struct {
		const char *prefix;
		enum sva_idxd_kind kind;
		unsigned max;
	} kinds[] = {
		{ "group", SVA_IDXD_OBJ_GROUP, SVA_IDXD_MAX_GROUPS },
		{ "engine", SVA_IDXD_OBJ_ENGINE, SVA_IDXD_MAX_ENGINES },
		{ "wq", SVA_IDXD_OBJ_WQ, SVA_IDXD_MAX_WQS },
	};

	if (!object)
		return -ENOENT;
	if (strcmp(object, x->name) == 0) {
		*kind = SVA_IDXD_OBJ_DEV;
		*index = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t n = strlen(kinds[i].prefix);
		unsigned dev, idx;
		char end;

		if (strncmp(object, kinds[i].prefix, n) != 0)
			continue;
		if (sscanf(object + n, "%u.%u%c", &dev, &idx, &end) != 2 || dev != x->id ||
		    idx >= kinds[i].max)
			return -ENOENT;
		*kind = kinds[i].kind;
		*index = idx;
		return 0;
	}
	return -ENOENT;
}

static int sva_idxd_fail(struct sva_idxd *x, int err, const char *object, const char *attr,
			 const char *why)
{
	sva_log(x->w, SVA_LOG_ERR, "idxd %s: %s: %s: %s", x->name, object ? object : "(null)",
		attr ? attr : "(null)", why);
	return err;
}

/* @value as a number in [min, max] (decimal or 0x hex); -EINVAL otherwise. */
static int sva_idxd_number(const char *value, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!value || !*value || *value == '-' || *value == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(value, &end, 0);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool sva_idxd_is(const char *attr, const char *name)
{
	return strcmp(attr, name) == 0;
}

static bool sva_idxd_known(const char *const *names, const char *attr)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], attr) == 0)
			return true;
	return false;
}

int sva_idxd_conf_get(struct sva_idxd *x, const struct sva_idxd_conf *conf, const char *object,
		      const char *attr, char *buf, size_t len)
{
	enum sva_idxd_kind kind;
	unsigned i;
	char v[SVA_IDXD_ATTR_MAX] = "";
	int ret = sva_idxd_object(x, object, &kind, &i);

	if (ret)
		return sva_idxd_fail(x, ret, object, attr, "no such object");
	if (!attr)
		return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	if (kind == SVA_IDXD_OBJ_DEV) {
		if (sva_idxd_is(attr, "state"))
			snprintf(v, sizeof(v), "%s", sva_idxd_st(x)->a ? "enabled" : "disabled");
		else if (sva_idxd_is(attr, "pasid_enabled"))
			snprintf(v, sizeof(v), "%d", conf->pasid_enabled);
		else if (sva_idxd_is(attr, "max_groups"))
			snprintf(v, sizeof(v), "%d", SVA_IDXD_MAX_GROUPS);
		else if (sva_idxd_is(attr, "max_engines"))
			snprintf(v, sizeof(v), "%d", SVA_IDXD_MAX_ENGINES);
		else if (sva_idxd_is(attr, "max_work_queues"))
			snprintf(v, sizeof(v), "%d", SVA_IDXD_MAX_WQS);
		else if (sva_idxd_is(attr, "max_work_queues_size"))
			snprintf(v, sizeof(v), "%d", SVA_IDXD_MAX_WQS_SIZE);
		else if (sva_idxd_is(attr, "max_transfer_size"))
			snprintf(v, sizeof(v), "%u", SVA_IDXD_MAX_XFER);
		else if (sva_idxd_is(attr, "max_batch_size"))
			snprintf(v, sizeof(v), "%u", SVA_IDXD_MAX_BATCH);
		else
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	} else if (kind == SVA_IDXD_OBJ_GROUP) {
		const struct sva_idxd_group_conf *g = &conf->groups[i];
		size_t n = 0;

		if (sva_idxd_is(attr, "read_buffers_reserved"))
			snprintf(v, sizeof(v), "%u", g->rb_reserved);
		else if (sva_idxd_is(attr, "read_buffers_allowed"))
			snprintf(v, sizeof(v), "%u", g->rb_allowed);
		else if (sva_idxd_is(attr, "use_read_buffer_limit"))
			snprintf(v, sizeof(v), "%d", g->use_rb_limit);
		else if (sva_idxd_is(attr, "grouped_workqueues"))
			for (unsigned q = 0; q < SVA_IDXD_MAX_WQS; q++)
				n += conf->wqs[q].group == (int)i
					     ? (size_t)snprintf(v + n, sizeof(v) - n, "%swq%u.%u",
								n ? " " : "", x->id, q)
					     : 0;
		else if (sva_idxd_is(attr, "grouped_engines"))
			for (unsigned e = 0; e < SVA_IDXD_MAX_ENGINES; e++)
				n += conf->engine_group[e] == (int)i
					     ? (size_t)snprintf(v + n, sizeof(v) - n,
								"%sengine%u.%u", n ? " " : "",
								x->id, e)
					     : 0;
		else
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	} else if (kind == SVA_IDXD_OBJ_ENGINE) {
		if (!sva_idxd_is(attr, "group_id"))
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
		snprintf(v, sizeof(v), "%d", conf->engine_group[i]);
	} else {
		const struct sva_idxd_wq_conf *q = &conf->wqs[i];

		if (sva_idxd_is(attr, "mode"))
			snprintf(v, sizeof(v), "%s", q->shared ? "shared" : "dedicated");
		else if (sva_idxd_is(attr, "size"))
			snprintf(v, sizeof(v), "%u", q->size);
		else if (sva_idxd_is(attr, "group_id"))
			snprintf(v, sizeof(v), "%d", q->group);
		else if (sva_idxd_is(attr, "priority"))
			snprintf(v, sizeof(v), "%u", q->priority);
		else if (sva_idxd_is(attr, "block_on_fault"))
			snprintf(v, sizeof(v), "%d", q->bof);
		else if (sva_idxd_is(attr, "max_batch_size"))
			snprintf(v, sizeof(v), "%u", q->max_batch);
		else if (sva_idxd_is(attr, "max_transfer_size"))
			snprintf(v, sizeof(v), "%u", q->max_xfer);
		else if (sva_idxd_is(attr, "threshold"))
			snprintf(v, sizeof(v), "%u", q->threshold);
		else if (sva_idxd_is(attr, "ats_disable"))
			snprintf(v, sizeof(v), "%d", q->ats_disable);
		else if (sva_idxd_is(attr, "type"))
			snprintf(v, sizeof(v), "%s", q->user ? "user" : "none");
		else if (sva_idxd_is(attr, "name"))
			snprintf(v, sizeof(v), "%s", q->name);
		else if (sva_idxd_is(attr, "state"))
			snprintf(v, sizeof(v), "%s",
				 sva_idxd_st(x)->a && sva_idxd_st(x)->wq_on[i] ? "enabled"
									       : "disabled");
		else if (sva_idxd_is(attr, "clients"))
			snprintf(v, sizeof(v), "%u", sva_idxd_wq_clients(x, i));
		else
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	}
	if (!buf || snprintf(buf, len, "%s", v) >= (int)len)
		return sva_idxd_fail(x, -ERANGE, object, attr, "buffer too small");
	return 0;
}

/* A 0/1 attribute. */
static int sva_idxd_bool(const char *value, bool *out)
{
	uint64_t v;
	int ret = sva_idxd_number(value, 0, 1, &v);

	if (ret == 0)
		*out = v;
	return ret;
}

/* group_id: -1 (none) or a group. */
static int sva_idxd_group_id(const char *value, int *out)
{
	uint64_t v;

	if (value && strcmp(value, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (sva_idxd_number(value, 0, SVA_IDXD_MAX_GROUPS - 1, &v))
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int sva_idxd_conf_set(struct sva_idxd *x, struct sva_idxd_conf *conf, const char *object,
		      const char *attr, const char *value, bool load)
{
	enum sva_idxd_kind kind;
	unsigned i;
	uint64_t v = 0;
	int ret = sva_idxd_object(x, object, &kind, &i);
	const char *bad = "bad value";

	if (ret)
		return sva_idxd_fail(x, ret, object, attr, "no such object");
	if (!attr)
		return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	if (!value)
		return sva_idxd_fail(x, -EINVAL, object, attr, "no value");
	if (kind == SVA_IDXD_OBJ_DEV) {
		if (sva_idxd_is(attr, "pasid_enabled"))
			ret = sva_idxd_bool(value, &conf->pasid_enabled);
		else if (sva_idxd_known(sva_idxd_dev_attrs, attr))
			return load ? 0 : sva_idxd_fail(x, -EACCES, object, attr, "read-only");
		else
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	} else if (kind == SVA_IDXD_OBJ_GROUP) {
		struct sva_idxd_group_conf *g = &conf->groups[i];

		if (sva_idxd_is(attr, "read_buffers_reserved") &&
		    !(ret = sva_idxd_number(value, 0, 255, &v)))
			g->rb_reserved = (unsigned)v;
		else if (sva_idxd_is(attr, "read_buffers_allowed") &&
			 !(ret = sva_idxd_number(value, 0, 255, &v)))
			g->rb_allowed = (unsigned)v;
		else if (sva_idxd_is(attr, "use_read_buffer_limit"))
			ret = sva_idxd_bool(value, &g->use_rb_limit);
		else if (sva_idxd_is(attr, "grouped_workqueues") ||
			 sva_idxd_is(attr, "grouped_engines"))
			return load ? 0 : sva_idxd_fail(x, -EACCES, object, attr, "read-only");
		else if (!sva_idxd_known(sva_idxd_group_attrs, attr))
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
	} else if (kind == SVA_IDXD_OBJ_ENGINE) {
		if (!sva_idxd_is(attr, "group_id"))
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
		ret = sva_idxd_group_id(value, &conf->engine_group[i]);
		bad = "not -1 or a group (0..3)";
	} else {
		struct sva_idxd_wq_conf *q = &conf->wqs[i];

		if (sva_idxd_is(attr, "mode")) {
			ret = strcmp(value, "shared") == 0 || strcmp(value, "dedicated") == 0
				      ? 0
				      : -EINVAL;
			if (ret == 0)
				q->shared = strcmp(value, "shared") == 0;
			bad = "not shared or dedicated";
		} else if (sva_idxd_is(attr, "size")) {
			ret = sva_idxd_number(value, 0, SVA_IDXD_MAX_WQS_SIZE, &v);
			q->size = ret ? q->size : (unsigned)v;
			bad = "not 0..max_work_queues_size";
		} else if (sva_idxd_is(attr, "group_id")) {
			ret = sva_idxd_group_id(value, &q->group);
			bad = "not -1 or a group (0..3)";
		} else if (sva_idxd_is(attr, "priority")) {
			ret = sva_idxd_number(value, 1, SVA_IDXD_MAX_PRIORITY, &v);
			q->priority = ret ? q->priority : (unsigned)v;
			bad = "not 1..15";
		} else if (sva_idxd_is(attr, "block_on_fault")) {
			ret = sva_idxd_bool(value, &q->bof);
		} else if (sva_idxd_is(attr, "max_batch_size")) {
			ret = sva_idxd_number(value, 1, SVA_IDXD_MAX_BATCH, &v);
			q->max_batch = ret ? q->max_batch : (unsigned)v;
			bad = "not 1..max_batch_size of the device";
		} else if (sva_idxd_is(attr, "max_transfer_size")) {
			ret = sva_idxd_number(value, 1, SVA_IDXD_MAX_XFER, &v);
			q->max_xfer = ret ? q->max_xfer : (unsigned)v;
			bad = "not 1..max_transfer_size of the device";
		} else if (sva_idxd_is(attr, "threshold")) {
			ret = sva_idxd_number(value, 0, SVA_IDXD_MAX_WQS_SIZE, &v);
			q->threshold = ret ? q->threshold : (unsigned)v;
		} else if (sva_idxd_is(attr, "ats_disable")) {
			ret = sva_idxd_bool(value, &q->ats_disable);
		} else if (sva_idxd_is(attr, "type")) {
			ret = strcmp(value, "user") == 0 || strcmp(value, "none") == 0 ? 0
										       : -EINVAL;
			if (ret == 0)
				q->user = strcmp(value, "user") == 0;
			bad = "not user or none (kernel WQs are not modelled)";
		} else if (sva_idxd_is(attr, "name")) {
			ret = strlen(value) < sizeof(q->name) ? 0 : -EINVAL;
			if (ret == 0)
				snprintf(q->name, sizeof(q->name), "%s", value);
			bad = "longer than 31 characters";
		} else if (sva_idxd_is(attr, "state") || sva_idxd_is(attr, "clients")) {
			return load ? 0 : sva_idxd_fail(x, -EACCES, object, attr, "read-only");
		} else {
			return sva_idxd_fail(x, -ENOENT, object, attr, "no such attribute");
		}
	}
	if (ret) {
		char why[SVA_IDXD_ATTR_MAX + 64];

		snprintf(why, sizeof(why), "'%.*s': %s", SVA_IDXD_ATTR_MAX, value, bad);
		return sva_idxd_fail(x, ret, object, attr, why);
	}
	return 0;
}

/* ---- the device ---- */

static void sva_idxd_conf_default(struct sva_idxd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->pasid_enabled = true;
	for (unsigned e = 0; e < SVA_IDXD_MAX_ENGINES; e++)
		c->engine_group[e] = -1;
	for (unsigned q = 0; q < SVA_IDXD_MAX_WQS; q++)
		c->wqs[q] = (struct sva_idxd_wq_conf){ .group = -1,
						       .priority = 1,
						       .max_xfer = SVA_IDXD_MAX_XFER,
						       .max_batch = SVA_IDXD_MAX_BATCH };
}

int sva_idxd_create(struct sva_kernel *k, struct sva_device *dev, const char *name,
		    struct sva_idxd **out)
{
	struct sva_world *w = sva_kernel_world(k);
	struct sva_idxd *x;
	const char *digits;

	name = name ? name : "dsa0";
	digits = name + strcspn(name, "0123456789");
	if (!dev || !out || strlen(name) >= sizeof(x->name) || !*digits ||
	    digits[strspn(digits, "0123456789")]) {
		sva_log(w, SVA_LOG_ERR, "idxd %s: bad device or name (dsaN)", name);
		return -EINVAL;
	}
	x = sva_alloc(w, &sva_obj_idxd, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->k = k;
	x->w = w;
	x->dev = dev;
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->id = (unsigned)strtoul(digits, NULL, 10);
	sva_mutex_init(w, &x->mutex, "idxd");
	sva_idxd_conf_default(&sva_unguarded(x->st).conf); /* not published yet */
	for (unsigned q = 0; q < SVA_IDXD_MAX_WQS; q++)
		sva_unguarded(x->st).wq_slot[q] = -1;
	*out = x;
	return 0;
}

static void sva_idxd_do_disable(struct sva_idxd *x, int file_errno)
{
	sva_accel_teardown(sva_idxd_st(x)->a, file_errno);
	sva_idxd_st(x)->a = NULL;
	for (unsigned q = 0; q < SVA_IDXD_MAX_WQS; q++) {
		sva_idxd_st(x)->wq_slot[q] = -1;
		sva_idxd_st(x)->wq_on[q] = false;
	}
}

void sva_idxd_destroy(struct sva_idxd *x)
{
	if (!x)
		return;
	sva_mutex_lock(&x->mutex);
	if (sva_idxd_st(x)->a)
		sva_idxd_do_disable(x, -ENODEV); /* removal: files fail with -ENODEV */
	sva_mutex_unlock(&x->mutex);
	sva_mutex_destroy(&x->mutex);
	sva_free(x->w, &sva_obj_idxd, x);
}

const char *sva_idxd_name(const struct sva_idxd *x)
{
	return x->name;
}

struct sva_accel *sva_idxd_accel(struct sva_idxd *x)
{
	struct sva_accel *a;

	sva_mutex_lock(&x->mutex);
	a = sva_idxd_st(x)->a;
	sva_mutex_unlock(&x->mutex);
	return a;
}

bool sva_idxd_enabled(const struct sva_idxd *x)
{
	struct sva_idxd *m = (struct sva_idxd *)x; /* the mutex only */
	bool on;

	sva_mutex_lock(&m->mutex);
	on = sva_idxd_st(m)->a != NULL;
	sva_mutex_unlock(&m->mutex);
	return on;
}

/* The accelerator's configuration from @c, checked as the driver's enable checks it. */
static int sva_idxd_accel_config(struct sva_idxd *x, const struct sva_idxd_conf *c,
				 struct sva_accel_config *ac, char names[][32], int *slot)
{
	unsigned engines[SVA_IDXD_MAX_GROUPS] = { 0 }, total = 0;
	char obj[24];

	memset(ac, 0, sizeof(*ac));
	ac->name = x->name;
	ac->cdev_rule = SVA_ACCEL_CDEV_IDXD_WQ;
	ac->pasid_disabled = !c->pasid_enabled;
	ac->max_xfer = SVA_IDXD_MAX_XFER;
	ac->max_batch = SVA_IDXD_MAX_BATCH;
	for (unsigned e = 0; e < SVA_IDXD_MAX_ENGINES; e++) {
		if (c->engine_group[e] < 0)
			continue;
		engines[c->engine_group[e]]++;
		ac->engine_group[ac->engines++] = (unsigned)c->engine_group[e];
	}
	for (unsigned i = 0; i < SVA_IDXD_MAX_WQS; i++) {
		const struct sva_idxd_wq_conf *q = &c->wqs[i];

		if (!q->size || !q->user)
			continue; /* not enabled: accel-config's enable-wq would refuse it */
		snprintf(obj, sizeof(obj), "wq%u.%u", x->id, i);
		if (q->group < 0)
			return sva_idxd_fail(x, -EINVAL, obj, "group_id", "not in a group");
		if (!engines[q->group])
			return sva_idxd_fail(x, -EINVAL, obj, "group_id",
					     "its group has no engine");
		if (q->shared && !c->pasid_enabled)
			return sva_idxd_fail(x, -EINVAL, obj, "mode",
					     "shared needs pasid_enabled on the device");
		if (q->threshold > q->size)
			return sva_idxd_fail(x, -EINVAL, obj, "threshold", "larger than size");
		total += q->size;
		if (total > SVA_IDXD_MAX_WQS_SIZE)
			return sva_idxd_fail(x, -EINVAL, obj, "size",
					     "the WQs' sizes exceed max_work_queues_size");
		snprintf(names[ac->nwqs], 32, "dsa/wq%u.%u", x->id, i);
		slot[i] = (int)ac->nwqs;
		ac->wqs[ac->nwqs] = (struct sva_accel_wq_config){
			.name = names[ac->nwqs],
			.mode = q->shared ? SVA_ACCEL_WQ_SHARED : SVA_ACCEL_WQ_DEDICATED,
			.depth = q->size,
			.block_on_fault = q->bof,
			.max_xfer = q->max_xfer,
			.max_batch = q->max_batch,
			.priority = q->priority,
			.threshold = q->shared ? q->threshold : 0,
			.group = (unsigned)q->group,
			.ats_disable = q->ats_disable,
		};
		ac->nwqs++;
	}
	if (!ac->nwqs)
		return sva_idxd_fail(x, -EINVAL, x->name, "wqs",
				     "no WQ of size > 0 and type user to enable");
	return 0;
}

/* The device enabled; @wqs: every configured WQ with it, else none (each by its own enable). */
static int sva_idxd_do_enable(struct sva_idxd *x, bool wqs)
{
	char names[SVA_IDXD_MAX_WQS][32];
	int slot[SVA_IDXD_MAX_WQS];
	struct sva_accel_config ac;
	int ret;

	for (unsigned q = 0; q < SVA_IDXD_MAX_WQS; q++)
		slot[q] = -1;
	sva_mutex_lock(&x->mutex);
	if (sva_idxd_st(x)->a)
		ret = sva_idxd_fail(x, -EBUSY, x->name, "state", "already enabled");
	else
		ret = sva_idxd_accel_config(x, &sva_idxd_st(x)->conf, &ac, names, slot);
	ac.wqs_disabled = !wqs;
	if (ret == 0)
		ret = sva_accel_create(x->k, x->dev, &ac, &sva_idxd_st(x)->a);
	for (unsigned q = 0; ret == 0 && q < SVA_IDXD_MAX_WQS; q++) {
		sva_idxd_st(x)->wq_slot[q] = slot[q];
		sva_idxd_st(x)->wq_on[q] = wqs && slot[q] >= 0;
	}
	sva_mutex_unlock(&x->mutex);
	return ret;
}

int sva_idxd_enable(struct sva_idxd *x)
{
	return sva_idxd_do_enable(x, true);
}

int sva_idxd_enable_device(struct sva_idxd *x)
{
	return sva_idxd_do_enable(x, false);
}

/* "wqD.Q" of this device: its index Q, or a negative errno (logged). */
static int sva_idxd_wq_index(struct sva_idxd *x, const char *wq)
{
	unsigned dev, q;
	char end;

	if (!wq || sscanf(wq, "wq%u.%u%c", &dev, &q, &end) != 2 || dev != x->id ||
	    q >= SVA_IDXD_MAX_WQS)
		return sva_idxd_fail(x, -ENOENT, wq, "state", "no such WQ");
	return (int)q;
}

int sva_idxd_wq_enable(struct sva_idxd *x, const char *wq)
{
	int q = sva_idxd_wq_index(x, wq), ret = 0;

	if (q < 0)
		return q;
	sva_mutex_lock(&x->mutex);
	if (!sva_idxd_st(x)->a)
		ret = sva_idxd_fail(x, -ENXIO, wq, "state", "the device is not enabled");
	else if (sva_idxd_st(x)->wq_on[q])
		ret = sva_idxd_fail(x, -EBUSY, wq, "state", "already enabled");
	else if (sva_idxd_st(x)->wq_slot[q] < 0)
		ret = sva_idxd_fail(
			x, -EINVAL, wq, "size",
			"not configured (size > 0, type user) when the device was enabled");
	else
		ret = sva_idxd_cdev_add(sva_idxd_st(x)->a->wqs[sva_idxd_st(x)->wq_slot[q]]);
	if (ret == 0)
		sva_idxd_st(x)->wq_on[q] = true;
	sva_mutex_unlock(&x->mutex);
	return ret;
}

int sva_idxd_wq_disable(struct sva_idxd *x, const char *wq)
{
	int q = sva_idxd_wq_index(x, wq), ret = 0;

	if (q < 0)
		return q;
	sva_mutex_lock(&x->mutex);
	if (!sva_idxd_st(x)->a || !sva_idxd_st(x)->wq_on[q]) {
		ret = sva_idxd_fail(x, -EINVAL, wq, "state", "not enabled");
	} else {
		sva_idxd_cdev_del(sva_idxd_st(x)->a->wqs[sva_idxd_st(x)->wq_slot[q]], -ENXIO);
		sva_idxd_st(x)->wq_on[q] = false;
	}
	sva_mutex_unlock(&x->mutex);
	return ret;
}

bool sva_idxd_wq_enabled(struct sva_idxd *x, const char *wq)
{
	int q = sva_idxd_wq_index(x, wq);
	bool on;

	if (q < 0)
		return false;
	sva_mutex_lock(&x->mutex);
	on = sva_idxd_st(x)->a && sva_idxd_st(x)->wq_on[q];
	sva_mutex_unlock(&x->mutex);
	return on;
}

int sva_idxd_disable(struct sva_idxd *x)
{
	int ret = 0;

	sva_mutex_lock(&x->mutex);
	if (!sva_idxd_st(x)->a)
		ret = sva_idxd_fail(x, -EINVAL, x->name, "state", "not enabled");
	else
		sva_idxd_do_disable(x, -ENXIO);
	sva_mutex_unlock(&x->mutex);
	return ret;
}

int sva_idxd_attr_get(struct sva_idxd *x, const char *object, const char *attr, char *buf,
		      size_t len)
{
	int ret;

	sva_mutex_lock(&x->mutex);
	ret = sva_idxd_conf_get(x, &sva_idxd_st(x)->conf, object, attr, buf, len);
	sva_mutex_unlock(&x->mutex);
	return ret;
}

int sva_idxd_attr_set(struct sva_idxd *x, const char *object, const char *attr, const char *value)
{
	int ret;

	sva_mutex_lock(&x->mutex);
	if (sva_idxd_st(x)->a)
		ret = sva_idxd_fail(x, -EBUSY, object, attr, "the device is enabled");
	else
		ret = sva_idxd_conf_set(x, &sva_idxd_st(x)->conf, object, attr, value, false);
	sva_mutex_unlock(&x->mutex);
	return ret;
}

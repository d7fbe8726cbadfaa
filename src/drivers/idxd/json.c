/* SPDX-License-Identifier: MIT */
/*
 * accel-config's JSON configuration of the idxd model (jansson): save writes an array of one
 * device - "dev", its attributes, "groups", "engines" and "wqs", each an array of objects with
 * "dev" and their attributes - and load reads that shape, and also accel-config's nesting
 * (a group's "grouped_workqueues" and "grouped_engines", a device's "ungrouped_engines" and
 * "ungrouped_workqueues"). A load applies every attribute to a copy of the configuration with
 * the setter of the attribute API, and the copy replaces the configuration only when all were
 * good: a bad file changes nothing. Attributes of accel-config the model has no use for
 * (numa_node, op_cap, cdev_minor, clients...) are skipped; any other unknown key is refused.
 * Runs under x->mutex (internal.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* accel-config's keys that describe the hardware or the driver, not a configuration. */
static bool sva_idxd_json_skipped(const char *key)
{
	static const char *const skipped[] = {
		"numa_node",
		"op_cap",
		"gen_cap",
		"version",
		"configurable",
		"cdev_major",
		"cdev_minor",
		"clients",
		"max_read_buffers",
		"max_tokens",
		"token_limit",
		"read_buffer_limit",
		"ims_size",
		"op_config",
		"evl_size",
		"driver_name",
		"prs_disable",
		"work_queue_size",
		"max_work_queues_size",
		NULL,
	};

	for (int i = 0; skipped[i]; i++)
		if (strcmp(key, skipped[i]) == 0)
			return true;
	return false;
}

static int sva_idxd_json_fail(struct sva_idxd *x, const char *object, const char *attr,
			      const char *why)
{
	sva_log(x->w, SVA_LOG_ERR, "idxd %s: load-config: %s: %s: %s", x->name, object, attr, why);
	return -EINVAL;
}

/* A value as the text the attribute setter takes. */
static int sva_idxd_json_text(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return snprintf(buf, len, "%s", json_string_value(v)) < (int)len ? 0 : -EINVAL;
	if (json_is_integer(v))
		return snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v)), 0;
	if (json_is_boolean(v))
		return snprintf(buf, len, "%d", json_is_true(v)), 0;
	return -EINVAL;
}

static int sva_idxd_json_objects(struct sva_idxd *x, struct sva_idxd_conf *c, const json_t *arr,
				 const char *where);

/* One object of a "groups", "engines" or "wqs" array (or a group's nested ones). */
static int sva_idxd_json_object(struct sva_idxd *x, struct sva_idxd_conf *c, const json_t *o,
				const char *where, size_t i)
{
	char at[64], text[SVA_IDXD_ATTR_MAX];
	const json_t *dev = json_object_get(o, "dev");
	const char *key, *name;
	json_t *v;
	int ret;

	snprintf(at, sizeof(at), "%s[%zu]", where, i);
	if (!json_is_object(o))
		return sva_idxd_json_fail(x, at, "-", "not an object");
	if (!json_is_string(dev))
		return sva_idxd_json_fail(x, at, "dev", "missing, or not a string");
	name = json_string_value(dev);
	json_object_foreach((json_t *)o, key, v)
	{
		if (strcmp(key, "dev") == 0 || sva_idxd_json_skipped(key))
			continue;
		if ((strcmp(key, "grouped_workqueues") == 0 ||
		     strcmp(key, "grouped_engines") == 0) &&
		    json_is_array(v)) {
			ret = sva_idxd_json_objects(x, c, v, key);
			if (ret)
				return ret;
			continue;
		}
		if (sva_idxd_json_text(v, text, sizeof(text)))
			return sva_idxd_json_fail(x, name, key, "not a number or a string");
		ret = sva_idxd_conf_set(x, c, name, key, text, true);
		if (ret)
			return ret;
	}
	return 0;
}

static int sva_idxd_json_objects(struct sva_idxd *x, struct sva_idxd_conf *c, const json_t *arr,
				 const char *where)
{
	size_t i;
	json_t *o;

	if (!json_is_array(arr))
		return sva_idxd_json_fail(x, x->name, where, "not an array");
	json_array_foreach((json_t *)arr, i, o)
	{
		int ret = sva_idxd_json_object(x, c, o, where, i);

		if (ret)
			return ret;
	}
	return 0;
}

/* The device's entry: its own attributes, then its objects. */
static int sva_idxd_json_device(struct sva_idxd *x, struct sva_idxd_conf *c, const json_t *d)
{
	static const char *const arrays[] = {
		"groups", "engines", "wqs", "ungrouped_engines", "ungrouped_workqueues", NULL
	};
	char text[SVA_IDXD_ATTR_MAX];
	const char *key;
	json_t *v;
	int ret;

	json_object_foreach((json_t *)d, key, v)
	{
		bool array = false;

		for (int i = 0; arrays[i]; i++)
			array |= strcmp(key, arrays[i]) == 0;
		if (array) {
			ret = sva_idxd_json_objects(x, c, v, key);
		} else if (strcmp(key, "dev") == 0 || sva_idxd_json_skipped(key)) {
			ret = 0;
		} else if (sva_idxd_json_text(v, text, sizeof(text))) {
			ret = sva_idxd_json_fail(x, x->name, key, "not a number or a string");
		} else {
			ret = sva_idxd_conf_set(x, c, x->name, key, text, true);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int sva_idxd_load_config(struct sva_idxd *x, const char *json)
{
	struct sva_idxd_conf copy;
	json_error_t jerr;
	json_t *root, *d;
	bool found = false;
	size_t i;
	int ret = 0;

	root = json ? json_loads(json, 0, &jerr) : NULL;
	if (!root) {
		sva_log(x->w, SVA_LOG_ERR, "idxd %s: load-config: line %d column %d: %s", x->name,
			json ? jerr.line : 0, json ? jerr.column : 0, json ? jerr.text : "no text");
		return -EINVAL;
	}
	sva_mutex_lock(&x->mutex);
	copy = sva_idxd_st(x)->conf;
	if (sva_idxd_st(x)->a) {
		sva_log(x->w, SVA_LOG_ERR, "idxd %s: load-config: %s: state: the device is enabled",
			x->name, x->name);
		ret = -EBUSY;
	} else if (!json_is_array(root)) {
		ret = sva_idxd_json_fail(x, "(top level)", "-", "not an array of devices");
	}
	json_array_foreach(root, i, d)
	{
		const json_t *dev = json_object_get(d, "dev");

		if (ret)
			break;
		if (!json_is_object(d) || !json_is_string(dev)) {
			char at[32];

			snprintf(at, sizeof(at), "[%zu]", i);
			ret = sva_idxd_json_fail(x, at, "dev", "not a device object with a dev");
		} else if (strcmp(json_string_value(dev), x->name) == 0) {
			found = true;
			ret = sva_idxd_json_device(x, &copy, d);
		}
	}
	if (ret == 0 && !found) {
		sva_log(x->w, SVA_LOG_ERR, "idxd %s: load-config: %s: dev: no entry for the device",
			x->name, x->name);
		ret = -ENOENT;
	}
	if (ret == 0)
		sva_idxd_st(x)->conf = copy;
	sva_mutex_unlock(&x->mutex);
	json_decref(root);
	return ret;
}

/* Each attribute of @names of @object, as save-config writes it (numbers, strings). */
static int sva_idxd_json_attrs(struct sva_idxd *x, json_t *o, const char *object,
			       const char *const *names)
{
	char v[SVA_IDXD_ATTR_MAX];
	int ret = json_object_set_new(o, "dev", json_string(object));

	for (int i = 0; ret == 0 && names[i]; i++) {
		ret = sva_idxd_conf_get(x, &sva_idxd_st(x)->conf, object, names[i], v, sizeof(v));
		if (ret)
			return ret;
		ret = json_object_set_new(o, names[i],
					  sva_idxd_attr_numeric(names[i])
						  ? json_integer(strtoll(v, NULL, 10))
						  : json_string(v));
	}
	return ret ? -ENOMEM : 0;
}

/* An array of @n objects "@prefixD.I" with their attributes. */
static json_t *sva_idxd_json_array(struct sva_idxd *x, const char *prefix, unsigned n,
				   const char *const *names)
{
	json_t *arr = json_array();

	for (unsigned i = 0; arr && i < n; i++) {
		json_t *o = json_object();
		char object[24];

		snprintf(object, sizeof(object), "%s%u.%u", prefix, x->id, i);
		if (!o || sva_idxd_json_attrs(x, o, object, names)) {
			json_decref(o); /* not the array's yet */
			json_decref(arr);
			return NULL;
		}
		if (json_array_append_new(arr, o)) { /* which dropped @o */
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int sva_idxd_save_config(struct sva_idxd *x, char **out)
{
	json_t *root = json_array(), *d = json_object(), *g, *e, *q;
	int ret = -ENOMEM;

	sva_mutex_lock(&x->mutex);
	g = sva_idxd_json_array(x, "group", SVA_IDXD_MAX_GROUPS, sva_idxd_group_attrs);
	e = sva_idxd_json_array(x, "engine", SVA_IDXD_MAX_ENGINES, sva_idxd_engine_attrs);
	q = sva_idxd_json_array(x, "wq", SVA_IDXD_MAX_WQS, sva_idxd_wq_attrs);
	if (root && d && g && e && q &&
	    sva_idxd_json_attrs(x, d, x->name, sva_idxd_dev_attrs) == 0 &&
	    json_object_set(d, "groups", g) == 0 && json_object_set(d, "engines", e) == 0 &&
	    json_object_set(d, "wqs", q) == 0 && json_array_append(root, d) == 0) {
		*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		ret = *out ? 0 : -ENOMEM;
	}
	sva_mutex_unlock(&x->mutex);
	json_decref(g);
	json_decref(e);
	json_decref(q);
	json_decref(d);
	json_decref(root);
	return ret;
}

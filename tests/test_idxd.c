/* SPDX-License-Identifier: MIT */
/*
 * The idxd model (sva/idxd.h): its configuration (attributes in accel-config's vocabulary,
 * -EBUSY while enabled, accel-config's JSON loaded and saved, bad input refused with the object
 * and attribute named), and its character device per WQ: open binds, no START_Q, memmove by
 * MOVDIR64B, ENQCMD and write(2), idxd's rule against another mm, the drain at release, disable
 * and removal with a queue open; ENQCMD's retry against MOVDIR64B's drop, and ENQCMDS.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sva/idxd.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE	  SVA_PAGE_SIZE
#define RW	  (SVA_PROT_READ | SVA_PROT_WRITE)
#define MAX_POLLS 2000000ul
#define NDESC	  6

#define TCHECK(cond)                                                                          \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "task check failed, line %d: %s\n", __LINE__, #cond); \
			return __LINE__;                                                      \
		}                                                                             \
	} while (0)

/* ---- the machine ---- */

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_idxd *x;
	char last_err[512]; /* the last message logged at ERR */
};

static void env_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	struct env *e = ctx;

	if (level == SVA_LOG_ERR)
		snprintf(e->last_err, sizeof(e->last_err), "%s", msg);
}

static void env_init_world(struct env *e, struct sva_world *w)
{
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = { .name = "dsadev", .pasid_bits = 20 };

	memset(e, 0, sizeof(*e));
	e->w = w;
	sva_world_set_log_sink(w, env_sink, e);
	assert_int_equal(sva_kernel_create(w, NULL, &e->k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e->k), &e->isys), 0);
	assert_int_equal(sva_swiommu_create(e->isys, &scfg, &e->sw), 0);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e->sw), &dcfg, &e->dev), 0);
	assert_int_equal(sva_idxd_create(e->k, e->dev, "dsa0", &e->x), 0);
}

static void env_init(struct env *e, enum sva_backend b, uint64_t seed)
{
	env_init_world(e, sva_test_world(b, seed));
}

static void env_init_nonpreemptive(struct env *e, uint64_t seed)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
				       .seed = seed,
				       .nonpreemptive = true };
	struct sva_world *w;

	assert_int_equal(sva_world_create(&wc, &w), 0);
	env_init_world(e, w);
}

/* Everything but the world: every PASID back. */
static void env_release(struct env *e)
{
	sva_kernel_quiesce(e->k);
	sva_idxd_destroy(e->x);
	sva_kernel_quiesce(e->k);
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e->isys)), 0);
	sva_device_remove(e->dev);
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	sva_kernel_destroy(e->k);
}

static void env_done(struct env *e)
{
	env_release(e);
	sva_test_world_done(e->w);
}

static void set(struct env *e, const char *obj, const char *attr, const char *value)
{
	int ret = sva_idxd_attr_set(e->x, obj, attr, value);

	if (ret)
		fprintf(stderr, "%s %s=%s: %d (%s)\n", obj, attr, value, ret, e->last_err);
	assert_int_equal(ret, 0);
}

static void get(struct env *e, const char *obj, const char *attr, const char *want)
{
	char buf[SVA_IDXD_ATTR_MAX];

	assert_int_equal(sva_idxd_attr_get(e->x, obj, attr, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

/* wq0.0 dedicated (size 8), wq0.1 shared (size 8, threshold @threshold); two engines, group 0. */
static void configure(struct env *e, const char *threshold)
{
	set(e, "engine0.0", "group_id", "0");
	set(e, "engine0.1", "group_id", "0");
	set(e, "wq0.0", "mode", "dedicated");
	set(e, "wq0.0", "size", "8");
	set(e, "wq0.0", "group_id", "0");
	set(e, "wq0.0", "type", "user");
	set(e, "wq0.1", "mode", "shared");
	set(e, "wq0.1", "size", "8");
	set(e, "wq0.1", "threshold", threshold);
	set(e, "wq0.1", "priority", "5");
	set(e, "wq0.1", "group_id", "0");
	set(e, "wq0.1", "type", "user");
	set(e, "wq0.1", "name", "app1");
}

/* ---- configuration ---- */

static void test_attributes_while_disabled(void **state)
{
	char buf[SVA_IDXD_ATTR_MAX];
	struct env e;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	get(&e, "dsa0", "state", "disabled");
	get(&e, "dsa0", "pasid_enabled", "1");
	get(&e, "wq0.3", "size", "0");
	get(&e, "wq0.3", "group_id", "-1");
	get(&e, "wq0.3", "max_transfer_size", "2097152");
	configure(&e, "6");
	get(&e, "wq0.1", "mode", "shared");
	get(&e, "wq0.1", "threshold", "6");
	get(&e, "wq0.1", "name", "app1");
	get(&e, "group0.0", "grouped_workqueues", "wq0.0 wq0.1");
	get(&e, "group0.0", "grouped_engines", "engine0.0 engine0.1");
	set(&e, "wq0.0", "block_on_fault", "1");
	set(&e, "wq0.0", "ats_disable", "1");
	set(&e, "wq0.0", "max_batch_size", "16");
	set(&e, "wq0.0", "max_transfer_size", "0x10000");
	get(&e, "wq0.0", "max_transfer_size", "65536");

	/* bad input: a negative errno, the message naming the object and the attribute */
	assert_int_equal(sva_idxd_attr_set(e.x, "wq0.1", "mode", "sometimes"), -EINVAL);
	assert_non_null(strstr(e.last_err, "wq0.1: mode"));
	assert_int_equal(sva_idxd_attr_set(e.x, "wq0.2", "size", "129"), -EINVAL);
	assert_non_null(strstr(e.last_err, "wq0.2: size"));
	assert_int_equal(sva_idxd_attr_set(e.x, "wq0.2", "priority", "16"), -EINVAL);
	assert_int_equal(sva_idxd_attr_set(e.x, "engine0.1", "group_id", "4"), -EINVAL);
	assert_int_equal(sva_idxd_attr_set(e.x, "wq0.9", "size", "1"), -ENOENT);
	assert_non_null(strstr(e.last_err, "wq0.9"));
	assert_int_equal(sva_idxd_attr_set(e.x, "wq1.0", "size", "1"), -ENOENT);
	assert_int_equal(sva_idxd_attr_set(e.x, "wq0.1", "colour", "1"), -ENOENT);
	assert_non_null(strstr(e.last_err, "wq0.1: colour"));
	assert_int_equal(sva_idxd_attr_set(e.x, "dsa0", "max_groups", "2"), -EACCES);
	assert_int_equal(sva_idxd_attr_get(e.x, "wq0.1", "name", buf, 2), -ERANGE);
	get(&e, "wq0.1", "mode", "shared"); /* unchanged by the refusals */
	get(&e, "wq0.2", "size", "0");

	/* enable checks the whole configuration, naming what is wrong */
	set(&e, "wq0.2", "size", "4");
	set(&e, "wq0.2", "type", "user");
	assert_int_equal(sva_idxd_enable(e.x), -EINVAL); /* wq0.2 is in no group */
	assert_non_null(strstr(e.last_err, "wq0.2: group_id"));
	set(&e, "wq0.2", "group_id", "1");
	assert_int_equal(sva_idxd_enable(e.x), -EINVAL); /* group 1 has no engine */
	set(&e, "wq0.2", "type", "none");		 /* left disabled */
	set(&e, "dsa0", "pasid_enabled", "0");
	assert_int_equal(sva_idxd_enable(e.x), -EINVAL); /* a shared WQ needs PASID */
	assert_non_null(strstr(e.last_err, "wq0.1: mode"));
	set(&e, "dsa0", "pasid_enabled", "1");

	assert_int_equal(sva_idxd_enable(e.x), 0);
	assert_true(sva_idxd_enabled(e.x));
	get(&e, "dsa0", "state", "enabled");
	get(&e, "wq0.1", "state", "enabled");
	get(&e, "wq0.2", "state", "disabled");
	/* written only while disabled */
	assert_int_equal(sva_idxd_attr_set(e.x, "wq0.1", "size", "4"), -EBUSY);
	assert_non_null(strstr(e.last_err, "wq0.1: size"));
	assert_int_equal(sva_idxd_enable(e.x), -EBUSY);
	get(&e, "wq0.1", "size", "8");
	assert_int_equal(sva_idxd_disable(e.x), 0);
	assert_int_equal(sva_idxd_disable(e.x), -EINVAL);
	set(&e, "wq0.1", "size", "4");
	get(&e, "wq0.1", "size", "4");
	env_done(&e);
}

static char *save(struct env *e)
{
	char *s = NULL;

	assert_int_equal(sva_idxd_save_config(e->x, &s), 0);
	assert_non_null(s);
	return s;
}

static void test_json_round_trip(void **state)
{
	struct env e, f;
	char *a, *b;
	json_t *root, *dev, *wq;
	json_error_t jerr;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	configure(&e, "6");
	set(&e, "wq0.0", "block_on_fault", "1");
	set(&e, "group0.0", "read_buffers_allowed", "8");
	a = save(&e);

	/* the shape of accel-config save-config: an array of devices */
	root = json_loads(a, 0, &jerr);
	assert_non_null(root);
	assert_true(json_is_array(root));
	dev = json_array_get(root, 0);
	assert_string_equal(json_string_value(json_object_get(dev, "dev")), "dsa0");
	assert_int_equal(json_integer_value(json_object_get(dev, "pasid_enabled")), 1);
	assert_int_equal(json_array_size(json_object_get(dev, "groups")), SVA_IDXD_MAX_GROUPS);
	assert_int_equal(json_array_size(json_object_get(dev, "engines")), SVA_IDXD_MAX_ENGINES);
	assert_int_equal(json_array_size(json_object_get(dev, "wqs")), SVA_IDXD_MAX_WQS);
	wq = json_array_get(json_object_get(dev, "wqs"), 1);
	assert_string_equal(json_string_value(json_object_get(wq, "dev")), "wq0.1");
	assert_string_equal(json_string_value(json_object_get(wq, "mode")), "shared");
	assert_int_equal(json_integer_value(json_object_get(wq, "size")), 8);
	assert_int_equal(json_integer_value(json_object_get(wq, "threshold")), 6);
	assert_int_equal(json_integer_value(json_object_get(wq, "priority")), 5);
	assert_string_equal(json_string_value(json_object_get(wq, "type")), "user");
	json_decref(root);

	/* loaded into a fresh device, it saves the same */
	env_init(&f, SVA_BACKEND_SIM, 2);
	assert_int_equal(sva_idxd_load_config(f.x, a), 0);
	b = save(&f);
	assert_string_equal(a, b);
	assert_int_equal(sva_idxd_enable(f.x), 0); /* and it runs */
	free(b);

	/* accel-config's nesting: WQs and engines inside their group, other devices ignored */
	static const char nested[] =
		"[{\"dev\":\"dsa1\",\"wqs\":[{\"dev\":\"wq1.0\",\"size\":\"bad\"}]},"
		" {\"dev\":\"dsa0\",\"numa_node\":0,\"max_groups\":4,\"state\":\"enabled\","
		"  \"groups\":[{\"dev\":\"group0.2\",\"grouped_workqueues\":"
		"    [{\"dev\":\"wq0.5\",\"mode\":\"dedicated\",\"size\":16,\"group_id\":2,"
		"      \"type\":\"user\",\"cdev_minor\":3,\"state\":\"enabled\"}],"
		"    \"grouped_engines\":[{\"dev\":\"engine0.3\",\"group_id\":2}]}]}]";
	assert_int_equal(sva_idxd_load_config(e.x, nested), 0);
	get(&e, "wq0.5", "size", "16");
	get(&e, "wq0.5", "group_id", "2");
	get(&e, "engine0.3", "group_id", "2");
	get(&e, "wq0.1", "threshold", "6"); /* what the file does not name is kept */
	free(a);
	env_done(&f);
	env_done(&e);
}

static void test_json_refuses_bad_input(void **state)
{
	struct env e;
	char *before, *after;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	configure(&e, "6");
	before = save(&e);
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\","), -EINVAL);
	assert_non_null(strstr(e.last_err, "line 1"));
	assert_int_equal(sva_idxd_load_config(e.x, "{\"dev\":\"dsa0\"}"), -EINVAL);
	assert_non_null(strstr(e.last_err, "not an array"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa7\"}]"), -ENOENT);
	/* a bad value after good ones: the object and attribute named, nothing applied */
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":["
						   "{\"dev\":\"wq0.0\",\"size\":4},"
						   "{\"dev\":\"wq0.1\",\"size\":999}]}]"),
			 -EINVAL);
	assert_non_null(strstr(e.last_err, "wq0.1: size"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":["
						   "{\"dev\":\"wq0.1\",\"mode\":\"fast\"}]}]"),
			 -EINVAL);
	assert_non_null(strstr(e.last_err, "wq0.1: mode"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"engines\":["
						   "{\"dev\":\"engine0.0\",\"group_id\":1.5}]}]"),
			 -EINVAL);
	assert_non_null(strstr(e.last_err, "engine0.0: group_id"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":["
						   "{\"dev\":\"wq0.1\",\"flavour\":1}]}]"),
			 -ENOENT);
	assert_non_null(strstr(e.last_err, "wq0.1: flavour"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":[{\"size\":1}]}]"),
			 -EINVAL);
	assert_non_null(strstr(e.last_err, "wqs[0]: dev"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":["
						   "{\"dev\":\"wq0.12\",\"size\":1}]}]"),
			 -ENOENT);
	/* not an object; a device named by a number; a value that is neither number nor string
	   (an array, null); a string too long for any attribute; a "wqs" that is not an array */
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":[7]}]"), -EINVAL);
	assert_non_null(strstr(e.last_err, "wqs[0]: -: not an object"));
	assert_int_equal(sva_idxd_load_config(e.x, "[3]"), -EINVAL);
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":5}]"), -EINVAL);
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":["
						   "{\"dev\":\"wq0.1\",\"size\":[1]}]}]"),
			 -EINVAL);
	assert_non_null(strstr(e.last_err, "wq0.1: size: not a number or a string"));
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":["
						   "{\"dev\":\"wq0.1\",\"size\":null}]}]"),
			 -EINVAL);
	assert_non_null(strstr(e.last_err, "wq0.1: size: not a number or a string"));
	{
		char text[SVA_IDXD_ATTR_MAX + 128], name[SVA_IDXD_ATTR_MAX + 8];

		memset(name, 'x', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		snprintf(text, sizeof(text),
			 "[{\"dev\":\"dsa0\",\"wqs\":[{\"dev\":\"wq0.1\",\"name\":\"%s\"}]}]",
			 name);
		assert_int_equal(sva_idxd_load_config(e.x, text), -EINVAL);
		assert_non_null(strstr(e.last_err, "wq0.1: name: not a number or a string"));
	}
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"wqs\":{}}]"), -EINVAL);
	assert_non_null(strstr(e.last_err, "not an array"));
	/* a boolean is the attribute's 0 or 1, as accel-config writes block_on_fault */
	assert_int_equal(sva_idxd_load_config(e.x,
					      "[{\"dev\":\"dsa0\",\"wqs\":["
					      "{\"dev\":\"wq0.1\",\"block_on_fault\":true}]}]"),
			 0);
	get(&e, "wq0.1", "block_on_fault", "1");
	assert_int_equal(sva_idxd_load_config(e.x,
					      "[{\"dev\":\"dsa0\",\"wqs\":["
					      "{\"dev\":\"wq0.1\",\"block_on_fault\":false}]}]"),
			 0);
	get(&e, "wq0.1", "block_on_fault", "0");
	after = save(&e);
	assert_string_equal(before, after); /* every refusal left the configuration as it was */
	free(after);
	assert_int_equal(sva_idxd_enable(e.x), 0);
	assert_int_equal(sva_idxd_load_config(e.x, before), -EBUSY);
	free(before);
	env_done(&e);
}

/* Every refusal of the attribute interface: the errno, and the message naming what was wrong. */
static void expect_err(struct env *e, int ret, int want, const char *msg)
{
	assert_int_equal(ret, want);
	if (!strstr(e->last_err, msg))
		fail_msg("expected \"%s\" in \"%s\"", msg, e->last_err);
}

static void test_attribute_refusals(void **state)
{
	static const char *const dev_attrs[] = { "max_groups",	      "max_engines",
						 "max_work_queues",   "max_work_queues_size",
						 "max_transfer_size", "max_batch_size" };
	static const char *const wq_attrs[] = { "priority",    "block_on_fault", "max_batch_size",
						"ats_disable", "type",		 "state" };
	char buf[SVA_IDXD_ATTR_MAX], long_name[64];
	struct sva_idxd *y = NULL;
	struct env e;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	/* objects that are not this device's */
	expect_err(&e, sva_idxd_attr_get(e.x, NULL, "size", buf, sizeof(buf)), -ENOENT,
		   "(null): size: no such object");
	expect_err(&e, sva_idxd_attr_get(e.x, "queue0.0", "size", buf, sizeof(buf)), -ENOENT,
		   "queue0.0: size: no such object");
	expect_err(&e, sva_idxd_attr_get(e.x, "engine0.x", "group_id", buf, sizeof(buf)), -ENOENT,
		   "engine0.x: group_id");
	/* no attribute, an unknown one, a buffer too small or none */
	expect_err(&e, sva_idxd_attr_get(e.x, "dsa0", NULL, buf, sizeof(buf)), -ENOENT,
		   "dsa0: (null): no such attribute");
	expect_err(&e, sva_idxd_attr_get(e.x, "dsa0", "colour", buf, sizeof(buf)), -ENOENT,
		   "dsa0: colour: no such attribute");
	expect_err(&e, sva_idxd_attr_get(e.x, "group0.1", "colour", buf, sizeof(buf)), -ENOENT,
		   "group0.1: colour");
	expect_err(&e, sva_idxd_attr_get(e.x, "engine0.2", "colour", buf, sizeof(buf)), -ENOENT,
		   "engine0.2: colour");
	expect_err(&e, sva_idxd_attr_get(e.x, "wq0.2", "colour", buf, sizeof(buf)), -ENOENT,
		   "wq0.2: colour");
	expect_err(&e, sva_idxd_attr_get(e.x, "wq0.2", "size", NULL, 0), -ERANGE,
		   "buffer too small");
	/* what the device reports, read-only */
	for (size_t i = 0; i < sizeof(dev_attrs) / sizeof(dev_attrs[0]); i++) {
		assert_int_equal(sva_idxd_attr_get(e.x, "dsa0", dev_attrs[i], buf, sizeof(buf)), 0);
		assert_true(strtoul(buf, NULL, 10) > 0);
		expect_err(&e, sva_idxd_attr_set(e.x, "dsa0", dev_attrs[i], "1"), -EACCES,
			   "read-only");
	}
	get(&e, "wq0.0", "priority", "1");
	get(&e, "wq0.0", "block_on_fault", "0");
	get(&e, "wq0.0", "ats_disable", "0");
	get(&e, "wq0.0", "type", "none");
	get(&e, "wq0.0", "state", "disabled");
	get(&e, "group0.0", "read_buffers_reserved", "0");
	get(&e, "group0.0", "use_read_buffer_limit", "0");
	for (size_t i = 0; i < sizeof(wq_attrs) / sizeof(wq_attrs[0]); i++)
		assert_int_equal(sva_idxd_attr_get(e.x, "wq0.0", wq_attrs[i], buf, sizeof(buf)), 0);

	/* writes: no attribute, no value, unknown ones, read-only ones */
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", NULL, "1"), -ENOENT,
		   "wq0.0: (null): no such attribute");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "size", NULL), -EINVAL,
		   "wq0.0: size: no value");
	expect_err(&e, sva_idxd_attr_set(e.x, "dsa0", "colour", "1"), -ENOENT, "dsa0: colour");
	expect_err(&e, sva_idxd_attr_set(e.x, "group0.0", "colour", "1"), -ENOENT,
		   "group0.0: colour");
	expect_err(&e, sva_idxd_attr_set(e.x, "engine0.0", "colour", "1"), -ENOENT,
		   "engine0.0: colour");
	expect_err(&e, sva_idxd_attr_set(e.x, "group0.0", "grouped_workqueues", "wq0.0"), -EACCES,
		   "group0.0: grouped_workqueues: read-only");
	expect_err(&e, sva_idxd_attr_set(e.x, "group0.0", "grouped_engines", "engine0.0"), -EACCES,
		   "group0.0: grouped_engines: read-only");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "state", "enabled"), -EACCES,
		   "wq0.0: state: read-only");
	/* bad values, each named with the value */
	expect_err(&e, sva_idxd_attr_set(e.x, "group0.0", "read_buffers_reserved", "256"), -EINVAL,
		   "group0.0: read_buffers_reserved: '256'");
	expect_err(&e, sva_idxd_attr_set(e.x, "group0.0", "read_buffers_allowed", "x"), -EINVAL,
		   "group0.0: read_buffers_allowed: 'x'");
	expect_err(&e, sva_idxd_attr_set(e.x, "group0.0", "use_read_buffer_limit", "2"), -EINVAL,
		   "use_read_buffer_limit: '2'");
	set(&e, "group0.0", "read_buffers_reserved", "4");
	set(&e, "group0.0", "use_read_buffer_limit", "1");
	get(&e, "group0.0", "read_buffers_reserved", "4");
	get(&e, "group0.0", "use_read_buffer_limit", "1");
	expect_err(&e, sva_idxd_attr_set(e.x, "engine0.0", "group_id", "-2"), -EINVAL,
		   "not -1 or a group");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "size", ""), -EINVAL, "wq0.0: size: ''");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "size", "-1"), -EINVAL, "size: '-1'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "size", " 1"), -EINVAL, "size: ' 1'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "size", "4k"), -EINVAL, "size: '4k'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "size", "99999999999999999999999"), -EINVAL,
		   "not 0..max_work_queues_size");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "priority", "0"), -EINVAL,
		   "priority: '0': not 1..15");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "block_on_fault", "yes"), -EINVAL,
		   "block_on_fault: 'yes'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "max_batch_size", "0"), -EINVAL,
		   "max_batch_size: '0'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "max_transfer_size", "0"), -EINVAL,
		   "max_transfer_size: '0'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "threshold", "129"), -EINVAL,
		   "threshold: '129'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "ats_disable", "-"), -EINVAL,
		   "ats_disable: '-'");
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "type", "kernel"), -EINVAL,
		   "type: 'kernel': not user or none");
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.0", "name", long_name), -EINVAL,
		   "longer than 31 characters");
	get(&e, "wq0.0", "size", "0"); /* none of them applied */
	get(&e, "wq0.0", "priority", "1");
	get(&e, "wq0.0", "name", "");

	/* a WQ by its name: not one of this device's */
	expect_err(&e, sva_idxd_wq_enable(e.x, NULL), -ENOENT, "(null): state: no such WQ");
	expect_err(&e, sva_idxd_wq_enable(e.x, "wq1.0"), -ENOENT, "wq1.0: state: no such WQ");
	expect_err(&e, sva_idxd_wq_disable(e.x, "wq0.8"), -ENOENT, "wq0.8: state: no such WQ");
	expect_err(&e, sva_idxd_wq_disable(e.x, "wq0.0x"), -ENOENT, "wq0.0x");
	assert_false(sva_idxd_wq_enabled(e.x, "wq"));
	expect_err(&e, sva_idxd_wq_enable(e.x, "wq0.0"), -ENXIO, "the device is not enabled");
	expect_err(&e, sva_idxd_wq_disable(e.x, "wq0.0"), -EINVAL, "wq0.0: state: not enabled");

	/* enable's checks of the whole: nothing to enable, a threshold above the size, the sum */
	expect_err(&e, sva_idxd_enable(e.x), -EINVAL, "dsa0: wqs: no WQ of size > 0");
	set(&e, "engine0.0", "group_id", "0");
	set(&e, "wq0.0", "mode", "shared");
	set(&e, "wq0.0", "size", "4");
	set(&e, "wq0.0", "threshold", "5");
	set(&e, "wq0.0", "group_id", "0");
	set(&e, "wq0.0", "type", "user");
	expect_err(&e, sva_idxd_enable(e.x), -EINVAL, "wq0.0: threshold: larger than size");
	set(&e, "wq0.0", "threshold", "4");
	set(&e, "wq0.0", "size", "128");
	set(&e, "wq0.1", "size", "1");
	set(&e, "wq0.1", "group_id", "0");
	set(&e, "wq0.1", "type", "user");
	expect_err(&e, sva_idxd_enable(e.x), -EINVAL,
		   "wq0.1: size: the WQs' sizes exceed max_work_queues_size");
	assert_false(sva_idxd_enabled(e.x));
	set(&e, "wq0.0", "size", "8");
	assert_int_equal(sva_idxd_enable_device(e.x), 0); /* the device alone: no WQ enabled */
	assert_false(sva_idxd_wq_enabled(e.x, "wq0.0"));
	expect_err(&e, sva_idxd_wq_enable(e.x, "wq0.2"), -EINVAL, "wq0.2: size: not configured");
	assert_int_equal(sva_idxd_wq_enable(e.x, "wq0.0"), 0);
	expect_err(&e, sva_idxd_wq_enable(e.x, "wq0.0"), -EBUSY, "wq0.0: state: already enabled");
	assert_true(sva_idxd_wq_enabled(e.x, "wq0.0"));
	assert_int_equal(sva_idxd_disable(e.x), 0);

	/* the device's name: dsaN, N its id; none is dsa0 */
	expect_err(&e, sva_idxd_create(e.k, e.dev, "dsa", &y), -EINVAL,
		   "idxd dsa: bad device or name (dsaN)");
	expect_err(&e, sva_idxd_create(e.k, e.dev, "dsa1x", &y), -EINVAL, "idxd dsa1x: bad");
	expect_err(&e, sva_idxd_create(e.k, NULL, "dsa1", &y), -EINVAL, "idxd dsa1: bad");
	expect_err(&e, sva_idxd_create(e.k, e.dev, "dsa1", NULL), -EINVAL, "idxd dsa1: bad");
	assert_null(y);
	assert_int_equal(sva_idxd_create(e.k, e.dev, NULL, &y), 0);
	assert_string_equal(sva_idxd_name(y), "dsa0");
	sva_idxd_destroy(y);
	sva_idxd_destroy(NULL);
	env_done(&e);
}

/* load-config's refusals of a file's shape, each naming where. */
static void test_json_refuses_bad_shapes(void **state)
{
	static const struct {
		const char *json;
		int ret;
		const char *msg;
	} bad[] = {
		{ NULL, -EINVAL, "line 0 column 0: no text" },
		{ "[7]", -EINVAL, "[0]: dev: not a device object with a dev" },
		{ "[{\"dev\":3}]", -EINVAL, "[0]: dev: not a device object" },
		{ "[{\"dev\":\"dsa0\",\"wqs\":{}}]", -EINVAL, "dsa0: wqs: not an array" },
		{ "[{\"dev\":\"dsa0\",\"wqs\":[5]}]", -EINVAL, "wqs[0]: -: not an object" },
		{ "[{\"dev\":\"dsa0\",\"wqs\":[{\"dev\":\"wq0.0\",\"size\":[1]}]}]", -EINVAL,
		  "wq0.0: size: not a number or a string" },
		{ "[{\"dev\":\"dsa0\",\"pasid_enabled\":null}]", -EINVAL,
		  "dsa0: pasid_enabled: not a number or a string" },
		{ "[{\"dev\":\"dsa0\",\"groups\":[{\"dev\":\"group0.0\",\"grouped_workqueues\":"
		  "[{\"dev\":\"wq0.0\",\"size\":\"big\"}]}]}]",
		  -EINVAL, "wq0.0: size: 'big'" },
	};
	struct env e;
	char *before, *after;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	before = save(&e);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.last_err[0] = '\0';
		expect_err(&e, sva_idxd_load_config(e.x, bad[i].json), bad[i].ret, bad[i].msg);
	}
	after = save(&e);
	assert_string_equal(before, after);
	free(after);
	/* booleans are 0/1; a group's read-only lists are skipped on load */
	assert_int_equal(sva_idxd_load_config(e.x, "[{\"dev\":\"dsa0\",\"pasid_enabled\":false,"
						   "\"groups\":[{\"dev\":\"group0.0\","
						   "\"grouped_workqueues\":\"wq0.0\"}],"
						   "\"wqs\":[{\"dev\":\"wq0.0\","
						   "\"block_on_fault\":true}]}]"),
			 0);
	get(&e, "dsa0", "pasid_enabled", "0");
	get(&e, "wq0.0", "block_on_fault", "1");
	free(before);
	env_done(&e);
}

/*
 * save-config and load-config when jansson runs out of memory at each of its allocations in
 * turn: -ENOMEM from save (or a text, when json_dumps absorbed it), a refusal from load,
 * nothing leaked, the configuration unchanged. Jansson's allocator hooks take no context, hence
 * this static.
 */
static struct {
	long n, fail_at, live;
} jm;

static void *jm_malloc(size_t len)
{
	void *p;

	if (++jm.n == jm.fail_at)
		return NULL;
	p = malloc(len);
	jm.live += p != NULL;
	return p;
}

static void jm_free(void *p)
{
	jm.live -= p != NULL;
	free(p);
}

static void test_json_out_of_memory(void **state)
{
	struct env e;
	char *before = NULL, *after;
	long n, saves = 0, loads = 0;
	(void)state;

	env_init(&e, SVA_BACKEND_SIM, 1);
	configure(&e, "6");
	json_set_alloc_funcs(jm_malloc, jm_free);
	jm.fail_at = 0;
	before = save(&e);
	for (n = 1;; n++) {
		char *out = NULL;
		int ret;

		jm.n = 0;
		jm.fail_at = n;
		ret = sva_idxd_save_config(e.x, &out);
		if (jm.n < n) { /* nothing failed: done */
			assert_int_equal(ret, 0);
			assert_string_equal(out, before);
			jm_free(out);
			break;
		}
		if (ret == 0) { /* a failure json_dumps absorbed (its text is jansson's) */
			assert_non_null(out);
			jm_free(out);
		} else {
			assert_int_equal(ret, -ENOMEM);
			assert_null(out);
			saves++;
		}
		assert_int_equal(jm.live, 1); /* @before alone */
	}
	for (n = 1;; n++) {
		int ret;

		jm.n = 0;
		jm.fail_at = n;
		ret = sva_idxd_load_config(e.x, before);
		if (jm.n < n) {
			assert_int_equal(ret, 0);
			break;
		}
		/* a refusal (jansson may misread a text it ran out of memory for: any errno) */
		assert_true(ret <= 0);
		assert_int_equal(jm.live, 1); /* @before alone */
		jm.fail_at = 0;
		after = save(&e);
		assert_string_equal(before, after); /* nothing applied, or the same again */
		jm_free(after);
		loads++;
	}
	jm_free(before);
	assert_int_equal(jm.live, 0);
	json_set_alloc_funcs(malloc, free);
	assert_true(saves > 10 && loads > 10);
	env_done(&e);
}

/* ---- the character device ---- */

static uint64_t t_mmap(struct sva_task *t, uint64_t pages)
{
	uint64_t a;

	if (sva_sys_mmap(t, 0, pages * PAGE, RW, SVA_MAP_POPULATE, -1, 0, &a))
		return 0;
	return a;
}

/* Poll record @comp until written; its status, or -ETIMEDOUT. */
static int t_poll(struct sva_task *t, uint64_t comp, struct dsa_completion_record *rec)
{
	for (unsigned long i = 0; i < MAX_POLLS; i++) {
		int ret = sva_sys_read_mem(t, comp, rec, sizeof(*rec));

		if (ret)
			return ret;
		if (rec->status)
			return rec->status;
		sva_yield(sva_kernel_world(sva_task_kernel(t)));
	}
	return -ETIMEDOUT;
}

struct mem {
	uint64_t src, dst, comp; /* comp: one page of records */
};

static int t_mem(struct sva_task *t, struct mem *m, uint8_t seed)
{
	uint8_t buf[PAGE];

	m->src = t_mmap(t, 1);
	m->dst = t_mmap(t, 1);
	m->comp = t_mmap(t, 1);
	TCHECK(m->src && m->dst && m->comp);
	for (unsigned i = 0; i < PAGE; i++)
		buf[i] = (uint8_t)(i * 7 + seed);
	TCHECK(sva_sys_write_mem(t, m->src, buf, PAGE) == 0);
	return 0;
}

/* dst[off..off+len) == src[off..off+len)? */
static int t_same(struct sva_task *t, struct mem *m, uint64_t off, uint32_t len)
{
	uint8_t a[PAGE], b[PAGE];

	TCHECK(sva_sys_read_mem(t, m->src + off, a, len) == 0);
	TCHECK(sva_sys_read_mem(t, m->dst + off, b, len) == 0);
	return memcmp(a, b, len) ? 1 : 0;
}

struct use {
	const char *path;
	int open_ret, start_q, second_open, write_ret, map_twice;
	int status[3]; /* MOVDIR64B or ENQCMD, write(2), checked */
};

static int use_task(struct sva_task *t, void *arg)
{
	struct use *u = arg;
	struct sva_accel_wq_info info;
	struct dsa_completion_record rec;
	struct dsa_hw_desc d;
	struct mem m;
	uint64_t portal;
	int fd;

	TCHECK(t_mem(t, &m, 3) == 0);
	fd = sva_sys_open(t, u->path);
	u->open_ret = fd < 0 ? fd : 0;
	if (fd < 0)
		return 0;
	u->second_open = sva_sys_open(t, u->path);
	u->start_q = (int)sva_sys_ioctl(t, fd, SVA_UACCE_CMD_START_Q, 0);
	TCHECK(sva_sys_ioctl(t, fd, SVA_ACCEL_IOCTL_WQ_INFO, (unsigned long)(uintptr_t)&info) == 0);
	u->map_twice = sva_sys_mmap(t, 0, 2 * PAGE, RW, SVA_MAP_SHARED, fd, 0, &portal);
	TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, fd, 0, &portal) == 0);
	sva_dsa_desc_memmove(&d, m.dst, m.src, 1024, m.comp);
	TCHECK((info.mode == SVA_ACCEL_WQ_SHARED ? sva_accel_enqcmd(t, portal, &d)
						 : sva_accel_movdir64b(t, portal, &d)) == 0);
	u->status[0] = t_poll(t, m.comp, &rec);
	TCHECK(t_same(t, &m, 0, 1024) == 0);
	/* the kernel's submission by write(2) */
	sva_dsa_desc_memmove(&d, m.dst + 1024, m.src + 1024, 2048, m.comp + 32);
	d.pasid = 0xabc; /* replaced by the file's */
	u->write_ret = (int)sva_sys_write(t, fd, &d, sizeof(d));
	u->status[1] = t_poll(t, m.comp + 32, &rec);
	TCHECK(t_same(t, &m, 1024, 2048) == 0);
	u->status[2] = 1;
	if (u->second_open >= 0)
		sva_sys_close(t, u->second_open);
	TCHECK(sva_sys_munmap(t, portal, PAGE) == 0);
	TCHECK(sva_sys_close(t, fd) == 0);
	return 0;
}

/* write(2) and the ioctl refuse what is not whole descriptors or has nowhere to go. */
static int bad_write_task(struct sva_task *t, void *arg)
{
	struct dsa_hw_desc d[2];
	int fd = sva_sys_open(t, "/dev/dsa/wq0.1");

	(void)arg;
	TCHECK(fd >= 0);
	memset(d, 0, sizeof(d));
	TCHECK(sva_sys_write(t, fd, d, sizeof(d[0]) + 8) == -EINVAL); /* not whole */
	TCHECK(sva_sys_write(t, fd, d, 0) == -EINVAL);
	TCHECK(sva_sys_write(t, fd, NULL, sizeof(d[0])) == -EINVAL);
	TCHECK(sva_sys_ioctl(t, fd, SVA_ACCEL_IOCTL_WQ_INFO, 0) == -EFAULT);
	TCHECK(sva_sys_close(t, fd) == 0);
	return 0;
}

/* Run @task as a process of a device configured with threshold 6 and enabled; it must return 0. */
static void run_on_enabled(sva_task_fn task)
{
	struct env e;

	env_init(&e, SVA_BACKEND_SIM, 1);
	configure(&e, "6");
	assert_int_equal(sva_idxd_enable(e.x), 0);
	assert_int_equal(sva_test_run_process(e.k, task, NULL), 0);
	env_done(&e);
}

static void test_write_and_ioctl_refusals(void **state)
{
	(void)state;
	run_on_enabled(bad_write_task);
}

static void test_open_map_submit(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		for (int shared = 0; shared < 2; shared++) {
			struct use u = { .path = shared ? "/dev/dsa/wq0.1" : "/dev/dsa/wq0.0" };
			struct sva_accel_stats s;
			struct env e;

			env_init(&e, bc->backend, bc->seed);
			configure(&e, "6");
			assert_int_equal(sva_idxd_enable(e.x), 0);
			assert_int_equal(sva_test_run_process(e.k, use_task, &u), 0);
			assert_int_equal(u.status[0], DSA_COMP_SUCCESS);
			assert_int_equal(u.status[1], DSA_COMP_SUCCESS);
			assert_int_equal(u.status[2], 1);
			assert_int_equal(u.start_q, -ENOTTY); /* no START_Q: ready at open */
			assert_int_equal(u.write_ret, sizeof(struct dsa_hw_desc));
			assert_int_equal(u.map_twice, -EINVAL); /* one page: the portal */
			/* a dedicated WQ takes one open, a shared one any number */
			if (shared)
				assert_true(u.second_open >= 0);
			else
				assert_int_equal(u.second_open, -EBUSY);
			sva_accel_get_stats(sva_idxd_accel(e.x), &s);
			assert_int_equal(s.submitted, 2);
			assert_int_equal(s.completed, 2);
			env_done(&e);
		}
	}
}

/* wq0.1's clients attribute, read from inside a task of the device's world. */
static unsigned long clients_of(struct sva_idxd *x)
{
	char buf[SVA_IDXD_ATTR_MAX];

	if (sva_idxd_attr_get(x, "wq0.1", "clients", buf, sizeof(buf)))
		return ~0ul;
	return strtoul(buf, NULL, 10);
}

/* The kernel's client_count: one per open file, from open to release, a failed open none. */
static int clients_task(struct sva_task *t, void *arg)
{
	struct sva_idxd *x = arg;
	int a, b;

	TCHECK(clients_of(x) == 0);
	a = sva_sys_open(t, "/dev/dsa/wq0.1");
	TCHECK(a >= 0 && clients_of(x) == 1);
	b = sva_sys_open(t, "/dev/dsa/wq0.1");
	TCHECK(b >= 0 && clients_of(x) == 2);
	TCHECK(sva_sys_open(t, "/dev/dsa/wq0.7") < 0 && clients_of(x) == 2);
	TCHECK(sva_sys_close(t, a) == 0 && clients_of(x) == 1);
	TCHECK(sva_sys_close(t, b) == 0 && clients_of(x) == 0);
	return 0;
}

static void test_clients_count_open_files(void **state)
{
	struct env e;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	configure(&e, "6");
	get(&e, "wq0.1", "clients", "0"); /* disabled: no char device */
	expect_err(&e, sva_idxd_attr_set(e.x, "wq0.1", "clients", "1"), -EACCES, "read-only");
	assert_int_equal(sva_idxd_enable(e.x), 0);
	assert_int_equal(sva_test_run_process(e.k, clients_task, e.x), 0);
	get(&e, "wq0.1", "clients", "0");
	env_done(&e);
}

static void test_pasid_disabled_refuses_open(void **state)
{
	struct use u = { .path = "dsa/wq0.0" };
	struct env e;

	(void)state;
	env_init(&e, SVA_BACKEND_SIM, 1);
	configure(&e, "6");
	set(&e, "wq0.1", "type", "none");
	set(&e, "dsa0", "pasid_enabled", "0");
	assert_int_equal(sva_idxd_enable(e.x), 0);
	assert_int_equal(sva_test_run_process(e.k, use_task, &u), 0);
	assert_int_equal(u.open_ret, -EOPNOTSUPP);
	assert_int_equal(sva_pasid_allocated(sva_iommu_sys_pasids(e.isys)), 0);
	env_done(&e);
}

/* The client library drives idxd's char device as it drives uacce's (no START_Q there). */
static int client_task(struct sva_task *t, void *arg)
{
	struct dsa_completion_record rec;
	struct sva_accel_client *c;
	struct dsa_hw_desc d;
	struct mem m;

	(void)arg;
	TCHECK(t_mem(t, &m, 8) == 0);
	TCHECK(sva_accel_client_open(t, "/dev/dsa/wq0.1", &c) == 0);
	TCHECK(sva_accel_client_info(c)->mode == SVA_ACCEL_WQ_SHARED);
	TCHECK(sva_accel_client_info(c)->depth == 8);
	sva_dsa_desc_memmove(&d, m.dst, m.src, PAGE, m.comp);
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	TCHECK(sva_accel_client_wait(t, c, m.comp, &rec, MAX_POLLS) == 0);
	TCHECK(rec.status == DSA_COMP_SUCCESS);
	TCHECK(t_same(t, &m, 0, PAGE) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_client_library(void **state)
{
	(void)state;
	run_on_enabled(client_task);
}

/* ---- idxd's rule: another mm gets -EPERM ---- */

struct other {
	const char *path;
	int fd;
	uint64_t portal;
	struct mem m;
	int child_mmap, child_ioctl, child_write, child_store, child_enqcmd;
	int parent_write;
};

static int other_child(struct sva_task *t, void *arg)
{
	struct other *o = arg;
	struct sva_accel_wq_info info;
	struct dsa_hw_desc d;
	uint64_t portal;

	o->child_mmap = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, o->fd, 0, &portal);
	o->child_ioctl = (int)sva_sys_ioctl(t, o->fd, SVA_ACCEL_IOCTL_WQ_INFO,
					    (unsigned long)(uintptr_t)&info);
	sva_dsa_desc_memmove(&d, o->m.dst, o->m.src, 64, o->m.comp);
	o->child_write = (int)sva_sys_write(t, o->fd, &d, sizeof(d));
	/* the parent's portal was not copied (VM_DONTCOPY): no portal at that address */
	o->child_store = sva_accel_movdir64b(t, o->portal, &d);
	/* and ENQCMD has no PASID to send: the register was cleared at fork, the mm has none */
	o->child_enqcmd = sva_accel_enqcmd(t, o->portal, &d);
	return 0;
}

static int other_parent(struct sva_task *t, void *arg)
{
	static const uint8_t zero[PAGE];
	struct other *o = arg;
	struct dsa_completion_record rec;
	struct dsa_hw_desc d;
	int pid, status;

	TCHECK(t_mem(t, &o->m, 9) == 0);
	o->fd = sva_sys_open(t, o->path);
	TCHECK(o->fd >= 0);
	TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, o->fd, 0, &o->portal) == 0);
	pid = sva_sys_fork(t, "child", other_child, o);
	TCHECK(pid > 0);
	TCHECK(sva_sys_wait(t, pid, &status) == pid && status == 0);
	/* the opener still may (its pages written first: its own again after the fork's CoW) */
	TCHECK(sva_sys_write_mem(t, o->m.comp, zero, sizeof(zero)) == 0);
	TCHECK(sva_sys_write_mem(t, o->m.dst, zero, sizeof(zero)) == 0);
	sva_dsa_desc_memmove(&d, o->m.dst, o->m.src, 64, o->m.comp + 64);
	o->parent_write = (int)sva_sys_write(t, o->fd, &d, sizeof(d));
	TCHECK(t_poll(t, o->m.comp + 64, &rec) == DSA_COMP_SUCCESS);
	TCHECK(sva_sys_close(t, o->fd) == 0);
	return 0;
}

static void test_another_mm_gets_eperm(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct other o = { .path = "/dev/dsa/wq0.1" };
		struct sva_accel_stats s;
		struct env e;

		env_init(&e, bc->backend, bc->seed);
		configure(&e, "6");
		assert_int_equal(sva_idxd_enable(e.x), 0);
		assert_int_equal(sva_test_run_process(e.k, other_parent, &o), 0);
		assert_int_equal(o.child_mmap, -EPERM);
		assert_int_equal(o.child_ioctl, -EPERM);
		assert_int_equal(o.child_write, -EPERM);
		assert_int_equal(o.child_store, -EFAULT);
		assert_int_equal(o.child_enqcmd, SVA_ACCEL_EGP);
		assert_int_equal(o.parent_write, sizeof(struct dsa_hw_desc));
		sva_accel_get_stats(sva_idxd_accel(e.x), &s);
		assert_int_equal(s.submitted, 1); /* the parent's only */
		env_done(&e);
	}
}

/* ---- release drains (nothing aborted); uacce's PUT_Q, for contrast, aborts ---- */

struct drain {
	const char *path;
	struct dsa_completion_record rec[NDESC];
	int same;
};

static int drain_task(struct sva_task *t, void *arg)
{
	struct drain *dr = arg;
	struct dsa_hw_desc d;
	struct mem m;
	uint64_t portal;
	int fd;

	TCHECK(t_mem(t, &m, 5) == 0);
	fd = sva_sys_open(t, dr->path);
	TCHECK(fd >= 0);
	TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, fd, 0, &portal) == 0);
	for (unsigned i = 0; i < NDESC; i++) {
		sva_dsa_desc_memmove(&d, m.dst + 512 * i, m.src + 512 * i, 512, m.comp + 32 * i);
		TCHECK(sva_accel_enqcmd(t, portal, &d) == 0);
	}
	/* never preempted: no engine ran yet; the release (at close) waits for them */
	TCHECK(sva_sys_munmap(t, portal, PAGE) == 0);
	TCHECK(sva_sys_close(t, fd) == 0);
	TCHECK(sva_sys_read_mem(t, m.comp, dr->rec, sizeof(dr->rec)) == 0);
	dr->same = t_same(t, &m, 0, 512 * NDESC) == 0;
	return 0;
}

static void test_release_drains_the_pasid(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct drain dr = { .path = "/dev/dsa/wq0.1" };
		struct sva_accel_stats s;
		struct env e;

		env_init_nonpreemptive(&e, seed);
		configure(&e, "0");
		assert_int_equal(sva_idxd_enable(e.x), 0);
		assert_int_equal(sva_test_run_process(e.k, drain_task, &dr), 0);
		for (unsigned i = 0; i < NDESC; i++)
			assert_int_equal(dr.rec[i].status, DSA_COMP_SUCCESS);
		assert_true(dr.same);
		sva_accel_get_stats(sva_idxd_accel(e.x), &s);
		assert_int_equal(s.submitted, NDESC);
		assert_int_equal(s.completed, NDESC);
		assert_int_equal(s.aborted, 0);
		env_done(&e);
	}
}

/* ---- ENQCMD's retry, MOVDIR64B's drop ---- */

struct full {
	int limited_retry, dedicated_extra;
	struct dsa_completion_record rec[10];
};

static int full_task(struct sva_task *t, void *arg)
{
	struct full *f = arg;
	struct dsa_hw_desc d;
	struct mem m;
	uint64_t sp, dp;
	int sfd, dfd;

	TCHECK(t_mem(t, &m, 1) == 0);
	sfd = sva_sys_open(t, "/dev/dsa/wq0.1");
	dfd = sva_sys_open(t, "/dev/dsa/wq0.0");
	TCHECK(sfd >= 0 && dfd >= 0);
	TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, sfd, 0, &sp) == 0);
	TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, dfd, 0, &dp) == 0);
	/* shared, limited portal, threshold 4: the fifth answers retry (ZF=1), nothing kept */
	for (unsigned i = 0; i < 4; i++) {
		sva_dsa_desc_noop(&d, m.comp + 32 * i);
		TCHECK(sva_accel_enqcmd(t, sp, &d) == 0);
	}
	sva_dsa_desc_noop(&d, m.comp + 32 * 9);
	f->limited_retry = sva_accel_enqcmd(t, sp, &d);
	/* dedicated, size 8: the ninth is accepted by the store and dropped by the device */
	for (unsigned i = 0; i < 8; i++) {
		sva_dsa_desc_noop(&d, m.comp + PAGE / 2 + 32 * i);
		TCHECK(sva_accel_movdir64b(t, dp, &d) == 0);
	}
	sva_dsa_desc_noop(&d, m.comp + 32 * 8);
	f->dedicated_extra = sva_accel_movdir64b(t, dp, &d);
	TCHECK(sva_sys_close(t, sfd) == 0); /* drains; the mappings keep the files */
	TCHECK(sva_sys_munmap(t, sp, PAGE) == 0);
	TCHECK(sva_sys_munmap(t, dp, PAGE) == 0);
	TCHECK(sva_sys_close(t, dfd) == 0);
	TCHECK(sva_sys_read_mem(t, m.comp, f->rec, sizeof(f->rec)) == 0);
	for (unsigned i = 0; i < 8; i++) {
		struct dsa_completion_record r;

		TCHECK(sva_sys_read_mem(t, m.comp + PAGE / 2 + 32 * i, &r, sizeof(r)) == 0);
		TCHECK(r.status == DSA_COMP_SUCCESS);
	}
	return 0;
}

static void test_enqcmd_retries_movdir64b_drops(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct full f = { 0 };
		struct sva_accel_stats s;
		struct env e;

		env_init_nonpreemptive(&e, seed);
		configure(&e, "4");
		assert_int_equal(sva_idxd_enable(e.x), 0);
		assert_int_equal(sva_test_run_process(e.k, full_task, &f), 0);
		assert_int_equal(f.limited_retry, -EAGAIN);
		assert_int_equal(f.dedicated_extra, 0); /* a posted write: no answer */
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(f.rec[i].status, DSA_COMP_SUCCESS);
		assert_int_equal(f.rec[8].status, 0); /* dropped: never completes */
		assert_int_equal(f.rec[9].status, 0); /* retried: not kept */
		sva_accel_get_stats(sva_idxd_accel(e.x), &s);
		assert_int_equal(s.submitted, 12);
		assert_int_equal(s.completed, 12);
		assert_int_equal(s.dropped, 1);
		assert_int_equal(s.retries, 1);
		env_done(&e);
	}
}

/* ---- groups and priority: an engine serves its group's WQs, the highest priority first ---- */

struct starts {
	atomic_uint n;
	unsigned engine[32], opcode[32];
};

static void starts_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct starts *st = ctx;
	unsigned i;

	(void)w;
	if (ev->kind != SVA_EV_ACCEL_START)
		return;
	i = atomic_fetch_add(&st->n, 1);
	if (i < 32) {
		st->engine[i] = (unsigned)sva_ev_num(ev, ACCEL_START, engine);
		st->opcode[i] = (unsigned)sva_ev_num(ev, ACCEL_START, opcode);
	}
}

static int groups_task(struct sva_task *t, void *arg)
{
	static const char *const paths[] = { "/dev/dsa/wq0.0", "/dev/dsa/wq0.1", "/dev/dsa/wq0.2" };
	struct dsa_hw_desc d;
	struct mem m;
	uint64_t portal[3];
	int fd[3];

	(void)arg;
	TCHECK(t_mem(t, &m, 2) == 0);
	for (int i = 0; i < 3; i++) {
		fd[i] = sva_sys_open(t, paths[i]);
		TCHECK(fd[i] >= 0);
		TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, fd[i], 0, &portal[i]) == 0);
	}
	/* never preempted: everything is queued before an engine runs */
	for (unsigned i = 0; i < 3; i++) {
		sva_dsa_desc_noop(&d, m.comp + 32 * i); /* wq0.0: priority 1 */
		TCHECK(sva_accel_enqcmd(t, portal[0], &d) == 0);
		sva_dsa_desc_fill(&d, m.dst + 64 * i, 0x77, 64,
				  m.comp + 32 * (3 + i)); /* wq0.1: 9 */
		TCHECK(sva_accel_enqcmd(t, portal[1], &d) == 0);
		sva_dsa_desc_crc32c(&d, m.src, 64, 0, m.comp + 32 * (6 + i)); /* wq0.2: group 1 */
		TCHECK(sva_accel_enqcmd(t, portal[2], &d) == 0);
	}
	for (int i = 0; i < 3; i++) {
		TCHECK(sva_sys_munmap(t, portal[i], PAGE) == 0);
		TCHECK(sva_sys_close(t, fd[i]) == 0); /* drains */
	}
	return 0;
}

static void test_groups_and_priority(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 3; seed++) {
		struct starts st = { 0 };
		struct env e;
		unsigned fills = 0;

		env_init_nonpreemptive(&e, seed);
		set(&e, "engine0.0", "group_id", "0");
		set(&e, "engine0.1", "group_id", "1");
		for (int i = 0; i < 3; i++) {
			char wq[8];

			snprintf(wq, sizeof(wq), "wq0.%d", i);
			set(&e, wq, "mode", "shared");
			set(&e, wq, "size", "8");
			set(&e, wq, "type", "user");
			set(&e, wq, "group_id", i == 2 ? "1" : "0");
			set(&e, wq, "priority", i == 1 ? "9" : "1");
		}
		assert_int_equal(sva_idxd_enable(e.x), 0);
		sva_world_subscribe(e.w, starts_event, &st);
		assert_int_equal(sva_test_run_process(e.k, groups_task, NULL), 0);
		sva_kernel_quiesce(e.k);
		sva_world_unsubscribe(e.w, starts_event, &st);
		assert_int_equal(atomic_load(&st.n), 9);
		for (unsigned i = 0; i < 9; i++) {
			/* group 1's engine ran the CRCs, and only them */
			assert_int_equal(st.engine[i] == 1, st.opcode[i] == DSA_OPCODE_CRCGEN);
			if (st.engine[i] != 0)
				continue;
			/* group 0's engine: every fill (priority 9) before any no-op (1) */
			if (st.opcode[i] == DSA_OPCODE_MEMFILL)
				fills++;
			else
				assert_int_equal(fills, 3);
		}
		assert_int_equal(fills, 3);
		env_done(&e);
	}
}

/* ---- ENQCMDS: the kernel submits with the PASID and priv it writes ---- */

struct ks {
	struct sva_completion ready, go;
	struct mem m;
	uint32_t pasid;
	int status, same;
};

static int ks_task(struct sva_task *t, void *arg)
{
	struct ks *k = arg;
	struct dsa_completion_record rec;
	int fd;

	TCHECK(t_mem(t, &k->m, 4) == 0);
	fd = sva_sys_open(t, "/dev/dsa/wq0.1"); /* binds: the mm has a PASID */
	TCHECK(fd >= 0);
	k->pasid = sva_mm_get_pasid(sva_task_mm(t));
	sva_complete(&k->ready);
	sva_wait_for_completion(&k->go);
	k->status = t_poll(t, k->m.comp, &rec);
	k->same = t_same(t, &k->m, 0, 256) == 0;
	TCHECK(sva_sys_close(t, fd) == 0);
	return 0;
}

static void test_enqcmds_from_the_kernel(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_process *p;
		struct dsa_hw_desc d;
		struct env e;
		struct ks k = { 0 };
		int status = -1;

		env_init(&e, bc->backend, bc->seed);
		configure(&e, "6");
		assert_int_equal(sva_idxd_enable(e.x), 0);
		sva_completion_init(e.w, &k.ready, "ready");
		sva_completion_init(e.w, &k.go, "go");
		assert_int_equal(sva_process_start(e.k, "user", ks_task, &k, &p), 0);
		sva_wait_for_completion(&k.ready);
		sva_dsa_desc_memmove(&d, k.m.dst, k.m.src, 256, k.m.comp);
		d.pasid = k.pasid;
		d.priv = 1;
		assert_int_equal(sva_accel_enqcmds(sva_idxd_accel(e.x), 0, true, &d), -EINVAL);
		assert_int_equal(sva_accel_enqcmds(sva_idxd_accel(e.x), 1, true, &d), 0);
		sva_complete(&k.go);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		assert_int_equal(k.status, DSA_COMP_SUCCESS);
		assert_true(k.same);
		sva_completion_destroy(&k.ready);
		sva_completion_destroy(&k.go);
		env_done(&e);
	}
}

/* ---- disable and removal with a queue open ---- */

struct open_q {
	struct sva_completion submitted, go;
	uint32_t pasid;
	int store, remap, ioctl, write, close;
	struct dsa_completion_record rec[4];
	int same;
};

static int open_q_task(struct sva_task *t, void *arg)
{
	struct open_q *q = arg;
	struct sva_accel_wq_info info;
	struct dsa_hw_desc d;
	struct mem m;
	uint64_t portal, again;
	int fd;

	TCHECK(t_mem(t, &m, 6) == 0);
	fd = sva_sys_open(t, "/dev/dsa/wq0.1");
	TCHECK(fd >= 0);
	q->pasid = sva_mm_get_pasid(sva_task_mm(t));
	TCHECK(sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, fd, 0, &portal) == 0);
	for (unsigned i = 0; i < 4; i++) {
		sva_dsa_desc_memmove(&d, m.dst + 1024 * i, m.src + 1024 * i, 1024, m.comp + 32 * i);
		TCHECK(sva_accel_enqcmd(t, portal, &d) == 0);
	}
	sva_complete(&q->submitted);
	sva_wait_for_completion(&q->go);
	/* the WQ was drained: every descriptor completed, none aborted */
	TCHECK(sva_sys_read_mem(t, m.comp, q->rec, sizeof(q->rec)) == 0);
	q->same = t_same(t, &m, 0, 4096) == 0;
	sva_dsa_desc_noop(&d, m.comp + 32 * 5);
	q->store = sva_accel_enqcmd(t, portal, &d);
	q->remap = sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, fd, 0, &again);
	q->ioctl =
		(int)sva_sys_ioctl(t, fd, SVA_ACCEL_IOCTL_WQ_INFO, (unsigned long)(uintptr_t)&info);
	q->write = (int)sva_sys_write(t, fd, &d, sizeof(d));
	TCHECK(sva_sys_munmap(t, portal, PAGE) == 0);
	q->close = sva_sys_close(t, fd);
	return 0;
}

enum queue_end { END_DISABLE, END_REMOVAL, END_WQ_DISABLE };

static void with_queue_open(enum queue_end how)
{
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_process *p;
		struct open_q q = { 0 };
		struct env e;
		bool removal = how == END_REMOVAL;
		int status = -1, err = removal ? -ENODEV : -ENXIO;

		env_init(&e, bc->backend, bc->seed);
		configure(&e, "6");
		if (how == END_WQ_DISABLE) {
			struct use u = { .path = "/dev/dsa/wq0.1" };

			/* the device alone: no WQ enabled, no char device */
			assert_int_equal(sva_idxd_enable_device(e.x), 0);
			get(&e, "dsa0", "state", "enabled");
			get(&e, "wq0.1", "state", "disabled");
			assert_int_equal(sva_test_run_process(e.k, use_task, &u), 0);
			assert_int_equal(u.open_ret, -ENODEV); /* no such char device */
			assert_int_equal(sva_idxd_wq_disable(e.x, "wq0.1"), -EINVAL);
			assert_int_equal(sva_idxd_wq_enable(e.x, "wq0.2"), -EINVAL); /* size 0 */
			assert_int_equal(sva_idxd_wq_enable(e.x, "wq1.0"), -ENOENT);
			assert_int_equal(sva_idxd_wq_enable(e.x, "wq0.0"), 0);
			assert_int_equal(sva_idxd_wq_enable(e.x, "wq0.1"), 0);
			assert_int_equal(sva_idxd_wq_enable(e.x, "wq0.1"), -EBUSY);
			get(&e, "wq0.1", "state", "enabled");
			assert_true(sva_idxd_wq_enabled(e.x, "wq0.1"));
		} else {
			assert_int_equal(sva_idxd_enable(e.x), 0);
		}
		sva_completion_init(e.w, &q.submitted, "submitted");
		sva_completion_init(e.w, &q.go, "go");
		assert_int_equal(sva_process_start(e.k, "user", open_q_task, &q, &p), 0);
		sva_wait_for_completion(&q.submitted);
		if (removal) {
			sva_idxd_destroy(e.x);
			e.x = NULL;
		} else if (how == END_WQ_DISABLE) {
			assert_int_equal(sva_idxd_wq_disable(e.x, "wq0.1"), 0);
			get(&e, "wq0.1", "state", "disabled");
			get(&e, "dsa0", "state", "enabled");
		} else {
			assert_int_equal(sva_idxd_disable(e.x), 0);
		}
		/* drained and unbound with the file still open: no DMA can be left on it */
		assert_int_equal(sva_swiommu_pasid_state(e.dev, q.pasid), SVA_PASID_ENTRY_INVALID);
		sva_complete(&q.go);
		assert_int_equal(sva_process_wait(p, &status), 0);
		assert_int_equal(status, 0);
		for (unsigned i = 0; i < 4; i++)
			assert_int_equal(q.rec[i].status, DSA_COMP_SUCCESS);
		assert_true(q.same);
		assert_int_equal(q.store, -EFAULT); /* the portal was revoked */
		assert_int_equal(q.remap, err);
		assert_int_equal(q.ioctl, err);
		assert_int_equal(q.write, err);
		assert_int_equal(q.close, 0);
		if (how == END_WQ_DISABLE) { /* the other WQ kept running */
			struct use u = { .path = "/dev/dsa/wq0.0" };

			assert_int_equal(sva_test_run_process(e.k, use_task, &u), 0);
			assert_int_equal(u.status[0], DSA_COMP_SUCCESS);
			assert_int_equal(sva_idxd_wq_enable(e.x, "wq0.1"), 0);
		} else if (!removal) {
			assert_int_equal(sva_idxd_enable(e.x), 0);
		}
		if (!removal) { /* enabled again: a new open gets a new queue */
			struct use u = { .path = "/dev/dsa/wq0.1" };

			assert_int_equal(sva_test_run_process(e.k, use_task, &u), 0);
			assert_int_equal(u.status[0], DSA_COMP_SUCCESS);
		}
		sva_completion_destroy(&q.submitted);
		sva_completion_destroy(&q.go);
		env_done(&e);
	}
}

static void test_disable_with_a_queue_open(void **state)
{
	(void)state;
	with_queue_open(END_DISABLE);
}

static void test_removal_with_a_queue_open(void **state)
{
	(void)state;
	with_queue_open(END_REMOVAL);
}

/* accel-config's enable-device then enable-wq, and disable-wq with a queue open */
static void test_wq_disable_with_a_queue_open(void **state)
{
	(void)state;
	with_queue_open(END_WQ_DISABLE);
}

/*
 * Processes opening, submitting and closing while the device is disabled under them: every
 * descriptor accepted completes (drained, never aborted), no DMA after an unbind, no PASID
 * left. On native threads and under the sim's schedules.
 */
#define CHURN_PROCS 3

struct churn {
	struct sva_completion started;
	atomic_uint submits, completes, aborts;
	int ret[CHURN_PROCS];
};

static void churn_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct churn *c = ctx;

	(void)w;
	if (ev->kind == SVA_EV_ACCEL_SUBMIT)
		atomic_fetch_add(&c->submits, 1);
	else if (ev->kind == SVA_EV_ACCEL_COMPLETE)
		atomic_fetch_add(&c->completes, 1);
	else if (ev->kind == SVA_EV_ACCEL_ABORT || ev->kind == SVA_EV_ACCEL_ABORT_QUEUED)
		atomic_fetch_add(&c->aborts, 1);
}

static int churn_task(struct sva_task *t, void *arg)
{
	struct churn *c = arg;
	struct dsa_hw_desc d;
	struct mem m;

	TCHECK(t_mem(t, &m, 1) == 0);
	for (int round = 0; round < 4; round++) {
		uint64_t portal;
		int fd = sva_sys_open(t, "/dev/dsa/wq0.1");

		if (fd < 0)
			break; /* disabled: the node is gone */
		if (sva_sys_mmap(t, 0, PAGE, RW, SVA_MAP_SHARED, fd, 0, &portal) == 0) {
			for (unsigned i = 0; i < 4; i++) {
				sva_dsa_desc_memmove(&d, m.dst + 512 * i, m.src + 512 * i, 512,
						     m.comp + 32 * i);
				if (sva_accel_enqcmd(t, portal, &d))
					break; /* revoked (-EFAULT) or full */
			}
			if (round == 0)
				sva_complete(&c->started);
			sva_sys_munmap(t, portal, PAGE);
		}
		TCHECK(sva_sys_close(t, fd) == 0);
	}
	return 0;
}

static void test_disable_races_opens_and_releases(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct sva_process *p[CHURN_PROCS];
		struct sva_swiommu_stats ss;
		struct churn c = { 0 };
		struct env e;

		env_init(&e, bc->backend, bc->seed);
		configure(&e, "0");
		assert_int_equal(sva_idxd_enable(e.x), 0);
		sva_completion_init(e.w, &c.started, "started");
		sva_world_subscribe(e.w, churn_event, &c);
		for (int i = 0; i < CHURN_PROCS; i++)
			assert_int_equal(sva_process_start(e.k, "churn", churn_task, &c, &p[i]), 0);
		sva_wait_for_completion(&c.started);
		assert_int_equal(sva_idxd_disable(e.x), 0);
		for (int i = 0; i < CHURN_PROCS; i++) {
			int status = -1;

			assert_int_equal(sva_process_wait(p[i], &status), 0);
			assert_int_equal(status, 0);
		}
		sva_kernel_quiesce(e.k);
		sva_world_unsubscribe(e.w, churn_event, &c);
		assert_true(atomic_load(&c.submits) > 0);
		assert_int_equal(atomic_load(&c.completes), atomic_load(&c.submits));
		assert_int_equal(atomic_load(&c.aborts), 0);
		sva_swiommu_get_stats(e.sw, &ss);
		assert_int_equal(ss.faults_reported[SVA_FAULT_PASID_INVALID], 0);
		sva_completion_destroy(&c.started);
		env_done(&e);
	}
}

/*
 * idxd's lifetime paths, each allocation failed in turn: the device's creation, and its use -
 * enable (the accelerator, a char device per WQ), a process that opens the shared and the
 * dedicated WQ with the client library, copies a page through each and exits with the dedicated
 * one still open, then disable, enable again and disable (the files gone, the cdevs freed).
 */
struct idxd_fail {
	struct env e;
	bool use;
	struct sva_idxd *made;
	struct sva_process *p;
	int status, err, fds_left;
	uint8_t copied; /* copies that were checked */
};

static int idxd_fail_task(struct sva_task *t, void *arg)
{
	static const char *const paths[] = { "/dev/dsa/wq0.1", "/dev/dsa/wq0.0" };
	struct idxd_fail *f = arg;
	struct sva_accel_client *c[2] = { NULL, NULL };
	struct dsa_completion_record rec;
	struct dsa_hw_desc d;
	struct mem m;
	int ret = t_mem(t, &m, 9) ? -ENOMEM : 0;

	for (int i = 0; i < 2 && !ret; i++) {
		ret = sva_accel_client_open(t, paths[i], &c[i]);
		if (ret) { /* nothing of it is left: only the first client's fd, if any */
			for (int fd = 0; fd < 16; fd++)
				f->fds_left += (!c[0] || fd != sva_accel_client_fd(c[0])) &&
					       sva_sys_close(t, fd) == 0;
			break;
		}
		sva_dsa_desc_memmove(&d, m.dst, m.src, PAGE, m.comp + 32 * (uint64_t)i);
		ret = sva_accel_client_submit(t, c[i], &d);
		if (!ret)
			ret = sva_accel_client_wait(t, c[i], m.comp + 32 * (uint64_t)i, &rec,
						    MAX_POLLS);
		if (!ret && rec.status == DSA_COMP_SUCCESS && t_same(t, &m, 0, PAGE) == 0)
			f->copied++;
	}
	if (c[0])
		sva_accel_client_close(t, c[0]);
	if (c[1]) /* the exit closes its fd and unmaps its portal */
		sva_accel_client_discard(sva_kernel_world(sva_task_kernel(t)), c[1]);
	f->err = ret;
	return ret ? 1 : 0;
}

static struct sva_world *idxd_fail_setup(void *arg)
{
	struct idxd_fail *f = arg;
	bool use = f->use;

	memset(f, 0, sizeof(*f));
	f->use = use;
	f->status = -1;
	env_init(&f->e, SVA_BACKEND_SIM, 1);
	sva_test_quiet(f->e.w);
	if (use) {
		configure(&f->e, "6");
	} else {
		sva_idxd_destroy(f->e.x);
		f->e.x = NULL;
	}
	return f->e.w;
}

static int idxd_fail_body(struct sva_world *w, void *arg)
{
	struct idxd_fail *f = arg;
	int ret;

	(void)w;
	if (!f->use)
		return sva_idxd_create(f->e.k, f->e.dev, "dsa0", &f->made);
	ret = sva_idxd_enable(f->e.x);
	if (ret)
		return ret;
	ret = sva_process_start(f->e.k, "user", idxd_fail_task, f, &f->p);
	if (ret == 0) {
		assert_int_equal(sva_process_wait(f->p, &f->status), 0);
		ret = f->err;
	}
	sva_kernel_quiesce(f->e.k);
	assert_int_equal(sva_idxd_disable(f->e.x), 0);
	if (ret)
		return ret;
	ret = sva_idxd_enable(f->e.x);
	if (ret)
		return ret;
	return sva_idxd_disable(f->e.x);
}

static void idxd_fail_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct idxd_fail *f = arg;

	if (!f->use) {
		if (r->ret)
			assert_int_equal(sva_alloc_live(w, &sva_obj_idxd), 0);
		return;
	}
	sva_kernel_quiesce(f->e.k);
	assert_false(sva_idxd_enabled(f->e.x)); /* a failed enable leaves it disabled */
	assert_null(sva_idxd_accel(f->e.x));
	assert_int_equal(sva_alloc_live(w, &sva_obj_idxd_cdev), 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_idxd_file), 0);
	assert_int_equal(f->fds_left, 0);
	if (r->ret == 0) {
		assert_int_equal(f->status, 0);
		assert_int_equal(f->copied, 2);
	}
	/* and it enables again, as configured */
	assert_int_equal(sva_idxd_enable(f->e.x), 0);
	assert_int_equal(sva_idxd_disable(f->e.x), 0);
}

static void idxd_fail_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct idxd_fail *f = arg;

	(void)w;
	(void)r;
	if (!f->use)
		f->e.x = f->made;
	env_release(&f->e);
}

static void test_fail_nth_create_enable_open_disable(void **state)
{
	struct idxd_fail f = { .use = false };
	struct sva_test_fail_case c = { .name = "idxd create",
					.setup = idxd_fail_setup,
					.body = idxd_fail_body,
					.check = idxd_fail_check,
					.teardown = idxd_fail_teardown,
					.arg = &f };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 1);
	f.use = true;
	c.name = "idxd enable, open both WQs, copy, exit, disable, enable, disable";
	c.checker = true;
	sva_test_fail_sweep(&c, &st);
	assert_true(st.errors >= 10);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attributes_while_disabled),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_refuses_bad_input),
		cmocka_unit_test(test_attribute_refusals),
		cmocka_unit_test(test_json_refuses_bad_shapes),
		cmocka_unit_test(test_json_out_of_memory),
		cmocka_unit_test(test_open_map_submit),
		cmocka_unit_test(test_clients_count_open_files),
		cmocka_unit_test(test_write_and_ioctl_refusals),
		cmocka_unit_test(test_pasid_disabled_refuses_open),
		cmocka_unit_test(test_client_library),
		cmocka_unit_test(test_fail_nth_create_enable_open_disable),
		cmocka_unit_test(test_another_mm_gets_eperm),
		cmocka_unit_test(test_release_drains_the_pasid),
		cmocka_unit_test(test_enqcmd_retries_movdir64b_drops),
		cmocka_unit_test(test_groups_and_priority),
		cmocka_unit_test(test_enqcmds_from_the_kernel),
		cmocka_unit_test(test_disable_with_a_queue_open),
		cmocka_unit_test(test_removal_with_a_queue_open),
		cmocka_unit_test(test_wq_disable_with_a_queue_open),
		cmocka_unit_test(test_disable_races_opens_and_releases),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("idxd", tests, NULL, NULL);
}

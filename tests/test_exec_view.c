/* SPDX-License-Identifier: MIT */
/*
 * The device daemon's sysfs and dev views (tools/sva/exec/sysfs.c) without FUSE, on the daemon
 * core's default device (two groups, wq0.0 shared and wq0.1 dedicated, as accel-config-test's
 * 2g2q_user_1.conf): the tree libaccel-config walks (directories, attributes, the links it
 * follows with realpath), reads and writes as a writer sees them (errno), the drivers' bind and
 * unbind, the dev view's files, and the module tools' driver state. Runs anywhere (no root,
 * no /dev/fuse): the FUSE plumbing itself is tests/test_exec.sh's.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "view.h"

struct env {
	struct sva_exec *x;
	struct sva_view v;
};

static void env_init(struct env *e)
{
	struct sva_exec_config cfg = { 0 };

	memset(e, 0, sizeof(*e));
	assert_int_equal(sva_exec_create(&cfg, &e->x), 0);
	assert_int_equal(sva_view_init(&e->v, e->x), 0);
}

static void env_done(struct env *e)
{
	sva_view_fini(&e->v);
	assert_int_equal(sva_exec_destroy(e->x, stderr), 0);
}

/* The text of file @path (its newline dropped), or the negative errno of its lookup or read. */
static int rd(struct env *e, const char *path, char *buf, size_t len)
{
	struct sva_view_node n;
	int ret = sva_view_sys_lookup(&e->v, path, &n);

	if (ret)
		return ret;
	ret = sva_view_sys_read(&e->v, &n, buf, len);
	if (ret > 0 && buf[ret - 1] == '\n')
		buf[ret - 1] = '\0';
	return ret < 0 ? ret : 0;
}

static void want(struct env *e, const char *path, const char *text)
{
	char buf[SVA_VIEW_TEXT];
	int ret = rd(e, path, buf, sizeof(buf));

	if (ret)
		fprintf(stderr, "%s: %d\n", path, ret);
	assert_int_equal(ret, 0);
	assert_string_equal(buf, text);
}

/* Write @text to @path as write(2) would: its return (the length, or a negative errno). */
static int wr(struct env *e, const char *path, const char *text)
{
	struct sva_view_node n;
	int ret = sva_view_sys_lookup(&e->v, path, &n);

	return ret ? ret : sva_view_sys_write(&e->v, &n, text, strlen(text));
}

static void link_is(struct env *e, const char *path, const char *target)
{
	struct sva_view_node n;

	assert_int_equal(sva_view_sys_lookup(&e->v, path, &n), 0);
	assert_int_equal(n.kind, SVA_VIEW_LINK);
	assert_string_equal(n.link, target);
}

static int absent(struct env *e, const char *path)
{
	struct sva_view_node n;

	return sva_view_sys_lookup(&e->v, path, &n) == -ENOENT;
}

struct names {
	char all[2048];
};

static int collect(void *ctx, const char *name)
{
	struct names *n = ctx;

	strncat(n->all, name, sizeof(n->all) - strlen(n->all) - 2);
	strncat(n->all, " ", sizeof(n->all) - strlen(n->all) - 1);
	return 0;
}

static bool lists(struct env *e, const char *dir, const char *name)
{
	struct names n = { "" };
	char word[80];

	assert_int_equal(sva_view_sys_readdir(&e->v, dir, collect, &n), 0);
	snprintf(word, sizeof(word), " %s ", name);
	memmove(n.all + 1, n.all, strlen(n.all) + 1);
	n.all[0] = ' ';
	return strstr(n.all, word) != NULL;
}

static bool dev_lists(struct env *e, const char *name)
{
	struct names n = { " " };
	char word[80];

	assert_int_equal(sva_view_dev_readdir(&e->v, collect, &n), 0);
	snprintf(word, sizeof(word), " %s ", name);
	return strstr(n.all, word) != NULL;
}

/* ---- the tree libaccel-config walks ---- */

static void test_tree(void **state)
{
	struct sva_view_node n;
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(sva_view_sys_lookup(&e.v, "/", &n), 0);
	assert_int_equal(n.kind, SVA_VIEW_DIR);
	assert_true(lists(&e, "/", "devices") && lists(&e, "/", "drivers"));
	/* the bus lists the device (a directory) and its sub-objects (links into it) */
	assert_true(lists(&e, "/devices", "dsa0") && lists(&e, "/devices", "wq0.7") &&
		    lists(&e, "/devices", "group0.3") && lists(&e, "/devices", "engine0.0"));
	assert_int_equal(sva_view_sys_lookup(&e.v, "/devices/dsa0", &n), 0);
	assert_int_equal(n.kind, SVA_VIEW_DIR);
	link_is(&e, "/devices/wq0.1", "dsa0/wq0.1");
	link_is(&e, "/devices/group0.0", "dsa0/group0.0");
	assert_true(absent(&e, "/devices/wq0.8")); /* max_work_queues is 8 */
	assert_true(absent(&e, "/devices/wq1.0"));
	assert_true(absent(&e, "/devices/dsa1"));
	assert_true(lists(&e, "/devices/dsa0", "op_cap") && lists(&e, "/devices/dsa0", "wq0.0"));
	assert_true(lists(&e, "/devices/dsa0/wq0.0", "cdev_minor"));
	assert_true(lists(&e, "/devices/dsa0/group0.0", "work_queues"));
	/* every attribute libaccel-config 3.5 reads of a device exists */
	static const char *const dev_attrs[] = {
		"max_groups",	    "max_work_queues",
		"max_engines",	    "max_work_queues_size",
		"numa_node",	    "ims_size",
		"max_batch_size",   "max_transfer_size",
		"op_cap",	    "gen_cap",
		"configurable",	    "pasid_enabled",
		"max_read_buffers", "read_buffer_limit",
		"cdev_major",	    "version",
		"cmd_status",	    "state",
		"clients",	    "errors",
	};
	for (size_t i = 0; i < sizeof(dev_attrs) / sizeof(dev_attrs[0]); i++) {
		char path[96], buf[SVA_VIEW_TEXT];

		snprintf(path, sizeof(path), "/devices/dsa0/%s", dev_attrs[i]);
		if (rd(&e, path, buf, sizeof(buf)))
			fprintf(stderr, "missing %s\n", path);
		assert_int_equal(rd(&e, path, buf, sizeof(buf)), 0);
		assert_true(buf[0] != '\0');
	}
	want(&e, "/devices/dsa0/pasid_enabled", "1");
	want(&e, "/devices/dsa0/numa_node", "-1");
	want(&e, "/devices/dsa0/configurable", "1");
	want(&e, "/devices/dsa0/state", "disabled");
	want(&e, "/devices/dsa0/wq0.0/mode", "shared");
	want(&e, "/devices/dsa0/wq0.1/mode", "dedicated");
	want(&e, "/devices/dsa0/wq0.1/size", "16");
	want(&e, "/devices/dsa0/wq0.0/cdev_minor", "-1"); /* disabled */
	want(&e, "/devices/dsa0/group0.0/engines", "engine0.0 engine0.1");
	want(&e, "/devices/dsa0/group0.1/work_queues", "wq0.1");
	assert_true(absent(&e, "/devices/dsa0/driver")); /* not bound */
	assert_true(absent(&e, "/devices/dsa0/no_such_attribute"));
	assert_true(absent(&e, "/nothing"));
	/* the drivers' files */
	assert_int_equal(sva_view_sys_lookup(&e.v, "/drivers/idxd/bind", &n), 0);
	assert_int_equal(n.kind, SVA_VIEW_FILE);
	assert_true(lists(&e, "/drivers/user", "unbind"));
	assert_true(absent(&e, "/drivers/dmaengine"));
	env_done(&e);
}

/* ---- reads and writes as the writer sees them ---- */

static void test_attribute_writes(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.1/priority", "3\n"), 2); /* "3\n" is 3 */
	want(&e, "/devices/dsa0/wq0.1/priority", "3");
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.1/priority", "99"), -EINVAL);
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.1/mode", "sideways"), -EINVAL);
	want(&e, "/devices/dsa0/wq0.1/mode", "dedicated");
	assert_int_equal(wr(&e, "/devices/dsa0/state", "enabled"), -EACCES);   /* read-only */
	assert_int_equal(wr(&e, "/devices/dsa0/pasid_enabled", "0"), -EACCES); /* as sysfs */
	assert_int_equal(wr(&e, "/devices/dsa0/group0.0/engines", "x"), -EACCES);
	/* kept: written and read back */
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.0/driver_name", "user\n"), 5);
	want(&e, "/devices/dsa0/wq0.0/driver_name", "user");
	assert_int_equal(wr(&e, "/devices/dsa0/read_buffer_limit", "7"), 1);
	want(&e, "/devices/dsa0/read_buffer_limit", "7");
	assert_int_equal(wr(&e, "/devices/dsa0/cmd_status", "1"), 1); /* a write clears it */
	want(&e, "/devices/dsa0/cmd_status", "0");
	assert_int_equal(wr(&e, "/devices/dsa0/engine0.3/group_id", "-1"), 2);
	want(&e, "/devices/dsa0/engine0.3/group_id", "-1");
	want(&e, "/devices/dsa0/group0.1/engines", "engine0.2");
	/* enabled: the configuration is refused, EBUSY, the value unchanged */
	assert_int_equal(wr(&e, "/drivers/idxd/bind", "dsa0"), 4);
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.1/size", "4"), -EBUSY);
	assert_int_equal(wr(&e, "/devices/dsa0/read_buffer_limit", "1"), -EBUSY);
	want(&e, "/devices/dsa0/wq0.1/size", "16");
	assert_int_equal(wr(&e, "/drivers/idxd/unbind", "dsa0"), 4);
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.1/size", "4"), 1);
	env_done(&e);
}

/* ---- binding: accel-config's enable-device, enable-wq, and back ---- */

static void test_bind_and_unbind(void **state)
{
	struct env e;
	char wq[32];
	int dev;

	(void)state;
	env_init(&e);
	assert_false(dev_lists(&e, "wq0.0"));
	assert_int_equal(wr(&e, "/drivers/user/bind", "wq0.0"), -ENXIO); /* device disabled */
	assert_int_equal(wr(&e, "/drivers/idxd/bind", "dsa7"), -ENODEV);
	assert_int_equal(wr(&e, "/drivers/idxd/bind", "wq0.0"), -ENODEV);  /* not its driver's */
	assert_int_equal(wr(&e, "/drivers/idxd/unbind", "dsa0"), -ENODEV); /* not bound */
	assert_int_equal(wr(&e, "/drivers/idxd/bind", "dsa0\n"), 5);
	assert_int_equal(wr(&e, "/drivers/idxd/bind", "dsa0"), -EBUSY);
	want(&e, "/devices/dsa0/state", "enabled");
	link_is(&e, "/devices/dsa0/driver", "../../drivers/idxd");
	link_is(&e, "/drivers/idxd/dsa0", "../../devices/dsa0");
	assert_true(lists(&e, "/drivers/idxd", "dsa0"));
	/* the device alone: no WQ enabled, none in /dev/dsa */
	want(&e, "/devices/dsa0/wq0.1/state", "disabled");
	assert_false(dev_lists(&e, "wq0.1"));
	assert_int_equal(sva_view_dev_lookup(&e.v, "/wq0.1", &dev, wq, sizeof(wq)), -ENOENT);
	assert_int_equal(wr(&e, "/drivers/user/bind", "wq0.2"), -EINVAL); /* size 0 */
	assert_int_equal(wr(&e, "/drivers/user/bind", "wq0.1"), 5);
	want(&e, "/devices/dsa0/wq0.1/state", "enabled");
	want(&e, "/devices/dsa0/wq0.1/cdev_minor", "1");
	link_is(&e, "/devices/dsa0/wq0.1/driver", "../../../drivers/user");
	link_is(&e, "/drivers/user/wq0.1", "../../devices/dsa0/wq0.1");
	assert_true(dev_lists(&e, "wq0.1") && !dev_lists(&e, "wq0.0"));
	assert_int_equal(sva_view_dev_lookup(&e.v, "/wq0.1", &dev, wq, sizeof(wq)), 0);
	assert_int_equal(dev, 0);
	assert_string_equal(wq, "wq0.1");
	/* unbound: gone from /dev/dsa, the links gone */
	assert_int_equal(wr(&e, "/drivers/user/unbind", "wq0.1"), 5);
	assert_int_equal(wr(&e, "/drivers/user/unbind", "wq0.1"), -ENODEV);
	assert_false(dev_lists(&e, "wq0.1"));
	assert_true(absent(&e, "/devices/dsa0/wq0.1/driver"));
	assert_true(absent(&e, "/drivers/user/wq0.1"));
	/* a device unbound with a WQ enabled disables it too */
	assert_int_equal(wr(&e, "/drivers/user/bind", "wq0.0"), 5);
	assert_int_equal(wr(&e, "/drivers/idxd/unbind", "dsa0"), 4);
	want(&e, "/devices/dsa0/wq0.0/state", "disabled");
	assert_false(dev_lists(&e, "wq0.0"));
	assert_true(absent(&e, "/devices/dsa0/driver"));
	env_done(&e);
}

/* ---- the module tools: rmmod, modprobe, lsmod ---- */

static void test_modules(void **state)
{
	struct sva_view_node n;
	char msg[256], text[512];
	struct env e;

	(void)state;
	env_init(&e);
	sva_view_lsmod(&e.v, text, sizeof(text));
	assert_non_null(strstr(text, "\nidxd "));
	assert_int_equal(sva_view_mod_lookup(&e.v, "/idxd/initstate", &n), 0);
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.0/priority", "2"), 1);
	assert_int_equal(wr(&e, "/devices/dsa0/wq0.0/driver_name", "dmaengine"), 9);
	assert_int_equal(wr(&e, "/drivers/idxd/bind", "dsa0"), 4);
	assert_int_equal(wr(&e, "/drivers/user/bind", "wq0.0"), 5);
	/* a file open: in use */
	e.v.devs[0].opens[0] = 1;
	assert_int_equal(sva_view_rmmod(&e.v, "idxd", msg, sizeof(msg)), -EBUSY);
	assert_non_null(strstr(msg, "in use"));
	e.v.devs[0].opens[0] = 0;
	/* unloaded: the device gone, disabled, its configuration as the daemon started */
	assert_int_equal(sva_view_rmmod(&e.v, "idxd", msg, sizeof(msg)), 0);
	assert_true(absent(&e, "/devices/dsa0"));
	assert_true(absent(&e, "/devices/wq0.0"));
	assert_true(absent(&e, "/drivers/idxd"));
	assert_false(lists(&e, "/devices", "dsa0"));
	assert_int_equal(sva_view_mod_lookup(&e.v, "/idxd", &n), -ENOENT);
	sva_view_lsmod(&e.v, text, sizeof(text));
	assert_null(strstr(text, "\nidxd "));
	assert_int_equal(sva_view_rmmod(&e.v, "idxd", msg, sizeof(msg)), -ENOENT);
	assert_int_equal(sva_view_modprobe(&e.v, "idxd", msg, sizeof(msg)), 0);
	want(&e, "/devices/dsa0/state", "disabled");
	want(&e, "/devices/dsa0/wq0.0/priority", "10"); /* 2g2q_user_1.conf's */
	want(&e, "/devices/dsa0/wq0.0/driver_name", "user");
	assert_int_equal(sva_view_mod_lookup(&e.v, "/idxd/initstate", &n), 0);
	/* other modules are not libsva's */
	assert_int_equal(sva_view_modprobe(&e.v, "iaa_crypto", msg, sizeof(msg)), -ENOENT);
	assert_non_null(strstr(msg, "iaa_crypto"));
	assert_int_equal(sva_view_rmmod(&e.v, "idxd_vdev", msg, sizeof(msg)), -ENOENT);
	env_done(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_attribute_writes),
		cmocka_unit_test(test_bind_and_unbind),
		cmocka_unit_test(test_modules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

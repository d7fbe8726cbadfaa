/* SPDX-License-Identifier: MIT */
/*
 * Files: f_count, open errors, and the deferred final fput: from a user task the release runs
 * as task_work (not inside fput), from a kernel actor or from outside it runs on the
 * delayed-fput work.
 */
#include <stdlib.h>
#include <string.h>

#include "sva/fs.h"
#include "testutil.h"

struct drv {
	int opens, releases;
	int open_error;
	struct sva_actor *released_by;
	struct sva_world *w;
};

static int drv_open(struct sva_file *file)
{
	struct drv *d = file->private_data;

	d->opens++;
	return d->open_error;
}

static void drv_release(struct sva_file *file)
{
	struct drv *d = file->private_data;

	d->releases++;
	d->released_by = sva_current(d->w);
}

static const struct sva_file_operations drv_fops = {
	.open = drv_open,
	.release = drv_release,
};

struct fs_case {
	struct sva_fs *fs;
	struct drv d;
	int releases_inside_fput; /* seen right after the final fput returned */
	struct sva_actor *me;
};

static int user_task(void *arg)
{
	struct fs_case *c = arg;
	struct sva_file *f;

	c->me = sva_current(c->d.w);
	assert_int_equal(sva_file_open(c->fs, "acc0", &drv_fops, &c->d, &f), 0);
	sva_get_file(f);
	assert_int_equal(sva_file_count(f), 2);
	sva_fput(f);
	sva_fput(f);
	c->releases_inside_fput = c->d.releases;
	sva_task_work_run(c->d.w); /* "return to user space" */
	return 0;
}

static void test_final_fput_from_user_task_is_task_work(void **state)
{
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = sva_test_world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, 4);
		struct fs_case c = { .d = { .w = w } };
		(void)state;

		assert_int_equal(sva_fs_create(w, &c.fs), 0);
		assert_int_equal(sva_actor_spawn(w, "task", user_task, &c, SVA_ACTOR_USER, NULL),
				 0);
		assert_int_equal(sva_world_run(w), 0);
		assert_int_equal(c.d.opens, 1);
		assert_int_equal(c.releases_inside_fput, 0);
		assert_int_equal(c.d.releases, 1);
		assert_ptr_equal(c.d.released_by, c.me);
		assert_int_equal(sva_fs_files(c.fs), 0);
		sva_fs_destroy(c.fs);
		sva_test_world_done(w);
	}
}

static int kernel_actor(void *arg)
{
	struct fs_case *c = arg;
	struct sva_file *f;

	c->me = sva_current(c->d.w);
	assert_int_equal(sva_file_open(c->fs, "acc0", &drv_fops, &c->d, &f), 0);
	sva_fput(f);
	return 0;
}

static void test_final_fput_elsewhere_is_delayed(void **state)
{
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = sva_test_world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE, 4);
		struct fs_case c = { .d = { .w = w } };
		struct sva_file *f;
		(void)state;

		assert_int_equal(sva_fs_create(w, &c.fs), 0);
		assert_int_equal(sva_actor_spawn(w, "kworker", kernel_actor, &c, 0, NULL), 0);
		assert_int_equal(sva_world_run(w), 0);
		sva_fs_flush_delayed(c.fs);
		assert_int_equal(c.d.releases, 1);
		assert_non_null(c.d.released_by);
		assert_ptr_not_equal(c.d.released_by, c.me); /* the fput worker */

		/* from outside any actor */
		assert_int_equal(sva_file_open(c.fs, "acc1", &drv_fops, &c.d, &f), 0);
		sva_fput(f);
		sva_fs_flush_delayed(c.fs);
		assert_int_equal(c.d.releases, 2);
		assert_int_equal(sva_fs_files(c.fs), 0);
		sva_fs_destroy(c.fs);
		sva_test_world_done(w);
	}
}

static void test_open_error_leaves_nothing(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct drv d = { .open_error = -ENODEV, .w = w };
	struct sva_file *f = NULL;
	struct sva_fs *fs;
	(void)state;

	assert_int_equal(sva_fs_create(w, &fs), 0);
	assert_int_equal(sva_file_open(fs, "acc0", &drv_fops, &d, &f), -ENODEV);
	assert_null(f);
	assert_int_equal(d.releases, 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_file), 0);
	sva_alloc_fail_nth(w, 1);
	assert_int_equal(sva_file_open(fs, "acc0", &drv_fops, &d, &f), -ENOMEM);
	assert_int_equal(d.opens, 1); /* open was not reached */
	sva_fs_destroy(fs);
	sva_test_world_done(w);
}

static void test_fs_destroy_runs_pending_releases(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 2);
	struct drv d = { .w = w };
	struct sva_file *f;
	struct sva_fs *fs;
	(void)state;

	assert_int_equal(sva_fs_create(w, &fs), 0);
	assert_int_equal(sva_file_open(fs, "acc0", &drv_fops, &d, &f), 0);
	sva_fput(f);
	sva_fs_destroy(fs);
	assert_int_equal(d.releases, 1);
	sva_test_world_done(w);
}

/* A file of no name and no operations (a bare object): opened, named "file", freed at its put. */
static void test_file_without_operations(void **state)
{
	static const struct sva_file_operations none = { 0 };
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 3);
	struct sva_file *f = NULL, *g = NULL;
	struct sva_fs *fs;
	char *text;
	(void)state;

	assert_int_equal(sva_fs_create(w, &fs), 0);
	assert_int_equal(sva_file_open(fs, NULL, NULL, NULL, &f), 0);
	assert_int_equal(sva_file_open(fs, "bare", &none, NULL, &g), 0);
	assert_string_equal(f->name, "file");
	assert_int_equal(sva_alloc_live(w, &sva_obj_file), 2);
	sva_fput(f);
	sva_fput(g);
	sva_fs_destroy(fs); /* runs the delayed releases */
	assert_int_equal(sva_alloc_live(w, &sva_obj_file), 0);
	text = sva_test_trace_string(w, sva_trace_write_text);
	assert_non_null(strstr(text, "file.release"));
	free(text);
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_final_fput_from_user_task_is_task_work),
		cmocka_unit_test(test_final_fput_elsewhere_is_delayed),
		cmocka_unit_test(test_open_error_leaves_nothing),
		cmocka_unit_test(test_fs_destroy_runs_pending_releases),
		cmocka_unit_test(test_file_without_operations),
	};

	return cmocka_run_group_tests_name("fs", tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The base layer: error names, the object allocator (counts per class, a slot for each class
 * on first use, wrong-class frees refused, fail-nth, release at world destroy, realloc, big
 * objects mapped, the sim quarantine of freed objects: a double free reported, the memory back
 * at destroy), logging and reports, world creation.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "testutil.h"

static void test_strerror_names_errno(void **state)
{
	(void)state;
	assert_string_equal(sva_strerror(-EBUSY), "-EBUSY: Device or resource busy");
	assert_string_equal(sva_strerror(EOVERFLOW),
			    "-EOVERFLOW: Value too large for defined data type");
	assert_string_equal(sva_strerror(-ENOSPC), "-ENOSPC: No space left on device");
	assert_string_equal(sva_strerror(0), "0: Success");
	assert_string_equal(sva_strerror(-4242), "unknown error");
}

/* Every errno value the C library names has its name in sva_strerror (-EPROTO was unknown). */
static void test_strerror_knows_every_errno(void **state)
{
	char want[64];
	(void)state;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (!name)
			continue;
		snprintf(want, sizeof(want), "-%s: ", name);
		assert_memory_equal(sva_strerror(-e), want, strlen(want));
	}
	assert_string_equal(sva_strerror(-EPROTO), "-EPROTO: Protocol error");
}

static void test_world_create_rejects_bad_backend(void **state)
{
	struct sva_world_config c = { .backend = (enum sva_backend)7 };
	struct sva_world *w = NULL;
	(void)state;

	assert_int_equal(sva_world_create(&c, &w), -EINVAL);
	assert_null(w);
	assert_int_equal(sva_world_create(NULL, &w), 0);
	assert_int_equal(sva_world_backend(w), SVA_BACKEND_NATIVE);
	sva_test_world_done(w);
}

static void test_alloc_counts_live_objects_per_type(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	void *a, *b, *c;
	char desc[128];
	(void)state;

	a = sva_alloc(w, &sva_obj_test, 24);
	b = sva_alloc(w, &sva_obj_test, 1);
	c = sva_alloc(w, &sva_obj_string, 100);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % _Alignof(max_align_t), 0);
	assert_int_equal(((unsigned char *)c)[99], 0); /* zeroed */
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 2);
	assert_int_equal(sva_alloc_live(w, &sva_obj_string), 1);
	assert_int_equal(sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, desc, sizeof(desc)), 3);
	assert_string_equal(desc, "2 test, 1 string");
	assert_int_equal(sva_alloc_describe_live(w,
						 (const struct sva_obj_class *const[]){
							 &sva_obj_test, &sva_obj_trace_ring,
							 &sva_obj_scheduler, NULL },
						 desc, sizeof(desc)),
			 1);
	assert_string_equal(desc, "1 string");
	sva_free(w, &sva_obj_test, a);
	sva_free(w, &sva_obj_test, b);
	sva_free(w, &sva_obj_string, c);
	sva_free(w, &sva_obj_string, NULL);
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 0);
	assert_string_equal(sva_obj_array.name, "array");
	sva_test_world_done(w);
}

/*
 * A class is a layer's constant; the world gives it a slot on first use: a class never used
 * counts 0, leaks are described in the order of first use, and a world out of slots refuses
 * a new class (reported) while the classes it has keep working.
 */
static void test_alloc_gives_each_class_a_slot_on_first_use(void **state)
{
	struct sva_obj_class extra[SVA_OBJ_CLASSES_MAX];
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	const struct sva_obj_class mine = { "mine" };
	void *objs[SVA_OBJ_CLASSES_MAX];
	unsigned n = 0;
	char desc[64];
	void *a, *b;
	(void)state;

	for (unsigned i = 0; i < SVA_OBJ_CLASSES_MAX; i++)
		extra[i].name = "extra";
	assert_int_equal(sva_alloc_live(w, &mine), 0);
	a = sva_alloc(w, &mine, 8);
	b = sva_alloc(w, &sva_obj_test, 8);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(sva_alloc_live(w, &mine), 1);
	assert_int_equal(sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, desc, sizeof(desc)), 2);
	assert_string_equal(desc, "1 mine, 1 test");
	while (n < SVA_OBJ_CLASSES_MAX && (objs[n] = sva_alloc(w, &extra[n], 8)))
		n++;
	assert_true(n > 0 && n < SVA_OBJ_CLASSES_MAX); /* the world's own classes took slots */
	assert_int_equal(sva_report_count(w, SVA_REPORT_BAD_USAGE), 1);
	assert_int_equal(sva_alloc_live(w, &extra[n]), 0);
	assert_non_null(strstr(sva_report_first(w), "no slot left"));
	sva_free(w, &mine, a);
	a = sva_alloc(w, &mine, 8); /* a class with a slot still allocates */
	assert_non_null(a);
	sva_free(w, &mine, a);
	sva_free(w, &sva_obj_test, b);
	while (n--)
		sva_free(w, &extra[n], objs[n]);
	assert_int_equal(sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, desc, sizeof(desc)), 0);
	sva_world_destroy(w); /* the report was expected */
}

static void test_free_of_wrong_type_is_refused_and_reported(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	void *a = sva_alloc(w, &sva_obj_test, 8);
	(void)state;

	sva_test_quiet(w);
	sva_free(w, &sva_obj_string, a); /* wrong type: refused, still live */
	assert_int_equal(sva_report_count(w, SVA_REPORT_BAD_USAGE), 1);
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 1);
	assert_non_null(strstr(sva_report_first(w), "wrong type"));
	sva_free(w, &sva_obj_test, a);
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 0);
	sva_world_destroy(w);
}

static void test_double_free_is_reported_as_use_after_free(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	void *a = sva_alloc(w, &sva_obj_test, 24);
	(void)state;

	sva_test_quiet(w);
	sva_free(w, &sva_obj_test, a);
	assert_int_equal(sva_report_total(w), 0);
	sva_free(w, &sva_obj_test, a); /* the quarantine still knows it: not a crash */
	assert_int_equal(sva_report_count(w, SVA_REPORT_USE_AFTER_FREE), 1);
	assert_int_equal(sva_report_total(w), 1);
	assert_non_null(strstr(sva_report_first(w), "sva_free of a freed test"));
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 0); /* counted down once */
	sva_world_destroy(w);
}

/* Freed objects of a sim world wait in its quarantine, and go back at destroy (LSan checks). */
static void test_sim_quarantine_is_released_at_destroy(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	(void)state;

	for (int i = 0; i < 2000; i++)
		sva_free(w, &sva_obj_test, sva_alloc(w, &sva_obj_test, 16 + (size_t)i % 200));
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 0);
	sva_test_world_done(w);
}

static void test_fail_nth_fails_exactly_one_allocation(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	void *p[5];
	(void)state;

	sva_alloc_fail_nth(w, 3);
	assert_false(sva_alloc_injected(w));
	for (int i = 0; i < 5; i++)
		p[i] = sva_alloc(w, &sva_obj_test, 16);
	assert_non_null(p[0]);
	assert_non_null(p[1]);
	assert_null(p[2]);
	assert_non_null(p[3]);
	assert_non_null(p[4]);
	assert_true(sva_alloc_injected(w));
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 4);
	for (int i = 0; i < 5; i++)
		sva_free(w, &sva_obj_test, p[i]);

	/* fail_nth(0) disables; re-arming clears the injected flag */
	sva_alloc_fail_nth(w, 1);
	sva_alloc_fail_nth(w, 0);
	p[0] = sva_alloc(w, &sva_obj_test, 16);
	assert_non_null(p[0]);
	assert_false(sva_alloc_injected(w));
	sva_free(w, &sva_obj_test, p[0]);
	assert_true(sva_alloc_attempts(w) >= 7);
	sva_test_world_done(w);
}

/* The sweep every later layer uses: fail each allocation of an operation in turn. */
struct three {
	void *p[3];
	bool leaky;	  /* the error path forgets what it made (a broken case) */
	bool ignores;	  /* the error path returns 0 after a failure (optional allocations) */
	bool positive;	  /* returns 1 on failure: not an errno */
	bool report;	  /* reports a problem on the error path */
	bool lost_record; /* the check finds the state inconsistent */
};

static struct sva_world *three_setup(void *arg)
{
	struct three *t = arg;

	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);

	memset(t->p, 0, sizeof(t->p));
	sva_test_quiet(w);
	return w;
}

static int three_allocs(struct sva_world *w, void *arg)
{
	struct three *t = arg;

	for (int i = 0; i < 3; i++) {
		t->p[i] = sva_alloc(w, &sva_obj_test, 32);
		if (t->p[i])
			continue;
		if (t->report)
			sva_report(w, SVA_REPORT_BAD_USAGE, "test: error path reported");
		if (t->ignores || t->positive)
			return t->positive;
		while (i-- && !t->leaky) {
			sva_free(w, &sva_obj_test, t->p[i]);
			t->p[i] = NULL;
		}
		return -ENOMEM;
	}
	return 0;
}

static void three_check(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct three *t = arg;

	/* the prior state (nothing) after a failure, all three after a success */
	if (!t->ignores)
		assert_int_equal(sva_alloc_live(w, &sva_obj_test), r->ret ? 0 : 3);
	if (r->injected) {
		assert_int_equal(r->inj.type, &sva_obj_test);
		assert_non_null(strstr(r->inj.site, "tests/test_base.c:"));
	}
}

static void three_teardown(struct sva_world *w, void *arg, const struct sva_test_fail_run *r)
{
	struct three *t = arg;

	(void)r;
	if (t->leaky && r->ret)
		return;
	for (int i = 0; i < 3; i++)
		sva_free(w, &sva_obj_test, t->p[i]);
}

static void test_fail_nth_sweep_reaches_every_allocation(void **state)
{
	struct three t = { .leaky = false };
	struct sva_test_fail_case c = { .name = "three allocations",
					.setup = three_setup,
					.body = three_allocs,
					.check = three_check,
					.teardown = three_teardown,
					.arg = &t };
	struct sva_test_fail_stats st;
	(void)state;

	sva_test_fail_sweep(&c, &st);
	assert_int_equal(st.allocations, 3);
	assert_int_equal(st.runs, 3);
	assert_int_equal(st.errors, 3);
	/* an optional allocation: a failure absorbed is no error */
	t.ignores = true;
	sva_test_fail_sweep(&c, &st);
	assert_int_equal(st.absorbed, 3);
}

/* The sweep fails a case that breaks a rule, naming N and the allocation. */
static void test_fail_nth_sweep_catches_broken_error_paths(void **state)
{
	struct three t = { .leaky = true };
	struct sva_test_fail_case c = { .name = "three allocations",
					.setup = three_setup,
					.body = three_allocs,
					.teardown = three_teardown,
					.arg = &t };
	char msg[768];
	(void)state;

	/* a leak: fail-nth 1 leaks nothing (nothing made yet), 2 leaks the first */
	assert_int_equal(sva_test_fail_sweep_run(&c, NULL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "fail-nth 2 (test at tests/test_base.c:"));
	assert_non_null(strstr(msg, "leak: 1 test"));
	t.leaky = false;
	t.positive = true;
	assert_int_equal(sva_test_fail_sweep_run(&c, NULL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "fail-nth 1 (test at"));
	assert_non_null(strstr(msg, "returned 1"));
	t.positive = false;
	t.report = true;
	assert_int_equal(sva_test_fail_sweep_run(&c, NULL, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "error path reported"));
	t.report = false;
	c.quick = 2; /* a spread: 1, then the last */
	assert_int_equal(sva_test_fail_sweep_run(&c, NULL, msg, sizeof(msg)), 0);
}

/* The failure injected is recorded: which attempt, its type, its site. */
static void test_fail_nth_records_the_site(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct sva_alloc_injection inj;
	void *a, *b;
	unsigned long before = sva_alloc_attempts(w);
	char site[64];
	int line;
	(void)state;

	sva_alloc_fail_nth(w, 2);
	assert_false(sva_alloc_injection(w, &inj));
	a = sva_alloc(w, &sva_obj_test, 8);
	line = __LINE__ + 1;
	b = sva_alloc(w, &sva_obj_string, 8);
	assert_null(b);
	assert_true(sva_alloc_injection(w, &inj));
	assert_int_equal(inj.attempt, before + 2);
	assert_int_equal(inj.type, &sva_obj_string);
	snprintf(site, sizeof(site), "tests/test_base.c:%d", line);
	assert_string_equal(inj.site, site);
	sva_free(w, &sva_obj_test, a);
	sva_test_world_done(w);
}

/*
 * sva_alloc() as a function (its name in parentheses, or taken by address: no call site), and
 * the sizes and objects the allocator refuses.
 */
static void test_alloc_function_form_and_refusals(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	void *(*fn)(struct sva_world *, const struct sva_obj_class *, size_t) = sva_alloc;
	struct sva_alloc_injection inj;
	unsigned char *a;
	void *s;
	(void)state;

	sva_test_quiet(w);
	a = (sva_alloc)(w, &sva_obj_test, 16);
	assert_non_null(a);
	assert_int_equal(a[15], 0); /* zeroed */
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 1);
	sva_alloc_fail_nth(w, 1);
	assert_null(fn(w, &sva_obj_string, 8));
	assert_true(sva_alloc_injection(w, &inj));
	assert_string_equal(inj.site, "?"); /* the function knows no call site */
	assert_int_equal(inj.type, &sva_obj_string);
	/* a size the header cannot be added to */
	assert_null(sva_alloc(w, &sva_obj_string, SIZE_MAX - 4));
	assert_int_equal(sva_alloc_live(w, &sva_obj_string), 0);
	/* sva_realloc of an object of another class: refused and reported, the object kept */
	s = sva_alloc(w, &sva_obj_string, 8);
	assert_null(sva_realloc(w, &sva_obj_test, s, 64));
	assert_int_equal(sva_report_count(w, SVA_REPORT_BAD_USAGE), 1);
	assert_non_null(strstr(sva_report_first(w), "sva_realloc of a test"));
	assert_non_null(strstr(sva_report_first(w), "wrong type"));
	assert_int_equal(sva_alloc_live(w, &sva_obj_string), 1);
	sva_free(w, &sva_obj_string, s);
	sva_free(w, &sva_obj_test, a);
	sva_world_destroy(w);
}

static void test_world_destroy_frees_what_is_left(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	(void)state;

	/* LeakSanitizer fails this test if destroy does not free them */
	for (int i = 0; i < 10; i++)
		assert_non_null(sva_alloc(w, &sva_obj_test, 64));
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 10);
	sva_world_destroy(w);
}

/* Is the page holding @p mapped? (msync refuses unmapped memory with ENOMEM) */
static bool page_mapped(const void *p)
{
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);

	return msync((void *)page, 1, MS_ASYNC) == 0;
}

/*
 * sva_realloc keeps the contents and zeroes what it adds, across the size where objects stop
 * being calloc'd and start being mapped (1 MiB); mapped objects are unmapped on free and at
 * world destroy.
 */
static void test_realloc_and_mapped_objects(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	const size_t big = 3u << 20;
	unsigned char *p, *q;
	(void)state;

	p = sva_realloc(w, &sva_obj_array, NULL, 100);
	assert_non_null(p);
	for (int i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xa5, 100);
	p = sva_realloc(w, &sva_obj_array, p, big); /* calloc'd -> mapped */
	assert_non_null(p);
	assert_true(page_mapped(p));
	for (size_t i = 0; i < big; i += i < 200 ? 1 : 4093)
		assert_int_equal(p[i], i < 100 ? 0xa5 : 0);
	p[big - 1] = 7;
	q = sva_realloc(w, &sva_obj_array, p, 50); /* mapped -> calloc'd */
	assert_non_null(q);
	assert_false(page_mapped(p + big / 2)); /* the mapping went back */
	for (int i = 0; i < 50; i++)
		assert_int_equal(q[i], 0xa5);
	q = sva_realloc(w, &sva_obj_array, q, 200);
	for (int i = 50; i < 200; i++)
		assert_int_equal(q[i], 0);
	assert_int_equal(sva_alloc_live(w, &sva_obj_array), 1);
	sva_free(w, &sva_obj_array, q);

	p = sva_alloc(w, &sva_obj_test, big);
	assert_non_null(p);
	assert_int_equal(p[big / 2], 0);
	sva_free(w, &sva_obj_test, p);
	assert_false(page_mapped(p + big / 2));
	p = sva_alloc(w, &sva_obj_test, big); /* left for the world's destroy */
	assert_non_null(p);
	p[big / 2] = 1;
	assert_int_equal(sva_alloc_live(w, &sva_obj_test), 1);
	sva_world_destroy(w);
	assert_false(page_mapped(p + big / 2));
}

struct log_capture {
	int count;
	enum sva_log_level last_level;
	char last[256];
};

static void capture_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	struct log_capture *c = ctx;

	c->count++;
	c->last_level = level;
	snprintf(c->last, sizeof(c->last), "%s", msg);
}

static void test_log_levels_and_sink(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct log_capture cap = { 0 };
	(void)state;

	sva_world_set_log_sink(w, capture_sink, &cap);
	sva_log(w, SVA_LOG_INFO, "hidden %d", 1); /* default level: errors only */
	assert_int_equal(cap.count, 0);
	sva_world_set_log_level(w, SVA_LOG_INFO);
	sva_log(w, SVA_LOG_INFO, "pasid %u bound", 5u);
	sva_log(w, SVA_LOG_DEBUG, "still hidden");
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.last_level, SVA_LOG_INFO);
	assert_string_equal(cap.last, "pasid 5 bound");
	sva_world_set_log_sink(w, NULL, NULL);
	sva_test_world_done(w);
}

/* With no sink of its own, a world writes "sva: <level>: <message>" lines to stderr. */
static void test_default_sink_is_stderr(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char got[256] = "";
	(void)state;

	assert_non_null(tmp);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
	sva_world_set_log_level(w, SVA_LOG_WARN);
	sva_log(w, SVA_LOG_WARN, "pasid %u leaked", 7u);
	sva_log(w, SVA_LOG_INFO, "not shown");
	sva_report(w, SVA_REPORT_REFCOUNT, "mm_users underflow");
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	assert_int_equal(fread(got, 1, sizeof(got) - 1, tmp) > 0, 1);
	fclose(tmp);
	assert_string_equal(got, "sva: warning: pasid 7 leaked\n"
				 "sva: error: refcount misuse: mm_users underflow\n");
	sva_world_destroy(w);
}

static void test_reports_counted_logged_and_first_kept(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	struct log_capture cap = { 0 };
	(void)state;

	/* a kind that is none: no name, never counted */
	assert_string_equal(sva_report_kind_name(SVA_REPORT_NR), "?");
	assert_int_equal(sva_report_count(w, SVA_REPORT_NR), 0);

	sva_world_set_log_sink(w, capture_sink, &cap);
	assert_string_equal(sva_report_first(w), "");
	sva_report(w, SVA_REPORT_REFCOUNT, "refcount %s underflow", "mm_users");
	sva_report(w, SVA_REPORT_DEADLOCK, "second");
	sva_report(w, SVA_REPORT_REFCOUNT, "third");
	assert_int_equal(sva_report_count(w, SVA_REPORT_REFCOUNT), 2);
	assert_int_equal(sva_report_count(w, SVA_REPORT_DEADLOCK), 1);
	assert_int_equal(sva_report_total(w), 3);
	assert_string_equal(sva_report_first(w), "refcount misuse: refcount mm_users underflow");
	assert_int_equal(cap.count, 3); /* reports are logged at ERR, enabled by default */
	assert_int_equal(cap.last_level, SVA_LOG_ERR);
	assert_string_equal(sva_report_kind_name(SVA_REPORT_DEADLOCK), "deadlock");
	sva_world_destroy(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_names_errno),
		cmocka_unit_test(test_strerror_knows_every_errno),
		cmocka_unit_test(test_world_create_rejects_bad_backend),
		cmocka_unit_test(test_alloc_counts_live_objects_per_type),
		cmocka_unit_test(test_alloc_gives_each_class_a_slot_on_first_use),
		cmocka_unit_test(test_free_of_wrong_type_is_refused_and_reported),
		cmocka_unit_test(test_double_free_is_reported_as_use_after_free),
		cmocka_unit_test(test_sim_quarantine_is_released_at_destroy),
		cmocka_unit_test(test_fail_nth_fails_exactly_one_allocation),
		cmocka_unit_test(test_fail_nth_sweep_reaches_every_allocation),
		cmocka_unit_test(test_fail_nth_sweep_catches_broken_error_paths),
		cmocka_unit_test(test_fail_nth_records_the_site),
		cmocka_unit_test(test_alloc_function_form_and_refusals),
		cmocka_unit_test(test_world_destroy_frees_what_is_left),
		cmocka_unit_test(test_realloc_and_mapped_objects),
		cmocka_unit_test(test_log_levels_and_sink),
		cmocka_unit_test(test_reports_counted_logged_and_first_kept),
		cmocka_unit_test(test_default_sink_is_stderr),
	};

	return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}

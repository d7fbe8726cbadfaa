/* SPDX-License-Identifier: MIT */
/*
 * lockdep_assert_held (src/sync/lockdep.c): a function that relies on a lock says so, and a
 * caller that does not hold it is reported (SVA_REPORT_LOCK_NOT_HELD) naming the lock and the
 * site. On both backends: a held lock is quiet, an unheld one is reported; a lock held by
 * another actor is reported (sim: every kind; native: a mutex and a writer, whose holders it
 * knows); a read-held rw-semaphore satisfies sva_lockdep_assert_held but not _write. The
 * assertion adds no scheduling decision: a program that asserts explores as many schedules
 * as one that does not.
 *
 * Guarded fields (SVA_GUARDED_BY): every read or write through sva_guarded() asserts its lock;
 * sva_guarded2 (changed under two mutexes) asserts both, sva_guarded2_read either. The section
 * audit (SVA_LOCK_AUDIT=FILE, sim) counts per acquisition site the holds in which nothing
 * asserted the lock.
 *
 * Guarded lists (src/sync/glist.h) check each change as CONFIG_DEBUG_LIST does: a node added
 * twice, or deleted though never added, is reported (SVA_REPORT_LIST_CORRUPTION) and the change
 * is not made; a second delete of a self-linked node is list_del_init's no-op.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/sync/glist.h"
#include "testutil.h"

struct locks {
	struct sva_mutex m;
	struct sva_spinlock s;
	struct sva_rwsem r;
};

static void locks_init(struct sva_world *w, struct locks *l)
{
	sva_mutex_init(w, &l->m, "test_mutex");
	sva_spin_lock_init(w, &l->s, "test_spin");
	sva_rwsem_init(w, &l->r, "test_rwsem");
}

static void locks_destroy(struct locks *l)
{
	sva_mutex_destroy(&l->m);
	sva_spin_lock_destroy(&l->s);
	sva_rwsem_destroy(&l->r);
}

static struct sva_world *world(enum sva_backend b)
{
	struct sva_world *w = sva_test_world(b, 1);

	sva_test_quiet(w);
	return w;
}

static unsigned long not_held(struct sva_world *w)
{
	return sva_report_count(w, SVA_REPORT_LOCK_NOT_HELD);
}

static void done(struct sva_world *w, struct locks *l)
{
	locks_destroy(l);
	sva_world_destroy(w);
}

static void test_held_is_quiet(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE);
		struct locks l;

		locks_init(w, &l);
		sva_mutex_lock(&l.m);
		sva_lockdep_assert_held(&l.m);
		sva_mutex_unlock(&l.m);
		sva_spin_lock(&l.s);
		sva_lockdep_assert_held(&l.s);
		sva_spin_unlock(&l.s);
		sva_down_write(&l.r);
		sva_lockdep_assert_held(&l.r);
		sva_lockdep_assert_held_write(&l.r);
		sva_up_write(&l.r);
		sva_down_read(&l.r);
		sva_lockdep_assert_held(&l.r);
		sva_up_read(&l.r);
		assert_int_equal(not_held(w), 0);
		done(w, &l);
	}
}

static void test_unheld_is_reported(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE);
		struct locks l;

		locks_init(w, &l);
		sva_lockdep_assert_held(&l.m);
		assert_int_equal(not_held(w), 1);
		assert_non_null(strstr(sva_report_first(w), "mutex test_mutex not held at "));
		assert_non_null(strstr(sva_report_first(w), "test_assert_held.c:"));
		sva_lockdep_assert_held(&l.s);
		sva_lockdep_assert_held(&l.r);
		sva_lockdep_assert_held_write(&l.r);
		assert_int_equal(not_held(w), 4);
		/* read-held: enough for held, not for write */
		sva_down_read(&l.r);
		sva_lockdep_assert_held(&l.r);
		assert_int_equal(not_held(w), 4);
		sva_lockdep_assert_held_write(&l.r);
		assert_int_equal(not_held(w), 5);
		sva_up_read(&l.r);
		/* released: reported again */
		sva_mutex_lock(&l.m);
		sva_mutex_unlock(&l.m);
		sva_lockdep_assert_held(&l.m);
		assert_int_equal(not_held(w), 6);
		done(w, &l);
	}
}

/* An actor asserts the locks the outside holds. */
struct other {
	struct locks *l;
	bool sim;
};

static int assert_all(void *arg)
{
	struct other *o = arg;

	sva_lockdep_assert_held(&o->l->m);
	sva_lockdep_assert_held_write(&o->l->r);
	if (o->sim) /* native knows only that someone holds a spinlock */
		sva_lockdep_assert_held(&o->l->s);
	return 0;
}

static void test_held_by_another_is_reported(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE);
		struct other o = { .sim = b == 1 };
		struct sva_actor *a;
		struct locks l;
		int ret = -1;

		locks_init(w, &l);
		o.l = &l;
		sva_mutex_lock(&l.m);
		sva_down_write(&l.r);
		if (o.sim)
			sva_spin_lock(&l.s);
		assert_int_equal(sva_actor_spawn(w, "asserter", assert_all, &o, 0, &a), 0);
		if (o.sim)
			sva_world_run(w);
		assert_int_equal(sva_actor_join(a, &ret), 0);
		assert_int_equal(ret, 0);
		assert_int_equal(not_held(w), o.sim ? 3 : 2);
		assert_non_null(strstr(sva_report_first(w), "asserter: mutex test_mutex not held"));
		if (o.sim)
			sva_spin_unlock(&l.s);
		sva_up_write(&l.r);
		sva_mutex_unlock(&l.m);
		done(w, &l);
	}
}

/* ---- no scheduling decision of its own ---- */

struct counter {
	struct sva_mutex m;
	int n;
	bool assert;
};

static int bump(void *arg)
{
	struct counter *c = arg;

	for (int i = 0; i < 2; i++) {
		sva_mutex_lock(&c->m);
		if (c->assert)
			sva_lockdep_assert_held(&c->m);
		c->n++;
		sva_mutex_unlock(&c->m);
	}
	return 0;
}

static int bump_setup(struct sva_world *w, void *arg)
{
	struct counter *c = arg;
	struct sva_actor *a;

	c->n = 0;
	sva_mutex_init(w, &c->m, "counter");
	for (int i = 0; i < 2; i++)
		if (sva_actor_spawn(w, "bump", bump, c, 0, &a))
			return -1;
	return 0;
}

static int bump_check(struct sva_world *w, void *arg, int run_result, char *msg, size_t len)
{
	struct counter *c = arg;

	(void)w;
	sva_mutex_destroy(&c->m);
	if (run_result || c->n != 4) {
		snprintf(msg, len, "run %d, counter %d", run_result, c->n);
		return -1;
	}
	return 0;
}

static unsigned long explored(bool assert)
{
	struct counter c = { .assert = assert };
	struct sva_program prog = {
		.name = "bump", .setup = bump_setup, .check = bump_check, .arg = &c
	};
	struct sva_explore_config cfg = { .preemption_bound = 2, .no_por = true };
	struct sva_explore_result res;

	assert_int_equal(sva_explore(&cfg, &prog, &res), 0);
	assert_int_equal(res.failures, 0);
	assert_true(res.exhausted);
	return res.schedules;
}

static void test_no_scheduling_point(void **state)
{
	(void)state;
	assert_int_equal(explored(true), explored(false));
	assert_true(explored(false) > 1);
}

struct guarded {
	struct sva_mutex a, b;
	SVA_GUARDED_BY(int) one; /* under a */
	SVA_GUARDED_BY(int) two; /* changed under a and b, read under either */
};

static void test_guarded_field_asserts_its_lock(void **state)
{
	(void)state;
	for (int be = 0; be < 2; be++) {
		struct sva_world *w = world(be ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE);
		struct guarded g = { 0 };

		sva_mutex_init(w, &g.a, "guard_a");
		sva_mutex_init(w, &g.b, "guard_b");
		sva_mutex_lock(&g.a);
		sva_guarded(&g.a, g.one) = 7;
		sva_guarded(&g.a, g.one)++;
		assert_int_equal(not_held(w), 0);
		sva_mutex_unlock(&g.a);
		assert_int_equal(sva_guarded(&g.a, g.one), 8); /* the value, and a report */
		assert_int_equal(not_held(w), 1);
		assert_non_null(strstr(sva_report_first(w), "mutex guard_a not held at "));
		assert_int_equal(sva_unguarded(g.one), 8);
		assert_int_equal(not_held(w), 1);

		sva_mutex_lock(&g.a);
		sva_guarded2(&g.a, &g.b, g.two) = 1; /* a change needs both: b is missing */
		assert_int_equal(not_held(w), 2);
		sva_mutex_lock(&g.b);
		sva_guarded2(&g.a, &g.b, g.two) = 2;
		sva_mutex_unlock(&g.a);
		assert_int_equal(sva_guarded2_read(&g.a, &g.b, g.two), 2); /* b alone reads */
		sva_mutex_unlock(&g.b);
		assert_int_equal(not_held(w), 2);
		assert_int_equal(sva_guarded2_read(&g.a, &g.b, g.two), 2); /* neither */
		assert_int_equal(not_held(w), 3);
		sva_mutex_destroy(&g.a);
		sva_mutex_destroy(&g.b);
		sva_world_destroy(w);
	}
}

/* The audit's line for @site in @path: the holds and the bare ones; false if absent. */
static bool audit_line(const char *path, const char *site, unsigned long *held, unsigned long *bare)
{
	char line[512], s[256];
	bool found = false;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long h, b;

		if (sscanf(line, "LOCKAUDIT %255s %lu %lu", s, &h, &b) == 3 && !strcmp(s, site)) {
			*held = h;
			*bare = b;
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void test_audit_counts_bare_sections(void **state)
{
	char path[] = "/tmp/sva-lockaudit-XXXXXX";
	int fd = mkstemp(path);
	unsigned long held = 0, bare = 0;
	const char *asserted = __FILE__ ":asserted", *bare_site = __FILE__ ":bare";
	struct sva_world *w;
	struct sva_mutex m;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	setenv("SVA_LOCK_AUDIT", path, 1);
	w = world(SVA_BACKEND_SIM);
	unsetenv("SVA_LOCK_AUDIT");
	sva_mutex_init(w, &m, "audited");
	for (int i = 0; i < 3; i++) {
		sva_mutex_lock_at(&m, asserted);
		sva_lockdep_assert_held(&m);
		sva_mutex_unlock(&m);
	}
	for (int i = 0; i < 2; i++) {
		sva_mutex_lock_at(&m, bare_site);
		sva_mutex_unlock(&m);
	}
	sva_mutex_destroy(&m);
	sva_world_destroy(w); /* writes the lines */
	assert_true(audit_line(path, asserted, &held, &bare));
	assert_int_equal(held, 3);
	assert_int_equal(bare, 0);
	assert_true(audit_line(path, bare_site, &held, &bare));
	assert_int_equal(held, 2);
	assert_int_equal(bare, 2);
	unlink(path);
}

/*
 * The audit of every kind of lock: a spinlock and an rw-semaphore (read and write) asserted
 * where taken, two mutexes asserted by "either" (both held: both count as asserted), two
 * released out of order (bare), and more sites than the audit's first table holds.
 */
static void test_audit_every_lock_kind(void **state)
{
	static const char *const asserted[] = { "spin:asserted", "sem:read", "sem:write",
						"either:a", "either:b" };
	static char many[40][48];
	char path[] = "/tmp/sva-lockaudit-XXXXXX";
	int fd = mkstemp(path);
	unsigned long held = 0, bare = 0;
	struct sva_spinlock sl;
	struct sva_rwsem sem;
	struct sva_mutex a, b;
	struct sva_world *w;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	setenv("SVA_LOCK_AUDIT", path, 1);
	w = world(SVA_BACKEND_SIM);
	unsetenv("SVA_LOCK_AUDIT");
	sva_spin_lock_init(w, &sl, "audited_spin");
	sva_rwsem_init(w, &sem, "audited_sem");
	sva_mutex_init(w, &a, "audited_a");
	sva_mutex_init(w, &b, "audited_b");
	sva_spin_lock_at(&sl, "spin:asserted");
	sva_lockdep_assert_held(&sl);
	sva_spin_unlock(&sl);
	sva_down_read_at(&sem, "sem:read");
	sva_lockdep_assert_held(&sem);
	sva_up_read(&sem);
	sva_down_write_at(&sem, "sem:write");
	sva_lockdep_assert_held_write(&sem);
	sva_up_write(&sem);
	sva_mutex_lock_at(&a, "either:a");
	sva_mutex_lock_at(&b, "either:b");
	sva_mutex_assert_either_held_at(&a, &b, "either");
	sva_mutex_unlock(&b);
	sva_mutex_unlock(&a);
	sva_mutex_lock_at(&a, "order:a");
	sva_mutex_lock_at(&b, "order:b");
	sva_mutex_unlock(&a); /* not the last taken */
	sva_mutex_unlock(&b);
	for (int i = 0; i < 40; i++) {
		snprintf(many[i], sizeof(many[i]), "many:%d", i);
		sva_mutex_lock_at(&a, many[i]);
		sva_mutex_unlock(&a);
	}
	sva_mutex_destroy(&b);
	sva_mutex_destroy(&a);
	sva_rwsem_destroy(&sem);
	sva_spin_lock_destroy(&sl);
	assert_int_equal(sva_report_total(w), 0);
	sva_world_destroy(w); /* writes the lines */
	for (size_t i = 0; i < sizeof(asserted) / sizeof(asserted[0]); i++) {
		if (!audit_line(path, asserted[i], &held, &bare))
			fail_msg("no line for %s", asserted[i]);
		assert_int_equal(held, 1);
		assert_int_equal(bare, 0);
	}
	assert_true(audit_line(path, "order:a", &held, &bare));
	assert_int_equal(bare, 1);
	assert_true(audit_line(path, "order:b", &held, &bare));
	assert_int_equal(bare, 1);
	for (int i = 0; i < 40; i++) {
		assert_true(audit_line(path, many[i], &held, &bare));
		assert_int_equal(held, 1);
		assert_int_equal(bare, 1);
	}
	unlink(path);
}

static unsigned long corrupt(struct sva_world *w)
{
	return sva_report_count(w, SVA_REPORT_LIST_CORRUPTION);
}

static size_t glist_len(struct sva_glist *gl)
{
	size_t n = 0;
	struct sva_list_head *pos;

	sva_list_for_each(pos, sva_glist_locked(gl, false))
		n++;
	return n;
}

static void test_glist_refuses_corrupting_changes(void **state)
{
	(void)state;
	for (int b = 0; b < 2; b++) {
		struct sva_world *w = world(b ? SVA_BACKEND_SIM : SVA_BACKEND_NATIVE);
		struct sva_list_head a = { 0 }, n = { 0 };
		struct sva_glist one, two;
		struct locks l;

		locks_init(w, &l);
		sva_glist_init(&one, &l.m);
		sva_glist_init(&two, &l.m);
		sva_mutex_lock(&l.m);
		sva_glist_add_tail(&a, &one); /* a zeroed node: on no list */
		assert_int_equal(corrupt(w), 0);
		sva_glist_add(&a, &two); /* already on one */
		assert_int_equal(corrupt(w), 1);
		assert_int_equal(glist_len(&one), 1);
		assert_int_equal(glist_len(&two), 0);
		sva_glist_add_tail(&a, &one); /* twice on the same list */
		assert_int_equal(corrupt(w), 2);
		assert_int_equal(glist_len(&one), 1);
		sva_glist_del(&a, &one);
		sva_glist_del(&a, &one); /* self-linked now: a no-op */
		assert_int_equal(corrupt(w), 2);
		assert_int_equal(glist_len(&one), 0);
		sva_glist_del(&n, &one); /* never added */
		assert_int_equal(corrupt(w), 3);
		sva_glist_del(sva_glist_unguarded(&one), &one); /* the head itself */
		assert_int_equal(corrupt(w), 4);
		assert_true(sva_list_empty(sva_glist_unguarded(&one)));
		sva_glist_add(&a, &two); /* a deleted node may go on another list */
		assert_int_equal(glist_len(&two), 1);
		sva_glist_del(&a, &two);
		sva_mutex_unlock(&l.m);
		assert_int_equal(corrupt(w), 4);
		assert_int_equal(not_held(w), 0);
		done(w, &l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_is_quiet),
		cmocka_unit_test(test_unheld_is_reported),
		cmocka_unit_test(test_held_by_another_is_reported),
		cmocka_unit_test(test_no_scheduling_point),
		cmocka_unit_test(test_guarded_field_asserts_its_lock),
		cmocka_unit_test(test_audit_counts_bare_sections),
		cmocka_unit_test(test_audit_every_lock_kind),
		cmocka_unit_test(test_glist_refuses_corrupting_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

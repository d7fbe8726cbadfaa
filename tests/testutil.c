/* SPDX-License-Identifier: MIT */
/* Helpers shared by the tests; see testutil.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/check.h"
#include "testutil.h"

struct sva_world *sva_test_world(enum sva_backend backend, uint64_t seed)
{
	struct sva_world_config c = { .backend = backend, .seed = seed };
	struct sva_world *w = NULL;

	assert_int_equal(sva_world_create(&c, &w), 0);
	assert_non_null(w);
	return w;
}

static void sva_test_null_sink(void *ctx, enum sva_log_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
}

void sva_test_quiet(struct sva_world *w)
{
	sva_world_set_log_sink(w, sva_test_null_sink, NULL);
}

void sva_test_world_done(struct sva_world *w)
{
	char leaks[256];
	long live = sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, leaks, sizeof(leaks));

	if (live)
		fprintf(stderr, "leak: %s\n", leaks);
	assert_int_equal(live, 0);
	if (sva_report_total(w))
		fprintf(stderr, "unexpected report: %s\n", sva_report_first(w));
	assert_int_equal(sva_report_total(w), 0);
	sva_world_destroy(w);
}

int sva_test_open_map(struct sva_task *t, const char *name)
{
	int fd = sva_sys_open(t, name);
	uint64_t a;

	if (fd < 0)
		return fd;
	return sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd,
			    0, &a);
}

const struct sva_test_backend sva_test_backends[4] = {
	{ SVA_BACKEND_NATIVE, 0 },
	{ SVA_BACKEND_SIM, 1 },
	{ SVA_BACKEND_SIM, 2 },
	{ SVA_BACKEND_SIM, 3 },
};

int sva_test_run_process(struct sva_kernel *k, sva_task_fn fn, void *arg)
{
	struct sva_process *p;
	int status = -1;

	assert_int_equal(sva_process_start(k, "proc", fn, arg, &p), 0);
	assert_int_equal(sva_process_wait(p, &status), 0);
	return status;
}

void sva_test_assert_replays(const struct sva_program *prog, const struct sva_explore_result *res)
{
	struct sva_world_config wc = { .backend = SVA_BACKEND_SIM,
				       .schedule = res->schedule,
				       .nonpreemptive = true };
	char schedule[4 * sizeof(res->schedule)], msg[sizeof(res->message)];

	assert_int_equal(
		sva_program_run_once(&wc, prog, schedule, sizeof(schedule), msg, sizeof(msg)),
		-EFAULT);
	assert_string_equal(msg, res->message);
	assert_string_equal(schedule, res->schedule);
}

char *sva_test_trace_string(struct sva_world *w, int (*writer)(struct sva_world *w, FILE *out))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(writer(w, f), 0);
	fclose(f);
	return buf;
}

/* ---- the fail-nth sweep ---- */

/* One run of @c with allocation @nth of its body failing (0: none): 0, or -1 and @msg. */
static int sva_test_fail_one(const struct sva_test_fail_case *c, struct sva_test_fail_run *r,
			     unsigned long *allocations, char *msg, size_t len)
{
	struct sva_checker *chk = NULL;
	struct sva_world *w = c->setup(c->arg);
	char where[160] = "nothing injected", leaks[256];
	unsigned long before;
	long live;
	int bad = 0;

	if (!w) {
		snprintf(msg, len, "%s: fail-nth %lu: setup failed", c->name, r->nth);
		return -1;
	}
	if (c->checker && sva_checker_attach(w, &chk)) {
		sva_world_destroy(w);
		snprintf(msg, len, "%s: fail-nth %lu: cannot attach the checker", c->name, r->nth);
		return -1;
	}
	before = sva_alloc_attempts(w);
	sva_alloc_fail_nth(w, r->nth);
	r->ret = c->body(w, c->arg);
	r->injected = sva_alloc_injection(w, &r->inj);
	sva_alloc_fail_nth(w, 0);
	if (allocations)
		*allocations = sva_alloc_attempts(w) - before;
	if (r->injected)
		snprintf(where, sizeof(where), "%s at %s", r->inj.type->name, r->inj.site);
	if (r->ret > 0 || r->ret < -4095 ||
	    (r->ret && r->ret != -ENOMEM && r->ret != c->also && r->injected))
		bad = snprintf(msg, len,
			       "%s: fail-nth %lu (%s): returned %d (%s), not 0 or -ENOMEM", c->name,
			       r->nth, where, r->ret, sva_strerror(r->ret));
	else if (r->ret && !r->injected)
		bad = snprintf(msg, len, "%s: fail-nth %lu: failed with nothing injected: %s",
			       c->name, r->nth, sva_strerror(r->ret));
	if (c->check && !bad)
		c->check(w, c->arg, r);
	if (c->teardown)
		c->teardown(w, c->arg, r);
	if (chk) {
		sva_checker_finish(chk);
		sva_checker_detach(chk);
	}
	live = sva_alloc_describe_live(w, SVA_TEST_IGNORED_TYPES, leaks, sizeof(leaks));
	if (live && !bad)
		bad = snprintf(msg, len, "%s: fail-nth %lu (%s): leak: %s", c->name, r->nth, where,
			       leaks);
	if (sva_report_total(w) && !bad)
		bad = snprintf(msg, len, "%s: fail-nth %lu (%s): %s", c->name, r->nth, where,
			       sva_report_first(w));
	sva_world_destroy(w);
	return bad ? -1 : 0;
}

int sva_test_fail_sweep_run(const struct sva_test_fail_case *c, struct sva_test_fail_stats *st,
			    char *msg, size_t len)
{
	struct sva_test_fail_stats local = { 0 };
	struct sva_test_fail_run r = { 0 };
	const char *all = getenv("SVA_TEST_FAIL_ALL");
	unsigned long total, step = 1;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	msg[0] = '\0';
	/* nothing injected: the body succeeds, and says how many allocations it makes */
	if (sva_test_fail_one(c, &r, &total, msg, len))
		return -1;
	st->allocations = total;
	if (c->quick && total > c->quick && !(all && strcmp(all, "1") == 0))
		step = (total + c->quick - 1) / c->quick;
	for (unsigned long n = 1;;) {
		r = (struct sva_test_fail_run){ .nth = n };
		if (sva_test_fail_one(c, &r, NULL, msg, len))
			return -1;
		if (!r.injected)
			break; /* past the body's last allocation */
		st->runs++;
		if (r.ret)
			st->errors++;
		else
			st->absorbed++;
		if (n > 16 * (total + 16)) {
			snprintf(msg, len,
				 "%s: fail-nth %lu still injects (%lu allocations counted)",
				 c->name, n, total);
			return -1;
		}
		if (n < total)
			n = n + step < total ? n + step : total; /* the last one always */
		else
			n++;
	}
	return 0;
}

void sva_test_fail_sweep(const struct sva_test_fail_case *c, struct sva_test_fail_stats *st)
{
	struct sva_test_fail_stats local;
	char msg[768];

	if (!st)
		st = &local;
	if (sva_test_fail_sweep_run(c, st, msg, sizeof(msg)))
		fail_msg("%s", msg);
	print_message("  fail-nth %s: %lu allocations, %lu runs failed one: %lu errors, %lu "
		      "absorbed\n",
		      c->name, st->allocations, st->runs, st->errors, st->absorbed);
}

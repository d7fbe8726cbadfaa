/* SPDX-License-Identifier: MIT */
/* Helpers shared by the tests; see testutil.h. */
#include <stdio.h>
#include <string.h>

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

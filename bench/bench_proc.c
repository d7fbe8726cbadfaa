/* SPDX-License-Identifier: MIT */
/*
 * Process lifecycles per second (figures, not tests): a parent forks a child that maps and
 * touches 1 MiB and exits; the parent waits for it. Sim and native:
 * proc.lifecycles_per_s.sim, proc.lifecycles_per_s.native.
 */
#include <stdio.h>
#include <time.h>

#include "sva/proc.h"

#define MIB (1024 * 1024)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int child_main(struct sva_task *t, void *arg)
{
	uint64_t a;

	(void)arg;
	if (sva_sys_mmap(t, 0, MIB, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &a))
		return 1;
	return sva_sys_touch(t, a, MIB, true) ? 2 : 0;
}

static int parent_main(struct sva_task *t, void *arg)
{
	long n = *(long *)arg;

	for (long i = 0; i < n; i++) {
		int status, pid = sva_sys_fork(t, "child", child_main, NULL);

		if (pid < 0 || sva_sys_wait(t, pid, &status) != pid || status)
			return 1;
	}
	return 0;
}

static void bench(enum sva_backend backend, long n, const char *name)
{
	struct sva_world_config wc = { .backend = backend, .seed = 1 };
	struct sva_kernel *k;
	struct sva_process *p;
	struct sva_world *w;
	int status = -1;
	double t;

	if (sva_world_create(&wc, &w) || sva_kernel_create(w, NULL, &k))
		return;
	t = now_s();
	if (sva_process_start(k, "parent", parent_main, &n, &p) == 0)
		sva_process_wait(p, &status);
	t = now_s() - t;
	if (status == 0)
		printf("BENCH %s %.0f lifecycles/s\n", name, (double)n / t);
	else
		printf("%s: the run failed (status %d)\n", name, status);
	sva_kernel_destroy(k);
	sva_world_destroy(w);
}

int main(void)
{
	bench(SVA_BACKEND_SIM, 2000, "proc.lifecycles_per_s.sim");
	bench(SVA_BACKEND_NATIVE, 2000, "proc.lifecycles_per_s.native");
	return 0;
}

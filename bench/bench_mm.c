/* SPDX-License-Identifier: MIT */
/*
 * mm benchmarks (figures, not tests):
 *  - mm.faults_per_s: demand-zero write faults per second (native, one actor, 64 MiB);
 *  - mm.cow_faults_per_s: copy-on-write breaks per second after a fork;
 *  - mm.fork_64mib_us: duplicating an mm with 64 MiB touched;
 *  - mm.swapin_faults_per_s: faults that bring reclaimed pages back.
 */
#include <stdio.h>
#include <time.h>

#include "sva/mm.h"

#define PAGE  SVA_PAGE_SIZE
#define PAGES 16384 /* 64 MiB */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double touch_all(struct sva_mm *mm, uint64_t a, size_t pages)
{
	double t = now_s();

	for (size_t i = 0; i < pages; i++)
		if (sva_mm_fault(mm, a + i * PAGE, SVA_FAULT_FLAG_WRITE))
			return -1;
	return now_s() - t;
}

int main(void)
{
	struct sva_mm_sys_config cfg = { .frames = 3 * PAGES };
	struct sva_mm_sys *sys;
	struct sva_mm *mm, *child;
	struct sva_world *w;
	uint64_t a;
	double t;

	if (sva_world_create(NULL, &w) || sva_mm_sys_create(w, &cfg, &sys) ||
	    sva_mm_create(sys, NULL, &mm) ||
	    sva_mm_mmap(mm, 0, PAGES * PAGE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &a))
		return 1;
	t = touch_all(mm, a, PAGES);
	printf("BENCH mm.faults_per_s %.0f faults/s\n", PAGES / t);

	t = now_s();
	if (sva_mm_dup(mm, "child", &child))
		return 1;
	t = now_s() - t;
	printf("BENCH mm.fork_64mib_us %.0f us\n", t * 1e6);
	t = touch_all(child, a, PAGES);
	printf("BENCH mm.cow_faults_per_s %.0f faults/s\n", PAGES / t);
	sva_mmput(child);

	sva_mm_sys_reclaim(sys, PAGES);
	t = touch_all(mm, a, PAGES);
	printf("BENCH mm.swapin_faults_per_s %.0f faults/s\n", PAGES / t);

	sva_mmput(mm);
	sva_mm_sys_destroy(sys);
	sva_world_destroy(w);
	return 0;
}

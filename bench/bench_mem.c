/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of physical memory and page tables (src/mem/), native backend, one thread:
 *
 *  - mem.page_alloc_free: ns per sva_page_alloc() + sva_page_put() pair (the frame is zeroed);
 *  - mem.pgtable_map:     ns per page to map a 64 MiB range: walk with alloc, write the leaf
 *                         (the data frames are allocated beforehand, untimed);
 *  - mem.hw_walk:         ns per hardware walk of a mapped page (ACCESSED already set);
 *  - mem.zap:             ns per page to zap the range, flush included (a flush that only
 *                         finishes), i.e. clearing, gathering and freeing frames and tables.
 *
 * Each figure is the best of its rounds: other processes on the machine only ever add time.
 * Output: one line per figure, "BENCH <name> <value> <unit>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sva/base.h"
#include "sva/mem.h"

#define RANGE_PAGES  16384u /* 64 MiB */
#define RANGE_BASE   0x7f0000000000ull
#define MAP_ROUNDS   30
#define WALK_PASSES  4 /* per round */
#define ALLOC_ROUNDS 5
#define ALLOC_NS     40000000ull /* per round */
#define ALLOC_BATCH  4096u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_mem: %s\n", what);
	exit(1);
}

static double best_of(double best, double ns)
{
	return best == 0 || ns < best ? ns : best;
}

static double bench_page_alloc_free(struct sva_world *w)
{
	struct sva_phys *phys;
	double best = 0;

	if (sva_phys_create(w, 1024, &phys))
		die("phys create");
	for (int r = 0; r < ALLOC_ROUNDS; r++) {
		uint64_t spent = 0, done = 0;

		while (spent < ALLOC_NS) {
			uint64_t t0 = now_ns();
			for (unsigned i = 0; i < ALLOC_BATCH; i++) {
				struct sva_page *p = sva_page_alloc(phys, SVA_PAGE_ANON);
				if (!p)
					die("page alloc");
				sva_page_put(p);
			}
			spent += now_ns() - t0;
			done += ALLOC_BATCH;
		}
		best = best_of(best, (double)spent / (double)done);
	}
	sva_phys_destroy(phys);
	return best;
}

struct pt_bench {
	struct sva_phys *phys;
	struct sva_pgtable pt;
	struct sva_page **pages;
	unsigned long flushes;
	double map, walk, zap;
};

static void flush_finish(struct sva_mmu_gather *tlb, void *ctx)
{
	struct pt_bench *b = ctx;

	b->flushes++;
	sva_tlb_finish(tlb);
}

static void pt_round_map(struct pt_bench *b)
{
	for (unsigned i = 0; i < RANGE_PAGES; i++) {
		b->pages[i] = sva_page_alloc(b->phys, SVA_PAGE_ANON);
		if (!b->pages[i])
			die("data page alloc");
	}
	uint64_t t0 = now_ns();
	for (unsigned i = 0; i < RANGE_PAGES; i++) {
		sva_pte_t *pte = sva_pgtable_walk(&b->pt, RANGE_BASE + (uint64_t)i * SVA_PAGE_SIZE,
						  true, NULL);
		if (!pte)
			die("walk");
		sva_pte_write(pte, sva_pte_make(b->pages[i]->pfn,
						SVA_PTE_PRESENT | SVA_PTE_USER | SVA_PTE_WRITE));
	}
	b->map = best_of(b->map, (double)(now_ns() - t0) / RANGE_PAGES);
}

static void pt_round_walk(struct pt_bench *b)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < RANGE_PAGES; i++) /* set ACCESSED first */
		sum += sva_pgtable_hw_walk(&b->pt, RANGE_BASE + (uint64_t)i * SVA_PAGE_SIZE, false);
	uint64_t t0 = now_ns();
	for (int p = 0; p < WALK_PASSES; p++)
		for (unsigned i = 0; i < RANGE_PAGES; i++)
			sum += sva_pgtable_hw_walk(&b->pt, RANGE_BASE + (uint64_t)i * SVA_PAGE_SIZE,
						   false);
	b->walk = best_of(b->walk, (double)(now_ns() - t0) / ((double)RANGE_PAGES * WALK_PASSES));
	if (!sum)
		die("nothing mapped");
}

static void pt_round_zap(struct pt_bench *b)
{
	struct sva_mmu_gather tlb;
	uint64_t t0 = now_ns();

	sva_tlb_gather_init(&tlb, b->phys, flush_finish, b);
	sva_pgtable_zap_range(&b->pt, RANGE_BASE, RANGE_BASE + RANGE_PAGES * SVA_PAGE_SIZE, &tlb,
			      NULL, NULL);
	sva_tlb_gather_done(&tlb);
	b->zap = best_of(b->zap, (double)(now_ns() - t0) / RANGE_PAGES);
}

static void bench_pgtable(struct sva_world *w, struct pt_bench *b)
{
	b->pages = calloc(RANGE_PAGES, sizeof(*b->pages));
	if (!b->pages)
		die("calloc");
	if (sva_phys_create(w, RANGE_PAGES + 64, &b->phys) || sva_pgtable_init(&b->pt, b->phys))
		die("arena / page table");
	for (int r = 0; r < MAP_ROUNDS; r++) {
		pt_round_map(b);
		pt_round_walk(b);
		pt_round_zap(b);
	}
	if (sva_phys_free_frames(b->phys) != sva_phys_total_frames(b->phys) - 2)
		die("frames lost");
	sva_pgtable_destroy(&b->pt);
	sva_phys_destroy(b->phys);
	free(b->pages);
}

int main(void)
{
	struct pt_bench b = { 0 };
	struct sva_world *w;

	if (sva_world_create(NULL, &w))
		die("world create");
	double alloc = bench_page_alloc_free(w);
	bench_pgtable(w, &b);
	if (sva_report_total(w) || sva_alloc_live(w, &sva_obj_phys))
		die("reports or arenas left");
	sva_world_destroy(w);

	printf("BENCH mem.page_alloc_free %.2f ns\n", alloc);
	printf("BENCH mem.pgtable_map %.2f ns\n", b.map);
	printf("BENCH mem.hw_walk %.2f ns\n", b.walk);
	printf("BENCH mem.zap %.2f ns\n", b.zap);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the software IOMMU walking the embedder's memory (src/drivers/swiommu/embed.c),
 * native backend, one thread - the same measures as bench_swiommu.c's translate.hit and
 * translate.miss, with first-stage tables in a guest memory of the benchmark's own, read
 * through a host-pointer backend (cfg.mem):
 *
 *  - embed.translate_hit:  ns per sva_translate() answered by the IOTLB;
 *  - embed.translate_miss: ns per sva_translate() that walks the guest's 4-level table through
 *                          the backend (an IOTLB of 1 x 1 and two pages used in turn: every
 *                          translation misses, walks, fills and evicts);
 *  - embed.setup_calls:    the libsva calls examples/embed_minimal.c makes to create an IOMMU
 *                          and a device, point a PASID at its table, translate once and tear
 *                          down (it counts them itself; tests/test_setup_calls.py checks the
 *                          count misses none). Not a time: the size of the smallest embedding.
 *
 * Each time is the best of its rounds. Output: "BENCH <name> <value> <unit>".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sva/swiommu.h"

#define ROUNDS 20
#define BATCH  200000u
#define PASID  1u

int sva_example_minimal(unsigned *calls); /* examples/embed_minimal.c */

/* PML4 at 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000: va 0x0 and 0x1000 mapped */
struct guest {
	uint64_t page[5][512];
};

static void *host_ptr(void *ctx, uint64_t gpa, size_t len)
{
	return gpa + len <= sizeof(struct guest) ? (char *)ctx + gpa : NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_embed: %s\n", what);
	exit(1);
}

/* ns per translation of @npages pages (1 or 2) used in turn, through an IOTLB of sets x ways. */
static double time_translate(struct guest *g, unsigned sets, unsigned ways, unsigned npages,
			     bool expect_hit)
{
	struct sva_swiommu_mem mem = { .host_ptr = host_ptr, .ctx = g };
	struct sva_swiommu_config ic = {
		.name = "bench", .iotlb_sets = sets, .iotlb_ways = ways, .mem = &mem
	};
	struct sva_swiommu_device_config dc = { .name = "bench-dev", .pasid_bits = 4 };
	struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };
	struct sva_translation t;
	struct sva_embed *e;
	struct sva_device *dev;
	double best = 0;
	uint64_t sum = 0;

	if (sva_embed_create(&cfg, &e))
		die("sva_embed_create");
	dev = sva_embed_device(e, 0);
	if (sva_swiommu_set_pasid_table(dev, PASID, 0x1000))
		die("set_pasid_table");
	for (unsigned i = 0; i < npages; i++) /* warm up */
		sva_translate(dev, PASID, (uint64_t)i << 12, SVA_ACCESS_READ, &t);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();
		double ns;

		for (unsigned i = 0; i < BATCH; i++) {
			if (sva_translate(dev, PASID, (uint64_t)(i % npages) << 12, SVA_ACCESS_READ,
					  &t))
				die("translate");
			sum += t.pfn;
			if (t.iotlb_hit != expect_hit || !t.embedder)
				die(expect_hit ? "expected hits" : "expected misses");
		}
		ns = (double)(now_ns() - t0) / BATCH;
		best = best == 0 || ns < best ? ns : best;
	}
	if (!sum)
		die("no frame");
	if (sva_embed_destroy(e))
		die("reports at teardown");
	return best;
}

int main(void)
{
	struct guest *g = calloc(1, sizeof(*g));
	unsigned calls;

	if (!g)
		die("no memory");
	for (int level = 1; level < 4; level++)
		g->page[level][0] = (uint64_t)(level + 1) * 4096 | SVA_PTE_PRESENT | SVA_PTE_WRITE |
				    SVA_PTE_USER;
	g->page[4][0] = 0x100000 | SVA_PTE_PRESENT | SVA_PTE_USER;
	g->page[4][1] = 0x101000 | SVA_PTE_PRESENT | SVA_PTE_USER;

	printf("BENCH embed.translate_hit %.2f ns\n", time_translate(g, 0, 0, 1, true));
	printf("BENCH embed.translate_miss %.2f ns\n", time_translate(g, 1, 1, 2, false));
	if (sva_example_minimal(&calls))
		die("examples/embed_minimal.c failed");
	printf("BENCH embed.setup_calls %u calls\n", calls);
	free(g);
	return 0;
}

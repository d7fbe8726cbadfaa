/* SPDX-License-Identifier: MIT */
/*
 * The smallest embedding: one IOMMU, one device, one first-stage table in the embedder's own
 * memory mapping one page, one translation, teardown. Every libsva call goes through CALL(),
 * which counts it: the program prints the count (the figure embed.setup_calls, also printed
 * by bench/bench_embed.c, which runs this same function), and tests/test_setup_calls.py
 * checks that no libsva call in this file escapes CALL().
 */
#include <stdio.h>
#include <stdlib.h>

#include "sva/swiommu.h"

#define CALL(expr) ((*calls)++, (expr))

/* the embedder's guest memory: page 0 unused, then PML4, PDPT, PD, PT (gpa 0x1000 up) */
struct guest {
	uint64_t page[5][512];
};

static void *host_ptr(void *ctx, uint64_t gpa, size_t len)
{
	return gpa + len <= sizeof(struct guest) ? (char *)ctx + gpa : NULL;
}

int sva_example_minimal(unsigned *calls);

/* 0 when the translation is the one the table holds; *@calls: the libsva calls made. */
int sva_example_minimal(unsigned *calls)
{
	struct guest *g = calloc(1, sizeof(*g));
	struct sva_swiommu_mem mem = { .host_ptr = host_ptr, .ctx = g };
	struct sva_swiommu_config ic = { .mem = &mem };
	struct sva_swiommu_device_config dc = { .name = "dev", .pasid_bits = 1 };
	struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };
	struct sva_tlb_entry te = { 0 };
	struct sva_embed *e;
	struct sva_device *dev;
	int ret;

	*calls = 0;
	if (!g)
		return 1;
	for (int level = 1; level < 4; level++) /* va 0x0: entry 0 of each table */
		g->page[level][0] = (uint64_t)(level + 1) * 4096 | SVA_PTE_PRESENT | SVA_PTE_WRITE |
				    SVA_PTE_USER;
	g->page[4][0] = 0x40000000 | SVA_PTE_PRESENT | SVA_PTE_USER; /* -> gpa 1 GiB, read-only */

	if (CALL(sva_embed_create(&cfg, &e))) {
		free(g);
		return 1;
	}
	dev = CALL(sva_embed_device(e, 0));
	ret = CALL(sva_swiommu_set_pasid_table(dev, 1, 0x1000));
	if (!ret)
		ret = CALL(sva_translate_entry(dev, 1, 0x123, SVA_ACCESS_READ, &te, NULL));
	if (CALL(sva_embed_destroy(e)))
		ret = 1;
	free(g);
	return ret || te.translated_addr != 0x40000000 || te.addr_mask != 0xfff;
}

#ifndef SVA_EXAMPLE_NO_MAIN
int main(void)
{
	unsigned calls;
	int ret = sva_example_minimal(&calls);

	printf("embed_minimal: %u libsva calls to create, translate once and tear down: %s\n",
	       calls, ret ? "FAILED" : "ok");
	return ret;
}
#endif

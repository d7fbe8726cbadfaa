/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the software IOMMU (src/drivers/swiommu/), native backend, one thread:
 *
 *  - translate.hit:          ns per sva_translate() answered by the IOTLB (PASID entry read,
 *                            lock-free set lookup);
 *  - translate.miss:         ns per sva_translate() that walks the 4-level table (tables in the
 *                            CPU cache): an IOTLB of 1 x 1 and two pages used in turn, so every
 *                            translation misses, walks, fills and evicts;
 *  - translate.ats:          ns per sva_ats_translate() of a cached page (IOTLB hit + ATC fill);
 *  - atc.lookup:             ns per sva_atc_lookup() hit;
 *  - dma.read_4k:            ns per sva_dma_read() of one page (section, translate, memcpy);
 *  - dma.read_8_miss:        ns per sva_dma_read() of 8 bytes that misses the IOTLB (1 x 1,
 *                            two pages in turn): a walk covered by the DMA section, so without
 *                            the walk section of a bare sva_translate();
 *  - sva.bind_unbind:        ns per sva_bind_device() + sva_unbind_device() pair of a live mm
 *                            (an SVA domain, notifier registration, PASID entry, flush, wait);
 *  - iotlb.stream_hit_rate:  % of IOTLB hits for sequential 64-byte DMA accesses over 1 MiB
 *                            with the default IOTLB (64 x 4), by a device without ATS (an ATS
 *                            device's accesses are the ATC's: the IOTLB sees one a page);
 *  - iopf.round_trip:        ns per page for a PRI-capable device writing 8 bytes into each page
 *                            of a mapping never touched: the translation faults, the page
 *                            request goes through the PRQ, its "prq" thread, the core's fault
 *                            queue and handler (handle_mm_fault), the response wakes the device,
 *                            which translates again and writes (three threads hand over);
 *  - dma.prefault_mbps, dma.demand_mbps, dma.prefault_vs_demand: MB/s of sva_dma_write() over a
 *    4 MiB buffer pre-faulted (MAP_POPULATE) and over one demand-faulted through PRI, in the
 *    same run, and their ratio (UADK measured about 3.6x on hardware; ours is the cost of a
 *    software round trip against a 4 KiB memcpy).
 *
 * Each time is the best of its rounds: other processes on the machine only ever add time.
 * Output: one line per figure, "BENCH <name> <value> <unit>". With valgrind installed,
 * translate.hit.instr and translate.miss.instr too: the instructions of one sva_translate()
 * (bench_instr.h: this program again under callgrind, `--instr hit|miss`).
 * `bench_swiommu translate` prints translate.hit and translate.miss only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "bench_instr.h"

#define ROUNDS	   20
#define BATCH	   200000u
#define BIND_BATCH 2000u
#define STREAM_LEN (1u << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_swiommu: %s\n", what);
	exit(1);
}

static double best_of(double best, double ns)
{
	return best == 0 || ns < best ? ns : best;
}

struct bench {
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	uint32_t pasid;
	uint64_t a;
	bool no_ats; /* the device without ATS: its DMA goes through the IOTLB, not the ATC */
};

static void bench_init(struct bench *b, unsigned sets, unsigned ways, uint64_t len)
{
	struct sva_mm_sys_config mc = { .frames = 4096 };
	struct sva_swiommu_config cfg = { .iotlb_sets = sets, .iotlb_ways = ways };
	struct sva_device_config dc = { .name = "bench", .pasid_bits = 20, .ats = !b->no_ats };

	if (sva_world_create(NULL, &b->w) || sva_mm_sys_create(b->w, &mc, &b->mm_sys) ||
	    sva_iommu_sys_create(b->mm_sys, &b->isys) ||
	    sva_swiommu_create(b->isys, &cfg, &b->sw) ||
	    sva_device_add(sva_swiommu_iommu(b->sw), &dc, &b->dev) ||
	    sva_mm_create(b->mm_sys, "bench", &b->mm) ||
	    sva_mm_mmap(b->mm, 0, len, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE, NULL, 0,
			&b->a) ||
	    sva_bind_device(b->dev, b->mm, &b->bond))
		die("setup");
	b->pasid = sva_bond_pasid(b->bond);
}

static void bench_fini(struct bench *b)
{
	sva_unbind_device(b->bond);
	sva_mmput(b->mm);
	sva_mm_sys_synchronize(b->mm_sys);
	sva_device_remove(b->dev);
	sva_swiommu_destroy(b->sw);
	sva_iommu_sys_destroy(b->isys);
	sva_mm_sys_destroy(b->mm_sys);
	if (sva_report_total(b->w))
		die(sva_report_first(b->w));
	sva_world_destroy(b->w);
}

/* ns per translation of @npages (a power of two) pages used in turn. */
static double time_translate(struct bench *b, unsigned npages, bool expect_hit)
{
	struct sva_translation t;
	double best = 0;
	uint64_t sum = 0;

	for (unsigned i = 0; i < npages; i++) /* warm up */
		sva_translate(b->dev, b->pasid, b->a + (uint64_t)i * SVA_PAGE_SIZE, SVA_ACCESS_READ,
			      &t);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < BATCH; i++) {
			uint64_t va = b->a + (uint64_t)(i & (npages - 1)) * SVA_PAGE_SIZE;

			if (sva_translate(b->dev, b->pasid, va, SVA_ACCESS_READ, &t))
				die("translate");
			sum += t.pfn;
			if (t.iotlb_hit != expect_hit)
				die(expect_hit ? "expected hits" : "expected misses");
		}
		best = best_of(best, (double)(now_ns() - t0) / BATCH);
	}
	if (!sum)
		die("no frame");
	return best;
}

static double time_ats(struct bench *b, bool lookup_only)
{
	struct sva_ats_completion c;
	double best = 0;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < BATCH; i++) {
			if (lookup_only ? !sva_atc_lookup(b->dev, b->pasid, b->a, &c)
					: sva_ats_translate(b->dev, b->pasid, b->a, &c) || !c.r)
				die("ats");
		}
		best = best_of(best, (double)(now_ns() - t0) / BATCH);
	}
	return best;
}

static double time_dma_read(struct bench *b)
{
	static char buf[SVA_PAGE_SIZE];
	double best = 0;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < BATCH / 20; i++)
			if (sva_dma_read(b->dev, b->pasid, b->a, buf, sizeof(buf), NULL))
				die("dma read");
		best = best_of(best, (double)(now_ns() - t0) / (BATCH / 20));
	}
	return best;
}

static double time_dma_miss(struct bench *b)
{
	double best = 0;
	uint64_t v, sum = 0;

	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < BATCH; i++) {
			if (sva_dma_read(b->dev, b->pasid, b->a + (uint64_t)(i & 1) * SVA_PAGE_SIZE,
					 &v, sizeof(v), NULL))
				die("dma read");
			sum += v;
		}
		best = best_of(best, (double)(now_ns() - t0) / BATCH);
	}
	return best + (double)(sum & 0); /* keep the reads */
}

static double time_bind_unbind(struct bench *b)
{
	double best = 0;

	for (int r = 0; r < ROUNDS / 4; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < BIND_BATCH; i++) {
			struct sva_bond *bond;

			if (sva_bind_device(b->dev, b->mm, &bond))
				die("bind");
			sva_unbind_device(bond);
		}
		best = best_of(best, (double)(now_ns() - t0) / BIND_BATCH);
		sva_mm_sys_synchronize(b->mm_sys); /* the deferred notifier frees, untimed */
	}
	return best;
}

/* Sequential 64-byte DMA reads over 1 MiB: the share answered by the IOTLB. */
static double stream_hit_rate(struct bench *b)
{
	struct sva_swiommu_stats s0, s1;
	char buf[64];

	sva_swiommu_get_stats(b->sw, &s0);
	for (uint64_t off = 0; off < STREAM_LEN; off += sizeof(buf))
		if (sva_dma_read(b->dev, b->pasid, b->a + off, buf, sizeof(buf), NULL))
			die("stream");
	sva_swiommu_get_stats(b->sw, &s1);
	return 100.0 * (double)(s1.iotlb_hits - s0.iotlb_hits) /
	       (double)(s1.iotlb_hits - s0.iotlb_hits + s1.iotlb_misses - s0.iotlb_misses);
}

/* ---- PRI: a PRI-capable device on memory never touched ---- */

#define PRI_PAGES  1024u /* 4 MiB */
#define PRI_ROUNDS 8

static void pri_init(struct bench *b)
{
	struct sva_mm_sys_config mc = { .frames = 4 * PRI_PAGES };
	struct sva_device_config dc = {
		.name = "bench", .pasid_bits = 20, .ats = true, .pri = true
	};

	if (sva_world_create(NULL, &b->w) || sva_mm_sys_create(b->w, &mc, &b->mm_sys) ||
	    sva_iommu_sys_create(b->mm_sys, &b->isys) ||
	    sva_swiommu_create(b->isys, NULL, &b->sw) ||
	    sva_device_add(sva_swiommu_iommu(b->sw), &dc, &b->dev) ||
	    sva_mm_create(b->mm_sys, "bench", &b->mm) || sva_bind_device(b->dev, b->mm, &b->bond))
		die("PRI setup");
	b->pasid = sva_bond_pasid(b->bond);
}

/* A fresh 4 MiB mapping, populated or not. */
static uint64_t pri_map(struct bench *b, bool populate)
{
	uint64_t a;

	if (sva_mm_mmap(b->mm, 0, (uint64_t)PRI_PAGES * SVA_PAGE_SIZE,
			SVA_PROT_READ | SVA_PROT_WRITE, populate ? SVA_MAP_POPULATE : 0, NULL, 0,
			&a))
		die("mmap");
	return a;
}

static void pri_unmap(struct bench *b, uint64_t a)
{
	if (sva_mm_munmap(b->mm, a, (uint64_t)PRI_PAGES * SVA_PAGE_SIZE))
		die("munmap");
}

/* ns per page: 8 bytes written into each page of a mapping never touched. */
static double time_iopf_round_trip(struct bench *b)
{
	double best = 0;
	uint64_t v = 42;

	for (int r = 0; r < PRI_ROUNDS; r++) {
		uint64_t a = pri_map(b, false), t0 = now_ns();
		struct sva_dma_status st;

		for (unsigned i = 0; i < PRI_PAGES; i++)
			if (sva_dma_write(b->dev, b->pasid, a + (uint64_t)i * SVA_PAGE_SIZE, &v,
					  sizeof(v), &st) ||
			    st.pri_requests != 1)
				die("round trip");
		best = best_of(best, (double)(now_ns() - t0) / PRI_PAGES);
		pri_unmap(b, a);
	}
	return best;
}

/* ns for one sva_dma_write() of the whole 4 MiB: pre-faulted or demand-faulted. */
static double time_dma_fill(struct bench *b, bool populate)
{
	static char buf[PRI_PAGES * SVA_PAGE_SIZE];
	double best = 0;

	memset(buf, 0x5a, sizeof(buf));
	for (int r = 0; r < PRI_ROUNDS; r++) {
		uint64_t a = pri_map(b, populate), t0 = now_ns();
		struct sva_dma_status st;

		if (sva_dma_write(b->dev, b->pasid, a, buf, sizeof(buf), &st) ||
		    st.pri_requests != (populate ? 0 : PRI_PAGES))
			die("fill");
		best = best_of(best, (double)(now_ns() - t0));
		pri_unmap(b, a);
	}
	return best;
}

#define INSTR_OPS 20000u

/* --instr hit|miss: INSTR_OPS translations (the warm-up's included in the count), untimed. */
static int instr_mode(const char *mode)
{
	bool hit = !strcmp(mode, "hit");
	struct bench b = { 0 };
	struct sva_translation t;
	uint64_t sum = 0;

	bench_init(&b, hit ? 0 : 1, hit ? 0 : 1, 2 * SVA_PAGE_SIZE);
	for (unsigned i = 0; i < INSTR_OPS; i++) {
		if (sva_translate(b.dev, b.pasid, b.a + (uint64_t)(hit ? 0 : i & 1) * SVA_PAGE_SIZE,
				  SVA_ACCESS_READ, &t))
			die("translate");
		sum += t.pfn;
		if (i && t.iotlb_hit != hit)
			die(hit ? "expected hits" : "expected misses");
	}
	bench_fini(&b);
	return sum ? 0 : 1;
}

/* `bench_swiommu translate`: translate.hit and translate.miss only, for quick comparisons. */
static int bench_translate_only(void)
{
	struct bench b = { 0 };
	double hit, miss;

	bench_init(&b, 1, 1, 2 * SVA_PAGE_SIZE);
	miss = time_translate(&b, 2, false);
	bench_fini(&b);
	bench_init(&b, 0, 0, SVA_PAGE_SIZE);
	hit = time_translate(&b, 1, true);
	bench_fini(&b);
	printf("BENCH translate.hit %.2f ns\n", hit);
	printf("BENCH translate.miss %.2f ns\n", miss);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const translate_fns[] = { "sva_translate", NULL };
	struct bench b = { 0 };
	double hit, miss, dma_miss, ats, atc, dma, bind, stream, round_trip, prefault, demand;

	if (argc == 3 && !strcmp(argv[1], "--instr"))
		return instr_mode(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "translate"))
		return bench_translate_only();

	bench_init(&b, 1, 1, 2 * SVA_PAGE_SIZE);
	miss = time_translate(&b, 2, false);
	dma_miss = time_dma_miss(&b);
	bench_fini(&b);

	bench_init(&b, 0, 0, STREAM_LEN);
	hit = time_translate(&b, 1, true);
	ats = time_ats(&b, false);
	atc = time_ats(&b, true);
	dma = time_dma_read(&b);
	bind = time_bind_unbind(&b);
	bench_fini(&b);

	/* an ATS device's stream would be the ATC's, one IOTLB lookup a page (its request) */
	b.no_ats = true;
	bench_init(&b, 0, 0, STREAM_LEN);
	stream = stream_hit_rate(&b);
	bench_fini(&b);
	b.no_ats = false;

	pri_init(&b);
	round_trip = time_iopf_round_trip(&b);
	prefault = time_dma_fill(&b, true);
	demand = time_dma_fill(&b, false);
	bench_fini(&b);

	printf("BENCH translate.hit %.2f ns\n", hit);
	printf("BENCH translate.miss %.2f ns\n", miss);
	printf("BENCH translate.ats %.2f ns\n", ats);
	printf("BENCH atc.lookup %.2f ns\n", atc);
	printf("BENCH dma.read_4k %.2f ns\n", dma);
	printf("BENCH dma.read_8_miss %.2f ns\n", dma_miss);
	printf("BENCH sva.bind_unbind %.0f ns\n", bind);
	printf("BENCH iotlb.stream_hit_rate %.2f %%\n", stream);
	printf("BENCH iopf.round_trip %.0f ns\n", round_trip);
	printf("BENCH dma.prefault_mbps %.0f MB/s\n", PRI_PAGES * SVA_PAGE_SIZE / prefault * 1e3);
	printf("BENCH dma.demand_mbps %.0f MB/s\n", PRI_PAGES * SVA_PAGE_SIZE / demand * 1e3);
	printf("BENCH dma.prefault_vs_demand %.2f ratio\n", demand / prefault);
	if (bench_instr_enabled()) {
		bench_instr_print("translate.hit",
				  bench_instr(argv[0], "hit", translate_fns, INSTR_OPS),
				  "per sva_translate() hit");
		bench_instr_print("translate.miss",
				  bench_instr(argv[0], "miss", translate_fns, INSTR_OPS),
				  "per sva_translate() miss: walk, fill, evict");
	}
	return 0;
}

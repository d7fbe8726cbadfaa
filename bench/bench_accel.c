/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the software accelerator (src/drivers/accel/), native backend: a process opens a
 * shared WQ through the client library and keeps it busy with MEMMOVE descriptors, in rounds
 * of 32 (submitted with ENQCMD, then each completion record polled), buffers pre-touched:
 *
 *  - accel.memmove_4k.e<N>:     descriptors per second, 4 KiB each, N engines;
 *  - accel.memmove_4k_mbps.e<N>: the same run in MB/s (10^6 bytes per second);
 *  - accel.memmove_64k_mbps.e<N>: MB/s with 64 KiB descriptors (16 pages each);
 *  - accel.desc_per_s:          64-byte MEMMOVE descriptors per second, one engine (the cost of
 *                               a descriptor itself: submission, dispatch, completion record);
 *  - accel.memmove_vs_memcpy.<size>: the accelerator's MEMMOVE rate (one engine, bytes per
 *                               second) divided by memcpy's on the same sizes in the same run
 *                               (1.0 = memcpy), for 4k, 64k and 1m descriptors: a ratio, so it
 *                               survives the noise of a shared machine better than either rate;
 *  - crc32c.sw_mbps:            the table-free CRC32C the engines use, MB/s on one thread.
 *
 * The engine copies frame to frame in DMA runs (one in-flight section over the pages, a lookup
 * per page and direction - in the engine's memo of pages for a descriptor of up to 32 pages
 * each way, else the IOTLB - no buffer), polls its queue before it sleeps, and the
 * submitting thread polls the record with a system call, a pause between polls and a yield
 * every 16; on a 2-core machine the engine and the poller each take a core. Each figure is the
 * best of its rounds. Output: "BENCH <name> <value> <unit>"; with valgrind installed also
 * <name>.instr for desc_per_s and the three memmove_vs_memcpy sizes: the instructions of a
 * descriptor's submission and execution (sva_accel_client_submit, sva_accel_run: the polls
 * excluded, as their count depends on timing), bench_instr.h. `bench_accel NAME` runs one
 * figure (desc, 4k, 64k, 1m, instr).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sva/accel.h"
#include "sva/swiommu.h"
#include "bench_instr.h"

#define ROUNDS 7
#define BATCH  32u

/* Rounds of a run: ROUNDS, or one when counting instructions under callgrind. */
static int instr_rounds = ROUNDS;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_accel: %s: %s\n", what, sva_strerror(err));
	exit(1);
}

static double best_of(double best, double ns)
{
	return best == 0 || ns < best ? ns : best;
}

struct run {
	uint32_t size;	/* bytes per descriptor */
	unsigned n;	/* descriptors per round */
	double best_ns; /* best round */
	int err;
};

static int run_fail(struct run *r, int err, int code)
{
	r->err = err;
	return code;
}

static int run_task(struct sva_task *t, void *arg)
{
	static const struct dsa_completion_record zero[BATCH];
	struct run *r = arg;
	struct sva_accel_client *c;
	uint64_t comp, src, dst;
	int ret;

	ret = sva_accel_client_open(t, "dsa0wq0", &c);
	if (ret)
		return run_fail(r, ret, 1);
	if ((ret = sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE,
				SVA_MAP_POPULATE, -1, 0, &comp)) ||
	    (ret = sva_sys_mmap(t, 0, r->size, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE, -1,
				0, &src)) ||
	    (ret = sva_sys_mmap(t, 0, r->size, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE, -1,
				0, &dst)))
		return run_fail(r, ret, 2);
	for (int round = 0; round < instr_rounds; round++) {
		uint64_t t0 = now_ns();

		for (unsigned done = 0; done < r->n; done += BATCH) {
			struct dsa_completion_record rec;
			struct dsa_hw_desc d;

			sva_sys_write_mem(t, comp, zero, sizeof(zero));
			for (unsigned i = 0; i < BATCH; i++) {
				sva_dsa_desc_memmove(&d, dst, src, r->size, comp + 32 * i);
				ret = sva_accel_client_submit(t, c, &d);
				if (ret)
					return run_fail(r, ret, 3);
			}
			for (unsigned i = 0; i < BATCH; i++) {
				ret = sva_accel_client_wait(t, c, comp + 32 * i, &rec, 0);
				if (ret || rec.status != DSA_COMP_SUCCESS)
					return run_fail(r, ret ? ret : -EIO, 4);
			}
		}
		r->best_ns = best_of(r->best_ns, (double)(now_ns() - t0));
	}
	sva_accel_client_close(t, c);
	return 0;
}

/* One machine with @engines engines; returns the best ns for @n descriptors of @size bytes. */
static double bench_memmove(unsigned engines, uint32_t size, unsigned n)
{
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = { .name = "dsa", .pasid_bits = 20 };
	struct sva_accel_config acfg = {
		.name = "dsa0",
		.engines = engines,
		.nwqs = 1,
		.wqs = { { .mode = SVA_ACCEL_WQ_SHARED, .depth = BATCH } },
	};
	struct run r = { .size = size, .n = n };
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_process *p;
	struct sva_kernel *k;
	struct sva_world *w;
	struct sva_accel *a;
	int ret, status = -1;

	if ((ret = sva_world_create(NULL, &w)) || (ret = sva_kernel_create(w, NULL, &k)) ||
	    (ret = sva_iommu_sys_create(sva_kernel_mm_sys(k), &isys)) ||
	    (ret = sva_swiommu_create(isys, &scfg, &sw)) ||
	    (ret = sva_device_add(sva_swiommu_iommu(sw), &dcfg, &dev)) ||
	    (ret = sva_accel_create(k, dev, &acfg, &a)))
		die("setup", ret);
	if ((ret = sva_process_start(k, "bench", run_task, &r, &p)) ||
	    (ret = sva_process_wait(p, &status)))
		die("process", ret);
	if (status)
		die("run", r.err);
	sva_kernel_quiesce(k);
	sva_accel_destroy(a);
	sva_kernel_quiesce(k);
	sva_device_remove(dev);
	sva_swiommu_destroy(sw);
	sva_iommu_sys_destroy(isys);
	sva_kernel_destroy(k);
	sva_world_destroy(w);
	return r.best_ns;
}

/*
 * memcpy of @size bytes between two touched buffers, @n times a round: the best round's ns. The
 * empty asm makes the copies observable, so the compiler keeps every one.
 */
static double bench_memcpy(size_t size, unsigned n)
{
	uint8_t *src = malloc(size), *dst = malloc(size);
	double best = 0;

	if (!src || !dst)
		die("malloc", -ENOMEM);
	memset(src, 0x5a, size);
	memset(dst, 0, size);
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < n; i++) {
			memcpy(dst, src, size);
			__asm__ volatile("" : : "r"(dst), "r"(src) : "memory");
		}
		best = best_of(best, (double)(now_ns() - t0));
	}
	free(src);
	free(dst);
	return best;
}

/* MEMMOVE on one engine against memcpy, @n descriptors of @size bytes each. */
static void bench_vs_memcpy(const char *label, uint32_t size, unsigned n)
{
	double accel = bench_memmove(1, size, n);
	double cpu = bench_memcpy(size, n);

	printf("BENCH accel.memmove_vs_memcpy.%s %.3f ratio (accel %.0f MB/s, memcpy %.0f MB/s)\n",
	       label, cpu / accel, (double)n * size / accel * 1e3, (double)n * size / cpu * 1e3);
}

static void bench_crc(void)
{
	const size_t len = 1u << 20;
	uint8_t *buf = malloc(len);
	double best = 0;
	uint32_t sum = 0;

	if (!buf)
		die("malloc", -ENOMEM);
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 31);
	for (int round = 0; round < ROUNDS; round++) {
		uint64_t t0 = now_ns();

		sum = sva_crc32c(sum, buf, len);
		best = best_of(best, (double)(now_ns() - t0));
	}
	free(buf);
	printf("BENCH crc32c.sw_mbps %.0f MB/s (crc %08x)\n", (double)len / best * 1e3, sum);
}

/* The one-engine figures: name, descriptor size, descriptors per round. */
static const struct figure {
	const char *mode;
	uint32_t size;
	unsigned n;
} figures[] = {
	{ "desc", 64, 8192 },
	{ "4k", 4096, 4096 },
	{ "64k", 65536, 512 },
	{ "1m", 1u << 20, 64 },
};

/* Descriptors counted under callgrind (a multiple of BATCH): fewer for the large ones. */
static unsigned instr_ops(const struct figure *f)
{
	return f->size >= 65536 ? 2 * BATCH : 8 * BATCH;
}

/* --instr MODE: one round of MODE's descriptors (instructions counted by the caller). */
static int instr_mode(const char *mode)
{
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		if (!strcmp(mode, figures[i].mode)) {
			instr_rounds = 1;
			bench_memmove(1, figures[i].size, instr_ops(&figures[i]));
			return 0;
		}
	return 2;
}

int main(int argc, char **argv)
{
	/* a descriptor's work: its submission, and its execution with its record written */
	static const char *const fns[] = { "sva_accel_client_submit", "sva_accel_run", NULL };
	const char *only = argc == 2 ? argv[1] : NULL;

	if (argc == 3 && !strcmp(argv[1], "--instr"))
		return instr_mode(argv[2]);
	for (unsigned engines = 1; engines <= 2 && !only; engines++) {
		unsigned n = 4096;
		double ns = bench_memmove(engines, 4096, n);

		printf("BENCH accel.memmove_4k.e%u %.0f desc/s\n", engines, n / ns * 1e9);
		printf("BENCH accel.memmove_4k_mbps.e%u %.0f MB/s\n", engines,
		       (double)n * 4096 / ns * 1e3);
		n = 512;
		ns = bench_memmove(engines, 65536, n);
		printf("BENCH accel.memmove_64k_mbps.e%u %.0f MB/s\n", engines,
		       (double)n * 65536 / ns * 1e3);
	}
	if (!only || !strcmp(only, "desc")) {
		unsigned n = figures[0].n;
		double ns = bench_memmove(1, 64, n);

		printf("BENCH accel.desc_per_s %.0f desc/s (64-byte MEMMOVE, 1 engine)\n",
		       n / ns * 1e9);
	}
	for (size_t i = 1; i < sizeof(figures) / sizeof(figures[0]); i++)
		if (!only || !strcmp(only, figures[i].mode))
			bench_vs_memcpy(figures[i].mode, figures[i].size, figures[i].n);
	if (!only)
		bench_crc();
	if (!bench_instr_enabled() || (only && strcmp(only, "instr")))
		return 0;
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		const struct figure *f = &figures[i];
		char name[64];

		snprintf(name, sizeof(name), i ? "accel.memmove_vs_memcpy.%s" : "accel.desc_per_s",
			 f->mode);
		bench_instr_print(name, bench_instr(argv[0], f->mode, fns, instr_ops(f)),
				  "per descriptor: submission and execution, polls excluded");
	}
	return 0;
}

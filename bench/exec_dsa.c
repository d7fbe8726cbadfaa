/* SPDX-License-Identifier: MIT */
/*
 * A real DSA program, written as one is for the hardware (no libsva in it): it opens
 * /dev/dsa/wq0.1 (a dedicated WQ), maps its portal, submits struct dsa_hw_desc memmoves with
 * MOVDIR64B and polls the completion records. Under `sva exec` (scripts/bench.sh runs it so)
 * libsva's device does the work on this process's memory. It prints:
 *
 *   dsa.exec_desc_per_s            64-byte memmoves through the portal, 8 in flight
 *   dsa.exec_memmove_vs_memcpy.1m  the speed of a 1 MiB memmove on the device against memcpy
 *                                  in this same process (medians of the same run: a ratio)
 *
 * It checks every byte it moved and exits non-zero on any difference or error status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/idxd.h>

#define INFLIGHT 8
#define SMALL	 64
#define BIG	 (1u << 20)
#define ROUNDS	 15

static inline void movdir64b(volatile void *portal, const void *desc)
{
	__asm__ volatile("sfence\n\t.byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 :
			 : "a"(portal), "d"(desc)
			 : "memory");
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int wait_rec(volatile struct dsa_completion_record *c)
{
	double end = now_s() + 10;

	while (!c->status)
		if (now_s() > end)
			return -1;
	return (c->status & DSA_COMP_STATUS_MASK) == DSA_COMP_SUCCESS ? 0 : -1;
}

static void memmove_desc(struct dsa_hw_desc *d, void *dst, const void *src, uint32_t len,
			 struct dsa_completion_record *c)
{
	memset(d, 0, sizeof(*d));
	d->opcode = DSA_OPCODE_MEMMOVE;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_BOF | IDXD_OP_FLAG_CC;
	d->src_addr = (uintptr_t)src;
	d->dst_addr = (uintptr_t)dst;
	d->xfer_size = len;
	d->completion_addr = (uintptr_t)c;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* 64-byte memmoves, INFLIGHT at a time: descriptors per second. */
static int bench_small(volatile void *portal, long n)
{
	static struct dsa_completion_record comps[INFLIGHT] __attribute__((aligned(32)));
	static uint8_t src[INFLIGHT][SMALL], dst[INFLIGHT][SMALL];
	struct dsa_hw_desc d __attribute__((aligned(64)));
	double t0 = now_s(), t;

	for (int i = 0; i < INFLIGHT; i++)
		memset(src[i], i + 1, SMALL);
	for (long done = 0; done < n; done += INFLIGHT) {
		for (int i = 0; i < INFLIGHT; i++) {
			comps[i].status = 0;
			memmove_desc(&d, dst[i], src[i], SMALL, &comps[i]);
			movdir64b(portal, &d);
		}
		for (int i = 0; i < INFLIGHT; i++)
			if (wait_rec(&comps[i]) || memcmp(dst[i], src[i], SMALL)) {
				fprintf(stderr, "exec_dsa: memmove %ld failed (status %#x)\n",
					done + i, comps[i].status);
				return -1;
			}
	}
	t = now_s() - t0;
	printf("BENCH dsa.exec_desc_per_s %.0f desc/s\n", (double)n / t);
	return 0;
}

/* 1 MiB memmove on the device against memcpy here: the speed ratio of medians. */
static int bench_big(volatile void *portal)
{
	static struct dsa_completion_record comp __attribute__((aligned(32)));
	struct dsa_hw_desc d __attribute__((aligned(64)));
	uint8_t *src = malloc(BIG), *dst = malloc(BIG);
	double dev[ROUNDS], cpu[ROUNDS];

	if (!src || !dst)
		return -1;
	for (unsigned i = 0; i < BIG; i++)
		src[i] = (uint8_t)(i * 7 + 3);
	memset(dst, 0, BIG);
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_s();

		memcpy(dst, src, BIG);
		__asm__ volatile("" ::: "memory");
		cpu[r] = now_s() - t0;
		memset(dst, 0, BIG);
		comp.status = 0;
		memmove_desc(&d, dst, src, BIG, &comp);
		t0 = now_s();
		movdir64b(portal, &d);
		if (wait_rec(&comp) || memcmp(dst, src, BIG)) {
			fprintf(stderr, "exec_dsa: 1 MiB memmove failed (status %#x)\n",
				comp.status);
			return -1;
		}
		dev[r] = now_s() - t0;
	}
	printf("BENCH dsa.exec_memmove_vs_memcpy.1m %.4f ratio\n",
	       median(cpu, ROUNDS) / median(dev, ROUNDS));
	free(src);
	free(dst);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/dev/dsa/wq0.1";
	long n = argc > 2 ? atol(argv[2]) : 20000;
	void *portal;
	int fd = open(path, O_RDWR);

	if (fd < 0) {
		perror(path);
		return 1;
	}
	portal = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (portal == MAP_FAILED) {
		perror("mmap portal");
		return 1;
	}
	if (bench_small(portal, n) || bench_big(portal))
		return 1;
	munmap(portal, 4096);
	close(fd);
	return 0;
}

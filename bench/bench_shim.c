/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the portal shim's trap (tools/sva/shim/), linked in, with a forwarder that only
 * counts: what a portal store costs a real program before the daemon sees it - the fault, the
 * signal delivery, the decode, two process_vm_readv (the instruction, the 64 bytes), the
 * answer and sigreturn. The daemon's ioctl comes on top (FUSE: a round trip to the daemon).
 *
 *  - shim.movdir64b_trap_ns: ns per MOVDIR64B to a portal (#PF, SIGSEGV);
 *  - shim.enqcmd_trap_ns:    ns per ENQCMD (#UD or #GP where the CPU lacks or hides it).
 *
 * The portals' directory is a temporary one (SVA_EXEC_PORTAL_DIR, read by the shim's
 * constructor: the program runs itself again with it set). Best of its rounds.
 * Output: one line per figure, "BENCH <name> <value> <unit>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../tools/sva/shim/shim.h"

#define ROUNDS 10
#define STORES 20000

static unsigned long forwarded;

static int counting_forwarder(int fd, const struct sva_exec_store *s)
{
	(void)fd;
	(void)s;
	forwarded++;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint8_t src[64] __attribute__((aligned(64))) = { 1 };
	char dir[] = "/tmp/sva-bench-shim-XXXXXX", path[64];
	double best[2] = { 1e30, 1e30 };
	uint8_t *portal;
	int fd;

	(void)argc;
	if (!getenv("SVA_EXEC_PORTAL_DIR")) {
		if (!mkdtemp(dir))
			return 1;
		setenv("SVA_EXEC_PORTAL_DIR", dir, 1);
		execv("/proc/self/exe", argv);
		return 1;
	}
	sva_shim_set_forwarder(counting_forwarder);
	snprintf(path, sizeof(path), "%s/wq0.0", getenv("SVA_EXEC_PORTAL_DIR"));
	fd = open(path, O_RDWR | O_CREAT, 0600);
	if (fd < 0 || ftruncate(fd, 4096))
		return 1;
	portal = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED, fd, 0);
	if (portal == MAP_FAILED || sva_shim_nportals() != 1) {
		fprintf(stderr, "bench_shim: no portal\n");
		return 1;
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < STORES; i++)
			asm volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02" ::"a"(portal), "d"(src)
				     : "memory");
		double t = (double)(now_ns() - t0) / STORES;
		if (t < best[0])
			best[0] = t;
		t0 = now_ns();
		for (int i = 0; i < STORES; i++)
			asm volatile(".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02" ::"a"(portal), "d"(src)
				     : "memory", "cc");
		t = (double)(now_ns() - t0) / STORES;
		if (t < best[1])
			best[1] = t;
	}
	munmap(portal, 4096);
	close(fd);
	unlink(path);
	rmdir(getenv("SVA_EXEC_PORTAL_DIR"));
	if (forwarded != 2ul * ROUNDS * STORES) {
		fprintf(stderr, "bench_shim: %lu stores forwarded\n", forwarded);
		return 1;
	}
	printf("BENCH shim.movdir64b_trap_ns %.0f ns\n", best[0]);
	printf("BENCH shim.enqcmd_trap_ns %.0f ns\n", best[1]);
	return 0;
}

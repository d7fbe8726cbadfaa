/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of a real process's memory as the exec daemon's device reaches it
 * (tools/sva/exec/procmem.c), on a forked child holding 1 MiB:
 *
 *  - procmem.read_1m_ns:   ns to read the 1 MiB, page by page (256 sva_procmem_access calls,
 *                          one pread of /proc/PID/mem each), the permissions asked of the
 *                          kernel per page (PROCMAP_QUERY) where it answers;
 *  - procmem.write_1m_ns:  the same, written;
 *  - procmem.read_1m_cache_ns: the read with the maps cache (a kernel without PROCMAP_QUERY),
 *                          after one sva_procmem_refresh - as the engine's per descriptor;
 *  - procmem.maps_refresh_ns: one re-read and parse of the child's /proc/PID/maps;
 *  - procmem.read_1m_refresh_per_page_ns: the cache's read with maps re-read before every page,
 *                          what the cache saves (its ratio to read_1m_cache_ns is printed too).
 *
 * Each figure is the best of its rounds: other processes on the machine only ever add time.
 * Output: one line per figure, "BENCH <name> <value> <unit>".
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tools/sva/exec/procmem.h"

#define PAGE   4096u
#define MIB    (1u << 20)
#define ROUNDS 30

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_procmem: %s: %d\n", what, rc);
	exit(1);
}

/* one pass over the 1 MiB: ns */
static uint64_t pass(struct sva_procmem *pm, uint64_t va, uint8_t *buf, int write,
		     int refresh_per_page)
{
	uint64_t t0 = now_ns();
	int rc = sva_procmem_exact(pm) ? 0 : sva_procmem_refresh(pm); /* per descriptor */

	if (rc)
		die("refresh", rc);
	for (uint64_t off = 0; off < MIB; off += PAGE) {
		if (refresh_per_page && (rc = sva_procmem_refresh(pm)))
			die("refresh", rc);
		rc = sva_procmem_access(pm, va + off, buf + off, PAGE, write);
		if (rc)
			die("access", rc);
	}
	return now_ns() - t0;
}

int main(void)
{
	int fds[2];
	uint64_t va;
	pid_t pid;
	struct sva_procmem *pm;
	uint8_t *buf = malloc(MIB);
	uint64_t best[5] = { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX };
	struct sva_procmem *cached;

	if (!buf || pipe(fds))
		die("setup", -1);
	pid = fork();
	if (pid == 0) {
		uint8_t *mem = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		memset(mem, 0x5a, MIB);
		va = (uintptr_t)mem;
		if (write(fds[1], &va, sizeof(va)) != sizeof(va))
			_exit(1);
		for (;;)
			pause(); /* until killed */
		_exit(0);
	}
	if (read(fds[0], &va, sizeof(va)) != sizeof(va))
		die("child", -1);
	int rc = sva_procmem_open(pid, &pm);
	if (rc || (rc = sva_procmem_open(pid, &cached)))
		die("sva_procmem_open", rc);
	sva_procmem_use_maps_cache(cached);
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t;

		if ((t = pass(pm, va, buf, 0, 0)) < best[0])
			best[0] = t;
		if ((t = pass(pm, va, buf, 1, 0)) < best[1])
			best[1] = t;
		if ((t = pass(cached, va, buf, 0, 1)) < best[3])
			best[3] = t;
		if ((t = pass(cached, va, buf, 0, 0)) < best[4])
			best[4] = t;
		uint64_t t0 = now_ns();
		for (int i = 0; i < 100; i++)
			if ((rc = sva_procmem_refresh(pm)))
				die("refresh", rc);
		if ((t = (now_ns() - t0) / 100) < best[2])
			best[2] = t;
	}
	sva_procmem_close(pm);
	sva_procmem_close(cached);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("BENCH procmem.read_1m_ns %llu ns\n", (unsigned long long)best[0]);
	printf("BENCH procmem.write_1m_ns %llu ns\n", (unsigned long long)best[1]);
	printf("BENCH procmem.read_1m_cache_ns %llu ns\n", (unsigned long long)best[4]);
	printf("BENCH procmem.maps_refresh_ns %llu ns\n", (unsigned long long)best[2]);
	printf("BENCH procmem.read_1m_refresh_per_page_ns %llu ns\n", (unsigned long long)best[3]);
	printf("BENCH procmem.refresh_per_page_ratio %.2f x\n", (double)best[3] / (double)best[4]);
	free(buf);
	return 0;
}

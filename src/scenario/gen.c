/* SPDX-License-Identifier: MIT */
/*
 * Random scenarios (sva_scenario_generate, `sva gen`): what a fuzzer of the whole model writes -
 * a device of either char-device rule with or without PRI and ATS, processes that open queues,
 * map them, submit and wait, change their address space under the IOMMU (munmap, mprotect,
 * reclaim), put their queues, fork children that use the inherited fd, pass a queue's fd to a
 * child, kill, and (sometimes) disable page faults or remove the device while it all runs.
 *
 * Every call that may fail by design is followed by `expect any`, so a generated scenario
 * passes on the faithful kernel unless an invariant breaks: the checker alone judges it. The
 * text is a pure function of the seed (xorshift64), so a scenario that fails is named by it;
 * its queues and buffers are numbered in the order they are made, and a statement only uses
 * names its process made before.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sva/scenario.h"

struct sva_gen {
	uint64_t x;
	char *buf;
	size_t len, cap;
	bool overflow;
	bool pri, idxd_wq; /* the device's: page requests; idxd's own char device */
	unsigned nq;	   /* queues opened, each with a portal and two buffers */
};

static unsigned sva_gen_rand(struct sva_gen *g, unsigned n)
{
	g->x ^= g->x << 13;
	g->x ^= g->x >> 7;
	g->x ^= g->x << 17;
	return (unsigned)(g->x % n);
}

static void sva_gen_put(struct sva_gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(g->buf + g->len, g->cap - g->len, fmt, ap);
	va_end(ap);
	if (n < 0 || g->len + (size_t)n >= g->cap)
		g->overflow = true;
	else
		g->len += (size_t)n;
}

static unsigned sva_gen_qlen(unsigned q)
{
	return 4 * (1 + q % 3); /* KiB: one to three pages */
}

/* A queue: open (either WQ), map its portal, start it, and two buffers. */
static void sva_gen_queue(struct sva_gen *g)
{
	unsigned q = g->nq++, len = sva_gen_qlen(q);

	sva_gen_put(g, "\tr%u = open(dsa0wq%u)\n\texpect any\n", q, sva_gen_rand(g, 2));
	sva_gen_put(g, "\tq%u = mmap(r%u, mmio)\n\texpect any\n", q, q);
	if (!g->idxd_wq)
		sva_gen_put(g, "\tioctl(r%u, start_q)\n\texpect any\n", q);
	sva_gen_put(g, "\ts%u = mmap(%uk)\n\td%u = mmap(%uk)\n", q, len, q, len);
}

static void sva_gen_submit(struct sva_gen *g, unsigned q, const char *op, bool dst, bool wait)
{
	sva_gen_put(g, "\tc%u = submit(r%u, %s, src=s%u", q, q, op, q);
	if (dst)
		sva_gen_put(g, ", dst=d%u", q);
	sva_gen_put(g, ", len=%uk)\n\texpect any\n", sva_gen_qlen(q));
	if (wait)
		sva_gen_put(g, "\twait(c%u)\n\texpect any\n", q);
}

/* A child that uses the queue its parent opened: maps and submits on the inherited fd. */
static void sva_gen_fork(struct sva_gen *g, unsigned p, unsigned q)
{
	sva_gen_put(g, "\tk%u = fork(uses%u)\n", p, q);
	if (sva_gen_rand(g, 3) == 0)
		sva_gen_put(g, "\tkill(k%u)\n\texpect any\n", p);
	sva_gen_put(g, "\twait(k%u)\n\texpect any\n", p);
}

/*
 * The fd of queue @q passed to a child that waits for it, maps it and submits - only an fd
 * there is (a failed open's value is its errno): the receiver would wait for ever.
 */
static void sva_gen_pass_fd(struct sva_gen *g, unsigned p, unsigned q)
{
	sva_gen_put(g, "\tif r%u >= 0 {\n\t\tn%u = fork(receiver)\n", q, p);
	sva_gen_put(g, "\t\tsend_fd(r%u, n%u)\n\t\twait(n%u)\n\t\texpect any\n\t}\n", q, p, p);
}

/* One random statement on queue @q of process @p. */
static void sva_gen_stmt(struct sva_gen *g, unsigned p, unsigned q)
{
	unsigned len = sva_gen_qlen(q);

	switch (sva_gen_rand(g, 16)) {
	case 0:
		sva_gen_put(g, "\tfill(s%u, %uk, %u)\n", q, len, sva_gen_rand(g, 256));
		break;
	case 1:
		sva_gen_put(g, "\ttouch(d%u, %uk, 1)\n", q, len);
		break;
	case 2:
		sva_gen_submit(g, q, "memmove", true, true);
		break;
	case 3:
		sva_gen_put(g,
			    "\tc%u = submit(r%u, fill, dst=d%u, len=%uk, pattern=%u)\n"
			    "\texpect any\n",
			    q, q, q, len, sva_gen_rand(g, 1000));
		break;
	case 4:
		sva_gen_put(g, "\tyield(%u)\n", 1 + sva_gen_rand(g, 5));
		break;
	case 5:
		sva_gen_submit(g, q, "crc32c", false, true);
		break;
	case 6: /* the buffer goes with a descriptor perhaps in flight */
		sva_gen_submit(g, q, "memmove", true, false);
		sva_gen_put(g, "\tmunmap(d%u)\n\td%u = mmap(%uk)\n", q, q, len);
		break;
	case 7: /* a condition on a record (one there is): fault the page in from the CPU */
		sva_gen_submit(g, q, "memmove", true, true);
		sva_gen_put(g, "\tif c%u > 0 {\n\t\tif c%u.status != SUCCESS {\n", q, q);
		sva_gen_put(g, "\t\t\ttouch(d%u, %uk, 1)\n\t\t}\n\t}\n", q, len);
		break;
	case 8:
		sva_gen_put(g, "\treclaim(%u)\n", 1 + sva_gen_rand(g, 96));
		break;
	case 9:
		sva_gen_put(g, "\tmprotect(s%u, %uk, read)\n\tyield()\n\tmprotect(s%u, %uk, rw)\n",
			    q, len, q, len);
		break;
	case 10:
		sva_gen_fork(g, p, q);
		break;
	case 11:
		sva_gen_pass_fd(g, p, q);
		break;
	case 12: /* a descriptor in flight while reclaim runs */
		sva_gen_submit(g, q, "memmove", true, false);
		sva_gen_put(g, "\treclaim(%u)\n\twait(c%u)\n\texpect any\n",
			    1 + sva_gen_rand(g, 32), q);
		break;
	case 13:
		if (!g->idxd_wq)
			sva_gen_put(g, "\tioctl(r%u, put_q)\n\texpect any\n", q);
		break;
	case 14:
		sva_gen_submit(g, q, "compare", true, true);
		break;
	default:
		sva_gen_put(g, "\tq%u = mmap(r%u, mmio)\n\texpect any\n", q, q);
		break;
	}
}

static void sva_gen_device(struct sva_gen *g)
{
	static const char *const cdev[] = { "idxd", "uacce", "idxd_wq" };
	unsigned c = sva_gen_rand(g, 3);

	g->pri = sva_gen_rand(g, 3) != 0;
	g->idxd_wq = c == 2;
	sva_gen_put(g, "device dsa0 engines=%u pasid_bits=20%s%s cdev=%s\n", 1 + sva_gen_rand(g, 2),
		    g->pri ? " pri" : "", sva_gen_rand(g, 2) ? " ats" : "", cdev[c]);
	sva_gen_put(g, "wq dsa0 shared depth=8%s\nwq dsa0 shared depth=8\n",
		    g->pri && sva_gen_rand(g, 2) ? " bof" : "");
}

/* The children's programs: one per queue that may be inherited, and a receiver of a fd. */
static void sva_gen_programs(struct sva_gen *g, unsigned nq)
{
	for (unsigned q = 0; q < nq; q++) {
		sva_gen_put(g, "program uses%u {\n\tm = mmap(r%u, mmio)\n\texpect any\n", q, q);
		sva_gen_put(g,
			    "\tb = mmap(4k)\n\tc = submit(r%u, fill, dst=b, len=4k)\n"
			    "\texpect any\n\twait(c)\n\texpect any\n}\n",
			    q);
	}
	sva_gen_put(g, "program receiver {\n\tf = recv_fd()\n\tm = mmap(f, mmio)\n\texpect any\n"
		       "\tb = mmap(4k)\n\tc = submit(f, fill, dst=b, len=4k)\n\texpect any\n"
		       "\twait(c)\n\texpect any\n\tclose(f)\n\texpect any\n}\n");
}

static void sva_gen_scenario(struct sva_gen *g)
{
	unsigned nproc = 1 + sva_gen_rand(g, 3), nq[3], total = 0;

	for (unsigned p = 0; p < nproc; p++)
		total += nq[p] = 1 + sva_gen_rand(g, 2);
	sva_gen_device(g);
	sva_gen_programs(g, total);
	for (unsigned p = 0; p < nproc; p++) {
		unsigned first = g->nq;

		sva_gen_put(g, "process p%u {\n", p);
		for (unsigned i = 0; i < nq[p]; i++)
			sva_gen_queue(g);
		for (unsigned i = 0, n = 2 + sva_gen_rand(g, 8); i < n; i++)
			sva_gen_stmt(g, p, first + sva_gen_rand(g, nq[p]));
		if (p == nproc - 1 && sva_gen_rand(g, 8) == 0)
			sva_gen_put(g, g->pri && sva_gen_rand(g, 2)
					       ? "\tiopf_disable(dsa0)\n"
						 "\texpect any\n"
					       : "\tremove(dsa0)\n\texpect any\n");
		if (sva_gen_rand(g, 2))
			sva_gen_put(g, "\tclose(r%u)\n\texpect any\n", first);
		sva_gen_put(g, "}\n");
	}
}

int sva_scenario_generate(uint64_t seed, char *buf, size_t cap)
{
	struct sva_gen g = { .x = seed * 0x9e3779b97f4a7c15ull | 1, .buf = buf, .cap = cap };

	if (!buf || !cap)
		return -EINVAL;
	sva_gen_put(&g, "# sva gen --seed %llu: a random scenario (src/scenario/gen.c)\n",
		    (unsigned long long)seed);
	sva_gen_scenario(&g);
	if (g.overflow)
		return -ENOSPC;
	return (int)g.len;
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the global PASID space: ns per alloc+free pair with 1, 1,000 and 1,000,000 IDs
 * already live, against a linear bitmap scan (a flat 2^20-bit array scanned from the start for
 * a word with a zero bit, same lowest-free semantics, no lock) at the same fill levels; then two
 * native actors doing pairs at once on one space; then the bytes of a full space.
 *
 * Output: a table, then one line per figure, "BENCH <name> <value> <unit>".
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sva/base.h"
#include "sva/iommu.h"
#include "sva/sync.h"

#define TARGET_NS    200000000ull /* ~0.2 s per figure */
#define ROUNDS	     5		  /* of which the best is reported */
#define MIN_BATCH_NS 2000000ull	  /* grow batches until one takes 2 ms */
#define FILL_1M	     1000000u
#define TWO_THREADS  2
#define TWO_FILL     1000u
#define TWO_ROUNDS   3

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench_pasid: %s: %s\n", what, sva_strerror(err));
	exit(1);
}

/* ---- the baseline: a flat bitmap scanned linearly ------------------------------------------ */

#define FLAT_WORDS (SVA_PASID_MAX / 64u)

struct flat {
	uint64_t words[FLAT_WORDS]; /* bit p: PASID p allocated; bit 0 (NO_PASID) always set */
};

static int flat_alloc(struct flat *f, uint32_t max, uint32_t *pasid)
{
	if (max > SVA_PASID_MAX)
		max = SVA_PASID_MAX;
	for (uint32_t i = 0; i < FLAT_WORDS && i * 64u < max; i++) {
		if (f->words[i] == UINT64_MAX)
			continue;
		uint32_t p = i * 64u + (uint32_t)__builtin_ctzll(~f->words[i]);
		if (p >= max)
			return -ENOSPC;
		f->words[i] |= 1ull << (p % 64u);
		*pasid = p;
		return 0;
	}
	return -ENOSPC;
}

static int flat_free(struct flat *f, uint32_t pasid)
{
	if (pasid == 0 || pasid >= SVA_PASID_MAX)
		return -EINVAL;
	uint64_t bit = 1ull << (pasid % 64u);
	if (!(f->words[pasid / 64u] & bit))
		return -EINVAL;
	f->words[pasid / 64u] &= ~bit;
	return 0;
}

/* ---- timed loops of alloc+free pairs ------------------------------------------------------- */

/* @n pairs on @obj; one call per batch, so the indirect call costs nothing per pair. */
typedef void (*pairs_fn)(void *obj, uint64_t n);

static void pairs_ours(void *obj, uint64_t n)
{
	struct sva_pasid_space *s = obj;
	uint32_t id = 0;
	int ret;

	for (uint64_t i = 0; i < n; i++) {
		ret = sva_pasid_alloc(s, SVA_PASID_MAX, &id);
		if (ret)
			die("alloc", ret);
		ret = sva_pasid_free(s, id);
		if (ret)
			die("free", ret);
	}
}

static void fill_ours(void *obj, uint32_t n)
{
	uint32_t id;

	for (uint32_t i = 0; i < n; i++) {
		int ret = sva_pasid_alloc(obj, SVA_PASID_MAX, &id);
		if (ret)
			die("prefill", ret);
	}
}

static void pairs_flat(void *obj, uint64_t n)
{
	struct flat *f = obj;
	uint32_t id = 0;
	int ret;

	for (uint64_t i = 0; i < n; i++) {
		ret = flat_alloc(f, SVA_PASID_MAX, &id);
		if (ret)
			die("baseline alloc", ret);
		ret = flat_free(f, id);
		if (ret)
			die("baseline free", ret);
	}
}

/* IDs 1..@n, as @n lowest-free allocations would leave it (a scan each would take seconds). */
static void fill_flat(struct flat *f, uint32_t n)
{
	for (uint32_t p = 1; p <= n; p++)
		f->words[p / 64u] |= 1ull << (p % 64u);
}

/*
 * ns per pair: the batch grows until one takes MIN_BATCH_NS, then ROUNDS rounds of ~TARGET_NS /
 * ROUNDS each; the best round is kept, as other processes on the machine only ever add time.
 */
static double time_pairs(pairs_fn pairs, void *obj)
{
	uint64_t batch = 16;
	double best = 0;

	for (;;) {
		uint64_t t0 = now_ns();
		pairs(obj, batch);
		if (now_ns() - t0 >= MIN_BATCH_NS)
			break;
		batch *= 2;
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t done = 0, spent = 0;
		while (spent < TARGET_NS / ROUNDS) {
			uint64_t t0 = now_ns();
			pairs(obj, batch);
			spent += now_ns() - t0;
			done += batch;
		}
		double ns = (double)spent / (double)done;
		if (r == 0 || ns < best)
			best = ns;
	}
	return best;
}

static double bench_ours(struct sva_world *w, uint32_t fill)
{
	struct sva_pasid_space *s;
	int ret = sva_pasid_space_create(w, SVA_PASID_MAX, &s);

	if (ret)
		die("space create", ret);
	fill_ours(s, fill);
	double ns = time_pairs(pairs_ours, s);
	sva_pasid_space_destroy(s);
	return ns;
}

static double bench_baseline(uint32_t fill)
{
	struct flat *f = calloc(1, sizeof(*f));

	if (!f)
		die("calloc", -ENOMEM);
	f->words[0] = 1; /* IOMMU_NO_PASID */
	fill_flat(f, fill);
	double ns = time_pairs(pairs_flat, f);
	free(f);
	return ns;
}

/* ---- two actors on one space ---------------------------------------------------------------- */

struct duo {
	struct sva_pasid_space *s;
	atomic_int ready;
	atomic_int go;
	uint64_t pairs;
	double ns[TWO_THREADS];
};

struct duo_arg {
	struct duo *d;
	int i;
};

static int duo_actor(void *arg)
{
	struct duo_arg *a = arg;
	struct duo *d = a->d;
	atomic_fetch_add(&d->ready, 1);
	while (!atomic_load(&d->go))
		;
	uint64_t t0 = now_ns();
	pairs_ours(d->s, d->pairs);
	d->ns[a->i] = (double)(now_ns() - t0) / (double)d->pairs;
	return 0;
}

/* One run: both actors start together, each times its own @pairs; their mean ns per pair. */
static double duo_run(struct sva_world *w, struct sva_pasid_space *s, uint64_t pairs)
{
	static const char *const names[TWO_THREADS] = { "pasid-0", "pasid-1" };
	struct sva_actor *actors[TWO_THREADS];
	struct duo_arg args[TWO_THREADS];
	struct duo d = { .s = s, .pairs = pairs };
	double sum = 0;
	int ret;

	for (int i = 0; i < TWO_THREADS; i++) {
		args[i] = (struct duo_arg){ &d, i };
		ret = sva_actor_spawn(w, names[i], duo_actor, &args[i], 0, &actors[i]);
		if (ret)
			die("actor spawn", ret);
	}
	while (atomic_load(&d.ready) < TWO_THREADS)
		;
	atomic_store(&d.go, 1);
	ret = sva_world_run(w);
	if (ret)
		die("world run", ret);
	for (int i = 0; i < TWO_THREADS; i++) {
		sva_actor_join(actors[i], &ret);
		sum += d.ns[i];
	}
	return sum / TWO_THREADS;
}

static double bench_two_threads(struct sva_world *w, double ns_single)
{
	struct sva_pasid_space *s;
	double ns[TWO_ROUNDS];
	int ret = sva_pasid_space_create(w, SVA_PASID_MAX, &s);

	if (ret)
		die("space create", ret);
	fill_ours(s, TWO_FILL);
	/* Sized so the runs take ~TARGET_NS in all if contention makes pairs 10x slower. */
	uint64_t pairs = (uint64_t)((double)TARGET_NS / 10.0 / TWO_ROUNDS /
				    (ns_single > 1.0 ? ns_single : 1.0));
	/* The median run: the best one may be one where the scheduler kept the actors apart. */
	for (int r = 0; r < TWO_ROUNDS; r++) {
		ns[r] = duo_run(w, s, pairs);
		for (int i = r; i > 0 && ns[i] < ns[i - 1]; i--) {
			double t = ns[i];
			ns[i] = ns[i - 1];
			ns[i - 1] = t;
		}
	}
	if (sva_pasid_allocated(s) != TWO_FILL)
		die("two threads: IDs left over", -EFAULT);
	sva_pasid_space_destroy(s);
	return ns[TWO_ROUNDS / 2];
}

static size_t bench_full_bytes(struct sva_world *w)
{
	struct sva_pasid_space *s;
	int ret = sva_pasid_space_create(w, SVA_PASID_MAX, &s);

	if (ret)
		die("space create", ret);
	fill_ours(s, SVA_PASID_MAX - 1);
	size_t bytes = sva_pasid_space_bytes(s);
	sva_pasid_space_destroy(s);
	return bytes;
}

int main(void)
{
	static const uint32_t fills[] = { 1, 1000, FILL_1M };
	static const char *const suffix[] = { "1", "1k", "1m" };
	double ours[3], base[3];
	struct sva_world *w;
	int ret = sva_world_create(NULL, &w);

	if (ret)
		die("world create", ret);
	for (int i = 0; i < 3; i++) {
		ours[i] = bench_ours(w, fills[i]);
		base[i] = bench_baseline(fills[i]);
	}
	double two = bench_two_threads(w, ours[1]);
	size_t full = bench_full_bytes(w);
	if (sva_alloc_live(w, &sva_obj_pasid_chunk) || sva_alloc_live(w, &sva_obj_pasid_space))
		die("PASID objects left alive", -EFAULT);
	sva_world_destroy(w);

	printf("PASID alloc+free pair, ns, best of %d rounds (the linear scan takes no lock)\n",
	       ROUNDS);
	printf("  %-12s %12s %14s %10s\n", "live IDs", "sva_pasid", "linear scan", "scan/ours");
	for (int i = 0; i < 3; i++)
		printf("  %-12u %12.2f %14.2f %9.1fx\n", fills[i], ours[i], base[i],
		       base[i] / ours[i]);
	printf("  two actors, %u live: %.2f ns per pair per actor (median of %d runs)\n", TWO_FILL,
	       two, TWO_ROUNDS);
	printf("  full space (%u IDs): %zu bytes\n", SVA_PASID_MAX - 1, full);

	for (int i = 0; i < 3; i++)
		printf("BENCH pasid.alloc_free.%s %.2f ns\n", suffix[i], ours[i]);
	for (int i = 0; i < 3; i++)
		printf("BENCH pasid.baseline.%s %.2f ns\n", suffix[i], base[i]);
	printf("BENCH pasid.baseline_ratio %.2f ratio\n", base[2] / ours[2]);
	printf("BENCH pasid.baseline_ratio.1k %.2f ratio\n", base[1] / ours[1]);
	printf("BENCH pasid.alloc_free.2threads %.2f ns\n", two);
	printf("BENCH pasid.space_bytes.full %zu bytes\n", full);
	return 0;
}

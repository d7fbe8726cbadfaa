/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of scenarios under the explorer. Figures, not tests: each is one line
 * "BENCH <name> <value> <unit>".
 *  - explore.schedules_per_s.<example>: schedules explored per second at K=2 on the examples
 *    of the seed threads (examples/variants/, the faithful design), each a fresh world with a
 *    kernel, a software IOMMU and an accelerator; the smallest has the goal >= 5,000/s, and
 *    explore.schedules_per_s is its rate (the example whose enumeration is the shortest);
 *  - explore.first_violation_s.<variant>: seconds until the explorer breaks the variant's
 *    example under that variant;
 *  - explore.schedules.fault-without-mmget.k2: schedules of the whole K=2 enumeration of that
 *    example (faithful design) with partial-order reduction, and
 *    explore.por_ratio.fault-without-mmget: schedules without it / with it (the enumeration
 *    without takes tens of seconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sva/iommu.h"
#include "sva/scenario.h"

#define BUDGET	    5000 /* schedules per exploration at most */
#define MIN_SECONDS 0.5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Load @name's example as a program; 0 or 1 (said on stderr). */
static int load_example(const char *name, struct sva_scenario **s, struct sva_scenario_run **r,
			struct sva_program *prog)
{
	char path[512], err[512] = "";

	snprintf(path, sizeof(path), "%s/variants/%s.sva", SVA_EXAMPLES_DIR, name);
	if (sva_scenario_load(path, s, err, sizeof(err))) {
		fprintf(stderr, "bench_scenario: %s\n", err);
		return 1;
	}
	if (sva_scenario_run_create(*s, r)) {
		fprintf(stderr, "bench_scenario: %s: out of memory\n", name);
		sva_scenario_free(*s);
		return 1;
	}
	sva_scenario_program(*r, prog);
	return 0;
}

/* The smallest example (the shortest enumeration) and its rate. */
struct smallest {
	const char *name;
	unsigned long schedules;
	double rate;
};

/* Explore @name's example under @v; the rate, or the time to the first failure. */
static int bench_example(const char *name, enum sva_variant v, struct sva_explore_result *res,
			 struct smallest *small)
{
	struct sva_explore_config cfg = { .preemption_bound = 2, .max_schedules = BUDGET };
	struct sva_scenario_run *r;
	struct sva_scenario *s;
	struct sva_program prog;
	double t;

	if (load_example(name, &s, &r, &prog))
		return 1;
	cfg.world.quiet = true;
	cfg.world.variant = v;
	t = now_s();
	sva_explore(&cfg, &prog, res);
	if (v == SVA_VARIANT_FAITHFUL) {
		/* small enumerations again and again, for a figure over half a second at least */
		unsigned long schedules = res->schedules;

		while (now_s() - t < MIN_SECONDS) {
			sva_explore(&cfg, &prog, res);
			schedules += res->schedules;
		}
		t = now_s() - t;
		printf("BENCH explore.schedules_per_s.%s %.0f schedules/s\n", name,
		       (double)schedules / t);
		if (!small->name || res->schedules < small->schedules)
			*small = (struct smallest){ name, res->schedules, (double)schedules / t };
	} else {
		t = now_s() - t;
		printf("BENCH explore.first_violation_s.%s %.3f s\n", name, t);
	}
	sva_scenario_run_free(r);
	sva_scenario_free(s);
	return 0;
}

/* The whole K=2 enumeration of fault-without-mmget, with and without partial-order reduction. */
static int bench_por(struct sva_explore_result *res)
{
	struct sva_explore_config cfg = { .preemption_bound = 2 };
	struct sva_scenario_run *r;
	struct sva_scenario *s;
	struct sva_program prog;
	unsigned long with;
	int bad = 0;

	if (load_example("fault-without-mmget", &s, &r, &prog))
		return 1;
	cfg.world.quiet = true;
	sva_explore(&cfg, &prog, res);
	with = res->schedules;
	bad |= !res->exhausted || res->failures;
	printf("BENCH explore.schedules.fault-without-mmget.k2 %lu schedules\n", with);
	cfg.no_por = true;
	sva_explore(&cfg, &prog, res);
	bad |= !res->exhausted || res->failures;
	printf("BENCH explore.por_ratio.fault-without-mmget %.2f x\n",
	       with ? (double)res->schedules / (double)with : 0.0);
	sva_scenario_run_free(r);
	sva_scenario_free(s);
	return bad;
}

int main(void)
{
	struct sva_explore_result *res = malloc(sizeof(*res));
	struct smallest small = { 0 };
	int bad = !res;

	for (unsigned v = 1; v < SVA_VARIANT_NR && !bad; v++) {
		const char *name = sva_variant_info((enum sva_variant)v)->name;

		bad |= bench_example(name, SVA_VARIANT_FAITHFUL, res, &small);
		bad |= bench_example(name, (enum sva_variant)v, res, &small);
	}
	if (!bad && small.name)
		printf("BENCH explore.schedules_per_s %.0f schedules/s (the smallest example, %s: "
		       "%lu schedules at K=2)\n",
		       small.rate, small.name, small.schedules);
	if (!bad)
		bad |= bench_por(res);
	free(res);
	return bad;
}

/* SPDX-License-Identifier: MIT */
/*
 * Benchmarks of scenarios under the explorer. Figures, not tests: each is one line
 * "BENCH <name> <value> <unit>".
 *  - explore.schedules_per_s.<example>: schedules explored per second at K=2 on the examples
 *    of the seed threads (examples/variants/, the faithful design), each a fresh world with a
 *    kernel, a software IOMMU and an accelerator; the smallest has the goal >= 5,000/s;
 *  - explore.first_violation_s.<variant>: seconds until the explorer breaks the variant's
 *    example under that variant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sva/scenario.h"

#define BUDGET	    5000 /* schedules per exploration at most */
#define MIN_SECONDS 0.5

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Explore @name's example under @v; the rate, or the time to the first failure. */
static int bench_example(const char *name, enum sva_variant v, struct sva_explore_result *res)
{
	struct sva_explore_config cfg = { .preemption_bound = 2, .max_schedules = BUDGET };
	struct sva_scenario_run *r;
	struct sva_scenario *s;
	struct sva_program prog;
	char path[512], err[512];
	double t;

	snprintf(path, sizeof(path), "%s/variants/%s.sva", SVA_EXAMPLES_DIR, name);
	if (sva_scenario_load(path, &s, err, sizeof(err)) || sva_scenario_run_create(s, &r)) {
		fprintf(stderr, "bench_scenario: %s\n", err);
		return 1;
	}
	sva_scenario_program(r, &prog);
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
	} else {
		t = now_s() - t;
		printf("BENCH explore.first_violation_s.%s %.3f s\n", name, t);
	}
	sva_scenario_run_free(r);
	sva_scenario_free(s);
	return 0;
}

int main(void)
{
	struct sva_explore_result *res = malloc(sizeof(*res));
	int bad = !res;

	for (unsigned v = 1; v < SVA_VARIANT_NR && !bad; v++) {
		const char *name = sva_variant_info((enum sva_variant)v)->name;

		bad |= bench_example(name, SVA_VARIANT_FAITHFUL, res);
		bad |= bench_example(name, (enum sva_variant)v, res);
	}
	free(res);
	return bad;
}

/* SPDX-License-Identifier: MIT */
/*
 * sva tour: what libsva does, step by step, each step checking itself (exit 1 when one does
 * not behave): PASID churn, a lost update found and replayed, a locked counter clean at K=2,
 * an AB/BA inversion, the fd<->mm cycle of seed 000 and its fix, the three phases of seed 003.
 */
#include <stdlib.h>

#include "cli.h"

int sva_cmd_tour(int argc, char **argv)
{
	struct sva_run_args lost = { .k = 1 }, locked = { .k = 2 }, abba = { .k = 1 };
	struct sva_world_config churn = { .backend = SVA_BACKEND_SIM, .seed = 1 };
	struct sva_world_config replay = { .backend = SVA_BACKEND_SIM, .nonpreemptive = true };
	struct sva_explore_result *res;
	char schedule[4096];
	struct sva_show_opts loud = { 0 }, quiet = { .quiet = true };
	int bad = 0;

	(void)argv;
	if (argc > 1)
		return sva_cli_error("tour: takes no argument");
	res = malloc(sizeof(*res));
	if (!res)
		return sva_cli_error("tour: out of memory");
	printf("libsva %s: the foundation (worlds, the sim scheduler, the explorer, the global "
	       "PASID space), the kernel substrate (mm, processes, files), the IOMMU core and a "
	       "software IOMMU\n\n",
	       SVA_VERSION);
	printf("[1] four processes share one 4-bit PASID space; the last binds a device with "
	       "max_pasids 4\n");
	bad |= sva_show_run("pasid-churn", NULL, &churn, &loud) != SVA_EXIT_OK;

	printf("\n[2] a lost update, found by the explorer with one preemption\n");
	bad |= sva_explore_program("lost-update", &lost, res) != SVA_EXIT_VIOLATION;
	snprintf(schedule, sizeof(schedule), "%s", res->schedule);
	replay.schedule = schedule;
	printf("    replaying that schedule: ");
	if (sva_show_run("lost-update", NULL, &replay, &quiet) == SVA_EXIT_VIOLATION) {
		printf("the same failure, deterministically\n");
	} else {
		printf("NOT reproduced\n");
		bad = 1;
	}

	printf("\n[3] the same counter under a mutex: every schedule with two preemptions\n");
	bad |= sva_explore_program("locked-counter", &locked, res) != SVA_EXIT_OK;

	printf("\n[4] an AB/BA lock-order inversion\n");
	bad |= sva_explore_program("abba", &abba, res) != SVA_EXIT_VIOLATION;

	printf("\n[5] a process maps a device whose open took mm_users, and exits (seed 000)\n");
	bad |= sva_show_run("fd-mm-cycle", NULL, &churn, &loud) != SVA_EXIT_VIOLATION;

	printf("\n[6] the same device taking mm_count, as the kernel does since 2016\n");
	bad |= sva_show_run("fd-mm-clean", NULL, &churn, &loud) != SVA_EXIT_OK;

	printf("\n[7] a device bound to a process reads its memory by DMA; the process exits while "
	       "bound (seed 003)\n");
	bad |= sva_show_run("pasid-lifetime", NULL, &churn, &loud) != SVA_EXIT_OK;

	printf("\ntour: %s\n", bad ? "SOMETHING DID NOT BEHAVE" : "every step behaved as expected");
	free(res);
	return bad ? SVA_EXIT_VIOLATION : SVA_EXIT_OK;
}

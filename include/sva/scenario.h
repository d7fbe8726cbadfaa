/* SPDX-License-Identifier: MIT */
/*
 * Scenarios: text files of device declarations, per-process programs and expectations (the
 * language is in docs/scenario-language.md), parsed once and run as a closed program in any
 * number of worlds - once, replayed, or under the explorer.
 *
 * Parsing checks everything that can be checked before running: a malformed file is refused
 * with one message "file:line:column: expected X, found Y" and nothing runs.
 */
#ifndef SVA_SCENARIO_H
#define SVA_SCENARIO_H

#include "sva/api.h"
#include "sva/base.h"
#include "sva/check.h"
#include "sva/sync.h"

SVA_BEGIN_DECLS

struct sva_scenario;

/*
 * Parse @text (named @file in messages). 0 and *@out, or -EINVAL with the message in @err,
 * or -ENOMEM.
 */
int sva_scenario_parse(const char *file, const char *text, struct sva_scenario **out, char *err,
		       size_t err_len);
/* Read and parse @path; -errno when it cannot be read (the message names it). */
int sva_scenario_load(const char *path, struct sva_scenario **out, char *err, size_t err_len);
void sva_scenario_free(struct sva_scenario *s);
const char *sva_scenario_file(const struct sva_scenario *s);

/* What one run of a scenario did, for the summary table. */
struct sva_scenario_stats {
	unsigned long processes;	/* started, forked children included */
	unsigned long pasids_allocated; /* PASIDs given to an mm */
	unsigned long pasids_freed;	/* ... and returned to the allocator */
	unsigned long binds, unbinds;	/* sva_bind_device / sva_unbind_device */
	unsigned long descriptors;	/* accepted by an accelerator's portal */
	unsigned long aborted;		/* ... completed ABORTED (their queue stopped) */
	unsigned long page_requests;	/* page-request groups answered... */
	unsigned long responses[3];	/* ... SUCCESS, INVALID, FAILURE */
	unsigned long iotlb_hits, iotlb_misses;
	unsigned long events_checked;		    /* events the invariant checker saw */
	unsigned long violations[SVA_INVARIANT_NR]; /* per invariant */
	unsigned long failed_expectations;	    /* calls or goals that did not go as written */
	/* What the verdict (the check's message) is about. */
	enum sva_scenario_outcome {
		SVA_SCENARIO_PASSED,
		/* a call or a goal did not go as written (an expected violation missing too) */
		SVA_SCENARIO_FAILED,
		/* an invariant the scenario does not expect was broken, or another problem was
		   reported (a deadlock, a lock-order inversion, a livelock...) */
		SVA_SCENARIO_VIOLATION,
	} outcome;
	int invariant; /* VIOLATION: the invariant broken (1..7), 0 for another problem */
};

/*
 * A random scenario (src/scenario/gen.c; `sva gen`): a device, processes opening queues, DMA,
 * address-space changes under the IOMMU, forks, passed fds, kills, a removal now and then;
 * every call that may fail by design is `expect any`, so only the checker judges it. The text
 * is a pure function of @seed. Its length, or -EINVAL, or -ENOSPC when @cap is too small.
 */
int sva_scenario_generate(uint64_t seed, char *buf, size_t cap);

/* The state of runs of @s (one at a time); the program's arg. */
struct sva_scenario_run;

int sva_scenario_run_create(const struct sva_scenario *s, struct sva_scenario_run **out);
void sva_scenario_run_free(struct sva_scenario_run *r);
/* The closed program that runs @r's scenario (setup, check, teardown) for the explorer. */
void sva_scenario_program(struct sva_scenario_run *r, struct sva_program *out);
/* The last run's figures. */
void sva_scenario_run_stats(const struct sva_scenario_run *r, struct sva_scenario_stats *out);

SVA_END_DECLS

#endif /* SVA_SCENARIO_H */

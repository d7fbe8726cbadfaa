/* SPDX-License-Identifier: MIT */
/*
 * A scenario file as a tool program: parsed once, run as the scenario's closed program, and
 * summarized as a table of what the run did (PASIDs, binds, descriptors, page requests, the
 * IOTLB, the invariant checker's count).
 */
#include <errno.h>
#include <stdlib.h>

#include "cli.h"
#include "programs.h"
#include "sva/scenario.h"

struct sva_tool_scenario {
	struct sva_scenario *s;
	struct sva_scenario_run *r;
};

static void sva_tool_scenario_release(void *storage)
{
	struct sva_tool_scenario *ts = storage;

	sva_scenario_run_free(ts->r);
	sva_scenario_free(ts->s);
	free(ts);
}

static void sva_tool_scenario_summarize(void *arg, FILE *out)
{
	struct sva_scenario_stats st;
	unsigned long lookups;
	int printed = 0;
	char name[24];

	sva_scenario_run_stats(arg, &st);
	lookups = st.iotlb_hits + st.iotlb_misses;
	fprintf(out, "  %-28s %lu\n", "processes", st.processes);
	fprintf(out, "  %-28s %lu allocated, %lu freed\n", "PASIDs", st.pasids_allocated,
		st.pasids_freed);
	fprintf(out, "  %-28s %lu binds, %lu unbinds\n", "bonds", st.binds, st.unbinds);
	fprintf(out, "  %-28s %lu accepted, %lu aborted\n", "descriptors", st.descriptors,
		st.aborted);
	fprintf(out, "  %-28s %lu:", "page requests", st.page_requests);
	for (unsigned code = 0; code < 3; code++) /* named as the trace names them */
		fprintf(out, "%s %lu %s", code ? "," : "", st.responses[code],
			sva_page_response_name(code, name, sizeof(name)));
	fputc('\n', out);
	if (lookups)
		fprintf(out, "  %-28s %.1f%% of %lu lookups\n", "IOTLB hit rate",
			100.0 * (double)st.iotlb_hits / (double)lookups, lookups);
	else
		fprintf(out, "  %-28s no lookups\n", "IOTLB hit rate");
	fprintf(out, "  %-28s I1-I7 on %lu events\n", "invariants checked", st.events_checked);
	fprintf(out, "  %-28s", "violations");
	for (int inv = 1; inv < SVA_INVARIANT_NR; inv++) {
		if (!st.violations[inv])
			continue;
		fprintf(out, "%s %s: %lu", printed++ ? "," : "",
			sva_invariant_name((enum sva_invariant)inv), st.violations[inv]);
	}
	fprintf(out, "%s\n", printed ? "" : " none");
}

static int sva_tool_scenario_outcome(void *arg, int *invariant)
{
	struct sva_scenario_stats st;

	sva_scenario_run_stats(arg, &st);
	*invariant = st.invariant;
	return st.outcome == SVA_SCENARIO_FAILED ? SVA_EXIT_FAILED : SVA_EXIT_VIOLATION;
}

int sva_tool_scenario_instance(const char *path, const char *text, struct sva_tool_program *out,
			       void **storage, char *err, size_t err_len)
{
	struct sva_tool_scenario *ts = calloc(1, sizeof(*ts));
	int ret;

	if (!ts)
		return -ENOMEM;
	ret = text ? sva_scenario_parse(path, text, &ts->s, err, err_len)
		   : sva_scenario_load(path, &ts->s, err, err_len);
	if (ret == 0) {
		ret = sva_scenario_run_create(ts->s, &ts->r);
		if (ret)
			snprintf(err, err_len, "%s: too many variables or processes", path);
	}
	if (ret) {
		sva_tool_scenario_release(ts);
		return ret;
	}
	out->name = sva_scenario_file(ts->s);
	out->summary = NULL; /* the file says what it is */
	sva_scenario_program(ts->r, &out->program);
	out->summarize = sva_tool_scenario_summarize;
	out->release = sva_tool_scenario_release;
	out->outcome = sva_tool_scenario_outcome;
	*storage = ts;
	return 0;
}

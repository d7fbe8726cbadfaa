/* SPDX-License-Identifier: MIT */
/*
 * sva gen: print the random scenario of --seed (sva_scenario_generate), for a file to stress,
 * explore or replay - the fuzzer's output, kept by its seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "sva/scenario.h"

#define SVA_GEN_MAX (256 * 1024)

int sva_cmd_gen(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .seed = 1 } };
	int ret = sva_parse_args(argc, argv, SVA_CMD_GEN, &a);
	char *buf;

	if (ret)
		return ret;
	if (a.npos)
		return sva_cli_error("gen: takes no FILE (it prints a scenario)");
	buf = malloc(SVA_GEN_MAX);
	if (!buf)
		return sva_cli_error("gen: out of memory");
	ret = sva_scenario_generate(a.wc.seed, buf, SVA_GEN_MAX);
	if (ret >= 0)
		fwrite(buf, 1, (size_t)ret, stdout);
	free(buf);
	if (ret < 0)
		return sva_cli_error("gen: seed %llu: %s", (unsigned long long)a.wc.seed,
				     sva_strerror(ret));
	return fflush(stdout) ? sva_cli_error("gen: cannot write the scenario") : SVA_EXIT_OK;
}

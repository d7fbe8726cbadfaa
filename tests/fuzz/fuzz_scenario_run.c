/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: parse arbitrary bytes as a scenario and, when they parse, run the
 * scenario once on the sim backend in a quiet world with a small step budget (a scenario
 * that loops is stopped as a livelock, STEP_BUDGET). Any verdict is acceptable - passed,
 * failed or a violation - but the run must not crash, leak or run into undefined behaviour
 * (built with ASan+UBSan), and a failed run must say what failed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sva/scenario.h"

/* Scheduling points per run: enough for the examples, small enough for thousands of runs. */
#define FUZZ_MAX_STEPS 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sva_world_config wc = {
		.backend = SVA_BACKEND_SIM,
		.seed = 1,
		.quiet = true,
		.max_steps = FUZZ_MAX_STEPS,
	};
	struct sva_scenario *s = NULL;
	struct sva_scenario_run *r = NULL;
	struct sva_program prog;
	char err[256], msg[1024];
	char *text = fuzz_text(data, size);
	int ret;

	if (!text)
		return 0;
	ret = sva_scenario_parse("fuzz.sva", text, &s, err, sizeof(err));
	free(text);
	if (ret == -EINVAL || ret == -ENOMEM)
		return 0;
	FUZZ_ASSERT(ret == 0); /* the parser answers nothing else */
	if (sva_scenario_run_create(s, &r) == 0) {
		sva_scenario_program(r, &prog);
		msg[0] = '\0';
		ret = sva_program_run_once(&wc, &prog, NULL, 0, msg, sizeof(msg));
		/* a failed run says what failed (another errno: the run could not be set up) */
		FUZZ_ASSERT(ret != -EFAULT || msg[0] != '\0');
		sva_scenario_run_free(r);
	}
	sva_scenario_free(s);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Fail-nth from the command line: `sva run --fail-nth N FILE` runs a scenario (or a built-in
 * program) with the Nth allocation of its run failed, and `sva faults FILE` fails each
 * allocation in turn, N = 1, 2, ... until a run injects nothing (or --max N).
 *
 * N counts the allocations of the program's run from its setup on: setup, the run, the check
 * and the teardown (not the world's own, made before). A run with a failure injected is judged
 * as any run (the verdict: clean, FAILED - a call that returned the error, exit 3 for `sva
 * run` - or VIOLATION), and in addition every object of the model must be gone after the
 * teardown: one left is a leak, a violation. A setup that fails leaves what it made to the
 * world's destroy (the scenario runner's rule), so it is a clean error whatever it made.
 *
 * `sva faults` prints one line per N: N, the allocation failed (its type and its sva_alloc()
 * call site), the outcome (clean error, absorbed - the run passed all the same -, VIOLATION,
 * LEAK); then a summary. Exit 1 when any N gave a violation or a leak, 0 otherwise; a crash
 * is reported by the guard as in `sva run` (exit 1). Each run's world is fresh; no state here
 * outlives a command.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "programs.h"

static int sva_fault_setup(struct sva_world *w, void *arg)
{
	struct sva_fault_run *f = arg;
	int ret;

	f->base = sva_alloc_attempts(w);
	sva_alloc_fail_nth(w, f->nth);
	ret = f->inner.setup(w, f->inner.arg);
	if (ret) {
		f->setup_failed = true;
		f->injected = sva_alloc_injection(w, &f->inj);
		f->allocations = sva_alloc_attempts(w) - f->base;
	}
	return ret;
}

static int sva_fault_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct sva_fault_run *f = arg;

	return f->inner.check ? f->inner.check(w, f->inner.arg, run, msg, len) : 0;
}

static void sva_fault_teardown(struct sva_world *w, void *arg)
{
	struct sva_fault_run *f = arg;

	if (f->inner.teardown)
		f->inner.teardown(w, f->inner.arg);
}

void sva_fault_wrap(struct sva_fault_run *f, const struct sva_program *inner, unsigned long nth,
		    struct sva_program *out)
{
	*f = (struct sva_fault_run){ .inner = *inner, .nth = nth };
	*out = *inner;
	out->setup = sva_fault_setup;
	out->check = sva_fault_check;
	out->teardown = sva_fault_teardown;
	out->arg = f;
}

void sva_fault_observe(struct sva_fault_run *f, struct sva_world *w)
{
	f->injected = sva_alloc_injection(w, &f->inj);
	f->allocations = sva_alloc_attempts(w) - f->base;
	f->leaked = sva_alloc_describe_live(w, sva_obj_machinery, f->leaks, sizeof(f->leaks)) != 0;
}

void sva_fault_print(const struct sva_fault_run *f, FILE *out)
{
	if (f->injected)
		fprintf(out, "fail-nth %lu: allocation %lu of the run failed: %s at %s\n", f->nth,
			f->inj.attempt - f->base, f->inj.type->name, f->inj.site);
	else
		fprintf(out, "fail-nth %lu: nothing injected (the run made %lu allocations)\n",
			f->nth, f->allocations);
}

/* ---- sva faults ---- */

enum sva_fault_outcome {
	SVA_FAULT_CLEAN_ERROR, /* the error came out as an error, nothing left behind */
	SVA_FAULT_ABSORBED,    /* the run passed all the same (an optional allocation) */
	SVA_FAULT_VIOLATION,
	SVA_FAULT_LEAK,
	SVA_FAULT_NR
};

static const char *const sva_fault_outcome_names[SVA_FAULT_NR] = {
	"clean error",
	"absorbed",
	"VIOLATION",
	"LEAK",
};

struct sva_faults_ctx {
	const struct sva_tool_program *prog;
	struct sva_fault_run f;
	bool failed;
	int code, invariant;
};

static void sva_faults_observe(void *ctx, struct sva_world *w, bool failed, const char *msg)
{
	struct sva_faults_ctx *c = ctx;

	(void)msg;
	sva_fault_observe(&c->f, w);
	c->failed = failed;
	c->code = SVA_EXIT_VIOLATION;
	c->invariant = 0;
	if (failed && c->prog->outcome)
		c->code = c->prog->outcome(c->prog->program.arg, &c->invariant);
}

/* One run with allocation @nth failing (0: none): its outcome, its message in @msg. */
static int sva_faults_one(const char *name, const struct sva_run_args *a, struct sva_faults_ctx *c,
			  unsigned long nth, enum sva_fault_outcome *outcome, char *msg, size_t len)
{
	struct sva_world_config wc = a->wc;
	struct sva_program p;
	int ret;

	wc.quiet = true;
	c->failed = false;
	sva_fault_wrap(&c->f, &c->prog->program, nth, &p);
	ret = sva_program_run_observed(&wc, &p, sva_faults_observe, c, msg, len);
	if (ret && ret != -EFAULT) {
		if (!c->f.setup_failed)
			return sva_cli_error("faults: %s: %s", msg[0] ? msg : name,
					     sva_strerror(ret));
		*outcome = SVA_FAULT_CLEAN_ERROR; /* the world frees what setup made */
		return 0;
	}
	if (c->failed && c->code == SVA_EXIT_VIOLATION)
		*outcome = SVA_FAULT_VIOLATION;
	else if (c->f.leaked) {
		*outcome = SVA_FAULT_LEAK;
		snprintf(msg, len, "leak: %s", c->f.leaks);
	} else
		*outcome = c->failed ? SVA_FAULT_CLEAN_ERROR : SVA_FAULT_ABSORBED;
	return 0;
}

static int sva_faults_program(const char *name, const struct sva_run_args *a)
{
	struct sva_tool_program prog;
	struct sva_guard guard = { .interactive = false };
	struct sva_faults_ctx c = { .prog = &prog };
	unsigned long counts[SVA_FAULT_NR] = { 0 }, total, n, runs = 0;
	enum sva_fault_outcome outcome;
	char msg[1024];
	void *storage;
	int ret = sva_show_instance(name, NULL, &prog, &storage);

	if (ret)
		return ret;
	if (sva_guard_arm(&guard, NULL, NULL, 0)) {
		sva_tool_program_release(&prog, storage);
		return sva_cli_error("cannot install the crash handlers");
	}
	/* the run with nothing failed must pass: it also counts the allocations */
	ret = sva_faults_one(name, a, &c, 0, &outcome, msg, sizeof(msg));
	total = c.f.allocations;
	if (ret == 0 && outcome != SVA_FAULT_ABSORBED) {
		printf("faults %s: the run with nothing failed is not clean: %s%s\n", prog.name,
		       outcome == SVA_FAULT_LEAK ? "" : msg, outcome == SVA_FAULT_LEAK ? msg : "");
		ret = outcome == SVA_FAULT_CLEAN_ERROR ? SVA_EXIT_FAILED : SVA_EXIT_VIOLATION;
	}
	if (ret)
		goto out;
	printf("faults %s: %s, %s design: the run makes %lu allocations; failing each in turn%s\n",
	       prog.name, a->wc.backend == SVA_BACKEND_SIM ? "sim" : "native threads",
	       sva_variant_info(a->wc.variant)->name, total,
	       a->max && a->max < total ? " (up to --max)" : "");
	for (n = 1; !a->max || n <= a->max; n++) {
		if (!a->o.quiet) {
			printf("  %5lu  ", n);
			fflush(stdout); /* a crash's verdict follows the N it crashed at */
		}
		msg[0] = '\0';
		ret = sva_faults_one(name, a, &c, n, &outcome, msg, sizeof(msg));
		if (ret)
			goto out;
		if (!c.f.injected) {
			if (!a->o.quiet)
				printf("nothing injected: past the last allocation\n");
			break;
		}
		runs++;
		counts[outcome]++;
		if (!a->o.quiet || outcome >= SVA_FAULT_VIOLATION) {
			char site[160];

			if (a->o.quiet)
				printf("  %5lu  ", n);
			snprintf(site, sizeof(site), "%s at %s", c.f.inj.type->name, c.f.inj.site);
			printf("%-52s %s%s%s\n", site, sva_fault_outcome_names[outcome],
			       msg[0] ? ": " : "", msg);
		}
	}
	printf("summary: %lu runs with an allocation failed: %lu clean errors, %lu absorbed, %lu "
	       "violations, %lu leaks; no crash%s\n",
	       runs, counts[SVA_FAULT_CLEAN_ERROR], counts[SVA_FAULT_ABSORBED],
	       counts[SVA_FAULT_VIOLATION], counts[SVA_FAULT_LEAK],
	       a->max && n > a->max ? "; stopped at --max" : "");
	ret = counts[SVA_FAULT_VIOLATION] || counts[SVA_FAULT_LEAK] ? SVA_EXIT_VIOLATION
								    : SVA_EXIT_OK;
	printf("verdict: %s\n", ret ? "VIOLATION (an error path broke a rule)" : "clean");
out:
	sva_guard_disarm(&guard);
	sva_tool_program_release(&prog, storage);
	return ret;
}

int sva_cmd_faults(int argc, char **argv)
{
	struct sva_run_args a = { .wc = { .backend = SVA_BACKEND_SIM, .seed = 1 } };
	int ret = sva_parse_args(argc, argv, SVA_CMD_FAULTS, &a);

	if (ret)
		return ret;
	if (a.npos != 1)
		return sva_cli_error("faults: needs one FILE (a scenario or a built-in program)");
	return sva_faults_program(a.pos[0], &a);
}

/* SPDX-License-Identifier: MIT */
/*
 * Built-in programs that break the process, not the model - for testing that the explorer
 * never loses a failure (tests/test_cli.sh). Each breaks in some interleavings only, so the
 * default schedule is clean and the explorer has to find the one that breaks:
 *
 *  - test-null-deref: a reader checks a shared pointer, then uses it; a clearer sets it to
 *    NULL in between: SIGSEGV (or the sanitizer's SEGV report);
 *  - test-stack-overflow: the same race, but the reader then recurses without end: the
 *    fiber's guard page (the handler runs on the alternate signal stack);
 *  - test-livelock: a consumer registers, then polls a flag the producer sets only for a
 *    registered consumer: when the producer runs first, the consumer polls for ever (the step
 *    budget ends the run);
 *  - test-hang: the same consumer spins without a scheduling point: the run never ends, and
 *    only the tool's watchdog (after --seconds, or a second SIGINT) reports it.
 *
 * Nothing else reaches them: the kernel model has no way to crash on purpose.
 */
#include <errno.h>
#include <string.h>

#include "prog.h"

struct sva_prog_fault {
	struct sva_world *w;
	int kind;
	int *_Atomic shared; /* test-null-deref, test-stack-overflow: the pointer raced on */
	int target;
	atomic_bool registered, flag; /* test-livelock */
};

size_t sva_prog_fault_size(void)
{
	return sizeof(struct sva_prog_fault);
}

void sva_prog_fault_init(void *state, int kind)
{
	((struct sva_prog_fault *)state)->kind = kind;
}

/* Recursion that no compiler turns into a loop: every frame's array is used after the call. */
static unsigned sva_prog_recurse(volatile unsigned *depth)
{
	volatile char frame[512];
	unsigned r;

	memset((char *)frame, (int)*depth, sizeof(frame));
	++*depth;
	r = *depth ? sva_prog_recurse(depth) : 0; /* *depth wraps only after 4 G frames */
	return r + frame[*depth % sizeof(frame)];
}

static int sva_prog_fault_reader(void *arg)
{
	struct sva_prog_fault *f = arg;
	volatile unsigned depth = 0;

	if (atomic_load(&f->shared)) {
		sva_sched_point(f->w); /* between the check and the use */
		if (f->kind == SVA_PROG_FAULT_OVERFLOW && !atomic_load(&f->shared))
			return (int)sva_prog_recurse(&depth);
		*atomic_load(&f->shared) += 1; /* NULL when the clearer ran in between */
	}
	return 0;
}

static int sva_prog_fault_clearer(void *arg)
{
	struct sva_prog_fault *f = arg;

	sva_sched_point(f->w);
	atomic_store(&f->shared, NULL);
	return 0;
}

static int sva_prog_fault_consumer(void *arg)
{
	struct sva_prog_fault *f = arg;

	sva_sched_point(f->w);
	atomic_store(&f->registered, true);
	while (!atomic_load(&f->flag))
		sva_yield(f->w);
	return 0;
}

static int sva_prog_fault_spinner(void *arg)
{
	struct sva_prog_fault *f = arg;

	sva_sched_point(f->w);
	if (atomic_load(&f->registered)) /* the producer has been: it will not set the flag */
		while (!atomic_load(&f->flag))
			;
	return 0;
}

static int sva_prog_fault_producer(void *arg)
{
	struct sva_prog_fault *f = arg;

	sva_sched_point(f->w);
	if (atomic_load(&f->registered)) /* the bug: an unregistered consumer is never told */
		atomic_store(&f->flag, true);
	return 0;
}

/* test-hang's other actor: it registers and leaves (the spinner takes that as "too late"). */
static int sva_prog_fault_registrar(void *arg)
{
	struct sva_prog_fault *f = arg;

	sva_sched_point(f->w);
	atomic_store(&f->registered, true);
	return 0;
}

int sva_prog_fault_setup(struct sva_world *w, void *arg)
{
	static const struct {
		const char *name[2];
		sva_actor_fn fn[2];
	} actors[] = {
		[SVA_PROG_FAULT_NULL_DEREF] = { { "reader", "clearer" },
						{ sva_prog_fault_reader, sva_prog_fault_clearer } },
		[SVA_PROG_FAULT_OVERFLOW] = { { "reader", "clearer" },
					      { sva_prog_fault_reader, sva_prog_fault_clearer } },
		[SVA_PROG_FAULT_LIVELOCK] = { { "consumer", "producer" },
					      { sva_prog_fault_consumer,
						sva_prog_fault_producer } },
		[SVA_PROG_FAULT_HANG] = { { "spinner", "producer" },
					  { sva_prog_fault_spinner, sva_prog_fault_registrar } },
	};
	struct sva_prog_fault *f = arg;
	int ret = 0;

	f->w = w;
	f->target = 0;
	atomic_store(&f->shared, &f->target);
	atomic_store(&f->registered, false);
	atomic_store(&f->flag, false);
	for (int i = 0; ret == 0 && i < 2; i++)
		ret = sva_actor_spawn(w, actors[f->kind].name[i], actors[f->kind].fn[i], f, 0,
				      NULL);
	return ret;
}

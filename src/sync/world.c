/* SPDX-License-Identifier: MIT */
/*
 * The world as a whole: its base half (src/base/world.c: allocator, logging, trace ring) and
 * its scheduler, created together and destroyed together.
 *
 * It lives here, above both, so that base depends on nothing above it: the scheduler installs
 * the hooks base reads the clock and the current actor through (world.h) when it is created,
 * and clears them when it goes. Destroying joins or abandons the actors first, then frees
 * whatever the allocator still tracks (an abandoned run must not leak into the next one).
 * sva_obj_machinery lists the classes of the world's own objects (constant; sva/sync.h).
 */
#include "sched.h"

const struct sva_obj_class *const sva_obj_machinery[] = {
	&sva_obj_trace_ring, &sva_obj_scheduler, &sva_obj_actor, &sva_obj_fiber_stack, NULL,
};

int sva_world_create(const struct sva_world_config *config, struct sva_world **out)
{
	static const struct sva_world_config defaults = { .backend = SVA_BACKEND_NATIVE };
	struct sva_world *w;
	int ret;

	ret = sva_world_base_create(config ? config : &defaults, &w);
	if (ret)
		return ret;
	ret = sva_sched_create(w, config ? config : &defaults);
	if (ret) {
		sva_world_base_destroy(w);
		return ret;
	}
	*out = w;
	return 0;
}

void sva_world_destroy(struct sva_world *w)
{
	if (!w)
		return;
	sva_sched_destroy(w);
	sva_world_base_destroy(w);
}

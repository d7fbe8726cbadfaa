/* SPDX-License-Identifier: MIT */
/*
 * The world, its base half: the configuration, the allocator, logging and the trace ring of a
 * libsva instance, and the world's accessors. The design variant is carried, not known: the
 * IOMMU core names the variants and checks the number (src/iommu/variant.c).
 *
 * The world as a whole - this half and its scheduler - is created and destroyed by
 * src/sync/world.c (sva_world_create), above both: base calls nothing above it, and reads the
 * scheduler's clock and current actor through the hooks the scheduler installs (world.h).
 * Objects still tracked by the allocator at destroy are freed, so an abandoned run (deadlock)
 * does not leak into the process; tests check for leaks before destroying.
 */
#include <errno.h>
#include <stdlib.h>

#include "list.h"
#include "world.h"

int sva_world_base_create(const struct sva_world_config *config, struct sva_world **out)
{
	struct sva_world *w;
	int ret;

	if (config->backend != SVA_BACKEND_NATIVE && config->backend != SVA_BACKEND_SIM)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->config = *config;
	w->config.schedule = NULL; /* the scheduler keeps its own copy */
	pthread_mutex_init(&w->objects_lock, NULL);
	pthread_mutex_init(&w->report_lock, NULL);
	sva_list_init(&w->objects);
	sva_list_init(&w->quarantine);
	w->log_level = config->log_level;
	sva_world_set_log_sink(w, NULL, NULL);
	ret = sva_trace_ring_create(w, config->trace_capacity);
	if (ret) {
		sva_world_base_destroy(w);
		return ret;
	}
	*out = w;
	return 0;
}

void sva_world_base_destroy(struct sva_world *w)
{
	sva_trace_ring_destroy(w);
	sva_alloc_release_all(w); /* what a failed creation freed is in the quarantine too */
	pthread_mutex_destroy(&w->objects_lock);
	pthread_mutex_destroy(&w->report_lock);
	free(w);
}

uint64_t sva_world_now(struct sva_world *w)
{
	return w->hooks.now ? w->hooks.now(w) : 0;
}

enum sva_backend sva_world_backend(const struct sva_world *w)
{
	return w->config.backend;
}

unsigned sva_world_variant(const struct sva_world *w)
{
	return w->config.variant;
}

bool sva_world_broken(const struct sva_world *w, unsigned brk)
{
	return (w->config.breaks & brk) != 0;
}

void sva_world_stop(struct sva_world *w)
{
	atomic_store(&w->stopped, true);
}

bool sva_world_stopped(const struct sva_world *w)
{
	return atomic_load(&w->stopped);
}

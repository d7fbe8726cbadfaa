/* SPDX-License-Identifier: MIT */
/*
 * The world: creation and destruction of everything a libsva instance owns.
 *
 * This is the one place where base meets sync: a world is created with its backend
 * (sva_sched_create) and destroyed after it (sva_sched_destroy joins or abandons the actors).
 * Objects still tracked by the allocator at destroy are freed, so an abandoned run (deadlock)
 * does not leak into the process; tests check for leaks before destroying.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "world.h"

int sva_world_create(const struct sva_world_config *config, struct sva_world **out)
{
	static const struct sva_world_config defaults = { .backend = SVA_BACKEND_NATIVE };
	struct sva_world *w;
	int ret;

	if (!config)
		config = &defaults;
	if ((config->backend != SVA_BACKEND_NATIVE && config->backend != SVA_BACKEND_SIM) ||
	    (unsigned)config->variant >= SVA_VARIANT_NR)
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
	if (ret == 0) {
		ret = sva_sched_create(w, config);
		if (ret)
			sva_trace_ring_destroy(w);
	}
	if (ret) {
		sva_alloc_release_all(w); /* what the failed part freed is in the quarantine */
		pthread_mutex_destroy(&w->objects_lock);
		pthread_mutex_destroy(&w->report_lock);
		free(w);
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
	sva_trace_ring_destroy(w);
	sva_alloc_release_all(w);
	pthread_mutex_destroy(&w->objects_lock);
	pthread_mutex_destroy(&w->report_lock);
	free(w);
}

enum sva_backend sva_world_backend(const struct sva_world *w)
{
	return w->config.backend;
}

enum sva_variant sva_world_variant(const struct sva_world *w)
{
	return w->config.variant;
}

bool sva_world_broken(const struct sva_world *w, enum sva_break brk)
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

static const struct sva_variant_info sva_variants[SVA_VARIANT_NR] = {
#define SVA_VARIANT_INFO(id, n, s, i, d) [SVA_VARIANT_##id] = { n, s, i, d },
	SVA_VARIANTS(SVA_VARIANT_INFO)
#undef SVA_VARIANT_INFO
};

const struct sva_variant_info *sva_variant_info(enum sva_variant v)
{
	return (unsigned)v < SVA_VARIANT_NR ? &sva_variants[v] : NULL;
}

int sva_variant_find(const char *name, enum sva_variant *out)
{
	for (unsigned v = 0; v < SVA_VARIANT_NR; v++) {
		if (name && strcmp(name, sva_variants[v].name) == 0) {
			*out = (enum sva_variant)v;
			return 0;
		}
	}
	return -ENOENT;
}

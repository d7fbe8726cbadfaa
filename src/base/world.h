/* SPDX-License-Identifier: MIT */
/*
 * The world's insides, shared by src/base and src/sync (the foundation). Layers above use the
 * public functions of sva/base.h and sva/sync.h instead (scripts/check-deps.py keeps it so).
 *
 * Base calls nothing above it: what it needs of the scheduler - the clock, the current actor,
 * a scheduling point - it asks through the hooks the scheduler installs when it is created with
 * the world (src/sync/world.c creates both: the world sits above sync).
 *
 * Locking: the allocator, report and trace state are protected by plain pthread mutexes of
 * their own. They are infrastructure, not part of the model: they never block across actors
 * and contain no scheduling point, so they are safe under both backends.
 */
#ifndef SVA_BASE_WORLD_H
#define SVA_BASE_WORLD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sva/base.h"

struct sva_sched;
struct sva_trace_ring;

/* What base asks of the scheduler; NULL before it is created and after it is destroyed. */
struct sva_world_hooks {
	uint64_t (*now)(struct sva_world *w);		      /* sim steps or ns (sva_world_now) */
	int (*current_actor)(struct sva_world *w);	      /* the trace's actor id; -1: none */
	void (*point)(struct sva_world *w, const char *site); /* a scheduling point */
};

#define SVA_MAX_SUBSCRIBERS 8

struct sva_subscriber {
	sva_event_fn fn;
	void *ctx;
	bool ordered; /* asked for events in the ring's order */
};

struct sva_world {
	struct sva_world_config config;

	/* allocator (alloc.c) */
	struct {
		const struct sva_obj_class *cls; /* written once, before nclasses counts it */
		atomic_long live;
	} classes[SVA_OBJ_CLASSES_MAX]; /* each class's slot, given on its first use */
	atomic_uint nclasses;
	atomic_ulong attempts;
	atomic_ulong fail_at; /* the attempt number that fails; 0 = none */
	atomic_bool injected;
	/* the failure injected (set once, by the attempt that failed, before injected is) */
	const char *injected_site;
	const struct sva_obj_class *injected_cls;
	unsigned long injected_attempt;
	pthread_mutex_t objects_lock;
	struct sva_list_head objects;	 /* every live object, freed at world destroy */
	struct sva_list_head quarantine; /* sim: freed objects, poisoned, oldest first */
	size_t quarantined;		 /* their bytes */

	/* logging and reports (log.c) */
	enum sva_log_level log_level;
	sva_log_sink log_sink;
	void *log_ctx;
	pthread_mutex_t report_lock;
	unsigned long reports[SVA_REPORT_NR];
	char first_report[1024];

	/* trace (trace.c) */
	struct sva_trace_ring *trace;
	struct sva_subscriber subscribers[SVA_MAX_SUBSCRIBERS];
	unsigned nsubscribers;
	unsigned nordered; /* of which ordered */
	/* the namers of the layers' formats (trace_format.c), registered at setup */
	_Atomic(sva_trace_format_fn) formats[SVA_EV_FMT_NR];

	/* concurrency (src/sync) */
	struct sva_world_hooks hooks;
	struct sva_sched *sched;
	atomic_bool stopped; /* sva_world_stop(): sim schedules nobody any more */
};

/* Allocator accounting for memory that is not malloc'd (fiber stacks). */
bool sva_alloc_account_at(struct sva_world *w, const struct sva_obj_class *cls, long delta,
			  const char *site);
#define sva_alloc_account(w, cls, delta) sva_alloc_account_at((w), (cls), (delta), SVA_HERE)
/* Free every object still tracked (world destroy). */
void sva_alloc_release_all(struct sva_world *w);

/*
 * Use after free (alloc.c): in a sim world a freed object stays quarantined, every word of it
 * holding its world's address XOR SVA_POISON_DELTA - the kernel's POISON_POINTER_DELTA idea, a
 * non-canonical address that faults when followed, from which the world can still be told.
 * Every primitive embeds its world pointer; it asks sva_obj_freed() before following it.
 */
#define SVA_POISON_DELTA 0xdead000000000000ull
_Static_assert(sizeof(uintptr_t) == 8, "the poison pattern is a 64-bit word");

/* The world whose freed object holds the world pointer at @wp, or NULL if it is not freed. */
__attribute__((no_sanitize_address)) static inline struct sva_world *
sva_obj_freed_world(struct sva_world *const *wp)
{
	/* Read past ASan's poisoning on purpose: looking at a freed object is the point. */
	uintptr_t v = (uintptr_t) * (struct sva_world *const volatile *)wp;

	return (v >> 48) == (SVA_POISON_DELTA >> 48) ? (struct sva_world *)(v ^ SVA_POISON_DELTA)
						     : NULL;
}

/* Report @op through the freed object holding @wp (USE_AFTER_FREE); a sim run stops there. */
void sva_obj_report_freed(struct sva_world *const *wp, const char *op);

/* True, and reported, when the primitive with world pointer @wp lies in a freed object. */
static inline bool sva_obj_freed(struct sva_world *const *wp, const char *op)
{
	if (__builtin_expect(sva_obj_freed_world(wp) == NULL, 1))
		return false;
	sva_obj_report_freed(wp, op);
	return true;
}

int sva_trace_ring_create(struct sva_world *w, size_t capacity);
void sva_trace_ring_destroy(struct sva_world *w);
/* Remember actor @id's name for trace output (the actor may be gone by then). */
void sva_trace_name_actor(struct sva_world *w, int id, const char *name);
/* sva_trace_actor_name(): sva/base.h */

/* The actor the trace records an event of: the current one, -1 outside any (or no scheduler). */
static inline int sva_world_current_actor(struct sva_world *w)
{
	return w->hooks.current_actor ? w->hooks.current_actor(w) : -1;
}

/*
 * The base half of a world, for src/sync/world.c, which adds the scheduler: config checked,
 * allocator, logging and trace ring set up (0, -EINVAL, -ENOMEM); and their teardown, which
 * frees every object still tracked.
 */
int sva_world_base_create(const struct sva_world_config *config, struct sva_world **out);
void sva_world_base_destroy(struct sva_world *w);

#endif /* SVA_BASE_WORLD_H */

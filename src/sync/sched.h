/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's insides, shared by the files of src/sync.
 *
 * Every primitive is written once, on top of the wait channel (struct sva_wchan):
 *
 *	sva_sched_point_at(w, site);        a primitive operation begins: sim may switch here
 *	                                    (not for releases: see docs/concurrency.md)
 *	sva_wchan_lock(wc);                 native: pthread mutex; sim: nothing (one actor runs)
 *	while (!condition)
 *		sva_wchan_sleep(wc, ...);   native: condition wait; sim: block, scheduler picks
 *	...change state...
 *	sva_wchan_wake_all(wc);             native: broadcast; sim: waiters become runnable
 *	sva_wchan_unlock(wc);
 *
 * Nothing between lock and unlock may be a scheduling point: in sim that keeps the condition
 * check and the sleep atomic, as the pthread mutex does in native.
 *
 * Locking (native): sched->lock protects the actor list and the live counts; actor->lock
 * protects actor->blocked_on (so a kill can find the channel to wake). Order: actor->lock,
 * then a wchan lock; a sleeper never holds both.
 */
#ifndef SVA_SYNC_SCHED_H
#define SVA_SYNC_SCHED_H

#include "../base/list.h"
#include "../base/sanitizers.h"
#include "../base/world.h"
#include "fiber.h"
#include "sva/sync.h"

/* ---- lockdep (lockdep.c): lock-order checking, sim only ---- */

#define SVA_LOCKDEP_DEPTH    48	  /* locks one actor may hold: the kernel's MAX_LOCK_DEPTH */
#define SVA_LOCKDEP_CLASSES  256  /* lock classes (names) per world; a multiple of 64 */
#define SVA_LOCKDEP_EDGES    4096 /* "A before B" edges per world */
#define SVA_LOCKDEP_REPORTED 64	  /* pairs remembered as reported */

/* A lock an actor holds, in its acquisition-ordered stack. */
struct sva_held_lock {
	const void *lock;
	const char *site; /* where it was taken */
	uint16_t cls;
	bool asserted; /* the section audit: a lockdep_assert_held of it ran while held */
};

struct sva_lock_class;
struct sva_lock_edge;

/* The world's lock classes and the order edges between them. */
struct sva_lockdep {
	bool on; /* sim, and no limit reached */
	unsigned nclasses, nedges, nreported;
	size_t classes_cap, edges_cap, names_cap, names_len;
	struct sva_lock_class *classes;
	uint16_t *buckets; /* class + 1 by name hash, 0 = empty */
	char *names;	   /* class names, NUL-separated */
	struct sva_lock_edge *edges;
	uint32_t reported[SVA_LOCKDEP_REPORTED]; /* class pairs, lower << 16 | higher */
	struct sva_lockaudit *audit; /* SVA_LOCK_AUDIT set: the section audit (lockaudit.c) */
};

/*
 * ---- the section audit (lockaudit.c; sim, SVA_LOCK_AUDIT=FILE) ----
 * Per acquisition site: how often it was held, and how often no lockdep_assert_held of the
 * lock ran before its release - a section that asserts nothing is one whose removal (a patch
 * that drops the lock) only a race can show. Appended to FILE when the world ends.
 */
void sva_lockaudit_init(struct sva_sched *s);
void sva_lockaudit_destroy(struct sva_sched *s);
void sva_lockaudit_release(struct sva_sched *s, const struct sva_held_lock *h);
void sva_lockaudit_asserted(struct sva_sched *s, const void *lock);

/*
 * ---- partial-order reduction (sim; docs/concurrency.md "Partial-order reduction") ----
 *
 * A step is what one actor runs from one scheduling point to the next. Its footprint is the
 * set of objects it touched, by stable id: every wait channel it locked, slept on or woke
 * (every blocking primitive is one), every sva_atomic / refcount it used, its own actor
 * (anything that kills it or gives it task_work touches that too), the scheduler (spawns).
 * A step that begins at a bare scheduling point (sva_sched_point, a yield, a DMA page access)
 * or touches an object without an id is "all": it may touch any shared state, except what a
 * *guarded* lock guards (sva_spin_lock_guards_lockfree: its lock-free readers name it with
 * sva_spin_lock_reads) and actors' own state (touched by name: kill, task_work). Two steps are
 * dependent when they share an object, or one is "all" and the other touches an unguarded
 * object or a guarded one the "all" step names, or one is "full" (too many objects to list).
 *
 * Ids are given at init in order (sva_por_new_id), so they are the same in every run that
 * shares a prefix of decisions, whatever addresses the allocator returns; 0 = none.
 */
#define SVA_FP_OBJS	 8
#define SVA_FP_ALL_ID	 0u	     /* an object without an id: depends on everything */
#define SVA_FP_SCHED	 0xffffffffu /* the actor list: spawns */
#define SVA_FP_ACTOR(id) (0x80000000u | (uint32_t)(id))
#define SVA_FP_NONE	 0xfffffffeu /* a point that names nothing yet (a fresh actor) */
#define SVA_FP_POINT_ALL 0xfffffffdu /* a bare scheduling point */
#define SVA_FP_GUARDED	 0x40000000u /* id bit: a guarded lock (see above) */

struct sva_footprint {
	bool all;  /* any unguarded object */
	bool full; /* anything at all */
	uint8_t n;
	uint32_t obj[SVA_FP_OBJS];
};

/* An actor put to sleep at a decision: its step from there, as seen when it was explored. */
struct sva_sleeper {
	int16_t actor;
	struct sva_footprint fp;
};

/*
 * What the explorer gives a run under POR: for each decision of the prefix, the alternatives
 * explored there before (done[first[i]] .. done[first[i] + n[i] - 1]), which join the sleep
 * set at that decision, and the preemption bound (a switch forced by a sleeping current actor
 * beyond it ends the run as redundant).
 */
struct sva_por_plan {
	const uint32_t *first, *n;
	const struct sva_sleeper *done;
	size_t ndecisions;
	unsigned bound;
};

enum sva_actor_state {
	SVA_ACTOR_RUNNABLE,
	SVA_ACTOR_BLOCKED,
	SVA_ACTOR_EXITED,
};

struct sva_actor {
	struct sva_world *w;
	int id; /* spawn order; -1 for the "outside" pseudo-actor */
	char name[32];
	unsigned flags;
	sva_actor_fn fn;
	void *arg;
	int ret;
	_Atomic enum sva_actor_state state;
	atomic_bool killed;
	struct sva_list_head node;	 /* sched->actors */
	struct sva_list_head held;	 /* mutexes held, for reports */
	unsigned spin_depth;		 /* spinlocks held (sim) */
	struct sva_list_head task_works; /* under lock */
	bool task_works_closed;		 /* under lock: exit_task_work has run */
	void *owner;			 /* the layer above's object (a process's task) */
	struct sva_wchan exit_wc;	 /* joiners */

	/* where it sleeps */
	struct sva_wchan *blocked_on;
	const char *block_site;
	const char *block_what;
	bool block_killable;
	struct sva_list_head wnode; /* sim: in blocked_on->waiters */

	/* native */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;

	/* sim */
	struct sva_fiber fiber;
	uint32_t point_id; /* POR: what the operation at its pending scheduling point touches */
	unsigned ld_depth; /* lockdep: every lock held, in acquisition order */
	struct sva_held_lock ld_held[SVA_LOCKDEP_DEPTH];
};

/* One scheduling decision with more than one runnable actor (sim). */
struct sva_decision {
	uint16_t chosen;
	int16_t current;	 /* the actor that was running and could go on, or -1 */
	uint64_t runnable;	 /* bit per actor id (ids < 64) */
	uint64_t sleep;		 /* POR: runnable actors asleep here (never chosen) */
	struct sva_footprint fp; /* POR: the chosen actor's step from here */
};

/*
 * Native time as the TSC scaled to nanoseconds (sched.c): calibrations against
 * CLOCK_MONOTONIC, each written once before @cur publishes it (release), never changed after.
 */
#define SVA_TSC_CALS 12
struct sva_tsc_cal {
	uint64_t tsc, ns; /* a point of the line: at TSC @tsc, @ns since t0 */
	uint64_t mult;	  /* nanoseconds per tick, 32.32 fixed point */
	uint64_t until;	  /* the TSC at which a longer baseline calibrates again */
};
struct sva_tsc_clock {
	bool on;	  /* x86-64 with an invariant TSC; else CLOCK_MONOTONIC itself */
	uint64_t tsc0;	  /* the TSC at t0 */
	atomic_uint cur;  /* calibrations published: cal[cur - 1] is in use; 0: none yet */
	atomic_uint next; /* calibrations claimed (one writer each) */
	struct sva_tsc_cal cal[SVA_TSC_CALS];
};

struct sva_sched {
	struct sva_world *w;
	bool sim;
	pthread_mutex_t lock;
	struct sva_list_head actors;
	int next_id;
	atomic_uint live;	    /* actors not exited */
	atomic_uint live_nondaemon; /* of which not daemons */
	struct sva_wchan idle_wc;   /* native: sva_world_run waits for live_nondaemon == 0 */
	struct sva_actor outside;   /* owner of locks taken outside any actor */
	atomic_ulong next_work_id;  /* identities of queued works (workqueue.c) */
	size_t stack_size;
	struct sva_stack_cache *stacks; /* sim: the config's, or @own_stacks */
	struct sva_stack_cache *own_stacks;

	/* native */
	pthread_key_t current_key;
	uint64_t t0_ns;
	struct sva_tsc_clock tsc; /* the clock (sched.c) */

	/* sim */
	struct sva_actor *current;
	struct sva_fiber main_fiber;
	char tsan_actors;	  /* TSan: where actors release what they did, for the outside */
	bool race_check;	  /* TSan: fibers switch without synchronising */
	struct sva_actor *zombie; /* exited actor whose stack awaits freeing */
	uint64_t steps;
	unsigned long switches;
	bool deadlocked;
	bool nonpreemptive;
	/*
	 * The run is over (the program's check and teardown drive the world now): no decision is
	 * explored or recorded any more - the running actor goes on, else the first runnable.
	 */
	bool settled;
	/* A daemon spawned from outside runs at once until it first blocks (sva_sim_spawn). */
	struct sva_actor *eager;
	bool yielding; /* the running actor yields: others first, at no preemption cost */
	uint64_t rng[4];
	uint64_t max_steps; /* the step budget: past it the run is a livelock (reported, stopped) */
	struct sva_pct *pct; /* PCT's priorities and change points (pct.c), or NULL */
	uint16_t *replay;    /* decisions to replay first */
	size_t nreplay;
	struct sva_decision *decisions; /* decisions taken */
	size_t ndecisions, decisions_cap;
	struct sva_lockdep lockdep;

	/* partial-order reduction (sim, explorer only) */
	bool por;
	bool redundant; /* every runnable actor asleep: the run was abandoned */
	const struct sva_por_plan *plan;
	uint32_t next_por_id;	 /* object ids, in init order */
	unsigned preemptions;	 /* so far in this run */
	long fp_decision;	 /* the decision whose chosen actor runs the current step */
	struct sva_footprint fp; /* of the current step */
	uint64_t sleep_mask;	 /* asleep, by actor id */
	struct sva_footprint sleep_fp[64];
};

static inline struct sva_sched *sva_sched_of(struct sva_world *w)
{
	return w->sched;
}

/* current actor, or NULL outside any actor */
struct sva_actor *sva_sched_current(struct sva_sched *s);
/* the lock owner to record for the caller: the current actor or &s->outside */
struct sva_actor *sva_sched_owner(struct sva_sched *s);

/* lockdep: off (and each hook one test) in native */
void sva_lockdep_init(struct sva_sched *s);
void sva_lockdep_destroy(struct sva_sched *s);
void sva_lockdep_acquire_(struct sva_sched *s, uint16_t *cache, const char *name, const char *site);
void sva_lockdep_acquired_(struct sva_sched *s, const void *lock, uint16_t *cache, const char *name,
			   const char *site);
void sva_lockdep_release_(struct sva_sched *s, const void *lock);

/*
 * A blocking acquisition of a lock named @name (its class, kept in the lock's @cache) begins at
 * @site: record and check its order after every lock the caller holds.
 */
static inline void sva_lockdep_acquire(struct sva_sched *s, uint16_t *cache, const char *name,
				       const char *site)
{
	if (s->lockdep.on)
		sva_lockdep_acquire_(s, cache, name, site);
}

/* @lock was taken (blocking or trylock): push it on the owner's held stack. */
static inline void sva_lockdep_acquired(struct sva_sched *s, const void *lock, uint16_t *cache,
					const char *name, const char *site)
{
	if (s->lockdep.on)
		sva_lockdep_acquired_(s, lock, cache, name, site);
}

/* @lock was released: remove it from the owner's held stack, wherever it is. */
static inline void sva_lockdep_release(struct sva_sched *s, const void *lock)
{
	if (s->lockdep.on)
		sva_lockdep_release_(s, lock);
}

/* sva_might_sleep() for a primitive whose operation touches object @id. */
void sva_might_sleep_on(struct sva_world *w, uint32_t id, const char *site, const char *what);

/* wait channels */
void sva_wchan_init(struct sva_world *w, struct sva_wchan *wc);
void sva_wchan_destroy(struct sva_wchan *wc);
void sva_wchan_lock(struct sva_wchan *wc);
void sva_wchan_unlock(struct sva_wchan *wc);
/*
 * Sleep on @wc (held) until woken. 0 after a wake-up; -EINTR when @killable and a fatal signal
 * is pending; -EDEADLK when sim has nothing left to run (reported).
 */
int sva_wchan_sleep(struct sva_wchan *wc, const char *site, const char *what, bool killable);
void sva_wchan_wake_all(struct sva_wchan *wc);

/* POR: a new object's id (0 outside sim: ids matter only there). */
static inline SVA_NO_TSAN uint32_t sva_por_new_id(struct sva_world *w)
{
	struct sva_sched *s = w->sched;

	return s && s->sim ? ++s->next_por_id : 0;
}

void sva_por_touch_(struct sva_sched *s, uint32_t id);

/* The current step touches object @id (SVA_FP_ALL_ID: something no id names). */
static inline SVA_NO_TSAN void sva_por_touch(struct sva_sched *s, uint32_t id)
{
	if (s->por && s->current)
		sva_por_touch_(s, id);
}

/* Run under POR with @plan (the explorer, before the program's setup). */
void sva_sim_por_start(struct sva_sched *s, const struct sva_por_plan *plan);
/* The sim's hooks (por.c): a step of @a begins; the current step ends; a decision begins. */
void sva_por_step_begin(struct sva_sched *s, struct sva_actor *a);
void sva_por_step_end(struct sva_sched *s);
void sva_por_decision(struct sva_sched *s);
bool sva_por_asleep(const struct sva_sched *s, const struct sva_actor *a);
/* Every runnable actor sleeps: the run is redundant; it goes on settled, unrecorded. */
void sva_por_abandon(struct sva_sched *s);

/* sim */
/* The backend of a world (sched.c): created after the world's base half, destroyed first. */
int sva_sched_create(struct sva_world *w, const struct sva_world_config *config);
void sva_sched_destroy(struct sva_world *w);
int sva_sim_create(struct sva_sched *s, const struct sva_world_config *config);
void sva_sim_destroy(struct sva_sched *s);
/* A scheduling point; the operation after it touches object @id (SVA_FP_POINT_ALL: unknown). */
void sva_sim_point_on(struct sva_sched *s, uint32_t id);
static inline void sva_sim_point(struct sva_sched *s)
{
	sva_sim_point_on(s, SVA_FP_POINT_ALL);
}
/* A scheduling point of a primitive whose operation touches object @id (sim). */
static inline void sva_sched_point_on(struct sva_world *w, uint32_t id)
{
	if (w->sched->sim)
		sva_sim_point_on(w->sched, id);
}
/*
 * A primitive's scheduling point on the object whose POR id is *@id: the primitive may be freed
 * by whoever runs meanwhile, so it is looked at before (to follow its world pointer and read its
 * id) and after. True, and reported (USE_AFTER_FREE), when freed; in an actor of a sim run the
 * report does not return.
 */
static inline bool sva_obj_point_freed_on(struct sva_world *const *wp, const uint32_t *id,
					  const char *op)
{
	if (sva_obj_freed(wp, op))
		return true;
	sva_sched_point_on(*wp, *id);
	return sva_obj_freed(wp, op);
}
/* The same for a primitive that may sleep (sva_might_sleep_on()). */
static inline bool sva_obj_might_sleep_on(struct sva_world *const *wp, const uint32_t *id,
					  const char *site, const char *what, const char *op)
{
	if (sva_obj_freed(wp, op))
		return true;
	sva_might_sleep_on(*wp, *id, site, what);
	return sva_obj_freed(wp, op);
}
/* An explicit yield (or sleep): the actor cannot progress alone; switching away is free. */
void sva_sim_yield(struct sva_sched *s);
/* The current actor has blocked on channel @id: run someone else. */
void sva_sim_block(struct sva_sched *s, uint32_t id);
void sva_sim_wake(struct sva_actor *a);
int sva_sim_spawn(struct sva_actor *a);
void sva_sim_exit(struct sva_actor *a); /* never returns */
/* From outside any actor: run until nothing is runnable. -EDEADLK if a non-daemon is stuck. */
int sva_sim_drive(struct sva_sched *s);
/* The same without judging who is left blocked (the outside waits for its own condition). */
int sva_sim_run_idle(struct sva_sched *s);
/* Report every blocked actor, after @waiter (what the outside waits for) when given. */
int sva_sim_report_deadlock(struct sva_sched *s, const char *waiter);
void sva_sim_free_actor(struct sva_actor *a);

/* PCT (pct.c): probabilistic concurrency testing as the sim's policy */
struct sva_pct;
int sva_pct_create(struct sva_sched *s, const struct sva_world_config *config);
void sva_pct_destroy(struct sva_sched *s);
/* The actor to run at this decision: the highest-priority runnable one (a yielder goes last). */
struct sva_actor *sva_pct_choose(struct sva_sched *s, struct sva_actor *cur, bool yielding);

/* native */
int sva_native_spawn(struct sva_actor *a);
void sva_native_join(struct sva_actor *a);
void sva_native_kill(struct sva_actor *a);
/* killable sleeps publish their channel so sva_actor_kill() can wake them (native) */
void sva_wchan_enter_killable(struct sva_wchan *wc);
void sva_wchan_leave_killable(struct sva_wchan *wc);

/* A mutex whose owner ended: released so that no one points at the dead actor. */
void sva_mutex_release_orphan_(struct sva_mutex *m);

/* actor bookkeeping shared by both backends */
void sva_actor_exited_(struct sva_actor *a);
void sva_actor_free_(struct sva_actor *a);

/* schedule strings */
/* Async-signal-safe (no stdio, no allocation): a crash handler encodes the run in progress. */
size_t sva_schedule_encode(const struct sva_decision *d, size_t n, char *buf, size_t len);
/*
 * Parse into a new array (*out, malloc'd) of at most @max decisions (the run's step budget:
 * each decision takes a step, so a longer schedule cannot be replayed; its memory is bounded
 * before any is taken). 0, -EINVAL (malformed), -E2BIG (too long) or -ENOMEM.
 */
int sva_schedule_decode(const char *str, uint64_t max, uint16_t **out, size_t *n);

#endif /* SVA_SYNC_SCHED_H */

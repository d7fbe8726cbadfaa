/* SPDX-License-Identifier: MIT */
/*
 * libsva concurrency layer: kernel-shaped primitives with two backends, chosen per world.
 *
 *  - native: every actor is a pthread; primitives are real locks and condition variables.
 *  - sim:    every actor is a fiber; exactly one runs at a time and every primitive operation
 *            (and every sva_sched_point()) hands control to the scheduler, whose policy
 *            (seeded random, replay of a schedule string, or the bounded-preemption
 *            enumerator of sva_explore()) picks who runs next. A run is a pure function of
 *            (program, schedule).
 *
 * Code above this layer never asks which backend runs it.
 *
 * The structures below are public only so they can be embedded; touch them through the
 * functions. Every primitive is bound to its world at init. Blocking functions are macros that
 * record the call site, so a deadlock report names where each actor is stuck.
 */
#ifndef SVA_SYNC_H
#define SVA_SYNC_H

#include <pthread.h>
#ifndef __cplusplus
#include <stdatomic.h>
#endif

#include "sva/api.h"
#include "sva/base.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): the world's machinery: actors,
 * their fiber stacks (sim), the scheduler; workqueues.
 */
extern const struct sva_obj_class sva_obj_actor;
extern const struct sva_obj_class sva_obj_fiber_stack;
extern const struct sva_obj_class sva_obj_scheduler;
extern const struct sva_obj_class sva_obj_workqueue;
/*
 * The world's own machinery - the trace ring, the scheduler, actors, their stacks - which
 * leak descriptions leave out (sva_alloc_describe_live's ignore list; NULL-terminated).
 */
extern const struct sva_obj_class *const sva_obj_machinery[];

struct sva_actor;

/*
 * A wait channel: the one low-level blocking mechanism every primitive is built on. Native: a
 * pthread mutex and condition variable. Sim: a FIFO of blocked actors (the lock is a no-op
 * because only one actor runs).
 */
/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_wchan {
	struct sva_world *w;
	uint32_t por_id; /* sim: identity for partial-order reduction */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sva_list_head waiters;
};

/* ---- actors (kthread-like) ----------------------------------------------------------- */

typedef int (*sva_actor_fn)(void *arg);

enum {
	/* A service actor (workqueue worker...): the world's run ends without waiting for it. */
	SVA_ACTOR_DAEMON = 1u << 0,
	/* A user task (a process's thread): it can take task_work. */
	SVA_ACTOR_USER = 1u << 1,
};

/* Start an actor running fn(arg). In sim it first runs when the scheduler picks it. */
int sva_actor_spawn(struct sva_world *w, const char *name, sva_actor_fn fn, void *arg,
		    unsigned flags, struct sva_actor **out);
/* Wait for @a to end, store its return value, free it. Callable from an actor or from outside. */
#define sva_actor_join(a, ret) sva_actor_join_at((a), (ret), SVA_HERE)
int sva_actor_join_at(struct sva_actor *a, int *ret, const char *site);
/* Deliver a fatal signal: killable waits of @a return -EINTR; @a sees sva_fatal_signal_pending().
 */
void sva_actor_kill(struct sva_actor *a);
bool sva_actor_exited(struct sva_actor *a);
const char *sva_actor_name(const struct sva_actor *a);
unsigned sva_actor_id(const struct sva_actor *a);

/*
 * task_work: callbacks a user task runs on its way back to user space or at exit (the final
 * fput's release runs this way). Adding fails with -ESRCH for an actor that is not a user task
 * or has run its exit-time task_work already.
 */
struct sva_task_work {
	struct sva_list_head node; /* private */
	void (*fn)(struct sva_task_work *tw);
};

int sva_task_work_add(struct sva_actor *a, struct sva_task_work *tw);
/* Run the calling actor's pending task_work, in the order added. */
void sva_task_work_run(struct sva_world *w);
/* Run it one last time and refuse more (exit_task_work). */
void sva_task_work_exit(struct sva_world *w);
/* The per-actor pointer its owner layer keeps (the process layer's task). */
void sva_actor_set_owner(struct sva_actor *a, void *owner);
void *sva_actor_owner(const struct sva_actor *a);
unsigned sva_actor_flags(const struct sva_actor *a);

/* The calling actor, or NULL outside any actor of @w. */
struct sva_actor *sva_current(struct sva_world *w);
bool sva_fatal_signal_pending(struct sva_world *w);

/*
 * Run the world until every non-daemon actor has ended. Native: waits for them. Sim: drives the
 * scheduler. Returns 0, or -EDEADLK when every live actor is blocked (reported with each actor's
 * name and blocking site).
 */
int sva_world_run(struct sva_world *w);

/* An explicit scheduling point (a DMA page access, between a read and a write...). */
#define sva_sched_point(w) sva_sched_point_at((w), SVA_HERE)
void sva_sched_point_at(struct sva_world *w, const char *site);
/*
 * A function that may sleep begins (the kernel's might_sleep): a scheduling point, and in sim a
 * report when the caller holds a spinlock.
 */
void sva_might_sleep(struct sva_world *w, const char *site, const char *what);

/* Give way: native sched_yield(); sim a scheduling point. */
void sva_yield(struct sva_world *w);
/* Sleep: native nanosleep(); sim a scheduling point (time is logical there). */
void sva_msleep(struct sva_world *w, unsigned ms);

/*
 * The schedule so far, as a compact printable string that sva_world_config.schedule replays:
 * one letter per decision ('a' = actor 0 ... 'z' = 25, "[N]" beyond) with a repeat count.
 * Empty in native. Returns the length (even if truncated to @len).
 */
size_t sva_world_schedule(struct sva_world *w, char *buf, size_t len);
/*
 * The same written to @fd with write(2) - no stdio, no allocation: async-signal-safe, for a
 * handler that reports the run in progress when it crashed. The number of bytes.
 */
size_t sva_world_schedule_write(struct sva_world *w, int fd);
/*
 * Check schedule string @str before a run (the tools do, so that a bad one is refused before
 * anything is printed): 0 and its number of decisions in *@decisions; -EINVAL when it is
 * malformed, -E2BIG when it has more decisions than @max_decisions (the run's step budget,
 * 0 = the default: a decision takes a step, so such a schedule cannot be replayed), with
 * "bad schedule at character 5: ..." in @err (1-based). A world given such a schedule is not
 * created (sva_world_create returns the same error), and no memory is taken for it.
 */
#define SVA_SCHEDULE_MAX_DECISIONS 100000000ull /* whatever the budget: 200 MB at most */
int sva_schedule_check(const char *str, uint64_t max_decisions, size_t *decisions, char *err,
		       size_t err_len);
/* Context switches so far (sim). */
unsigned long sva_world_switches(struct sva_world *w);

/* ---- fiber stacks (sim) ---------------------------------------------------------------- */

/*
 * A cache of fiber stacks, kept mapped between fibers: pass it as the stack_cache of the
 * configs of worlds built one after another (the explorer does) and their fibers reuse the
 * same stacks. Holds at most @max_stacks free stacks; thread-safe. Destroy it after the last
 * world that used it.
 */
int sva_stack_cache_create(unsigned max_stacks, struct sva_stack_cache **out);
void sva_stack_cache_destroy(struct sva_stack_cache *c);
/* Free stacks it holds now. */
unsigned sva_stack_cache_count(struct sva_stack_cache *c);

/* ---- mutex ---------------------------------------------------------------------------- */

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_mutex {
	struct sva_wchan wc;
	const char *name;
	struct sva_actor *owner;
	const char *owner_site;
	struct sva_list_head held; /* in the owner's list of held locks */
	uint16_t dep_class;	   /* lockdep (sim): class + 1 once looked up */
};

void sva_mutex_init(struct sva_world *w, struct sva_mutex *m, const char *name);
void sva_mutex_destroy(struct sva_mutex *m);
#define sva_mutex_lock(m) sva_mutex_lock_at((m), SVA_HERE)
void sva_mutex_lock_at(struct sva_mutex *m, const char *site);
bool sva_mutex_trylock(struct sva_mutex *m);
void sva_mutex_unlock(struct sva_mutex *m);
bool sva_mutex_is_locked(struct sva_mutex *m);
/* True when the calling actor owns @m (lockdep_assert_held). */
bool sva_mutex_held(struct sva_mutex *m);

/* ---- spinlock: a lock whose holder must not sleep --------------------------------------- */

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_spinlock {
	struct sva_wchan wc;	/* sim only */
	SVA_ATOMIC(int) locked; /* native */
	bool sim;		/* copied from the world at init: the native path stays inline */
	const char *name;
	struct sva_actor *owner; /* sim only */
	uint16_t dep_class;	 /* lockdep (sim): class + 1 once looked up */
};

void sva_spin_lock_init(struct sva_world *w, struct sva_spinlock *s, const char *name);
void sva_spin_lock_destroy(struct sva_spinlock *s);
/*
 * Partial-order reduction (sim; docs/concurrency.md): what @s guards is also read without it,
 * and every such lock-free reader says so with sva_spin_lock_reads(). Steps that take only
 * guarded locks then commute with bare scheduling points (DMA) that do not name them.
 */
void sva_spin_lock_guards_lockfree(struct sva_spinlock *s);
/* The current step reads, lock-free, what @s guards. */
void sva_spin_lock_reads(struct sva_spinlock *s);
/* The current step touches shared state no lock names: for POR it depends on every step. */
void sva_sched_shared(struct sva_world *w);
/*
 * Partial-order reduction (sim; docs/concurrency.md "What each point names"): state that no lock
 * guards, read and written lock-free by several actors, gets an object id of its own
 * (sva_por_object(), 0 outside sim), and every step that reads or writes that state names it
 * (sva_por_access()). Two steps that name one object are dependent; a step that names only
 * objects another does not is independent of it.
 */
uint32_t sva_por_object(struct sva_world *w);
void sva_por_access(struct sva_world *w, uint32_t id);
/* The current step reads, lock-free, what @m guards (written only under @m). */
void sva_mutex_reads(struct sva_mutex *m);
/*
 * A scheduling point whose two steps name every lock-free access they make (sva_por_access(),
 * sva_*_reads()), unlike sva_sched_point(), which makes both "all": for POR each is what it
 * touched. For the device's points (the DMA helpers, the page walk, the engine's page loop).
 */
#define sva_sched_point_named(w) sva_sched_point_named_at((w), SVA_HERE)
void sva_sched_point_named_at(struct sva_world *w, const char *site);
/* sva_might_sleep() at a point whose steps name what they touch (as sva_sched_point_named()). */
void sva_might_sleep_named(struct sva_world *w, const char *site, const char *what);
/*
 * Whether someone holds @s now (native; acquire: a release seen is ordered before what
 * follows). For a waiter on sections under the lock (the IOTLB's walks): see it held, or not.
 */
static inline bool sva_spin_is_locked(struct sva_spinlock *s)
{
#ifdef __cplusplus
	return __atomic_load_n(&s->locked, __ATOMIC_SEQ_CST) != 0;
#else
	return atomic_load_explicit(&s->locked, memory_order_seq_cst) != 0;
#endif
}
void sva_spin_lock_slow_(struct sva_spinlock *s, const char *site);
void sva_spin_unlock_slow_(struct sva_spinlock *s);

#define sva_spin_lock(s) sva_spin_lock_at((s), SVA_HERE)
static inline void sva_spin_lock_at(struct sva_spinlock *s, const char *site)
{
#ifdef __cplusplus
	if (__builtin_expect(!s->sim, 1) && !__atomic_exchange_n(&s->locked, 1, __ATOMIC_ACQUIRE))
		return; /* native, uncontended */
#else
	if (__builtin_expect(!s->sim, 1) &&
	    !atomic_exchange_explicit(&s->locked, 1, memory_order_acquire))
		return; /* native, uncontended */
#endif
	sva_spin_lock_slow_(s, site);
}

static inline void sva_spin_unlock(struct sva_spinlock *s)
{
	if (__builtin_expect(!s->sim, 1))
#ifdef __cplusplus
		__atomic_store_n(&s->locked, 0, __ATOMIC_RELEASE);
#else
		atomic_store_explicit(&s->locked, 0, memory_order_release);
#endif
	else
		sva_spin_unlock_slow_(s);
}

/* ---- rw-semaphore ---------------------------------------------------------------------- */

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_rwsem {
	struct sva_wchan wc;
	const char *name;
	int readers;		  /* active readers */
	unsigned waiting_writers; /* writers queued: new readers wait behind them */
	struct sva_actor *writer;
	uint16_t dep_class; /* lockdep (sim): class + 1 once looked up */
};

void sva_rwsem_init(struct sva_world *w, struct sva_rwsem *s, const char *name);
void sva_rwsem_destroy(struct sva_rwsem *s);
#define sva_down_read(s)  sva_down_read_at((s), SVA_HERE)
#define sva_down_write(s) sva_down_write_at((s), SVA_HERE)
void sva_down_read_at(struct sva_rwsem *s, const char *site);
void sva_down_write_at(struct sva_rwsem *s, const char *site);
bool sva_down_read_trylock(struct sva_rwsem *s);
bool sva_down_write_trylock(struct sva_rwsem *s);
void sva_up_read(struct sva_rwsem *s);
void sva_up_write(struct sva_rwsem *s);
bool sva_rwsem_is_write_locked(struct sva_rwsem *s);

/* ---- lockdep_assert_held: the lock a function relies on ------------------------------------ */

/*
 * The kernel's lockdep_assert_held(): a function that touches what a lock protects, or is
 * called with it held (every *_locked function), says so. Unless the calling actor holds the
 * lock, SVA_REPORT_LOCK_NOT_HELD is reported naming the lock and the site - in sim a violation
 * with its schedule, like any report. Sim knows the holder of every kind; native knows a
 * mutex's and a writer's, and for a spinlock or a reader only that someone holds it.
 * No scheduling point and no footprint: asserting changes no schedule.
 */
void sva_mutex_assert_held_at(struct sva_mutex *m, const char *site);
void sva_spin_assert_held_at(struct sva_spinlock *s, const char *site);
void sva_rwsem_assert_held_at(struct sva_rwsem *s, const char *site); /* read or write */
void sva_rwsem_assert_write_held_at(struct sva_rwsem *s, const char *site);
/*
 * sva_spin_assert_held_at() with the native answer inline: a native spinlock held by anyone
 * is all native can know (and the section audit is sim's), so a held one returns at once,
 * without a call - hot paths assert a set's or a WQ's lock several times a request.
 */
static inline void sva_spin_assert_held_inline_at(struct sva_spinlock *s, const char *site)
{
#ifdef __cplusplus
	if (__builtin_expect(!s->sim, 1) && __atomic_load_n(&s->locked, __ATOMIC_RELAXED))
		return;
#else
	if (__builtin_expect(!s->sim, 1) && atomic_load_explicit(&s->locked, memory_order_relaxed))
		return;
#endif
	sva_spin_assert_held_at(s, site);
}
#ifdef __CPPCHECK__ /* scripts/lint.sh: its parser loses a _Generic call inside an expression */
#define sva_lockdep_assert_held(l) ((void)(l))
#else
#define sva_lockdep_assert_held(l)                                    \
	_Generic((l), struct sva_mutex *                              \
		 : sva_mutex_assert_held_at, struct sva_spinlock *    \
		 : sva_spin_assert_held_inline_at, struct sva_rwsem * \
		 : sva_rwsem_assert_held_at)((l), SVA_HERE)
#endif
#define sva_lockdep_assert_held_write(s) sva_rwsem_assert_write_held_at((s), SVA_HERE)

/*
 * State a lock protects, said at the field (the kernel's __guarded_by, checked): a field
 * declared SVA_GUARDED_BY(T) is read or written only through sva_guarded(lock, field), which
 * asserts @lock first, so a change that drops the lock is reported wherever the field is
 * touched - on every run, not only on the schedule where two actors race. sva_unguarded()
 * is for the holder no one else can reach (creation, the last reference's teardown), and says
 * so at the call site. A field some readers read locklessly is not one of these.
 */
#define SVA_GUARDED_BY(T) \
	struct {          \
		T v_;     \
	}
#define sva_guarded(l, f) (*(sva_lockdep_assert_held(l), &(f).v_))
#define sva_unguarded(f)  ((f).v_)
/*
 * A field changed under two mutexes and read under either (a uacce queue's state: its device's
 * mutex orders the changes, its own the page faults that read it under mmap_lock): a change
 * asserts both (sva_guarded2), a read one or the other (sva_guarded2_read).
 */
void sva_mutex_assert_either_held_at(struct sva_mutex *a, struct sva_mutex *b, const char *site);
#define sva_guarded2(a, b, f)	   (*(sva_lockdep_assert_held(a), sva_lockdep_assert_held(b), &(f).v_))
#define sva_guarded2_read(a, b, f) (*(sva_mutex_assert_either_held_at((a), (b), SVA_HERE), &(f).v_))

/* ---- wait queue -------------------------------------------------------------------------- */

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_waitq {
	struct sva_wchan wc;
	const char *name;
};

void sva_waitq_init(struct sva_world *w, struct sva_waitq *q, const char *name);
void sva_waitq_destroy(struct sva_waitq *q);
/* Wake every waiter; they re-check their conditions. */
void sva_wake_up(struct sva_waitq *q);

/* Internal helpers of the wait_event macros. */
void sva_waitq_prepare_(struct sva_waitq *q, const char *site, bool killable);
/* Returns -EINTR when @killable and a fatal signal is pending, else 0 after a wake-up. */
int sva_waitq_sleep_(struct sva_waitq *q, const char *site, bool killable);
void sva_waitq_finish_(struct sva_waitq *q, bool killable);

/*
 * Sleep until @cond is true. @cond is evaluated with the queue's channel held; whoever makes it
 * true must do so before calling sva_wake_up(). Conditions read shared state with atomics.
 */
#define sva_wait_event(q, cond)                                 \
	do {                                                    \
		sva_waitq_prepare_((q), SVA_HERE, false);       \
		while (!(cond))                                 \
			sva_waitq_sleep_((q), SVA_HERE, false); \
		sva_waitq_finish_((q), false);                  \
	} while (0)

/* As sva_wait_event(), but a fatal signal ends the wait: evaluates to 0 or -EINTR. */
#define sva_wait_event_killable(q, cond)                                     \
	({                                                                   \
		int sva_we_ret_ = 0;                                         \
		sva_waitq_prepare_((q), SVA_HERE, true);                     \
		while (!(cond)) {                                            \
			sva_we_ret_ = sva_waitq_sleep_((q), SVA_HERE, true); \
			if (sva_we_ret_)                                     \
				break;                                       \
		}                                                            \
		sva_waitq_finish_((q), true);                                \
		sva_we_ret_;                                                 \
	})

/* ---- completion ---------------------------------------------------------------------------- */

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_completion {
	struct sva_waitq wq;
	SVA_ATOMIC(unsigned) done;
};

void sva_completion_init(struct sva_world *w, struct sva_completion *c, const char *name);
void sva_completion_destroy(struct sva_completion *c);
void sva_completion_reinit(struct sva_completion *c);
void sva_complete(struct sva_completion *c);
void sva_complete_all(struct sva_completion *c);
#define sva_wait_for_completion(c)	    sva_wait_for_completion_at((c), SVA_HERE, false)
#define sva_wait_for_completion_killable(c) sva_wait_for_completion_at((c), SVA_HERE, true)
int sva_wait_for_completion_at(struct sva_completion *c, const char *site, bool killable);
bool sva_completion_done(struct sva_completion *c);

/* ---- atomics: every operation is a scheduling point in sim ---------------------------------- */

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_atomic {
	struct sva_world *w;
	uint32_t por_id; /* sim: identity for partial-order reduction */
	SVA_ATOMIC(long) v;
};

void sva_atomic_init(struct sva_world *w, struct sva_atomic *a, long v);
long sva_atomic_read(struct sva_atomic *a);
void sva_atomic_set(struct sva_atomic *a, long v);
long sva_atomic_add_return(struct sva_atomic *a, long d);
static inline long sva_atomic_inc_return(struct sva_atomic *a)
{
	return sva_atomic_add_return(a, 1);
}
static inline long sva_atomic_dec_return(struct sva_atomic *a)
{
	return sva_atomic_add_return(a, -1);
}
/* If the value is @old, set it to @new. Returns the value seen. */
long sva_atomic_cmpxchg(struct sva_atomic *a, long old, long new_value);
/* Add @d unless the value is @u. Returns true if added. */
bool sva_atomic_add_unless(struct sva_atomic *a, long d, long u);

/* ---- refcount_t: saturating, never wraps, misuse reported ------------------------------------ */

/* As the kernel's refcount_t: a misused count is parked at INT_MIN / 2 and stays there. */
#define SVA_REFCOUNT_SATURATED (-0x40000000L)
#define SVA_REFCOUNT_MAX       0x7fffffffL

/* Every field private (sva/api.h): embed it by value, use it through the functions below. */
struct sva_refcount {
	struct sva_atomic a;
	const char *name;
};

void sva_refcount_init(struct sva_world *w, struct sva_refcount *r, const char *name, long v);
long sva_refcount_read(struct sva_refcount *r);
void sva_refcount_set(struct sva_refcount *r, long v);
/* Increment; from zero (use after free) or at saturation it reports and saturates. */
void sva_refcount_inc(struct sva_refcount *r);
/* Increment unless zero. Returns false when zero. */
bool sva_refcount_inc_not_zero(struct sva_refcount *r);
/* Decrement; true when it reached zero. Underflow reports and saturates. */
bool sva_refcount_dec_and_test(struct sva_refcount *r);
/* Decrement that must not reach zero (reports if it does). */
void sva_refcount_dec(struct sva_refcount *r);

/* ---- workqueue ----------------------------------------------------------------------------- */

struct sva_work;
struct sva_workqueue;
typedef void (*sva_work_fn)(struct sva_work *work);

struct sva_work {
	/* private: every field (sva_work_init() sets @fn) */
	struct sva_list_head entry;
	sva_work_fn fn;
	struct sva_workqueue *wq; /* where it was last queued */
	uint64_t seq;		  /* queue order, for flushing */
	/*
	 * Identity, given at the first queueing: a work freed by its function and another
	 * allocated at the same address must not be taken for each other (that would make the
	 * sim's choices depend on the allocator's history).
	 */
	uint64_t id;
	bool pending;
};

enum {
	SVA_WQ_ORDERED = 1u << 0, /* one worker: items run one at a time in queue order */
};

void sva_work_init(struct sva_work *work, sva_work_fn fn);
int sva_workqueue_create(struct sva_world *w, const char *name, unsigned flags, unsigned max_active,
			 struct sva_workqueue **out);
/* Flush, stop the workers, free. */
void sva_workqueue_destroy(struct sva_workqueue *wq);
/* Queue @work unless it is already pending; true if queued. */
bool sva_queue_work(struct sva_workqueue *wq, struct sva_work *work);
/* Wait until @work is neither pending nor running. True if it had to wait. */
#define sva_flush_work(work) sva_flush_work_at((work), SVA_HERE)
bool sva_flush_work_at(struct sva_work *work, const char *site);
/* Wait until every work queued before the call has run. */
#define sva_flush_workqueue(wq) sva_flush_workqueue_at((wq), SVA_HERE)
void sva_flush_workqueue_at(struct sva_workqueue *wq, const char *site);

/* ---- the explorer: bounded-preemption enumeration of a closed program ------------------------ */

/*
 * A closed program: @setup builds fresh state in a new world and spawns the actors; the world
 * runs; @check returns 0 when the outcome is right, or a negative errno and a message in @msg.
 * Reports raised by the world (deadlock, lock misuse, refcount misuse) also fail a schedule.
 */
struct sva_program {
	const char *name;
	int (*setup)(struct sva_world *w, void *arg);
	int (*check)(struct sva_world *w, void *arg, int run_result, char *msg, size_t len);
	void (*teardown)(struct sva_world *w, void *arg); /* optional, before the world goes */
	void *arg;
	/*
	 * The check judges the whole outcome itself - the world's reports, leaks, a stopped run
	 * (a scenario that expects a violation passes when it sees it).
	 */
	bool check_judges_outcome;
};

/* Why an exploration ended (sva_explore_result.stop). */
enum sva_explore_stop {
	SVA_EXPLORE_EXHAUSTED,	    /* every schedule within the bound was explored */
	SVA_EXPLORE_STOP_MAX,	    /* max_schedules were explored */
	SVA_EXPLORE_STOP_RUNS,	    /* PCT: its pct_runs were run */
	SVA_EXPLORE_STOP_SECONDS,   /* the wall-clock budget was spent */
	SVA_EXPLORE_STOP_VIOLATION, /* at the first failing schedule */
	SVA_EXPLORE_STOP_INTERRUPT, /* *interrupt was set (by a signal handler) */
};

/*
 * What an exploration has done so far, for a signal handler (a crash, SIGINT) to report: the
 * world of the run in progress (NULL between runs; its schedule so far is
 * sva_world_schedule_write()) and the counts. Lock-free atomics: async-signal-safe to read.
 */
struct sva_explore_live { /* written by libsva, read by the caller (atomically in C) */
	SVA_ATOMIC(struct sva_world *) world;
	SVA_ATOMIC(unsigned long) schedules, failures;
};

struct sva_explore_config {
	unsigned preemption_bound;   /* K */
	unsigned long max_schedules; /* 0 = no limit */
	bool keep_going;	     /* count every failing schedule instead of stopping at one */
	/* Partial-order reduction off: every schedule within the bound, equivalent or not. */
	bool no_por;
	struct sva_world_config world; /* backend is forced to sim; its max_steps bounds each run */
	/* Called every @progress_every schedules when set. */
	void (*progress)(void *ctx, unsigned long schedules, unsigned long failures);
	void *progress_ctx;
	unsigned long progress_every;
	double seconds; /* wall-clock budget, checked between schedules; 0 = none */
	/* When set and nonzero, stop before the next schedule (result.interrupt = its value). */
	const SVA_ATOMIC(int) * interrupt;
	struct sva_explore_live *live; /* kept up to date when set */
	/*
	 * PCT instead of enumeration (src/sync/pct.c): @pct_runs runs, the first the default
	 * schedule (it measures k, the decisions of a run), each next one PCT of depth @pct_depth
	 * with world.seed + its index as seed. The preemption bound does not apply.
	 */
	unsigned pct_depth;
	unsigned long pct_runs;
	/*
	 * Shard @shard_index of @shard_count (0 = whole): the schedules this process owns of a
	 * split that covers the enumeration (or PCT's runs) exactly once (src/sync/shard.c).
	 */
	unsigned shard_index, shard_count;
	/*
	 * Called with every schedule explored (and counted), when set, whole: result.schedule
	 * keeps only the first 4095 characters of a long one.
	 */
	void (*on_schedule)(void *ctx, const char *schedule, bool failed);
	void *schedule_ctx;
};

struct sva_explore_result {
	unsigned long schedules; /* runs executed (and counted: a shard's own) */
	unsigned long failures;	 /* runs that failed */
	/*
	 * Runs abandoned by partial-order reduction: they reached a point where every runnable
	 * actor was asleep (each continuation equivalent to one explored), or a switch forced off
	 * a sleeping actor would exceed the bound. Not counted in @schedules.
	 */
	unsigned long redundant;
	bool exhausted;		     /* every schedule within the bound was explored */
	enum sva_explore_stop stop;  /* why it ended */
	int interrupt;		     /* SVA_EXPLORE_STOP_INTERRUPT: the value of *interrupt */
	unsigned long max_decisions; /* longest run, in scheduling decisions */
	unsigned long uncounted;     /* runs a shard ran to learn the tree, owned by another */
	/* Sum of a hash of each counted schedule: shards' sums add up to the whole run's. */
	uint64_t checksum;
	unsigned shard_depth;	 /* the branch points that decide a schedule's shard */
	unsigned long pct_steps; /* PCT: k, the decisions of the default schedule */
	char schedule[4096];	 /* the first failing schedule (replayable) */
	char message[1024];	 /* what failed */
};

/* Explore; returns 0 (see result), or a negative errno if a run could not be set up. */
int sva_explore(const struct sva_explore_config *config, const struct sva_program *program,
		struct sva_explore_result *result);
/* Run @program once under @config (any backend); 0 when it passed, else -EFAULT and @msg. */
int sva_program_run_once(const struct sva_world_config *config, const struct sva_program *program,
			 char *schedule, size_t schedule_len, char *msg, size_t msg_len);
/* Sees the world of a run after its verdict, before it is destroyed (to print or export). */
typedef void (*sva_run_observer)(void *ctx, struct sva_world *w, bool failed, const char *msg);
int sva_program_run_observed(const struct sva_world_config *config,
			     const struct sva_program *program, sva_run_observer observe, void *ctx,
			     char *msg, size_t msg_len);

SVA_END_DECLS

#endif /* SVA_SYNC_H */

/* SPDX-License-Identifier: MIT */
/*
 * libsva base layer: errors, the world, the object allocator, logging, reports and the trace.
 *
 * Every piece of libsva state belongs to a world (struct sva_world): there are no mutable
 * globals, so any number of worlds can live in one process. A world is created with a backend
 * (native threads or the deterministic simulator, see sva/sync.h) and owns the allocator counts,
 * the log sink, the report counters and the trace ring.
 *
 * Errors are negative errno values everywhere; sva_strerror() names them.
 */
#ifndef SVA_BASE_H
#define SVA_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sva/api.h"
#include "sva/events.h"
#include "sva/version.h"

SVA_BEGIN_DECLS

struct sva_world;

#define SVA_STR_(x) #x
#define SVA_STR(x)  SVA_STR_(x)
/* A code site, "file:line", used to name where an actor blocked or a lock was taken. */
#define SVA_HERE    __FILE__ ":" SVA_STR(__LINE__)

#define SVA_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/* An intrusive list node (the kernel's list_head), embedded by every layer's objects. */
struct sva_list_head {
	struct sva_list_head *next, *prev;
};

/* The structure that embeds @ptr as its @member. */
#define sva_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- errors -------------------------------------------------------------------------- */

/* Name and describe a negative errno ("-EBUSY: Device or resource busy"). */
const char *sva_strerror(int err);

/* ---- the world ----------------------------------------------------------------------- */

enum sva_backend {
	SVA_BACKEND_NATIVE, /* pthreads, real parallelism */
	SVA_BACKEND_SIM,    /* fibers, one actor at a time, scheduler chooses every step */
};

enum sva_log_level {
	SVA_LOG_ERR,
	SVA_LOG_WARN,
	SVA_LOG_INFO,
	SVA_LOG_DEBUG,
};

struct sva_stack_cache;

struct sva_world_config {
	enum sva_backend backend;
	/* sim: seed of the random scheduling policy (used when no schedule is given). */
	uint64_t seed;
	/* sim: replay this schedule string (see sva_world_schedule()); NULL = random policy. */
	const char *schedule;
	/* sim: never preempt; run each actor until it blocks or ends (the enumerator's default). */
	bool nonpreemptive;
	/* Events kept in the trace ring; 0 = SVA_TRACE_DEFAULT_CAPACITY. */
	size_t trace_capacity;
	/* Messages above this level are not logged. Default (0) = SVA_LOG_ERR. */
	enum sva_log_level log_level;
	/* Log nothing at all (reports are still counted and traced). */
	bool quiet;
	/* sim: stack size of each actor's fiber; 0 = default. */
	size_t stack_size;
	/*
	 * sim: where fiber stacks come from and go back to (sva_stack_cache_create() in
	 * sva/sync.h), shared by worlds built one after another; NULL = the world's own.
	 */
	struct sva_stack_cache *stack_cache;
	/*
	 * The design the kernel code follows: one of the IOMMU core's policies (enum sva_variant,
	 * sva/iommu.h, which names them and checks the number); 0 = the faithful one. Base only
	 * carries it.
	 */
	unsigned variant;
	/*
	 * sim: the run's step budget (scheduling points); once spent, the run is a livelock: it
	 * is reported (STEP_BUDGET) and stopped. 0 = SVA_SIM_DEFAULT_MAX_STEPS;
	 * SVA_SIM_NO_MAX_STEPS = none. A replay needs the same budget to end at the same point.
	 */
	uint64_t max_steps;
	/*
	 * sim: probabilistic concurrency testing (src/sync/pct.c) instead of the random policy:
	 * priorities and @pct_depth - 1 change points among @pct_steps decisions drawn from @seed.
	 * 0 = off. Decisions given in @schedule are replayed first.
	 */
	unsigned pct_depth;
	uint64_t pct_steps;
	/*
	 * sim, in a ThreadSanitizer build (-DSVA_SANITIZE=thread): actors do not synchronise when
	 * the scheduler switches between them, so TSan reports any data race between two actors
	 * that a real kernel could run at once - a lock that was dropped, a field read outside
	 * the lock that guards it - on the very schedule being run (docs/concurrency.md, "Data
	 * races in sim"). -EOPNOTSUPP in any other build.
	 */
	bool race_check;
	/*
	 * Test only: model defects switched on (SVA_BREAK_* bits) to prove that a check of the
	 * checker catches them; 0 in every real run. Each bit is the layer's whose code it
	 * breaks, defined in its header (SVA_BREAK_ACCESS_NO_PTL in sva/mm.h, ...); base only
	 * carries them.
	 */
	unsigned breaks;
};

#define SVA_SIM_DEFAULT_MAX_STEPS 10000000ull
#define SVA_SIM_NO_MAX_STEPS	  UINT64_MAX

/* Create a world. NULL config = native backend, defaults. Returns 0 or -ENOMEM/-EINVAL. */
int sva_world_create(const struct sva_world_config *config, struct sva_world **out);
/* Destroy a world: joins what it can, frees every object the allocator still tracks. */
void sva_world_destroy(struct sva_world *w);
enum sva_backend sva_world_backend(const struct sva_world *w);
/* Logical step in sim, nanoseconds since creation in native. */
uint64_t sva_world_now(struct sva_world *w);
/* The design this world's kernel code follows (config.variant; the switch points ask). */
unsigned sva_world_variant(const struct sva_world *w);
/* Is the test-only defect @brk (an SVA_BREAK_* bit of a layer's header) switched on? */
bool sva_world_broken(const struct sva_world *w, unsigned brk);
/*
 * Stop the run: sim schedules no actor after the current one reaches its next scheduling
 * point, and sva_world_run() returns -ECANCELED (the checker stops a run at its first
 * violation). Native threads cannot be stopped from outside: the flag is only recorded.
 */
void sva_world_stop(struct sva_world *w);
bool sva_world_stopped(const struct sva_world *w);

/* ---- the object allocator ------------------------------------------------------------ */

/*
 * Every libsva object is allocated through sva_alloc() with its class, so a test can assert
 * that nothing of a class leaked, and so allocation failures can be injected (the kernel's
 * fail-nth). The layer that owns a kind of object defines its class (SVA_OBJ_CLASS in one of
 * its .c files) and declares it in its own header (extern const struct sva_obj_class
 * sva_obj_bond; in sva/iommu.h): base knows none of them. A class is constant; what is counted
 * of it lives in the world, which gives the class a slot the first time it is used
 * (SVA_OBJ_CLASSES_MAX slots a world).
 */
struct sva_obj_class {
	const char *name; /* "bond": leak descriptions, fail-nth records, use-after-free reports */
};

/* Define the class sva_obj_@id, named "@id" (at file scope, in the owning layer's .c). */
#define SVA_OBJ_CLASS(id)   const struct sva_obj_class sva_obj_##id = { .name = #id }
#define SVA_OBJ_CLASSES_MAX 128

/* Base's own classes: tests' objects, strings, the trace ring, arrays of any layer. */
extern const struct sva_obj_class sva_obj_test;
extern const struct sva_obj_class sva_obj_string;
extern const struct sva_obj_class sva_obj_trace_ring;
extern const struct sva_obj_class sva_obj_array;

/*
 * Zeroed memory for one object of class @cls; NULL when out of memory, when a failure is
 * injected, or when the world has no slot left for a new class (reported: BAD_USAGE).
 * sva_alloc() passes its call site ("src/iommu/pasid.c:88") to sva_alloc_at(), so an injected
 * failure says where it happened (sva_alloc_injection); @site may be NULL.
 */
void *sva_alloc_at(struct sva_world *w, const struct sva_obj_class *cls, size_t size,
		   const char *site);
void *sva_alloc(struct sva_world *w, const struct sva_obj_class *cls, size_t size);
#define sva_alloc(w, cls, size) sva_alloc_at((w), (cls), (size), SVA_HERE)
/*
 * Grow or shrink an array object of @cls (NULL: a new one, zeroed); the old one stays valid
 * when NULL is returned. Never injected: growing arrays are not where fail-nth looks.
 */
void *sva_realloc(struct sva_world *w, const struct sva_obj_class *cls, void *obj, size_t size);
/* Free an object from sva_alloc(); NULL is ignored. */
void sva_free(struct sva_world *w, const struct sva_obj_class *cls, void *obj);
/* Live objects of @cls (0 for a class the world never saw) / of every class. */
long sva_alloc_live(struct sva_world *w, const struct sva_obj_class *cls);
long sva_alloc_live_total(struct sva_world *w);
/* Total allocations attempted so far (failed ones included). */
unsigned long sva_alloc_attempts(struct sva_world *w);
/*
 * Fail the @nth allocation attempted from now on (1 = the next one); 0 disables. Only one
 * allocation fails. sva_alloc_injected() tells whether it has happened since.
 */
void sva_alloc_fail_nth(struct sva_world *w, unsigned long nth);
bool sva_alloc_injected(struct sva_world *w);
/* The failure injected since the last sva_alloc_fail_nth(): which allocation, where. */
struct sva_alloc_injection {
	unsigned long attempt; /* the world's allocation attempt that failed (1 = its first) */
	const struct sva_obj_class *type; /* what it was to allocate (type->name: "bond") */
	const char *site; /* "file:line" of the sva_alloc() call, "?" when not known */
};
/* Fill @out and return true when a failure was injected, else false. */
bool sva_alloc_injection(struct sva_world *w, struct sva_alloc_injection *out);
/*
 * Describe live objects ("2 actor, 1 pasid_chunk"), class by class in the order the world
 * first used them, into @buf, ignoring the classes of @ignore (a NULL-terminated list; NULL:
 * none; sva_obj_machinery in sva/sync.h is the world's own). Returns the number of live
 * objects not ignored.
 */
long sva_alloc_describe_live(struct sva_world *w, const struct sva_obj_class *const *ignore,
			     char *buf, size_t len);
/*
 * Use after free of a model object (sim worlds quarantine and poison freed objects, see
 * docs/architecture.md): true when @field, a pointer member of an object from sva_alloc(), lies
 * in a freed object. Then it is reported as USE_AFTER_FREE ("@op through a freed domain
 * (allocation #12, ...)", the checker's I5), the run is stopped and, in an actor of a sim run,
 * the call does not return: nothing is followed. Code that follows a pointer it holds no
 * reference for - whose lifetime rests on an order (a drain, a lock), as a fault group's domain
 * does - asks before following it, as the primitives do for their own world pointer. False for
 * a live object, and always in native worlds (they free at once).
 */
bool sva_obj_gone(const void *field, const char *op);

/* ---- logging --------------------------------------------------------------------------- */

typedef void (*sva_log_sink)(void *ctx, enum sva_log_level level, const char *msg);

void sva_log(struct sva_world *w, enum sva_log_level level, const char *fmt, ...) SVA_PRINTF(3, 4);
void sva_world_set_log_level(struct sva_world *w, enum sva_log_level level);
/* NULL sink restores the default (stderr). */
void sva_world_set_log_sink(struct sva_world *w, sva_log_sink sink, void *ctx);

/* ---- reports: problems the world detected ---------------------------------------------- */

#define SVA_REPORT_KINDS(X)                                     \
	X(DEADLOCK, "deadlock")                                 \
	X(LOCK_NOT_OWNER, "lock released by non-owner")         \
	X(LOCK_HELD_AT_EXIT, "lock held at actor exit")         \
	X(LOCK_ORDER, "lock order inversion")                   \
	X(LOCK_NOT_HELD, "lock not held")                       \
	X(SLEEP_IN_ATOMIC, "sleeping while holding a spinlock") \
	X(REFCOUNT, "refcount misuse")                          \
	X(USE_AFTER_FREE, "use after free")                     \
	X(LIST_CORRUPTION, "list corruption")                   \
	X(SCHEDULE_DIVERGED, "schedule diverged")               \
	X(BAD_USAGE, "API misuse")                              \
	X(STEP_BUDGET, "step budget exceeded")                  \
	X(INVARIANT, "invariant violated")

enum sva_report_kind {
#define SVA_REPORT_ENUM(name, str) SVA_REPORT_##name,
	SVA_REPORT_KINDS(SVA_REPORT_ENUM)
#undef SVA_REPORT_ENUM
		SVA_REPORT_NR
};

/* Record a problem: counted, logged at ERR, traced; the first one's text is kept. */
void sva_report(struct sva_world *w, enum sva_report_kind kind, const char *fmt, ...)
	SVA_PRINTF(3, 4);
const char *sva_report_kind_name(enum sva_report_kind kind);
unsigned long sva_report_count(struct sva_world *w, enum sva_report_kind kind);
unsigned long sva_report_total(struct sva_world *w);
/* Text of the first report ("deadlock: ..."), or "" when none. */
const char *sva_report_first(struct sva_world *w);

/* ---- the trace ------------------------------------------------------------------------- */

#define SVA_TRACE_DEFAULT_CAPACITY 65536
#define SVA_TRACE_MAX_FIELDS	   6

enum sva_trace_phase {
	SVA_TRACE_INSTANT,
	SVA_TRACE_BEGIN, /* a lifetime starts on the track */
	SVA_TRACE_END,
};

/*
 * The events are declared once, in sva/events.h; what follows is generated from that table.
 * Every kind of event: SVA_EV_REPORT, SVA_EV_SVA_BIND, ...
 */
#define SVA_EV_ENUM_(kind, ...) SVA_EV_##kind,
enum sva_event { SVA_EVENTS(SVA_EV_ENUM_) SVA_EV_NR };

/* One value of an event: a number or a string, as its kind's table entry says. */
union sva_trace_value {
	uint64_t num;
	const char *str; /* interned by the ring: lives as long as the world */
};

struct sva_trace_event {
	uint64_t time;
	int actor; /* actor id, -1 outside any actor */
	enum sva_event kind;
	uint64_t track_id; /* which object on the kind's named track (the PASID value...) */
	union sva_trace_value v[SVA_TRACE_MAX_FIELDS];
	/*
	 * The object the event is about, for a judge in the process (the checker keeps an mm's
	 * to query its page table), when the emitter names it (sva_trace_obj); never exported.
	 */
	const void *obj;
};

/* How a field's value is shown: SVA_EV_FMT_hex, ... (SVA_EV_FORMATS in sva/events.h). */
#define SVA_EV_FMT_ENUM_(fmt, storage, what) SVA_EV_FMT_##fmt,
enum sva_ev_format { SVA_EV_FORMATS(SVA_EV_FMT_ENUM_) SVA_EV_FMT_NR };

/* What the table says of a kind: for exporters and generic readers. */
struct sva_event_desc {
	const char *name;  /* "sva.bind" */
	const char *track; /* NULL = the actor's own track; else a named track ("pasid") */
	enum sva_trace_phase phase;
	unsigned nfields;
	struct {
		const char *name;
		bool str;
		enum sva_ev_format format;
	} fields[SVA_TRACE_MAX_FIELDS];
};

/* The table entry of @kind (a kind out of range gets an entry named "?"). */
const struct sva_event_desc *sva_event_desc(enum sva_event kind);
static inline const char *sva_event_name(enum sva_event kind)
{
	return sva_event_desc(kind)->name;
}
/* A field of @ev by name, for generic readers (exporters); judges use sva_ev_num/_str. */
const char *sva_trace_event_str(const struct sva_trace_event *ev, const char *field);

/*
 * The one formatter of values, which every printer of events uses (text, Chrome JSON, SVG,
 * the tool's summaries): @v as @format shows it, in @buf, e.g. "0x7f0000001000", "-EFAULT",
 * "SIGKILL", and the names of the layers' codes ("MEMMOVE", "INVALID") as @w's layers named
 * them (a format no layer of @w named, or a NULL @w: hex). Returns @buf. A str format has no
 * number: the value's decimal. Never fails; truncates to @len.
 */
const char *sva_trace_format(struct sva_world *w, enum sva_ev_format format, uint64_t v, char *buf,
			     size_t len);
/* Field @f of @ev, an event of @w, as the printers show it (a string: its text); "?" past. */
const char *sva_trace_field_text(struct sva_world *w, const struct sva_trace_event *ev, unsigned f,
				 char *buf, size_t len);
/*
 * The names of a format's values belong to the layer whose constants they are (a page
 * response to the IOMMU core, a DSA opcode to the accelerator): the layer registers a namer
 * of its formats with the world when its subsystem is created; base's own formats (str, num,
 * hex, err, signo, desc) are not registered. A namer writes @v's text into @buf and returns
 * @buf. Register at setup, before the events are printed; 0, or -EINVAL for base's format.
 */
typedef const char *(*sva_trace_format_fn)(uint64_t v, char *buf, size_t len);
int sva_trace_format_register(struct sva_world *w, enum sva_ev_format format,
			      sva_trace_format_fn fn);
/* For namers: a value and its name (SVA_TRACE_NAME(SVA_PROT_, READ): SVA_PROT_READ, "READ"). */
struct sva_trace_name {
	uint64_t v;
	const char *name;
};
#define SVA_TRACE_NAME(prefix, name) \
	{                            \
		prefix##name, #name  \
	}
#define SVA_TRACE_NAMES(t) (t), sizeof(t) / sizeof((t)[0])
/* The name of @v in @t (@n entries), or @v in hex. */
const char *sva_trace_format_code(const struct sva_trace_name *t, size_t n, uint64_t v, char *buf,
				  size_t len);
/* A bit set: "WRITE|USER", the bits of @v named in @t, then the others in hex; @none when 0. */
const char *sva_trace_format_bits(const struct sva_trace_name *t, size_t n, uint64_t v,
				  const char *none, char *buf, size_t len);
/* The format's name as the table spells it ("hex"), and whether its text is a plain decimal. */
const char *sva_trace_format_name(enum sva_ev_format format);
bool sva_trace_format_is_decimal(enum sva_ev_format format);

/*
 * Subscribers see every event as it is emitted (the checker is one). Subscribe and
 * unsubscribe while no actor runs (setup, teardown): the list is not locked.
 */
typedef void (*sva_event_fn)(void *ctx, struct sva_world *w, const struct sva_trace_event *ev);
int sva_world_subscribe(struct sva_world *w, sva_event_fn fn, void *ctx);
/*
 * The same, and every subscriber is handed events in the order the ring recorded them, also
 * on native threads (emitters wait for their turn); an event a subscriber emits while handed
 * one goes out of turn. For judges of a history, such as the invariant checker.
 */
int sva_world_subscribe_ordered(struct sva_world *w, sva_event_fn fn, void *ctx);
void sva_world_unsubscribe(struct sva_world *w, sva_event_fn fn, void *ctx);
/*
 * Is anyone subscribed? Events emitted per page on a hot path (dma.access) exist to be judged,
 * and are emitted only then: a timeline does not need one mark per page copied.
 */
bool sva_world_subscribed(const struct sva_world *w);

/* Record an event of @kind about @obj (may be NULL); @v holds its fields in the table's order. */
void sva_trace_emit(struct sva_world *w, enum sva_event kind, uint64_t track_id,
		    const union sva_trace_value *v, const void *obj);

#ifndef __cplusplus
/*
 * C only, from here to the end of the generated emitters: the typed emitters and readers
 * below are built with GNU C's comma elision and _Generic. C++ code reads events with
 * sva_trace_get(), sva_event_desc() and sva_trace_event_str(), and emits none.
 *
 * sva_trace(w, SVA_BIND, dev->name, mm_id, pasid, users): an event of a kind of sva/events.h
 * with exactly its fields, in order; an event on a named track takes the object's id first
 * (sva_trace(w, PASID_ALLOC, pasid, mm_id)).
 */
#define sva_trace(w, kind, ...)		 sva_trace_ev_##kind((w), NULL, ##__VA_ARGS__)
/* The same, naming the object the event is about (see struct sva_trace_event). */
#define sva_trace_obj(w, obj, kind, ...) sva_trace_ev_##kind((w), (obj), ##__VA_ARGS__)

/* A subscriber's typed read of @field of @ev, an event of @kind (K, as in sva_trace). */
/* clang-format off */
#define sva_ev_num(ev, kind, field)							\
	((ev)->v[_Generic((struct sva_ev_fields_##kind){ 0 }.field,			\
			  sva_ev_num_t_: SVA_EV_INDEX_(kind, field))].num)
#define sva_ev_str(ev, kind, field)							\
	((ev)->v[_Generic((struct sva_ev_fields_##kind){ 0 }.field,			\
			  sva_ev_str_t_: SVA_EV_INDEX_(kind, field))].str)

/* ---- generated from the table (the parts above use them) ---- */

/*
 * Apply P to each field (t, f): P##s(f, t), s the storage of format t ((hex, addr) with
 * P = SVA_EV_PARAM_ gives SVA_EV_PARAM_num(addr, hex)).
 */
#define SVA_PP_CAT_(a, b) a##b
#define SVA_PP_CAT(a, b) SVA_PP_CAT_(a, b)
#define SVA_PP_NARG_(_0, _1, _2, _3, _4, _5, _6, _7, n, ...) n
#define SVA_PP_NARG(...) SVA_PP_NARG_(_, ##__VA_ARGS__, 7, 6, 5, 4, 3, 2, 1, 0)
#define SVA_PP_ID(x) x
#define SVA_PP_UNPAREN(...) __VA_ARGS__
/* the format t's storage picks P's variant: P##num(f, t) or P##str(f, t) */
#define SVA_PP_APPLY2_(P, t, f) SVA_PP_CAT(P, SVA_EV_STORE_##t)(f, t)
#define SVA_PP_APPLY1_(P, ...) SVA_PP_ID(SVA_PP_APPLY2_(P, __VA_ARGS__))
#define SVA_PP_APPLY(P, x) SVA_PP_APPLY1_(P, SVA_PP_UNPAREN x)
#define SVA_PP_EACH(P, ...)								\
	SVA_PP_CAT(SVA_PP_EACH_, SVA_PP_NARG(__VA_ARGS__))(P, ##__VA_ARGS__)
#define SVA_PP_EACH_0(P)
#define SVA_PP_EACH_1(P, x) SVA_PP_APPLY(P, x)
#define SVA_PP_EACH_2(P, x, ...) SVA_PP_APPLY(P, x) SVA_PP_EACH_1(P, __VA_ARGS__)
#define SVA_PP_EACH_3(P, x, ...) SVA_PP_APPLY(P, x) SVA_PP_EACH_2(P, __VA_ARGS__)
#define SVA_PP_EACH_4(P, x, ...) SVA_PP_APPLY(P, x) SVA_PP_EACH_3(P, __VA_ARGS__)
#define SVA_PP_EACH_5(P, x, ...) SVA_PP_APPLY(P, x) SVA_PP_EACH_4(P, __VA_ARGS__)
#define SVA_PP_EACH_6(P, x, ...) SVA_PP_APPLY(P, x) SVA_PP_EACH_5(P, __VA_ARGS__)
/* SVA_PP_EACH_7 is missing on purpose: a seventh field does not compile */

/*
 * A field's index: its offset in a struct of one byte per field, after a leading byte; the
 * byte's type tells a number from a string.
 */
typedef unsigned char sva_ev_num_t_;
typedef signed char sva_ev_str_t_;
#define SVA_EV_FIELD_num(f, t) sva_ev_num_t_ f;
#define SVA_EV_FIELD_str(f, t) sva_ev_str_t_ f;
#define SVA_EV_INDEX_(kind, field) (offsetof(struct sva_ev_fields_##kind, field) - 1)
#define SVA_EV_FIELDS_(kind, name, track, phase, ...)					\
	struct sva_ev_fields_##kind {							\
		char sva_ev_first_;							\
		SVA_PP_EACH(SVA_EV_FIELD_, ##__VA_ARGS__)				\
	};										\
	_Static_assert(sizeof(struct sva_ev_fields_##kind) - 1 <= SVA_TRACE_MAX_FIELDS,	\
		       #kind ": too many fields");
SVA_EVENTS(SVA_EV_FIELDS_)

/* The emitter of each kind: its track id if it has a track, then its fields, typed. */
#define SVA_EV_PARAM_num(f, t) , uint64_t f
#define SVA_EV_PARAM_str(f, t) , const char *f
#define SVA_EV_VALUE_num(f, t) { .num = (f) },
#define SVA_EV_VALUE_str(f, t) { .str = (f) },
#define SVA_EV_ID_PARAM_NONE
#define SVA_EV_ID_PARAM_mm , uint64_t track_id
#define SVA_EV_ID_PARAM_process , uint64_t track_id
#define SVA_EV_ID_PARAM_device , uint64_t track_id
#define SVA_EV_ID_PARAM_pasid , uint64_t track_id
#define SVA_EV_ID_NONE 0
#define SVA_EV_ID_mm track_id
#define SVA_EV_ID_process track_id
#define SVA_EV_ID_device track_id
#define SVA_EV_ID_pasid track_id
#define SVA_EV_EMITTER_(kind, name, track, phase, ...)					\
	static inline void sva_trace_ev_##kind(struct sva_world *w, const void *obj	\
		SVA_EV_ID_PARAM_##track SVA_PP_EACH(SVA_EV_PARAM_, ##__VA_ARGS__))	\
	{										\
		const union sva_trace_value v[] = {					\
			{ 0 }, SVA_PP_EACH(SVA_EV_VALUE_, ##__VA_ARGS__)		\
		};									\
		sva_trace_emit(w, SVA_EV_##kind, SVA_EV_ID_##track, v + 1, obj);	\
	}
SVA_EVENTS(SVA_EV_EMITTER_)
/* clang-format on */
#endif /* !__cplusplus */

/* Events recorded since creation / currently held / overwritten because the ring was full. */
unsigned long sva_trace_recorded(struct sva_world *w);
size_t sva_trace_held(struct sva_world *w);
unsigned long sva_trace_dropped(struct sva_world *w);
/* The @i-th held event, oldest first; -ENOENT past the end. */
int sva_trace_get(struct sva_world *w, size_t i, struct sva_trace_event *out);
/*
 * The read-only walk exporters outside the library use (the tool's SVG picture): @fn gets
 * every held event in the ring's order, oldest first, each a copy valid for the call (its
 * strings are interned: they live as long as the world). A non-zero return from @fn stops the
 * walk and is returned; 0 once every event was seen. Walk a finished run: an event emitted
 * meanwhile may or may not be seen.
 */
typedef int (*sva_trace_visit_fn)(void *ctx, const struct sva_trace_event *ev);
int sva_trace_for_each(struct sva_world *w, sva_trace_visit_fn fn, void *ctx);
/* The name the trace remembers for actor @id, in @buf ("?" if unknown); "world" for -1. */
const char *sva_trace_actor_name(struct sva_world *w, int id, char *buf, size_t len);
/* One line per event. Returns 0 or -EIO. */
int sva_trace_write_text(struct sva_world *w, FILE *out);
/* Chrome Trace Event JSON (opens in Perfetto): a track per actor and per named track. */
int sva_trace_write_chrome_json(struct sva_world *w, FILE *out);

SVA_END_DECLS

#endif /* SVA_BASE_H */

/* SPDX-License-Identifier: MIT */
/*
 * The scheduler object of a world and the calls that do not depend much on the backend:
 * creation, the current actor, the clock, scheduling points, sva_world_run().
 *
 * The native clock (nanoseconds since creation) is read for every trace event - four a
 * descriptor on the accelerator's path - and CLOCK_MONOTONIC through the vDSO costs about
 * twice a bare TSC read on a VM (35-48 ns against 15-23 in session 11's measures). So on
 * x86-64 with an invariant TSC the kernel's clock runs on (sysfs, read once per native world),
 * it is the TSC on a line fitted to CLOCK_MONOTONIC: the clock itself until 2 ms have passed,
 * then a line through the first sample and one taken between two TSC reads close together;
 * each time the baseline has grown fourfold a reading that finds it so fits a longer one
 * (anchored where the old line is, so time never steps back). Calibrations are claimed by one
 * reader each (@next) and published by @cur; lock-free.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/sanitizers.h"
#include "sched.h"

SVA_OBJ_CLASS(scheduler);

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SVA_DEFAULT_STACK (1024 * 1024)
#else
#define SVA_DEFAULT_STACK (256 * 1024)
#endif

static uint64_t sva_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The first calibration's baseline, and the most ticks a sample may take to be used. */
#define SVA_TSC_FIRST_NS    2000000ull
#define SVA_TSC_SAMPLE_SPAN 20000ull

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t sva_tsc(void)
{
	return __builtin_ia32_rdtsc();
}

/*
 * An invariant TSC (CPUID 0x80000007, EDX bit 8: one rate, on every core, in every state) that
 * the kernel keeps its own clock on: then it found the cores' TSCs in step, and a hypervisor
 * does not trap the read (where it would, reading the TSC would cost more than the vDSO).
 */
static bool sva_tsc_invariant(void)
{
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	unsigned a, b, c, d;
	char line[16] = "";
	bool tsc;

	if (!f)
		return false;
	tsc = fgets(line, sizeof(line), f) && strcmp(line, "tsc\n") == 0;
	fclose(f);
	return tsc && __get_cpuid(0x80000007, &a, &b, &c, &d) && (d & (1u << 8));
}
#else
static uint64_t sva_tsc(void)
{
	return 0;
}

static bool sva_tsc_invariant(void)
{
	return false;
}
#endif

static void sva_tsc_clock_init(struct sva_sched *s)
{
	struct sva_tsc_clock *c = &s->tsc;

	c->on = !s->sim && sva_tsc_invariant() && !getenv("SVA_NO_TSC");
	c->tsc0 = sva_tsc();
	s->t0_ns = sva_clock_ns();
	atomic_init(&c->cur, 0);
	atomic_init(&c->next, 0);
}

/* @cal's time at TSC @t (a @t read just before @cal's point on another core counts as it). */
static uint64_t sva_tsc_line(const struct sva_tsc_cal *cal, uint64_t t)
{
	uint64_t d = t > cal->tsc ? t - cal->tsc : 0;

	return cal->ns + (uint64_t)(((unsigned __int128)d * cal->mult) >> 32);
}

/* No calibration answers for @t yet (@i published): read the clock, and calibrate if due. */
static __attribute__((noinline)) uint64_t sva_tsc_calibrate(struct sva_sched *s, unsigned i,
							    uint64_t t)
{
	struct sva_tsc_clock *c = &s->tsc;
	const struct sva_tsc_cal *old = i ? &c->cal[i - 1] : NULL;
	uint64_t t1 = sva_tsc(), ns = sva_clock_ns() - s->t0_ns, t2 = sva_tsc(), mid;
	struct sva_tsc_cal *cal;
	unsigned expect = i;

	if (i >= SVA_TSC_CALS)
		return sva_tsc_line(old, t); /* the last one stays */
	if (old && t2 - t1 > SVA_TSC_SAMPLE_SPAN)
		return sva_tsc_line(old, t); /* preempted between the reads: later */
	if (!old && (ns < SVA_TSC_FIRST_NS || t2 - t1 > SVA_TSC_SAMPLE_SPAN))
		return ns;
	mid = t1 + (t2 - t1) / 2;
	if (mid <= c->tsc0 ||
	    !atomic_compare_exchange_strong_explicit(&c->next, &expect, i + 1, memory_order_relaxed,
						     memory_order_relaxed))
		return old ? sva_tsc_line(old, t) : ns; /* another reader calibrates */
	cal = &c->cal[i];
	cal->tsc = mid;
	cal->ns = old ? sva_tsc_line(old, mid) : ns;
	if (old && ns > cal->ns)
		cal->ns = ns; /* the old line was slow: catch up (forward only) */
	/* the line from t0 to the sample; the first one (t0's own reads) is off by ~100 ns */
	cal->mult = (uint64_t)(((unsigned __int128)ns << 32) / (mid - c->tsc0));
	cal->until = mid + 3 * (mid - c->tsc0);
	atomic_store_explicit(&c->cur, i + 1, memory_order_release);
	return sva_tsc_line(cal, t);
}

static uint64_t sva_native_now(struct sva_sched *s)
{
	struct sva_tsc_clock *c = &s->tsc;
	uint64_t t;
	unsigned i;

	if (!c->on)
		return sva_clock_ns() - s->t0_ns;
	t = sva_tsc();
	i = atomic_load_explicit(&c->cur, memory_order_acquire);
	if (__builtin_expect(i != 0, 1) && (t < c->cal[i - 1].until || i == SVA_TSC_CALS))
		return sva_tsc_line(&c->cal[i - 1], t);
	return sva_tsc_calibrate(s, i, t);
}

static int sva_sched_current_id(struct sva_world *w);
static uint64_t sva_sched_now(struct sva_world *w);

static void sva_actor_init_outside(struct sva_sched *s)
{
	struct sva_actor *o = &s->outside;

	o->w = s->w;
	o->id = -1;
	snprintf(o->name, sizeof(o->name), "outside");
	sva_list_init(&o->node);
	sva_list_init(&o->held);
	sva_list_init(&o->wnode);
}

int sva_sched_create(struct sva_world *w, const struct sva_world_config *config)
{
	struct sva_sched *s = sva_alloc(w, &sva_obj_scheduler, sizeof(*s));
	int ret = 0;

	if (!s)
		return -ENOMEM;
	s->w = w;
	s->sim = config->backend == SVA_BACKEND_SIM;
	s->stack_size = config->stack_size ? config->stack_size : SVA_DEFAULT_STACK;
	pthread_mutex_init(&s->lock, NULL);
	sva_list_init(&s->actors);
	sva_wchan_init(w, &s->idle_wc);
	sva_actor_init_outside(s);
	sva_lockdep_init(s);
	w->sched = s;
	if (s->sim)
		ret = sva_sim_create(s, config);
	else if (pthread_key_create(&s->current_key, NULL))
		ret = -EAGAIN;
	sva_tsc_clock_init(s);
	if (ret) {
		sva_wchan_destroy(&s->idle_wc);
		pthread_mutex_destroy(&s->lock);
		sva_free(w, &sva_obj_scheduler, s);
		w->sched = NULL;
		return ret;
	}
	w->hooks = (struct sva_world_hooks){ .now = sva_sched_now,
					     .current_actor = sva_sched_current_id,
					     .point = sva_sched_point_at };
	return 0;
}

void sva_sched_destroy(struct sva_world *w)
{
	struct sva_sched *s = w->sched;
	struct sva_actor *a, *tmp;

	if (!s)
		return;
	sva_list_for_each_entry_safe(a, tmp, &s->actors, node) {
		if (!s->sim)
			sva_native_join(a);
		sva_actor_free_(a);
	}
	if (s->sim)
		sva_sim_destroy(s);
	else
		pthread_key_delete(s->current_key);
	sva_lockdep_destroy(s);
	sva_wchan_destroy(&s->idle_wc);
	pthread_mutex_destroy(&s->lock);
	sva_free(w, &sva_obj_scheduler, s);
	w->sched = NULL;
	w->hooks = (struct sva_world_hooks){ 0 };
}

struct sva_actor *sva_sched_current(struct sva_sched *s)
{
	if (s->sim)
		return s->current;
	return pthread_getspecific(s->current_key);
}

struct sva_actor *sva_sched_owner(struct sva_sched *s)
{
	struct sva_actor *cur = sva_sched_current(s);

	return cur ? cur : &s->outside;
}

struct sva_actor *sva_current(struct sva_world *w)
{
	return sva_sched_current(w->sched);
}

/* The world's hooks (base asks through them, world.h): the trace's actor and the clock. */
static int sva_sched_current_id(struct sva_world *w)
{
	struct sva_actor *cur = w->sched ? sva_sched_current(w->sched) : NULL;

	return cur ? cur->id : -1;
}

static uint64_t sva_sched_now(struct sva_world *w)
{
	struct sva_sched *s = w->sched;

	if (!s)
		return 0;
	return s->sim ? s->steps : sva_native_now(s);
}

void sva_sched_point_at(struct sva_world *w, const char *site)
{
	(void)site;
	if (w->sched->sim)
		sva_sim_point(w->sched);
}

void sva_sched_shared(struct sva_world *w)
{
	if (w->sched->sim)
		sva_por_touch(w->sched, SVA_FP_ALL_ID);
}

void sva_sched_point_named_at(struct sva_world *w, const char *site)
{
	(void)site;
	if (w->sched->sim)
		sva_sim_point_on(w->sched, SVA_FP_NONE);
}

uint32_t sva_por_object(struct sva_world *w)
{
	return sva_por_new_id(w);
}

void sva_por_access(struct sva_world *w, uint32_t id)
{
	if (w->sched->sim && id)
		sva_por_touch(w->sched, id);
}

void sva_might_sleep_on(struct sva_world *w, uint32_t id, const char *site, const char *what)
{
	struct sva_sched *s = w->sched;
	struct sva_actor *cur;

	if (!s->sim)
		return;
	cur = s->current;
	if (cur && cur->spin_depth)
		sva_report(w, SVA_REPORT_SLEEP_IN_ATOMIC, "%s: %s at %s while holding a spinlock",
			   cur->name, what, site);
	sva_sim_point_on(s, id);
}

/* Outside the primitives, what the code after the point touches is unknown: everything. */
void sva_might_sleep(struct sva_world *w, const char *site, const char *what)
{
	sva_might_sleep_on(w, SVA_FP_POINT_ALL, site, what);
}

void sva_might_sleep_named(struct sva_world *w, const char *site, const char *what)
{
	sva_might_sleep_on(w, SVA_FP_NONE, site, what);
}

void sva_yield(struct sva_world *w)
{
	if (w->sched->sim)
		sva_sim_yield(w->sched);
	else
		sched_yield();
}

void sva_msleep(struct sva_world *w, unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	if (w->sched->sim)
		sva_sim_yield(w->sched);
	else
		nanosleep(&ts, NULL);
}

int sva_world_run(struct sva_world *w)
{
	struct sva_sched *s = w->sched;
	int ret = 0;

	if (sva_sched_current(s)) {
		sva_report(w, SVA_REPORT_BAD_USAGE, "sva_world_run called from actor %s",
			   sva_sched_current(s)->name);
		return -EINVAL;
	}
	if (s->sim)
		return sva_sim_drive(s);
	sva_wchan_lock(&s->idle_wc);
	while (atomic_load(&s->live_nondaemon) && ret == 0)
		ret = sva_wchan_sleep(&s->idle_wc, SVA_HERE, "world run", false);
	sva_wchan_unlock(&s->idle_wc);
	/* what the actors did before their exit happens before the return (this file is not
	   instrumented under TSan: the atomic alone is not seen) */
	sva_tsan_acquire(&s->live_nondaemon);
	return ret;
}

size_t sva_world_schedule(struct sva_world *w, char *buf, size_t len)
{
	struct sva_sched *s = w->sched;

	if (!s->sim) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	return sva_schedule_encode(s->decisions, s->ndecisions, buf, len);
}

unsigned long sva_world_switches(struct sva_world *w)
{
	return w->sched->switches;
}

/* SPDX-License-Identifier: MIT */
/*
 * The object allocator: every libsva object comes from sva_alloc() with its class, and base's
 * own classes (SVA_OBJ_CLASS: test, string, array; the trace ring's is trace.c's).
 *
 * A class is a constant of the layer that owns it (struct sva_obj_class, sva/base.h); the world
 * gives it a slot (w->classes) the first time it sees it, in which it counts the class's live
 * objects: base knows no class of the layers above. Each object carries a small header with
 * its class's slot, linking it into the world's object list, so the world can count live
 * objects per class (tests assert "nothing of class C leaked"), catch frees of the wrong class
 * or twice, and free whatever is left when the world is destroyed (a run abandoned at a
 * deadlock must not leak into the next one). sva_alloc_fail_nth() fails one chosen
 * allocation, as the kernel's fail-nth does, so every error path can be driven; the failure
 * injected is recorded with its class and site (sva_alloc is a macro passing SVA_HERE), so a
 * sweep can say which allocation it failed (sva_alloc_injection).
 *
 * Objects of SVA_ALLOC_MAP_MIN bytes and more (a world's frame arena) are mapped rather than
 * calloc'd: their pages are zero and present only once touched, and they go back to the system
 * whole on free - a world built per explored schedule touches only the frames it uses, also
 * under ASan, whose allocator would otherwise poison and memset the whole arena every time.
 * Whether an object is mapped follows from its size.
 *
 * Use after free (sim worlds): a freed object does not go back to malloc at once. It waits in
 * the world's quarantine (FIFO, at most SVA_QUARANTINE_MAX bytes; the rest at world destroy)
 * with its header marked freed and its bytes poisoned - every word holds the world's address
 * XOR SVA_POISON_DELTA (a non-canonical address: a pointer read from a freed object faults
 * when followed), and under ASan the region is also poisoned by hand, so any access through
 * it aborts with ASan's report. The primitives embedded in model objects (refcounts, atomics,
 * locks, wait queues) look at their world pointer first (sva_obj_freed() in world.h) and
 * report SVA_REPORT_USE_AFTER_FREE instead of following it; so does a second sva_free. The
 * header is never poisoned: it is the allocator's, and says what the object was (its class's
 * slot and its serial, the allocation that made it). Native worlds free at once: real threads
 * need the memory back, and ASan's own quarantine watches them. Mapped objects (the frame arena)
 * are not quarantined either: they are few and large.
 *
 * Locking: counts are atomics; the object and quarantine lists are under objects_lock, and so
 * is the claim of a class's slot (slots are only added: a reader scans the nclasses published,
 * with acquire, after the slot's class was written).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "list.h"
#include "sanitizers.h"
#include "world.h"

#ifdef SVA_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define SVA_OBJ_MAGIC	     0x5356414fu /* "SVAO": live */
#define SVA_OBJ_FREED_MAGIC  0x53564146u /* "SVAF": freed, in the quarantine */
#define SVA_ALLOC_MAP_MIN    (1u << 20)
#define SVA_QUARANTINE_MAX   (64u << 20) /* bytes of freed objects kept before the oldest go */
#define SVA_POISON_TAIL_BYTE 0x6b	 /* the kernel's POISON_FREE, for a last partial word */

struct sva_obj_header {
	struct sva_list_head node; /* w->objects while live, w->quarantine once freed */
	size_t size;
	uint64_t serial;       /* which allocation of the world made it (1 = the first) */
	uint64_t freed_serial; /* allocations made when it was freed (0 while live) */
	unsigned slot;	       /* its class's, in w->classes */
	unsigned magic;
};

/* The object follows the header; calloc's alignment carries over when the size keeps it. */
_Static_assert(sizeof(struct sva_obj_header) % _Alignof(max_align_t) == 0,
	       "object header breaks alignment");

static void *sva_obj_of(struct sva_obj_header *h)
{
	return h + 1;
}

static struct sva_obj_header *sva_header_of(void *obj)
{
	return (struct sva_obj_header *)obj - 1;
}

SVA_OBJ_CLASS(test);
SVA_OBJ_CLASS(string);
SVA_OBJ_CLASS(array);

/* The slot of @cls in @w, or -1 when the world has not seen it yet. */
static int sva_obj_slot_find(struct sva_world *w, const struct sva_obj_class *cls)
{
	unsigned n = atomic_load_explicit(&w->nclasses, memory_order_acquire);

	for (unsigned i = 0; i < n; i++)
		if (w->classes[i].cls == cls)
			return (int)i;
	return -1;
}

/* The slot of @cls in @w, given on its first use; -1 (reported) when none is left. */
static int sva_obj_slot(struct sva_world *w, const struct sva_obj_class *cls)
{
	int i = sva_obj_slot_find(w, cls);
	unsigned n;

	if (i >= 0 || !cls)
		return i;
	pthread_mutex_lock(&w->objects_lock);
	i = sva_obj_slot_find(w, cls);
	n = atomic_load_explicit(&w->nclasses, memory_order_relaxed);
	if (i < 0 && n < SVA_OBJ_CLASSES_MAX) {
		w->classes[n].cls = cls;
		atomic_store_explicit(&w->nclasses, n + 1, memory_order_release);
		i = (int)n;
	}
	pthread_mutex_unlock(&w->objects_lock);
	if (i < 0)
		sva_report(w, SVA_REPORT_BAD_USAGE,
			   "allocation of a %s: the world has no slot left for a new class (%d)",
			   cls->name, SVA_OBJ_CLASSES_MAX);
	return i;
}

static const char *sva_obj_slot_name(struct sva_world *w, unsigned slot)
{
	return w->classes[slot].cls->name;
}

/* True when this attempt (of a @cls at @site) is the one chosen to fail; it is recorded. */
static bool sva_alloc_attempt_fails(struct sva_world *w, const struct sva_obj_class *cls,
				    const char *site)
{
	unsigned long n = atomic_fetch_add(&w->attempts, 1) + 1;
	unsigned long fail_at = atomic_load(&w->fail_at);

	if (fail_at == 0 || n != fail_at ||
	    !atomic_compare_exchange_strong(&w->fail_at, &fail_at, 0))
		return false;
	w->injected_site = site;
	w->injected_cls = cls;
	w->injected_attempt = n;
	atomic_store(&w->injected, true); /* publishes the three above */
	return true;
}

bool sva_alloc_account_at(struct sva_world *w, const struct sva_obj_class *cls, long delta,
			  const char *site)
{
	int slot = sva_obj_slot(w, cls);

	if (slot < 0 || (delta > 0 && sva_alloc_attempt_fails(w, cls, site)))
		return false;
	atomic_fetch_add(&w->classes[slot].live, delta);
	return true;
}

static bool sva_obj_mapped(size_t size)
{
	return size >= SVA_ALLOC_MAP_MIN;
}

/* Zeroed memory for a header and @size bytes of object. */
static struct sva_obj_header *sva_obj_get(size_t size)
{
	void *p;

	if (size > SIZE_MAX - sizeof(struct sva_obj_header))
		return NULL;
	if (!sva_obj_mapped(size))
		return calloc(1, sizeof(struct sva_obj_header) + size);
	p = mmap(NULL, sizeof(struct sva_obj_header) + size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void sva_obj_put(struct sva_obj_header *h)
{
	if (sva_obj_mapped(h->size))
		munmap(h, sizeof(*h) + h->size);
	else
		free(h);
}

static void *sva_alloc_new(struct sva_world *w, unsigned slot, size_t size)
{
	struct sva_obj_header *h = sva_obj_get(size);

	if (!h)
		return NULL;
	h->slot = slot;
	h->magic = SVA_OBJ_MAGIC;
	h->size = size;
	h->serial = atomic_load(&w->attempts);
	pthread_mutex_lock(&w->objects_lock);
	sva_list_add_tail(&h->node, &w->objects);
	pthread_mutex_unlock(&w->objects_lock);
	atomic_fetch_add(&w->classes[slot].live, 1);
	return sva_obj_of(h);
}

void *sva_alloc_at(struct sva_world *w, const struct sva_obj_class *cls, size_t size,
		   const char *site)
{
	int slot = sva_obj_slot(w, cls);

	if (slot < 0 || sva_alloc_attempt_fails(w, cls, site))
		return NULL;
	return sva_alloc_new(w, (unsigned)slot, size);
}

void *(sva_alloc)(struct sva_world *w, const struct sva_obj_class *cls, size_t size)
{
	return sva_alloc_at(w, cls, size, NULL);
}

/* What is wrong with @h as the object of @cls that @op was given, or NULL when nothing is. */
static const char *sva_obj_misuse(struct sva_world *w, struct sva_obj_header *h,
				  const struct sva_obj_class *cls, const char *op, void *obj)
{
	if (h->magic == SVA_OBJ_MAGIC && h->slot < SVA_OBJ_CLASSES_MAX &&
	    w->classes[h->slot].cls == cls)
		return NULL;
	if (h->magic == SVA_OBJ_FREED_MAGIC) {
		sva_report(
			w, SVA_REPORT_USE_AFTER_FREE,
			"%s of a freed %s at %p (allocation #%llu, freed after allocation #%llu)",
			op, sva_obj_slot_name(w, h->slot), obj, (unsigned long long)h->serial,
			(unsigned long long)h->freed_serial);
		return "freed";
	}
	sva_report(w, SVA_REPORT_BAD_USAGE, "%s of a %s at %p: %s", op, cls ? cls->name : "?", obj,
		   h->magic != SVA_OBJ_MAGIC ? "not a live object" : "wrong type");
	return "bad";
}

void *sva_realloc(struct sva_world *w, const struct sva_obj_class *cls, void *obj, size_t size)
{
	struct sva_obj_header *h, *n;
	int slot = sva_obj_slot(w, cls);

	if (slot < 0)
		return NULL;
	if (!obj)
		return sva_alloc_new(w, (unsigned)slot, size);
	h = sva_header_of(obj);
	if (sva_obj_misuse(w, h, cls, "sva_realloc", obj))
		return NULL;
	pthread_mutex_lock(&w->objects_lock);
	sva_list_del(&h->node);
	if (sva_obj_mapped(h->size) || sva_obj_mapped(size)) {
		n = sva_obj_get(size); /* zeroed: copy what fits, the rest stays zero */
		if (n) {
			memcpy(n, h, sizeof(*h) + (size < h->size ? size : h->size));
			sva_obj_put(h);
		}
	} else {
		n = realloc(h, sizeof(*h) + size);
		if (n && size > n->size)
			memset((char *)sva_obj_of(n) + n->size, 0, size - n->size);
	}
	if (n) {
		n->size = size;
		h = n;
	}
	sva_list_add_tail(&h->node, &w->objects);
	pthread_mutex_unlock(&w->objects_lock);
	return n ? sva_obj_of(n) : NULL;
}

/* Fill a freed object with the poison pattern, and under ASan poison it by hand. */
static void sva_obj_poison(struct sva_world *w, struct sva_obj_header *h)
{
	uintptr_t word = (uintptr_t)w ^ SVA_POISON_DELTA;
	const size_t size = h->size; /* read once: the stores below may alias the header */
	char *p = sva_obj_of(h);
	size_t i;

	for (i = 0; i + sizeof(word) <= size; i += sizeof(word))
		memcpy(p + i, &word, sizeof(word));
	memset(p + i, SVA_POISON_TAIL_BYTE, size - i);
#ifdef SVA_ASAN
	ASAN_POISON_MEMORY_REGION(p, size);
#endif
}

/* Give a quarantined object back to malloc (objects_lock held or the world going). */
static void sva_obj_release(struct sva_world *w, struct sva_obj_header *h)
{
	sva_list_del(&h->node);
	w->quarantined -= h->size;
#ifdef SVA_ASAN
	ASAN_UNPOISON_MEMORY_REGION(sva_obj_of(h), h->size);
#endif
	sva_obj_put(h);
}

/* Keep @h freed but in memory, the oldest going back to malloc beyond the bound (lock held). */
static void sva_obj_quarantine(struct sva_world *w, struct sva_obj_header *h)
{
	h->magic = SVA_OBJ_FREED_MAGIC;
	h->freed_serial = atomic_load(&w->attempts);
	sva_obj_poison(w, h);
	sva_list_add_tail(&h->node, &w->quarantine);
	w->quarantined += h->size;
	while (w->quarantined > SVA_QUARANTINE_MAX)
		sva_obj_release(w,
				sva_list_first_entry(&w->quarantine, struct sva_obj_header, node));
}

static bool sva_obj_quarantined(struct sva_world *w, struct sva_obj_header *h)
{
	return w->config.backend == SVA_BACKEND_SIM && !sva_obj_mapped(h->size);
}

void sva_free(struct sva_world *w, const struct sva_obj_class *cls, void *obj)
{
	struct sva_obj_header *h;
	bool quarantine;

	if (!obj)
		return;
	h = sva_header_of(obj);
	if (sva_obj_misuse(w, h, cls, "sva_free", obj))
		return;
	quarantine = sva_obj_quarantined(w, h);
	h->magic = 0;
	pthread_mutex_lock(&w->objects_lock);
	sva_list_del(&h->node);
	if (quarantine)
		sva_obj_quarantine(w, h);
	pthread_mutex_unlock(&w->objects_lock);
	atomic_fetch_sub(&w->classes[h->slot].live, 1);
	if (!quarantine)
		sva_obj_put(h);
}

void sva_alloc_release_all(struct sva_world *w)
{
	struct sva_obj_header *h, *tmp;

	pthread_mutex_lock(&w->objects_lock);
	sva_list_for_each_entry_safe(h, tmp, &w->objects, node) {
		atomic_fetch_sub(&w->classes[h->slot].live, 1);
		sva_list_del(&h->node);
		sva_obj_put(h);
	}
	sva_list_for_each_entry_safe(h, tmp, &w->quarantine, node)
		sva_obj_release(w, h);
	pthread_mutex_unlock(&w->objects_lock);
}

void sva_obj_report_freed(struct sva_world *const *wp, const char *op)
{
	struct sva_world *w = sva_obj_freed_world(wp);
	const char *type = "object";
	unsigned long long serial = 0;
	const char *at = (const char *)wp;
	struct sva_obj_header *h;
	size_t off = 0;

	pthread_mutex_lock(&w->objects_lock);
	sva_list_for_each_entry(h, &w->quarantine, node) {
		const char *start = sva_obj_of(h);

		if (at >= start && at < start + h->size) {
			type = sva_obj_slot_name(w, h->slot);
			serial = (unsigned long long)h->serial;
			off = (size_t)(at - start);
			break;
		}
	}
	pthread_mutex_unlock(&w->objects_lock);
	sva_report(w, SVA_REPORT_USE_AFTER_FREE,
		   "%s through a freed %s (allocation #%llu, the field at offset %zu)", op, type,
		   serial, off);
	/* Nothing sensible is left to run: stop, and take this actor off the CPU for good. */
	sva_world_stop(w);
	if (w->hooks.point)
		w->hooks.point(w, SVA_HERE);
}

bool sva_obj_gone(const void *field, const char *op)
{
	/* a pointer member: canonical while live, the poison word once freed */
	return sva_obj_freed((struct sva_world *const *)field, op);
}

long sva_alloc_live(struct sva_world *w, const struct sva_obj_class *cls)
{
	int slot = sva_obj_slot_find(w, cls);

	return slot < 0 ? 0 : atomic_load(&w->classes[slot].live);
}

long sva_alloc_live_total(struct sva_world *w)
{
	unsigned n = atomic_load_explicit(&w->nclasses, memory_order_acquire);
	long total = 0;

	for (unsigned i = 0; i < n; i++)
		total += atomic_load(&w->classes[i].live);
	return total;
}

unsigned long sva_alloc_attempts(struct sva_world *w)
{
	return atomic_load(&w->attempts);
}

void sva_alloc_fail_nth(struct sva_world *w, unsigned long nth)
{
	atomic_store(&w->injected, false);
	atomic_store(&w->fail_at, nth ? atomic_load(&w->attempts) + nth : 0);
}

bool sva_alloc_injected(struct sva_world *w)
{
	return atomic_load(&w->injected);
}

bool sva_alloc_injection(struct sva_world *w, struct sva_alloc_injection *out)
{
	if (!atomic_load(&w->injected))
		return false;
	out->attempt = w->injected_attempt;
	out->type = w->injected_cls;
	out->site = w->injected_site ? w->injected_site : "?";
	return true;
}

/* Is @cls one of the NULL-terminated @list (NULL: none)? */
static bool sva_obj_class_in(const struct sva_obj_class *cls,
			     const struct sva_obj_class *const *list)
{
	for (; list && *list; list++)
		if (*list == cls)
			return true;
	return false;
}

long sva_alloc_describe_live(struct sva_world *w, const struct sva_obj_class *const *ignore,
			     char *buf, size_t len)
{
	unsigned nclasses = atomic_load_explicit(&w->nclasses, memory_order_acquire);
	long total = 0;
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned t = 0; t < nclasses; t++) {
		long n = atomic_load(&w->classes[t].live);

		if (n == 0 || sva_obj_class_in(w->classes[t].cls, ignore))
			continue;
		total += n;
		if (off < len) {
			int r = snprintf(buf + off, len - off, "%s%ld %s", off ? ", " : "", n,
					 sva_obj_slot_name(w, t));
			if (r > 0)
				off += (size_t)r;
		}
	}
	return total;
}

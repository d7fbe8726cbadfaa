/* SPDX-License-Identifier: MIT */
/*
 * The object allocator: every libsva object comes from sva_alloc() with its type.
 *
 * Each object carries a small header linking it into the world's object list, so the world
 * can count live objects per type (tests assert "nothing of type T leaked"), catch frees of the
 * wrong type or twice, and free whatever is left when the world is destroyed (a run abandoned
 * at a deadlock must not leak into the next one). sva_alloc_fail_nth() fails one chosen
 * allocation, as the kernel's fail-nth does, so every error path can be driven.
 *
 * Objects of SVA_ALLOC_MAP_MIN bytes and more (a world's frame arena) are mapped rather than
 * calloc'd: their pages are zero and present only once touched, and they go back to the system
 * whole on free - a world built per explored schedule touches only the frames it uses, also
 * under ASan, whose allocator would otherwise poison and memset the whole arena every time.
 * Whether an object is mapped follows from its size.
 *
 * Locking: counts are atomics; the object list is under objects_lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "list.h"
#include "world.h"

#define SVA_OBJ_MAGIC	  0x5356414fu /* "SVAO" */
#define SVA_ALLOC_MAP_MIN (1u << 20)

struct sva_obj_header {
	struct sva_list_head node;
	enum sva_obj_type type;
	unsigned magic;
	size_t size;
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

static const char *const sva_obj_type_names[SVA_OBJ_NR] = {
#define SVA_OBJ_NAME(name, str) [SVA_OBJ_##name] = str,
	SVA_OBJ_TYPES(SVA_OBJ_NAME)
#undef SVA_OBJ_NAME
};

const char *sva_obj_type_name(enum sva_obj_type type)
{
	if ((unsigned)type >= SVA_OBJ_NR)
		return "?";
	return sva_obj_type_names[type];
}

/* True when this attempt is the one chosen to fail. */
static bool sva_alloc_attempt_fails(struct sva_world *w)
{
	unsigned long n = atomic_fetch_add(&w->attempts, 1) + 1;
	unsigned long fail_at = atomic_load(&w->fail_at);

	if (fail_at == 0 || n != fail_at)
		return false;
	atomic_store(&w->fail_at, 0);
	atomic_store(&w->injected, true);
	return true;
}

bool sva_alloc_account(struct sva_world *w, enum sva_obj_type type, long delta)
{
	if (delta > 0 && sva_alloc_attempt_fails(w))
		return false;
	atomic_fetch_add(&w->live[type], delta);
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

static void *sva_alloc_new(struct sva_world *w, enum sva_obj_type type, size_t size)
{
	struct sva_obj_header *h = sva_obj_get(size);

	if (!h)
		return NULL;
	h->type = type;
	h->magic = SVA_OBJ_MAGIC;
	h->size = size;
	pthread_mutex_lock(&w->objects_lock);
	sva_list_add_tail(&h->node, &w->objects);
	pthread_mutex_unlock(&w->objects_lock);
	atomic_fetch_add(&w->live[type], 1);
	return sva_obj_of(h);
}

void *sva_alloc(struct sva_world *w, enum sva_obj_type type, size_t size)
{
	if ((unsigned)type >= SVA_OBJ_NR || sva_alloc_attempt_fails(w))
		return NULL;
	return sva_alloc_new(w, type, size);
}

void *sva_realloc(struct sva_world *w, enum sva_obj_type type, void *obj, size_t size)
{
	struct sva_obj_header *h, *n;

	if ((unsigned)type >= SVA_OBJ_NR)
		return NULL;
	if (!obj)
		return sva_alloc_new(w, type, size);
	h = sva_header_of(obj);
	if (h->magic != SVA_OBJ_MAGIC || h->type != type) {
		sva_report(w, SVA_REPORT_BAD_USAGE, "sva_realloc of a %s at %p: %s",
			   sva_obj_type_name(type), obj,
			   h->magic != SVA_OBJ_MAGIC ? "not a live object" : "wrong type");
		return NULL;
	}
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

void sva_free(struct sva_world *w, enum sva_obj_type type, void *obj)
{
	struct sva_obj_header *h;

	if (!obj)
		return;
	h = sva_header_of(obj);
	if (h->magic != SVA_OBJ_MAGIC || h->type != type) {
		sva_report(w, SVA_REPORT_BAD_USAGE, "sva_free of a %s at %p: %s",
			   sva_obj_type_name(type), obj,
			   h->magic != SVA_OBJ_MAGIC ? "not a live object" : "wrong type");
		return;
	}
	h->magic = 0;
	pthread_mutex_lock(&w->objects_lock);
	sva_list_del(&h->node);
	pthread_mutex_unlock(&w->objects_lock);
	atomic_fetch_sub(&w->live[type], 1);
	sva_obj_put(h);
}

void sva_alloc_release_all(struct sva_world *w)
{
	struct sva_obj_header *h, *tmp;

	pthread_mutex_lock(&w->objects_lock);
	sva_list_for_each_entry_safe(h, tmp, &w->objects, node) {
		atomic_fetch_sub(&w->live[h->type], 1);
		sva_list_del(&h->node);
		sva_obj_put(h);
	}
	pthread_mutex_unlock(&w->objects_lock);
}

long sva_alloc_live(struct sva_world *w, enum sva_obj_type type)
{
	if ((unsigned)type >= SVA_OBJ_NR)
		return 0;
	return atomic_load(&w->live[type]);
}

long sva_alloc_live_total(struct sva_world *w)
{
	long total = 0;

	for (int t = 0; t < SVA_OBJ_NR; t++)
		total += atomic_load(&w->live[t]);
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

long sva_alloc_describe_live(struct sva_world *w, uint64_t ignore, char *buf, size_t len)
{
	long total = 0;
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (int t = 0; t < SVA_OBJ_NR; t++) {
		long n = atomic_load(&w->live[t]);

		if (n == 0 || (ignore & (1ull << t)))
			continue;
		total += n;
		if (off < len) {
			int r = snprintf(buf + off, len - off, "%s%ld %s", off ? ", " : "", n,
					 sva_obj_type_names[t]);
			if (r > 0)
				off += (size_t)r;
		}
	}
	return total;
}

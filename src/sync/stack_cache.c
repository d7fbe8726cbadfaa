/* SPDX-License-Identifier: MIT */
/*
 * Fiber stacks, and a cache that keeps them mapped between fibers.
 *
 * A stack is an mmap'd region with a guard page at its low end. Mapping, protecting and
 * unmapping one, and faulting its pages in again, costs more than a short fiber's whole life;
 * the explorer builds a world per schedule, with a dozen fibers each. So a freed stack goes
 * back to a cache and the next fiber takes it as it is, pages already present.
 *
 * Every sim world has a cache; by default its own, made with the scheduler. A caller that
 * builds many worlds one after another (the explorer) passes one in the world's config, and
 * they all share it. Stacks of another size than the cache's first one are neither kept nor
 * taken: they are mapped and unmapped directly.
 *
 * Locking: @lock protects @maps and @n (worlds on different threads may share a cache).
 * A stack handed out belongs to its fiber until put back; the cache never touches it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sva/sync.h"
#include "fiber.h"

struct sva_stack_cache {
	pthread_mutex_t lock;
	size_t map_size; /* of every cached stack, guard page included; 0 until the first put */
	unsigned max, n;
	void *maps[];
};

int sva_stack_cache_create(unsigned max_stacks, struct sva_stack_cache **out)
{
	struct sva_stack_cache *c;

	*out = NULL;
	c = calloc(1, sizeof(*c) + (size_t)max_stacks * sizeof(c->maps[0]));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->lock, NULL);
	c->max = max_stacks;
	*out = c;
	return 0;
}

void sva_stack_cache_destroy(struct sva_stack_cache *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		munmap(c->maps[i], c->map_size);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

unsigned sva_stack_cache_count(struct sva_stack_cache *c)
{
	unsigned n;

	pthread_mutex_lock(&c->lock);
	n = c->n;
	pthread_mutex_unlock(&c->lock);
	return n;
}

static void *sva_stack_cache_take(struct sva_stack_cache *c, size_t map_size)
{
	void *map = NULL;

	if (!c)
		return NULL;
	pthread_mutex_lock(&c->lock);
	if (c->n && c->map_size == map_size)
		map = c->maps[--c->n];
	pthread_mutex_unlock(&c->lock);
	return map;
}

static bool sva_stack_cache_keep(struct sva_stack_cache *c, void *map, size_t map_size)
{
	bool kept = false;

	if (!c)
		return false;
	pthread_mutex_lock(&c->lock);
	if (!c->map_size)
		c->map_size = map_size;
	if (c->map_size == map_size && c->n < c->max) {
		c->maps[c->n++] = map;
		kept = true;
	}
	pthread_mutex_unlock(&c->lock);
	return kept;
}

void *sva_stack_get(struct sva_stack_cache *c, size_t map_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *map = sva_stack_cache_take(c, map_size);

	if (map)
		return map;
	map = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
		   -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	if (mprotect(map, page, PROT_NONE)) { /* guard page below the stack */
		munmap(map, map_size);
		return NULL;
	}
	return map;
}

void sva_stack_put(struct sva_stack_cache *c, void *map, size_t map_size)
{
	if (!sva_stack_cache_keep(c, map, map_size))
		munmap(map, map_size);
}

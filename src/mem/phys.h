/* SPDX-License-Identifier: MIT */
/*
 * The arena's insides, shared by the files of src/mem (the kernel's mm/internal.h). Layers above
 * use the functions of sva/mem.h.
 */
#ifndef SVA_MEM_PHYS_H
#define SVA_MEM_PHYS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "sva/mem.h"
#include "sva/sync.h"

/*
 * One arena: a single sva_alloc'd object (type PHYS) holding this struct, the struct sva_page
 * of every frame, the free stack and the frame data, so that destroying a world frees an arena
 * an abandoned run left behind.
 *
 * The arena is calloc'd and set up lazily: frames at and above @fresh have never been handed
 * out, are zero, and are on no stack; a struct sva_page gets its pfn when its frame is first
 * handed out or looked up. A world touches only the frames it uses, which is what makes a
 * world cheap enough to build once per explored schedule.
 *
 * @lock protects @free_stack, @nstack and @fresh; @nfree (every free frame: the stack's and
 * the fresh ones) is written under it and read without it. A frame is free iff its refcount
 * is 0 and it is not pfn 0.
 *
 * Partial-order reduction (sim): the frames' data (page tables included), their refcounts and
 * flags are read and written lock-free by CPUs and devices alike: they are one object,
 * @por_id, that every function here which reads or writes them names (sva_phys_touch()).
 */
struct sva_phys {
	struct sva_world *w;
	uint32_t por_id;
	size_t nframes;	      /* pfns [0, nframes); 0 is reserved */
	unsigned char *data;  /* frame @pfn at data + pfn * SVA_PAGE_SIZE, page-aligned */
	uint64_t *free_stack; /* freed pfns; the next one handed out is at the top */
	size_t nstack;	      /* entries of free_stack */
	size_t fresh;	      /* the lowest pfn never handed out */
	atomic_size_t nfree;  /* free frames: nstack + (nframes - fresh) */
	struct sva_spinlock lock;
	struct sva_page pages[]; /* indexed by pfn */
};

/* The arena @page belongs to: pages[] sits at the end of struct sva_phys (container_of). */
static inline struct sva_phys *sva_page_phys(struct sva_page *page)
{
	return (struct sva_phys *)(void *)((char *)(page - page->pfn) -
					   offsetof(struct sva_phys, pages));
}

/* POR: the current step reads or writes frames of @phys (their data, refcounts, flags). */
static inline void sva_phys_touch(struct sva_phys *phys)
{
	if (phys->por_id)
		sva_por_access(phys->w, phys->por_id);
}

/* The data of frame @pfn, or NULL when @pfn is outside the arena or is the reserved pfn 0. */
static inline void *sva_phys_pfn_address(struct sva_phys *phys, uint64_t pfn)
{
	sva_phys_touch(phys);
	if (pfn == 0 || pfn >= phys->nframes)
		return NULL;
	return phys->data + pfn * SVA_PAGE_SIZE;
}

#endif /* SVA_MEM_PHYS_H */

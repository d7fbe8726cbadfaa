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
 * @lock protects @free_stack and its top, @nfree (written under it, read without it). A frame is
 * on the free stack iff its refcount is 0 and it is not pfn 0.
 */
struct sva_phys {
	struct sva_world *w;
	size_t nframes;	      /* pfns [0, nframes); 0 is reserved */
	unsigned char *data;  /* frame @pfn at data + pfn * SVA_PAGE_SIZE, page-aligned */
	uint64_t *free_stack; /* free pfns; the next one handed out is at the top */
	atomic_size_t nfree;  /* entries of free_stack */
	struct sva_spinlock lock;
	struct sva_page pages[]; /* indexed by pfn */
};

/* The arena @page belongs to: pages[] sits at the end of struct sva_phys (container_of). */
static inline struct sva_phys *sva_page_phys(struct sva_page *page)
{
	return (struct sva_phys *)(void *)((char *)(page - page->pfn) -
					   offsetof(struct sva_phys, pages));
}

/* The data of frame @pfn, or NULL when @pfn is outside the arena or is the reserved pfn 0. */
static inline void *sva_phys_pfn_address(struct sva_phys *phys, uint64_t pfn)
{
	if (pfn == 0 || pfn >= phys->nframes)
		return NULL;
	return phys->data + pfn * SVA_PAGE_SIZE;
}

#endif /* SVA_MEM_PHYS_H */

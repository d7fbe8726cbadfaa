/* SPDX-License-Identifier: MIT */
/*
 * The layout facts test_cxx compares between C and C++: the size, alignment and field offsets
 * of the public structs whose private fields are SVA_ATOMIC (C11 atomics in C, plain types in
 * C++), and of a few that embedders fill. Shared by tests/test_cxx.cpp and test_cxx_layout.c.
 */
#ifndef SVA_TEST_CXX_LAYOUT_H
#define SVA_TEST_CXX_LAYOUT_H

#include <stddef.h>

#define SVA_TEST_LAYOUT(X)                                   \
	X(sizeof(struct sva_spinlock))                       \
	X(__alignof__(struct sva_spinlock))                  \
	X(offsetof(struct sva_spinlock, locked))             \
	X(offsetof(struct sva_spinlock, sim))                \
	X(offsetof(struct sva_spinlock, dep_class))          \
	X(sizeof(struct sva_mutex))                          \
	X(sizeof(struct sva_wchan))                          \
	X(sizeof(struct sva_completion))                     \
	X(offsetof(struct sva_completion, done))             \
	X(sizeof(struct sva_atomic))                         \
	X(offsetof(struct sva_atomic, v))                    \
	X(sizeof(struct sva_refcount))                       \
	X(sizeof(struct sva_page))                           \
	X(offsetof(struct sva_page, pfn))                    \
	X(offsetof(struct sva_page, flags))                  \
	X(sizeof(sva_pte_t))                                 \
	X(__alignof__(sva_pte_t))                            \
	X(sizeof(struct sva_mmu_notifier))                   \
	X(offsetof(struct sva_mmu_notifier, release_called)) \
	X(offsetof(struct sva_mmu_notifier, free_work))      \
	X(sizeof(struct sva_explore_live))                   \
	X(offsetof(struct sva_explore_live, failures))       \
	X(sizeof(struct sva_explore_config))                 \
	X(offsetof(struct sva_explore_config, interrupt))    \
	X(offsetof(struct sva_explore_config, live))         \
	X(sizeof(struct sva_trace_event))                    \
	X(offsetof(struct sva_trace_event, obj))             \
	X(sizeof(struct sva_swiommu_config))                 \
	X(offsetof(struct sva_swiommu_config, mem))          \
	X(sizeof(struct sva_swiommu_mem))                    \
	X(sizeof(struct sva_swiommu_device_config))          \
	X(sizeof(struct sva_embed_config))                   \
	X(sizeof(struct sva_tlb_entry))                      \
	X(sizeof(struct sva_swiommu_stats))                  \
	X(sizeof(struct sva_iopf_group))                     \
	X(sizeof(struct sva_device))                         \
	X(sizeof(struct sva_world_config))

#endif /* SVA_TEST_CXX_LAYOUT_H */

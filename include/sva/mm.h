/* SPDX-License-Identifier: MIT */
/*
 * libsva address spaces (the kernel's mm_struct) and everything that lives in one: VMAs,
 * demand faults, copy-on-write, munmap / mprotect, mmu notifiers, exit_mmap, __mmdrop, page
 * reclaim.
 *
 * Two counts, with the kernel's rules:
 *   users  (mm_users) - the address space is in use (threads, transient mmget); at zero,
 *          exit_mmap: notifiers' release, every VMA unmapped (files put), tables freed, then
 *          one count dropped;
 *   count  (mm_count) - the struct is alive; users > 0 holds one count; at zero, __mmdrop runs
 *          the drop hooks (the IOMMU core frees the PASID there) and frees the mm.
 * A bond (SVA domain, notifier) holds count, never users: holding users from a file whose
 * mapping is in the same mm would be a cycle (seeds 000, 004).
 *
 * Locks: mmap_lock (rw-semaphore) protects the VMA list and the page tables' shape; the
 * page-table lock (a spinlock) serialises changes of leaf entries between faults, reclaim and
 * zaps. Order: mmap_lock, then page_table_lock. Notifier callbacks run with the notifier list
 * held for read; register / unregister take it for write.
 */
#ifndef SVA_MM_H
#define SVA_MM_H

#include "sva/api.h"
#include "sva/mem.h"
#include "sva/sync.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): mms, VMAs, swap slots.
 */
extern const struct sva_obj_class sva_obj_mm;
extern const struct sva_obj_class sva_obj_vma;
extern const struct sva_obj_class sva_obj_swap_slot;
/* Test only (sva_world_config.breaks): a CPU access reads and sets PTEs without the ptl. */
#define SVA_BREAK_ACCESS_NO_PTL		 (1u << 2)
/*
 * Test only: reclaim writes a page out before it unmaps it and invalidates the devices'
 * translations (so a DMA write between the two is lost: the checker's I3 on a written-out page).
 */
#define SVA_BREAK_RECLAIM_WRITEOUT_FIRST (1u << 4)
/*
 * Name this layer's values in @w's trace (sva_trace_format: fault flags, protections);
 * sva_mm_sys_create() does. Context: setup.
 */
void sva_mm_name_formats(struct sva_world *w);

struct sva_mm;
struct sva_mm_sys;
struct sva_vma;
struct sva_file;

/* ---- the subsystem: frames, swap, drop hooks, reclaim, for every mm of a kernel ---------- */

struct sva_mm_sys_config {
	size_t frames; /* the physical arena; 0 = 16384 (64 MiB) */
};

int sva_mm_sys_create(struct sva_world *w, const struct sva_mm_sys_config *cfg,
		      struct sva_mm_sys **out);
void sva_mm_sys_destroy(struct sva_mm_sys *sys);
struct sva_phys *sva_mm_sys_phys(struct sva_mm_sys *sys);

/*
 * Hooks other layers hang on an mm's life, without the mm knowing them (the IOMMU core drops
 * the PASID at SVA_MM_HOOK_DROP; the historical variants at the other two points).
 */
enum sva_mm_hook_point {
	SVA_MM_HOOK_EXIT, /* the last thread of a process lets go of the mm (before its mmput) */
	SVA_MM_HOOK_PUT,  /* __mmput: mm_users reached zero, after exit_mmap */
	SVA_MM_HOOK_DROP, /* __mmdrop: mm_count reached zero, before the mm is freed */
	SVA_MM_HOOK_NR
};

typedef void (*sva_mm_hook)(void *ctx, struct sva_mm *mm);
int sva_mm_sys_add_hook(struct sva_mm_sys *sys, enum sva_mm_hook_point point, sva_mm_hook fn,
			void *ctx);
/* Run the hooks of @point on @mm (mm.c runs PUT and DROP; process exit runs EXIT). */
void sva_mm_run_hooks(struct sva_mm *mm, enum sva_mm_hook_point point);

/*
 * Page reclaim: evict up to @nr anonymous pages mapped only once (contents kept in swap,
 * swap-like), invalidating before each page can be reused. Returns pages evicted.
 */
size_t sva_mm_sys_reclaim(struct sva_mm_sys *sys, size_t nr);
/* Deferred notifier frees still pending (the SRCU-like grace period). */
void sva_mm_sys_synchronize(struct sva_mm_sys *sys);

/* ---- the mm and its two counts ------------------------------------------------------------ */

/* A new, empty mm with users = 1 and count = 1. */
int sva_mm_create(struct sva_mm_sys *sys, const char *name, struct sva_mm **out);
void sva_mmget(struct sva_mm *mm);
bool sva_mmget_not_zero(struct sva_mm *mm);
/* Drop a user; the last one runs exit_mmap and drops a count. Might sleep. */
void sva_mmput(struct sva_mm *mm);
void sva_mmgrab(struct sva_mm *mm);
/* Drop a count; the last one runs __mmdrop (drop hooks, then the mm is freed). */
void sva_mmdrop(struct sva_mm *mm);
long sva_mm_users(struct sva_mm *mm);
long sva_mm_count(struct sva_mm *mm);
const char *sva_mm_name(const struct sva_mm *mm);
unsigned sva_mm_id(const struct sva_mm *mm);
struct sva_world *sva_mm_world(const struct sva_mm *mm);
/*
 * For the invariant checker: the leaf page-table entry of @va in @mm as it is now (SVA_PTE_*
 * bits and the frame; 0 when absent or once the tables are gone) and, in *@pending, whether a
 * change of @mm's page table is still being invalidated (devices may still reach the old
 * translation). A read-only walk: no lock, no scheduling point.
 */
uint64_t sva_mm_query_pte(struct sva_mm *mm, uint64_t va, bool *pending);
struct sva_mm_sys *sva_mm_sys_of(const struct sva_mm *mm);
struct sva_rwsem *sva_mm_mmap_lock(struct sva_mm *mm);
struct sva_pgtable *sva_mm_pgtable(struct sva_mm *mm);
/* exit_mmap has run: no VMA, no page, notifiers released. */
bool sva_mm_is_dead(struct sva_mm *mm);

/*
 * An mm whose memory is not libsva's - a real process's, reached by a device daemon (sva exec):
 * it has no VMAs or page tables of its own for that memory; the IOMMU's walk asks @present, a
 * page request's handling asks @fault, and DMA goes through @access (within one page). The
 * lifetime stays libsva's: the counts, exit_mmap (after which the IOMMU never reaches it: the
 * PASID is blocked), __mmdrop, which calls @release. The checker does not follow this memory
 * (no DMA_ACCESS frame to judge). Devices reach it by untranslated requests only: an ATS
 * translation request for it is refused (no ATC entry for memory libsva does not own).
 */
struct sva_mm_external {
	/* 1 present with the access allowed, 0 not present, -EFAULT not mapped or not allowed,
	   -ESRCH gone */
	int (*present)(void *ctx, uint64_t va, bool write);
	int (*fault)(void *ctx, uint64_t va, bool write); /* make present: 0 or negative */
	int (*access)(void *ctx, uint64_t va, void *buf, size_t len, bool write);
	void (*release)(void *ctx); /* at __mmdrop; may be NULL */
	void *ctx;
};
/* Make @mm external (before any device binds it; @ext must live until its release). */
void sva_mm_set_external(struct sva_mm *mm, const struct sva_mm_external *ext);
/* NULL for an mm whose memory is libsva's. */
const struct sva_mm_external *sva_mm_external(const struct sva_mm *mm);

/* The IOMMU core's per-mm data (mm->iommu_mm), published with release, read with acquire. */
void *sva_mm_iommu_data(struct sva_mm *mm);
void sva_mm_set_iommu_data(struct sva_mm *mm, void *data);

/* ---- VMAs ---------------------------------------------------------------------------------- */

enum {
	SVA_VM_READ = 1u << 0,
	SVA_VM_WRITE = 1u << 1,
	SVA_VM_EXEC = 1u << 2,
	SVA_VM_SHARED = 1u << 3,
	SVA_VM_DONTCOPY = 1u << 4,   /* fork: the child has no such mapping */
	SVA_VM_WIPEONFORK = 1u << 5, /* fork: the child's is empty (fresh zero pages) */
	SVA_VM_DONTEXPAND = 1u << 6, /* mremap may not grow it */
	SVA_VM_IO = 1u << 7,	     /* device memory: pages not the arena's to free or copy */
};

enum { /* mmap flags */
       SVA_MAP_PRIVATE = 0,
       SVA_MAP_SHARED = 1u << 0,
       SVA_MAP_FIXED = 1u << 1,
       SVA_MAP_POPULATE = 1u << 2,
};

enum { /* prot */
       SVA_PROT_NONE = 0,
       SVA_PROT_READ = SVA_VM_READ,
       SVA_PROT_WRITE = SVA_VM_WRITE,
       SVA_PROT_EXEC = SVA_VM_EXEC,
};

/* What a driver's mapping does (the kernel's vm_operations_struct). */
struct sva_vm_ops {
	/* A page for @addr in @vma, with a reference for the mapping; NULL = SIGBUS. */
	struct sva_page *(*fault)(struct sva_vma *vma, uint64_t addr);
	void (*close)(struct sva_vma *vma);
};

/* Public, read-only (the mm's mmap_lock held): @private_data is the file's, read-write. */
struct sva_vma {
	struct sva_mm *mm;
	uint64_t start, end;
	unsigned flags;
	struct sva_file *file; /* holds a file reference */
	uint64_t pgoff;
	const struct sva_vm_ops *ops;
	void *private_data;
};

/*
 * Map [addr, addr + len) (page-aligned len; addr a hint unless SVA_MAP_FIXED, 0 = any) with
 * @prot and @flags; @file (may be NULL: anonymous) gets its mmap operation called with the new
 * VMA and holds a reference while mapped. Caller holds no mmap_lock. 0 and *@out, or -EINVAL,
 * -ENOMEM, or the file's error.
 */
int sva_mm_mmap(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		struct sva_file *file, uint64_t pgoff, uint64_t *out);
/* Unmap [addr, addr + len): VMAs split or removed, pages freed after the invalidation. */
int sva_mm_munmap(struct sva_mm *mm, uint64_t addr, uint64_t len);
/* Change protection of [addr, addr + len), splitting VMAs; -ENOMEM if a hole is inside. */
int sva_mm_mprotect(struct sva_mm *mm, uint64_t addr, uint64_t len, unsigned prot);
/*
 * Zap the pages of every VMA of @mm whose ops are @ops and private data @private_data (a driver
 * revoking its mappings: the VMAs stay, later faults go to the driver again). Pages are freed
 * after the notifiers' invalidation. Takes mmap_lock for write. Returns the VMAs zapped.
 */
size_t sva_mm_zap_vmas(struct sva_mm *mm, const struct sva_vm_ops *ops, void *private_data);
/*
 * The mms that mapped a driver's region (uacce's queue, idxd's portal), each holding a count
 * (mmgrab), so that a removal can zap their mappings. The set has no lock of its own: its
 * driver keeps it under one (SVA_GUARDED_BY) and releases it at its file's release.
 */
#define SVA_MM_SET_MAX 4
struct sva_mm_set {
	struct sva_mm *at[SVA_MM_SET_MAX];
	unsigned n;
};

/* Note @mm, grabbed once: 0 (also when it is noted already), or -ENOSPC when the set is full. */
int sva_mm_set_add(struct sva_mm_set *set, struct sva_mm *mm);
/* The live ones, each with a user (mmget_not_zero), into @out; returns how many. */
unsigned sva_mm_set_get_live(const struct sva_mm_set *set, struct sva_mm *out[SVA_MM_SET_MAX]);
/* For each of @n mms got so: zap the VMAs of (@ops, @private_data) (sva_mm_zap_vmas), mmput. */
void sva_mm_set_zap_put(struct sva_mm *mms[], unsigned n, const struct sva_vm_ops *ops,
			void *private_data);
/* Drop every count and empty the set. */
void sva_mm_set_drop(struct sva_mm_set *set);

/* The VMA containing @addr, or NULL (caller holds mmap_lock). No stack growth. */
struct sva_vma *sva_vma_lookup(struct sva_mm *mm, uint64_t addr);
/* Number of VMAs (caller holds mmap_lock or the mm is quiet). */
size_t sva_mm_vma_count(struct sva_mm *mm);

/* ---- faults -------------------------------------------------------------------------------- */

enum {
	SVA_FAULT_FLAG_WRITE = 1u << 0,
	SVA_FAULT_FLAG_INSTRUCTION = 1u << 1,
	SVA_FAULT_FLAG_USER = 1u << 2,
	SVA_FAULT_FLAG_REMOTE = 1u << 3, /* a device's fault, not the CPU's */
};

enum {
	SVA_VM_FAULT_OK = 0,
	SVA_VM_FAULT_OOM = 1u << 0,
	SVA_VM_FAULT_SIGBUS = 1u << 1,
	SVA_VM_FAULT_SIGSEGV = 1u << 2,
};

/*
 * Resolve a fault at @addr in @vma (caller holds mmap_lock for read and checked the access
 * against the VMA): demand-zero, swap-in, copy-on-write break. Returns SVA_VM_FAULT_* bits.
 */
unsigned sva_handle_mm_fault(struct sva_vma *vma, uint64_t addr, unsigned flags);

/*
 * The whole fault path for a CPU or device access: mmap_lock for read, exact VMA lookup, access
 * check against the VMA, handle_mm_fault. 0, -EFAULT (no VMA), -EACCES (the VMA forbids it),
 * -ENOMEM, -EIO (SIGBUS).
 */
int sva_mm_fault(struct sva_mm *mm, uint64_t addr, unsigned flags);

/*
 * Copy between @buf and the mm's memory at [addr, addr + len), faulting pages in as the CPU
 * would (write: copy-on-write breaks). 0 or the first fault's error; on error nothing past the
 * failing page was copied.
 */
int sva_mm_access(struct sva_mm *mm, uint64_t addr, void *buf, size_t len, bool write);

/* ---- copy-on-write fork -------------------------------------------------------------------- */

/*
 * A new mm for a child: VMAs copied (DONTCOPY skipped, WIPEONFORK empty), private anonymous
 * pages shared copy-on-write in both (the parent's range invalidated), shared mappings shared,
 * file references taken. The child has no IOMMU data (no PASID).
 */
int sva_mm_dup(struct sva_mm *parent, const char *name, struct sva_mm **out);

/* ---- mmu notifiers ------------------------------------------------------------------------- */

struct sva_mmu_notifier;

struct sva_mmu_notifier_ops {
	/* exit_mmap: the address space is going; stop using it. Runs once. */
	void (*release)(struct sva_mmu_notifier *mn, struct sva_mm *mm);
	/* Translations of [start, end) changed: flush secondary TLBs (IOTLB, ATC). */
	void (*invalidate)(struct sva_mmu_notifier *mn, struct sva_mm *mm, uint64_t start,
			   uint64_t end);
	/* After sva_mmu_notifier_put(), from the deferred context: free the subscription. */
	void (*free_notifier)(struct sva_mmu_notifier *mn);
};

struct sva_mmu_notifier {
	const struct sva_mmu_notifier_ops *ops; /* set by the subscriber */
	struct sva_mm *mm;			/* read-only: set by register */
	/* private: */
	struct sva_list_head node;	 /* under the mm's notifier lock */
	bool released;			 /* off the list (exit_mmap or unregister) */
	SVA_ATOMIC(bool) release_called; /* release has run (once) */
	struct sva_work free_work;
};

/* Subscribe (mm users must be > 0: -EINVAL otherwise); holds a count of @mm. */
int sva_mmu_notifier_register(struct sva_mmu_notifier *mn, struct sva_mm *mm);
/* Unsubscribe now: release runs if it has not; waits for running callbacks; drops the count. */
void sva_mmu_notifier_unregister(struct sva_mmu_notifier *mn);
/* Unsubscribe and free later, from the deferred context (free_notifier, then the count). */
void sva_mmu_notifier_put(struct sva_mmu_notifier *mn);

SVA_END_DECLS

#endif /* SVA_MM_H */

/* SPDX-License-Identifier: MIT */
/*
 * A real process's memory as a device reaches it (procmem.c): /proc/PID/mem opened once, at
 * bind time - it refers to the mm, not the pid, so a reused pid is never reached, and it holds
 * the mm the way a bond holds mm_count: after the process's exit_mmap it reads nothing.
 * /proc/PID/pagemap says whether a page is present (block-on-fault off needs "not present"),
 * /proc/PID/maps what a mapping permits (/proc/PID/mem writes with FOLL_FORCE, which a device
 * must not: a write to a read-only mapping is a fault here).
 *
 * /proc/PID/maps is cached: re-read when an address misses it or the cached mapping refuses
 * the access, and at sva_procmem_refresh() - call it once per descriptor: a mapping the
 * process narrowed (mprotect, munmap) since the last refresh is still allowed until the next,
 * as an IOTLB keeps a translation until its invalidation.
 *
 * Not thread-safe: one user at a time per struct sva_procmem (the engine's DMA of one PASID).
 */
#ifndef SVA_EXEC_PROCMEM_H
#define SVA_EXEC_PROCMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sva_procmem;

/*
 * @pid may be any thread of the process (fuse_get_context()'s): its thread group's files are
 * opened, which outlive the thread. 0, -ESRCH (no such process), -EACCES / -EPERM (not
 * allowed), -ENOMEM.
 */
int sva_procmem_open(pid_t pid, struct sva_procmem **out);
void sva_procmem_close(struct sva_procmem *pm);

/*
 * Is the page of @va mapped with the access (@write) allowed, and present? 1 present, 0 mapped
 * but not present (a fault a device would report or request), -EFAULT not mapped or not
 * allowed, -ESRCH the mm is gone (its exit_mmap ran).
 */
int sva_procmem_present(struct sva_procmem *pm, uint64_t va, bool write);
/*
 * Make the page of @va present (what handling a page request does): 0, -EFAULT, -ESRCH. It
 * reads the page in; a write's copy-on-write is made by the write itself.
 */
int sva_procmem_fault_in(struct sva_procmem *pm, uint64_t va, bool write);
/*
 * Read or write [va, va + len) - within one page (else -EINVAL) - of the process: 0, -EFAULT
 * (not mapped, not allowed), -ESRCH (the mm is gone). Pages not present are faulted in by the
 * kernel.
 */
int sva_procmem_access(struct sva_procmem *pm, uint64_t va, void *buf, size_t len, bool write);

/*
 * Is the mm still the process's - not past its exit_mmap, not left by an exec? One read of
 * pagemap (which holds the mm, as mem does): no maps read.
 */
bool sva_procmem_alive(struct sva_procmem *pm);
/*
 * The process may have changed its mappings (munmap, mprotect, mmap over): the next access
 * check re-reads maps. What the kernel's invalidations would tell an IOTLB; the daemon calls it
 * at each of the process's submissions, so what the program did before a store is seen.
 */
void sva_procmem_invalidate(struct sva_procmem *pm);
/* Re-read /proc/PID/maps now: 0, -ESRCH (the mm is gone), -ENOMEM. */
int sva_procmem_refresh(struct sva_procmem *pm);
/*
 * Whether permissions are the kernel's answer at each access (PROCMAP_QUERY): true until an
 * access finds the kernel without it. sva_procmem_use_maps_cache() makes them the cache's.
 */
bool sva_procmem_exact(const struct sva_procmem *pm);
void sva_procmem_use_maps_cache(struct sva_procmem *pm);
/* How many times maps was read (the open's included): what the cache saves. */
unsigned long sva_procmem_maps_reads(const struct sva_procmem *pm);

#endif /* SVA_EXEC_PROCMEM_H */

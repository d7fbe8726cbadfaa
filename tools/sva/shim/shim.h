/* SPDX-License-Identifier: MIT */
/*
 * The preloaded portal shim's inner interface (shim.c): what the tests reach. In
 * libsva-exec-shim.so these are hidden (only the libc wrappers are exported); a test program
 * links shim.c itself, so its own mmap/munmap/mremap/mprotect/sigaction/signal calls are the
 * shim's exactly as a preloaded program's are, and it replaces the forwarder.
 */
#ifndef SVA_SHIM_H
#define SVA_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "../exec/portal.h"

/*
 * Forward one trapped store to the queue behind @fd (the shim's own descriptor of the portal's
 * file). 0 accepted; -EAGAIN refused, retry (ENQCMD's ZF=1; a MOVDIR64B's is taken as
 * accepted: dropped); any other negative errno: the portal is dead, SIGBUS. Called in the
 * signal handler: async-signal-safe.
 */
typedef int (*sva_shim_forward_fn)(int fd, const struct sva_exec_store *s);

/* The default: ioctl(fd, SVA_EXEC_IOC_STORE, s). */
int sva_shim_forward_ioctl(int fd, const struct sva_exec_store *s);
void sva_shim_set_forwarder(sva_shim_forward_fn fn);

/* The recorded portals: how many, and the one holding @addr (0, or -ENOENT). */
unsigned sva_shim_nportals(void);
int sva_shim_portal_find(uintptr_t addr, uintptr_t *start, size_t *len, int *fd);

#endif /* SVA_SHIM_H */

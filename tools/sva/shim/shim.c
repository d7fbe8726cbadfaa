/* SPDX-License-Identifier: MIT */
/*
 * libsva-exec-shim.so, preloaded into a real program by `sva exec` (docs/exec-shim.md): a DSA
 * portal the program maps from /dev/dsa/ is left without access, and the program's MOVDIR64B,
 * ENQCMD and ENQCMDS to it trap (SIGSEGV; SIGILL where the CPU has no ENQCMD). The handler
 * decodes the instruction (decode.c), reads its 64 source bytes, forwards them to the daemon as
 * one ioctl on the portal's file (portal.h), answers ENQCMD's ZF and steps over it.
 * Where the CPU has no MOVDIR64B (AMD's EPYC, older Intel: #UD, SIGILL), a MOVDIR64B to memory
 * that is no portal is done here as the instruction would do it - the 64-byte store, or its
 * #GP / #PF (SIGSEGV at the address) - so a program behaves as on a CPU that has it.
 *
 * Rules kept:
 * - The state is one static struct (struct shim): a preloaded library has no world to hang it
 *   on, and a signal handler gets no argument. It is the process's, as the portal VMAs are.
 * - The handler is async-signal-safe: no malloc, no stdio, no locks; it reads the portal table
 *   lock-free. A slot is LIVE (readable), DEAD (being removed) or FREE; a reader takes a use
 *   (users++) and then re-checks LIVE, a remover marks it DEAD and waits for no users before it
 *   closes the descriptor - so a store never reaches a recycled descriptor number.
 * - The table's writers (the mmap/munmap/mremap/mprotect wrappers) and sigaction hold
 *   shim.lock with every signal blocked, so a handler of the same thread never meets a
 *   half-made change. The program's dispositions are under a sequence count: the handler
 *   reads them (and SA_RESETHAND writes them) without the lock.
 * - Each portal keeps the shim's own descriptor (a close-on-exec dup made at mmap) for
 *   forwarding: the program may close or reuse its own. The mapping holds the file as the
 *   kernel's portal VMA does, so the dup is closed at munmap: the daemon's RELEASE comes when
 *   the kernel's would. Portals are not inherited by fork (idxd's VM_DONTCOPY: MADV_DONTFORK
 *   here), so a child forgets them and closes the dups.
 * - The program's own SIGSEGV/SIGILL dispositions are remembered (sigaction and signal are
 *   wrapped) while the shim's handler stays installed; a fault that is not a portal store goes
 *   to them, called as the kernel would, or - SIG_DFL - re-raises with the default action.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <asm/prctl.h>

#include "decode.h"
#include "shim.h"

#define SHIM_EXPORT	 __attribute__((visibility("default")))
#define SHIM_MAX_PORTALS 64
#define SHIM_DUP_BASE	 512 /* the shim's descriptors start here: out of the program's way */

/* si_errno of the faults the handler queues itself: they are chained, never decoded again */
#define SHIM_QUEUED_ERRNO 0x53564121

#define EFLAGS_CF 0x0001u
#define EFLAGS_PF 0x0004u
#define EFLAGS_AF 0x0010u
#define EFLAGS_ZF 0x0040u
#define EFLAGS_SF 0x0080u
#define EFLAGS_OF 0x0800u

enum { SLOT_FREE, SLOT_LIVE, SLOT_DEAD };

struct portal {
	atomic_int state;
	atomic_int users; /* handlers reading the slot */
	uintptr_t start;
	size_t len;
	int fd; /* the shim's own dup */
};

/* A program's disposition of SIGSEGV or SIGILL, under a sequence count (odd: being written). */
struct prog_action {
	atomic_uint seq;
	struct sigaction act;
};

struct shim {
	atomic_bool resolved, installed;
	_Atomic(sva_shim_forward_fn) forward;
	void *(*real_mmap)(void *, size_t, int, int, int, off_t);
	int (*real_munmap)(void *, size_t);
	void *(*real_mremap)(void *, size_t, size_t, int, ...);
	int (*real_mprotect)(void *, size_t, int);
	int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
	pthread_mutex_t lock;
	atomic_uint nlive;
	struct portal portals[SHIM_MAX_PORTALS];
	struct prog_action prog[2]; /* [0] SIGSEGV, [1] SIGILL */
	char dir[PATH_MAX];	    /* the portals' directory, "/dev/dsa/" */
	size_t dirlen;
	size_t page;
};

static struct shim shim = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static void shim_handler(int sig, siginfo_t *si, void *ucv);

/* ---- setup -------------------------------------------------------------------------------- */

static void shim_resolve(void)
{
	if (atomic_load(&shim.resolved))
		return;
	shim.real_mmap = (void *(*)(void *, size_t, int, int, int, off_t))dlsym(RTLD_NEXT, "mmap");
	shim.real_munmap = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap");
	shim.real_mremap = (void *(*)(void *, size_t, size_t, int, ...))dlsym(RTLD_NEXT, "mremap");
	shim.real_mprotect = (int (*)(void *, size_t, int))dlsym(RTLD_NEXT, "mprotect");
	shim.real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(
		RTLD_NEXT, "sigaction");
	if (!shim.real_mmap || !shim.real_munmap || !shim.real_mremap || !shim.real_mprotect ||
	    !shim.real_sigaction) {
		static const char msg[] = "libsva-exec-shim: dlsym(RTLD_NEXT) found no libc\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	long page = sysconf(_SC_PAGESIZE);
	shim.page = page > 0 ? (size_t)page : 4096;

	const char *dir = getenv("SVA_EXEC_PORTAL_DIR");
	char real[PATH_MAX];
	if (!dir || !*dir)
		dir = "/dev/dsa";
	if (realpath(dir, real))
		dir = real;
	size_t n = strlen(dir);
	if (n + 2 > sizeof(shim.dir))
		n = sizeof(shim.dir) - 2;
	memcpy(shim.dir, dir, n);
	if (n == 0 || shim.dir[n - 1] != '/')
		shim.dir[n++] = '/';
	shim.dir[n] = '\0';
	shim.dirlen = n;
	if (!atomic_load(&shim.forward))
		atomic_store(&shim.forward, sva_shim_forward_ioctl);
	atomic_store(&shim.resolved, true);
}

/* Block every signal in this thread and take the lock (see the rules above). */
static void shim_lock(sigset_t *saved)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, saved);
	pthread_mutex_lock(&shim.lock);
}

static void shim_unlock(const sigset_t *saved)
{
	pthread_mutex_unlock(&shim.lock);
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}

static int prog_index(int sig)
{
	return sig == SIGSEGV ? 0 : sig == SIGILL ? 1 : -1;
}

static void prog_get(int sig, struct sigaction *out)
{
	struct prog_action *p = &shim.prog[prog_index(sig)];
	unsigned s;

	for (;;) {
		s = atomic_load(&p->seq);
		if (s & 1) {
			sched_yield(); /* a writer of another thread: it has its signals blocked */
			continue;
		}
		memcpy(out, &p->act, sizeof(*out));
		if (atomic_load(&p->seq) == s)
			return;
	}
}

/* Writers exclude each other by making the count odd; each has its signals blocked, or is the
 * handler (SA_RESETHAND), which no writer of its own thread is under. */
static void prog_set(int sig, const struct sigaction *act)
{
	struct prog_action *p = &shim.prog[prog_index(sig)];
	unsigned s;

	for (;;) {
		s = atomic_load(&p->seq);
		if (!(s & 1) && atomic_compare_exchange_weak(&p->seq, &s, s + 1))
			break;
		sched_yield();
	}
	memcpy(&p->act, act, sizeof(*act));
	atomic_store(&p->seq, s + 2);
}

/* Under shim.lock: the handler goes in at the first portal, the program's dispositions kept. */
static void shim_install_locked(void)
{
	struct sigaction ours, old;

	if (atomic_load(&shim.installed))
		return;
	memset(&ours, 0, sizeof(ours));
	ours.sa_sigaction = shim_handler;
	ours.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	/* what the handler queues (SIGBUS for a dead portal, SIGSEGV for a bad source) arrives
	 * after it returns, at the instruction, as the fault would have */
	sigemptyset(&ours.sa_mask);
	sigaddset(&ours.sa_mask, SIGSEGV);
	sigaddset(&ours.sa_mask, SIGILL);
	sigaddset(&ours.sa_mask, SIGBUS);
	for (int sig = SIGILL; sig; sig = sig == SIGILL ? SIGSEGV : 0) {
		if (shim.real_sigaction(sig, &ours, &old) == 0)
			prog_set(sig, &old);
	}
	atomic_store(&shim.installed, true);
}

int sva_shim_forward_ioctl(int fd, const struct sva_exec_store *s)
{
	return ioctl(fd, SVA_EXEC_IOC_STORE, s) < 0 ? -errno : 0;
}

void sva_shim_set_forwarder(sva_shim_forward_fn fn)
{
	shim_resolve();
	atomic_store(&shim.forward, fn ? fn : sva_shim_forward_ioctl);
}

/* ---- the portal table --------------------------------------------------------------------- */

/* Take a use of the LIVE portal holding @addr, or NULL. Async-signal-safe. */
static struct portal *portal_get(uintptr_t addr)
{
	for (unsigned i = 0; i < SHIM_MAX_PORTALS; i++) {
		struct portal *p = &shim.portals[i];

		if (atomic_load(&p->state) != SLOT_LIVE)
			continue;
		atomic_fetch_add(&p->users, 1);
		if (atomic_load(&p->state) == SLOT_LIVE && addr - p->start < p->len)
			return p;
		atomic_fetch_sub(&p->users, 1);
	}
	return NULL;
}

static void portal_put(struct portal *p)
{
	atomic_fetch_sub(&p->users, 1);
}

/* Under shim.lock: a slot out of use, its descriptor closed. */
static void portal_remove_locked(struct portal *p, bool close_fd)
{
	atomic_store(&p->state, SLOT_DEAD);
	while (atomic_load(&p->users))
		sched_yield(); /* a handler of another thread finishing its store */
	if (close_fd)
		close(p->fd);
	atomic_store(&p->state, SLOT_FREE);
	atomic_fetch_sub(&shim.nlive, 1);
}

/* Under shim.lock: forget every portal overlapping [addr, addr + len): no longer mapped. */
static void portals_forget_locked(uintptr_t addr, size_t len)
{
	for (unsigned i = 0; i < SHIM_MAX_PORTALS; i++) {
		struct portal *p = &shim.portals[i];

		if (atomic_load(&p->state) == SLOT_LIVE && p->start < addr + len &&
		    addr < p->start + p->len)
			portal_remove_locked(p, true);
	}
}

static void portals_forget(uintptr_t addr, size_t len)
{
	sigset_t saved;

	if (!atomic_load(&shim.nlive))
		return;
	shim_lock(&saved);
	portals_forget_locked(addr, len);
	shim_unlock(&saved);
}

/* Is @fd a file under the portals' directory? */
static bool fd_is_portal(int fd)
{
	char link[64], path[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	return (size_t)n > shim.dirlen && memcmp(path, shim.dir, shim.dirlen) == 0;
}

/* Record the portal mapped at [addr, addr + len) from @fd: trapped, not inherited. */
static int portal_add(uintptr_t addr, size_t len, int fd)
{
	struct portal *p = NULL;
	sigset_t saved;
	int dup, rc = 0;

	dup = fcntl(fd, F_DUPFD_CLOEXEC, SHIM_DUP_BASE);
	if (dup < 0)
		dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -errno;
	shim_lock(&saved);
	shim_install_locked();
	for (unsigned i = 0; i < SHIM_MAX_PORTALS && !p; i++) {
		if (atomic_load(&shim.portals[i].state) == SLOT_FREE)
			p = &shim.portals[i];
	}
	if (!p) {
		rc = -ENOMEM;
	} else if (shim.real_mprotect((void *)addr, len, PROT_NONE) < 0 ||
		   madvise((void *)addr, len, MADV_DONTFORK) < 0) {
		rc = -errno;
	} else {
		p->start = addr;
		p->len = len;
		p->fd = dup;
		atomic_fetch_add(&shim.nlive, 1);
		atomic_store(&p->state, SLOT_LIVE);
	}
	shim_unlock(&saved);
	if (rc)
		close(dup);
	return rc;
}

unsigned sva_shim_nportals(void)
{
	return atomic_load(&shim.nlive);
}

int sva_shim_portal_find(uintptr_t addr, uintptr_t *start, size_t *len, int *fd)
{
	struct portal *p = portal_get(addr);

	if (!p)
		return -ENOENT;
	*start = p->start;
	*len = p->len;
	*fd = p->fd;
	portal_put(p);
	return 0;
}

/* A forked child has none of the portals (MADV_DONTFORK): forget them, close the dups. */
static void shim_atfork_prepare(void)
{
	pthread_mutex_lock(&shim.lock);
}

static void shim_atfork_parent(void)
{
	pthread_mutex_unlock(&shim.lock);
}

static void shim_atfork_child(void)
{
	for (unsigned i = 0; i < SHIM_MAX_PORTALS; i++) {
		struct portal *p = &shim.portals[i];

		if (atomic_load(&p->state) == SLOT_LIVE) {
			close(p->fd);
			atomic_store(&p->users, 0);
			atomic_store(&p->state, SLOT_FREE);
		}
	}
	atomic_store(&shim.nlive, 0);
	pthread_mutex_unlock(&shim.lock);
}

__attribute__((constructor)) static void shim_init(void)
{
	shim_resolve();
	pthread_atfork(shim_atfork_prepare, shim_atfork_parent, shim_atfork_child);
}

/* ---- the libc wrappers -------------------------------------------------------------------- */

SHIM_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	bool portal;
	void *p;
	int rc;

	shim_resolve();
	portal = !(flags & MAP_ANONYMOUS) && fd >= 0 && fd_is_portal(fd);
	if (portal && (len == 0 || len > shim.page)) {
		errno = EINVAL; /* idxd's mmap: one page at most */
		return MAP_FAILED;
	}
	p = shim.real_mmap(addr, len, prot, flags, fd, off);
	if (p == MAP_FAILED)
		return p;
	portals_forget((uintptr_t)p, len); /* MAP_FIXED may have replaced one */
	if (portal) {			   /* the whole page: a shorter length maps it all */
		rc = portal_add((uintptr_t)p, shim.page, fd);
		if (rc) {
			shim.real_munmap(p, len);
			errno = -rc;
			return MAP_FAILED;
		}
	}
	return p;
}

SHIM_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t off)
{
	return mmap(addr, len, prot, flags, fd, (off_t)off);
}

SHIM_EXPORT int munmap(void *addr, size_t len)
{
	int rc;

	shim_resolve();
	rc = shim.real_munmap(addr, len);
	if (rc == 0)
		portals_forget((uintptr_t)addr, len);
	return rc;
}

/* A portal may move, keeping its size (mremap of a PFN mapping); it cannot grow (-EFAULT). */
SHIM_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
	void *want = NULL, *p;
	struct portal *port = NULL;
	sigset_t saved;
	va_list ap;

	shim_resolve();
	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		want = va_arg(ap, void *);
		va_end(ap);
	}
	if (!atomic_load(&shim.nlive))
		return shim.real_mremap(old, old_len, new_len, flags, want);
	shim_lock(&saved);
	for (unsigned i = 0; i < SHIM_MAX_PORTALS && !port; i++) {
		struct portal *q = &shim.portals[i];

		if (atomic_load(&q->state) == SLOT_LIVE && q->start < (uintptr_t)old + old_len &&
		    (uintptr_t)old < q->start + q->len)
			port = q;
	}
	if (port) {
		size_t round = (new_len + shim.page - 1) & ~(shim.page - 1);

		if ((uintptr_t)old != port->start || round != port->len ||
		    (flags & MREMAP_DONTUNMAP)) {
			shim_unlock(&saved);
			errno = (uintptr_t)old == port->start && round > port->len ? EFAULT
										   : EINVAL;
			return MAP_FAILED;
		}
	}
	p = shim.real_mremap(old, old_len, new_len, flags, want);
	if (p != MAP_FAILED && p != old) {
		int fd = port ? port->fd : -1;

		if (port)
			portal_remove_locked(port, false);
		portals_forget_locked((uintptr_t)p, new_len);
		if (port) { /* the same slot, its descriptor kept, at the new address */
			port->start = (uintptr_t)p;
			port->fd = fd;
			atomic_fetch_add(&shim.nlive, 1);
			atomic_store(&port->state, SLOT_LIVE);
		}
	}
	shim_unlock(&saved);
	return p;
}

/* A portal stays without access whatever the program asks (its stores must trap). */
SHIM_EXPORT int mprotect(void *addr, size_t len, int prot)
{
	sigset_t saved;
	int rc;

	shim_resolve();
	rc = shim.real_mprotect(addr, len, prot);
	if (rc || !atomic_load(&shim.nlive))
		return rc;
	shim_lock(&saved);
	for (unsigned i = 0; i < SHIM_MAX_PORTALS; i++) {
		struct portal *p = &shim.portals[i];

		if (atomic_load(&p->state) == SLOT_LIVE && p->start < (uintptr_t)addr + len &&
		    (uintptr_t)addr < p->start + p->len)
			shim.real_mprotect((void *)p->start, p->len, PROT_NONE);
	}
	shim_unlock(&saved);
	return rc;
}

SHIM_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigset_t saved;
	int rc = 0;

	shim_resolve();
	if (prog_index(sig) < 0)
		return shim.real_sigaction(sig, act, old);
	shim_lock(&saved);
	if (!atomic_load(&shim.installed)) {
		/* no portal yet: the program's own, and remembered for when one comes */
		rc = shim.real_sigaction(sig, act, old);
	} else {
		if (old)
			prog_get(sig, old);
		if (act)
			prog_set(sig, act);
	}
	shim_unlock(&saved);
	return rc;
}

SHIM_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESTART; /* glibc's signal(): BSD semantics */
	sigemptyset(&act.sa_mask);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

/* signal() as a strict-ISO program gets it (-std=c11: signal is __sysv_signal), and its names */
SHIM_EXPORT sighandler_t __sysv_signal(int sig, sighandler_t handler)
{
	struct sigaction act, old;

	memset(&act, 0, sizeof(act));
	act.sa_handler = handler;
	act.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&act.sa_mask);
	if (sigaction(sig, &act, &old) < 0)
		return SIG_ERR;
	return old.sa_handler;
}

SHIM_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return __sysv_signal(sig, handler);
}

/* declared by <signal.h> only for old X/Open */
sighandler_t bsd_signal(int sig, sighandler_t handler);

SHIM_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return signal(sig, handler);
}

/* ---- the handler -------------------------------------------------------------------------- */

static pid_t shim_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Read @len bytes of our own memory at @addr without faulting: the bytes read. */
static size_t read_self(uintptr_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	ssize_t n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

	return n > 0 ? (size_t)n : 0;
}

static bool write_self(uintptr_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len }, remote = { (void *)addr, len };

	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* The si_code of a #PF at addr: mapped without the access (ACCERR), or not mapped at all. */
static int segv_code(uintptr_t addr)
{
	uintptr_t page = addr & ~(uintptr_t)4095;

	return msync((void *)page, 4096, MS_ASYNC) == 0 ? SEGV_ACCERR : SEGV_MAPERR;
}

/*
 * Raise the fault a real portal would have raised, as the kernel forces one: unblocked when the
 * handler returns (uc_sigmask), SIGBUS not ignored. Queued to this thread, it arrives after the
 * handler returns, with the context at the instruction.
 */
static void deliver(int sig, int code, uintptr_t addr, ucontext_t *uc)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_errno = SHIM_QUEUED_ERRNO;
	si.si_code = code;
	si.si_addr = (void *)addr;
	sigdelset(&uc->uc_sigmask, sig);
	if (prog_index(sig) < 0) {
		struct sigaction cur;

		if (shim.real_sigaction(sig, NULL, &cur) == 0 && cur.sa_handler == SIG_IGN) {
			memset(&cur, 0, sizeof(cur));
			cur.sa_handler = SIG_DFL;
			shim.real_sigaction(sig, &cur, NULL);
		}
	}
	syscall(SYS_rt_tgsigqueueinfo, getpid(), shim_gettid(), sig, &si);
}

/* Not a portal store: the program's handler, or the default action. */
static void chain(int sig, siginfo_t *si, ucontext_t *uc)
{
	struct sigaction act;
	bool fault = si->si_code > 0; /* SI_USER, SI_QUEUE, SI_TKILL..: sent, not raised */
	sigset_t mask;

	prog_get(sig, &act);
	if (!(act.sa_flags & SA_SIGINFO) && act.sa_handler == SIG_IGN && !fault)
		return;
	if (!(act.sa_flags & SA_SIGINFO) &&
	    (act.sa_handler == SIG_DFL || act.sa_handler == SIG_IGN)) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		shim.real_sigaction(sig, &dfl, NULL);
		if (!fault) { /* sent: send it again, to the default action now */
			sigdelset(&uc->uc_sigmask, sig);
			syscall(SYS_rt_tgsigqueueinfo, getpid(), shim_gettid(), sig, si);
		}
		return; /* a fault: the instruction runs again and faults, core dump and all */
	}
	/* the program's handler, as the kernel would call it: its mask, its flags */
	mask = uc->uc_sigmask;
	sigorset(&mask, &mask, &act.sa_mask);
	if (!(act.sa_flags & SA_NODEFER))
		sigaddset(&mask, sig);
	if (act.sa_flags & SA_RESETHAND) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		prog_set(sig, &dfl);
	}
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	if (act.sa_flags & SA_SIGINFO)
		act.sa_sigaction(sig, si, uc);
	else
		act.sa_handler(sig);
}

/* ucontext's register numbers in the encoding's order (decode.h) */
static const int greg_of[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8,	 REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/*
 * A MOVDIR64B the CPU does not have (SIGILL) to memory that is no portal: what the instruction
 * does there - #GP for a destination not 64-byte aligned, #PF on the source or the
 * destination, else the 64-byte store - and the step over it.
 */
static bool movdir64b_ordinary(const struct sva_shim_insn *in, const struct sva_shim_regs *r,
			       uint64_t dst, ucontext_t *uc)
{
	uint64_t src = sva_shim_src(in, r);
	uint8_t buf[64];

	if (dst & 63)
		deliver(SIGSEGV, SI_KERNEL, 0, uc);
	else if (read_self(src, buf, sizeof(buf)) != sizeof(buf))
		deliver(SIGSEGV, segv_code(src), src, uc);
	else if (!write_self(dst, buf, sizeof(buf)))
		deliver(SIGSEGV, segv_code(dst), dst, uc);
	else
		uc->uc_mcontext.gregs[REG_RIP] += in->len;
	return true;
}

/* A portal store: forwarded (true), or not one (false). */
static bool try_portal(int sig, siginfo_t *si, ucontext_t *uc)
{
	greg_t *g = uc->uc_mcontext.gregs;
	struct sva_shim_insn in;
	struct sva_shim_regs r;
	struct sva_exec_store st;
	struct portal *p;
	uint8_t code[15];
	uint64_t dst, src;
	size_t n;
	int rc;

	if (si->si_code <= 0 || si->si_errno == SHIM_QUEUED_ERRNO)
		return false;
	if (!atomic_load(&shim.nlive) && sig != SIGILL)
		return false;
	/*
	 * A store to the portal faults at the destination (#PF); ENQCMD where the CPU lacks it
	 * is #UD (SIGILL) or, where a hypervisor hides it, #GP (SIGSEGV, SI_KERNEL, no address).
	 * Any other SIGSEGV is not ours: not decoded.
	 */
	if (sig == SIGSEGV && si->si_code != SI_KERNEL) {
		p = portal_get((uintptr_t)si->si_addr);
		if (!p)
			return false;
		portal_put(p);
	}
	n = read_self((uintptr_t)g[REG_RIP], code, sizeof(code));
	if (sva_shim_decode(code, n, &in))
		return false;
	memset(&r, 0, sizeof(r));
	for (unsigned i = 0; i < 16; i++)
		r.gpr[i] = (uint64_t)g[greg_of[i]];
	r.rip = (uint64_t)g[REG_RIP];
	if (in.seg == SVA_SHIM_SEG_FS)
		syscall(SYS_arch_prctl, ARCH_GET_FS, &r.fs_base);
	else if (in.seg == SVA_SHIM_SEG_GS)
		syscall(SYS_arch_prctl, ARCH_GET_GS, &r.gs_base);
	dst = sva_shim_dst(&in, &r);
	p = portal_get(dst);
	if (!p)
		return sig == SIGILL && in.kind == SVA_SHIM_MOVDIR64B &&
		       movdir64b_ordinary(&in, &r, dst, uc);
	if (dst & 63) {
		deliver(SIGSEGV, SI_KERNEL, 0, uc); /* #GP: a destination not 64-byte aligned */
		goto out;
	}
	memset(&st, 0, sizeof(st));
	src = sva_shim_src(&in, &r);
	if (read_self(src, st.desc, sizeof(st.desc)) != sizeof(st.desc)) {
		deliver(SIGSEGV, SEGV_MAPERR, src, uc); /* #PF on the source */
		goto out;
	}
	st.insn = in.kind;
	st.offset = (uint32_t)(dst - p->start);
	rc = atomic_load(&shim.forward)(p->fd, &st);
	if (rc == -EAGAIN && in.kind == SVA_SHIM_MOVDIR64B)
		rc = 0; /* a full dedicated WQ drops a MOVDIR64B silently */
	if (rc == 0 || rc == -EAGAIN) {
		if (in.kind != SVA_SHIM_MOVDIR64B) {
			greg_t fl = g[REG_EFL];

			fl &= ~(greg_t)(EFLAGS_CF | EFLAGS_PF | EFLAGS_AF | EFLAGS_ZF | EFLAGS_SF |
					EFLAGS_OF);
			if (rc)
				fl |= EFLAGS_ZF;
			g[REG_EFL] = fl;
		}
		g[REG_RIP] += in.len;
	} else {
		deliver(SIGBUS, BUS_ADRERR, dst, uc); /* a dead portal */
	}
out:
	portal_put(p);
	return true;
}

static void shim_handler(int sig, siginfo_t *si, void *ucv)
{
	int saved = errno;

	if (!try_portal(sig, si, ucv))
		chain(sig, si, ucv);
	errno = saved;
}

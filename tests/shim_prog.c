/* SPDX-License-Identifier: MIT */
/*
 * A real program for the portal shim's tests (test_shim_exec drives it: `shim_prog MODE`, the
 * portals' directory in SVA_EXEC_PORTAL_DIR). It maps a "portal" (a file under that directory)
 * and stores to it with MOVDIR64B, ENQCMD and ENQCMDS in inline assembly, in several addressing
 * forms. Built twice, never with a sanitizer:
 * - shim_prog links the shim's sources (SHIM_LINKED): its mmap/sigaction are the shim's, and a
 *   recording forwarder replaces the ioctl, so the 64 bytes, the offset, the kind, ZF and the
 *   stepping over each instruction are checked here;
 * - shim_plain is an ordinary dynamic binary the test runs with LD_PRELOAD=libsva-exec-shim.so:
 *   the real ioctl on a regular file fails (ENOTTY), which is a dead portal: SIGBUS.
 * Exit 0 when every check held; a failed check prints its line and exits 1; some modes end
 * by a signal the driver expects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifdef SHIM_LINKED
#include "../tools/sva/shim/shim.h"
#endif

#define CHECK(c)                                                                          \
	do {                                                                              \
		if (!(c)) {                                                               \
			fprintf(stderr, "shim_prog: %s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                            \
			exit(1);                                                          \
		}                                                                         \
	} while (0)

#define PAGE 4096

static int portal_fd;
static uint8_t *portal;

/* the source buffers: aligned, each byte names its position and the buffer */
static uint8_t src_static[64] __attribute__((aligned(64), used));

static void fill(uint8_t *b, uint8_t tag)
{
	for (int i = 0; i < 64; i++)
		b[i] = (uint8_t)(tag + i * 3);
}

static void map_portal(void)
{
	const char *dir = getenv("SVA_EXEC_PORTAL_DIR");
	char path[4096];

	CHECK(dir);
	snprintf(path, sizeof(path), "%s/wq0.0", dir);
	portal_fd = open(path, O_RDWR | O_CREAT, 0600);
	CHECK(portal_fd >= 0);
	CHECK(ftruncate(portal_fd, PAGE) == 0);
	portal = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED | MAP_POPULATE, portal_fd, 0);
	CHECK(portal != MAP_FAILED);
}

/* The portal's line in /proc/self/maps has no access: the shim trapped it. */
static int portal_perms_none(const void *at)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = -1;

	CHECK(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && (uintptr_t)at >= lo &&
		    (uintptr_t)at < hi)
			found = strncmp(perms, "---", 3) == 0;
	}
	fclose(f);
	return found;
}

static void movdir64b_rax_rdx(void *dst, const void *src)
{
	asm volatile(".byte 0x66, 0x0f, 0x38, 0xf8, 0x02" ::"a"(dst), "d"(src) : "memory");
}

/* ---- a SIGSEGV/SIGBUS handler of the program's own ---------------------------------------- */

static sigjmp_buf jump;
static volatile sig_atomic_t caught_sig, caught_code;
static void *volatile caught_addr;
static volatile uintptr_t caught_rip;

static void on_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	caught_sig = sig;
	caught_code = si->si_code;
	caught_addr = si->si_addr;
	caught_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	siglongjmp(jump, 1);
}

static void on_signal_plain(int sig)
{
	caught_sig = sig;
	siglongjmp(jump, 1);
}

static void install(int sig, int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(sig, &sa, NULL) == 0);
}

static uint8_t *prot_none_page(void)
{
	uint8_t *p = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHECK(p != MAP_FAILED);
	return p;
}

#ifdef SHIM_LINKED
/* ---- the recording forwarder -------------------------------------------------------------- */

static struct sva_exec_store rec[64];
static int nrec, rec_fd = -1;
static int answer;

static int recording_forwarder(int fd, const struct sva_exec_store *s)
{
	if (nrec < 64)
		rec[nrec] = *s;
	nrec++;
	rec_fd = fd;
	return answer;
}

/* The last store forwarded was @kind of @src's bytes at @dst, and it was the only one since. */
static void expect_store(int before, unsigned kind, const void *dst, const uint8_t *src)
{
	CHECK(nrec == before + 1);
	CHECK(rec[before].insn == kind);
	CHECK(rec[before].offset == (uint32_t)((const uint8_t *)dst - portal));
	CHECK(memcmp(rec[before].desc, src, 64) == 0);
}

static int same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
	       sa.st_dev == sb.st_dev;
}

/* MOVDIR64B in many addressing forms; each continues at the next instruction. */
/*
 * MOVDIR64B to portal + OFF held in register DREG, from MODE over register SREG holding SVAL
 * ("(%3)", "8(%3)": operand 3 is the source register): the store is forwarded, the program
 * goes on at the next instruction.
 */
#define MOVDIR64B_VIA(DREG, OFF, SREG, SVAL, MODE)                              \
	do {                                                                    \
		register uint8_t *d_ asm(DREG) = portal + (OFF);                \
		register uintptr_t s_ asm(SREG) = (uintptr_t)(SVAL);            \
		landed = 0;                                                     \
		asm volatile("lea 9f(%%rip), %[want]\n\tmovdir64b " MODE ", %2" \
			     "\n9:\tlea 9b(%%rip), %[landed]"                   \
			     : [want] "=&r"(want), [landed] "+r"(landed)        \
			     : "r"(d_), "r"(s_)                                 \
			     : "memory");                                       \
		CHECK(landed == want);                                          \
		expect_store(n++, SVA_EXEC_MOVDIR64B, portal + (OFF), src);     \
	} while (0)

static void mode_movdir64b(void)
{
	uint64_t want, landed;
	uint8_t stack_src[128] __attribute__((aligned(64)));
	uint8_t *src = stack_src;
	int n = nrec, after;

	fill(src, 0x10);
	fill(src_static, 0x80);

	/* rax <- rdx, as .byte */
	movdir64b_rax_rdx(portal, src);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal, src);

	/* the mnemonic, with a following instruction that must run exactly once */
	after = 0;
	landed = 0;
	asm volatile("lea 9f(%%rip), %[want]\n\t"
		     "movdir64b (%[s]), %[d]\n9:\tlea 9b(%%rip), %[landed]\n\tincl %[a]"
		     : [want] "=&r"(want), [landed] "+r"(landed), [a] "+m"(after)
		     : [d] "r"(portal + 64), [s] "r"(src)
		     : "memory");
	CHECK(landed == want);
	CHECK(after == 1);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 64, src);

	/* REX.R and REX.B: r15 <- r9, r8 <- r12 (SIB), rdi <- r13 (disp8), rbx <- r14 */
	MOVDIR64B_VIA("r15", 128, "r9", src, "(%3)");
	MOVDIR64B_VIA("r8", 192, "r12", src, "(%3)");
	MOVDIR64B_VIA("rdi", 256, "r13", (uintptr_t)src - 8, "8(%3)");
	MOVDIR64B_VIA("rbx", 320, "r14", (uintptr_t)src - 0x12345, "0x12345(%3)");
	/* SIB with an index and a scale: 0x10(%rsi,%r11,4) */
	{
		register uint8_t *d asm("r10") = portal + 384;
		register uintptr_t s asm("rsi") = (uintptr_t)src - 0x10 - 4 * 6;
		register uint64_t i asm("r11") = 6;
		landed = 0;
		asm volatile("lea 9f(%%rip), %[want]\n\t"
			     "movdir64b 0x10(%3,%4,4), %2"
			     "\n9:\tlea 9b(%%rip), %[landed]"
			     : [want] "=&r"(want), [landed] "+r"(landed)
			     : "r"(d), "r"(s), "r"(i)
			     : "memory");
		CHECK(landed == want);
		expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 384, src);
	}
	/* RIP-relative: a static source */
	landed = 0;
	asm volatile("lea 9f(%%rip), %[want]\n\t"
		     "movdir64b src_static(%%rip), %2"
		     "\n9:\tlea 9b(%%rip), %[landed]"
		     : [want] "=&r"(want), [landed] "+r"(landed)
		     : "r"(portal + 448)
		     : "memory");
	CHECK(landed == want);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 448, src_static);

	/* 67: 32-bit addresses, both below 4 GiB; the high halves of the registers ignored */
	uint8_t *low = mmap((void *)0x40000000, 2 * PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	CHECK(low == (void *)0x40000000);
	fill(low + 64, 0x33);
	CHECK(munmap(portal, PAGE) == 0);
	CHECK(sva_shim_nportals() == 0);
	uint8_t *lowportal =
		mmap(low + PAGE, PAGE, PROT_WRITE, MAP_SHARED | MAP_FIXED, portal_fd, 0);
	CHECK(lowportal == low + PAGE);
	CHECK(sva_shim_nportals() == 1);
	portal = lowportal;
	{
		uint64_t d = 0xabcd000000000000ull | (uintptr_t)(portal + 512);
		uint64_t s = 0x1234000000000000ull | (uintptr_t)(low + 64);
		landed = 0;
		asm volatile("lea 9f(%%rip), %[want]\n\t"
			     ".byte 0x67, 0x66, 0x0f, 0x38, 0xf8, 0x02"
			     "\n9:\tlea 9b(%%rip), %[landed]"
			     : [want] "=&r"(want), [landed] "+r"(landed)
			     : "a"(d), "d"(s)
			     : "memory");
		CHECK(landed == want);
		expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 512, low + 64);
	}
	/* MOVDIR64B leaves the flags: CF set before stays set, an -EAGAIN is a dropped store */
	answer = -EAGAIN;
	{
		uint8_t cf;
		landed = 0;
		asm volatile(
			"lea 9f(%%rip), %[want]\n\t"
			"stc\n\tmovdir64b (%[s]), %[d]\n9:\tlea 9b(%%rip), %[landed]\n\tsetc %[cf]"
			: [want] "=&r"(want), [landed] "+r"(landed), [cf] "=r"(cf)
			: [d] "r"(portal + 576), [s] "r"(src)
			: "memory", "cc");
		CHECK(landed == want);
		CHECK(cf == 1);
		expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 576, src);
	}
	answer = 0;
	/* the file behind the portal was never written: the stores trapped */
	uint8_t back[64], zero[64] = { 0 };
	CHECK(pread(portal_fd, back, 64, 0) == 64);
	CHECK(memcmp(back, zero, 64) == 0);
	CHECK(portal_perms_none(portal) == 1);
}

/* ENQCMD and ENQCMDS: ZF 0 accepted, 1 retry, the other arithmetic flags cleared. */
static void mode_enqcmd(void)
{
	uint8_t src[64] __attribute__((aligned(64)));
	uint64_t want, landed;
	int n = nrec;
	uint8_t zf, cf;

	fill(src, 0x55);
	answer = 0;
	/* ZF and CF set before (cmp equal, stc): accepted clears both */
	landed = 0;
	asm volatile("cmp %%eax, %%eax\n\tstc\n\tlea 9f(%%rip), %[want]\n\t"
		     ".byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n"
		     "9:\tlea 9b(%%rip), %[landed]\n\tsetz %[zf]\n\tsetc %[cf]"
		     : [want] "=&r"(want), [landed] "+r"(landed), [zf] "=r"(zf), [cf] "=r"(cf)
		     : "a"(portal), "d"(src)
		     : "memory", "cc");
	CHECK(landed == want);
	CHECK(zf == 0);
	CHECK(cf == 0);
	expect_store(n++, SVA_EXEC_ENQCMD, portal, src);

	answer = -EAGAIN;
	/* ZF clear before (a nonzero or): retry sets it */
	{
		uint64_t one = 1;

		landed = 0;
		asm volatile(
			"or %[one], %[one]\n\tlea 9f(%%rip), %[want]\n\t"
			"enqcmd (%[s]), %[d]\n"
			"9:\tlea 9b(%%rip), %[landed]\n\tsetz %[zf]"
			: [want] "=&r"(want), [landed] "+r"(landed), [zf] "=r"(zf), [one] "+r"(one)
			: [d] "r"(portal + 64), [s] "r"(src)
			: "memory", "cc");
		CHECK(landed == want);
	}
	CHECK(zf == 1);
	expect_store(n++, SVA_EXEC_ENQCMD, portal + 64, src);

	/* ENQCMDS, with REX.R/REX.B: r11 <- (r12) */
	{
		register uint8_t *d asm("r11") = portal + 128;
		register const uint8_t *s asm("r12") = src;

		landed = 0;
		asm volatile("lea 9f(%%rip), %[want]\n\tenqcmds (%[s]), %[d]\n"
			     "9:\tlea 9b(%%rip), %[landed]\n\tsetz %[zf]"
			     : [want] "=&r"(want), [landed] "+r"(landed), [zf] "=r"(zf)
			     : [d] "r"(d), [s] "r"(s)
			     : "memory", "cc");
		CHECK(landed == want);
	}
	CHECK(zf == 1);
	expect_store(n++, SVA_EXEC_ENQCMDS, portal + 128, src);
	answer = 0;
	landed = 0;
	asm volatile("cmp %%eax, %%eax\n\tlea 9f(%%rip), %[want]\n\tenqcmds (%[s]), %[d]\n"
		     "9:\tlea 9b(%%rip), %[landed]\n\tsetz %[zf]"
		     : [want] "=&r"(want), [landed] "+r"(landed), [zf] "=r"(zf)
		     : [d] "r"(portal + 192), [s] "r"(src), "a"(0)
		     : "memory", "cc");
	CHECK(landed == want);
	CHECK(zf == 0);
	expect_store(n++, SVA_EXEC_ENQCMDS, portal + 192, src);
}

/*
 * The shim forwards through its own descriptor: the same file, still open after the program
 * closes its own, closed at munmap (the file then held by nothing of the shim's).
 */
static void mode_fds(void)
{
	uint8_t src[64] __attribute__((aligned(64)));
	uintptr_t start;
	size_t len;
	int fd, n = nrec;

	fill(src, 0x21);
	CHECK(sva_shim_portal_find((uintptr_t)portal + 100, &start, &len, &fd) == 0);
	CHECK(start == (uintptr_t)portal && len == PAGE);
	CHECK(fd != portal_fd && same_file(fd, portal_fd));
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(close(portal_fd) == 0);
	movdir64b_rax_rdx(portal + 4032, src);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 4032, src);
	CHECK(rec_fd == fd);
	/* a 2-page portal is refused, as idxd's mmap refuses it */
	int fd2 = openat(AT_FDCWD, getenv("SVA_EXEC_PORTAL_DIR"), O_RDONLY | O_DIRECTORY);
	CHECK(fd2 >= 0);
	int pfd = openat(fd2, "wq0.0", O_RDWR);
	CHECK(pfd >= 0);
	errno = 0;
	CHECK(mmap(NULL, 2 * PAGE, PROT_WRITE, MAP_SHARED, pfd, 0) == MAP_FAILED);
	CHECK(errno == EINVAL);
	/* a file elsewhere is not a portal */
	int other = open("/proc/self/exe", O_RDONLY);
	void *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, other, 0);
	CHECK(ro != MAP_FAILED && sva_shim_nportals() == 1 && portal_perms_none(ro) == 0);
	CHECK(munmap(ro, PAGE) == 0);
	/* a portal mapped shorter than a page is the whole page */
	uint8_t *short_map = mmap(NULL, 100, PROT_WRITE, MAP_SHARED, pfd, 0);
	CHECK(short_map != MAP_FAILED && sva_shim_nportals() == 2);
	CHECK(sva_shim_portal_find((uintptr_t)short_map + 4000, &start, &len, &fd) == 0);
	CHECK(start == (uintptr_t)short_map && len == PAGE);
	int short_dup = fd, n2 = nrec;
	movdir64b_rax_rdx(short_map + 3968, src);
	CHECK(nrec == n2 + 1 && rec[n2].offset == 3968 && rec_fd == short_dup);
	CHECK(munmap(short_map, 100) == 0 && sva_shim_nportals() == 1);
	CHECK(fcntl(short_dup, F_GETFD) == -1 && errno == EBADF);
	/* munmap forgets the portal and closes the dup */
	CHECK(sva_shim_portal_find((uintptr_t)portal, &start, &len, &fd) == 0);
	CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);
	CHECK(munmap(portal, PAGE) == 0);
	CHECK(sva_shim_nportals() == 0);
	CHECK(sva_shim_portal_find((uintptr_t)portal, &start, &len, &fd) == -ENOENT);
	CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
	/* MAP_FIXED over a portal forgets it too */
	portal = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, pfd, 0);
	CHECK(portal != MAP_FAILED && sva_shim_nportals() == 1);
	CHECK(mmap(portal, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		   -1, 0) == portal);
	CHECK(sva_shim_nportals() == 0);
	portal[0] = 1; /* ordinary memory now */
	close(pfd);
	close(fd2);
	close(other);
}

/* mprotect cannot open a portal; mremap moves it (same size) and refuses to grow it. */
static void mode_remap(void)
{
	uint8_t src[64] __attribute__((aligned(64)));
	int n = nrec;

	fill(src, 0x44);
	CHECK(mprotect(portal, PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(portal_perms_none(portal) == 1);
	movdir64b_rax_rdx(portal, src);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal, src);

	errno = 0;
	CHECK(mremap(portal, PAGE, 2 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT);
	uint8_t *spot = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(spot != MAP_FAILED);
	uint8_t *moved = mremap(portal, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
	CHECK(moved == spot);
	CHECK(sva_shim_nportals() == 1);
	portal = moved;
	movdir64b_rax_rdx(portal + 128, src);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 128, src);
	CHECK(portal_perms_none(portal) == 1);
}

/* A forked child has no portal (idxd's VM_DONTCOPY): its store faults, SIGSEGV. */
static void mode_fork(void)
{
	uint8_t src[64] __attribute__((aligned(64)));
	int status, n = nrec;
	pid_t pid;

	fill(src, 0x66);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (sva_shim_nportals() != 0)
			_exit(2);
		movdir64b_rax_rdx(portal, src);
		_exit(3);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	/* the parent's portal is still there */
	movdir64b_rax_rdx(portal + 64, src);
	expect_store(n++, SVA_EXEC_MOVDIR64B, portal + 64, src);
}

/* The forwarder's other errors are a dead portal: SIGBUS at the instruction. */
static void mode_dead_handler(void)
{
	uint8_t src[64] __attribute__((aligned(64)));
	volatile int resumed = 0;

	fill(src, 0x77);
	answer = -ENXIO;
	install(SIGBUS, 0);
	if (sigsetjmp(jump, 1) == 0) {
		asm volatile("store_insn:\n\t.byte 0x66, 0x0f, 0x38, 0xf8, 0x02" ::"a"(portal + 64),
			     "d"(src)
			     : "memory");
		resumed = 1;
	}
	extern const char store_insn[];
	CHECK(!resumed);
	CHECK(caught_sig == SIGBUS);
	CHECK(caught_code == BUS_ADRERR);
	CHECK(caught_addr == portal + 64);
	CHECK(caught_rip == (uintptr_t)store_insn);
	/* a misaligned destination is #GP: SIGSEGV, not forwarded */
	answer = 0;
	install(SIGSEGV, 0);
	int n = nrec;
	caught_sig = 0;
	if (sigsetjmp(jump, 1) == 0)
		movdir64b_rax_rdx(portal + 8, src);
	CHECK(caught_sig == SIGSEGV && caught_code == SI_KERNEL && nrec == n);
	/* an unreadable source is #PF on it: SIGSEGV at the source */
	uint8_t *none = prot_none_page();
	caught_sig = 0;
	if (sigsetjmp(jump, 1) == 0)
		movdir64b_rax_rdx(portal, none);
	CHECK(caught_sig == SIGSEGV && caught_addr == none && nrec == n);
}

/* ---- threads storing at once while the table changes ------------------------------------ */

#define NTHREADS 4
#define NSTORES	 3000

static atomic_int fwd_count, fwd_bad;

/* Each thread's descriptor is its number in every byte, at its own 64-byte slot. */
static int counting_forwarder(int fd, const struct sva_exec_store *s)
{
	uint8_t t = s->desc[0];

	(void)fd;
	for (int i = 0; i < 64; i++)
		if (s->desc[i] != t)
			atomic_fetch_add(&fwd_bad, 1);
	if (s->offset != t * 64u || s->insn != SVA_EXEC_ENQCMD)
		atomic_fetch_add(&fwd_bad, 1);
	return atomic_fetch_add(&fwd_count, 1) % 3 == 0 ? -EAGAIN : 0;
}

struct storer {
	pthread_t thread;
	uint8_t id;
	int accepted, retried;
};

static void *storer_main(void *arg)
{
	struct storer *st = arg;
	uint8_t src[64] __attribute__((aligned(64)));
	uint8_t zf;

	memset(src, st->id, sizeof(src));
	for (int i = 0; i < NSTORES; i++) {
		asm volatile("enqcmd (%[s]), %[d]\n\tsetz %[zf]"
			     : [zf] "=r"(zf)
			     : [d] "r"(portal + st->id * 64), [s] "r"(src)
			     : "memory", "cc");
		if (zf)
			st->retried++;
		else
			st->accepted++;
	}
	return NULL;
}

static void mode_threads(void)
{
	struct storer st[NTHREADS];
	char path[4096];
	int fd2;

	snprintf(path, sizeof(path), "%s/wq0.1", getenv("SVA_EXEC_PORTAL_DIR"));
	fd2 = open(path, O_RDWR | O_CREAT, 0600);
	CHECK(fd2 >= 0 && ftruncate(fd2, PAGE) == 0);
	sva_shim_set_forwarder(counting_forwarder);
	for (int i = 0; i < NTHREADS; i++) {
		st[i] = (struct storer){ .id = (uint8_t)(i + 1) };
		CHECK(pthread_create(&st[i].thread, NULL, storer_main, &st[i]) == 0);
	}
	/* meanwhile the table changes: another portal mapped and unmapped */
	for (int i = 0; i < 300; i++) {
		void *p = mmap(NULL, PAGE, PROT_WRITE, MAP_SHARED, fd2, 0);

		CHECK(p != MAP_FAILED);
		CHECK(munmap(p, PAGE) == 0);
	}
	int accepted = 0, retried = 0;
	for (int i = 0; i < NTHREADS; i++) {
		CHECK(pthread_join(st[i].thread, NULL) == 0);
		CHECK(st[i].accepted + st[i].retried == NSTORES);
		accepted += st[i].accepted;
		retried += st[i].retried;
	}
	CHECK(atomic_load(&fwd_bad) == 0);
	CHECK(atomic_load(&fwd_count) == NTHREADS * NSTORES);
	CHECK(retried == NTHREADS * NSTORES / 3);
	CHECK(accepted == NTHREADS * NSTORES - retried);
	CHECK(sva_shim_nportals() == 1);
	close(fd2);
	unlink(path);
}
#endif /* SHIM_LINKED */

/* ---- what any program sees, linked or preloaded ------------------------------------------- */

/* The program's own SIGSEGV handler gets its faults; the portal's stores never reach it. */
static void mode_own_handler(int before_portal)
{
	uint8_t src[64] __attribute__((aligned(64)));
	uint8_t *none = prot_none_page();
	struct sigaction old;

	fill(src, 0x99);
	if (!before_portal) /* else main installed it before the shim's handler went in */
		install(SIGSEGV, 0);
	/* the program sees its own disposition, not the shim's */
	CHECK(sigaction(SIGSEGV, NULL, &old) == 0);
	CHECK((old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_signal);
#ifdef SHIM_LINKED
	int n = nrec;
	movdir64b_rax_rdx(portal, src);
	expect_store(n, SVA_EXEC_MOVDIR64B, portal, src);
#endif
	CHECK(caught_sig == 0);
	if (sigsetjmp(jump, 1) == 0)
		none[5] = 1;
	CHECK(caught_sig == SIGSEGV && caught_addr == none + 5 && caught_code == SEGV_ACCERR);
	/* MOVDIR64B to memory that is no portal: the program's fault too */
	caught_sig = 0;
	if (sigsetjmp(jump, 1) == 0)
		movdir64b_rax_rdx(none, src);
	CHECK(caught_sig == SIGSEGV && caught_addr == none);
	/* ... and to ordinary memory it is the 64-byte store, done by the CPU or, where the CPU
	 * lacks MOVDIR64B (SIGILL), by the shim */
	uint8_t plain[64] __attribute__((aligned(64)));
	memset(plain, 0, sizeof(plain));
	caught_sig = 0;
	movdir64b_rax_rdx(plain, src);
	CHECK(caught_sig == 0 && !memcmp(plain, src, sizeof(plain)));
	/* a SIGSEGV sent by kill reaches it too */
	caught_sig = 0;
	caught_code = 0;
	if (sigsetjmp(jump, 1) == 0)
		kill(getpid(), SIGSEGV);
	CHECK(caught_sig == SIGSEGV && caught_code == SI_USER);
	/* signal(): a plain handler, then SIG_DFL given back */
	CHECK(signal(SIGSEGV, on_signal_plain) != SIG_ERR);
	caught_sig = 0;
	if (sigsetjmp(jump, 1) == 0)
		none[9] = 1;
	CHECK(caught_sig == SIGSEGV);
	CHECK(signal(SIGSEGV, SIG_DFL) == on_signal_plain);
	/* SA_RESETHAND: once, then the default */
	install(SIGSEGV, SA_RESETHAND);
	caught_sig = 0;
	if (sigsetjmp(jump, 1) == 0)
		none[1] = 1;
	CHECK(caught_sig == SIGSEGV);
	CHECK(sigaction(SIGSEGV, NULL, &old) == 0 && old.sa_handler == SIG_DFL);
}

/* A store to a page with no access that is no portal: the program dies of SIGSEGV. */
static void mode_segv(void)
{
	prot_none_page()[0] = 1;
}

static void mode_segv_movdir64b(void)
{
	uint8_t src[64] __attribute__((aligned(64)));

	fill(src, 1);
	movdir64b_rax_rdx(prot_none_page(), src);
}

/* ENQCMD to ordinary memory: #UD (SIGILL) without ENQCMD, #GP (SIGSEGV) where it is hidden. */
static void mode_enqcmd_ordinary(void)
{
	uint8_t src[64] __attribute__((aligned(64))), dst[128] __attribute__((aligned(64)));

	fill(src, 1);
	asm volatile("enqcmd (%[s]), %[d]" ::[d] "r"(dst), [s] "r"(src) : "memory", "cc");
}

/* A store to the portal: the preloaded shim's real ioctl, on a regular file, fails: SIGBUS. */
static void mode_store(void)
{
	uint8_t src[64] __attribute__((aligned(64)));

	fill(src, 1);
	CHECK(portal_perms_none(portal) == 1);
	movdir64b_rax_rdx(portal, src);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
#ifdef SHIM_LINKED
	sva_shim_set_forwarder(recording_forwarder);
#endif
	if (!strcmp(mode, "own-handler-first"))
		install(SIGSEGV, 0);
	map_portal();
	if (!strcmp(mode, "own-handler"))
		mode_own_handler(0);
	else if (!strcmp(mode, "own-handler-first"))
		mode_own_handler(1);
	else if (!strcmp(mode, "segv"))
		mode_segv();
	else if (!strcmp(mode, "segv-movdir64b"))
		mode_segv_movdir64b();
	else if (!strcmp(mode, "enqcmd-ordinary"))
		mode_enqcmd_ordinary();
	else if (!strcmp(mode, "store"))
		mode_store();
#ifdef SHIM_LINKED
	else if (!strcmp(mode, "movdir64b"))
		mode_movdir64b();
	else if (!strcmp(mode, "enqcmd"))
		mode_enqcmd();
	else if (!strcmp(mode, "fds"))
		mode_fds();
	else if (!strcmp(mode, "remap"))
		mode_remap();
	else if (!strcmp(mode, "fork"))
		mode_fork();
	else if (!strcmp(mode, "dead"))
		mode_dead_handler();
	else if (!strcmp(mode, "threads"))
		mode_threads();
	else if (!strcmp(mode, "dead-default")) {
		answer = -ENODEV;
		mode_store();
	}
#endif
	else {
		fprintf(stderr, "shim_prog: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}

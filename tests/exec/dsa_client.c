/* SPDX-License-Identifier: MIT */
/*
 * A real DSA client program (no libsva in it) for the lifetime rules of `sva exec`
 * (tests/test_exec_lifetime.sh runs it under `sva exec`): written as user code for Intel DSA
 * is - open /dev/dsa/wqD.Q, mmap the portal, MOVDIR64B on a dedicated WQ or ENQCMD on a
 * shared one (ZF=1: retry), poll the completion record. Each command prints one line and
 * exits 0 when the device behaved as the hardware and the kernel's idxd driver would:
 *
 *   memmove WQ SIZE     one memmove of SIZE bytes, every byte checked
 *   ops WQ              memfill, compare, a bad opcode, an address outside any mapping, a
 *                       batch, a completion record in read-only memory, a destination not
 *                       present with block-on-fault off: the status codes
 *   fork WQ             a forked child's write(2) on the inherited fd is refused (EPERM), it
 *                       has no portal (VM_DONTCOPY: a store faults), its own open works on a
 *                       shared WQ and is refused (EBUSY) on a dedicated one its parent holds
 *   threads WQ N        N threads of one process each open the shared WQ and copy: one mm,
 *                       so one PASID (the daemon's events show its binds)
 *   exec WQ             after an exec (a new mm) the fd kept open is the old mm's queue: its
 *                       write(2) is refused (EPERM); the new image's own open is a new queue
 *   seed000 WQ N        N workers that open, map, submit and exit without closing (seed 000)
 *   kill WQ N           N children killed (SIGKILL) at random points: half anywhere in their
 *                       life, half during a 2 MiB memmove or between the two halves of a
 *                       batch; then this process's own memmove works
 *   garbage WQ          stores of random bytes to the portal, then a good memmove works
 *   rss-mark            prints the device daemon's resident memory ("rss KB"), found by the
 *                       run directory sva exec gives (SVA_EXEC_RUNDIR's daemon.log)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/idxd.h>

struct wq {
	int fd;
	void *portal;
	int shared;
};

static inline void movdir64b(volatile void *portal, const void *desc)
{
	__asm__ volatile("sfence\n\t.byte 0x66, 0x0f, 0x38, 0xf8, 0x02"
			 :
			 : "a"(portal), "d"(desc)
			 : "memory");
}

/* ENQCMD: 0 accepted, 1 retry (ZF). */
static inline int enqcmd(volatile void *portal, const void *desc)
{
	uint8_t retry;

	__asm__ volatile("sfence\n\t.byte 0xf2, 0x0f, 0x38, 0xf8, 0x02\n\tsetz %0"
			 : "=r"(retry)
			 : "a"(portal), "d"(desc)
			 : "memory", "cc");
	return retry;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int wq_open(const char *name, struct wq *q)
{
	char path[128], mode[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/dsa/devices/%s/mode", name);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	q->shared = strncmp(mode, "shared", 6) == 0;
	snprintf(path, sizeof(path), "/dev/dsa/%s", name);
	q->fd = open(path, O_RDWR);
	if (q->fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return -1;
	}
	q->portal = mmap(NULL, 4096, PROT_WRITE, MAP_SHARED | MAP_POPULATE, q->fd, 0);
	if (q->portal == MAP_FAILED) {
		fprintf(stderr, "mmap %s: %s\n", path, strerror(errno));
		close(q->fd);
		return -1;
	}
	return 0;
}

static void wq_close(struct wq *q)
{
	munmap(q->portal, 4096);
	close(q->fd);
}

static int submit(const struct wq *q, const struct dsa_hw_desc *d)
{
	if (!q->shared) {
		movdir64b(q->portal, d);
		return 0;
	}
	for (int i = 0; i < 100000; i++)
		if (!enqcmd(q->portal, d))
			return 0;
	return -1;
}

/* The record's status code, or -1 after 10 s. */
static int wait_rec(volatile struct dsa_completion_record *c)
{
	double end = now_s() + 10;

	while (!c->status)
		if (now_s() > end)
			return -1;
	return c->status & DSA_COMP_STATUS_MASK;
}

static void desc_init(struct dsa_hw_desc *d, uint8_t op, void *dst, const void *src, uint32_t len,
		      struct dsa_completion_record *c, uint32_t flags)
{
	memset(d, 0, sizeof(*d));
	d->opcode = op;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | flags;
	d->src_addr = (uintptr_t)src;
	d->dst_addr = (uintptr_t)dst;
	d->xfer_size = len;
	d->completion_addr = (uintptr_t)c;
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* One memmove of @len on @q, checked: its status code (DSA_COMP_SUCCESS) or -1. */
static int do_memmove(const struct wq *q, size_t len)
{
	struct dsa_completion_record *c = map_anon(4096);
	uint8_t *src = map_anon(len), *dst = map_anon(len);
	struct dsa_hw_desc d __attribute__((aligned(64)));
	int st;

	if (!c || !src || !dst)
		return -1;
	for (size_t i = 0; i < len; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	desc_init(&d, DSA_OPCODE_MEMMOVE, dst, src, (uint32_t)len, c, IDXD_OP_FLAG_BOF);
	if (submit(q, &d))
		return -1;
	st = wait_rec(c);
	if (st == DSA_COMP_SUCCESS && memcmp(dst, src, len))
		st = -1;
	munmap(c, 4096);
	munmap(src, len);
	munmap(dst, len);
	return st;
}

static int cmd_memmove(const char *wq, size_t len)
{
	struct wq q;
	int st;

	if (wq_open(wq, &q))
		return 1;
	st = do_memmove(&q, len);
	wq_close(&q);
	printf("memmove %s %zu: status %#x\n", wq, len, (unsigned)st);
	return st != DSA_COMP_SUCCESS;
}

static int expect(const char *what, int got, int want)
{
	printf("%s: status %#x%s\n", what, (unsigned)got, got == want ? "" : " (unexpected)");
	return got != want;
}

static int cmd_ops(const char *wq)
{
	struct dsa_completion_record *c = map_anon(4096);
	uint8_t *a = map_anon(8192), *b = map_anon(8192), *fresh = map_anon(8192);
	struct dsa_hw_desc d __attribute__((aligned(64)));
	struct wq q;
	int bad = 0;

	if (!c || !a || !b || !fresh || wq_open(wq, &q))
		return 1;
	memset(a, 0x5a, 8192);
	memset(b, 0x5a, 8192);
	b[777] = 0;
	desc_init(&d, DSA_OPCODE_COMPARE, NULL, a, 8192, c, IDXD_OP_FLAG_BOF);
	d.src2_addr = (uintptr_t)b;
	submit(&q, &d);
	bad |= expect("compare", wait_rec(c), DSA_COMP_SUCCESS);
	bad |= c->result != 1 || c->bytes_completed != 777;

	memset(c, 0, 32);
	desc_init(&d, DSA_OPCODE_MEMFILL, b, NULL, 8192, c, IDXD_OP_FLAG_BOF);
	d.pattern = 0x1122334455667788ull;
	submit(&q, &d);
	bad |= expect("memfill", wait_rec(c), DSA_COMP_SUCCESS);
	bad |= b[0] != 0x88 || b[8191] != 0x11;

	memset(c, 0, 32);
	desc_init(&d, 0x3f, b, a, 64, c, 0); /* no such opcode */
	submit(&q, &d);
	bad |= expect("bad opcode", wait_rec(c), DSA_COMP_BAD_OPCODE);

	memset(c, 0, 32);
	desc_init(&d, DSA_OPCODE_MEMMOVE, (void *)0x1000, a, 64, c, IDXD_OP_FLAG_BOF);
	submit(&q, &d); /* a destination no mapping covers: the page request is refused */
	bad |= expect("unmapped destination", wait_rec(c), DSA_COMP_PAGE_FAULT_IR);

	/* a batch of four memmoves: each its own record, the batch's record after them */
	{
		struct dsa_hw_desc *list = aligned_alloc(64, 4 * sizeof(*list));
		struct dsa_completion_record *subs = map_anon(4096);

		if (!list || !subs)
			return 1;
		memset(b, 0, 8192);
		for (int i = 0; i < 4; i++)
			desc_init(&list[i], DSA_OPCODE_MEMMOVE, b + i * 2048, a + i * 2048, 2048,
				  &subs[i], IDXD_OP_FLAG_BOF);
		memset(c, 0, 32);
		desc_init(&d, DSA_OPCODE_BATCH, NULL, NULL, 0, c, 0);
		d.desc_list_addr = (uintptr_t)list;
		d.desc_count = 4;
		submit(&q, &d);
		bad |= expect("batch of 4", wait_rec(c), DSA_COMP_SUCCESS);
		for (int i = 0; i < 4; i++)
			bad |= (subs[i].status & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS;
		bad |= memcmp(a, b, 8192) != 0;
		free(list);
		munmap(subs, 4096);
	}

	/* a completion record in read-only memory: never written (the device may not force it),
	   and the device goes on */
	{
		struct dsa_completion_record *ro = map_anon(4096);

		if (!ro || mprotect(ro, 4096, PROT_READ))
			return 1;
		desc_init(&d, DSA_OPCODE_MEMMOVE, b, a, 64, ro, IDXD_OP_FLAG_BOF);
		submit(&q, &d);
		usleep(200000);
		bad |= expect("read-only completion record (not written)", ro->status, 0);
		munmap(ro, 4096);
	}

	memset(c, 0, 32);
	desc_init(&d, DSA_OPCODE_MEMMOVE, fresh, a, 8192, c, 0); /* never touched, no BOF */
	submit(&q, &d);
	bad |= expect("not present, no block-on-fault", wait_rec(c), DSA_COMP_PAGE_FAULT_NOBOF);
	bad |= c->fault_addr != (uintptr_t)fresh || !(c->status & DSA_COMP_STATUS_WRITE);
	wq_close(&q);
	return bad;
}

static sigjmp_buf fault_jmp;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

static int cmd_fork(const char *wq)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_NOOP };
	struct wq q;
	int status;
	pid_t pid;

	if (wq_open(wq, &q))
		return 1;
	pid = fork();
	if (pid == 0) {
		struct wq mine;
		int bad = 0;

		/* the inherited fd is the parent's queue: idxd refuses another mm */
		if (write(q.fd, &d, sizeof(d)) != -1 || errno != EPERM)
			bad |= 1;
		/* and the portal was not copied (VM_DONTCOPY): a store there faults */
		signal(SIGSEGV, on_segv);
		if (!sigsetjmp(fault_jmp, 1)) {
			movdir64b(q.portal, &d);
			bad |= 2;
		}
		signal(SIGSEGV, SIG_DFL);
		/* its own open is its own queue on a shared WQ; a dedicated one is its parent's */
		if (!q.shared) {
			char path[64];

			snprintf(path, sizeof(path), "/dev/dsa/%s", wq);
			if (open(path, O_RDWR) != -1 || errno != EBUSY)
				bad |= 4;
		} else if (wq_open(wq, &mine) || do_memmove(&mine, 4096) != DSA_COMP_SUCCESS) {
			bad |= 4;
		}
		_exit(bad);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	printf("fork: child %s\n", WEXITSTATUS(status) ? "misbehaved" : "refused, then its own");
	if (WEXITSTATUS(status))
		printf("fork: child status %d\n", WEXITSTATUS(status));
	status = WEXITSTATUS(status) || do_memmove(&q, 4096) != DSA_COMP_SUCCESS;
	wq_close(&q);
	return status;
}

static void *thread_copy(void *arg)
{
	struct wq q;
	intptr_t st = -1;

	if (!wq_open(arg, &q)) {
		st = do_memmove(&q, 16384);
		wq_close(&q);
	}
	return (void *)st;
}

static int cmd_threads(const char *wq, int n)
{
	pthread_t t[64];
	int failed = 0;

	if (n > 64)
		n = 64;
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_copy, (void *)wq))
			return 1;
	for (int i = 0; i < n; i++) {
		void *st;

		pthread_join(t[i], &st);
		failed += (intptr_t)st != DSA_COMP_SUCCESS;
	}
	printf("threads: %d threads, %d failed\n", n, failed);
	return failed != 0;
}

static int cmd_exec(const char *wq, const char *self)
{
	char fdarg[16];
	struct wq q;

	if (wq_open(wq, &q))
		return 1;
	munmap(q.portal, 4096); /* the fd stays open across the exec: no O_CLOEXEC */
	snprintf(fdarg, sizeof(fdarg), "%d", q.fd);
	execl(self, self, "exec-child", wq, fdarg, (char *)NULL);
	perror("exec");
	return 1;
}

static int cmd_exec_child(const char *wq, int fd)
{
	struct dsa_hw_desc d = { .opcode = DSA_OPCODE_NOOP };
	struct wq mine;
	int bad = 0, st;

	if (write(fd, &d, sizeof(d)) != -1 || errno != EPERM)
		bad = 1;
	if (wq_open(wq, &mine))
		return 1;
	st = do_memmove(&mine, 4096);
	wq_close(&mine);
	close(fd);
	printf("exec: the old mm's fd %s, the new mm's own queue: status %#x\n",
	       bad ? "was accepted" : "refused (EPERM)", (unsigned)st);
	return bad || st != DSA_COMP_SUCCESS;
}

static int cmd_seed000(const char *wq, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		int status;

		if (pid == 0) { /* open, map, submit, exit: no munmap, no close */
			struct wq q;

			if (wq_open(wq, &q))
				_exit(1);
			_exit(do_memmove(&q, 256) != DSA_COMP_SUCCESS);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	printf("seed000: %d workers, %d failed\n", n, failed);
	return failed != 0;
}

static int cmd_kill(const char *wq, int n)
{
	int failed = 0;

	srand((unsigned)getpid());
	for (int i = 0; i < n; i++) {
		int p[2];
		char c;
		pid_t pid;

		if (pipe(p))
			return 1;
		pid = fork();
		if (pid == 0) {
			size_t len = 2u << 20;
			struct dsa_completion_record *rec = map_anon(4096);
			uint8_t *src = map_anon(len), *dst = map_anon(len);
			struct dsa_hw_desc d __attribute__((aligned(64)));
			struct wq q;

			if (!rec || !src || !dst || wq_open(wq, &q))
				_exit(1);
			static struct dsa_hw_desc halves[2] __attribute__((aligned(64)));

			if (i % 4 < 2) { /* one 2 MiB memmove */
				desc_init(&d, DSA_OPCODE_MEMMOVE, dst, src, (uint32_t)len, rec,
					  IDXD_OP_FLAG_BOF);
			} else { /* a batch of two 1 MiB halves: death between them */
				for (int h = 0; h < 2; h++)
					desc_init(&halves[h], DSA_OPCODE_MEMMOVE,
						  dst + h * (len / 2), src + h * (len / 2),
						  (uint32_t)(len / 2), rec + 1 + h,
						  IDXD_OP_FLAG_BOF);
				desc_init(&d, DSA_OPCODE_BATCH, NULL, NULL, 0, rec, 0);
				d.desc_list_addr = (uintptr_t)halves;
				d.desc_count = 2;
			}
			submit(&q, &d);
			if (write(p[1], "x", 1) != 1)
				_exit(1);
			for (;;)
				pause();
		}
		close(p[1]);
		/* every other child dies at a random point of its life (open, mmap, submit...),
		   the others at a random point of their DMA */
		if (i % 2) {
			usleep((useconds_t)(rand() % 3000));
		} else {
			if (pid < 0 || read(p[0], &c, 1) != 1)
				failed++;
			usleep((useconds_t)(rand() % 2000));
		}
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p[0]);
	}
	{
		struct wq q;

		if (wq_open(wq, &q))
			return 1;
		failed += do_memmove(&q, 65536) != DSA_COMP_SUCCESS;
		wq_close(&q);
	}
	printf("kill: %d children killed mid-DMA, %d failures\n", n, failed);
	return failed != 0;
}

static int cmd_garbage(const char *wq)
{
	uint8_t junk[64] __attribute__((aligned(64)));
	struct wq q;
	int st;

	if (wq_open(wq, &q))
		return 1;
	srand(42);
	for (int i = 0; i < 64; i++) {
		for (int j = 0; j < 64; j++)
			junk[j] = (uint8_t)rand();
		junk[7] &= 0x1f; /* some opcodes valid, most descriptors still nonsense */
		/* every address in the kernel half: nothing of ours can be reached, the device
		   must refuse them (a user PASID's request to a supervisor address) */
		for (int j = 8; j < 40; j += 8) {
			uint64_t v;

			memcpy(&v, junk + j, 8);
			v |= 0xffff800000000000ull;
			memcpy(junk + j, &v, 8);
		}
		submit(&q, (const struct dsa_hw_desc *)(const void *)junk);
	}
	usleep(100000);
	st = do_memmove(&q, 4096);
	wq_close(&q);
	printf("garbage: 64 random descriptors, then memmove: status %#x\n", (unsigned)st);
	return st != DSA_COMP_SUCCESS;
}

static int cmd_rss_mark(void)
{
	const char *dir = getenv("SVA_EXEC_RUNDIR");
	char path[512], line[256];
	long pid = 0, kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/daemon.log", dir ? dir : "/run/sva-exec");
	f = fopen(path, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "sva exec: daemon %ld: serving", &pid); /* the last one serves */
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld kB", &kb);
	fclose(f);
	printf("rss %ld\n", kb);
	return kb < 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "", *wq = argc > 2 ? argv[2] : "wq0.1";

	if (!strcmp(cmd, "memmove") && argc > 3)
		return cmd_memmove(wq, (size_t)atol(argv[3]));
	if (!strcmp(cmd, "ops"))
		return cmd_ops(wq);
	if (!strcmp(cmd, "fork"))
		return cmd_fork(wq);
	if (!strcmp(cmd, "threads") && argc > 3)
		return cmd_threads(wq, atoi(argv[3]));
	if (!strcmp(cmd, "exec"))
		return cmd_exec(wq, "/proc/self/exe");
	if (!strcmp(cmd, "exec-child") && argc > 3)
		return cmd_exec_child(wq, atoi(argv[3]));
	if (!strcmp(cmd, "seed000") && argc > 3)
		return cmd_seed000(wq, atoi(argv[3]));
	if (!strcmp(cmd, "kill") && argc > 3)
		return cmd_kill(wq, atoi(argv[3]));
	if (!strcmp(cmd, "rss-mark"))
		return cmd_rss_mark();
	if (!strcmp(cmd, "garbage"))
		return cmd_garbage(wq);
	fprintf(stderr,
		"usage: dsa_client memmove|ops|fork|threads|exec|seed000|kill|garbage WQ [N]\n");
	return 2;
}

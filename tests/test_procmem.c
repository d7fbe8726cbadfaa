/* SPDX-License-Identifier: MIT */
/*
 * A real process's memory as a device reaches it (tools/sva/exec/procmem.c), on a real child:
 * it maps pages read-write, read-only, without access, untouched (not present) and a hole,
 * then obeys commands on a pipe (verify what the parent wrote, mprotect, map more, exit). The
 * parent's reads and writes reach it, a read-only write and a hole are -EFAULT, an untouched
 * page is not present until faulted in, its exit is -ESRCH, and a pid reused after it is never
 * reached through the old handle. The maps cache: re-read on a miss or a refused access, not per
 * page of a mapping, and on demand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../tools/sva/exec/procmem.h"

#define PAGE	 4096ul
#define NBIG	 64
/* a child's page at a known address (the pid reuse test): app memory under ASan and TSan */
#define FIXED_VA 0x5e000000ul

struct layout {
	uint64_t rw, ro, none, untouched, hole, big, fixed;
};

struct child {
	pid_t pid;
	int cmd, reply; /* pipes: to the child, from it */
	struct layout at;
	struct sva_procmem *pm;
	bool reaped;
};

static uint8_t pattern(uint64_t i, uint8_t tag)
{
	return (uint8_t)(i * 7 + tag);
}

static void *map(void *at, size_t len, int prot, int extra)
{
	void *p = mmap(at, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	if (p == MAP_FAILED)
		_exit(10);
	return p;
}

static void reply(int fd, uint64_t v)
{
	if (write(fd, &v, sizeof(v)) != sizeof(v))
		_exit(11);
}

/* A thread of the child: its id replied, then waits to be let go. */
struct child_thread {
	pthread_t thread;
	sem_t go;
	int out;
};

static void *child_thread_main(void *arg)
{
	struct child_thread *t = arg;

	reply(t->out, (uint64_t)gettid());
	while (sem_wait(&t->go) && errno == EINTR)
		;
	return NULL;
}

/* The child: its mappings, then its commands. */
static void child_main(int cmd, int out, uint8_t fixed_tag)
{
	struct layout at;
	struct child_thread th;
	uint8_t *rw = map(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *ro = map(NULL, PAGE, PROT_READ | PROT_WRITE, 0);
	uint8_t *big = map(NULL, NBIG * PAGE, PROT_READ | PROT_WRITE, MAP_POPULATE);
	uint8_t *fixed = map((void *)FIXED_VA, PAGE, PROT_READ | PROT_WRITE, MAP_FIXED_NOREPLACE);
	uint8_t *hole = map(NULL, PAGE, PROT_READ | PROT_WRITE, 0);
	char c;

	for (uint64_t i = 0; i < 2 * PAGE; i++)
		rw[i] = pattern(i, 1);
	for (uint64_t i = 0; i < PAGE; i++)
		ro[i] = pattern(i, 2);
	for (uint64_t i = 0; i < NBIG * PAGE; i++)
		big[i] = pattern(i, 3);
	memset(fixed, fixed_tag, PAGE);
	mprotect(ro, PAGE, PROT_READ);
	munmap(hole, PAGE);
	at.rw = (uintptr_t)rw;
	at.ro = (uintptr_t)ro;
	at.none = (uintptr_t)map(NULL, PAGE, PROT_NONE, 0);
	at.untouched = (uintptr_t)map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, 0);
	at.hole = (uintptr_t)hole;
	at.big = (uintptr_t)big;
	at.fixed = (uintptr_t)fixed;
	if (write(out, &at, sizeof(at)) != sizeof(at))
		_exit(12);
	while (read(cmd, &c, 1) == 1) {
		switch (c) {
		case 'v': { /* the parent wrote rw[100..163] = i ^ 0x3c */
			bool ok = true;

			for (unsigned i = 0; i < 64; i++)
				ok &= rw[100 + i] == (uint8_t)(i ^ 0x3c);
			reply(out, ok);
			break;
		}
		case 'p': /* narrow: rw's second page read-only */
			reply(out, (uint64_t)mprotect(rw + PAGE, PAGE, PROT_READ));
			break;
		case 'w': /* widen: ro writable */
			reply(out, (uint64_t)mprotect(ro, PAGE, PROT_READ | PROT_WRITE));
			break;
		case 't': /* a thread, which replies its id */
			th.out = out;
			sem_init(&th.go, 0, 0);
			if (pthread_create(&th.thread, NULL, child_thread_main, &th))
				_exit(13);
			break;
		case 'u': /* the thread exits */
			sem_post(&th.go);
			pthread_join(th.thread, NULL);
			reply(out, 0);
			break;
		case 'm': { /* a new mapping */
			uint8_t *p = map(NULL, PAGE, PROT_READ | PROT_WRITE, 0);

			memset(p, 0x77, PAGE);
			reply(out, (uintptr_t)p);
			break;
		}
		default:
			_exit(0);
		}
	}
	_exit(0);
}

static struct child *spawn(uint8_t fixed_tag)
{
	struct child *c = calloc(1, sizeof(*c));
	int a[2], b[2];

	assert_non_null(c);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(a[1]);
		close(b[0]);
		child_main(a[0], b[1], fixed_tag);
	}
	close(a[0]);
	close(b[1]);
	c->cmd = a[1];
	c->reply = b[0];
	assert_int_equal(read(c->reply, &c->at, sizeof(c->at)), sizeof(c->at));
	return c;
}

static uint64_t ask(struct child *c, char cmd)
{
	uint64_t v;

	assert_int_equal(write(c->cmd, &cmd, 1), 1);
	assert_int_equal(read(c->reply, &v, sizeof(v)), sizeof(v));
	return v;
}

/* The child exits; not reaped (a zombie: its mm is gone, its pid is not) unless @reap. */
static void child_exit(struct child *c, bool reap)
{
	siginfo_t si;
	char x = 'x';

	assert_int_equal(write(c->cmd, &x, 1), 1);
	assert_int_equal(waitid(P_PID, (id_t)c->pid, &si, WEXITED | (reap ? 0 : WNOWAIT)), 0);
	assert_int_equal(si.si_code, CLD_EXITED);
	assert_int_equal(si.si_status, 0);
	c->reaped = reap;
}

static int setup(void **state)
{
	struct child *c = spawn(0x11);

	assert_int_equal(sva_procmem_open(c->pid, &c->pm), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct child *c = *state;

	sva_procmem_close(c->pm);
	if (!c->reaped) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	close(c->cmd);
	close(c->reply);
	free(c);
	return 0;
}

static void test_reads_and_writes_reach_the_child(void **state)
{
	struct child *c = *state;
	uint8_t buf[PAGE];

	/* a whole page, and a piece at an offset */
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE, buf, PAGE, false), 0);
	for (unsigned i = 0; i < PAGE; i++)
		assert_int_equal(buf[i], pattern(PAGE + i, 1));
	assert_int_equal(sva_procmem_access(c->pm, c->at.ro + 17, buf, 33, false), 0);
	for (unsigned i = 0; i < 33; i++)
		assert_int_equal(buf[i], pattern(17 + i, 2));
	/* the child sees what the device wrote */
	assert_int_equal(ask(c, 'v'), 0);
	for (unsigned i = 0; i < 64; i++)
		buf[i] = (uint8_t)(i ^ 0x3c);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + 100, buf, 64, true), 0);
	assert_int_equal(ask(c, 'v'), 1);
	/* within one page */
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE - 8, buf, 16, false), -EINVAL);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw, buf, 0, false), 0);
}

/* /proc/PID/mem would force these (FOLL_FORCE); a device must not. */
static void test_permissions_are_the_mappings(void **state)
{
	struct child *c = *state;
	uint8_t buf[64], back[64];

	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(sva_procmem_access(c->pm, c->at.ro, buf, 64, true), -EFAULT);
	assert_int_equal(sva_procmem_access(c->pm, c->at.ro, back, 64, false), 0);
	assert_int_equal(back[0], pattern(0, 2)); /* unchanged */
	assert_int_equal(sva_procmem_access(c->pm, c->at.none, buf, 64, false), -EFAULT);
	assert_int_equal(sva_procmem_access(c->pm, c->at.none, buf, 64, true), -EFAULT);
	assert_int_equal(sva_procmem_access(c->pm, c->at.hole, buf, 64, false), -EFAULT);
	assert_int_equal(sva_procmem_access(c->pm, 0, buf, 64, false), -EFAULT);
	assert_int_equal(sva_procmem_present(c->pm, c->at.ro, true), -EFAULT);
	assert_int_equal(sva_procmem_present(c->pm, c->at.ro, false), 1);
	assert_int_equal(sva_procmem_present(c->pm, c->at.none, false), -EFAULT);
	assert_int_equal(sva_procmem_present(c->pm, c->at.hole, false), -EFAULT);
	assert_int_equal(sva_procmem_fault_in(c->pm, c->at.hole, false), -EFAULT);
	assert_int_equal(sva_procmem_fault_in(c->pm, c->at.ro, true), -EFAULT);
}

static void test_untouched_page_is_not_present_until_faulted_in(void **state)
{
	struct child *c = *state;
	uint8_t buf[8];

	assert_int_equal(sva_procmem_present(c->pm, c->at.rw, true), 1);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(sva_procmem_present(c->pm, c->at.untouched + i * PAGE, true), 0);
	assert_int_equal(sva_procmem_fault_in(c->pm, c->at.untouched + PAGE + 123, true), 0);
	assert_int_equal(sva_procmem_present(c->pm, c->at.untouched + PAGE, true), 1);
	assert_int_equal(sva_procmem_present(c->pm, c->at.untouched, false), 0);
	/* an access faults a page in itself */
	assert_int_equal(sva_procmem_access(c->pm, c->at.untouched + 2 * PAGE, buf, 8, true), 0);
	assert_int_equal(sva_procmem_present(c->pm, c->at.untouched + 2 * PAGE, false), 1);
	assert_int_equal(sva_procmem_present(c->pm, c->at.untouched + 3 * PAGE, false), 0);
}

/* A descriptor's worth of pages in one mapping reads maps once; a miss re-reads it. */
static void test_maps_cache(void **state)
{
	struct child *c = *state;
	uint8_t buf[PAGE], want[PAGE];
	unsigned long reads;

	sva_procmem_use_maps_cache(c->pm); /* as on a kernel without PROCMAP_QUERY */
	reads = sva_procmem_maps_reads(c->pm);
	for (unsigned p = 0; p < NBIG; p++) {
		assert_int_equal(sva_procmem_access(c->pm, c->at.big + p * PAGE, buf, PAGE, false),
				 0);
		assert_int_equal(buf[5], pattern(p * PAGE + 5, 3));
		assert_int_equal(sva_procmem_present(c->pm, c->at.big + p * PAGE, false), 1);
	}
	assert_int_equal(sva_procmem_maps_reads(c->pm), reads);
	/* a mapping made since: a miss, one re-read */
	uint64_t fresh = ask(c, 'm');
	assert_int_equal(sva_procmem_access(c->pm, fresh, buf, PAGE, false), 0);
	memset(want, 0x77, PAGE);
	assert_memory_equal(buf, want, PAGE);
	assert_int_equal(sva_procmem_maps_reads(c->pm), reads + 1);
	/* widened since: the refused access re-reads and is allowed */
	assert_int_equal(ask(c, 'w'), 0);
	assert_int_equal(sva_procmem_access(c->pm, c->at.ro, buf, 8, true), 0);
	assert_int_equal(sva_procmem_maps_reads(c->pm), reads + 2);
	/* narrowed since: refused after the refresh the engine makes per descriptor */
	assert_int_equal(ask(c, 'p'), 0);
	assert_int_equal(sva_procmem_refresh(c->pm), 0);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE, buf, 8, true), -EFAULT);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE, buf, 8, false), 0);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw, buf, 8, true), 0);
}

/* Where the kernel answers PROCMAP_QUERY, a narrowed mapping is refused at once: no refresh. */
static void test_query_is_exact(void **state)
{
	struct child *c = *state;
	uint8_t buf[8] = { 0 };

	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE, buf, 8, true), 0);
	if (!sva_procmem_exact(c->pm))
		skip(); /* a kernel before 6.11: test_maps_cache covers the cache */
	assert_int_equal(ask(c, 'p'), 0);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE, buf, 8, true), -EFAULT);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw + PAGE, buf, 8, false), 0);
	assert_int_equal(sva_procmem_access(c->pm, c->at.rw, buf, 8, true), 0);
	assert_int_equal(sva_procmem_access(c->pm, c->at.ro, buf, 8, true), -EFAULT);
}

/* Opened by a thread's id (as FUSE names the caller), the handle outlives the thread. */
static void test_open_by_thread_outlives_it(void **state)
{
	struct child *c = *state;
	struct sva_procmem *pm;
	uint8_t buf[64];
	uint64_t tid = ask(c, 't');

	assert_int_not_equal(tid, c->pid);
	assert_int_equal(sva_procmem_open((pid_t)tid, &pm), 0);
	assert_int_equal(sva_procmem_access(pm, c->at.rw, buf, 64, false), 0);
	assert_int_equal(buf[3], pattern(3, 1));
	assert_int_equal(ask(c, 'u'), 0);
	assert_int_equal(sva_procmem_refresh(pm), 0);
	assert_int_equal(sva_procmem_access(pm, c->at.ro, buf, 64, false), 0);
	assert_int_equal(buf[3], pattern(3, 2));
	assert_int_equal(sva_procmem_present(pm, c->at.rw, false), 1);
	/* the thread's id is no process any more */
	struct sva_procmem *gone = NULL;
	assert_int_equal(sva_procmem_open((pid_t)tid, &gone), -ESRCH);
	sva_procmem_close(pm);
}

static void expect_gone(struct sva_procmem *pm, const struct layout *at)
{
	uint8_t buf[64];

	assert_int_equal(sva_procmem_access(pm, at->rw, buf, 64, false), -ESRCH);
	assert_int_equal(sva_procmem_access(pm, at->rw, buf, 64, true), -ESRCH);
	assert_int_equal(sva_procmem_present(pm, at->rw, false), -ESRCH);
	assert_int_equal(sva_procmem_fault_in(pm, at->untouched, false), -ESRCH);
	assert_int_equal(sva_procmem_refresh(pm), -ESRCH);
	assert_int_equal(sva_procmem_access(pm, at->fixed, buf, 64, false), -ESRCH);
}

/* After the child's exit (its exit_mmap), a zombie still: -ESRCH, however the cache says. */
static void test_exit_is_esrch(void **state)
{
	struct child *c = *state;
	uint8_t buf[64];

	assert_int_equal(sva_procmem_access(c->pm, c->at.rw, buf, 64, false), 0);
	child_exit(c, false);
	expect_gone(c->pm, &c->at);
	/* a new open of the zombie has no mm either */
	struct sva_procmem *again = NULL;
	int rc = sva_procmem_open(c->pid, &again);
	assert_true(rc == -ESRCH || rc == 0);
	if (rc == 0) {
		expect_gone(again, &c->at);
		sva_procmem_close(again);
	}
	assert_int_equal(waitpid(c->pid, NULL, 0), c->pid);
	c->reaped = true;
	assert_int_equal(sva_procmem_open(c->pid, &again), -ESRCH);
	assert_null(again);
}

/* Fork until a child gets @pid (ns_last_pid); NULL if other processes keep taking it. */
static struct child *spawn_with_pid(pid_t pid, uint8_t tag)
{
	for (int attempt = 0; attempt < 50; attempt++) {
		char num[16];
		int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
		struct child *c;

		if (fd < 0)
			return NULL;
		int n = snprintf(num, sizeof(num), "%d", (int)pid - 1);
		bool ok = write(fd, num, (size_t)n) == n;
		close(fd);
		if (!ok)
			return NULL;
		c = spawn(tag);
		if (c->pid == pid)
			return c;
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
		close(c->cmd);
		close(c->reply);
		free(c);
	}
	return NULL;
}

/* The handle is the old mm's: a new process with the same pid is never reached through it. */
static void test_reused_pid_is_never_reached(void **state)
{
	struct child *c = *state, *reuse;
	struct sva_procmem *fresh;
	uint8_t buf[64];

	assert_int_equal(sva_procmem_access(c->pm, c->at.fixed, buf, 64, false), 0);
	assert_int_equal(buf[0], 0x11);
	child_exit(c, true);
	reuse = spawn_with_pid(c->pid, 0x22);
	if (!reuse) {
		print_message("pid %d not reusable here (ns_last_pid, or other forks)\n", c->pid);
		skip();
	}
	assert_int_equal(reuse->at.fixed, c->at.fixed);
	expect_gone(c->pm, &c->at);
	/* the control: a new open reaches the new process, at the same address */
	assert_int_equal(sva_procmem_open(reuse->pid, &fresh), 0);
	assert_int_equal(sva_procmem_access(fresh, reuse->at.fixed, buf, 64, false), 0);
	assert_int_equal(buf[0], 0x22);
	sva_procmem_close(fresh);
	expect_gone(c->pm, &c->at);
	kill(reuse->pid, SIGKILL);
	waitpid(reuse->pid, NULL, 0);
	close(reuse->cmd);
	close(reuse->reply);
	free(reuse);
}

static void test_open_refuses_no_process(void **state)
{
	struct sva_procmem *pm = (void *)1;
	(void)state;

	assert_int_equal(sva_procmem_open(0, &pm), -ESRCH);
	assert_null(pm);
	assert_int_equal(sva_procmem_open(-5, &pm), -ESRCH);
	assert_int_equal(sva_procmem_open(0x3fffffff, &pm), -ESRCH);
	sva_procmem_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reads_and_writes_reach_the_child, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_permissions_are_the_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untouched_page_is_not_present_until_faulted_in,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_maps_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_by_thread_outlives_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_is_esrch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_pid_is_never_reached, setup, teardown),
		cmocka_unit_test(test_open_refuses_no_process),
	};

	return cmocka_run_group_tests_name("procmem", tests, NULL, NULL);
}

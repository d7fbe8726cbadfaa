/* SPDX-License-Identifier: MIT */
/*
 * The device daemon's core (tools/sva/exec/core.c) without FUSE or the shim: this test process
 * and its forked children are the real clients. Descriptors are handed to the core as the
 * shim would forward a trapped store; the engine's DMA reaches the real memory through
 * /proc/PID/mem. What is checked: the bytes (memmove, fill, compare against the CPU's own
 * result), the completion records, a not-present page with block-on-fault off (the fault
 * address is reported, nothing written), idxd's rule (a store from another mm is -EPERM), a
 * real exit with the file still held (the shadow exits, the file's release comes later), the
 * client count and the checker's verdict at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/idxd.h>

#include "exec.h"
#include "sva/accel.h"

#define LEN 8192u

struct bufs {
	uint8_t *src, *dst;
	struct dsa_completion_record *comp;
};

static void bufs_map(struct bufs *b, bool touch_dst)
{
	b->src = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->dst = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->comp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(b->src != MAP_FAILED && b->dst != MAP_FAILED && b->comp != MAP_FAILED);
	for (unsigned i = 0; i < LEN; i++)
		b->src[i] = (uint8_t)(i * 13 + 5);
	if (touch_dst)
		memset(b->dst, 0xee, LEN);
	memset(b->comp, 0, 4096);
}

static void bufs_unmap(struct bufs *b)
{
	munmap(b->src, LEN);
	munmap(b->dst, LEN);
	munmap(b->comp, 4096);
}

static struct sva_exec_store store_of(const struct dsa_hw_desc *d, enum sva_exec_insn insn)
{
	struct sva_exec_store s = { .insn = insn };

	memcpy(s.desc, d, sizeof(*d));
	return s;
}

static struct dsa_hw_desc memmove_desc(const struct bufs *b, uint32_t flags)
{
	struct dsa_hw_desc d = { 0 };

	d.opcode = DSA_OPCODE_MEMMOVE;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | flags;
	d.src_addr = (uintptr_t)b->src;
	d.dst_addr = (uintptr_t)b->dst;
	d.xfer_size = LEN;
	d.completion_addr = (uintptr_t)b->comp;
	return d;
}

/* The engine writes the record from another thread through /proc/PID/mem: poll it. */
static uint8_t wait_status(volatile struct dsa_completion_record *c)
{
	for (long i = 0; i < 20000000 && !c->status; i++)
		sched_yield();
	return c->status;
}

/* The store the shim would forward, accepted; then the record's status. */
static uint8_t submit_wait(struct sva_exec_file *f, const struct dsa_hw_desc *d,
			   enum sva_exec_insn insn, volatile struct dsa_completion_record *c)
{
	struct sva_exec_store s = store_of(d, insn);

	assert_int_equal(sva_exec_store(f, getpid(), &s), 0);
	return wait_status(c);
}

static struct sva_exec *exec_new(void)
{
	struct sva_exec_config cfg = { .enable = true, .trace = getenv("TRACE") ? stderr : NULL };
	struct sva_exec *x;

	assert_int_equal(sva_exec_create(&cfg, &x), 0);
	return x;
}

static void exec_end(struct sva_exec *x)
{
	assert_int_equal(sva_exec_report(x, stderr), 0);
	assert_int_equal(sva_exec_destroy(x, stderr), 0); /* leaks included */
}

static void test_memmove_dedicated_and_shared(void **state)
{
	static const struct {
		const char *wq;
		enum sva_exec_insn insn;
	} cases[] = { { "wq0.1", SVA_EXEC_MOVDIR64B }, { "wq0.0", SVA_EXEC_ENQCMD } };
	struct sva_exec *x = exec_new();

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct sva_exec_file *f;
		struct bufs b;
		struct dsa_hw_desc d;

		bufs_map(&b, true);
		d = memmove_desc(&b, IDXD_OP_FLAG_BOF);
		assert_int_equal(sva_exec_open(x, cases[i].wq, getpid(), &f), 0);
		assert_int_equal(sva_exec_clients(x), 2); /* the shadow and the file */
		assert_int_equal(submit_wait(f, &d, cases[i].insn, b.comp), DSA_COMP_SUCCESS);
		assert_memory_equal(b.dst, b.src, LEN);
		sva_exec_release(f);
		bufs_unmap(&b);
	}
	exec_end(x);
}

static void test_memfill_and_compare_match_the_cpu(void **state)
{
	struct sva_exec *x = exec_new();
	struct sva_exec_file *f;
	struct dsa_hw_desc d = { 0 };
	struct bufs b;
	uint64_t pattern = 0x0123456789abcdefull;

	(void)state;
	bufs_map(&b, true);
	assert_int_equal(sva_exec_open(x, "wq0.1", getpid(), &f), 0);
	d.opcode = DSA_OPCODE_MEMFILL;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_BOF;
	d.pattern = pattern;
	d.dst_addr = (uintptr_t)b.dst;
	d.xfer_size = LEN - 3;
	d.completion_addr = (uintptr_t)b.comp;
	assert_int_equal(submit_wait(f, &d, SVA_EXEC_MOVDIR64B, b.comp), DSA_COMP_SUCCESS);
	for (unsigned i = 0; i < LEN - 3; i++)
		assert_int_equal(b.dst[i], (uint8_t)(pattern >> (8 * (i % 8))));
	assert_int_equal(b.dst[LEN - 1], 0xee);

	/* COMPARE: the first difference's offset, as the CPU finds it */
	memcpy(b.dst, b.src, LEN);
	b.dst[5000] ^= 1;
	memset(b.comp, 0, 32);
	d = (struct dsa_hw_desc){ 0 };
	d.opcode = DSA_OPCODE_COMPARE;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_BOF;
	d.src_addr = (uintptr_t)b.src;
	d.src2_addr = (uintptr_t)b.dst;
	d.xfer_size = LEN;
	d.completion_addr = (uintptr_t)b.comp;
	assert_int_equal(submit_wait(f, &d, SVA_EXEC_MOVDIR64B, b.comp), DSA_COMP_SUCCESS);
	assert_int_equal(b.comp->result, 1);
	assert_int_equal(b.comp->bytes_completed, 5000);
	sva_exec_release(f);
	bufs_unmap(&b);
	exec_end(x);
}

/* Block-on-fault off: an untouched destination page is a fault the program must handle. */
static void test_not_present_without_bof_reports_the_page(void **state)
{
	struct sva_exec *x = exec_new();
	struct sva_exec_file *f;
	struct dsa_hw_desc d;
	struct bufs b;

	(void)state;
	bufs_map(&b, false); /* dst never touched: not present */
	assert_int_equal(sva_exec_open(x, "wq0.1", getpid(), &f), 0);
	d = memmove_desc(&b, 0);
	assert_int_equal(sva_dsa_status_code(submit_wait(f, &d, SVA_EXEC_MOVDIR64B, b.comp)),
			 DSA_COMP_PAGE_FAULT_NOBOF);
	assert_true(b.comp->status & DSA_COMP_STATUS_WRITE);
	assert_int_equal(b.comp->fault_addr, (uintptr_t)b.dst);
	assert_int_equal(b.comp->bytes_completed, 0);

	/* with block-on-fault the page request makes it present: the whole copy */
	memset(b.comp, 0, 32);
	d = memmove_desc(&b, IDXD_OP_FLAG_BOF);
	assert_int_equal(submit_wait(f, &d, SVA_EXEC_MOVDIR64B, b.comp), DSA_COMP_SUCCESS);
	assert_memory_equal(b.dst, b.src, LEN);
	sva_exec_release(f);
	bufs_unmap(&b);
	exec_end(x);
}

/* A read-only destination is a fault even though /proc/PID/mem could force the write. */
static void test_read_only_destination_is_not_written(void **state)
{
	struct sva_exec *x = exec_new();
	struct sva_exec_file *f;
	struct dsa_hw_desc d;
	struct bufs b;

	(void)state;
	bufs_map(&b, true);
	assert_int_equal(mprotect(b.dst, LEN, PROT_READ), 0);
	assert_int_equal(sva_exec_open(x, "wq0.1", getpid(), &f), 0);
	d = memmove_desc(&b, IDXD_OP_FLAG_BOF);
	assert_int_not_equal(sva_dsa_status_code(submit_wait(f, &d, SVA_EXEC_MOVDIR64B, b.comp)),
			     DSA_COMP_SUCCESS);
	for (unsigned i = 0; i < LEN; i++)
		assert_int_equal(b.dst[i], 0xee);
	sva_exec_release(f);
	bufs_unmap(&b);
	exec_end(x);
}

/*
 * idxd's rule and a real exit: a forked child's store on its parent's file is -EPERM (the
 * queue is the opener's mm's); the child's own open gets its own queue on its own memory; the
 * child's exit with its file still held ends its shadow, and the release afterwards frees it.
 */
static void test_child_refused_then_its_own_queue_outlives_its_exit(void **state)
{
	struct sva_exec *x = exec_new();
	struct sva_exec_file *mine, *childs;
	struct dsa_hw_desc d;
	struct sva_exec_store s;
	struct bufs b;
	int go[2], done[2], status;
	char c = 0;
	pid_t child;

	(void)state;
	bufs_map(&b, true);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) { /* the same addresses, its own memory: wait, check, report, exit */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		c = wait_status(b.comp) == DSA_COMP_SUCCESS && memcmp(b.dst, b.src, LEN) == 0;
		if (write(done[1], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(sva_exec_open(x, "wq0.0", getpid(), &mine), 0);
	d = memmove_desc(&b, IDXD_OP_FLAG_BOF);
	s = store_of(&d, SVA_EXEC_ENQCMD);
	assert_int_equal(sva_exec_store(mine, child, &s), -EPERM);

	assert_int_equal(sva_exec_open(x, "wq0.0", child, &childs), 0);
	assert_int_equal(sva_exec_clients(x), 4); /* two shadows, two files */
	assert_int_equal(sva_exec_store(childs, child, &s), 0);
	assert_int_equal(write(go[1], &c, 1), 1);
	assert_int_equal(read(done[0], &c, 1), 1);
	assert_int_equal(c, 1); /* the child saw its copy and its record */
	/* and the parent's own memory is untouched: the DMA went to the child's */
	assert_int_equal(b.comp->status, 0);
	assert_int_equal(b.dst[0], 0xee);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (int i = 0; i < 2000 && sva_exec_clients(x) != 3; i++)
		usleep(1000);			  /* the watcher sees the exit */
	assert_int_equal(sva_exec_clients(x), 3); /* our shadow and the two files */
	assert_int_equal(sva_exec_store(childs, child, &s), -EPERM);
	sva_exec_release(childs);
	sva_exec_release(mine);
	assert_int_equal(sva_exec_clients(x), 1);
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	bufs_unmap(&b);
	exec_end(x);
}

static void test_bad_names_and_busy_destroy(void **state)
{
	struct sva_exec *x = exec_new();
	struct sva_exec_file *f, *g;

	(void)state;
	assert_int_equal(sva_exec_open(x, "wq9.9", getpid(), &f), -ENODEV);
	assert_int_equal(sva_exec_open(x, "../x", getpid(), &f), -ENODEV);
	assert_int_equal(sva_exec_open(x, "wq0.1", getpid(), &f), 0);
	assert_int_equal(sva_exec_open(x, "wq0.1", getpid(), &g), -EBUSY); /* dedicated */
	assert_int_equal(sva_exec_destroy(x, stderr), -EBUSY);
	sva_exec_release(f);
	/* the release gave the dedicated WQ back: the next open gets it */
	assert_int_equal(sva_exec_open(x, "wq0.1", getpid(), &f), 0);
	sva_exec_release(f);
	exec_end(x);
}

/*
 * A real exit seen twice: the daemon's own pidfd (sva_exec_process_exited) and the core's
 * watcher end the same shadow at once, many times over; each shadow ends once and is freed
 * once (ASan: never touched after), and no client is left.
 */
static void test_exit_seen_by_the_daemon_and_the_watcher_at_once(void **state)
{
	struct sva_exec *x = exec_new();

	(void)state;
	for (int i = 0; i < 40; i++) {
		struct sva_exec_file *f;
		int go[2], status;
		siginfo_t si;
		char c = 0;
		pid_t child;

		assert_int_equal(pipe(go), 0);
		child = fork();
		assert_true(child >= 0);
		if (child == 0)
			_exit(read(go[0], &c, 1) == 1 ? 0 : 2);
		assert_int_equal(sva_exec_open(x, "wq0.0", child, &f), 0);
		sva_exec_release(f); /* the shadow lives on, its process has not exited */
		assert_int_equal(sva_exec_clients(x), 1);
		assert_int_equal(write(go[1], &c, 1), 1);
		do { /* the exit, as the watcher's pidfd sees it: then both end the shadow */
			memset(&si, 0, sizeof(si));
			assert_int_equal(
				waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT | WNOHANG), 0);
		} while (!si.si_pid);
		sva_exec_process_exited(x, child);
		assert_int_equal(waitpid(child, &status, 0), child);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		sva_exec_process_exited(x, child);
		assert_int_equal(sva_exec_clients(x), 0);
		close(go[0]);
		close(go[1]);
	}
	exec_end(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmove_dedicated_and_shared),
		cmocka_unit_test(test_memfill_and_compare_match_the_cpu),
		cmocka_unit_test(test_not_present_without_bof_reports_the_page),
		cmocka_unit_test(test_read_only_destination_is_not_written),
		cmocka_unit_test(test_child_refused_then_its_own_queue_outlives_its_exit),
		cmocka_unit_test(test_bad_names_and_busy_destroy),
		cmocka_unit_test(test_exit_seen_by_the_daemon_and_the_watcher_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

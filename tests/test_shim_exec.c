/* SPDX-License-Identifier: MIT */
/*
 * The portal shim on real programs (tests/shim_prog.c): each case runs one mode of shim_prog
 * (the shim's sources linked in, a recording forwarder) or of shim_plain (an ordinary dynamic
 * binary, run with LD_PRELOAD=libsva-exec-shim.so, the real ioctl), with the portals' directory
 * a fresh temporary one, and checks how it ended: exit 0 when its own checks held, or the
 * signal a real fault gives (SIGSEGV, SIGILL, SIGBUS). No core files: RLIMIT_CORE 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cpuid.h>
#include <cmocka.h>

static char dir[64];

#define PRELOAD 1 /* LD_PRELOAD=libsva-exec-shim.so */
#define QUIET	2 /* stderr to /dev/null: what it says there is expected */

/* Run @prog @mode (@preload: PRELOAD, QUIET); its wait status. */
static int run(const char *prog, const char *mode, int preload)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };

		setrlimit(RLIMIT_CORE, &no_core);
		setenv("SVA_EXEC_PORTAL_DIR", dir, 1);
		if (preload & PRELOAD)
			setenv("LD_PRELOAD", SVA_SHIM_SO, 1);
		else
			unsetenv("LD_PRELOAD");
		if (preload & QUIET)
			(void)!freopen("/dev/null", "w", stderr);
		/* the ASan runtime of this test must not be asked to come first in theirs */
		unsetenv("ASAN_OPTIONS");
		if (!strcmp(prog, "/bin/sh")) /* @mode is the command line */
			execl(prog, prog, "-c", mode, (char *)NULL);
		else
			execl(prog, prog, mode, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void expect_exit0(const char *prog, const char *mode, int preload)
{
	int st = run(prog, mode, preload);

	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s %s: status 0x%x (exit %d, signal %d), wanted exit 0", prog, mode, st,
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void expect_signal(const char *prog, const char *mode, int preload, int sig)
{
	int st = run(prog, mode, preload);

	if (!WIFSIGNALED(st) || WTERMSIG(st) != sig)
		fail_msg("%s %s: status 0x%x (exit %d, signal %d), wanted signal %d", prog, mode,
			 st, WIFEXITED(st) ? WEXITSTATUS(st) : -1,
			 WIFSIGNALED(st) ? WTERMSIG(st) : 0, sig);
}

static int cpu_has_movdir64b(void)
{
	unsigned a, b, c, d;

	return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 28));
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sva-shim-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/wq0.0", dir);
	unlink(path);
	return rmdir(dir);
}

/* MOVDIR64B in every addressing form the assembler gives: 64 bytes, offset, stepped over. */
static void test_linked_movdir64b_forms(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "movdir64b", 0);
}

/* ENQCMD / ENQCMDS: ZF 0 accepted, 1 retry, the other flags cleared. */
static void test_linked_enqcmd_zf(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "enqcmd", 0);
}

/* The shim's own descriptor: the same file, kept past the program's close, closed at munmap. */
static void test_linked_descriptors_and_munmap(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "fds", 0);
}

static void test_linked_mprotect_and_mremap(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "remap", 0);
}

/* A forked child has no portal (VM_DONTCOPY): its store is SIGSEGV; the parent's still works. */
static void test_linked_fork_child_has_no_portal(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "fork", 0);
}

/* Four threads' ENQCMDs at once, each forwarded whole, ZF each its own, while another portal
 * is mapped and unmapped over and over. */
static void test_linked_threads_store_at_once(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "threads", 0);
}

/* A dead portal (the forwarder's -ENXIO) is SIGBUS at the instruction; #GP and #PF too. */
static void test_linked_dead_portal_sigbus(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "dead", 0);
	expect_signal(SVA_SHIM_PROG, "dead-default", 0, SIGBUS);
}

/* The program's own SIGSEGV handler (sigaction, signal, SA_RESETHAND, before or after the
 * first portal) gets its own faults, and none of the portal's. */
static void test_own_handler_gets_its_faults(void **state)
{
	(void)state;
	expect_exit0(SVA_SHIM_PROG, "own-handler", 0);
	expect_exit0(SVA_SHIM_PROG, "own-handler-first", 0);
	expect_exit0(SVA_SHIM_PLAIN, "own-handler", 1);
	expect_exit0(SVA_SHIM_PLAIN, "own-handler-first", 1);
}

/*
 * A real crash stays the same crash: SIGSEGV; and an ENQCMD to ordinary memory ends as it ends
 * without the shim (SIGILL where the CPU lacks ENQCMD; SIGSEGV, #GP, where a hypervisor hides
 * it as here).
 */
static void test_real_faults_still_kill(void **state)
{
	(void)state;
	expect_signal(SVA_SHIM_PROG, "segv", 0, SIGSEGV);
	expect_signal(SVA_SHIM_PLAIN, "segv", 1, SIGSEGV);
	if (cpu_has_movdir64b()) {
		expect_signal(SVA_SHIM_PROG, "segv-movdir64b", 0, SIGSEGV);
		expect_signal(SVA_SHIM_PLAIN, "segv-movdir64b", 1, SIGSEGV);
	}
	int st = run(SVA_SHIM_PLAIN, "enqcmd-ordinary", 0);
	if (WIFSIGNALED(st)) { /* else this CPU has ENQCMD and takes the store */
		assert_true(WTERMSIG(st) == SIGILL || WTERMSIG(st) == SIGSEGV);
		expect_signal(SVA_SHIM_PROG, "enqcmd-ordinary", 0, WTERMSIG(st));
		expect_signal(SVA_SHIM_PLAIN, "enqcmd-ordinary", 1, WTERMSIG(st));
	}
}

/*
 * The preloaded library in an ordinary binary: the portal is mapped without access and the
 * store reaches the real ioctl, which a regular file refuses (ENOTTY): a dead portal, SIGBUS.
 * Without the preload the same program finds its portal writable and fails its check.
 */
static void test_preloaded_store_reaches_ioctl(void **state)
{
	(void)state;
	expect_signal(SVA_SHIM_PLAIN, "store", 1, SIGBUS);
	int st = run(SVA_SHIM_PLAIN, "store", QUIET); /* the control: its check fails */
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	/* and in what the program starts: a shell's child (the shell reports 128 + SIGBUS) */
	st = run("/bin/sh", SVA_SHIM_PLAIN " store; exit $?", PRELOAD | QUIET);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 128 + SIGBUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linked_movdir64b_forms),
		cmocka_unit_test(test_linked_enqcmd_zf),
		cmocka_unit_test(test_linked_descriptors_and_munmap),
		cmocka_unit_test(test_linked_mprotect_and_mremap),
		cmocka_unit_test(test_linked_fork_child_has_no_portal),
		cmocka_unit_test(test_linked_threads_store_at_once),
		cmocka_unit_test(test_linked_dead_portal_sigbus),
		cmocka_unit_test(test_own_handler_gets_its_faults),
		cmocka_unit_test(test_real_faults_still_kill),
		cmocka_unit_test(test_preloaded_store_reaches_ioctl),
	};

	return cmocka_run_group_tests_name("shim_exec", tests, setup, teardown);
}

/* SPDX-License-Identifier: MIT */
/*
 * The guard: what the tool prints when a run breaks the process or the process is told to
 * stop, so that an exploration is never lost silently.
 *
 *  - A crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) or a sanitizer's report (its death
 *    callback): the schedule so far of the run in progress, the `sva replay` line that
 *    reproduces it, the stop line with the counts; exit 1. When a sanitizer had its own
 *    handler for the signal, it is put back and the fault happens again for it, so its
 *    report (with the stack) follows ours. The handlers run on an alternate signal stack, so a
 *    fiber that overflowed its stack is reported too.
 *  - SIGINT, SIGTERM: the explorer is asked to stop before the next schedule (the caller
 *    prints the stop line and exits 128 + the signal). If the run in progress does not end
 *    within SVA_GUARD_GRACE_S seconds (a loop without a scheduling point), or the signal comes
 *    again, the guard writes that run's schedule so far and exits 128 + the signal itself.
 *    The same watchdog fires after a --seconds budget of S seconds, min(S, grace) later.
 *
 * Why a global: a signal handler gets no argument, so it reaches the exploration through one
 * pointer, sva_guard_current, set while an exploration runs and cleared after it - the one
 * piece of process-wide state of the tool. Everything it points to is prepared beforehand
 * (the text of the replay command, the stop line's head) and the handlers only read it,
 * format numbers by hand and write(2): async-signal-safe.
 */
#define _GNU_SOURCE /* dl_iterate_phdr, RTLD_NOLOAD */
#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

#define SVA_GUARD_ALTSTACK (256 * 1024)

typedef void (*sva_guard_set_death_fn)(void (*callback)(void));

static const int sva_guard_crash_signals[SVA_GUARD_NCRASH] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
							       SIGABRT };

/* The exploration the handlers report on; NULL when none runs. See the comment at the top. */
static struct sva_guard *_Atomic sva_guard_current;

static void sva_guard_puts(const char *s)
{
	size_t len = strlen(s);

	while (len) {
		ssize_t r = write(STDOUT_FILENO, s, len);

		if (r <= 0)
			return;
		s += r;
		len -= (size_t)r;
	}
}

static void sva_guard_putul(unsigned long v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = '\0';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sva_guard_puts(p);
}

static const char *sva_guard_signame(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV";
	case SIGBUS:
		return "SIGBUS";
	case SIGFPE:
		return "SIGFPE";
	case SIGILL:
		return "SIGILL";
	case SIGABRT:
		return "SIGABRT";
	case SIGINT:
		return "SIGINT";
	case SIGTERM:
		return "SIGTERM";
	default:
		return "a signal";
	}
}

/* The run in progress: its schedule so far and the line that replays it. */
static void sva_guard_write_run(const struct sva_guard *g)
{
	struct sva_world *w = atomic_load(&g->live.world);

	if (!w) {
		sva_guard_puts("  (between two schedules: no run in progress)\n");
		return;
	}
	sva_guard_puts("  schedule: ");
	sva_world_schedule_write(w, STDOUT_FILENO);
	sva_guard_puts("\n");
	sva_guard_puts(g->replay);
	sva_world_schedule_write(w, STDOUT_FILENO);
	sva_guard_puts("'\n");
}

/* The whole report of a run that ended the process; @extra runs are counted with the others. */
static void sva_guard_write(const struct sva_guard *g, const char *failure, const char *stop,
			    const char *detail, unsigned long extra)
{
	if (!g->head[0]) { /* a single run (run, replay): its verdict */
		sva_guard_puts("verdict: ");
		sva_guard_puts(failure);
		sva_guard_puts(detail);
		sva_guard_puts("\n");
		return;
	}
	sva_guard_puts("  first failure: ");
	sva_guard_puts(failure);
	sva_guard_puts(detail);
	sva_guard_puts("\n");
	sva_guard_write_run(g);
	sva_guard_puts(g->head);
	sva_guard_puts(stop);
	sva_guard_puts(detail);
	sva_guard_puts(": ");
	sva_guard_putul(atomic_load(&g->live.schedules) + extra);
	sva_guard_puts(" schedules, ");
	sva_guard_putul(atomic_load(&g->live.failures) + extra);
	sva_guard_puts(" failing\n");
}

static void sva_guard_crashed(const char *detail)
{
	struct sva_guard *g = atomic_load(&sva_guard_current);

	if (!g || atomic_exchange(&g->reported, 1))
		return;
	sva_guard_write(g, "crashed", "stopped by a crash", detail, 1);
}

/* A sanitizer found something (its report is on stderr); it exits after we return. */
static void sva_guard_sanitizer_death(void)
{
	sva_guard_crashed(" (a sanitizer's report, on stderr)");
}

/* Whether @old is a handler someone installed (a sanitizer's), not a default. */
static bool sva_guard_has_handler(const struct sigaction *old)
{
	if (old->sa_flags & SA_SIGINFO)
		return old->sa_sigaction != NULL;
	return old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN;
}

static void sva_guard_crash(int sig, siginfo_t *info, void *uc)
{
	struct sva_guard *g = atomic_load(&sva_guard_current);
	char detail[32] = " (";

	(void)uc;
	strcat(detail, sva_guard_signame(sig));
	strcat(detail, ")");
	sva_guard_crashed(detail);
	/* a fault the kernel raised, and a sanitizer's handler before ours: it faults again there
	 */
	for (int i = 0; g && sig != SIGABRT && info->si_code > 0 && i < SVA_GUARD_NCRASH; i++) {
		if (sva_guard_crash_signals[i] == sig && sva_guard_has_handler(&g->old_crash[i])) {
			sigaction(sig, &g->old_crash[i], NULL);
			return;
		}
	}
	_exit(SVA_EXIT_VIOLATION);
}

/* The run in progress does not end after a stop was asked: report it and end the process. */
static void sva_guard_abandon(struct sva_guard *g, int sig)
{
	char stop[64] = "abandoned a run, stopped by ";

	strcat(stop, sva_guard_signame(sig));
	if (!atomic_exchange(&g->reported, 1))
		sva_guard_write(g,
				"run in progress did not end after the stop (a loop with no "
				"scheduling point?)",
				stop, "", 1);
	_exit(128 + sig);
}

static void sva_guard_stop(int sig)
{
	struct sva_guard *g = atomic_load(&sva_guard_current);
	int prev;

	if (!g)
		_exit(128 + sig);
	prev = atomic_exchange(&g->interrupt, sig);
	if (prev) /* asked again: do not wait for the run in progress */
		sva_guard_abandon(g, prev);
	alarm(SVA_GUARD_GRACE_S);
}

static void sva_guard_alarm(int sig)
{
	struct sva_guard *g = atomic_load(&sva_guard_current);
	int stop;

	(void)sig;
	if (!g)
		return;
	stop = atomic_load(&g->interrupt);
	if (!stop && g->seconds) { /* --seconds spent long ago: the run in progress hangs */
		atomic_store(&g->interrupt, SIGALRM);
		sva_guard_write(g,
				"run in progress did not end after --seconds (a loop with no "
				"scheduling point?)",
				"abandoned a run, stopped at --seconds", "", 1);
		_exit(SVA_EXIT_VIOLATION);
	}
	if (stop)
		sva_guard_abandon(g, stop);
}

static int sva_guard_handle(int sig, void (*fn)(int), int flags, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (old)
		memset(old, 0,
		       sizeof(*old)); /* SIG_DFL, if a sanitizer keeps the signal to itself */
	return sigaction(sig, &sa, old);
}

static int sva_guard_handle_crash(int sig, struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sva_guard_crash;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	memset(old, 0, sizeof(*old));
	return sigaction(sig, &sa, old);
}

/* dl_iterate_phdr: give @data's callback to the sanitizer runtime in this object, if any. */
static int sva_guard_object_death(struct dl_phdr_info *info, size_t size, void *data)
{
	void *h = dlopen(info->dlpi_name[0] ? info->dlpi_name : NULL, RTLD_LAZY | RTLD_NOLOAD);
	sva_guard_set_death_fn set;

	(void)size;
	if (!h)
		return 0;
	*(void **)&set = dlsym(h, "__sanitizer_set_death_callback");
	if (set)
		set(*(void (**)(void))data);
	dlclose(h);
	return 0;
}

/*
 * Every sanitizer runtime in the process calls @fn when it dies of a report (NULL: none). GCC
 * links ASan and UBSan as two runtimes with a callback each, so each loaded object is asked.
 */
static void sva_guard_death_callback(void (*fn)(void))
{
	dl_iterate_phdr(sva_guard_object_death, &fn);
}

int sva_guard_arm(struct sva_guard *g, const char *head, const char *replay, unsigned long seconds)
{
	stack_t ss = { .ss_size = SVA_GUARD_ALTSTACK };
	int ret = 0;

	snprintf(g->head, sizeof(g->head), "%s", head ? head : "");
	snprintf(g->replay, sizeof(g->replay), "%s", replay ? replay : "");
	atomic_store(&g->live.world, NULL);
	atomic_store(&g->live.schedules, 0);
	atomic_store(&g->live.failures, 0);
	atomic_store(&g->interrupt, 0);
	atomic_store(&g->reported, 0);
	g->seconds = seconds;
	g->altstack = mmap(NULL, SVA_GUARD_ALTSTACK, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->altstack == MAP_FAILED)
		return -1;
	ss.ss_sp = g->altstack;
	if (sigaltstack(&ss, &g->old_altstack))
		ret = -1;
	fflush(stdout); /* what is printed before a crash must not stay in the buffer */
	atomic_store(&sva_guard_current, g);
	for (int i = 0; ret == 0 && i < SVA_GUARD_NCRASH; i++)
		ret = sva_guard_handle_crash(sva_guard_crash_signals[i], &g->old_crash[i]);
	if (ret == 0 && head) {
		ret = sva_guard_handle(SIGINT, sva_guard_stop, SA_RESTART, &g->old_int);
		if (ret == 0)
			ret = sva_guard_handle(SIGTERM, sva_guard_stop, SA_RESTART, &g->old_term);
		if (ret == 0)
			ret = sva_guard_handle(SIGALRM, sva_guard_alarm, SA_RESTART, &g->old_alrm);
		if (ret == 0 && seconds) /* the watchdog: as long again, at most the grace */
			alarm((unsigned)(seconds + (seconds < SVA_GUARD_GRACE_S
							    ? seconds
							    : SVA_GUARD_GRACE_S)));
	}
	g->interactive = head != NULL;
	sva_guard_death_callback(sva_guard_sanitizer_death);
	return ret;
}

void sva_guard_disarm(struct sva_guard *g)
{
	sva_guard_death_callback(NULL);
	if (g->interactive) {
		alarm(0);
		sigaction(SIGINT, &g->old_int, NULL);
		sigaction(SIGTERM, &g->old_term, NULL);
		sigaction(SIGALRM, &g->old_alrm, NULL);
	}
	for (int i = 0; i < SVA_GUARD_NCRASH; i++)
		sigaction(sva_guard_crash_signals[i], &g->old_crash[i], NULL);
	atomic_store(&sva_guard_current, NULL);
	if (g->altstack && g->altstack != MAP_FAILED) {
		sigaltstack(&g->old_altstack, NULL);
		munmap(g->altstack, SVA_GUARD_ALTSTACK);
	}
	g->altstack = NULL;
}

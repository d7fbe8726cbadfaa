/* SPDX-License-Identifier: MIT */
/*
 * `sva exec [--config FILE] [--variant NAME] -- PROGRAM [ARGS...]`: PROGRAM (and what it
 * starts) runs against libsva's DSA device - its /dev/dsa and /sys/bus/dsa are the device
 * daemon's views (tools/sva/exec/, docs/exec.md). The launcher connects to the daemon (or
 * starts it), makes PROGRAM's private mount namespace, puts the module tools (modprobe,
 * rmmod, lsmod of the daemon's idxd driver) first on PATH and the portal shim in LD_PRELOAD,
 * and returns PROGRAM's exit status (128 + the signal that killed it).
 *
 * Also here: the module tools themselves (the sva binary run as modprobe, rmmod, lsmod).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/sanitizers.h"
#include "cli.h"
#include "exec/daemon.h"
#include "programs.h"

#define SHIM_NAME "libsva-exec-shim.so"

static const char *rundir_of(void)
{
	const char *r = getenv("SVA_EXEC_RUNDIR");

	return r && *r ? r : SVA_EXEC_RUNDIR;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = (len + 4096 + 1) * 2);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* The shim: $SVA_EXEC_SHIM, else next to this binary (the build directory); NULL if none. */
static void shim_path(char *out, size_t len)
{
	const char *env = getenv("SVA_EXEC_SHIM");
	char self[512];
	ssize_t n;

	out[0] = '\0';
	if (env) {
		snprintf(out, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return;
	self[n] = '\0';
	/* next to sva in a build tree; PREFIX/libexec/sva/ beside PREFIX/bin/sva when installed */
	n = snprintf(out, len, "%s/%s", dirname(self), SHIM_NAME);
	if (n > 0 && (size_t)n < len && access(out, R_OK) == 0)
		return;
	n = snprintf(out, len, "%s/../libexec/sva/%s", self, SHIM_NAME); /* self: its dirname */
	if (n < 0 || (size_t)n >= len || access(out, R_OK))
		out[0] = '\0';
}

/* PROGRAM's environment: the module tools first on PATH, the shim preloaded. */
static void program_env(const char *rundir)
{
	const char *path = getenv("PATH"), *pre = getenv("LD_PRELOAD");
	char buf[8192], shim[512];

	snprintf(buf, sizeof(buf), "%s/bin:%s", rundir,
		 path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	setenv("PATH", buf, 1);
	shim_path(shim, sizeof(shim));
	if (shim[0]) {
		snprintf(buf, sizeof(buf), "%s%s%s", shim, pre ? ":" : "", pre ? pre : "");
		setenv("LD_PRELOAD", buf, 1);
	}
	setenv("SVA_EXEC_RUNDIR", rundir, 1);
#if SVA_ASAN
	/* the module tools are this binary, started with the shim preloaded before ASan's runtime
	 */
	pre = getenv("ASAN_OPTIONS");
	snprintf(buf, sizeof(buf), "%s%sverify_asan_link_order=0", pre ? pre : "", pre ? ":" : "");
	setenv("ASAN_OPTIONS", buf, 1);
#endif
}

/*
 * Wait for PROGRAM (@pid), forwarding SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 sent to the
 * launcher (a killed launcher would leave it running): its wait status, or -1.
 */
static int wait_forwarding(pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), sfd, status;
	sigset_t sigs, old;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigaddset(&sigs, SIGUSR2);
	sigprocmask(SIG_BLOCK, &sigs, &old);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	while (pfd >= 0 && sfd >= 0) {
		struct pollfd p[2] = { { .fd = pfd, .events = POLLIN },
				       { .fd = sfd, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break; /* it ended */
		if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si))
			kill(pid, (int)si.ssi_signo);
	}
	if (pfd >= 0)
		close(pfd);
	if (sfd >= 0)
		close(sfd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

int sva_cmd_exec(int argc, char **argv)
{
	struct sva_exec_config cfg = { 0 };
	const char *config = NULL, *events = NULL, *rundir = rundir_of();
	char events_abs[4096];
	char *json = NULL;
	int i, fd, status, before, after;
	char first[4096];
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "--variant") == 0 ||
		    strcmp(argv[i], "--events") == 0) {
			if (i + 1 >= argc)
				return sva_cli_error("exec: %s needs a value", argv[i]);
			if (argv[i][2] == 'c')
				config = argv[++i];
			else if (argv[i][2] == 'e')
				events = argv[++i];
			else
				cfg.variant = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			config = argv[i] + 9;
			continue;
		}
		if (strncmp(argv[i], "--variant=", 10) == 0) {
			cfg.variant = argv[i] + 10;
			continue;
		}
		if (strncmp(argv[i], "--events=", 9) == 0) {
			events = argv[i] + 9;
			continue;
		}
		if (argv[i][0] == '-')
			return sva_cli_error("exec: unknown option '%s'; usage: sva exec [--config "
					     "FILE] [--variant NAME] [--events FILE] -- PROGRAM "
					     "[ARGS...]",
					     argv[i]);
		break; /* PROGRAM without a "--" */
	}
	if (i >= argc)
		return sva_cli_error("exec: no PROGRAM; usage: sva exec [--config FILE] [--variant "
				     "NAME] -- PROGRAM [ARGS...]");
	if (config) {
		json = read_file(config);
		if (!json)
			return sva_cli_error("exec: --config %s: %s", config, strerror(errno));
		cfg.config_json = json;
	}
	if (geteuid() != 0 || access("/dev/fuse", R_OK | W_OK)) {
		free(json);
		if (geteuid() != 0)
			return sva_cli_error(
				"exec: needs root (a mount namespace and a FUSE mount)");
		return sva_cli_error("exec: no /dev/fuse (%s): the device views need FUSE",
				     strerror(errno));
	}
	if (events && events[0] != '/') { /* the daemon runs elsewhere */
		char cwd[2048];

		if (!getcwd(cwd, sizeof(cwd)))
			return sva_cli_error("exec: --events %s: %s", events, strerror(errno));
		snprintf(events_abs, sizeof(events_abs), "%s/%s", cwd, events);
		events = events_abs;
	}
	fd = sva_launch_connect(rundir, &cfg, events);
	free(json);
	if (fd < 0)
		return SVA_EXIT_FAILED;
	before = sva_launch_query(rundir, "verdict", first, sizeof(first));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return sva_cli_error("exec: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		if (sva_ns_enter(rundir))
			_exit(126);
		program_env(rundir);
		execvp(argv[i], argv + i);
		fprintf(stderr, "sva: exec: %s: %s\n", argv[i], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* the terminal's signals reach the program; the launcher waits for it */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	status = wait_forwarding(pid);
	if (status == -1) {
		close(fd);
		return sva_cli_error("exec: waitpid: %s", strerror(errno));
	}
	/* what the daemon's checker found while the program ran is the program's verdict too */
	after = sva_launch_query(rundir, "verdict", first, sizeof(first));
	close(fd); /* the daemon stops when its last launcher and client are gone */
	if (before >= 0 && after > before) {
		first[strcspn(first, "\n")] = '\0';
		printf("VIOLATION: the device daemon found %d violation(s) while %s ran; the "
		       "first: "
		       "%s\n",
		       after - before, argv[i], first);
		return SVA_EXIT_VIOLATION;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * A module that is not libsva's: the real tool @name (the first on PATH that is not this
 * run directory's link) runs in our place with our arguments - it does not return; without
 * one, the reason is printed and -1 returned.
 */
static int real_tool(const char *rundir, const char *name, char **argv)
{
	const char *path = getenv("PATH");
	char bin[512], cand[1024];

	snprintf(bin, sizeof(bin), "%s/bin", rundir);
	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)len, path, name);
		if (!(len == strlen(bin) && strncmp(path, bin, len) == 0) &&
		    access(cand, X_OK) == 0) {
			execv(cand, argv);
			break;
		}
		path += len + (path[len] == ':');
	}
	for (int i = 1; argv[i]; i++)
		if (argv[i][0] != '-' && !strchr(argv[i], '=') && strcmp(argv[i], "idxd") != 0) {
			fprintf(stderr,
				"%s: module %s: not libsva's (sva exec models idxd only), and "
				"there is no real %s on PATH\n",
				name, argv[i], name);
			break;
		}
	return -1;
}

/* The sva binary run as modprobe, rmmod, lsmod, insmod (rundir/bin's links). */
int sva_module_tool(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *rundir = rundir_of(), *op = name;
	char cmd[128];
	int n = 0;

	if (strcmp(name, "lsmod") == 0)
		return sva_launch_command(rundir, "lsmod") ? 1 : 0;
	if (strcmp(name, "insmod") == 0) {
		fprintf(stderr, "insmod: sva exec: no kernel modules here; idxd is libsva's "
				"(modprobe idxd)\n");
		return 1;
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "--remove") == 0)
			op = "rmmod";
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' || strchr(argv[i], '='))
			continue; /* options (-q, -v), module parameters */
		if (strcmp(argv[i], "idxd") != 0 && real_tool(rundir, name, argv))
			return 1; /* not libsva's, and no real tool ran */
		snprintf(cmd, sizeof(cmd), "%s %s", op, argv[i]);
		if (sva_launch_command(rundir, cmd))
			return 1;
		n++;
		if (strcmp(name, "modprobe") == 0 && strcmp(op, "modprobe") == 0)
			break; /* modprobe M [PARAMS]: one module */
	}
	if (!n) {
		fprintf(stderr, "%s: sva exec: which module?\n", name);
		return 1;
	}
	return 0;
}

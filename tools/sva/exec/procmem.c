/* SPDX-License-Identifier: MIT */
/*
 * A real process's memory as a device reaches it (procmem.h). /proc/PID/mem, /pagemap and
 * /maps are opened once, at sva_procmem_open: each of the three binds its file to the mm the
 * pid had then (proc_mem_open), so a reused pid is never reached, and after that mm's
 * exit_mmap they read nothing (-ESRCH here).
 *
 * A mapping's permissions are asked of the kernel for each access where it answers
 * PROCMAP_QUERY (an ioctl on the maps file, Linux 6.11): exact, about 2 us. Elsewhere they are
 * a cache of /proc/PID/maps, sorted, re-read when an address is in no cached mapping or the
 * cached one refuses the access (it may have grown or been mprotect'ed since), after
 * sva_procmem_invalidate() and on demand (sva_procmem_refresh): what the cache still allows
 * after the process narrowed a mapping is allowed until then, as an IOTLB holds a translation
 * until its invalidation. A descriptor's pages in one mapping cost one maps read, not one per
 * page (test_procmem counts them).
 *
 * Not thread-safe: one user at a time per struct sva_procmem.
 */
#define _GNU_SOURCE
#include "procmem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

/* PROCMAP_QUERY (<linux/fs.h> of Linux 6.11; Debian 12's headers predate it) */
struct procmem_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size,
		vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMEM_QUERY	  _IOWR('f', 17, struct procmem_query)
#define PROCMEM_VMA_READ  (1ull << 0)
#define PROCMEM_VMA_WRITE (1ull << 1)

struct procmem_vma {
	uint64_t start, end;
	bool read, write;
};

struct sva_procmem {
	pid_t pid;
	int mem_fd, pagemap_fd, maps_fd;
	uint64_t page;
	struct procmem_vma *vmas;
	size_t nvmas, vmacap;
	size_t hint; /* the last mapping found: a descriptor's pages are neighbours */
	char *buf;
	size_t bufcap;
	bool gone;
	bool stale;    /* the process may have changed its mappings: re-read before trusting */
	bool no_query; /* the kernel has no PROCMAP_QUERY: the maps cache */
	unsigned long maps_reads;
};

static int open_proc(pid_t pid, const char *what, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	return fd;
}

/* Parse one line of maps: "start-end perms ..." */
static bool parse_line(const char *line, struct procmem_vma *v)
{
	char *end;
	unsigned long long a, b;

	a = strtoull(line, &end, 16);
	if (*end != '-')
		return false;
	b = strtoull(end + 1, &end, 16);
	if (*end != ' ' || b <= a || !end[1] || !end[2])
		return false;
	v->start = a;
	v->end = b;
	v->read = end[1] == 'r';
	v->write = end[2] == 'w';
	return true;
}

int sva_procmem_refresh(struct sva_procmem *pm)
{
	size_t len = 0;
	ssize_t n;

	if (pm->gone)
		return -ESRCH;
	if (lseek(pm->maps_fd, 0, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		if (pm->bufcap - len < 4096) {
			size_t cap = pm->bufcap ? pm->bufcap * 2 : 16384;
			char *b = realloc(pm->buf, cap);

			if (!b)
				return -ENOMEM;
			pm->buf = b;
			pm->bufcap = cap;
		}
		n = read(pm->maps_fd, pm->buf + len, pm->bufcap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	pm->buf[len] = '\0';
	pm->maps_reads++;
	pm->nvmas = 0;
	pm->hint = 0;
	for (char *line = pm->buf; line && *line;) {
		char *next = strchr(line, '\n');
		struct procmem_vma v;

		if (next)
			*next++ = '\0';
		if (parse_line(line, &v)) {
			if (pm->nvmas == pm->vmacap) {
				size_t cap = pm->vmacap ? pm->vmacap * 2 : 64;
				struct procmem_vma *nv = realloc(pm->vmas, cap * sizeof(*nv));

				if (!nv)
					return -ENOMEM;
				pm->vmas = nv;
				pm->vmacap = cap;
			}
			pm->vmas[pm->nvmas++] = v;
		}
		line = next;
	}
	/* a live mm has mappings (its stack at least): none is an mm past exit_mmap */
	if (pm->nvmas == 0) {
		pm->gone = true;
		return -ESRCH;
	}
	return 0;
}

/*
 * The thread group of @pid (a thread id is fine): its /proc entries live as long as the
 * process, while a thread's go with the thread (maps then reads -ESRCH though the mm lives).
 */
static pid_t thread_group(pid_t pid)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;
	const char *t;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	t = strstr(buf, "\nTgid:");
	return t ? (pid_t)strtol(t + 6, NULL, 10) : -1;
}

int sva_procmem_open(pid_t pid, struct sva_procmem **out)
{
	struct sva_procmem *pm;
	long page = sysconf(_SC_PAGESIZE);
	int rc;

	*out = NULL;
	if (pid <= 0 || (pid = thread_group(pid)) <= 0)
		return -ESRCH;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	pm->pid = pid;
	pm->page = page > 0 ? (uint64_t)page : 4096;
	pm->mem_fd = pm->pagemap_fd = pm->maps_fd = -1;
	rc = pm->mem_fd = open_proc(pid, "mem", O_RDWR);
	if (rc >= 0)
		rc = pm->pagemap_fd = open_proc(pid, "pagemap", O_RDONLY);
	if (rc >= 0)
		rc = pm->maps_fd = open_proc(pid, "maps", O_RDONLY);
	if (rc >= 0)
		rc = sva_procmem_refresh(pm);
	if (rc < 0) {
		sva_procmem_close(pm);
		return rc;
	}
	*out = pm;
	return 0;
}

void sva_procmem_close(struct sva_procmem *pm)
{
	if (!pm)
		return;
	if (pm->mem_fd >= 0)
		close(pm->mem_fd);
	if (pm->pagemap_fd >= 0)
		close(pm->pagemap_fd);
	if (pm->maps_fd >= 0)
		close(pm->maps_fd);
	free(pm->vmas);
	free(pm->buf);
	free(pm);
}

unsigned long sva_procmem_maps_reads(const struct sva_procmem *pm)
{
	return pm->maps_reads;
}

static const struct procmem_vma *find_cached(struct sva_procmem *pm, uint64_t va)
{
	size_t lo = 0, hi = pm->nvmas;

	if (pm->hint < pm->nvmas && va >= pm->vmas[pm->hint].start && va < pm->vmas[pm->hint].end)
		return &pm->vmas[pm->hint];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (va < pm->vmas[mid].start)
			hi = mid;
		else if (va >= pm->vmas[mid].end)
			lo = mid + 1;
		else
			return &pm->vmas[pm->hint = mid];
	}
	return NULL;
}

static bool allows(const struct procmem_vma *v, bool write)
{
	return v && (write ? v->write : v->read);
}

/* May the device access @va (@write)? 0, -EFAULT, -ESRCH, -ENOMEM. */
static int check_access(struct sva_procmem *pm, uint64_t va, bool write)
{
	int rc;

	if (pm->gone)
		return -ESRCH;
	if (!pm->no_query) {
		struct procmem_query q = { .size = sizeof(q), .query_addr = va };

		if (ioctl(pm->maps_fd, PROCMEM_QUERY, &q) == 0)
			return q.vma_flags & (write ? PROCMEM_VMA_WRITE : PROCMEM_VMA_READ)
				       ? 0
				       : -EFAULT;
		if (errno == ENOENT)
			return -EFAULT; /* no mapping covers it */
		if (errno != ENOTTY && errno != EINVAL) {
			pm->gone = true; /* ESRCH: the mm has no users left */
			return -ESRCH;
		}
		pm->no_query = true;
	}
	if (pm->stale) {
		pm->stale = false;
		rc = sva_procmem_refresh(pm);
		if (rc)
			return rc;
	}
	if (allows(find_cached(pm, va), write))
		return 0;
	rc = sva_procmem_refresh(pm); /* a new mapping, or one mprotect'ed since */
	if (rc)
		return rc;
	return allows(find_cached(pm, va), write) ? 0 : -EFAULT;
}

bool sva_procmem_exact(const struct sva_procmem *pm)
{
	return !pm->no_query;
}

void sva_procmem_use_maps_cache(struct sva_procmem *pm)
{
	pm->no_query = true;
}

void sva_procmem_invalidate(struct sva_procmem *pm)
{
	pm->stale = true;
}

bool sva_procmem_alive(struct sva_procmem *pm)
{
	uint64_t entry;

	if (!pm->gone && pread(pm->pagemap_fd, &entry, sizeof(entry), 0) == 0)
		pm->gone = true; /* an mm without users reads nothing */
	return !pm->gone;
}

int sva_procmem_present(struct sva_procmem *pm, uint64_t va, bool write)
{
	uint64_t entry;
	ssize_t n;
	int rc = check_access(pm, va, write);

	if (rc)
		return rc;
	n = pread(pm->pagemap_fd, &entry, sizeof(entry), (off_t)((va / pm->page) * sizeof(entry)));
	if (n == 0) {
		pm->gone = true;
		return -ESRCH;
	}
	if (n != sizeof(entry))
		return -EFAULT;
	/* a swapped page is not present: the device would fault on it */
	return (entry & PM_PRESENT) && !(entry & PM_SWAPPED) ? 1 : 0;
}

/* pread/pwrite on /proc/PID/mem: 0 bytes is an mm past exit_mmap, EIO an address it lost. */
static int rw(struct sva_procmem *pm, uint64_t va, void *buf, size_t len, bool write)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write ? pwrite(pm->mem_fd, (char *)buf + done, len - done,
					   (off_t)(va + done))
				  : pread(pm->mem_fd, (char *)buf + done, len - done,
					  (off_t)(va + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			pm->gone = true;
			return -ESRCH;
		}
		if (n < 0)
			return errno == ESRCH ? -ESRCH : -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

int sva_procmem_fault_in(struct sva_procmem *pm, uint64_t va, bool write)
{
	uint8_t byte;
	int rc = check_access(pm, va, write);

	if (rc)
		return rc;
	/*
	 * A read faults the page in (the kernel's GUP); a write fault-in would have to write a
	 * byte back, racing the process's own stores: the COW of a write is left to the write,
	 * which /proc/PID/mem makes itself.
	 */
	return rw(pm, va & ~(pm->page - 1), &byte, 1, false);
}

int sva_procmem_access(struct sva_procmem *pm, uint64_t va, void *buf, size_t len, bool write)
{
	int rc;

	if (len == 0)
		return 0;
	if (va + len < va || (va & ~(pm->page - 1)) != ((va + len - 1) & ~(pm->page - 1)))
		return -EINVAL; /* within one page */
	rc = check_access(pm, va, write);
	if (rc)
		return rc;
	return rw(pm, va, buf, len, write);
}

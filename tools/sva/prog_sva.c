/* SPDX-License-Identifier: MIT */
/*
 * pasid-lifetime: the three phases of seed 003 as a tool program. A process opens a device
 * whose open binds the process's mm (its release unbinds), fills a buffer, and exits without
 * closing; the device keeps reading the buffer by DMA on the PASID. The verdict checks what
 * the kernel promises:
 *   bound      - DMA reads the process's data;
 *   after exit - exit_mmap released the PASID entry: DMA is aborted silently (nothing logged);
 *   unbound    - the release unbinds: DMA on that PASID is reported; the PASID returns to the
 *                allocator only once the mm is dropped.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "prog.h"
#include "sva/proc.h"
#include "sva/swiommu.h"

#define LIFE_PATTERN 0x5356415041534944ull /* "SVAPASID" */
#define LIFE_ROUNDS  400

struct life {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_process *p;
	struct sva_bond *bond;
	uint32_t pasid;
	uint64_t buf;
	struct sva_completion ready;
	int reads_ok, bad_data, aborted, reported, pasid_still_held;
	int status;
	bool failed; /* the process's open, mmap or write failed: the device has nothing to read */
};

static int life_open(struct sva_file *file)
{
	struct life *l = file->private_data;
	struct sva_task *t = sva_task_current(l->k);
	int ret = sva_bind_device(l->dev, sva_task_mm(t), &l->bond);

	if (ret == 0)
		l->pasid = sva_bond_pasid(l->bond);
	return ret;
}

static void life_release(struct sva_file *file)
{
	struct life *l = file->private_data;

	sva_unbind_device(l->bond);
}

static const struct sva_file_operations life_fops = {
	.open = life_open,
	.release = life_release,
};

static int life_process(struct sva_task *t, void *arg)
{
	struct life *l = arg;
	uint64_t v = LIFE_PATTERN;

	if (sva_sys_open(t, "acc0") < 0 ||
	    sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, 0, -1, 0, &l->buf) ||
	    sva_sys_write_mem(t, l->buf, &v, sizeof(v))) {
		l->failed = true; /* sva run --fail-nth: the device is told, and stops */
		sva_complete(&l->ready);
		return 1;
	}
	sva_complete(&l->ready);
	for (int i = 0; i < 8; i++) /* some DMA while alive */
		sva_yield(l->w);
	return 0; /* exit, the device fd still open */
}

static int life_device(void *arg)
{
	struct life *l = arg;

	sva_wait_for_completion(&l->ready);
	for (int i = 0; i < LIFE_ROUNDS && !l->failed; i++) {
		struct sva_dma_status st;
		uint64_t v = 0;

		if (sva_dma_read(l->dev, l->pasid, l->buf, &v, sizeof(v), &st) == 0) {
			l->reads_ok++;
			l->bad_data += v != LIFE_PATTERN;
		} else if (st.reason == SVA_FAULT_PASID_BLOCKED) {
			l->aborted++;
		} else {
			l->reported++;
			break; /* unbound: the device driver stops */
		}
		sva_sched_point(l->w);
	}
	return 0;
}

int sva_prog_life_setup(struct sva_world *w, void *arg)
{
	struct sva_kernel_config kcfg = { .frames = 512 };
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = { .name = "acc0", .pasid_bits = 20, .ats = true };
	struct life *l = arg;
	int ret;

	memset(l, 0, sizeof(*l));
	l->w = w;
	sva_completion_init(w, &l->ready, "buffer_ready");
	ret = sva_kernel_create(w, &kcfg, &l->k);
	if (ret == 0)
		ret = sva_iommu_sys_create(sva_kernel_mm_sys(l->k), &l->isys);
	if (ret == 0)
		ret = sva_swiommu_create(l->isys, &scfg, &l->sw);
	if (ret == 0)
		ret = sva_device_add(sva_swiommu_iommu(l->sw), &dcfg, &l->dev);
	if (ret == 0)
		ret = sva_chrdev_register(l->k, "acc0", &life_fops, l);
	if (ret == 0)
		ret = sva_process_start(l->k, "worker", life_process, l, &l->p);
	if (ret == 0)
		ret = sva_actor_spawn(w, "acc0-engine", life_device, l, 0, NULL);
	return ret; /* on error the world's destroy frees what was made */
}

int sva_prog_life_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct life *l = arg;
	struct sva_swiommu_stats st;

	(void)w;
	if (run)
		return run;
	sva_process_wait(l->p, &l->status);
	sva_kernel_quiesce(l->k);
	sva_swiommu_get_stats(l->sw, &st);
	l->pasid_still_held = sva_pasid_is_allocated(sva_iommu_sys_pasids(l->isys), l->pasid);
	if (l->status) {
		snprintf(msg, len,
			 "the process failed (exit status %d): its open, mmap or write "
			 "returned an error",
			 l->status);
		return -EIO;
	}
	if (l->bad_data) {
		snprintf(msg, len, "DMA read wrong data (%d bad)", l->bad_data);
		return -EIO;
	}
	if (st.faults_reported[SVA_FAULT_PASID_BLOCKED]) {
		snprintf(msg, len, "a fault on the released PASID was reported (must be silent)");
		return -EIO;
	}
	if (l->pasid_still_held) {
		snprintf(msg, len, "PASID %u still allocated after the mm was dropped", l->pasid);
		return -EBUSY;
	}
	return 0;
}

void sva_prog_life_teardown(struct sva_world *w, void *arg)
{
	struct life *l = arg;

	(void)w;
	sva_device_remove(l->dev);
	sva_swiommu_destroy(l->sw);
	sva_iommu_sys_destroy(l->isys);
	sva_kernel_destroy(l->k);
	sva_completion_destroy(&l->ready);
}

int sva_prog_life_outcome(void *arg, int *invariant)
{
	struct life *l = arg;

	*invariant = 0;
	return l->status && !l->bad_data ? SVA_EXIT_FAILED : SVA_EXIT_VIOLATION;
}

void sva_prog_life_summarize(void *arg, FILE *out)
{
	struct life *l = arg;

	fprintf(out, "  %-28s %u\n", "PASID", l->pasid);
	fprintf(out, "  %-28s %d\n", "DMA reads while bound", l->reads_ok);
	fprintf(out, "  %-28s %d\n", "DMA aborted silently", l->aborted);
	fprintf(out, "  %-28s %d\n", "DMA faults reported", l->reported);
	fprintf(out, "  %-28s %s\n", "PASID freed at the end", l->pasid_still_held ? "no" : "yes");
}

size_t sva_prog_life_size(void)
{
	return sizeof(struct life);
}

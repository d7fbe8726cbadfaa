/* SPDX-License-Identifier: MIT */
/*
 * User queue code for Intel DSA, running as a task of libsva's model: the shape a DSA user
 * writes against the kernel's idxd driver - open /dev/dsa/wq0.0, mmap the portal, build a
 * struct dsa_hw_desc (<linux/idxd.h>) memmove, submit it with MOVDIR64B (a dedicated WQ) or
 * ENQCMD (a shared one, retried while the device answers retry), poll the completion record,
 * check the bytes. The device is configured first with accel-config's JSON, as
 * `accel-config load-config -c dsa.conf -e` would.
 *
 * Where the model stands for the hardware: sva_sys_*() are the system calls, sva_accel_*() the
 * two instructions, sva_sys_read_mem() / sva_sys_write_mem() the task's own loads and stores.
 * Build: part of the libsva build (examples/dsa_user_queue); the suite runs it (CTest
 * example_dsa_user_queue), and it exits non-zero unless every byte arrived.
 */
#include <stdio.h>
#include <string.h>

#include <linux/idxd.h>

#include "sva/idxd.h"
#include "sva/swiommu.h"

#define LEN 4096u

/* accel-config's JSON: one group of two engines; a dedicated and a shared WQ of user type */
static const char dsa_conf[] =
	"[{\"dev\":\"dsa0\",\"pasid_enabled\":1,"
	"  \"groups\":[{\"dev\":\"group0.0\"}],"
	"  \"engines\":[{\"dev\":\"engine0.0\",\"group_id\":0},"
	"               {\"dev\":\"engine0.1\",\"group_id\":0}],"
	"  \"wqs\":[{\"dev\":\"wq0.0\",\"mode\":\"dedicated\",\"size\":16,\"group_id\":0,"
	"            \"priority\":10,\"type\":\"user\",\"name\":\"app\"},"
	"           {\"dev\":\"wq0.1\",\"mode\":\"shared\",\"size\":16,\"threshold\":15,"
	"            \"group_id\":0,\"priority\":10,\"type\":\"user\",\"name\":\"app\"}]}]";

struct job {
	const char *path;
	int shared;
	int status; /* the completion record's, or a negative errno */
	int same;   /* the bytes arrived */
};

/* The user's code: what a DSA program does, a system call or an instruction at a time. */
static int user_queue(struct sva_task *t, void *arg)
{
	struct job *j = arg;
	struct dsa_hw_desc desc;
	struct dsa_completion_record comp;
	uint8_t src[LEN], dst[LEN];
	uint64_t portal, buf, rec;
	int fd, ret, tries = 0;

	j->status = -1;
	fd = sva_sys_open(t, j->path); /* binds this process's mm: it gets a PASID */
	if (fd < 0) {
		j->status = fd;
		return 1;
	}
	if (sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_SHARED, fd, 0,
			 &portal))
		return 1;
	/* the buffers: src then dst in one mapping, and a 32-byte aligned completion record */
	if (sva_sys_mmap(t, 0, 2 * LEN, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE, -1, 0,
			 &buf) ||
	    sva_sys_mmap(t, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE, -1,
			 0, &rec))
		return 1;
	for (unsigned i = 0; i < LEN; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	if (sva_sys_write_mem(t, buf, src, LEN))
		return 1;

	memset(&desc, 0, sizeof(desc));
	desc.opcode = DSA_OPCODE_MEMMOVE;
	desc.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_CC;
	desc.src_addr = buf;
	desc.dst_addr = buf + LEN;
	desc.xfer_size = LEN;
	desc.completion_addr = rec;

	if (j->shared) {
		/* ENQCMD: the thread's PASID goes in the descriptor; ZF=1 (here -EAGAIN): retry */
		while ((ret = sva_accel_enqcmd(t, portal, &desc)) == -EAGAIN && tries++ < 1000)
			sva_yield(sva_kernel_world(sva_task_kernel(t)));
	} else {
		/* MOVDIR64B: a posted write; the WQ's PASID was programmed at open */
		ret = sva_accel_movdir64b(t, portal, &desc);
	}
	if (ret) {
		j->status = ret;
		return 1;
	}

	/* poll the record, as the CPU does (umwait in real code) */
	for (comp.status = 0; comp.status == 0;) {
		if (sva_sys_read_mem(t, rec, &comp, sizeof(comp)))
			return 1;
		if (comp.status == 0)
			sva_yield(sva_kernel_world(sva_task_kernel(t)));
	}
	j->status = comp.status;
	if (sva_sys_read_mem(t, buf + LEN, dst, LEN))
		return 1;
	j->same = memcmp(src, dst, LEN) == 0;
	sva_sys_munmap(t, portal, SVA_PAGE_SIZE);
	sva_sys_close(t, fd); /* the release drains this PASID's descriptors, then unbinds */
	return 0;
}

#define CHECK(expr)                                                             \
	do {                                                                    \
		int ret_ = (expr);                                              \
		if (ret_) {                                                     \
			fprintf(stderr, "%s: %s\n", #expr, sva_strerror(ret_)); \
			return 1;                                               \
		}                                                               \
	} while (0)

int main(void)
{
	struct sva_swiommu_config sc = { .name = "swiommu0" };
	struct sva_device_config dc = { .name = "0000:6a:01.0", .pasid_bits = 20 };
	struct job jobs[2] = { { .path = "/dev/dsa/wq0.0" },
			       { .path = "/dev/dsa/wq0.1", .shared = 1 } };
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_idxd *x;
	int failed = 0;

	CHECK(sva_world_create(NULL, &w));
	CHECK(sva_kernel_create(w, NULL, &k));
	CHECK(sva_iommu_sys_create(sva_kernel_mm_sys(k), &isys));
	CHECK(sva_swiommu_create(isys, &sc, &sw));
	CHECK(sva_device_add(sva_swiommu_iommu(sw), &dc, &dev));
	CHECK(sva_idxd_create(k, dev, "dsa0", &x));
	CHECK(sva_idxd_load_config(x, dsa_conf));
	CHECK(sva_idxd_enable(x));

	for (int i = 0; i < 2; i++) {
		struct sva_process *p;
		int status = -1;

		CHECK(sva_process_start(k, "dsa_user", user_queue, &jobs[i], &p));
		CHECK(sva_process_wait(p, &status));
		printf("%s (%s, %s): status %#x, %u bytes %s\n", jobs[i].path,
		       jobs[i].shared ? "shared" : "dedicated",
		       jobs[i].shared ? "ENQCMD" : "MOVDIR64B", (unsigned)jobs[i].status, LEN,
		       jobs[i].same ? "copied" : "WRONG");
		failed |= status != 0 || jobs[i].status != DSA_COMP_SUCCESS || !jobs[i].same;
	}

	sva_idxd_destroy(x);
	sva_device_remove(dev);
	sva_swiommu_destroy(sw);
	sva_iommu_sys_destroy(isys);
	sva_kernel_destroy(k);
	sva_world_destroy(w);
	printf("dsa_user_queue: %s\n", failed ? "FAILED" : "ok");
	return failed;
}

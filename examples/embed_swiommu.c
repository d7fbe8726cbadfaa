/* SPDX-License-Identifier: MIT */
/*
 * A device model on the software IOMMU: the kernel objects it needs, a process bound to the
 * device, DMA through the helpers (a page never touched made present by a PRI page request),
 * a hand-made in-flight section, ATS with the device's ATC, the counters and the fault log,
 * and the teardown in the kernel's order. The same code is in docs/embedding.md.
 *
 * Build: part of the libsva build (examples/embed_swiommu); run it without arguments.
 */
#include <stdio.h>
#include <string.h>

#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"

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
	struct sva_world *w;
	struct sva_mm_sys *mm_sys;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_mm *mm;
	struct sva_bond *bond;
	struct sva_swiommu_config cfg = { .name = "swiommu0" }; /* 64 x 4 IOTLB, 20-bit PASIDs */
	struct sva_device_config dc = {
		.name = "accel0", .pasid_bits = 20, .ats = true, .pri = true
	};
	struct sva_dma_status st;
	struct sva_translation t;
	struct sva_ats_completion c;
	struct sva_swiommu_stats s;
	struct sva_fault_record rec;
	char msg[32] = "hello, device", out[32];
	uint64_t src, dst;
	uint32_t pasid;

	/* 1. The kernel: a world (native threads), memory and mms, the IOMMU core, the driver. */
	CHECK(sva_world_create(NULL, &w));
	CHECK(sva_mm_sys_create(w, NULL, &mm_sys));
	CHECK(sva_iommu_sys_create(mm_sys, &isys));
	CHECK(sva_swiommu_create(isys, &cfg, &sw));
	CHECK(sva_device_add(sva_swiommu_iommu(sw), &dc, &dev));

	/* 2. A process: an address space with a source buffer and a destination not yet touched. */
	CHECK(sva_mm_create(mm_sys, "app", &mm));
	CHECK(sva_mm_mmap(mm, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, SVA_MAP_POPULATE,
			  NULL, 0, &src));
	CHECK(sva_mm_mmap(mm, 0, SVA_PAGE_SIZE, SVA_PROT_READ | SVA_PROT_WRITE, 0, NULL, 0, &dst));
	CHECK(sva_mm_access(mm, src, msg, sizeof(msg), true));

	/* 3. Bind: the device now uses the process's addresses, tagged with the mm's PASID. */
	CHECK(sva_bind_device(dev, mm, &bond));
	pasid = sva_bond_pasid(bond);

	/* 4. DMA with the helpers: page by page, each page inside an in-flight section. dst was
	 *    never touched: its translation faults, and the device, PRI-capable, sends a page
	 *    request, waits for the response (SUCCESS: the kernel made the page present) and
	 *    translates again. Without PRI the helper would stop with -EFAULT at the fault; the
	 *    model would then call sva_mm_fault() itself, outside any section, and retry. */
	CHECK(sva_dma_read(dev, pasid, src, out, sizeof(out), &st));
	printf("read %zu bytes: \"%s\"\n", st.done, out);
	CHECK(sva_dma_write(dev, pasid, dst, out, sizeof(out), &st));
	printf("wrote %zu bytes to a new page after %u page request(s): %s\n", st.done,
	       st.pri_requests, st.response == SVA_PAGE_RESP_SUCCESS ? "SUCCESS" : "refused");

	/* 5. A hand-made access: the frame is valid only until sva_dma_end(). */
	sva_dma_begin(dev);
	if (sva_translate(dev, pasid, dst, SVA_ACCESS_READ, &t) == 0)
		printf("dst -> pfn %#llx (%s)\n", (unsigned long long)t.pfn,
		       t.iotlb_hit ? "IOTLB hit" : "walked");
	sva_dma_end(dev);

	/* 6. ATS: ask once, then use the device's own ATC until the IOMMU invalidates it. */
	CHECK(sva_ats_translate(dev, pasid, src, &c));
	printf("ATS: pfn %#llx r=%d w=%d; ATC %s\n", (unsigned long long)c.pfn, c.r, c.w,
	       sva_atc_lookup(dev, pasid, src, &c) ? "hit" : "miss");
	CHECK(sva_mm_munmap(mm, src, SVA_PAGE_SIZE)); /* invalidates IOTLB and ATC */
	printf("after munmap: ATC %s\n", sva_atc_lookup(dev, pasid, src, &c) ? "hit" : "miss");

	/* 7. Counters and the fault log. */
	sva_swiommu_get_stats(sw, &s);
	printf("IOTLB %llu hits / %llu misses, %llu walks, %llu faults not present\n",
	       (unsigned long long)s.iotlb_hits, (unsigned long long)s.iotlb_misses,
	       (unsigned long long)s.walks,
	       (unsigned long long)s.faults_reported[SVA_FAULT_NOT_PRESENT]);
	printf("PRI: %llu page requests, %llu answered SUCCESS\n",
	       (unsigned long long)s.prq_requests,
	       (unsigned long long)s.prq_responses[SVA_PAGE_RESP_SUCCESS]);
	for (size_t i = 0; sva_swiommu_fault_get(sw, i, &rec) == 0; i++)
		printf("fault: %s PASID %u addr %#llx: %s\n", rec.device, rec.pasid,
		       (unsigned long long)rec.addr, sva_fault_reason_name(rec.reason));

	/* 8. Teardown: unbind, the process's mm goes, deferred frees, then the kernel objects. */
	sva_unbind_device(bond);
	sva_mmput(mm);
	sva_mm_sys_synchronize(mm_sys);
	sva_device_remove(dev);
	sva_swiommu_destroy(sw);
	sva_iommu_sys_destroy(isys);
	sva_mm_sys_destroy(mm_sys);
	if (sva_report_total(w)) {
		fprintf(stderr, "report: %s\n", sva_report_first(w));
		return 1;
	}
	sva_world_destroy(w);
	return strcmp(out, msg) != 0;
}

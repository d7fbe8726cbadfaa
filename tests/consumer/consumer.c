/* SPDX-License-Identifier: MIT */
/*
 * A program outside the libsva tree, built against an installed libsva (tests/test_install.sh,
 * through pkg-config and through the CMake package, static and shared): a guest with its own
 * first-stage table, one translation, the trace written as JSON (jansson, the static
 * library's dependency), the version the headers say against the library's. Exit 0 when all
 * holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sva/swiommu.h>

#define GUEST (64u << 12)

static void *host_ptr(void *ctx, uint64_t gpa, size_t len)
{
	return gpa < GUEST && len <= GUEST - gpa ? (unsigned char *)ctx + gpa : NULL;
}

int main(void)
{
	unsigned char *guest = calloc(1, GUEST);
	struct sva_swiommu_mem mem = { .host_ptr = host_ptr, .ctx = guest };
	struct sva_swiommu_config ic = { .name = "consumer-iommu", .mem = &mem };
	struct sva_swiommu_device_config dc = { .name = "consumer-dev", .pasid_bits = 8 };
	struct sva_embed_config cfg = { .iommu = &ic, .devices = &dc, .ndevices = 1 };
	uint64_t va = 0x5000, pa = 0x30000, t = 0x1000, next = 0x2000;
	struct sva_embed *e;
	struct sva_tlb_entry te;
	FILE *null;
	int ok = 1;

	if (!guest)
		return 1;
#define entry(gpa) ((uint64_t *)(void *)(guest + (gpa)))

	for (unsigned shift = 39; shift > 12; shift -= 9) { /* PML4, PDPT, PD: one table each */
		*entry(t + ((va >> shift) & 511) * 8) =
			next | SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER;
		t = next;
		next += 0x1000;
	}
	*entry(t + ((va >> 12) & 511) * 8) = pa | SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER;

	if (sva_version() != SVA_VERSION_NUM || strcmp(sva_version_string(), SVA_VERSION_STRING)) {
		fprintf(stderr, "consumer: headers %s, library %s\n", SVA_VERSION_STRING,
			sva_version_string());
		return 1;
	}
	if (sva_embed_create(&cfg, &e) ||
	    sva_swiommu_set_pasid_table(sva_embed_device(e, 0), 1, 0x1000) ||
	    sva_translate_entry(sva_embed_device(e, 0), 1, va + 8, SVA_ACCESS_WRITE, &te, NULL)) {
		fprintf(stderr, "consumer: setup or translation failed\n");
		return 1;
	}
	ok = te.translated_addr == pa && te.iova == va && (te.perm & SVA_ACCESS_WRITE);
	null = fopen("/dev/null", "w");
	if (!null || sva_trace_write_chrome_json(sva_embed_world(e), null))
		ok = 0;
	if (null)
		fclose(null);
	if (sva_embed_destroy(e))
		ok = 0;
	free(guest);
	printf("consumer: libsva %s, 0x%llx -> 0x%llx: %s\n", sva_version_string(),
	       (unsigned long long)va, (unsigned long long)te.translated_addr, ok ? "ok" : "WRONG");
	return ok ? 0 : 1;
}

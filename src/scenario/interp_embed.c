/* SPDX-License-Identifier: MIT */
/*
 * What the embedder's calls do (docs/scenario-language.md, "The embedder"): the guest OS's
 * (gmap, gunmap, gprotect, gfill, gverify on the guest's tables, guest.c), its IOMMU driver's
 * (set_pasid_table, clear_pasid_table, invalidate, page_response) and its device's (dma_read,
 * dma_write through the swiommu's DMA helpers - the same translations, sections, page requests
 * and trace events as every device's -, ats, atc), made by any task of the scenario: the
 * device model's actors are its processes. A call returns its value (>= 0: an address for ats,
 * atc and page_response) or a negative errno; interp.c judges it.
 *
 * The guest's calls touch memory the device walks lock-free: each is a scheduling point of its
 * own, dependent on every other step (sva_sched_shared), so the explorer interleaves the
 * guest's table changes with the device's walks and DMA.
 */
#include <errno.h>
#include <string.h>

#include "interp.h"

/* The embedder device of argument 0 (its index in the scenario and the libsva device). */
static struct sva_device *sva_scn_edev(struct sva_scn_exec *x, int *index)
{
	*index = sva_scn_arg(x, 0)->index;
	return x->c->r->edevs[*index];
}

/* A guest table's step: a scheduling point, then a step that depends on every other. */
static void sva_scn_guest_step(struct sva_scn_exec *x)
{
	sva_sched_point(x->w);
	sva_sched_shared(x->w);
}

/* gmap / gunmap / gprotect */
static long sva_scn_gtable(struct sva_scn_exec *x)
{
	struct sva_scenario_run *r = x->c->r;
	int table = sva_scn_arg(x, 0)->index;
	uint64_t va = sva_scn_arg(x, 1)->num, len = sva_scn_arg(x, 2)->num;
	const struct sva_scn_arg *prot = sva_scn_arg(x, 3);

	sva_scn_guest_step(x);
	if (x->st->op == SVA_SCN_GMAP)
		return sva_scn_guest_map(r, table, va, len,
					 sva_scn_guest_prot(prot->present ? prot->word : NULL));
	if (x->st->op == SVA_SCN_GUNMAP)
		return sva_scn_guest_change(r, table, va, len, 0);
	return sva_scn_guest_change(r, table, va, len, sva_scn_guest_prot(prot->word));
}

/* gfill / gverify: the guest CPU, a page at a time; gverify -EIO when a byte differs. */
static long sva_scn_gcpu(struct sva_scn_exec *x)
{
	bool fill = x->st->op == SVA_SCN_GFILL;
	uint8_t byte = (uint8_t)sva_scn_num_or(x, 3, 0), buf[SVA_PAGE_SIZE] = { 0 };
	uint8_t want[SVA_PAGE_SIZE];
	uint64_t va = sva_scn_arg(x, 1)->num, len = sva_scn_arg(x, 2)->num;

	memset(want, byte, sizeof(want));
	for (uint64_t done = 0; done < len;) {
		uint64_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		long ret;

		sva_scn_guest_step(x);
		ret = sva_scn_guest_cpu(x->c->r, sva_scn_arg(x, 0)->index, va + done,
					fill ? want : buf, n, fill);
		if (ret)
			return ret;
		if (!fill && memcmp(buf, want, n))
			return -EIO;
		done += n;
	}
	return 0;
}

static long sva_scn_set_table(struct sva_scn_exec *x)
{
	int dev;
	struct sva_device *d = sva_scn_edev(x, &dev);
	uint32_t pasid = (uint32_t)sva_scn_arg(x, 1)->num;
	int table = sva_scn_arg(x, 2)->index;
	long ret = sva_swiommu_set_pasid_table(d, pasid, x->c->r->guest.roots[table]);

	if (ret == 0)
		sva_scn_guest_set(x->c->r, dev, pasid, table);
	return ret;
}

static long sva_scn_clear_table(struct sva_scn_exec *x)
{
	int dev;
	struct sva_device *d = sva_scn_edev(x, &dev);
	uint32_t pasid = (uint32_t)sva_scn_arg(x, 1)->num;
	long ret = sva_swiommu_clear_pasid_table(d, pasid);

	if (ret == 0)
		sva_scn_guest_set(x->c->r, dev, pasid, -1);
	return ret;
}

static long sva_scn_invalidate(struct sva_scn_exec *x)
{
	int dev;
	struct sva_device *d = sva_scn_edev(x, &dev);

	return sva_swiommu_invalidate(d, (uint32_t)sva_scn_arg(x, 1)->num, sva_scn_num_or(x, 2, 0),
				      sva_scn_num_or(x, 3, 0));
}

/*
 * dma_read / dma_write: the device's DMA through the swiommu (sva_dma_copy: translated page by
 * page inside DMA sections, PRI on a pri device), a page of it at a time; dma_read with a byte
 * is -EIO when a byte read differs.
 */
static long sva_scn_dma(struct sva_scn_exec *x)
{
	bool write = x->st->op == SVA_SCN_DMA_WRITE, check = sva_scn_arg(x, 4)->present;
	uint8_t byte = (uint8_t)sva_scn_num_or(x, 4, 0), buf[SVA_PAGE_SIZE], want[SVA_PAGE_SIZE];
	uint32_t pasid = (uint32_t)sva_scn_arg(x, 1)->num;
	uint64_t va = sva_scn_arg(x, 2)->num, len = sva_scn_arg(x, 3)->num;
	int dev;
	struct sva_device *d = sva_scn_edev(x, &dev);

	memset(want, byte, sizeof(want));
	for (uint64_t done = 0; done < len;) {
		uint64_t a = va + done;
		size_t n = SVA_PAGE_SIZE - (a & ~SVA_PAGE_MASK);
		struct sva_dma_status st;
		int ret;

		n = len - done < n ? (size_t)(len - done) : n;
		memcpy(buf, want, n);
		ret = sva_dma_copy(d, pasid, a, buf, n, write ? SVA_DMA_WRITE : 0, &st);
		if (ret)
			return ret;
		if (!write && check && memcmp(buf, want, n))
			return -EIO;
		done += n;
	}
	return 0;
}

/* ats: a translation request (cached in the ATC): the guest-physical address, -EACCES refused. */
static long sva_scn_ats(struct sva_scn_exec *x)
{
	uint64_t va = sva_scn_arg(x, 2)->num;
	bool write = sva_scn_num_or(x, 3, 0) != 0;
	struct sva_ats_completion c;
	int dev;
	int ret =
		sva_ats_translate(sva_scn_edev(x, &dev), (uint32_t)sva_scn_arg(x, 1)->num, va, &c);

	if (ret)
		return ret;
	if (!c.r || (write && !c.w))
		return -EACCES;
	return (long)((c.pfn << SVA_PAGE_SHIFT) | (va & ~SVA_PAGE_MASK));
}

/* atc: the device's ATC only - the address it holds for @va, -ENOENT on a miss. */
static long sva_scn_atc(struct sva_scn_exec *x)
{
	uint64_t va = sva_scn_arg(x, 2)->num;
	struct sva_ats_completion c;
	int dev;

	if (!sva_atc_lookup(sva_scn_edev(x, &dev), (uint32_t)sva_scn_arg(x, 1)->num, va, &c))
		return -ENOENT;
	return (long)((c.pfn << SVA_PAGE_SHIFT) | (va & ~SVA_PAGE_MASK));
}

/*
 * page_response(DEVICE, code): the guest OS answers the oldest page request queued for the
 * device (waiting for one); its first fault's address. -ENOENT when none is queued and the
 * device has no PASID pointed at a table (no request can come), -ETIMEDOUT when none came.
 */
static long sva_scn_page_response(struct sva_scn_exec *x)
{
	const char *word = sva_scn_arg(x, 1)->word;
	enum sva_page_response_code code = strcmp(word, "SUCCESS") == 0	  ? SVA_PAGE_RESP_SUCCESS
					   : strcmp(word, "INVALID") == 0 ? SVA_PAGE_RESP_INVALID
									  : SVA_PAGE_RESP_FAILURE;
	int dev = sva_scn_arg(x, 0)->index;
	unsigned tries = 0;

	for (;;) {
		bool live;
		struct sva_iopf_group *g = sva_scn_guest_take(x->c->r, dev, &live);
		uint64_t addr;

		if (g) {
			addr = g->nfaults ? g->faults[0].addr : g->last.addr;
			sva_swiommu_page_response(g, code);
			return (long)(addr & SVA_PAGE_MASK);
		}
		if (!live)
			return -ENOENT;
		if (!sva_scn_backoff(x, &tries))
			return -ETIMEDOUT;
	}
}

long sva_scn_embed_call(struct sva_scn_exec *x)
{
	switch (x->st->op) {
	case SVA_SCN_GMAP:
	case SVA_SCN_GUNMAP:
	case SVA_SCN_GPROTECT:
		return sva_scn_gtable(x);
	case SVA_SCN_GFILL:
	case SVA_SCN_GVERIFY:
		return sva_scn_gcpu(x);
	case SVA_SCN_SET_PASID_TABLE:
		return sva_scn_set_table(x);
	case SVA_SCN_CLEAR_PASID_TABLE:
		return sva_scn_clear_table(x);
	case SVA_SCN_INVALIDATE:
		return sva_scn_invalidate(x);
	case SVA_SCN_DMA_READ:
	case SVA_SCN_DMA_WRITE:
		return sva_scn_dma(x);
	case SVA_SCN_ATS:
		return sva_scn_ats(x);
	case SVA_SCN_ATC:
		return sva_scn_atc(x);
	case SVA_SCN_PAGE_RESPONSE:
		return sva_scn_page_response(x);
	default:
		return -EINVAL;
	}
}

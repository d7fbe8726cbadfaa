/* SPDX-License-Identifier: MIT */
/*
 * The embedder a scenario plays (docs/scenario-language.md, "The embedder"): the guest memory
 * of a run - SVA_SCN_GUEST_PAGES pages of plain memory owned by the run, the swiommu's backend
 * (cfg.mem: host pointers, read / write, and the page-request callback that queues a group for
 * the scenario's page_response) - the guest OS's first-stage tables in it (x86-64 4-level, 4
 * KiB pages, built and changed here, as examples/embed_device_model.c does), and the embedder
 * devices behind the swiommu (sva_swiommu_device_add), their PASIDs pointed at those tables.
 *
 * Locks: the allocator of guest pages, the PASIDs set and the queued page requests are under
 * the run's lock (a pthread mutex, no scheduling point inside), never held across a libsva
 * call. Table entries are 64-bit atomics (sva_pte_read / sva_pte_write), as the walker reads
 * them through the host pointer; data pages are plain bytes, as a guest's RAM is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

#define SVA_SCN_TBL_FLAGS  (SVA_PTE_PRESENT | SVA_PTE_WRITE | SVA_PTE_USER)
#define SVA_SCN_GUEST_SIZE ((uint64_t)SVA_SCN_GUEST_PAGES * SVA_PAGE_SIZE)

/* ---- the backend (cfg.mem) ---- */

static void *sva_scn_guest_host_ptr(void *ctx, uint64_t gpa, size_t len)
{
	struct sva_scenario_run *r = ctx;

	if (gpa >= SVA_SCN_GUEST_SIZE || len > SVA_SCN_GUEST_SIZE - gpa)
		return NULL;
	return (char *)r->guest.mem + gpa;
}

static int sva_scn_guest_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	void *p = sva_scn_guest_host_ptr(ctx, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int sva_scn_guest_write(void *ctx, uint64_t gpa, const void *buf, size_t len)
{
	void *p = sva_scn_guest_host_ptr(ctx, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

/* The IOMMU hands over a page-request group: queued for page_response (never blocks). */
static int sva_scn_guest_page_request(void *ctx, struct sva_device *dev,
				      struct sva_iopf_group *group)
{
	struct sva_scenario_run *r = ctx;
	struct sva_scn_guest *g = &r->guest;
	bool queued = false;

	pthread_mutex_lock(&r->lock);
	if (g->ngroups < SVA_SCN_MAX_GROUPS) {
		g->groups[g->ngroups++] = (struct sva_scn_group){ .dev = dev, .group = group };
		queued = true;
	}
	pthread_mutex_unlock(&r->lock);
	if (!queued) /* more than the guest OS keeps: refused, as a full queue would */
		sva_swiommu_page_response(group, SVA_PAGE_RESP_INVALID);
	return 0;
}

int sva_scn_guest_create(struct sva_scenario_run *r)
{
	struct sva_scn_guest *g = &r->guest;

	if (!r->s->nembedders && !r->s->ntables)
		return 0; /* no embedder in the scenario: no guest memory */
	g->mem = calloc(SVA_SCN_GUEST_PAGES * SVA_PAGE_SIZE / sizeof(sva_pte_t), sizeof(sva_pte_t));
	g->roots = calloc(r->s->ntables + 1, sizeof(*g->roots));
	if (!g->mem || !g->roots)
		return -ENOMEM;
	g->ops = (struct sva_swiommu_mem){ .read = sva_scn_guest_read,
					   .write = sva_scn_guest_write,
					   .host_ptr = sva_scn_guest_host_ptr,
					   .page_request = sva_scn_guest_page_request,
					   .ctx = r };
	return 0;
}

void sva_scn_guest_free(struct sva_scenario_run *r)
{
	free(r->guest.mem);
	free(r->guest.roots);
}

/* ---- guest pages and tables ---- */

/* A zeroed guest page's address, 0 when the guest memory is full (the caller's lock held). */
static uint64_t sva_scn_guest_page_locked(struct sva_scn_guest *g)
{
	uint64_t gpa = 0;

	if (g->nfree) /* the last page freed first: a guest OS reuses what it just unmapped */
		gpa = g->free[--g->nfree];
	else if (g->next < SVA_SCN_GUEST_PAGES)
		gpa = (uint64_t)g->next++ * SVA_PAGE_SIZE;
	if (gpa)
		memset((char *)g->mem + gpa, 0, SVA_PAGE_SIZE);
	return gpa;
}

static sva_pte_t *sva_scn_guest_entry(struct sva_scn_guest *g, uint64_t gpa)
{
	return &g->mem[gpa / sizeof(sva_pte_t)];
}

/*
 * The leaf entry of @va in the table rooted at @root: NULL when a level is absent, or (@alloc)
 * tables made on the way - NULL then only when the guest memory is full. Run's lock held.
 */
static sva_pte_t *sva_scn_guest_leaf_locked(struct sva_scn_guest *g, uint64_t root, uint64_t va,
					    bool alloc)
{
	uint64_t t = root;

	for (unsigned shift = 39; shift > SVA_PAGE_SHIFT; shift -= 9) {
		sva_pte_t *e = sva_scn_guest_entry(g, t + ((va >> shift) & 511) * 8);
		uint64_t v = sva_pte_read(e);

		if (!(v & SVA_PTE_PRESENT)) {
			uint64_t page = alloc ? sva_scn_guest_page_locked(g) : 0;

			if (!page)
				return NULL;
			v = page | SVA_SCN_TBL_FLAGS;
			sva_pte_write(e, v);
		}
		t = v & SVA_PTE_PFN_MASK;
	}
	return sva_scn_guest_entry(g, t + ((va >> SVA_PAGE_SHIFT) & 511) * 8);
}

/* The leaf flags of a protection: rw, read, or none (present, no user access: PROT_NONE). */
uint64_t sva_scn_guest_prot(const char *prot)
{
	if (!prot || strcmp(prot, "rw") == 0)
		return SVA_PTE_PRESENT | SVA_PTE_USER | SVA_PTE_WRITE;
	if (strcmp(prot, "read") == 0)
		return SVA_PTE_PRESENT | SVA_PTE_USER;
	return SVA_PTE_PRESENT;
}

/*
 * The embedder's announcement of a change of @table over [va, va + len) (before it changes,
 * so that the checker knows the old translation may still be used until invalidated): to every
 * (device, PASID) pointed at the table.
 */
static void sva_scn_guest_announce(struct sva_scenario_run *r, int table, uint64_t va, uint64_t len)
{
	struct sva_scn_pasid set[SVA_SCN_MAX_SET];
	unsigned n = 0;

	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < r->guest.nset; i++)
		if (r->guest.set[i].table == table)
			set[n++] = r->guest.set[i];
	pthread_mutex_unlock(&r->lock);
	for (unsigned i = 0; i < n; i++)
		sva_swiommu_table_changed(r->edevs[set[i].dev], set[i].pasid, va, len);
}

long sva_scn_guest_map(struct sva_scenario_run *r, int table, uint64_t va, uint64_t len,
		       uint64_t flags)
{
	struct sva_scn_guest *g = &r->guest;
	long ret = 0;

	pthread_mutex_lock(&r->lock);
	for (uint64_t a = va; a < va + len && !ret; a += SVA_PAGE_SIZE) {
		sva_pte_t *e = sva_scn_guest_leaf_locked(g, g->roots[table], a, false);

		if (e && (sva_pte_read(e) & SVA_PTE_PRESENT))
			ret = -EEXIST; /* mapped already: nothing is mapped */
	}
	for (uint64_t a = va; a < va + len && !ret; a += SVA_PAGE_SIZE) {
		sva_pte_t *e = sva_scn_guest_leaf_locked(g, g->roots[table], a, true);
		uint64_t page = e ? sva_scn_guest_page_locked(g) : 0;

		if (!page)
			ret = -ENOMEM; /* the pages mapped so far stay */
		else
			sva_pte_write(e, page | flags);
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/*
 * gunmap (@flags 0: the entries cleared, the pages freed at once - reused by the next gmap,
 * so a device still using them after the invalidation reaches someone else's data) or
 * gprotect (@flags: the new leaf flags). Absent pages are skipped. Announced first.
 */
long sva_scn_guest_change(struct sva_scenario_run *r, int table, uint64_t va, uint64_t len,
			  uint64_t flags)
{
	struct sva_scn_guest *g = &r->guest;

	sva_scn_guest_announce(r, table, va, len);
	pthread_mutex_lock(&r->lock);
	for (uint64_t a = va; a < va + len; a += SVA_PAGE_SIZE) {
		sva_pte_t *e = sva_scn_guest_leaf_locked(g, g->roots[table], a, false);
		uint64_t v = e ? sva_pte_read(e) : 0;

		if (!(v & SVA_PTE_PRESENT))
			continue;
		if (flags) {
			sva_pte_write(e, (v & SVA_PTE_PFN_MASK) | flags);
			continue;
		}
		sva_pte_write(e, 0);
		if (g->nfree < SVA_SCN_GUEST_PAGES)
			g->free[g->nfree++] = v & SVA_PTE_PFN_MASK;
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/*
 * The guest CPU on [va, va + len) through @table: @buf written there (@write) or read from
 * there. -EFAULT at a page not mapped (or, for a write, read-only).
 */
long sva_scn_guest_cpu(struct sva_scenario_run *r, int table, uint64_t va, void *buf, uint64_t len,
		       bool write)
{
	struct sva_scn_guest *g = &r->guest;
	char *bytes = buf;
	long ret = 0;

	pthread_mutex_lock(&r->lock);
	for (uint64_t done = 0; done < len && !ret;) {
		uint64_t a = va + done, off = a & ~SVA_PAGE_MASK;
		uint64_t n = SVA_PAGE_SIZE - off < len - done ? SVA_PAGE_SIZE - off : len - done;
		sva_pte_t *e = sva_scn_guest_leaf_locked(g, g->roots[table], a, false);
		uint64_t v = e ? sva_pte_read(e) : 0;
		char *p = (char *)g->mem + (v & SVA_PTE_PFN_MASK) + off;

		if (!(v & SVA_PTE_PRESENT) || (write && !(v & SVA_PTE_WRITE))) {
			ret = -EFAULT;
		} else {
			if (write)
				memcpy(p, bytes + done, n);
			else
				memcpy(bytes + done, p, n);
			done += n;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}

/* ---- PASIDs pointed at tables, page requests queued ---- */

void sva_scn_guest_set(struct sva_scenario_run *r, int dev, uint32_t pasid, int table)
{
	struct sva_scn_guest *g = &r->guest;
	unsigned i;

	pthread_mutex_lock(&r->lock);
	for (i = 0; i < g->nset; i++)
		if (g->set[i].dev == dev && g->set[i].pasid == pasid)
			break;
	if (table < 0 && i < g->nset)
		g->set[i] = g->set[--g->nset];
	else if (table >= 0 && i < g->nset)
		g->set[i].table = table;
	else if (table >= 0 && i < SVA_SCN_MAX_SET)
		g->set[g->nset++] = (struct sva_scn_pasid){ dev, pasid, table };
	pthread_mutex_unlock(&r->lock);
}

/* The oldest group queued for @dev (NULL: none); *@live: whether @dev has a PASID set. */
struct sva_iopf_group *sva_scn_guest_take(struct sva_scenario_run *r, int dev, bool *live)
{
	struct sva_scn_guest *g = &r->guest;
	struct sva_iopf_group *group = NULL;

	pthread_mutex_lock(&r->lock);
	*live = false;
	for (unsigned i = 0; i < g->nset; i++)
		*live |= g->set[i].dev == dev;
	for (unsigned i = 0; i < g->ngroups && !group; i++) {
		if (g->groups[i].dev != r->edevs[dev])
			continue;
		group = g->groups[i].group;
		memmove(&g->groups[i], &g->groups[i + 1],
			(g->ngroups - i - 1) * sizeof(g->groups[i]));
		g->ngroups--;
	}
	pthread_mutex_unlock(&r->lock);
	return group;
}

/* ---- the devices ---- */

/* At setup: a fresh guest memory (what the last run used is zeroed), the tables' roots. */
static int sva_scn_guest_reset(struct sva_scenario_run *r)
{
	struct sva_scn_guest *g = &r->guest;

	if (!g->mem)
		return 0;
	memset(g->mem, 0, (size_t)(g->next ? g->next : 1) * SVA_PAGE_SIZE);
	g->next = 1; /* guest-physical 0 is never handed out */
	g->nfree = 0;
	g->nset = 0;
	g->ngroups = 0;
	for (size_t i = 0; i < r->s->ntables; i++) {
		g->roots[i] = sva_scn_guest_page_locked(g);
		if (!g->roots[i])
			return -ENOMEM;
	}
	return 0;
}

/* The embedders' devices, added to the run's IOMMU by the one-call setup a device model uses. */
int sva_scn_embedders_setup(struct sva_scenario_run *r)
{
	const struct sva_scenario *s = r->s;
	struct sva_swiommu_device_config *dcs;
	struct sva_embed_config ec = { .swiommu = r->sw };
	int ret = sva_scn_guest_reset(r);

	r->embed = NULL;
	if (ret || !s->nembedders)
		return ret;
	dcs = calloc(s->nembedders, sizeof(*dcs));
	if (!dcs)
		return -ENOMEM;
	for (size_t i = 0; i < s->nembedders; i++) {
		const struct sva_scn_embedder *e = &s->embedders[i];

		dcs[i] = (struct sva_swiommu_device_config){ .name = e->name,
							     .rid = (uint16_t)e->rid,
							     .pasid_bits = e->pasid_bits,
							     .ats = e->ats,
							     .pri = e->pri };
	}
	ec.devices = dcs;
	ec.ndevices = (unsigned)s->nembedders;
	ret = sva_embed_create(&ec, &r->embed);
	free(dcs);
	for (size_t i = 0; i < s->nembedders && !ret; i++)
		r->edevs[i] = sva_embed_device(r->embed, (unsigned)i);
	return ret;
}

/* A setup that failed after the embedders': their holder goes (nothing ran on them). */
void sva_scn_embedders_forget(struct sva_scenario_run *r)
{
	sva_embed_destroy(r->embed);
	r->embed = NULL;
	memset(r->edevs, 0, r->s->nembedders * sizeof(*r->edevs));
}

/*
 * At the run's end, in the embedder's order: the page requests still queued answered (INVALID;
 * a group the detach answered already is only freed), the PASIDs still set cleared, the
 * devices removed.
 */
void sva_scn_embedders_destroy(struct sva_scenario_run *r)
{
	struct sva_scn_guest *g = &r->guest;

	for (;;) {
		struct sva_iopf_group *group = NULL;

		pthread_mutex_lock(&r->lock);
		if (g->ngroups)
			group = g->groups[--g->ngroups].group;
		pthread_mutex_unlock(&r->lock);
		if (!group)
			break;
		sva_swiommu_page_response(group, SVA_PAGE_RESP_INVALID);
	}
	g->nset = 0;
	sva_embed_destroy(r->embed); /* the tables still set cleared, the devices removed */
	r->embed = NULL;
	memset(r->edevs, 0, r->s->nembedders * sizeof(*r->edevs));
}

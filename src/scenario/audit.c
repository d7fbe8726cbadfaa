/* SPDX-License-Identifier: MIT */
/*
 * The quiescence audit of a scenario run: once every process is reaped and every device's
 * fault queue flushed (run.c, sva_scn_reap), the model's own accounting - what its queries
 * say, the numbers a user of the library reads - must say that nothing is live: no process
 * left, no PASID allocated, no page request pending, no descriptor waiting, no WQ programmed
 * with a PASID, no uacce queue open, no idxd WQ counting a client; and the IOMMU's fault log must
 * hold exactly the faults its trace reported. The checker sees only events; these are the facts its
 * shadow cannot see, so a counter that drifts from what happened (a put that never comes, a pending
 * count that is not decremented, a PASID left in a device) is a violation of the run, named with
 * its object, and never only a wrong number in a test.
 *
 * Called by the check of a finished run (run.c), in a task of the world: each query takes the
 * object's own lock, as any caller's would. Removed devices are not asked.
 */
#include <stdio.h>

#include "runner.h"

static void sva_scn_audit_wqs(struct sva_scenario_run *r, size_t dev, struct sva_accel *a)
{
	const char *name = r->s->devices[dev].name;
	char obj[64];

	for (size_t i = 0; i < r->s->nwqs; i++) {
		const struct sva_scn_wq *wq = &r->s->wqs[i];
		struct sva_uacce_device *u;

		if (wq->device != (int)dev)
			continue;
		snprintf(obj, sizeof(obj), "%s wq%u", name, wq->index);
		sva_checker_audit(r->chk, SVA_I6_LIVENESS, obj, "descriptors pending",
				  sva_accel_wq_pending(a, wq->index), 0);
		sva_checker_audit(r->chk, SVA_I4_NO_LEAKS, obj, "PASID programmed",
				  sva_accel_wq_pasid(a, wq->index), SVA_PASID_INVALID);
		if (r->idxd[dev])
			sva_checker_audit(r->chk, SVA_I4_NO_LEAKS, obj, "idxd clients",
					  sva_scn_idxd_clients(r, dev, wq->index), 0);
		u = sva_accel_wq_uacce(a, wq->index);
		if (u)
			sva_checker_audit(r->chk, SVA_I4_NO_LEAKS, obj, "uacce queues open",
					  sva_uacce_queues(u), 0);
	}
}

static void sva_scn_audit_devices(struct sva_scenario_run *r)
{
	for (size_t i = 0; i < r->s->ndevices; i++) {
		struct sva_accel *a;

		if (!r->devs[i] || atomic_load(&r->removed[i]))
			continue;
		a = r->idxd[i] ? sva_idxd_accel(r->idxd[i]) : r->accels[i];
		sva_checker_audit(r->chk, SVA_I6_LIVENESS, r->s->devices[i].name,
				  "page-request groups pending", sva_iopf_dev_pending(r->devs[i]),
				  0);
		if (a)
			sva_scn_audit_wqs(r, i, a);
	}
}

/* Every PASID a top-level process had is free again, and none other is allocated. */
static void sva_scn_audit_pasids(struct sva_scenario_run *r)
{
	struct sva_pasid_space *space = sva_iommu_sys_pasids(r->isys);
	char obj[64];

	for (size_t i = 0; i < r->ntops; i++) {
		uint32_t pasid = r->tops[i].ctx->ps->pasid;

		if (pasid == SVA_PASID_INVALID)
			continue;
		snprintf(obj, sizeof(obj), "%s's PASID %u", r->s->programs[r->tops[i].program].name,
			 pasid);
		if (!sva_checker_audit(r->chk, SVA_I4_NO_LEAKS, obj, "allocated",
				       sva_pasid_is_allocated(space, pasid), false))
			return;
	}
	sva_checker_audit(r->chk, SVA_I4_NO_LEAKS, "the IOMMU's PASID space", "PASIDs allocated",
			  sva_pasid_allocated(space), 0);
}

void sva_scn_audit(struct sva_scenario_run *r)
{
	sva_checker_audit(r->chk, SVA_I4_NO_LEAKS, "the kernel", "processes",
			  sva_kernel_processes(r->k), 0);
	sva_scn_audit_pasids(r);
	sva_scn_audit_devices(r);
	sva_checker_audit(r->chk, SVA_I7_QUIET_TEARDOWN, "the IOMMU's fault log", "faults logged",
			  sva_swiommu_faults_logged(r->sw),
			  sva_checker_events_of(r->chk, SVA_EV_SWIOMMU_FAULT));
}

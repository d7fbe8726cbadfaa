/* SPDX-License-Identifier: MIT */
/*
 * Running a scenario: the world it needs (kernel, software IOMMU, the declared accelerators -
 * those of cdev=idxd_wq through the idxd driver, idxd.c -, the embedder's guest memory and
 * devices, guest.c),
 * its processes, the figures of a run, and the verdict - as a closed program (sva/sync.h), so
 * one scenario runs once, replays a schedule, or is explored.
 *
 * The verdict is the check's alone (check_judges_outcome): a run passes when every call and
 * goal went as written, and the invariants broken are exactly those the scenario expects
 * (none, usually). The checker stops a sim run at its first violation; the check then judges
 * what was seen, and the model's objects are left to the world's destroy.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"

/* ---- the figures, from the world's events ---- */

void sva_scn_mms_add(struct sva_scn_mms *set, uint64_t mm)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 32;
		uint64_t *v = realloc(set->ids, cap * sizeof(*v));

		if (!v)
			return;
		set->ids = v;
		set->cap = cap;
	}
	set->ids[set->n++] = mm;
}

bool sva_scn_mms_has(const struct sva_scn_mms *set, uint64_t mm)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->ids[i] == mm)
			return true;
	return false;
}

static void sva_scn_freed(struct sva_scenario_run *r, uint64_t mm)
{
	sva_scn_mms_add(&r->freed, mm);
}

static void sva_scn_event(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct sva_scenario_run *r = ctx;
	struct sva_scenario_stats *st = &r->st;
	uint64_t code;

	(void)w;
	pthread_mutex_lock(&r->lock);
	switch (ev->kind) {
	case SVA_EV_PASID_ALLOC:
		st->pasids_allocated++;
		break;
	case SVA_EV_PASID_FREE:
		st->pasids_freed++;
		sva_scn_freed(r, sva_ev_num(ev, PASID_FREE, mm));
		break;
	case SVA_EV_PROCESS_START:
		st->processes++;
		break;
	case SVA_EV_MM_MMDROP:
		sva_scn_mms_add(&r->dropped, sva_ev_num(ev, MM_MMDROP, mm)); /* wait_free(mm(p)) */
		break;
	case SVA_EV_SVA_BIND:
		st->binds++;
		break;
	case SVA_EV_SVA_UNBIND:
		st->unbinds++;
		break;
	case SVA_EV_ACCEL_SUBMIT:
		st->descriptors++;
		break;
	case SVA_EV_ACCEL_ABORT:
	case SVA_EV_ACCEL_ABORT_QUEUED:
		st->aborted++;
		break;
	case SVA_EV_IOPF_RESPONSE:
		code = sva_ev_num(ev, IOPF_RESPONSE, code);
		st->page_requests++;
		if (code < 3)
			st->responses[code]++;
		break;
	default:
		break;
	}
	pthread_mutex_unlock(&r->lock);
}

/* ---- the world of a run ---- */

static void sva_scn_accel_config(const struct sva_scenario *s, size_t dev,
				 struct sva_accel_config *cfg)
{
	const struct sva_scn_device *d = &s->devices[dev];

	memset(cfg, 0, sizeof(*cfg));
	cfg->name = d->name;
	cfg->engines = d->engines;
	cfg->max_xfer = (uint32_t)d->max_xfer;
	cfg->cdev_rule = d->cdev;
	for (size_t i = 0; i < s->nwqs && cfg->nwqs < SVA_ACCEL_MAX_WQS; i++) {
		const struct sva_scn_wq *wq = &s->wqs[i];

		if (wq->device != (int)dev)
			continue;
		cfg->wqs[cfg->nwqs++] = (struct sva_accel_wq_config){
			.mode = wq->mode == SVA_SCN_WQ_SHARED ? SVA_ACCEL_WQ_SHARED
							      : SVA_ACCEL_WQ_DEDICATED,
			.depth = wq->depth,
			.block_on_fault = wq->bof,
			.priority = wq->priority,
			.threshold = wq->mode == SVA_SCN_WQ_SHARED ? wq->threshold : 0,
		};
	}
}

static int sva_scn_devices(struct sva_scenario_run *r)
{
	const struct sva_scenario *s = r->s;
	int ret = 0;

	for (size_t i = 0; i < s->ndevices && ret == 0; i++) {
		const struct sva_scn_device *d = &s->devices[i];
		struct sva_device_config dc = {
			.name = d->name,
			.pasid_bits = d->pasid_bits,
			.ats = d->ats,
			.pri = d->pri,
			.pri_reqs = d->pri_reqs,
			.same_group = d->group >= 0 ? r->devs[d->group] : NULL,
		};
		struct sva_accel_config ac;

		atomic_store(&r->removed[i], false);
		ret = sva_device_add(sva_swiommu_iommu(r->sw), &dc, &r->devs[i]);
		if (ret)
			break;
		if (d->cdev == SVA_ACCEL_CDEV_IDXD_WQ) {
			ret = sva_scn_idxd_setup(r, i); /* the driver's path, as accel-config's */
		} else {
			sva_scn_accel_config(s, i, &ac);
			ret = sva_accel_create(r->k, r->devs[i], &ac, &r->accels[i]);
		}
		if (ret) {
			sva_device_remove(r->devs[i]);
			r->devs[i] = NULL;
		}
	}
	return ret;
}

static int sva_scn_start(struct sva_scenario_run *r)
{
	const struct sva_scenario *s = r->s;
	int ret = 0;

	r->ntops = 0;
	for (size_t i = 0; i < s->nprograms && ret == 0; i++) {
		const struct sva_scn_program *p = &s->programs[i];

		for (unsigned n = 0; p->starts && n < p->instances && ret == 0; n++) {
			struct sva_scn_top *top = &r->tops[r->ntops];

			*top = (struct sva_scn_top){ .program = (int)i };
			top->ctx = sva_scn_ctx_get(r, p, NULL);
			if (!top->ctx)
				return -EAGAIN;
			ret = sva_process_start(r->k, p->name, sva_scn_task_main, top->ctx,
						&top->p);
			if (ret == 0)
				r->ntops++;
		}
	}
	return ret;
}

static int sva_scn_setup(struct sva_world *w, void *arg)
{
	struct sva_scenario_run *r = arg;
	struct sva_kernel_config kc = { .frames = r->s->kernel.frames };
	struct sva_swiommu_config sc = {
		.name = "swiommu0",
		.prq_entries = r->s->iommu.prq,
		/* the embedder's guest memory, when the scenario plays one */
		.mem = r->s->nembedders ? &r->guest.ops : NULL
	};
	int ret;

	r->w = w;
	r->k = NULL;
	r->isys = NULL;
	r->sw = NULL;
	r->chk = NULL;
	memset(r->devs, 0, r->s->ndevices * sizeof(*r->devs));
	memset(r->accels, 0, r->s->ndevices * sizeof(*r->accels));
	memset(r->idxd, 0, r->s->ndevices * sizeof(*r->idxd));
	memset(r->edevs, 0, r->s->nembedders * sizeof(*r->edevs));
	for (size_t i = 0; i < r->s->ndevices; i++)
		atomic_store(&r->admin[i], 0);
	atomic_store(&r->npool, 0);
	atomic_store(&r->nprocs, 0);
	memset(&r->st, 0, sizeof(r->st));
	r->freed.n = 0;
	r->dropped.n = 0;
	r->nmail = 0;
	r->nfailures = 0;
	r->failure[0] = '\0';

	ret = sva_checker_attach(w, &r->chk);
	if (ret)
		return ret;
	sva_checker_stop_on_violation(r->chk, true);
	ret = sva_world_subscribe(w, sva_scn_event, r);
	if (ret == 0)
		ret = sva_kernel_create(w, &kc, &r->k);
	if (ret == 0)
		ret = sva_iommu_sys_create(sva_kernel_mm_sys(r->k), &r->isys);
	if (ret == 0)
		ret = sva_swiommu_create(r->isys, &sc, &r->sw);
	if (ret == 0)
		ret = sva_scn_devices(r);
	if (ret == 0)
		ret = sva_scn_embedders_setup(r);
	if (ret == 0)
		ret = sva_scn_start(r);
	if (ret) { /* no teardown follows a failed setup: what is not the world's goes here */
		sva_scn_embedders_forget(r);
		sva_world_unsubscribe(w, sva_scn_event, r);
		sva_checker_detach(r->chk);
		r->chk = NULL;
	}
	return ret; /* the world's destroy frees the model's objects that were made */
}

/* ---- the end of a run ---- */

/* Device @i of the run (the embedders' after the declared ones) if its fault queue is to be
 * flushed: PRI-capable and not removed (no lock is taken for the others). */
static struct sva_device *sva_scn_pri_dev(struct sva_scenario_run *r, size_t i)
{
	size_t nd = r->s->ndevices;
	struct sva_device *d = i < nd ? r->devs[i] : r->edevs[i - nd];

	if (!d || (i < nd && atomic_load(&r->removed[i])) || !d->pri) /* removed: freed */
		return NULL;
	return d;
}

/*
 * Reap the top-level processes, then let the deferred work finish before anything is judged
 * (sva_iopf_quiesce(): on native threads it runs on after the last process ends).
 */
static void sva_scn_reap(struct sva_scenario_run *r)
{
	size_t n = r->s->ndevices + r->s->nembedders;
	struct sva_device **devs = calloc(n ? n : 1, sizeof(*devs));

	for (size_t i = 0; i < r->ntops; i++) {
		struct sva_scn_top *top = &r->tops[i];

		top->reaped = sva_process_wait(top->p, &top->status) == 0;
	}
	if (!devs) { /* the kernel's work only: the audit then names what a fault still held */
		sva_log(r->w, SVA_LOG_ERR, "scenario: no memory to list the devices to quiesce");
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		devs[i] = sva_scn_pri_dev(r, i);
	sva_iopf_quiesce(r->k, devs, n);
	free(devs);
}

int sva_scn_device_destroy(struct sva_scenario_run *r, struct sva_world *w, size_t i)
{
	if (atomic_exchange(&r->removed[i], true))
		return -ENODEV;
	while (atomic_load(&r->admin[i])) /* an idxd call in progress: it ends first */
		sva_yield(w);
	if (r->idxd[i])
		sva_idxd_destroy(r->idxd[i]); /* disabled first: the files fail with -ENODEV */
	else
		sva_accel_destroy(r->accels[i]);
	sva_device_remove(r->devs[i]);
	return 0;
}

static void sva_scn_destroy_model(struct sva_scenario_run *r)
{
	struct sva_swiommu_stats ss;

	sva_swiommu_get_stats(r->sw, &ss);
	r->st.iotlb_hits = ss.iotlb_hits;
	r->st.iotlb_misses = ss.iotlb_misses;
	for (size_t i = 0; i < r->s->ndevices; i++)
		if (r->devs[i])
			sva_scn_device_destroy(r, r->w, i);
	sva_scn_embedders_destroy(r);
	sva_swiommu_destroy(r->sw);
	sva_iommu_sys_destroy(r->isys);
	sva_kernel_destroy(r->k);
	r->k = NULL;
}

/* A goal about a process, for each of its instances. */
static void sva_scn_goal_process(struct sva_scenario_run *r, const struct sva_scn_goal_expect *g)
{
	const char *name = r->s->programs[g->program].name;
	char got[32], want[32];

	for (size_t i = 0; i < r->ntops; i++) {
		struct sva_scn_top *top = &r->tops[i];
		bool had = top->ctx->ps->pasid != SVA_PASID_INVALID, freed;

		if (top->program != g->program)
			continue;
		pthread_mutex_lock(&r->lock);
		freed = had && sva_scn_mms_has(&r->freed, top->ctx->ps->mm_id);
		pthread_mutex_unlock(&r->lock);
		if (g->goal == SVA_SCN_GOAL_STATUS && top->status != g->status)
			sva_scn_run_fail(r, &g->loc, "%s exited with status %s, expected %s", name,
					 sva_scn_status_text(top->status, got, sizeof(got)),
					 sva_scn_status_text(g->status, want, sizeof(want)));
		else if (g->goal == SVA_SCN_GOAL_PASID_FREED && !freed)
			sva_scn_run_fail(r, &g->loc, "%s's PASID %s", name,
					 had ? "was not freed" : "was never allocated");
		else if (g->goal == SVA_SCN_GOAL_PASID_HELD && (!had || freed))
			sva_scn_run_fail(r, &g->loc, "%s's PASID %s", name,
					 had ? "was freed" : "was never allocated");
	}
}

static bool sva_scn_expects(const struct sva_scenario *s, int inv)
{
	for (size_t i = 0; i < s->ngoals; i++)
		if (s->goals[i].goal == SVA_SCN_GOAL_VIOLATION && s->goals[i].invariant == inv)
			return true;
	return false;
}

/* The invariant a report's text names ("invariant violated: I6 liveness: ..."), 0 none. */
static int sva_scn_report_invariant(const char *text)
{
	static const char prefix[] = "invariant violated: I";
	const char *p = text + sizeof(prefix) - 1;

	if (strncmp(text, prefix, sizeof(prefix) - 1) != 0 || *p < '1' || *p > '9' || p[1] != ' ' ||
	    *p - '0' >= SVA_INVARIANT_NR)
		return 0;
	return *p - '0';
}

/*
 * An invariant broken that the scenario does not expect; or a report of another problem - a
 * livelock, a diverged schedule... (a deadlock, a lock-order inversion, refcount misuse, a use
 * after free and a list corruption are the checker's I5/I6 too, and judged as those): the
 * first one's text is @msg.
 */
static int sva_scn_judge_reports(struct sva_scenario_run *r, char *msg, size_t len)
{
	unsigned long other = sva_report_total(r->w) -
			      sva_report_count(r->w, SVA_REPORT_INVARIANT) -
			      sva_report_count(r->w, SVA_REPORT_DEADLOCK) -
			      sva_report_count(r->w, SVA_REPORT_LOCK_ORDER) -
			      sva_report_count(r->w, SVA_REPORT_REFCOUNT) -
			      sva_report_count(r->w, SVA_REPORT_USE_AFTER_FREE) -
			      sva_report_count(r->w, SVA_REPORT_LIST_CORRUPTION);

	const char *first = sva_report_first(r->w);
	int named = sva_scn_report_invariant(first);

	/* the first report, when it is of an invariant the scenario does not expect */
	if (named && r->st.violations[named] && !sva_scn_expects(r->s, named)) {
		snprintf(msg, len, "%s", first);
		r->st.invariant = named;
		return -EFAULT;
	}
	for (int inv = 1; inv < SVA_INVARIANT_NR; inv++) {
		if (!r->st.violations[inv] || sva_scn_expects(r->s, inv))
			continue;
		r->st.invariant = inv;
		if (named) /* the first report was of an expected one: say which broke */
			snprintf(msg, len,
				 "%s broken %lu times (the first report, of one expected, "
				 "was: %s)",
				 sva_invariant_name((enum sva_invariant)inv), r->st.violations[inv],
				 first);
		else
			snprintf(msg, len, "%s", first);
		return -EFAULT;
	}
	if (other) {
		snprintf(msg, len, "%s", sva_report_first(r->w));
		return -EFAULT;
	}
	return 0;
}

/* Every violation the scenario expects was seen. */
static int sva_scn_judge_expected(struct sva_scenario_run *r, char *msg, size_t len)
{
	for (int inv = 1; inv < SVA_INVARIANT_NR; inv++) {
		if (!r->st.violations[inv] && sva_scn_expects(r->s, inv)) {
			snprintf(msg, len, "expected a violation of %s; the run had none",
				 sva_invariant_name((enum sva_invariant)inv));
			r->st.failed_expectations++;
			return -EFAULT;
		}
	}
	return 0;
}

/*
 * The verdict, most telling first: a violation (what broke the model) before a call or goal
 * that did not go as written (often its consequence), before an expected violation missing.
 */
static int sva_scn_check(struct sva_world *w, void *arg, int run, char *msg, size_t len)
{
	struct sva_scenario_run *r = arg;
	bool finished = run == 0;
	int ret;

	if (finished) {
		sva_scn_reap(r);
		sva_checker_quiesce(r->chk);
		sva_scn_audit(r);
		for (size_t i = 0; i < r->s->ngoals; i++)
			if (r->s->goals[i].goal != SVA_SCN_GOAL_VIOLATION)
				sva_scn_goal_process(r, &r->s->goals[i]);
		sva_scn_destroy_model(r);
		sva_checker_finish(r->chk);
	}
	r->st.events_checked = sva_checker_events(r->chk);
	for (int inv = 1; inv < SVA_INVARIANT_NR; inv++)
		r->st.violations[inv] = sva_checker_violations(r->chk, (enum sva_invariant)inv);
	r->st.outcome = SVA_SCENARIO_VIOLATION;
	r->st.invariant = 0;
	ret = sva_scn_judge_reports(r, msg, len);
	if (ret)
		return ret;
	r->st.outcome = SVA_SCENARIO_FAILED;
	pthread_mutex_lock(&r->lock);
	r->st.failed_expectations = r->nfailures;
	if (r->nfailures)
		snprintf(msg, len, "%s", r->failure);
	pthread_mutex_unlock(&r->lock);
	if (r->st.failed_expectations)
		return -EFAULT;
	if (run && run != -ECANCELED && !sva_report_total(w)) {
		snprintf(msg, len, "the run ended with %s", sva_strerror(run));
		return -EFAULT;
	}
	ret = sva_scn_judge_expected(r, msg, len);
	if (ret)
		return ret;
	r->st.outcome = SVA_SCENARIO_PASSED;
	return 0;
}

static void sva_scn_teardown(struct sva_world *w, void *arg)
{
	struct sva_scenario_run *r = arg;

	sva_world_unsubscribe(w, sva_scn_event, r);
	sva_checker_detach(r->chk);
	r->chk = NULL;
}

/* ---- the run object ---- */

static size_t sva_scn_top_count(const struct sva_scenario *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nprograms; i++)
		if (s->programs[i].starts)
			n += s->programs[i].instances;
	return n;
}

int sva_scenario_run_create(const struct sva_scenario *s, struct sva_scenario_run **out)
{
	struct sva_scenario_run *r;
	size_t ntops = sva_scn_top_count(s);

	if (s->nvars > SVA_SCN_MAX_VARS || ntops > SVA_SCN_MAX_TASKS)
		return -E2BIG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->s = s;
	r->devs = calloc(s->ndevices + 1, sizeof(*r->devs));
	r->accels = calloc(s->ndevices + 1, sizeof(*r->accels));
	r->idxd = calloc(s->ndevices + 1, sizeof(*r->idxd));
	r->removed = calloc(s->ndevices + 1, sizeof(*r->removed));
	r->admin = calloc(s->ndevices + 1, sizeof(*r->admin));
	r->edevs = calloc(s->nembedders + 1, sizeof(*r->edevs));
	r->tops = calloc(ntops + 1, sizeof(*r->tops));
	r->pool = calloc(SVA_SCN_MAX_TASKS, sizeof(*r->pool));
	r->procs = calloc(SVA_SCN_MAX_TASKS, sizeof(*r->procs));
	pthread_mutex_init(&r->lock, NULL);
	if (!r->devs || !r->accels || !r->idxd || !r->removed || !r->admin || !r->edevs ||
	    !r->tops || !r->pool || !r->procs || sva_scn_guest_create(r)) {
		sva_scenario_run_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void sva_scenario_run_free(struct sva_scenario_run *r)
{
	if (!r)
		return;
	free(r->devs);
	free(r->accels);
	free(r->idxd);
	free(r->removed);
	free(r->admin);
	free(r->edevs);
	sva_scn_guest_free(r);
	free(r->tops);
	free(r->pool);
	free(r->procs);
	free(r->freed.ids);
	free(r->dropped.ids);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

void sva_scenario_program(struct sva_scenario_run *r, struct sva_program *out)
{
	*out = (struct sva_program){
		.name = r->s->file,
		.setup = sva_scn_setup,
		.check = sva_scn_check,
		.teardown = sva_scn_teardown,
		.arg = r,
		.check_judges_outcome = true,
	};
}

void sva_scenario_run_stats(const struct sva_scenario_run *r, struct sva_scenario_stats *out)
{
	*out = r->st;
}

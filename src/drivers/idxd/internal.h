/* SPDX-License-Identifier: MIT */
/*
 * The insides of the idxd device model, shared by src/drivers/idxd/:
 *
 *   config.c  struct sva_idxd: its configuration (groups, engines, WQs), the attributes in
 *             accel-config's vocabulary, enable (the accelerator created from it) and disable;
 *   json.c    accel-config's JSON configuration: load (checked whole, then applied) and save;
 *   cdev.c    the idxd character device of a WQ (declared in ../accel/internal.h).
 *
 * Locks: x->mutex guards the configuration and the accelerator pointer; enable and disable run
 * under it (x->mutex -> the accelerator's locks); nothing of the accelerator takes it.
 */
#ifndef SVA_IDXD_INTERNAL_H
#define SVA_IDXD_INTERNAL_H

#include <stdbool.h>

#include "sva/idxd.h"

struct sva_idxd_wq_conf {
	unsigned size, priority, threshold, max_xfer, max_batch;
	int group; /* -1: none */
	bool shared, bof, ats_disable, user;
	char name[32];
};

struct sva_idxd_group_conf {
	unsigned rb_reserved, rb_allowed;
	bool use_rb_limit;
};

/* Everything an attribute writes: copied whole by a load, so that a bad one changes nothing. */
struct sva_idxd_conf {
	bool pasid_enabled;
	struct sva_idxd_group_conf groups[SVA_IDXD_MAX_GROUPS];
	int engine_group[SVA_IDXD_MAX_ENGINES]; /* -1: none */
	struct sva_idxd_wq_conf wqs[SVA_IDXD_MAX_WQS];
};

struct sva_idxd_state {
	struct sva_idxd_conf conf;
	struct sva_accel *a; /* enabled */
	/* while enabled: each WQ's index in the accelerator (-1: not configured at the device's
	 * enable), and whether it is enabled (its char device registered) */
	int wq_slot[SVA_IDXD_MAX_WQS];
	bool wq_on[SVA_IDXD_MAX_WQS];
};

struct sva_idxd {
	struct sva_kernel *k;
	struct sva_world *w;
	struct sva_device *dev;
	char name[SVA_IDXD_NAME_MAX];
	unsigned id; /* N of dsaN */
	struct sva_mutex mutex;
	SVA_GUARDED_BY(struct sva_idxd_state) st; /* under mutex */
};

/* @x's configuration and state, its mutex asserted. */
#define sva_idxd_st(x) (&sva_guarded(&(x)->mutex, (x)->st))

/* config.c: set attribute @attr of @object in @conf from @value (text); @load: read-only ones
 * are skipped, not refused. Errors logged naming both. */
int sva_idxd_conf_set(struct sva_idxd *x, struct sva_idxd_conf *conf, const char *object,
		      const char *attr, const char *value, bool load);
/* Read it as text, and whether it is read-only; @conf is x->conf or a copy. */
int sva_idxd_conf_get(struct sva_idxd *x, const struct sva_idxd_conf *conf, const char *object,
		      const char *attr, char *buf, size_t len);

/* The attribute names of each kind of object, NULL-terminated, in save-config's order. */
extern const char *const sva_idxd_dev_attrs[];
extern const char *const sva_idxd_group_attrs[];
extern const char *const sva_idxd_engine_attrs[];
extern const char *const sva_idxd_wq_attrs[];
/* The attributes saved as JSON numbers (the others are strings). */
bool sva_idxd_attr_numeric(const char *attr);

#endif /* SVA_IDXD_INTERNAL_H */

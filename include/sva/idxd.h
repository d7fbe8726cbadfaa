/* SPDX-License-Identifier: MIT */
/*
 * idxd: the kernel's Intel DSA driver (drivers/dma/idxd/) as libsva models it - a device
 * configured as accel-config configures one, and its own character device per work queue,
 * beside uacce (sva/uacce.h). The engine behind both is the software accelerator (sva/accel.h).
 *
 * The character device (struct sva_accel_config's cdev_rule SVA_ACCEL_CDEV_IDXD_WQ): one per
 * WQ, "dsa/wqD.Q" (the kernel's /dev/dsa/wqD.Q: an open of "/dev/dsa/wq0.0" finds it; D is the
 * device's number, Q the WQ's).
 *  - open: with PASID enabled on the device, binds current->mm (iommu_sva_bind_device) and the
 *    queue is ready at once: there is no START_Q. A dedicated WQ takes one open (-EBUSY for a
 *    second) and its PASID is programmed at open. PASID not enabled: -EOPNOTSUPP (the model has
 *    no DMA without PASID; the kernel would let a privileged opener use physical addresses).
 *  - mmap: one page at offset 0, the WQ's portal - the limited portal for a shared WQ (ENQCMD
 *    there answers retry once the WQ holds threshold descriptors), the unlimited one for a
 *    dedicated WQ. VM_DONTCOPY: a forked child has no portal.
 *  - idxd's rule: the queue is the opener mm's; from another mm (a forked child, a process the
 *    fd was passed to) mmap, ioctl and write (the kernel's submission by write(2)) fail -EPERM,
 *    and a store to a portal the opener mapped, seen from another mm, too.
 *  - write(fd, descs, n * 64): submission without ENQCMD, as the kernel's idxd cdev write: each
 *    struct dsa_hw_desc gets the file's PASID and priv 0 and goes to the limited portal
 *    (ENQCMDS for a shared WQ, MOVDIR64B for a dedicated one). Returns the bytes submitted, or
 *    -EAGAIN when the first one found the WQ full; -EINVAL for a length not a multiple of 64.
 *  - ioctl SVA_ACCEL_IOCTL_WQ_INFO: the WQ's attributes (what the kernel exposes in sysfs).
 *  - release: the descriptors submitted through the file (on its PASID, on this WQ) are
 *    drained - refused from then on, and every one pending or running completes as the engine
 *    runs it, none aborted (the kernel's Drain PASID; other opens of the same mm keep theirs) -
 *    then the queue ends and the mm is unbound.
 *  - disable (sva_idxd_disable()), removal (sva_idxd_destroy(), sva_accel_destroy()) with
 *    files open: the char device goes (no new opens); each open queue is drained as at release,
 *    ended and unbound; the portals mapped are zapped. What the model does that the kernel
 *    does not: it revokes the portal mappings (the kernel leaves them, and the disabled WQ
 *    drops MOVDIR64B and answers ENQCMD retry), so a store afterwards faults (-EFAULT). The
 *    files stay open and fail with -ENXIO after a disable, -ENODEV after a removal; their
 *    release then only frees them. A file of a disabled WQ stays dead when the device is
 *    enabled again: a new open gets a new queue.
 *
 * The configuration (struct sva_idxd): groups, engines and WQs with accel-config's vocabulary,
 * read and written as attributes while the device is disabled (-EBUSY when enabled), loaded
 * and saved in accel-config's JSON (`accel-config save-config`'s shape: an array of devices,
 * each with "dev", its attributes, "groups" (each with "dev", its attributes, and its own
 * "grouped_workqueues" and "grouped_engines"), or top-level "engines" and "wqs"). Enabling the
 * device enables every WQ of size > 0 (accel-config's enable-device then enable-wq of each);
 * the accelerator then runs with SVA_ACCEL_CDEV_IDXD_WQ.
 *
 * Objects: "dsa0" (the device), "group0.G", "engine0.E", "wq0.Q". Attributes, as text:
 *   device: state (ro: "disabled"/"enabled"), pasid_enabled (0/1), max_groups, max_engines,
 *           max_work_queues, max_work_queues_size, max_transfer_size, max_batch_size (ro);
 *   group:  read_buffers_reserved, read_buffers_allowed, use_read_buffer_limit (kept only),
 *           grouped_workqueues, grouped_engines (ro: "wq0.0 wq0.1");
 *   engine: group_id (-1: none);
 *   wq:     mode ("dedicated"/"shared"), size, priority, threshold (shared: the limited
 *           portal's), group_id, block_on_fault, ats_disable, max_transfer_size,
 *           max_batch_size, type ("user"/"none"), name, state (ro).
 * Errors are negative errno, logged with the object and attribute named: -ENOENT (no such
 * object or attribute), -EINVAL (a bad value), -EACCES (a read-only attribute), -EBUSY (the
 * device is enabled).
 */
#ifndef SVA_IDXD_H
#define SVA_IDXD_H

#include <stddef.h>

#include "sva/accel.h"
#include "sva/api.h"

SVA_BEGIN_DECLS

/*
 * The classes of this layer's objects (sva_alloc, sva/base.h): idxd devices, their character
 * devices and open files.
 */
extern const struct sva_obj_class sva_obj_idxd;
extern const struct sva_obj_class sva_obj_idxd_cdev;
extern const struct sva_obj_class sva_obj_idxd_file;

struct sva_idxd;

#define SVA_IDXD_MAX_GROUPS   SVA_ACCEL_MAX_GROUPS
#define SVA_IDXD_MAX_ENGINES  4
#define SVA_IDXD_MAX_WQS      SVA_ACCEL_MAX_WQS
#define SVA_IDXD_MAX_WQS_SIZE 128 /* entries shared by every WQ (max_work_queues_size) */
#define SVA_IDXD_MAX_XFER     (2u << 20)
#define SVA_IDXD_MAX_BATCH    32u
#define SVA_IDXD_MAX_PRIORITY 15u
#define SVA_IDXD_ATTR_MAX     128 /* an attribute's text, with its NUL */
#define SVA_IDXD_NAME_MAX     16  /* a device's name ("dsaN"), with its NUL */

/*
 * A disabled idxd device "dsaN" on @dev (an SVA-capable device), with nothing configured: every
 * WQ of size 0, every engine in no group, PASID enabled. @name: letters then digits (N), shorter
 * than SVA_IDXD_NAME_MAX. 0, -EINVAL, -ENOMEM.
 */
int sva_idxd_create(struct sva_kernel *k, struct sva_device *dev, const char *name,
		    struct sva_idxd **out);
/* Removal: disabled first if enabled (files open fail with -ENODEV), then freed. */
void sva_idxd_destroy(struct sva_idxd *x);
const char *sva_idxd_name(const struct sva_idxd *x);
/* Enabled: its accelerator (NULL when disabled). */
struct sva_accel *sva_idxd_accel(struct sva_idxd *x);

/*
 * Enable: the configuration checked (errors name the object), the accelerator created with
 * every configured WQ (size > 0, type user) enabled - accel-config's enable-device and then
 * enable-wq of each.
 */
int sva_idxd_enable(struct sva_idxd *x);
/*
 * The device alone (the kernel's bind of dsaN to the idxd driver): the accelerator created as
 * above, every WQ disabled (no char device) until sva_idxd_wq_enable() (the bind of wqD.Q to
 * the user driver). What the model does not: a WQ's configuration is taken at the device's
 * enable, so attributes stay read-only (-EBUSY) while the device is enabled, and a WQ not
 * configured then cannot be enabled (-EINVAL).
 */
int sva_idxd_enable_device(struct sva_idxd *x);
/*
 * Enable WQ @wq ("wq0.0"): its char device "dsa/wq0.0" registered. -ENOENT (no such WQ),
 * -ENXIO (the device disabled), -EBUSY (already enabled), -EINVAL (not configured).
 */
int sva_idxd_wq_enable(struct sva_idxd *x, const char *wq);
/*
 * Disable it with files open: as the device's disable for this WQ only (each open queue
 * drained, ended and unbound, the portals zapped, the files failing with -ENXIO); the next
 * enable makes a new char device. -ENOENT, -EINVAL (not enabled).
 */
int sva_idxd_wq_disable(struct sva_idxd *x, const char *wq);
bool sva_idxd_wq_enabled(struct sva_idxd *x, const char *wq);
/* Disable with files open (see above): -EINVAL when not enabled. */
int sva_idxd_disable(struct sva_idxd *x);
bool sva_idxd_enabled(const struct sva_idxd *x);

/* Read attribute @attr of @object into @buf (NUL-terminated, at most @len bytes). */
int sva_idxd_attr_get(struct sva_idxd *x, const char *object, const char *attr, char *buf,
		      size_t len);
/* Write it from text (numbers in decimal or 0x hex): only while disabled. */
int sva_idxd_attr_set(struct sva_idxd *x, const char *object, const char *attr, const char *value);

/*
 * Load an accel-config JSON configuration (@json: the text) for this device: the entry whose
 * "dev" is its name, other devices' entries ignored. Every attribute is checked before any is
 * applied: on an error nothing changed, and the message names the object and attribute
 * (-EINVAL: not JSON, not the shape, a bad value; -ENOENT: an unknown object or attribute;
 * -EBUSY: enabled). Read-only attributes (state, max_*, grouped_*) and the keys that describe
 * hardware (numa_node, op_cap, cdev_minor, clients...) are skipped; other unknown keys refused.
 */
int sva_idxd_load_config(struct sva_idxd *x, const char *json);
/* The configuration as accel-config save-config writes it: *@out to free(). 0 or -ENOMEM. */
int sva_idxd_save_config(struct sva_idxd *x, char **out);

SVA_END_DECLS

#endif /* SVA_IDXD_H */

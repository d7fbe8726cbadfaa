/* SPDX-License-Identifier: MIT */
/*
 * The portal's wire format between the preloaded shim (tools/sva/shim/) and the device daemon
 * (tools/sva/exec/): a store the shim trapped in a real program - MOVDIR64B, ENQCMD or ENQCMDS
 * to a mapped WQ portal of /dev/dsa/wqD.Q - forwarded as one ioctl on the file the portal maps,
 * so the daemon knows the open file (the queue) and the caller's pid (fuse_get_context()).
 *
 * The answer is the instruction's: 0 accepted (ENQCMD: ZF=0); -1 with errno EAGAIN for an
 * ENQCMD the WQ refused (retry: the shim sets ZF=1); a MOVDIR64B to a full dedicated WQ is
 * dropped and answers 0, as the hardware does. Other errors (EPERM: the file is another mm's;
 * ENXIO: the WQ is disabled; ENODEV: the device is gone) make the shim deliver SIGBUS to the
 * program, as a store to a dead portal would fault.
 */
#ifndef SVA_EXEC_PORTAL_H
#define SVA_EXEC_PORTAL_H

#include <linux/ioctl.h>
#include <stdint.h>

enum sva_exec_insn {
	SVA_EXEC_MOVDIR64B = 1,
	SVA_EXEC_ENQCMD = 2,
	SVA_EXEC_ENQCMDS = 3,
};

struct sva_exec_store {
	uint8_t desc[64]; /* the 64 bytes the instruction read from its source operand */
	uint32_t insn;	  /* enum sva_exec_insn */
	uint32_t offset;  /* of the destination in the portal page */
};

#define SVA_EXEC_IOC_STORE _IOW('S', 0x40, struct sva_exec_store)

#endif /* SVA_EXEC_PORTAL_H */

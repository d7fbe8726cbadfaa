/* SPDX-License-Identifier: MIT */
/*
 * The shim's instruction decoder (decode.c): bytes at a faulting RIP -> MOVDIR64B, ENQCMD or
 * ENQCMDS with a memory source, its length, the register holding the destination and the
 * source's addressing; and the two addresses given a register file. Pure functions: no state,
 * no system calls, safe in a signal handler, unit-tested on byte sequences (test_shim_decode).
 *
 * 64-bit mode only. Accepted: legacy prefixes in any order and number (66 = MOVDIR64B, F2 =
 * ENQCMD, F3 = ENQCMDS - the last of F2/F3 wins, and either wins over 66; 67 = 32-bit
 * addresses; segment overrides, of which FS and GS add their base to the source), then an
 * optional REX (only directly before the opcode: a REX followed by a prefix is ignored, as the
 * CPU ignores it), then 0F 38 F8 and a ModRM with mod != 3 (mod == 3 is another instruction:
 * URDMSR/UWRMSR). The destination register is ModRM.reg + REX.R; its segment is ES (base 0).
 * LOCK (F0), VEX/EVEX/REX2, no mandatory prefix, or more than 15 bytes: not ours.
 */
#ifndef SVA_SHIM_DECODE_H
#define SVA_SHIM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the values of enum sva_exec_insn (tools/sva/exec/portal.h) */
enum sva_shim_kind {
	SVA_SHIM_MOVDIR64B = 1,
	SVA_SHIM_ENQCMD = 2,
	SVA_SHIM_ENQCMDS = 3,
};

enum sva_shim_seg {
	SVA_SHIM_SEG_DEFAULT = 0, /* DS or SS: base 0 in 64-bit mode, as ES and CS */
	SVA_SHIM_SEG_FS,
	SVA_SHIM_SEG_GS,
};

/* Register numbers as the encoding has them: 0 rax, 1 rcx, 2 rdx, 3 rbx, 4 rsp, 5 rbp, 6 rsi,
 * 7 rdi, 8..15 r8..r15. */
struct sva_shim_regs {
	uint64_t gpr[16];
	uint64_t rip; /* of the instruction (its first prefix) */
	uint64_t fs_base, gs_base;
};

struct sva_shim_insn {
	enum sva_shim_kind kind;
	unsigned len;	/* bytes, prefixes included */
	unsigned dst;	/* the register holding the destination (0..15) */
	bool addr32;	/* 67: the destination register and the source address are 32-bit */
	bool rip_rel;	/* the source is RIP + len + disp */
	int base;	/* the source's base register, -1 none */
	int index;	/* the source's index register, -1 none */
	unsigned scale; /* 1, 2, 4 or 8 */
	int32_t disp;
	enum sva_shim_seg seg;
};

/*
 * Decode @n bytes at @code. 0: *@out filled. -ENOEXEC: not one of the three instructions with
 * a memory source. -ENODATA: the @n bytes end before the instruction does (a read cut short by
 * an unmapped page): not known to be ours.
 */
int sva_shim_decode(const uint8_t *code, size_t n, struct sva_shim_insn *out);

/* The destination address (the register's value, its low 32 bits under 67). */
uint64_t sva_shim_dst(const struct sva_shim_insn *in, const struct sva_shim_regs *r);
/* The 64-byte source's effective address, segment base included. */
uint64_t sva_shim_src(const struct sva_shim_insn *in, const struct sva_shim_regs *r);

#endif /* SVA_SHIM_DECODE_H */

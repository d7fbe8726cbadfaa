/* SPDX-License-Identifier: MIT */
/*
 * The shim's decoder of MOVDIR64B / ENQCMD / ENQCMDS (the rules in decode.h). Pure: it reads
 * only the bytes and the register file it is given, so the signal handler may call it.
 */
#include "decode.h"

#include <errno.h>

#define MAX_INSN_LEN 15

int sva_shim_decode(const uint8_t *code, size_t n, struct sva_shim_insn *out)
{
	unsigned i = 0, rex = 0, mandatory = 0;
	bool opsize = false, addr32 = false;
	enum sva_shim_seg seg = SVA_SHIM_SEG_DEFAULT;
	uint8_t modrm, mod, rm;

	/* prefixes: legacy ones in any order, a REX only counts directly before the opcode */
	for (;; i++) {
		if (i >= MAX_INSN_LEN)
			return -ENOEXEC;
		if (i >= n)
			return -ENODATA;
		uint8_t b = code[i];

		if (b >= 0x40 && b <= 0x4f) {
			rex = b;
			continue;
		}
		if (b == 0x66)
			opsize = true;
		else if (b == 0xf2 || b == 0xf3)
			mandatory = b;
		else if (b == 0x67)
			addr32 = true;
		else if (b == 0x64)
			seg = SVA_SHIM_SEG_FS;
		else if (b == 0x65)
			seg = SVA_SHIM_SEG_GS;
		else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
			seg = SVA_SHIM_SEG_DEFAULT; /* ES, CS, SS, DS: base 0 in 64-bit mode */
		else
			break; /* F0 (LOCK) and everything else end the prefixes */
		rex = 0;       /* a REX followed by a legacy prefix is ignored */
	}
	/* the opcode 0F 38 F8 */
	static const uint8_t opcode[3] = { 0x0f, 0x38, 0xf8 };
	for (unsigned k = 0; k < 3; k++, i++) {
		if (i >= MAX_INSN_LEN)
			return -ENOEXEC;
		if (i >= n)
			return -ENODATA;
		if (code[i] != opcode[k])
			return -ENOEXEC;
	}
	if (mandatory == 0xf2)
		out->kind = SVA_SHIM_ENQCMD;
	else if (mandatory == 0xf3)
		out->kind = SVA_SHIM_ENQCMDS;
	else if (opsize)
		out->kind = SVA_SHIM_MOVDIR64B;
	else
		return -ENOEXEC;

	if (i >= MAX_INSN_LEN)
		return -ENOEXEC;
	if (i >= n)
		return -ENODATA;
	modrm = code[i++];
	mod = modrm >> 6;
	rm = modrm & 7;
	if (mod == 3)
		return -ENOEXEC; /* a register source: URDMSR / UWRMSR, not a store */

	out->dst = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	out->addr32 = addr32;
	out->rip_rel = false;
	out->base = -1;
	out->index = -1;
	out->scale = 1;
	out->disp = 0;
	out->seg = seg;

	unsigned disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;

	if (rm == 4) { /* SIB */
		if (i >= MAX_INSN_LEN)
			return -ENOEXEC;
		if (i >= n)
			return -ENODATA;
		uint8_t sib = code[i++];
		unsigned index = ((sib >> 3) & 7) | ((rex & 2) ? 8 : 0);
		unsigned base = (sib & 7) | ((rex & 1) ? 8 : 0);

		out->scale = 1u << (sib >> 6);
		if (index != 4) /* rsp is no index; r12 (REX.X) is one */
			out->index = (int)index;
		if ((sib & 7) == 5 && mod == 0)
			disp_len = 4; /* no base (rbp and r13 alike), disp32 */
		else
			out->base = (int)base;
	} else if (rm == 5 && mod == 0) {
		out->rip_rel = true; /* RIP-relative (EIP under 67), REX.B ignored */
		disp_len = 4;
	} else {
		out->base = (int)(rm | ((rex & 1) ? 8 : 0));
	}

	if (i + disp_len > MAX_INSN_LEN)
		return -ENOEXEC;
	if (i + disp_len > n)
		return -ENODATA;
	if (disp_len == 1) {
		out->disp = (int8_t)code[i];
	} else if (disp_len == 4) {
		uint32_t d = (uint32_t)code[i] | (uint32_t)code[i + 1] << 8 |
			     (uint32_t)code[i + 2] << 16 | (uint32_t)code[i + 3] << 24;
		out->disp = (int32_t)d;
	}
	i += disp_len;
	out->len = i;
	return 0;
}

uint64_t sva_shim_dst(const struct sva_shim_insn *in, const struct sva_shim_regs *r)
{
	uint64_t v = r->gpr[in->dst & 15];

	return in->addr32 ? (uint32_t)v : v;
}

uint64_t sva_shim_src(const struct sva_shim_insn *in, const struct sva_shim_regs *r)
{
	uint64_t ea = (uint64_t)(int64_t)in->disp; /* unsigned arithmetic: wraps as the CPU's */

	if (in->rip_rel)
		ea += r->rip + in->len;
	if (in->base >= 0)
		ea += r->gpr[in->base & 15];
	if (in->index >= 0)
		ea += r->gpr[in->index & 15] * in->scale;
	if (in->addr32)
		ea = (uint32_t)ea;
	if (in->seg == SVA_SHIM_SEG_FS)
		ea += r->fs_base;
	else if (in->seg == SVA_SHIM_SEG_GS)
		ea += r->gs_base;
	return ea;
}

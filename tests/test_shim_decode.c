/* SPDX-License-Identifier: MIT */
/*
 * The shim's decoder (tools/sva/shim/decode.c) on byte sequences: the encodings binutils'
 * assembler gives for MOVDIR64B / ENQCMD / ENQCMDS with every addressing form (each register
 * as destination and base through REX.R / REX.B, SIB with and without index, REX.X, disp8 and
 * disp32, RIP-relative, 67, segment overrides), the prefix rules, garbage and truncated reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../tools/sva/shim/decode.h"

#define DEC(insn, ...)                                       \
	({                                                   \
		static const uint8_t b_[] = { __VA_ARGS__ }; \
		sva_shim_decode(b_, sizeof(b_), (insn));     \
	})

/* a register file where each register's value names it: gpr[i] = 0x1000 * (i + 1) */
static struct sva_shim_regs regs(void)
{
	struct sva_shim_regs r = { .rip = 0x400000,
				   .fs_base = 0x7f0000000000ull,
				   .gs_base = 0x7e0000000000ull };

	for (unsigned i = 0; i < 16; i++)
		r.gpr[i] = 0x1000ull * (i + 1);
	return r;
}

static void test_movdir64b_rax_rdx(void **state)
{
	struct sva_shim_insn in;
	struct sva_shim_regs r = regs();
	(void)state;

	/* movdir64b (%rdx), %rax */
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0x02), 0);
	assert_int_equal(in.kind, SVA_SHIM_MOVDIR64B);
	assert_int_equal(in.len, 5);
	assert_int_equal(in.dst, 0);
	assert_int_equal(in.base, 2);
	assert_int_equal(in.index, -1);
	assert_false(in.rip_rel);
	assert_false(in.addr32);
	assert_int_equal(sva_shim_dst(&in, &r), 0x1000);
	assert_int_equal(sva_shim_src(&in, &r), 0x3000);
}

static void test_enqcmd_and_enqcmds(void **state)
{
	struct sva_shim_insn in;
	struct sva_shim_regs r = regs();
	(void)state;

	/* enqcmd (%rsi), %rdi */
	assert_int_equal(DEC(&in, 0xf2, 0x0f, 0x38, 0xf8, 0x3e), 0);
	assert_int_equal(in.kind, SVA_SHIM_ENQCMD);
	assert_int_equal(in.len, 5);
	assert_int_equal(sva_shim_dst(&in, &r), 0x8000);
	assert_int_equal(sva_shim_src(&in, &r), 0x7000);
	/* enqcmds (%rsi), %rdi */
	assert_int_equal(DEC(&in, 0xf3, 0x0f, 0x38, 0xf8, 0x3e), 0);
	assert_int_equal(in.kind, SVA_SHIM_ENQCMDS);
	assert_int_equal(in.dst, 7);
	/* F2/F3 win over 66, and the last of them wins */
	assert_int_equal(DEC(&in, 0x66, 0xf2, 0x0f, 0x38, 0xf8, 0x3e), 0);
	assert_int_equal(in.kind, SVA_SHIM_ENQCMD);
	assert_int_equal(in.len, 6);
	assert_int_equal(DEC(&in, 0xf2, 0x66, 0x0f, 0x38, 0xf8, 0x3e), 0);
	assert_int_equal(in.kind, SVA_SHIM_ENQCMD);
	assert_int_equal(DEC(&in, 0xf2, 0xf3, 0x0f, 0x38, 0xf8, 0x3e), 0);
	assert_int_equal(in.kind, SVA_SHIM_ENQCMDS);
	assert_int_equal(DEC(&in, 0xf3, 0xf2, 0x0f, 0x38, 0xf8, 0x3e), 0);
	assert_int_equal(in.kind, SVA_SHIM_ENQCMD);
}

/* Each of the 16 registers as destination (reg + REX.R) and as base (r/m + REX.B). */
static void test_every_register(void **state)
{
	struct sva_shim_regs r = regs();
	(void)state;

	for (unsigned dst = 0; dst < 16; dst++) {
		for (unsigned base = 0; base < 16; base++) {
			uint8_t b[8];
			unsigned n = 0;
			struct sva_shim_insn in;
			uint8_t rex = 0x40 | (dst & 8 ? 4 : 0) | (base & 8 ? 1 : 0);

			b[n++] = 0x66;
			if (rex != 0x40)
				b[n++] = rex;
			b[n++] = 0x0f;
			b[n++] = 0x38;
			b[n++] = 0xf8;
			if ((base & 7) == 4) { /* rsp, r12: only through a SIB without index */
				b[n++] = 0x04 | (dst & 7) << 3;
				b[n++] = 0x24;
			} else if ((base & 7) ==
				   5) { /* rbp, r13: mod 0 is RIP / disp32, so disp8 0 */
				b[n++] = 0x45 | (dst & 7) << 3;
				b[n++] = 0x00;
			} else {
				b[n++] = (uint8_t)((dst & 7) << 3 | (base & 7));
			}
			assert_int_equal(sva_shim_decode(b, n, &in), 0);
			assert_int_equal(in.len, n);
			assert_int_equal(in.dst, dst);
			assert_int_equal(in.base, (int)base);
			assert_int_equal(in.index, -1);
			assert_int_equal(sva_shim_dst(&in, &r), 0x1000ull * (dst + 1));
			assert_int_equal(sva_shim_src(&in, &r), 0x1000ull * (base + 1));
		}
	}
}

static void test_sib_index_scale_disp(void **state)
{
	struct sva_shim_insn in;
	struct sva_shim_regs r = regs();
	(void)state;

	/* movdir64b -0x4(%rbp,%r12,8), %r8: REX.R, REX.X, disp8 negative */
	assert_int_equal(DEC(&in, 0x66, 0x46, 0x0f, 0x38, 0xf8, 0x44, 0xe5, 0xfc), 0);
	assert_int_equal(in.len, 8);
	assert_int_equal(in.dst, 8);
	assert_int_equal(in.base, 5);
	assert_int_equal(in.index, 12);
	assert_int_equal(in.scale, 8);
	assert_int_equal(in.disp, -4);
	assert_int_equal(sva_shim_src(&in, &r), 0x6000 + 0xd000 * 8 - 4);
	/* movdir64b 0x12345678(%r13), %rdi: REX.B, disp32 */
	assert_int_equal(DEC(&in, 0x66, 0x41, 0x0f, 0x38, 0xf8, 0xbd, 0x78, 0x56, 0x34, 0x12), 0);
	assert_int_equal(in.len, 10);
	assert_int_equal(in.dst, 7);
	assert_int_equal(sva_shim_src(&in, &r), 0xe000 + 0x12345678);
	/* movdir64b 0x1000(,%rbx,2), %rdx: SIB with no base, disp32 */
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0x14, 0x5d, 0x00, 0x10, 0x00, 0x00), 0);
	assert_int_equal(in.len, 10);
	assert_int_equal(in.base, -1);
	assert_int_equal(in.index, 3);
	assert_int_equal(sva_shim_src(&in, &r), 0x1000 + 0x4000 * 2);
	/* SIB with no base and REX.B (r13's encoding): still no base */
	assert_int_equal(DEC(&in, 0x66, 0x41, 0x0f, 0x38, 0xf8, 0x14, 0x25, 0x40, 0, 0, 0), 0);
	assert_int_equal(in.base, -1);
	assert_int_equal(in.index, -1);
	assert_int_equal(sva_shim_src(&in, &r), 0x40);
	/* index 100 without REX.X is none; with it, r12 */
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0x04, 0xa0), 0);
	assert_int_equal(in.index, -1);
	assert_int_equal(in.base, 0);
	assert_int_equal(DEC(&in, 0x66, 0x42, 0x0f, 0x38, 0xf8, 0x04, 0xa0), 0);
	assert_int_equal(in.index, 12);
	assert_int_equal(in.scale, 4);
	assert_int_equal(sva_shim_src(&in, &r), 0x1000 + 0xd000 * 4);
	/* mod 2 with a SIB: disp32 after the SIB */
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0x84, 0x4b, 0x00, 0x01, 0x00, 0x80), 0);
	assert_int_equal(in.len, 10);
	assert_int_equal(in.disp, (int32_t)0x80000100);
	assert_int_equal(sva_shim_src(&in, &r), 0x4000 + 0x2000 * 2 + 0xffffffff80000100ull);
}

static void test_rip_relative(void **state)
{
	struct sva_shim_insn in;
	struct sva_shim_regs r = regs();
	(void)state;

	/* movdir64b 0x10(%rip), %rsi */
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0x35, 0x10, 0x00, 0x00, 0x00), 0);
	assert_true(in.rip_rel);
	assert_int_equal(in.len, 9);
	assert_int_equal(in.base, -1);
	assert_int_equal(in.dst, 6);
	assert_int_equal(sva_shim_src(&in, &r), 0x400000 + 9 + 0x10);
	/* REX.B does not make it r13: still RIP-relative, negative */
	assert_int_equal(DEC(&in, 0x66, 0x41, 0x0f, 0x38, 0xf8, 0x05, 0xf0, 0xff, 0xff, 0xff), 0);
	assert_true(in.rip_rel);
	assert_int_equal(sva_shim_src(&in, &r), 0x400000 + 10 - 0x10);
}

static void test_addr32(void **state)
{
	struct sva_shim_insn in;
	struct sva_shim_regs r = regs();
	(void)state;

	r.gpr[0] = 0xdeadbeef00001000ull;
	r.gpr[2] = 0xffffffff00002000ull;
	/* movdir64b (%edx), %eax */
	assert_int_equal(DEC(&in, 0x67, 0x66, 0x0f, 0x38, 0xf8, 0x02), 0);
	assert_true(in.addr32);
	assert_int_equal(in.len, 6);
	assert_int_equal(sva_shim_dst(&in, &r), 0x1000);
	assert_int_equal(sva_shim_src(&in, &r), 0x2000);
	/* a 32-bit sum wraps at 4 GiB: -0x3000(%edx) */
	assert_int_equal(DEC(&in, 0x66, 0x67, 0x0f, 0x38, 0xf8, 0x82, 0x00, 0xd0, 0xff, 0xff), 0);
	assert_int_equal(sva_shim_src(&in, &r), 0xfffff000ull);
	/* EIP-relative */
	r.rip = 0x1fffffff0ull;
	assert_int_equal(DEC(&in, 0x67, 0x66, 0x0f, 0x38, 0xf8, 0x05, 0x00, 0x00, 0x00, 0x00), 0);
	assert_int_equal(sva_shim_src(&in, &r), (uint32_t)(0x1fffffff0ull + 10));
	/* the same without 67: 64-bit */
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0x02), 0);
	assert_int_equal(sva_shim_dst(&in, &r), 0xdeadbeef00001000ull);
	assert_int_equal(sva_shim_src(&in, &r), 0xffffffff00002000ull);
}

static void test_segment_overrides(void **state)
{
	struct sva_shim_insn in;
	struct sva_shim_regs r = regs();
	(void)state;

	/* movdir64b %fs:(%rax), %rbx */
	assert_int_equal(DEC(&in, 0x64, 0x66, 0x0f, 0x38, 0xf8, 0x18), 0);
	assert_int_equal(in.seg, SVA_SHIM_SEG_FS);
	assert_int_equal(sva_shim_src(&in, &r), 0x7f0000000000ull + 0x1000);
	assert_int_equal(sva_shim_dst(&in, &r), 0x4000); /* ES: no override */
	assert_int_equal(DEC(&in, 0x65, 0x66, 0x0f, 0x38, 0xf8, 0x18), 0);
	assert_int_equal(sva_shim_src(&in, &r), 0x7e0000000000ull + 0x1000);
	/* the last override wins; ES/CS/SS/DS have base 0 */
	assert_int_equal(DEC(&in, 0x65, 0x2e, 0x66, 0x0f, 0x38, 0xf8, 0x18), 0);
	assert_int_equal(sva_shim_src(&in, &r), 0x1000);
	assert_int_equal(DEC(&in, 0x3e, 0x26, 0x36, 0x64, 0x66, 0x0f, 0x38, 0xf8, 0x18), 0);
	assert_int_equal(in.len, 9);
	assert_int_equal(sva_shim_src(&in, &r), 0x7f0000000000ull + 0x1000);
}

static void test_rex_placement(void **state)
{
	struct sva_shim_insn in;
	(void)state;

	/* REX before the 66: ignored, so rax/rdx, not r8/r10 */
	assert_int_equal(DEC(&in, 0x45, 0x66, 0x0f, 0x38, 0xf8, 0x02), 0);
	assert_int_equal(in.dst, 0);
	assert_int_equal(in.base, 2);
	/* REX between 66 and the opcode counts */
	assert_int_equal(DEC(&in, 0x66, 0x45, 0x0f, 0x38, 0xf8, 0x02), 0);
	assert_int_equal(in.dst, 8);
	assert_int_equal(in.base, 10);
	/* REX.W changes nothing */
	assert_int_equal(DEC(&in, 0x66, 0x48, 0x0f, 0x38, 0xf8, 0x02), 0);
	assert_int_equal(in.dst, 0);
	assert_int_equal(in.len, 6);
}

static void test_not_ours(void **state)
{
	struct sva_shim_insn in;
	(void)state;

	/* no mandatory prefix */
	assert_int_equal(DEC(&in, 0x0f, 0x38, 0xf8, 0x02), -ENOEXEC);
	/* mod 3: a register operand (URDMSR / UWRMSR) */
	assert_int_equal(DEC(&in, 0xf2, 0x0f, 0x38, 0xf8, 0xc0), -ENOEXEC);
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf8, 0xc2), -ENOEXEC);
	/* LOCK: #UD, not a store */
	assert_int_equal(DEC(&in, 0xf0, 0x66, 0x0f, 0x38, 0xf8, 0x02), -ENOEXEC);
	/* neighbours: MOVDIRI (0F 38 F9), other 0F 38 maps, a plain mov store */
	assert_int_equal(DEC(&in, 0x0f, 0x38, 0xf9, 0x02), -ENOEXEC);
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x38, 0xf9, 0x02), -ENOEXEC);
	assert_int_equal(DEC(&in, 0x66, 0x0f, 0x3a, 0xf8, 0x02), -ENOEXEC);
	assert_int_equal(DEC(&in, 0x48, 0x89, 0x02), -ENOEXEC);
	assert_int_equal(DEC(&in, 0xc5, 0xf8, 0x77), -ENOEXEC); /* VEX vzeroupper */
	assert_int_equal(DEC(&in, 0xd5, 0x00, 0x0f), -ENOEXEC); /* REX2 */
	/* too long: 15 bytes at most, prefixes included */
	assert_int_equal(DEC(&in, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x0f, 0x38, 0xf8, 0x02),
			 0);
	assert_int_equal(in.len, 15);
	assert_int_equal(DEC(&in, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x0f, 0x38, 0xf8, 0x02),
			 -ENOEXEC);
	assert_int_equal(DEC(&in, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x0f, 0x38, 0xf8, 0x42, 0x00),
			 -ENOEXEC);
	uint8_t prefixes[32];
	memset(prefixes, 0x66, sizeof(prefixes));
	assert_int_equal(sva_shim_decode(prefixes, sizeof(prefixes), &in), -ENOEXEC);
}

/* Every prefix of a valid encoding is -ENODATA, never a wrong decode; a wrong byte is -ENOEXEC. */
static void test_truncated(void **state)
{
	static const uint8_t full[][12] = {
		{ 10, 0x66, 0x41, 0x0f, 0x38, 0xf8, 0xbd, 0x78, 0x56, 0x34, 0x12 },
		{ 8, 0x66, 0x46, 0x0f, 0x38, 0xf8, 0x44, 0xe5, 0xfc },
		{ 9, 0x66, 0x0f, 0x38, 0xf8, 0x35, 0x10, 0x00, 0x00, 0x00 },
		{ 6, 0x67, 0x66, 0x0f, 0x38, 0xf8, 0x02 },
		{ 5, 0xf2, 0x0f, 0x38, 0xf8, 0x3e },
	};
	struct sva_shim_insn in;
	(void)state;

	for (size_t k = 0; k < sizeof(full) / sizeof(full[0]); k++) {
		const uint8_t *b = &full[k][1];
		size_t len = full[k][0];

		for (size_t n = 0; n < len; n++)
			assert_int_equal(sva_shim_decode(b, n, &in), -ENODATA);
		assert_int_equal(sva_shim_decode(b, len, &in), 0);
		assert_int_equal(in.len, len);
		/* extra bytes after the instruction are not part of it */
		uint8_t more[16] = { 0 };
		memcpy(more, b, len);
		more[len] = 0x90;
		assert_int_equal(sva_shim_decode(more, len + 1, &in), 0);
		assert_int_equal(in.len, len);
	}
	/* an early wrong byte is known not ours however short the read */
	static const uint8_t wrong[] = { 0x66, 0x0f, 0x39 };
	assert_int_equal(sva_shim_decode(wrong, 3, &in), -ENOEXEC);
	assert_int_equal(sva_shim_decode(wrong, 0, &in), -ENODATA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_movdir64b_rax_rdx),
		cmocka_unit_test(test_enqcmd_and_enqcmds),
		cmocka_unit_test(test_every_register),
		cmocka_unit_test(test_sib_index_scale_disp),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_addr32),
		cmocka_unit_test(test_segment_overrides),
		cmocka_unit_test(test_rex_placement),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests_name("shim_decode", tests, NULL, NULL);
}

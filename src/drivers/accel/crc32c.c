/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli): the reflected polynomial 0x82f63b78, initial value and final xor all
 * ones, so sva_crc32c(0, "123456789", 9) == 0xe3069283 and a CRC chains through its seed.
 *
 * A byte at a time through a 256-entry table that the compiler computes from the polynomial
 * (each entry is the byte folded in bit by bit, without a branch, in a constant expression):
 * read-only data, no initialisation at run time, no mutable state.
 */
#include "internal.h"

#define SVA_CRC32C_POLY 0x82f63b78u

/* One bit folded in; eight of them make a table entry. */
#define SVA_CRC_BIT(c)	(((c) >> 1) ^ (SVA_CRC32C_POLY & (0u - ((c)&1u))))
#define SVA_CRC_BIT2(c) SVA_CRC_BIT(SVA_CRC_BIT(c))
#define SVA_CRC_BIT8(c) SVA_CRC_BIT2(SVA_CRC_BIT2(SVA_CRC_BIT2(SVA_CRC_BIT2(c))))
#define SVA_CRC_T(i)	SVA_CRC_BIT8((uint32_t)(i))
#define SVA_CRC_R4(i)	SVA_CRC_T(i), SVA_CRC_T((i) + 1), SVA_CRC_T((i) + 2), SVA_CRC_T((i) + 3)
#define SVA_CRC_R16(i)	SVA_CRC_R4(i), SVA_CRC_R4((i) + 4), SVA_CRC_R4((i) + 8), SVA_CRC_R4((i) + 12)
#define SVA_CRC_R64(i) \
	SVA_CRC_R16(i), SVA_CRC_R16((i) + 16), SVA_CRC_R16((i) + 32), SVA_CRC_R16((i) + 48)

static const uint32_t sva_crc32c_table[256] = {
	SVA_CRC_R64(0),
	SVA_CRC_R64(64),
	SVA_CRC_R64(128),
	SVA_CRC_R64(192),
};

uint32_t sva_crc32c(uint32_t seed, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = ~seed;

	for (size_t i = 0; i < len; i++)
		crc = (crc >> 8) ^ sva_crc32c_table[(crc ^ p[i]) & 0xffu];
	return ~crc;
}

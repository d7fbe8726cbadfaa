/* SPDX-License-Identifier: MIT */
/*
 * CRC32C (Castagnoli): the reflected polynomial 0x82f63b78, initial value and final xor all
 * ones, so sva_crc32c(0, "123456789", 9) == 0xe3069283 and a CRC chains through its seed (DSA's
 * CRCGEN with a seed). And the T10-DIF CRC16 of DIF guards: the polynomial 0x8bb7, not
 * reflected, no xor (the DIF flags invert seed or result): "123456789" gives 0xd0db.
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

#define SVA_CRC16_POLY 0x8bb7u

/* One bit folded in, most significant first; eight of them make a table entry. */
#define SVA_C16_BIT(c)	((((c) << 1) ^ (SVA_CRC16_POLY & (0u - (((c) >> 15) & 1u)))) & 0xffffu)
#define SVA_C16_BIT2(c) SVA_C16_BIT(SVA_C16_BIT(c))
#define SVA_C16_BIT8(c) SVA_C16_BIT2(SVA_C16_BIT2(SVA_C16_BIT2(SVA_C16_BIT2(c))))
#define SVA_C16_T(i)	((uint16_t)SVA_C16_BIT8((uint32_t)(i) << 8))
#define SVA_C16_R4(i)	SVA_C16_T(i), SVA_C16_T((i) + 1), SVA_C16_T((i) + 2), SVA_C16_T((i) + 3)
#define SVA_C16_R16(i)	SVA_C16_R4(i), SVA_C16_R4((i) + 4), SVA_C16_R4((i) + 8), SVA_C16_R4((i) + 12)
#define SVA_C16_R64(i) \
	SVA_C16_R16(i), SVA_C16_R16((i) + 16), SVA_C16_R16((i) + 32), SVA_C16_R16((i) + 48)

static const uint16_t sva_crc16_table[256] = {
	SVA_C16_R64(0),
	SVA_C16_R64(64),
	SVA_C16_R64(128),
	SVA_C16_R64(192),
};

uint16_t sva_crc16_t10dif(uint16_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		crc = (uint16_t)((crc << 8) ^ sva_crc16_table[((crc >> 8) ^ p[i]) & 0xffu]);
	return crc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The DIF operations of the software accelerator (DIF_CHECK, DIF_INS, DIF_STRP, DIF_UPDT): T10
 * protection information, an 8-byte tuple after each block of data - the guard (the T10-DIF
 * CRC16 of the block, big-endian), the application tag (16 bits) and the reference tag (32
 * bits), both big-endian.
 *
 * What is modelled (docs/accelerators.md): the four block sizes (512, 520, 4096, 4104); the
 * guard's CRC with its seed and result inverted or not; the source checks (guard, application
 * tag under its mask, reference tag; each tag fixed or incrementing per block; the guard and
 * reference-tag checks disabled; the F-detect escapes and the all-F error); the new tuples of
 * DIF_INS and DIF_UPDT (tags from their seeds, fixed or incrementing, or passed through from the
 * source by DIF_UPDT). A block is read whole (a tuple never splits from its data), so faults and
 * errors stop at a block boundary: bytes_completed counts the source bytes of the blocks done,
 * and the record's tags are those of the next block, which a resubmission starts from.
 *
 * No locks; an engine's buffers (three pages, contiguous) hold a block in and a block out.
 */
#include <string.h>

#include "internal.h"

static const unsigned sva_dif_blocks[4] = { 512, 520, 4096, 4104 };

unsigned sva_accel_dif_block(uint8_t flags)
{
	return sva_dif_blocks[flags & SVA_DSA_DIF_BLOCK_MASK];
}

/* The DIF checks of @d once the common ones passed: 0 or a status. */
unsigned sva_accel_dif_check_desc(const struct dsa_hw_desc *d)
{
	unsigned bs = sva_accel_dif_block(d->dif_chk_flags);
	unsigned unit = d->opcode == DSA_OPCODE_DIF_INS ? bs : bs + 8;
	uint8_t dst_ok = 0;

	if (d->dif_chk_flags &
	    ~(SVA_DSA_DIF_BLOCK_MASK | SVA_DSA_DIF_INVERT_CRC_SEED | SVA_DSA_DIF_INVERT_CRC_RESULT))
		return DSA_COMP_NOZERO_RESERVE;
	if (d->opcode == DSA_OPCODE_DIF_INS)
		dst_ok = SVA_DSA_DIF_DST_APP_TAG_INC | SVA_DSA_DIF_DST_REF_TAG_FIXED;
	else if (d->opcode == DSA_OPCODE_DIF_UPDT)
		dst_ok = SVA_DSA_DIF_DST_APP_TAG_INC | SVA_DSA_DIF_DST_REF_TAG_FIXED |
			 SVA_DSA_DIF_DST_APP_TAG_PASS | SVA_DSA_DIF_DST_REF_TAG_PASS;
	if ((d->opcode == DSA_OPCODE_DIF_INS || d->opcode == DSA_OPCODE_DIF_UPDT) &&
	    (d->dest_dif_flag & ~dst_ok))
		return DSA_COMP_NOZERO_RESERVE;
	if (!d->xfer_size || d->xfer_size % unit)
		return DSA_COMP_XFER_ERANGE;
	return 0;
}

static uint16_t sva_dif_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t sva_dif_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The guard of @bs bytes at @blk under the DIF flags @flags. */
static uint16_t sva_dif_guard(const uint8_t *blk, unsigned bs, uint8_t flags)
{
	uint16_t crc = flags & SVA_DSA_DIF_INVERT_CRC_SEED ? 0xffff : 0;

	crc = sva_crc16_t10dif(crc, blk, bs);
	return flags & SVA_DSA_DIF_INVERT_CRC_RESULT ? (uint16_t)~crc : crc;
}

static void sva_dif_tuple(uint8_t *p, uint16_t guard, uint16_t app, uint32_t ref)
{
	p[0] = (uint8_t)(guard >> 8);
	p[1] = (uint8_t)guard;
	p[2] = (uint8_t)(app >> 8);
	p[3] = (uint8_t)app;
	p[4] = (uint8_t)(ref >> 24);
	p[5] = (uint8_t)(ref >> 16);
	p[6] = (uint8_t)(ref >> 8);
	p[7] = (uint8_t)ref;
}

/* The tags of block @k from seeds, fixed or incrementing. */
struct sva_dif_tags {
	uint32_t ref;
	uint16_t app;
};

static struct sva_dif_tags sva_dif_tags_at(uint32_t ref, bool ref_fixed, uint16_t app, bool app_inc,
					   uint64_t k)
{
	return (struct sva_dif_tags){
		.ref = ref_fixed ? ref : (uint32_t)(ref + k),
		.app = app_inc ? (uint16_t)(app + k) : app,
	};
}

/* Check the source block @blk (data and tuple): 0 or SVA_DSA_DIF_ERR_* bits. */
static unsigned sva_dif_verify(const uint8_t *blk, unsigned bs, uint8_t flags, uint8_t sflags,
			       struct sva_dif_tags want, uint16_t mask)
{
	const uint8_t *t = blk + bs;
	uint16_t app = sva_dif_be16(t + 2);
	uint32_t ref = sva_dif_be32(t + 4);
	bool all_f = app == 0xffff && ref == 0xffffffffu && sva_dif_be16(t) == 0xffff;
	unsigned err = 0;

	if (all_f && (sflags & SVA_DSA_DIF_SRC_ALL_F_DETECT_ERR))
		return SVA_DSA_DIF_ERR_ALL_F;
	if ((all_f && (sflags & SVA_DSA_DIF_SRC_ALL_F_DETECT)) ||
	    (app == 0xffff && (sflags & SVA_DSA_DIF_SRC_APP_TAG_F_DETECT)) ||
	    (app == 0xffff && ref == 0xffffffffu && (sflags & SVA_DSA_DIF_SRC_APP_REF_F_DETECT)))
		return 0; /* an escape: the block is not checked */
	if (!(sflags & SVA_DSA_DIF_SRC_GUARD_CHECK_DISABLE) &&
	    sva_dif_guard(blk, bs, flags) != sva_dif_be16(t))
		err |= SVA_DSA_DIF_ERR_GUARD;
	if ((app ^ want.app) & (uint16_t)~mask)
		err |= SVA_DSA_DIF_ERR_APP_TAG;
	if (!(sflags & SVA_DSA_DIF_SRC_REF_TAG_CHECK_DISABLE) && ref != want.ref)
		err |= SVA_DSA_DIF_ERR_REF_TAG;
	return err;
}

/* The record's tags: those of block @k, the next one to process. */
static void sva_dif_record(const struct dsa_hw_desc *d, struct dsa_completion_record *c, uint64_t k)
{
	uint8_t sf = d->src_dif_flags, df = d->dest_dif_flag;
	struct sva_dif_tags s =
		sva_dif_tags_at(d->chk_ref_tag_seed, sf & SVA_DSA_DIF_SRC_REF_TAG_FIXED,
				d->chk_app_tag_seed, sf & SVA_DSA_DIF_SRC_APP_TAG_INC, k);
	struct sva_dif_tags t =
		sva_dif_tags_at(d->ins_ref_tag_seed, df & SVA_DSA_DIF_DST_REF_TAG_FIXED,
				d->ins_app_tag_seed, df & SVA_DSA_DIF_DST_APP_TAG_INC, k);

	switch (d->opcode) {
	case DSA_OPCODE_DIF_CHECK:
	case DSA_OPCODE_DIF_STRP:
		c->dif_chk_ref_tag = s.ref;
		c->dif_chk_app_tag_mask = d->chk_app_tag_mask;
		c->dif_chk_app_tag = s.app;
		break;
	case DSA_OPCODE_DIF_INS:
		c->dif_ins_ref_tag = t.ref;
		c->dif_ins_app_tag_mask = d->ins_app_tag_mask;
		c->dif_ins_app_tag = t.app;
		break;
	default:
		c->dif_upd_src_ref_tag = s.ref;
		c->dif_upd_src_app_tag_mask = d->src_app_tag_mask;
		c->dif_upd_src_app_tag = s.app;
		c->dif_upd_dest_ref_tag = t.ref;
		c->dif_upd_dest_app_tag_mask = d->dest_app_tag_mask;
		c->dif_upd_dest_app_tag = t.app;
		break;
	}
}

/*
 * Build the output block of block @k from @in into @out: DIF_INS the data and a new tuple,
 * DIF_STRP the data, DIF_UPDT the data and a new tuple (tags passed through if asked).
 */
static void sva_dif_output(const struct dsa_hw_desc *d, const uint8_t *in, uint8_t *out,
			   unsigned bs, uint64_t k)
{
	uint8_t df = d->dest_dif_flag;
	struct sva_dif_tags t;

	memcpy(out, in, bs);
	if (d->opcode == DSA_OPCODE_DIF_STRP)
		return;
	t = sva_dif_tags_at(d->ins_ref_tag_seed, df & SVA_DSA_DIF_DST_REF_TAG_FIXED,
			    d->ins_app_tag_seed, df & SVA_DSA_DIF_DST_APP_TAG_INC, k);
	if (d->opcode == DSA_OPCODE_DIF_UPDT && (df & SVA_DSA_DIF_DST_APP_TAG_PASS))
		t.app = sva_dif_be16(in + bs + 2);
	if (d->opcode == DSA_OPCODE_DIF_UPDT && (df & SVA_DSA_DIF_DST_REF_TAG_PASS))
		t.ref = sva_dif_be32(in + bs + 4);
	sva_dif_tuple(out + bs, sva_dif_guard(in, bs, d->dif_chk_flags), t.app, t.ref);
}

void sva_accel_dif(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
		   struct dsa_completion_record *c)
{
	unsigned bs = sva_accel_dif_block(d->dif_chk_flags);
	bool check = d->opcode != DSA_OPCODE_DIF_INS, write = d->opcode != DSA_OPCODE_DIF_CHECK;
	unsigned in_unit = check ? bs + 8 : bs;
	unsigned out_unit = d->opcode == DSA_OPCODE_DIF_STRP ? bs : bs + 8;
	uint64_t n = d->xfer_size / in_unit;
	uint8_t *in = (uint8_t *)x->e->buf, *out = in + SVA_PAGE_SIZE + 1024; /* 3 pages */
	uint8_t sf = d->src_dif_flags;
	struct sva_dma_status st;

	static_assert(sizeof(x->e->buf) >= 2 * (SVA_PAGE_SIZE + 1024), "two DIF blocks");
	for (uint64_t k = 0; k < n; k++) {
		if (!sva_accel_page(x, c, k * in_unit)) {
			sva_dif_record(d, c, k);
			return;
		}
		if (sva_accel_dma(x, d->src_addr + k * in_unit, in, in_unit, false, &st)) {
			sva_accel_fault(x, c, k * in_unit, &st, false);
			sva_dif_record(d, c, k);
			return;
		}
		if (check) {
			struct sva_dif_tags want = sva_dif_tags_at(
				d->chk_ref_tag_seed, sf & SVA_DSA_DIF_SRC_REF_TAG_FIXED,
				d->chk_app_tag_seed, sf & SVA_DSA_DIF_SRC_APP_TAG_INC, k);
			unsigned err = sva_dif_verify(in, bs, d->dif_chk_flags, sf, want,
						      d->chk_app_tag_mask);

			if (err) {
				c->status = DSA_COMP_DIF_ERR;
				c->dif_status = (uint8_t)err;
				c->bytes_completed = (uint32_t)(k * in_unit);
				sva_dif_record(d, c, k);
				return;
			}
		}
		if (!write)
			continue;
		sva_dif_output(d, in, out, bs, k);
		if (sva_accel_dma(x, d->dst_addr + k * out_unit, out, out_unit, true, &st)) {
			sva_accel_fault(x, c, k * in_unit, &st, true);
			sva_dif_record(d, c, k);
			return;
		}
	}
	c->status = DSA_COMP_SUCCESS;
	c->bytes_completed = d->xfer_size;
	sva_dif_record(d, c, n);
}

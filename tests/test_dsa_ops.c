/* SPDX-License-Identifier: MIT */
/*
 * The software accelerator speaks Intel DSA (src/drivers/accel/ops.c, dif.c): the bytes of the
 * kernel's uapi layouts; every opcode's result and completion record checked against the CPU's
 * own computation (a bit-at-a-time CRC16 and delta record made here, not the library's),
 * without faults, with a page of a source or a destination swapped out - block-on-fault off
 * (the partial record, then the client touches the page and resubmits) and on (a PRI device
 * resolves it); every error status the checks give, the software error register, Check Result,
 * batches (FENCE, a page fault in the list, with and without block-on-fault) and DRAIN.
 *
 * Tasks cannot use cmocka's asserts (they run on actors): they return 0 or the line of the
 * first failed check. Each case runs on native threads and under the sim seeds.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sva/accel.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "testutil.h"

#define PAGE	  SVA_PAGE_SIZE
#define RW	  (SVA_PROT_READ | SVA_PROT_WRITE)
#define MAX_POLLS 50000000ul
#define NBUF	  4 /* A, B, C, D: two pages each */
#define BUFLEN	  (2 * PAGE)

#define TCHECK(cond)                                                                          \
	do {                                                                                  \
		if (!(cond)) {                                                                \
			fprintf(stderr, "task check failed, line %d: %s\n", __LINE__, #cond); \
			return __LINE__;                                                      \
		}                                                                             \
	} while (0)
#define TRY(expr)                    \
	do {                         \
		int try_ = (expr);   \
		if (try_)            \
			return try_; \
	} while (0)

enum { A, B, C, D };

/* ---- the machine: wq0 shared, wq1 shared with block-on-fault (a PRI device), wq2 dedicated ----
 */

struct env {
	struct sva_world *w;
	struct sva_kernel *k;
	struct sva_iommu_sys *isys;
	struct sva_swiommu *sw;
	struct sva_device *dev;
	struct sva_accel *a;
};

#define MAX_BATCH 8

/* The machine on a device with PRI, and with ATS when @ats (its DMA goes through its ATC). */
static void env_init_dev(struct env *e, const struct sva_test_backend *bc, unsigned engines,
			 bool ats)
{
	struct sva_swiommu_config scfg = { .name = "swiommu0" };
	struct sva_device_config dcfg = {
		.name = "dsadev", .pasid_bits = 20, .pri = true, .ats = ats
	};
	struct sva_accel_config acfg = {
		.name = "dsa0",
		.engines = engines,
		.nwqs = 3,
		.wqs = { { .mode = SVA_ACCEL_WQ_SHARED, .depth = 16, .max_xfer = 4 * PAGE },
			 { .mode = SVA_ACCEL_WQ_SHARED, .depth = 16, .block_on_fault = true },
			 { .mode = SVA_ACCEL_WQ_DEDICATED, .depth = 16 } },
		.max_xfer = 64 * PAGE,
		.max_batch = MAX_BATCH,
	};

	memset(e, 0, sizeof(*e));
	e->w = sva_test_world(bc->backend, bc->seed);
	assert_int_equal(sva_kernel_create(e->w, NULL, &e->k), 0);
	assert_int_equal(sva_iommu_sys_create(sva_kernel_mm_sys(e->k), &e->isys), 0);
	assert_int_equal(sva_swiommu_create(e->isys, &scfg, &e->sw), 0);
	assert_int_equal(sva_device_add(sva_swiommu_iommu(e->sw), &dcfg, &e->dev), 0);
	assert_int_equal(sva_accel_create(e->k, e->dev, &acfg, &e->a), 0);
}

static void env_init(struct env *e, const struct sva_test_backend *bc, unsigned engines)
{
	env_init_dev(e, bc, engines, false);
}

static void env_done(struct env *e)
{
	struct sva_accel_stats s;

	sva_kernel_quiesce(e->k);
	sva_accel_get_stats(e->a, &s);
	assert_int_equal(s.submitted, s.completed + s.aborted);
	sva_accel_destroy(e->a);
	sva_kernel_quiesce(e->k);
	sva_device_remove(e->dev);
	sva_swiommu_destroy(e->sw);
	sva_iommu_sys_destroy(e->isys);
	sva_kernel_destroy(e->k);
	sva_test_world_done(e->w);
}

static uint64_t t_mmap(struct sva_task *t, uint64_t len)
{
	uint64_t a;

	if (sva_sys_mmap(t, 0, len, RW, SVA_MAP_POPULATE, -1, 0, &a))
		return 0;
	return a;
}

/* Zero the record at @comp, submit @d, wait for the record. */
static int t_run(struct sva_task *t, struct sva_accel_client *c, const struct dsa_hw_desc *d,
		 uint64_t comp, struct dsa_completion_record *r)
{
	static const struct dsa_completion_record zero;

	TCHECK(sva_sys_write_mem(t, comp, &zero, sizeof(zero)) == 0);
	TCHECK(sva_accel_client_submit(t, c, d) == 0);
	TCHECK(sva_accel_client_wait(t, c, comp, r, MAX_POLLS) == 0);
	return 0;
}

/* ---- the CPU's own computations ---- */

static uint16_t ref_crc16(const uint8_t *p, size_t len, uint16_t crc)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++)
			crc = (uint16_t)(crc & 0x8000 ? (crc << 1) ^ 0x8bb7 : crc << 1);
	}
	return crc;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* @n blocks of 512 data bytes from @data, each followed by its tuple (ref + k, app), to @out. */
static void ref_dif(uint8_t *out, const uint8_t *data, unsigned n, uint32_t ref, uint16_t app)
{
	for (unsigned k = 0; k < n; k++) {
		uint8_t *blk = out + k * 520;

		memcpy(blk, data + k * 512, 512);
		put_be(blk + 512, ref_crc16(blk, 512, 0), 2);
		put_be(blk + 514, app, 2);
		put_be(blk + 516, ref + k, 4);
	}
}

/* The delta record from @old to @new (@len bytes): 0 or its size. */
static uint32_t ref_delta(uint8_t *rec, const uint8_t *old, const uint8_t *new, size_t len)
{
	uint32_t size = 0;

	for (size_t i = 0; i < len; i += 8) {
		uint16_t off = (uint16_t)(i / 8);

		if (!memcmp(old + i, new + i, 8))
			continue;
		memcpy(rec + size, &off, 2);
		memcpy(rec + size + 2, new + i, 8);
		size += 10;
	}
	return size;
}

static void fill_bytes(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 13 + (i >> 9));
}

/* ---- the layouts ---- */

static void test_layout_is_the_kernels_uapi(void **state)
{
	struct dsa_hw_desc d;
	struct dsa_raw_desc raw;
	struct dsa_completion_record r;
	uint8_t bytes[32] = { 0 };
	(void)state;

	/* the first word: PASID 19:0, priv 31, flags 55:32, opcode 63:56 */
	sva_dsa_desc_memmove(&d, 0x2000, 0x1000, 4096, 0x40);
	d.pasid = 0x12345;
	d.priv = 1;
	memcpy(&raw, &d, sizeof(raw));
	assert_int_equal(raw.field[0], 0x12345ull | 1ull << 31 |
					       (uint64_t)(IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR)
						       << 32 |
					       (uint64_t)DSA_OPCODE_MEMMOVE << 56);
	assert_int_equal(((uint8_t *)&d)[7], 3); /* MEMMOVE's opcode, byte 7 */
	assert_int_equal(raw.field[1], 0x40);
	assert_int_equal(raw.field[2], 0x1000);
	assert_int_equal(raw.field[3], 0x2000);
	assert_int_equal(raw.field[4], 4096);
	sva_dsa_desc_fill(&d, 0x3000, 0x1122334455667788ull, 64, 0);
	memcpy(&raw, &d, sizeof(raw));
	assert_int_equal(raw.field[2], 0x1122334455667788ull); /* MEMFILL's pattern at 16 */
	assert_int_equal(raw.field[0] >> 56, DSA_OPCODE_MEMFILL);
	assert_int_equal(DSA_OPCODE_DUALCAST, 9);
	assert_int_equal(DSA_COMP_HW_ERR1, 0x20);
	/* the record: status 0, result 1, bytes_completed 4, fault_addr 8, crc_val 16 */
	bytes[0] = DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE;
	bytes[1] = 1;
	bytes[4] = 0x34;
	bytes[5] = 0x12;
	bytes[8] = 0xef;
	bytes[16] = 0x78;
	memcpy(&r, bytes, sizeof(r));
	assert_int_equal(sva_dsa_status_code(r.status), DSA_COMP_PAGE_FAULT_NOBOF);
	assert_true(r.status & DSA_COMP_STATUS_WRITE);
	assert_int_equal(r.result, 1);
	assert_int_equal(r.bytes_completed, 0x1234);
	assert_int_equal(r.fault_addr, 0xef);
	assert_int_equal(r.crc_val, 0x78);
	assert_int_equal(sva_dsa_status_code(SVA_DSA_COMP_ABORTED), SVA_DSA_COMP_ABORTED);
}

static void test_crc16_t10dif(void **state)
{
	uint8_t buf[600];
	(void)state;

	assert_int_equal(sva_crc16_t10dif(0, "123456789", 9), 0xd0db);
	fill_bytes(buf, sizeof(buf), 5);
	assert_int_equal(sva_crc16_t10dif(0, buf, sizeof(buf)), ref_crc16(buf, sizeof(buf), 0));
	assert_int_equal(sva_crc16_t10dif(0xffff, buf, 512), ref_crc16(buf, 512, 0xffff));
}

/* ---- every opcode against the CPU, with and without faults ---- */

enum fault_mode {
	NO_FAULT,
	SRC_FAULT, /* the second page of the case's source swapped out */
	DST_FAULT, /* the second page of the case's destination */
	NMODES,
};

struct opcase;
typedef void (*build_fn)(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *buf,
			 uint64_t comp);

/* A descriptor, the buffers it starts from, and what it must leave. */
struct opcase {
	const char *name;
	build_fn build;
	int src, dst;	      /* the buffers a fault mode swaps out (-1: none) */
	bool dst_fault_write; /* a fault on dst is a write */
	uint8_t init[NBUF][BUFLEN];
	int out; /* the buffer to check (-1: none) */
	uint32_t out_len;
	uint8_t want[BUFLEN];
	struct dsa_completion_record rec; /* status, result, bytes_completed, op_specific */
};

static void b_noop(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	(void)b;
	sva_dsa_desc_noop(d, c);
}

static void b_drain(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	(void)b;
	sva_dsa_desc_drain(d, c);
}

static void b_memmove(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_memmove(d, b[D] + 4, b[A] + 8, BUFLEN - 8, c);
}

static void b_memmove_back(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
			   uint64_t c)
{
	(void)oc;
	sva_dsa_desc_memmove(d, b[D] + 1000, b[D], 6000, c);
}

static void b_memfill(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_fill(d, b[D] + 3, 0x0807060504030201ull, BUFLEN - 7, c);
}

static void b_compare(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_compare(d, b[A], b[B], BUFLEN, c);
}

static void b_compval(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_compare_pattern(d, b[A], 0x8877665544332211ull, BUFLEN, c);
}

static void b_cr_delta(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
		       uint64_t c)
{
	(void)oc;
	sva_dsa_desc_cr_delta(d, b[A], b[C], BUFLEN, b[D], BUFLEN, c);
}

static void b_ap_delta(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
		       uint64_t c)
{
	sva_dsa_desc_ap_delta(d, b[B], b[D], oc->rec.bytes_completed, BUFLEN, c);
}

static void b_dualcast(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
		       uint64_t c)
{
	(void)oc;
	sva_dsa_desc_dualcast(d, b[D] + 16, b[C] + 16, b[A], BUFLEN - 16, c);
}

static void b_crcgen(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_crc32c(d, b[A] + 1, BUFLEN - 1, 0x12345678, c);
}

static void b_crcgen_seed_addr(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
			       uint64_t c)
{
	(void)oc;
	sva_dsa_desc_crc32c(d, b[A], BUFLEN, 0, c);
	d->flags |= SVA_DSA_FLAG_CRC_READ_SEED;
	d->seed_addr = b[C] + 4;
}

static void b_copy_crc(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
		       uint64_t c)
{
	(void)oc;
	sva_dsa_desc_copy_crc(d, b[D], b[A], BUFLEN, 7, c);
}

#define DIF_N 15 /* blocks of 512 + 8 in two pages */

static void b_dif_check(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
			uint64_t c)
{
	(void)oc;
	sva_dsa_desc_dif_check(d, b[A], DIF_N * 520, 0, 0, 0x1000, 0xabcd, c);
}

static void b_dif_ins(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_dif_ins(d, b[D], b[A], DIF_N * 512, 0, 0, 0x1000, 0xabcd, c);
}

static void b_dif_strp(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
		       uint64_t c)
{
	(void)oc;
	sva_dsa_desc_dif_strp(d, b[D], b[A], DIF_N * 520, 0, 0, 0x1000, 0xabcd, c);
}

static void b_dif_updt(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b,
		       uint64_t c)
{
	(void)oc;
	memset(d, 0, sizeof(*d));
	d->opcode = DSA_OPCODE_DIF_UPDT;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d->completion_addr = c;
	d->src_addr = b[A];
	d->dst_addr = b[D];
	d->xfer_size = DIF_N * 520;
	d->src_ref_tag_seed = 0x1000;
	d->src_app_tag_seed = 0xabcd;
	d->dest_ref_tag_seed = 0x2000;
	d->dest_app_tag_seed = 0x5555;
	d->upd_dest_flags = SVA_DSA_DIF_DST_APP_TAG_INC;
}

static void b_cflush(const struct opcase *oc, struct dsa_hw_desc *d, const uint64_t *b, uint64_t c)
{
	(void)oc;
	sva_dsa_desc_cflush(d, b[D], BUFLEN, c);
}

#define NCASES 18

/* Fill @cs with the cases and what the CPU says they do. */
static void make_cases(struct opcase *cs)
{
	uint8_t data[BUFLEN], tmp[BUFLEN];
	struct opcase *oc;
	uint32_t crc;
	int n = 0;

	fill_bytes(data, sizeof(data), 11);
#define CASE(nm, fn, s, d_, w)                                                                  \
	(oc = &cs[n++], memset(oc, 0, sizeof(*oc)), oc->name = nm, oc->build = fn, oc->src = s, \
	 oc->dst = d_, oc->dst_fault_write = w, oc->out = -1, oc->rec.status = DSA_COMP_SUCCESS)

	CASE("noop", b_noop, -1, -1, false);
	CASE("drain", b_drain, -1, -1, false);

	CASE("memmove", b_memmove, A, D, true);
	memcpy(oc->init[A], data, BUFLEN);
	oc->out = D;
	oc->out_len = BUFLEN;
	memcpy(oc->want + 4, data + 8, BUFLEN - 8);
	oc->rec.bytes_completed = BUFLEN - 8;

	CASE("memmove backward", b_memmove_back, -1, -1, true);
	memcpy(oc->init[D], data, BUFLEN);
	oc->out = D;
	oc->out_len = BUFLEN;
	memcpy(oc->want, data, BUFLEN);
	memmove(oc->want + 1000, oc->want, 6000);
	oc->rec.result = 1;
	oc->rec.bytes_completed = 6000;

	CASE("memfill", b_memfill, -1, D, true);
	oc->out = D;
	oc->out_len = BUFLEN;
	for (unsigned i = 0; i < BUFLEN - 7; i++)
		oc->want[3 + i] = (uint8_t)(i % 8 + 1);
	oc->rec.bytes_completed = BUFLEN - 7;

	CASE("compare", b_compare, A, -1, false);
	memcpy(oc->init[A], data, BUFLEN);
	memcpy(oc->init[B], data, BUFLEN);
	oc->init[B][6000] ^= 0x40;
	oc->rec.result = 1;
	oc->rec.bytes_completed = 6000;

	CASE("compval", b_compval, A, -1, false);
	for (unsigned i = 0; i < BUFLEN; i++)
		oc->init[A][i] = (uint8_t)(0x11 * (i % 8 + 1));
	oc->init[A][7000] = 0;
	oc->rec.result = 1;
	oc->rec.bytes_completed = 7000;

	CASE("cr_delta", b_cr_delta, A, D, true);
	memcpy(oc->init[A], data, BUFLEN);
	memcpy(oc->init[C], data, BUFLEN);
	for (int i = 0; i < 900; i += 2) /* 450 words differ: a record of 4500 bytes */
		oc->init[C][8 * i + 3] ^= 0x5a;
	oc->out = D;
	oc->out_len = ref_delta(oc->want, oc->init[A], oc->init[C], BUFLEN);
	oc->rec.result = 1;
	oc->rec.bytes_completed = BUFLEN;
	oc->rec.delta_rec_size = oc->out_len;

	CASE("ap_delta", b_ap_delta, D, B, true);
	memcpy(oc->init[B], data, BUFLEN);
	memcpy(tmp, data, BUFLEN);
	for (int i = 0; i < 900; i += 2)
		tmp[8 * i + 3] ^= 0x5a;
	oc->out = B;
	oc->out_len = BUFLEN;
	memcpy(oc->want, tmp, BUFLEN);
	oc->rec.bytes_completed = ref_delta(oc->init[D], data, tmp, BUFLEN);

	CASE("dualcast", b_dualcast, A, D, true);
	memcpy(oc->init[A], data, BUFLEN);
	oc->out = D;
	oc->out_len = BUFLEN;
	memcpy(oc->want + 16, data, BUFLEN - 16);
	oc->rec.bytes_completed = BUFLEN - 16; /* C is checked by the task as D's twin */

	CASE("crcgen", b_crcgen, A, -1, false);
	memcpy(oc->init[A], data, BUFLEN);
	oc->rec.bytes_completed = BUFLEN - 1;
	oc->rec.crc_val = sva_crc32c(0x12345678, data + 1, BUFLEN - 1);

	CASE("crcgen seed_addr", b_crcgen_seed_addr, A, -1, false);
	memcpy(oc->init[A], data, BUFLEN);
	crc = 0xfeedbeef;
	memcpy(oc->init[C] + 4, &crc, 4);
	oc->rec.bytes_completed = BUFLEN;
	oc->rec.crc_val = sva_crc32c(crc, data, BUFLEN);

	CASE("copy_crc", b_copy_crc, A, D, true);
	memcpy(oc->init[A], data, BUFLEN);
	oc->out = D;
	oc->out_len = BUFLEN;
	memcpy(oc->want, data, BUFLEN);
	oc->rec.bytes_completed = BUFLEN;
	oc->rec.crc_val = sva_crc32c(7, data, BUFLEN);

	CASE("dif_check", b_dif_check, A, -1, false);
	ref_dif(oc->init[A], data, DIF_N, 0x1000, 0xabcd);
	oc->rec.bytes_completed = DIF_N * 520;
	oc->rec.dif_chk_ref_tag = 0x1000 + DIF_N;
	oc->rec.dif_chk_app_tag = 0xabcd;

	CASE("dif_ins", b_dif_ins, A, D, true);
	memcpy(oc->init[A], data, BUFLEN);
	oc->out = D;
	oc->out_len = DIF_N * 520;
	ref_dif(oc->want, data, DIF_N, 0x1000, 0xabcd);
	oc->rec.bytes_completed = DIF_N * 512;
	oc->rec.dif_ins_ref_tag = 0x1000 + DIF_N;
	oc->rec.dif_ins_app_tag = 0xabcd;

	CASE("dif_strp", b_dif_strp, A, D, true);
	ref_dif(oc->init[A], data, DIF_N, 0x1000, 0xabcd);
	oc->out = D;
	oc->out_len = DIF_N * 512;
	memcpy(oc->want, data, DIF_N * 512);
	oc->rec.bytes_completed = DIF_N * 520;
	oc->rec.dif_chk_ref_tag = 0x1000 + DIF_N;
	oc->rec.dif_chk_app_tag = 0xabcd;

	CASE("dif_updt", b_dif_updt, A, D, true);
	ref_dif(oc->init[A], data, DIF_N, 0x1000, 0xabcd);
	oc->out = D;
	oc->out_len = DIF_N * 520;
	for (unsigned k = 0; k < DIF_N; k++) /* new tags: ref 0x2000 + k, app 0x5555 + k */
		ref_dif(oc->want + k * 520, data + k * 512, 1, 0x2000 + k, (uint16_t)(0x5555 + k));
	oc->rec.bytes_completed = DIF_N * 520;
	oc->rec.dif_upd_src_ref_tag = 0x1000 + DIF_N;
	oc->rec.dif_upd_src_app_tag = 0xabcd;
	oc->rec.dif_upd_dest_ref_tag = 0x2000 + DIF_N;
	oc->rec.dif_upd_dest_app_tag = 0x5555 + DIF_N;

	CASE("cflush", b_cflush, -1, D, false);
	memcpy(oc->init[D], data, BUFLEN);
	oc->out = D;
	oc->out_len = BUFLEN;
	memcpy(oc->want, data, BUFLEN);
	oc->rec.bytes_completed = BUFLEN;
#undef CASE
	assert_int_equal(n, NCASES);
}

struct opc_run {
	struct opcase *cases;
	const char *wq;
	bool bof;
	unsigned faults, runs;
	uint8_t got[BUFLEN];
};

/* The record @r is @oc's success: status, result, bytes_completed, the operation's fields. */
static int check_record(const struct opcase *oc, const struct dsa_completion_record *r)
{
	if (r->status != oc->rec.status || r->result != oc->rec.result ||
	    r->bytes_completed != oc->rec.bytes_completed ||
	    memcmp(r->op_specific, oc->rec.op_specific, sizeof(r->op_specific))) {
		fprintf(stderr, "%s: status %#x result %u bytes %u, want %#x %u %u\n", oc->name,
			r->status, r->result, r->bytes_completed, oc->rec.status, oc->rec.result,
			oc->rec.bytes_completed);
		return __LINE__;
	}
	return 0;
}

/* Swap out every anonymous page, then fault back all but page 1 of buffer @out_buf. */
static int swap_out(struct sva_task *t, const uint64_t *buf, uint64_t comp, int out_buf)
{
	sva_mm_sys_reclaim(sva_kernel_mm_sys(sva_task_kernel(t)), 1u << 20);
	TCHECK(sva_sys_touch(t, comp, PAGE, true) == 0);
	for (int i = 0; i < NBUF; i++)
		TCHECK(sva_sys_touch(t, buf[i], i == out_buf ? PAGE : BUFLEN, false) == 0);
	return 0;
}

static int opc_case(struct sva_task *t, struct sva_accel_client *c, struct opc_run *o,
		    struct opcase *oc, enum fault_mode mode, const uint64_t *buf, uint64_t comp)
{
	int out_buf = mode == SRC_FAULT ? oc->src : oc->dst;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;

	for (int i = 0; i < NBUF; i++)
		TCHECK(sva_sys_write_mem(t, buf[i], oc->init[i], BUFLEN) == 0);
	if (mode != NO_FAULT)
		TRY(swap_out(t, buf, comp, out_buf));
	oc->build(oc, &d, buf, comp);
	TRY(t_run(t, c, &d, comp, &r));
	o->runs++;
	if (mode != NO_FAULT && !o->bof) {
		/* stopped at the page: its address, a write or not; the client's part follows */
		bool write = mode == DST_FAULT && oc->dst_fault_write;
		uint64_t page = buf[out_buf] + PAGE;

		TCHECK(sva_dsa_status_code(r.status) == DSA_COMP_PAGE_FAULT_NOBOF);
		TCHECK(!!(r.status & DSA_COMP_STATUS_WRITE) == write);
		TCHECK(r.fault_addr >= page && r.fault_addr < page + PAGE);
		TCHECK(r.bytes_completed <= oc->rec.bytes_completed);
		if (d.opcode == DSA_OPCODE_CRCGEN && !(d.flags & SVA_DSA_FLAG_CRC_READ_SEED)) {
			uint8_t part[BUFLEN];

			TCHECK(sva_sys_read_mem(t, d.src_addr, part, r.bytes_completed) == 0);
			TCHECK(r.crc_val == sva_crc32c(d.crc_seed, part, r.bytes_completed));
		}
		if (d.opcode == DSA_OPCODE_MEMMOVE) { /* the bytes done are there */
			TCHECK(sva_sys_read_mem(t, d.dst_addr, o->got, r.bytes_completed) == 0);
			TCHECK(memcmp(o->got, oc->want + 4, r.bytes_completed) == 0);
		}
		o->faults++;
		TCHECK(sva_sys_touch(t, r.fault_addr, 1, write) == 0);
		TRY(t_run(t, c, &d, comp, &r)); /* the whole descriptor again */
	}
	TRY(check_record(oc, &r));
	if (oc->out >= 0) {
		TCHECK(sva_sys_read_mem(t, buf[oc->out], o->got, BUFLEN) == 0);
		if (memcmp(o->got, oc->want, oc->out_len)) {
			fprintf(stderr, "%s: the output differs from the CPU's\n", oc->name);
			return __LINE__;
		}
	}
	if (d.opcode == DSA_OPCODE_DUALCAST) {
		TCHECK(sva_sys_read_mem(t, buf[C], o->got, BUFLEN) == 0);
		TCHECK(memcmp(o->got + 16, oc->want + 16, BUFLEN - 16) == 0);
	}
	return 0;
}

static int opc_task(struct sva_task *t, void *arg)
{
	struct opc_run *o = arg;
	struct sva_accel_client *c;
	uint64_t buf[NBUF], comp;

	TCHECK(sva_accel_client_open(t, o->wq, &c) == 0);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	for (int i = 0; i < NBUF; i++)
		TCHECK((buf[i] = t_mmap(t, BUFLEN)) != 0);
	for (int i = 0; i < NCASES; i++) {
		struct opcase *oc = &o->cases[i];

		for (int m = NO_FAULT; m < NMODES; m++) {
			if ((m == SRC_FAULT && oc->src < 0) || (m == DST_FAULT && oc->dst < 0))
				continue;
			if (opc_case(t, c, o, oc, (enum fault_mode)m, buf, comp)) {
				fprintf(stderr, "case %s, fault mode %d, on %s\n", oc->name, m,
					o->wq);
				return __LINE__;
			}
		}
	}
	sva_accel_client_close(t, c);
	return 0;
}

static void test_every_opcode_against_the_cpu(void **state)
{
	struct opcase *cases = calloc(NCASES, sizeof(*cases));
	struct opc_run *o = calloc(1, sizeof(*o));
	(void)state;

	unsigned nfaults = 0;

	assert_non_null(cases);
	assert_non_null(o);
	make_cases(cases);
	for (int i = 0; i < NCASES; i++)
		nfaults += (cases[i].src >= 0) + (cases[i].dst >= 0);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		for (int bof = 0; bof < 2; bof++) {
			struct sva_accel_stats s;
			struct env e;

			memset(o, 0, sizeof(*o));
			o->cases = cases;
			o->bof = bof;
			o->wq = bof ? "dsa0wq1" : "dsa0wq0";
			env_init(&e, bc, 1);
			assert_int_equal(sva_test_run_process(e.k, opc_task, o), 0);
			sva_accel_get_stats(e.a, &s);
			if (bof) { /* the faults were resolved by page requests */
				assert_int_equal(o->faults, 0);
				assert_true(s.page_requests >= 20);
				assert_int_equal(s.page_faults, 0);
			} else {
				assert_int_equal(o->faults, nfaults); /* every case's fault modes */
				assert_int_equal(s.page_faults, nfaults);
				assert_int_equal(s.page_requests, 0);
			}
			assert_int_equal(s.errors, 0);
			assert_int_equal(s.records_lost, 0);
			env_done(&e);
		}
	}
	free(o);
	free(cases);
}

/* ---- the checks: each error status, the software error register ---- */

struct err_run {
	struct sva_accel *a;
	struct sva_accel_swerr swerr[5];
	bool after;
	uint64_t lost_page;
	struct dsa_completion_record ir;
};

/* Submit @d and expect status @want (0: no record expected at all). */
static int expect_status(struct sva_task *t, struct sva_accel_client *c, struct dsa_hw_desc *d,
			 uint64_t comp, unsigned want)
{
	struct dsa_completion_record r;

	TRY(t_run(t, c, d, comp, &r));
	if (r.status != want) {
		fprintf(stderr, "opcode %#x flags %#x: status %#x, want %#x\n", d->opcode, d->flags,
			r.status, want);
		return __LINE__;
	}
	return 0;
}

static int err_task(struct sva_task *t, void *arg)
{
	struct err_run *er = arg;
	struct sva_accel_client *c;
	struct dsa_completion_record r;
	uint64_t comp, a, b;
	struct dsa_hw_desc d;

	TCHECK(sva_accel_client_open(t, "dsa0wq0", &c) == 0);
	/* the WQ's own limits, below the device's (64 pages, 8) */
	TCHECK(sva_accel_client_info(c)->max_xfer == 4 * PAGE);
	TCHECK(sva_accel_client_info(c)->max_batch == MAX_BATCH);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	TCHECK((a = t_mmap(t, 8 * PAGE)) != 0);
	TCHECK((b = t_mmap(t, 8 * PAGE)) != 0);

	sva_dsa_desc_noop(&d, comp);
	d.opcode = 0x0a; /* between DUALCAST and CRCGEN: no operation */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_BAD_OPCODE));
	d.opcode = 0x7f;
	TRY(expect_status(t, c, &d, comp, DSA_COMP_BAD_OPCODE));

	sva_dsa_desc_noop(&d, comp);
	d.flags |= IDXD_OP_FLAG_CR; /* Check Result: only for compares and CR_DELTA */
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_INVALID_FLAGS && r.invalid_flags == IDXD_OP_FLAG_CR);
	sva_dsa_desc_memmove(&d, b, a, 64, comp);
	d.flags |= IDXD_OP_FLAG_BOF | 0x40 | 1u << 20; /* BOF (not this WQ), bit 6, bit 20 */
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_INVALID_FLAGS);
	TCHECK(r.invalid_flags == (IDXD_OP_FLAG_BOF | 0x40 | 1u << 20));
	sva_dsa_desc_crc32c(&d, a, 64, 0, comp);
	d.flags |= IDXD_OP_FLAG_DRDBK; /* nothing to read back */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_INVALID_FLAGS));

	sva_dsa_desc_memmove(&d, b, a, 64, comp);
	d.rsvd1 = 1;
	TRY(expect_status(t, c, &d, comp, DSA_COMP_NOZERO_RESERVE));
	sva_dsa_desc_memmove(&d, b, a, 64, comp);
	d.op_specific[23] = 1; /* byte 63: not MEMMOVE's */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_NOZERO_RESERVE));
	sva_dsa_desc_noop(&d, comp);
	d.src_addr = a; /* NOOP uses nothing */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_NOZERO_RESERVE));
	sva_dsa_desc_crc32c(&d, a, 64, 0, comp);
	d.crc_rsvd = 1;
	TRY(expect_status(t, c, &d, comp, DSA_COMP_NOZERO_RESERVE));
	sva_dsa_desc_noop(&d, comp);
	d.int_handle = 5; /* read only with RCI: ignored */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
	d.flags |= IDXD_OP_FLAG_RCI; /* no interrupt handle is configured */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_INT_HANDLE_INVAL));

	sva_dsa_desc_memmove(&d, b, a, 4 * PAGE + 1, comp); /* the WQ's max_xfer is 4 pages */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_XFER_ERANGE));
	sva_dsa_desc_memmove(&d, b, a, 4 * PAGE, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
	sva_dsa_desc_memmove(&d, UINT64_MAX - 10, a, 100, comp); /* wraps */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_XFER_ERANGE));

	sva_dsa_desc_dualcast(&d, b, a + 2 * PAGE + 64, a, 64, comp); /* offsets in page differ */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_DCAST_ERR));
	sva_dsa_desc_dualcast(&d, b, a + 2 * PAGE, a + 2 * PAGE + 32, 64, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_OVERLAP_BUFFERS));
	sva_dsa_desc_copy_crc(&d, a + 100, a, 200, 0, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_OVERLAP_BUFFERS));
	sva_dsa_desc_memmove(&d, a + 100, a, 200, comp); /* MEMMOVE's overlap is allowed */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));

	sva_dsa_desc_cr_delta(&d, a, b, 100, b + PAGE, PAGE, comp); /* not words */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_XFER_ERANGE));
	sva_dsa_desc_cr_delta(&d, a + 4, b, 128, b + PAGE, PAGE, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_ADDR_ALIGN));
	sva_dsa_desc_cr_delta(&d, a, b, 128, b + PAGE, 40, comp); /* max_delta_size below 80 */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_DR_ERANGE));
	sva_dsa_desc_cr_delta(&d, a, b, 128, b + 64, PAGE, comp); /* the record over src2 */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_OVERLAP_BUFFERS));
	sva_dsa_desc_ap_delta(&d, b, a, 15, 128, comp); /* not entries */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_DR_ERANGE));
	sva_dsa_desc_ap_delta(&d, b, a, 30, 16, comp); /* 3 entries for 2 words */
	TRY(expect_status(t, c, &d, comp, DSA_COMP_DR_ERANGE));
	{
		uint8_t rec[20] = { 0 };
		uint16_t off[2] = { 3, 2 };

		memcpy(rec, &off[0], 2);
		memcpy(rec + 10, &off[1], 2);
		TCHECK(sva_sys_write_mem(t, a, rec, sizeof(rec)) == 0);
		sva_dsa_desc_ap_delta(&d, b, a, 20, 128, comp);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_DR_OFFSET_NOINC && r.bytes_completed == 10);
		off[1] = 16; /* word 16 is beyond 128 bytes */
		memcpy(rec + 10, &off[1], 2);
		TCHECK(sva_sys_write_mem(t, a, rec, sizeof(rec)) == 0);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_DR_OFFSET_ERANGE && r.bytes_completed == 10);
	}
	sva_dsa_desc_crc32c(&d, a, 64, 0, comp);
	d.flags |= SVA_DSA_FLAG_CRC_READ_SEED;
	d.seed_addr = b + 2;
	TRY(expect_status(t, c, &d, comp, DSA_COMP_ADDR_ALIGN));

	/* DIF: the size in blocks, reserved flag bits, and a tuple that does not check */
	sva_dsa_desc_dif_check(&d, a, 1000, 0, 0, 0, 0, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_XFER_ERANGE));
	sva_dsa_desc_dif_check(&d, a, 520, 0x10, 0, 0, 0, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_NOZERO_RESERVE));
	sva_dsa_desc_dif_ins(&d, b, a, 512, 0, SVA_DSA_DIF_DST_REF_TAG_PASS, 0, 0, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_NOZERO_RESERVE));
	{
		uint8_t blk[2 * 520];
		uint8_t data[1024];

		fill_bytes(data, sizeof(data), 1);
		ref_dif(blk, data, 2, 77, 0x1234);
		blk[520 + 519] ^= 1; /* block 1's reference tag */
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		sva_dsa_desc_dif_check(&d, a, sizeof(blk), 0, 0, 77, 0x1234, comp);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_DIF_ERR && r.dif_status == SVA_DSA_DIF_ERR_REF_TAG);
		TCHECK(r.bytes_completed == 520 && r.dif_chk_ref_tag == 78);
		/* the reference tag check disabled: the guard still checks */
		sva_dsa_desc_dif_check(&d, a, sizeof(blk), 0, SVA_DSA_DIF_SRC_REF_TAG_CHECK_DISABLE,
				       77, 0x1234, comp);
		TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
		blk[3] ^= 1; /* block 0's data: its guard */
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_DIF_ERR && r.dif_status == SVA_DSA_DIF_ERR_GUARD);
		TCHECK(r.bytes_completed == 0);
		/* an application tag of 0xffff escapes the checks */
		blk[514] = blk[515] = 0xff;
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		d.src_dif_flags |= SVA_DSA_DIF_SRC_APP_TAG_F_DETECT;
		TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
		/* the application tag under its mask */
		ref_dif(blk, data, 2, 77, 0x1234);
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		sva_dsa_desc_dif_check(&d, a, sizeof(blk), 0, 0, 77, 0x12f4, comp);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_DIF_ERR && r.dif_status == SVA_DSA_DIF_ERR_APP_TAG);
		d.chk_app_tag_mask = 0x00f0;
		TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
	}

	/* Check Result: the expected result or a false predicate */
	TCHECK(sva_sys_write_mem(t, b, "x", 1) == 0);
	sva_dsa_desc_compare(&d, a, b, 64, comp);
	d.flags |= IDXD_OP_FLAG_CR;
	d.expected_res = 1;
	TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
	d.expected_res = 0;
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS_PRED && r.result == 1);

	/* the record address not aligned, or none asked for: SWERR (one engine: in order) */
	sva_dsa_desc_noop(&d, comp + 8);
	d.opcode = 0x7f;
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_noop(&d, comp); /* a later descriptor: the first one is done */
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(sva_accel_read_swerr(er->a, &er->swerr[0]));
	sva_dsa_desc_noop(&d, 0);
	d.opcode = 0x7e; /* no record address: the error goes to SWERR */
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_noop(&d, comp);
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(sva_accel_read_swerr(er->a, &er->swerr[1]));
	sva_dsa_desc_noop(&d, 0);
	d.flags = IDXD_OP_FLAG_RCR; /* RCR without CRAV, then another error: overflow */
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_noop(&d, 0);
	d.opcode = 0x7d;
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_noop(&d, comp);
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(sva_accel_read_swerr(er->a, &er->swerr[2]));
	er->after = sva_accel_read_swerr(er->a, &er->swerr[3]); /* cleared by the read */
	sva_dsa_desc_noop(&d, 0); /* a success without a record: nothing */
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_noop(&d, comp);
	TRY(t_run(t, c, &d, comp, &r));
	er->after |= sva_accel_read_swerr(er->a, &er->swerr[3]);

	/* a record whose page is swapped out, on a WQ without block-on-fault: CRA_XLAT */
	TCHECK((er->lost_page = t_mmap(t, PAGE)) != 0);
	sva_mm_sys_reclaim(sva_kernel_mm_sys(sva_task_kernel(t)), 1u << 20);
	TCHECK(sva_sys_touch(t, comp, PAGE, true) == 0);
	sva_dsa_desc_noop(&d, er->lost_page);
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_noop(&d, comp);
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(sva_accel_read_swerr(er->a, &er->swerr[4]));
	sva_accel_client_close(t, c);

	/* block-on-fault, and the page request refused (no mapping there): PAGE_FAULT_IR */
	TCHECK(sva_accel_client_open(t, "dsa0wq1", &c) == 0);
	TCHECK(sva_accel_client_info(c)->max_xfer == 64 * PAGE);
	sva_dsa_desc_memmove(&d, b, 0x1000, 64, comp);
	TRY(t_run(t, c, &d, comp, &er->ir));
	sva_accel_client_close(t, c);
	return 0;
}

static void test_every_error_status(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct err_run er = { 0 };
		struct sva_accel_stats s;
		struct env e;

		env_init(&e, bc, 1);
		er.a = e.a;
		assert_int_equal(sva_test_run_process(e.k, err_task, &er), 0);
		assert_true(er.swerr[0].valid && !er.swerr[0].overflow);
		assert_int_equal(er.swerr[0].status, DSA_COMP_CRA_ALIGN);
		assert_int_equal(er.swerr[0].opcode, 0x7f);
		assert_int_equal(er.swerr[0].wq, 0);
		assert_int_not_equal(er.swerr[0].pasid, 0);
		assert_int_equal(er.swerr[0].record_addr % 32, 8);
		assert_int_equal(er.swerr[1].status, DSA_COMP_BAD_OPCODE);
		assert_int_equal(er.swerr[1].opcode, 0x7e);
		assert_int_equal(er.swerr[1].record_addr, 0);
		assert_int_equal(er.swerr[2].status, DSA_COMP_INVALID_FLAGS);
		assert_true(er.swerr[2].overflow);
		assert_false(er.after);
		assert_int_equal(er.swerr[4].status, DSA_COMP_CRA_XLAT);
		assert_int_equal(er.swerr[4].record_addr, er.lost_page);
		assert_int_equal(er.ir.status, DSA_COMP_PAGE_FAULT_IR);
		assert_int_equal(er.ir.fault_addr, 0x1000);
		assert_int_equal(er.ir.bytes_completed, 0);
		sva_accel_get_stats(e.a, &s);
		/* the record, none, RCR alone, the overflow, the lost record */
		assert_int_equal(s.swerrs, 5);
		assert_int_equal(s.records_lost, 1);
		env_done(&e);
	}
}

/*
 * More of the statuses a descriptor ends with: a read-back of the destination, AP_DELTA's own
 * limits, Check Result's mask for CR_DELTA, a delta record that fills up, and the page faults
 * of a CRC seed, a second source and a second destination (a WQ without block-on-fault: the
 * fault address in the record, nothing written after it).
 */
struct more_run {
	struct dsa_completion_record seed, cmp2, dcast2, full;
	uint8_t rec[SVA_DSA_DELTA_MIN_RECORD];
};

#define UNMAPPED 0x7000ull /* below every mapping of the task: never mapped */

static int more_status_task(struct sva_task *t, void *arg)
{
	struct more_run *mr = arg;
	struct sva_accel_client *c;
	struct dsa_completion_record r;
	uint64_t comp, a, b;
	uint8_t buf[256];
	struct dsa_hw_desc d;

	TCHECK(sva_accel_client_open(t, "dsa0wq0", &c) == 0);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	TCHECK((a = t_mmap(t, 2 * PAGE)) != 0);
	TCHECK((b = t_mmap(t, 2 * PAGE)) != 0);
	fill_bytes(buf, sizeof(buf), 5);
	TCHECK(sva_sys_write_mem(t, a, buf, sizeof(buf)) == 0);

	/* Destination Readback: the copy, then its last byte read back */
	sva_dsa_desc_memmove(&d, b, a, sizeof(buf), comp);
	d.flags |= IDXD_OP_FLAG_DRDBK;
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == sizeof(buf));
	/* a copy that faults is not read back: the record is the fault's */
	{
		uint64_t hole = t_mmap(t, PAGE);

		TCHECK(hole && sva_sys_munmap(t, hole, PAGE) == 0);
		sva_dsa_desc_memmove(&d, hole, a, sizeof(buf), comp);
		d.flags |= IDXD_OP_FLAG_DRDBK;
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == (DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE));
		TCHECK(r.bytes_completed == 0 && r.fault_addr == hole);
	}

	/* AP_DELTA: the size in words, the destination aligned */
	sva_dsa_desc_ap_delta(&d, b, a, 10, 100, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_XFER_ERANGE));
	sva_dsa_desc_ap_delta(&d, b + 4, a, 10, 128, comp);
	TRY(expect_status(t, c, &d, comp, DSA_COMP_ADDR_ALIGN));

	/* CR_DELTA and Check Result: the mask says which results are expected */
	TCHECK(sva_sys_write_mem(t, b, buf, sizeof(buf)) == 0);
	sva_dsa_desc_cr_delta(&d, a, b, sizeof(buf), b + PAGE, PAGE, comp); /* the same: 0 */
	d.flags |= IDXD_OP_FLAG_CR;
	d.expected_res_mask = 1u << 0;
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.result == 0);
	d.expected_res_mask = 1u << 1;
	TRY(t_run(t, c, &d, comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS_PRED && r.result == 0);

	/* a record of 8 entries for 16 words that differ: full at the ninth, result 2 */
	for (unsigned i = 0; i < 16; i++)
		buf[i * 8] ^= 0xff;
	TCHECK(sva_sys_write_mem(t, b, buf, sizeof(buf)) == 0);
	sva_dsa_desc_cr_delta(&d, a, b, sizeof(buf), b + PAGE, SVA_DSA_DELTA_MIN_RECORD, comp);
	TRY(t_run(t, c, &d, comp, &mr->full));
	TCHECK(sva_sys_read_mem(t, b + PAGE, mr->rec, sizeof(mr->rec)) == 0);

	/* DIF: an all-F tuple is an error when asked; 0xffff/0xffffffff tags escape when asked */
	{
		uint8_t blk[520], data[512], out[520];

		fill_bytes(data, sizeof(data), 3);
		ref_dif(blk, data, 1, 0x77, 0x1234);
		memset(blk + 512, 0xff, 8);
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		sva_dsa_desc_dif_check(&d, a, sizeof(blk), 0, SVA_DSA_DIF_SRC_ALL_F_DETECT_ERR,
				       0x77, 0x1234, comp);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_DIF_ERR && r.dif_status == SVA_DSA_DIF_ERR_ALL_F);
		blk[512] = 0; /* the guard no longer all F: the tags alone */
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		sva_dsa_desc_dif_check(&d, a, sizeof(blk), 0, SVA_DSA_DIF_SRC_APP_REF_F_DETECT,
				       0x77, 0x1234, comp);
		TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
		/* DIF_UPDT passing the source's tags through to the new tuple */
		ref_dif(blk, data, 1, 0x77, 0x1234);
		TCHECK(sva_sys_write_mem(t, a, blk, sizeof(blk)) == 0);
		memset(&d, 0, sizeof(d));
		d.opcode = DSA_OPCODE_DIF_UPDT;
		d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		d.completion_addr = comp;
		d.src_addr = a;
		d.dst_addr = b + PAGE;
		d.xfer_size = sizeof(blk);
		d.src_ref_tag_seed = 0x77;
		d.src_app_tag_seed = 0x1234;
		d.dest_ref_tag_seed = 0x9000;
		d.dest_app_tag_seed = 0x5555;
		d.upd_dest_flags = SVA_DSA_DIF_DST_APP_TAG_PASS | SVA_DSA_DIF_DST_REF_TAG_PASS;
		TRY(expect_status(t, c, &d, comp, DSA_COMP_SUCCESS));
		TCHECK(sva_sys_read_mem(t, b + PAGE, out, sizeof(out)) == 0);
		TCHECK(memcmp(out, blk, sizeof(out)) == 0); /* the same tags: the same block */
	}

	/* faults a WQ without block-on-fault reports: the seed, src2, dest2 */
	sva_dsa_desc_crc32c(&d, a, 64, 0, comp);
	d.flags |= SVA_DSA_FLAG_CRC_READ_SEED;
	d.seed_addr = UNMAPPED;
	TRY(t_run(t, c, &d, comp, &mr->seed));
	sva_dsa_desc_compare(&d, a, UNMAPPED, 64, comp);
	TRY(t_run(t, c, &d, comp, &mr->cmp2));
	sva_dsa_desc_dualcast(&d, b, UNMAPPED, a, 64, comp);
	TRY(t_run(t, c, &d, comp, &mr->dcast2));
	sva_accel_client_close(t, c);
	return 0;
}

static void test_more_statuses(void **state)
{
	struct more_run *mr = calloc(1, sizeof(*mr));
	(void)state;

	assert_non_null(mr);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct env e;

		memset(mr, 0, sizeof(*mr));
		env_init(&e, bc, 1);
		assert_int_equal(sva_test_run_process(e.k, more_status_task, mr), 0);
		assert_int_equal(mr->full.status, DSA_COMP_SUCCESS);
		assert_int_equal(mr->full.result, 2);
		assert_int_equal(mr->full.delta_rec_size, SVA_DSA_DELTA_MIN_RECORD);
		assert_int_equal(mr->full.bytes_completed, 8 * 8); /* where the ninth word is */
		for (unsigned i = 0; i < 8; i++) /* each entry: the word's offset, then b's word */
			assert_int_equal(mr->rec[i * SVA_DSA_DELTA_ENTRY], i);
		assert_int_equal(mr->seed.status, DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(mr->seed.fault_addr, UNMAPPED);
		assert_int_equal(mr->seed.bytes_completed, 0);
		assert_int_equal(mr->cmp2.status, DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(mr->cmp2.fault_addr, UNMAPPED);
		assert_int_equal(mr->dcast2.status,
				 DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
		assert_int_equal(mr->dcast2.fault_addr, UNMAPPED);
		assert_int_equal(mr->dcast2.bytes_completed, 0);
		env_done(&e);
	}
	free(mr);
}

/* ---- batches and DRAIN ---- */

struct batch_run {
	const char *wq;
	bool bof;
	struct dsa_completion_record r[8], sub[8];
};

static int batch_task(struct sva_task *t, void *arg)
{
	static const struct dsa_completion_record zero[8];
	struct batch_run *br = arg;
	struct sva_accel_client *c;
	uint64_t comp, list, a, b;
	struct dsa_hw_desc d, l[4];
	uint8_t got[256], want[256];

	TCHECK(sva_accel_client_open(t, br->wq, &c) == 0);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	TCHECK((list = t_mmap(t, 2 * PAGE)) != 0);
	TCHECK((a = t_mmap(t, PAGE)) != 0);
	TCHECK((b = t_mmap(t, PAGE)) != 0);
	fill_bytes(want, sizeof(want), 3);
	TCHECK(sva_sys_write_mem(t, a, want, sizeof(want)) == 0);

	/* a compare with Check Result failing, then a fenced copy: abandoned */
	sva_dsa_desc_compare(&l[0], a, b, 64, comp + 32);
	l[0].flags |= IDXD_OP_FLAG_CR; /* expects equal: they differ */
	sva_dsa_desc_fill(&l[1], b + 128, 0x0101010101010101ull, 64, comp + 64);
	sva_dsa_desc_memmove(&l[2], b, a, 256, comp + 96);
	l[2].flags |= IDXD_OP_FLAG_FENCE;
	TCHECK(sva_sys_write_mem(t, list, l, 3 * sizeof(l[0])) == 0);
	TCHECK(sva_sys_write_mem(t, comp, zero, sizeof(zero)) == 0);
	sva_dsa_desc_batch(&d, list, 3, comp);
	TRY(t_run(t, c, &d, comp, &br->r[0]));
	TCHECK(sva_sys_read_mem(t, comp + 32, br->sub, 3 * sizeof(br->sub[0])) == 0);
	TCHECK(sva_sys_read_mem(t, b, got, 64) == 0);
	TCHECK(got[0] == 0); /* not copied */

	/* without the failing check: every one runs */
	l[0].flags &= ~IDXD_OP_FLAG_CR;
	l[0].opcode = DSA_OPCODE_NOOP;
	l[0].src_addr = l[0].src2_addr = 0;
	l[0].xfer_size = 0;
	TCHECK(sva_sys_write_mem(t, list, l, 3 * sizeof(l[0])) == 0);
	TRY(t_run(t, c, &d, comp, &br->r[1]));
	TCHECK(sva_sys_read_mem(t, b, got, sizeof(got)) == 0);
	TCHECK(memcmp(got, want, sizeof(got)) == 0);

	/* the list's second descriptor on a page swapped out */
	TCHECK(sva_sys_write_mem(t, list + PAGE - 64, l, 2 * sizeof(l[0])) == 0);
	sva_mm_sys_reclaim(sva_kernel_mm_sys(sva_task_kernel(t)), 1u << 20);
	TCHECK(sva_sys_touch(t, comp, PAGE, true) == 0);
	TCHECK(sva_sys_touch(t, list, PAGE, false) == 0);
	TCHECK(sva_sys_touch(t, a, PAGE, false) == 0);
	TCHECK(sva_sys_touch(t, b, PAGE, true) == 0);
	sva_dsa_desc_batch(&d, list + PAGE - 64, 2, comp);
	TRY(t_run(t, c, &d, comp, &br->r[2]));

	/* the list misaligned, a count of 1 and beyond max_batch, a DRAIN inside */
	sva_dsa_desc_batch(&d, list + 32, 2, comp);
	TRY(t_run(t, c, &d, comp, &br->r[3]));
	sva_dsa_desc_batch(&d, list, 1, comp);
	TRY(t_run(t, c, &d, comp, &br->r[4]));
	sva_dsa_desc_batch(&d, list, MAX_BATCH + 1, comp);
	TRY(t_run(t, c, &d, comp, &br->r[5]));
	sva_dsa_desc_drain(&l[0], comp + 32);
	TCHECK(sva_sys_write_mem(t, list, l, 2 * sizeof(l[0])) == 0);
	sva_dsa_desc_batch(&d, list, 2, comp);
	TRY(t_run(t, c, &d, comp, &br->r[6]));
	TCHECK(sva_sys_read_mem(t, comp + 32, &br->sub[3], sizeof(br->sub[3])) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_batches(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		for (int bof = 0; bof < 2; bof++) {
			struct batch_run br = { .wq = bof ? "dsa0wq1" : "dsa0wq0", .bof = bof };
			struct env e;

			env_init(&e, bc, 2);
			assert_int_equal(sva_test_run_process(e.k, batch_task, &br), 0);
			assert_int_equal(br.r[0].status, DSA_COMP_BATCH_FAIL);
			assert_int_equal(br.r[0].bytes_completed, 2); /* the fenced one abandoned */
			assert_int_equal(br.sub[0].status, DSA_COMP_SUCCESS_PRED);
			assert_int_equal(br.sub[1].status, DSA_COMP_SUCCESS);
			assert_int_equal(br.sub[2].status, DSA_COMP_NONE); /* no record */
			assert_int_equal(br.r[1].status, DSA_COMP_SUCCESS);
			assert_int_equal(br.r[1].bytes_completed, 3);
			if (bof) { /* the list's page brought back by a page request */
				assert_int_equal(br.r[2].status, DSA_COMP_SUCCESS);
				assert_int_equal(br.r[2].bytes_completed, 2);
			} else {
				assert_int_equal(br.r[2].status, DSA_COMP_BATCH_PAGE_FAULT);
				assert_int_equal(br.r[2].bytes_completed, 1);
			}
			assert_int_equal(br.r[3].status, DSA_COMP_DESCLIST_ALIGN);
			assert_int_equal(br.r[4].status, DSA_COMP_DESC_CNT_ERANGE);
			assert_int_equal(br.r[5].status, DSA_COMP_DESC_CNT_ERANGE);
			assert_int_equal(br.r[6].status, DSA_COMP_BATCH_FAIL);
			assert_int_equal(br.sub[3].status, DSA_COMP_BAD_OPCODE);
			env_done(&e);
		}
	}
}

/* DRAIN completes after the descriptors before it: with two engines, a long copy first. */
struct drain_run {
	struct dsa_completion_record copy_at_drain, drain;
	uint8_t want[16 * PAGE], got[16 * PAGE];
};

static int drain_task(struct sva_task *t, void *arg)
{
	static const struct dsa_completion_record zero[2];
	struct drain_run *dr = arg;
	struct sva_accel_client *c;
	uint64_t comp, a, b;
	struct dsa_hw_desc d;

	TCHECK(sva_accel_client_open(t, "dsa0wq1", &c) == 0);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	TCHECK((a = t_mmap(t, sizeof(dr->want))) != 0);
	TCHECK(sva_sys_mmap(t, 0, sizeof(dr->want), RW, 0, -1, 0, &b) == 0); /* faults: slow */
	fill_bytes(dr->want, sizeof(dr->want), 9);
	TCHECK(sva_sys_write_mem(t, a, dr->want, sizeof(dr->want)) == 0);
	TCHECK(sva_sys_write_mem(t, comp, zero, sizeof(zero)) == 0);
	sva_dsa_desc_memmove(&d, b, a, sizeof(dr->want), comp);
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	sva_dsa_desc_drain(&d, comp + 32);
	TCHECK(sva_accel_client_submit(t, c, &d) == 0);
	TCHECK(sva_accel_client_wait(t, c, comp + 32, &dr->drain, MAX_POLLS) == 0);
	TCHECK(sva_sys_read_mem(t, comp, &dr->copy_at_drain, sizeof(dr->copy_at_drain)) == 0);
	TCHECK(sva_sys_read_mem(t, b, dr->got, sizeof(dr->got)) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_drain_waits_for_what_came_before(void **state)
{
	struct drain_run *dr = calloc(1, sizeof(*dr));
	(void)state;

	assert_non_null(dr);
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct env e;

		memset(dr, 0, sizeof(*dr));
		env_init(&e, bc, 2);
		assert_int_equal(sva_test_run_process(e.k, drain_task, dr), 0);
		assert_int_equal(dr->drain.status, DSA_COMP_SUCCESS);
		assert_int_equal(dr->copy_at_drain.status, DSA_COMP_SUCCESS);
		assert_memory_equal(dr->got, dr->want, sizeof(dr->want));
		env_done(&e);
	}
	free(dr);
}

/* A descriptor made of raw words, as DSA code builds one, MOVDIR64B'd to a dedicated WQ. */
struct raw_run {
	struct dsa_completion_record r;
	uint8_t got[256], want[256];
	int ret;
};

static int raw_task(struct sva_task *t, void *arg)
{
	struct raw_run *rr = arg;
	struct sva_accel_client *c;
	struct dsa_raw_desc raw = { { 0 } };
	struct dsa_hw_desc d;
	uint64_t comp, a, b;

	TCHECK(sva_accel_client_open(t, "dsa0wq2", &c) == 0);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	TCHECK((a = t_mmap(t, PAGE)) != 0);
	TCHECK((b = t_mmap(t, PAGE)) != 0);
	fill_bytes(rr->want, sizeof(rr->want), 77);
	TCHECK(sva_sys_write_mem(t, a, rr->want, sizeof(rr->want)) == 0);
	/* word 0: PASID (ignored on a dedicated WQ), flags CRAV | RCR, opcode 3 in byte 7 */
	raw.field[0] = 0x3ull << 56 | 0xcull << 32 | 0x99;
	raw.field[1] = comp;
	raw.field[2] = a;
	raw.field[3] = b;
	raw.field[4] = sizeof(rr->want);
	memcpy(&d, &raw, sizeof(d));
	rr->ret = sva_accel_movdir64b(t, sva_accel_client_portal(c), &d);
	TCHECK(sva_accel_client_wait(t, c, comp, &rr->r, MAX_POLLS) == 0);
	TCHECK(sva_sys_read_mem(t, b, rr->got, sizeof(rr->got)) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

static void test_raw_words_on_a_dedicated_wq(void **state)
{
	(void)state;
	SVA_TEST_FOR_EACH_BACKEND(bc)
	{
		struct raw_run rr = { 0 };
		struct env e;

		env_init(&e, bc, 1);
		assert_int_equal(sva_test_run_process(e.k, raw_task, &rr), 0);
		assert_int_equal(rr.ret, 0);
		assert_int_equal(rr.r.status, DSA_COMP_SUCCESS);
		assert_int_equal(rr.r.bytes_completed, sizeof(rr.want));
		assert_memory_equal(rr.got, rr.want, sizeof(rr.want));
		env_done(&e);
	}
}

/* ---- the per-page accesses the checker sees, and an overlapping forward move ---- */

#define ACC_MAX 64

struct acc_run {
	atomic_uint n;
	uint64_t addr[ACC_MAX];
	bool write[ACC_MAX];
	uint64_t a, b, comp; /* the task's buffers */
	uint8_t want[3 * PAGE], got[3 * PAGE];
	int line;
};

static void acc_log(void *ctx, struct sva_world *w, const struct sva_trace_event *ev)
{
	struct acc_run *ar = ctx;
	unsigned i;

	(void)w;
	if (ev->kind != SVA_EV_DMA_ACCESS)
		return;
	i = atomic_fetch_add(&ar->n, 1);
	if (i < ACC_MAX) {
		ar->addr[i] = sva_ev_num(ev, DMA_ACCESS, addr);
		ar->write[i] = sva_ev_num(ev, DMA_ACCESS, write);
	}
}

static int acc_task(struct sva_task *t, void *arg)
{
	struct acc_run *ar = arg;
	struct sva_accel_client *c;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;

	TCHECK(sva_accel_client_open(t, "dsa0wq0", &c) == 0);
	TCHECK((ar->comp = t_mmap(t, PAGE)) != 0);
	TCHECK((ar->a = t_mmap(t, 3 * PAGE)) != 0);
	TCHECK((ar->b = t_mmap(t, 3 * PAGE)) != 0);
	fill_bytes(ar->want, sizeof(ar->want), 9);
	TCHECK(sva_sys_write_mem(t, ar->a, ar->want, sizeof(ar->want)) == 0);
	/* A + 100 -> B + 300, across two page boundaries of each, not at the same offsets */
	sva_dsa_desc_memmove(&d, ar->b + 300, ar->a + 100, 2 * PAGE + 50, ar->comp);
	TRY(t_run(t, c, &d, ar->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == 2 * PAGE + 50);
	TCHECK(sva_sys_read_mem(t, ar->b + 300, ar->got, 2 * PAGE + 50) == 0);
	TCHECK(memcmp(ar->got, ar->want + 100, 2 * PAGE + 50) == 0);
	/* forward over itself: A + 64 -> A (a memmove, the frames overlap) */
	sva_dsa_desc_memmove(&d, ar->a, ar->a + 64, 2 * PAGE, ar->comp);
	TRY(t_run(t, c, &d, ar->comp, &r));
	TCHECK(r.status == DSA_COMP_SUCCESS && r.bytes_completed == 2 * PAGE);
	TCHECK(sva_sys_read_mem(t, ar->a, ar->got, 2 * PAGE) == 0);
	TCHECK(memcmp(ar->got, ar->want + 64, 2 * PAGE) == 0);
	sva_accel_client_close(t, c);
	return 0;
}

/*
 * Each step of a copy (to the next page boundary of either address) is one dma.access read of
 * the source, then one write of the destination, for a subscriber, on both backends (native
 * copies frame to frame), with and without ATS (the ATC's misses ask first); a move forward
 * over itself is a memmove.
 */
static void test_copies_trace_every_page(void **state)
{
	(void)state;
	for (int ats = 0; ats < 2; ats++)
		SVA_TEST_FOR_EACH_BACKEND(bc)
		{
			struct acc_run *ar = calloc(1, sizeof(*ar));
			uint64_t done = 0, size = 2 * PAGE + 50;
			unsigned k = 0;
			struct env e;

			assert_non_null(ar);
			env_init_dev(&e, bc, 1, ats);
			assert_int_equal(sva_world_subscribe(e.w, acc_log, ar), 0);
			/* no unsubscribe while the world's workers run (the trace's rule): the
			   subscriber goes with the world, @ar after it */
			assert_int_equal(sva_test_run_process(e.k, acc_task, ar), 0);
			assert_in_range(atomic_load(&ar->n), 1, ACC_MAX);
			while (done < size) {
				uint64_t src = ar->a + 100 + done, dst = ar->b + 300 + done;
				uint64_t step = size - done;

				step = step < PAGE - src % PAGE ? step : PAGE - src % PAGE;
				step = step < PAGE - dst % PAGE ? step : PAGE - dst % PAGE;
				while (k < atomic_load(&ar->n) &&
				       ar->addr[k] / PAGE == ar->comp / PAGE)
					k++; /* a completion record written */
				assert_true(k + 1 < atomic_load(&ar->n));
				assert_int_equal(ar->addr[k], src);
				assert_false(ar->write[k]);
				assert_int_equal(ar->addr[k + 1], dst);
				assert_true(ar->write[k + 1]);
				k += 2;
				done += step;
			}
			env_done(&e);
			free(ar);
		}
}

/* ---- native engines sleep once idle, and a submission wakes them ---- */

struct wake_run {
	struct sva_world *w;
	int rounds;
};

static int wake_task(struct sva_task *t, void *arg)
{
	struct wake_run *wr = arg;
	struct sva_accel_client *c;
	struct dsa_completion_record r;
	struct dsa_hw_desc d;
	uint64_t comp, a;

	TCHECK(sva_accel_client_open(t, "dsa0wq0", &c) == 0);
	TCHECK((comp = t_mmap(t, PAGE)) != 0);
	TCHECK((a = t_mmap(t, 2 * PAGE)) != 0);
	for (int i = 0; i < 3; i++) {
		/* far longer than an idle engine polls: both engines asleep on their queue */
		sva_msleep(wr->w, 30);
		sva_dsa_desc_memmove(&d, a + PAGE, a, 64, comp);
		TRY(t_run(t, c, &d, comp, &r));
		TCHECK(r.status == DSA_COMP_SUCCESS);
		wr->rounds++;
	}
	sva_accel_client_close(t, c);
	return 0;
}

static void test_native_engines_wake_from_sleep(void **state)
{
	struct sva_test_backend native = { .backend = SVA_BACKEND_NATIVE, .seed = 1 };
	struct wake_run wr = { 0 };
	struct env e;
	(void)state;

	env_init(&e, &native, 2);
	wr.w = e.w;
	assert_int_equal(sva_test_run_process(e.k, wake_task, &wr), 0);
	assert_int_equal(wr.rounds, 3);
	env_done(&e);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_the_kernels_uapi),
		cmocka_unit_test(test_crc16_t10dif),
		cmocka_unit_test(test_raw_words_on_a_dedicated_wq),
		cmocka_unit_test(test_copies_trace_every_page),
		cmocka_unit_test(test_native_engines_wake_from_sleep),
		cmocka_unit_test(test_every_opcode_against_the_cpu),
		cmocka_unit_test(test_every_error_status),
		cmocka_unit_test(test_more_statuses),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_drain_waits_for_what_came_before),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("dsa_ops", tests, NULL, NULL);
}

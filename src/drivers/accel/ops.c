/* SPDX-License-Identifier: MIT */
/*
 * The DSA operations of the software accelerator: a descriptor's checks, in the order below, and
 * its execution, page by page with the swiommu's DMA helpers on the job's PASID, a scheduling
 * point (and the place a queue's stop ends the job) at every page; then its completion record,
 * or the software error register when there is none. In native the copies (MEMMOVE forward,
 * DUALCAST, COPY_CRC) and the records go frame to frame in DMA runs (sva_dma_run_*), a step
 * whose pages are not at hand done with the helpers through the engine's buffer, exactly as in
 * sim; the per-page stop check and the dma.access events are the same on both paths.
 *
 * The checks, first failure wins (docs/accelerators.md has the table):
 *   completion record address not 32-byte aligned (CRAV) -> CRA_ALIGN, to SWERR;
 *   an opcode this device does not have, or BATCH / DRAIN inside a batch -> BAD_OPCODE;
 *   a flag the operation or the WQ does not allow -> INVALID_FLAGS (invalid_flags: which);
 *   a byte the operation does not use not zero (bytes 16..63, int_handle aside) -> NOZERO_RESERVE;
 *   a completion interrupt asked for (no interrupt handle is configured) -> INT_HANDLE_INVAL;
 *   a transfer beyond the WQ's max transfer size, or a range that wraps -> XFER_ERANGE;
 *   then the operation's own: DESC_CNT_ERANGE, DESCLIST_ALIGN, DCAST_ERR, OVERLAP_BUFFERS,
 *   ADDR_ALIGN, DR_ERANGE, and the DIF checks (dif.c).
 *
 * Faults: the DMA of a job without block-on-fault makes no page request and the job stops at the
 * first fault: PAGE_FAULT_NOBOF, with DSA_COMP_STATUS_WRITE for a write, bytes_completed and
 * fault_addr. With block-on-fault the page requests are made and a fault left is one the
 * response refused: PAGE_FAULT_IR.
 *
 * Nothing here takes a lock but the SWERR spinlock (a leaf); DRAIN sleeps on its WQ's idle queue.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

#define SVA_ACCEL_PAGE_LEFT(va) ((size_t)(SVA_PAGE_SIZE - ((va) & ~SVA_PAGE_MASK)))
/* Bytes [off, off + len) of a descriptor, as bits of a mask of its bytes 16..63. */
#define SVA_DSA_BYTES(off, len) ((((uint64_t)1 << (len)) - 1) << ((off)-16))

/* The fields an operation uses, the flags it allows. */
struct sva_dsa_op {
	bool known;
	uint64_t bytes; /* SVA_DSA_BYTES of its fields */
	uint32_t flags; /* beyond the common ones */
	bool xfer;	/* xfer_size is a transfer size (checked against max_xfer) */
};

/* Flags every operation may carry (FENCE has effect only in a batch; steering tags, traffic
 * classes and strict ordering are accepted and have none). */
#define SVA_DSA_FLAGS_COMMON                                                                       \
	(IDXD_OP_FLAG_FENCE | IDXD_OP_FLAG_BOF | IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR |            \
	 IDXD_OP_FLAG_RCI | IDXD_OP_FLAG_CRSTS | IDXD_OP_FLAG_ADDR1_TCS | IDXD_OP_FLAG_ADDR2_TCS | \
	 IDXD_OP_FLAG_ADDR3_TCS | IDXD_OP_FLAG_CR_TCS | IDXD_OP_FLAG_STORD | IDXD_OP_FLAG_DSTS)
#define SVA_DSA_FLAGS_WRITES (IDXD_OP_FLAG_CC | IDXD_OP_FLAG_DRDBK)
#define SVA_DSA_SRC	     SVA_DSA_BYTES(16, 8)
#define SVA_DSA_DST	     SVA_DSA_BYTES(24, 8)
#define SVA_DSA_SIZE	     SVA_DSA_BYTES(32, 4)

static const struct sva_dsa_op sva_dsa_ops[256] = {
	[DSA_OPCODE_NOOP] = { true, 0, 0, false },
	[DSA_OPCODE_BATCH] = { true, SVA_DSA_SRC | SVA_DSA_SIZE, 0, false },
	[DSA_OPCODE_DRAIN] = { true, SVA_DSA_SRC | SVA_DSA_DST, 0, false },
	[DSA_OPCODE_MEMMOVE] = { true, SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE,
				 SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_MEMFILL] = { true, SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE,
				 SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_COMPARE] = { true,
				 SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 1),
				 IDXD_OP_FLAG_CR, true },
	[DSA_OPCODE_COMPVAL] = { true,
				 SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 1),
				 IDXD_OP_FLAG_CR, true },
	[DSA_OPCODE_CR_DELTA] = { true,
				  SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 12) |
					  SVA_DSA_BYTES(56, 1),
				  IDXD_OP_FLAG_CR | SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_AP_DELTA] = { true,
				  SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 4),
				  SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_DUALCAST] = { true,
				  SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 8),
				  SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_CRCGEN] = { true,
				SVA_DSA_SRC | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 4) |
					SVA_DSA_BYTES(48, 8),
				SVA_DSA_FLAG_CRC_READ_SEED, true },
	[DSA_OPCODE_COPY_CRC] = { true,
				  SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 4) |
					  SVA_DSA_BYTES(48, 8),
				  SVA_DSA_FLAG_CRC_READ_SEED | SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_DIF_CHECK] = { true,
				   SVA_DSA_SRC | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 1) |
					   SVA_DSA_BYTES(42, 1) | SVA_DSA_BYTES(48, 8),
				   0, true },
	[DSA_OPCODE_DIF_INS] = { true,
				 SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(41, 2) |
					 SVA_DSA_BYTES(56, 8),
				 SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_DIF_STRP] = { true,
				  SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 1) |
					  SVA_DSA_BYTES(42, 1) | SVA_DSA_BYTES(48, 8),
				  SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_DIF_UPDT] = { true,
				  SVA_DSA_SRC | SVA_DSA_DST | SVA_DSA_SIZE | SVA_DSA_BYTES(40, 3) |
					  SVA_DSA_BYTES(48, 16),
				  SVA_DSA_FLAGS_WRITES, true },
	[DSA_OPCODE_CFLUSH] = { true, SVA_DSA_DST | SVA_DSA_SIZE, IDXD_OP_FLAG_CC, true },
};

static size_t sva_accel_min(size_t x, size_t y)
{
	return x < y ? x : y;
}

/* ---- DMA, faults, pages ---- */

int sva_accel_dma(struct sva_accel_exec *x, uint64_t va, void *buf, size_t len, bool write,
		  struct sva_dma_status *st)
{
	int ret;

	/* without block-on-fault a job does not wait for page requests: it reports the fault */
	ret = sva_dma_copy_gen(x->a->dev, x->pasid, x->gen, va, buf, len,
			       (write ? SVA_DMA_WRITE : 0) | (x->bof ? 0 : SVA_DMA_NO_PRI), st);
	if (st->pri_requests)
		sva_accel_count(&x->a->c.page_requests, st->pri_requests);
	return ret;
}

void sva_accel_fault(struct sva_accel_exec *x, struct dsa_completion_record *c, uint64_t done,
		     const struct sva_dma_status *st, bool write)
{
	c->status = (uint8_t)((x->bof && st->pri_requests ? DSA_COMP_PAGE_FAULT_IR
							  : DSA_COMP_PAGE_FAULT_NOBOF) |
			      (write ? DSA_COMP_STATUS_WRITE : 0));
	c->bytes_completed = (uint32_t)done;
	c->fault_addr = st->fault_addr;
}

static bool sva_accel_aborted(struct sva_accel_exec *x)
{
	return x->ctx && atomic_load(&x->ctx->abort);
}

bool sva_accel_page(struct sva_accel_exec *x, struct dsa_completion_record *c, uint64_t done)
{
	/* the step from here names what it reads: the abort flag, set under the WQ lock */
	sva_sched_point_named(x->a->w);
	if (x->ctx)
		sva_spin_lock_reads(&x->ctx->wq->lock);
	if (!sva_accel_aborted(x))
		return true;
	c->status = SVA_DSA_COMP_ABORTED;
	c->bytes_completed = (uint32_t)done;
	return false;
}

/* The step from @done: to the next page boundary of every address, at most @max bytes. */
static size_t sva_accel_step(uint64_t done, uint64_t size, const uint64_t *va, unsigned n,
			     size_t max)
{
	size_t step = sva_accel_min(max, size - done);

	for (unsigned i = 0; i < n; i++)
		step = sva_accel_min(step, SVA_ACCEL_PAGE_LEFT(va[i] + done));
	return step;
}

static void sva_accel_success(struct dsa_completion_record *c, uint64_t done)
{
	c->status = DSA_COMP_SUCCESS;
	c->bytes_completed = (uint32_t)done;
}

/*
 * Destination readback (IDXD_OP_FLAG_DRDBK): after the writes, the device reads the last byte
 * of each destination back, so that they reached memory before the completion. A fault there
 * is a read fault at that address, with everything written.
 */
static void sva_accel_readback(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			       struct dsa_completion_record *c, const uint64_t *dst, unsigned n,
			       uint64_t len)
{
	struct sva_dma_status st;
	uint8_t byte;

	if (!(d->flags & IDXD_OP_FLAG_DRDBK) || c->status != DSA_COMP_SUCCESS || !len)
		return;
	for (unsigned i = 0; i < n; i++)
		if (sva_accel_dma(x, dst[i] + len - 1, &byte, 1, false, &st)) {
			sva_accel_fault(x, c, c->bytes_completed, &st, false);
			return;
		}
}

/* ---- the data movers ---- */

/* Copy backward (an overlapping move to a higher address): from the end, page by page. */
static void sva_accel_move_backward(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
				    struct dsa_completion_record *c)
{
	uint8_t *buf = x->e->buf[0];
	struct sva_dma_status st;
	uint64_t done = 0;

	c->result = 1; /* the direction: bytes_completed counts from the end */
	while (done < d->xfer_size) {
		uint64_t end = d->xfer_size - done;
		size_t step = sva_accel_min(end, SVA_PAGE_SIZE);

		step = sva_accel_min(step, ((d->src_addr + end - 1) & ~SVA_PAGE_MASK) + 1);
		step = sva_accel_min(step, ((d->dst_addr + end - 1) & ~SVA_PAGE_MASK) + 1);
		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->src_addr + end - step, buf, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			return;
		}
		if (sva_accel_dma(x, d->dst_addr + end - step, buf, step, true, &st)) {
			sva_accel_fault(x, c, done, &st, true);
			return;
		}
		done += step;
	}
	sva_accel_success(c, done);
}

/* The seed of a CRC: the descriptor's, or read at seed_addr (SVA_DSA_FLAG_CRC_READ_SEED). */
static bool sva_accel_crc_seed(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			       struct dsa_completion_record *c, uint32_t *seed)
{
	struct sva_dma_status st;

	*seed = d->crc_seed;
	if (!(d->flags & SVA_DSA_FLAG_CRC_READ_SEED))
		return true;
	if (sva_accel_dma(x, d->seed_addr, seed, sizeof(*seed), false, &st) == 0)
		return true;
	sva_accel_fault(x, c, 0, &st, false);
	return false;
}

/* Pages a DMA run covers before it ends and begins again (an invalidation waits for it). */
#define SVA_ACCEL_RUN_PAGES 64u

/* Whether [a, a + n) and [b, b + n) share a byte. */
static bool sva_accel_ptr_overlap(const uint8_t *a, const uint8_t *b, size_t n)
{
	return (uintptr_t)a < (uintptr_t)b + n && (uintptr_t)b < (uintptr_t)a + n;
}

/*
 * Native: one step of a copy straight from frame to frame in @run (each page translated once,
 * no buffer unless the frames overlap or a CRC is computed): false, nothing done, when a page
 * is not at hand - the step is then done the slow way.
 */
static bool sva_accel_copy_fast(struct sva_dma_run *run, const uint64_t *va, unsigned n,
				uint64_t done, size_t step, uint8_t *buf, uint32_t *sum)
{
	uint8_t *p[3];
	uint64_t pfn[3];

	for (unsigned i = 0; i < n; i++)
		if (!(p[i] = sva_dma_run_page(run, va[i] + done, i > 0, &pfn[i])))
			return false;
	for (unsigned i = 0; i < n; i++)
		sva_dma_run_access(run, va[i] + done, pfn[i], i > 0);
	if (sum || sva_accel_ptr_overlap(p[0], p[1], step)) {
		sva_frame_copy(buf, p[0], step);
		p[0] = buf;
		if (sum)
			*sum = sva_crc32c(*sum, buf, step);
	}
	for (unsigned i = 1; i < n; i++)
		sva_frame_copy(p[i], p[0], step);
	return true;
}

/*
 * MEMMOVE (forward), COPY_CRC and DUALCAST: read a step of src, write it to one or two places.
 * Native: frame to frame in DMA runs (sva_accel_copy_fast), a step whose pages are not at hand
 * done through the buffer with the DMA helpers (faults, page requests), the run ended first.
 */
static void sva_accel_copy(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			   struct dsa_completion_record *c)
{
	uint64_t va[3] = { d->src_addr, d->dst_addr, d->dest2 };
	unsigned n = d->opcode == DSA_OPCODE_DUALCAST ? 3 : 2;
	bool crc = d->opcode == DSA_OPCODE_COPY_CRC;
	uint8_t *buf = x->e->buf[0];
	struct sva_dma_status st;
	struct sva_dma_run run = { .held = false };
	/* the engine's memo of pages, for descriptors it can hold (beyond, a stream) */
	struct sva_dma_memo *memo =
		(uint64_t)d->xfer_size * n <= SVA_DMA_MEMO_ENTRIES * SVA_PAGE_SIZE ? &x->e->memo
										   : NULL;
	unsigned pages = 0;
	uint64_t done = 0;
	uint32_t sum = 0;

	if (crc && !sva_accel_crc_seed(x, d, c, &sum))
		return;
	while (done < d->xfer_size) {
		size_t step = sva_accel_step(done, d->xfer_size, va, n, SVA_PAGE_SIZE);

		if (!sva_accel_page(x, c, done))
			break;
		if (run.held && ++pages % SVA_ACCEL_RUN_PAGES == 0)
			sva_dma_run_end(&run);
		if ((run.held || sva_dma_run_begin_memo(&run, x->a->dev, x->pasid, x->gen, memo)) &&
		    sva_accel_copy_fast(&run, va, n, done, step, buf, crc ? &sum : NULL)) {
			done += step;
			continue;
		}
		sva_dma_run_end(&run); /* sim: never begun */
		if (sva_accel_dma(x, d->src_addr + done, buf, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			break;
		}
		if (sva_accel_dma(x, d->dst_addr + done, buf, step, true, &st) ||
		    (n == 3 && sva_accel_dma(x, d->dest2 + done, buf, step, true, &st))) {
			sva_accel_fault(x, c, done, &st, true);
			break;
		}
		if (crc)
			sum = sva_crc32c(sum, buf, step);
		done += step;
	}
	sva_dma_run_end(&run);
	if (done == d->xfer_size)
		sva_accel_success(c, done);
	if (crc)
		c->crc_val = sum; /* partial: the CRC of what was copied, the seed of the rest */
	sva_accel_readback(x, d, c, va + 1, n - 1, d->xfer_size);
}

static void sva_accel_memmove(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			      struct dsa_completion_record *c)
{
	if (d->dst_addr > d->src_addr && d->dst_addr < d->src_addr + d->xfer_size) {
		uint64_t dst = d->dst_addr;

		sva_accel_move_backward(x, d, c);
		sva_accel_readback(x, d, c, &dst, 1, d->xfer_size);
	} else {
		sva_accel_copy(x, d, c);
	}
}

/* Byte i of a pattern operation is byte (offset + i) % 8 of the 8-byte pattern (little end). */
static void sva_accel_pattern(uint8_t *buf, size_t len, uint64_t pattern, uint64_t offset)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(pattern >> (8 * ((offset + i) % 8)));
}

static void sva_accel_memfill(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			      struct dsa_completion_record *c)
{
	uint8_t *buf = x->e->buf[0];
	uint64_t va = d->dst_addr;
	struct sva_dma_status st;
	uint64_t done = 0;

	while (done < d->xfer_size) {
		size_t step = sva_accel_step(done, d->xfer_size, &va, 1, SVA_PAGE_SIZE);

		if (!sva_accel_page(x, c, done))
			return;
		sva_accel_pattern(buf, step, d->pattern, done);
		if (sva_accel_dma(x, d->dst_addr + done, buf, step, true, &st)) {
			sva_accel_fault(x, c, done, &st, true);
			return;
		}
		done += step;
	}
	sva_accel_success(c, done);
	sva_accel_readback(x, d, c, &va, 1, d->xfer_size);
}

/* COMPARE and COMPVAL: result 1 and bytes_completed the offset of the first difference. */
static void sva_accel_compare(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			      struct dsa_completion_record *c)
{
	bool pattern = d->opcode == DSA_OPCODE_COMPVAL;
	uint64_t va[2] = { d->src_addr, d->src2_addr };
	uint8_t *a = x->e->buf[0], *b = x->e->buf[1];
	struct sva_dma_status st;
	uint64_t done = 0;

	while (done < d->xfer_size) {
		size_t step =
			sva_accel_step(done, d->xfer_size, va, pattern ? 1 : 2, SVA_PAGE_SIZE);

		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->src_addr + done, a, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			return;
		}
		if (pattern)
			sva_accel_pattern(b, step, d->comp_pattern, done);
		else if (sva_accel_dma(x, d->src2_addr + done, b, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			return;
		}
		if (memcmp(a, b, step)) {
			size_t i = 0;

			while (a[i] == b[i])
				i++;
			sva_accel_success(c, done + i);
			c->result = 1;
			return;
		}
		done += step;
	}
	sva_accel_success(c, done);
}

/* CRCGEN: the CRC32C of the source, from the seed; partial: of the bytes done. */
static void sva_accel_crcgen(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			     struct dsa_completion_record *c)
{
	uint8_t *buf = x->e->buf[0];
	uint64_t va = d->src_addr;
	struct sva_dma_status st;
	uint64_t done = 0;
	uint32_t sum;

	if (!sva_accel_crc_seed(x, d, c, &sum))
		return;
	while (done < d->xfer_size) {
		size_t step = sva_accel_step(done, d->xfer_size, &va, 1, SVA_PAGE_SIZE);

		if (!sva_accel_page(x, c, done))
			break;
		if (sva_accel_dma(x, d->src_addr + done, buf, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			break;
		}
		sum = sva_crc32c(sum, buf, step);
		done += step;
	}
	if (done == d->xfer_size)
		sva_accel_success(c, done);
	c->crc_val = sum;
}

/* CFLUSH: every page of the range translated (the lines written back); no data changes. */
static void sva_accel_cflush(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			     struct dsa_completion_record *c)
{
	uint64_t va = d->dst_addr;
	struct sva_dma_status st;
	uint64_t done = 0;
	uint8_t byte;

	while (done < d->xfer_size) {
		size_t step = sva_accel_step(done, d->xfer_size, &va, 1, SVA_PAGE_SIZE);

		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->dst_addr + done, &byte, 1, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			return;
		}
		done += step;
	}
	sva_accel_success(c, done);
}

/* ---- delta records ---- */

/* An entry as the record holds it: 2 bytes of offset (in 8-byte words), 8 of data. */
static void sva_accel_delta_put(uint8_t *p, uint16_t off, uint64_t word)
{
	memcpy(p, &off, sizeof(off));
	memcpy(p + 2, &word, sizeof(word));
}

/*
 * CR_DELTA: compare src (the old buffer) with src2 (the new one) in 8-byte words; each word
 * that differs becomes an entry (its offset / 8, the new word) of the delta record at
 * delta_addr. Result 0: no difference; 1: a record of delta_rec_size bytes; 2: the record
 * would exceed max_delta_size - bytes_completed says how far the comparison got.
 */
static void sva_accel_cr_delta(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			       struct dsa_completion_record *c)
{
	uint64_t va[2] = { d->src_addr, d->src2_addr };
	uint8_t *a = x->e->buf[0], *b = x->e->buf[1], *rec = x->e->buf[2];
	struct sva_dma_status st;
	uint32_t rec_size = 0;
	uint64_t done = 0;

	/* a step of 2 KiB makes at most 256 entries: 2560 bytes, which buf[2] holds */
	while (done < d->xfer_size) {
		size_t step = sva_accel_step(done, d->xfer_size, va, 2, SVA_PAGE_SIZE / 2);
		uint32_t n = 0, fit = (d->max_delta_size - rec_size) / SVA_DSA_DELTA_ENTRY;
		size_t i;

		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->src_addr + done, a, step, false, &st) ||
		    sva_accel_dma(x, d->src2_addr + done, b, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			c->delta_rec_size = rec_size;
			return;
		}
		for (i = 0; i < step; i += 8) {
			uint64_t wa, wb;

			memcpy(&wa, a + i, 8);
			memcpy(&wb, b + i, 8);
			if (wa == wb)
				continue;
			if (n == fit)
				break;
			sva_accel_delta_put(rec + n++ * SVA_DSA_DELTA_ENTRY,
					    (uint16_t)((done + i) / 8), wb);
		}
		if (n && sva_accel_dma(x, d->delta_addr + rec_size, rec, n * SVA_DSA_DELTA_ENTRY,
				       true, &st)) {
			sva_accel_fault(x, c, done, &st, true);
			c->delta_rec_size = rec_size;
			return;
		}
		rec_size += n * SVA_DSA_DELTA_ENTRY;
		if (i < step) { /* the record is full */
			sva_accel_success(c, done + i);
			c->result = 2;
			c->delta_rec_size = rec_size;
			return;
		}
		done += step;
	}
	sva_accel_success(c, done);
	c->result = rec_size ? 1 : 0;
	c->delta_rec_size = rec_size;
	va[0] = d->delta_addr;
	sva_accel_readback(x, d, c, va, 1, rec_size);
}

/*
 * AP_DELTA: apply the delta record at src_addr (delta_rec_size bytes) to the buffer at dst_addr
 * (xfer_size bytes): each entry's word written at its offset. Offsets must increase
 * (DR_OFFSET_NOINC) and stay in the buffer (DR_OFFSET_ERANGE); bytes_completed counts the bytes
 * of the record applied.
 */
static void sva_accel_ap_delta(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			       struct dsa_completion_record *c)
{
	uint8_t *rec = x->e->buf[0];
	struct sva_dma_status st;
	uint64_t done = 0;
	int64_t last = -1;

	while (done < d->delta_rec_size) {
		/* whole entries, and no more than a page of them */
		size_t step =
			sva_accel_min(d->delta_rec_size - done,
				      SVA_PAGE_SIZE / SVA_DSA_DELTA_ENTRY * SVA_DSA_DELTA_ENTRY);

		if (!sva_accel_page(x, c, done))
			return;
		if (sva_accel_dma(x, d->src_addr + done, rec, step, false, &st)) {
			sva_accel_fault(x, c, done, &st, false);
			return;
		}
		for (size_t i = 0; i < step; i += SVA_DSA_DELTA_ENTRY) {
			uint16_t off;
			uint64_t word;

			memcpy(&off, rec + i, sizeof(off));
			memcpy(&word, rec + i + 2, sizeof(word));
			if ((int64_t)off <= last) {
				c->status = DSA_COMP_DR_OFFSET_NOINC;
				c->bytes_completed = (uint32_t)(done + i);
				return;
			}
			if ((uint64_t)off * 8 + 8 > d->xfer_size) {
				c->status = DSA_COMP_DR_OFFSET_ERANGE;
				c->bytes_completed = (uint32_t)(done + i);
				return;
			}
			if (sva_accel_dma(x, d->dst_addr + (uint64_t)off * 8, &word, 8, true,
					  &st)) {
				sva_accel_fault(x, c, done + i, &st, true);
				return;
			}
			last = off;
		}
		done += step;
	}
	sva_accel_success(c, done);
	if (last >= 0) {
		uint64_t dst = d->dst_addr;

		sva_accel_readback(x, d, c, &dst, 1, (uint64_t)last * 8 + 8);
	}
}

/* ---- NOOP, DRAIN, BATCH ---- */

/* An engine's job in the packed form of sva_accel_engine.run_seq: seq, WQ, PASID. */
#define SVA_ACCEL_RUN(seq, wq, pasid) (((uint64_t)(seq) << 23) | ((uint64_t)(wq) << 20) | (pasid))

/* No job taken before @x's from its WQ, on its PASID, is still running. */
static bool sva_accel_drained(struct sva_accel_exec *x)
{
	for (unsigned i = 0; i < x->a->nengines; i++) {
		struct sva_accel_engine *e = x->a->engines[i];
		uint64_t run = atomic_load(&e->run_seq);

		if (e == x->e || !run)
			continue;
		if ((run >> 23) < x->seq && ((run >> 20) & 7) == x->wq->index &&
		    (run & SVA_PASID_MSR_MASK) == x->pasid)
			return false;
	}
	return true;
}

/*
 * DRAIN: complete when every descriptor submitted before it to the same WQ on the same PASID
 * has completed (the engines take a WQ's descriptors in order, so those are the ones running
 * on other engines with an earlier take). The readback addresses are not read.
 */
static void sva_accel_drain(struct sva_accel_exec *x, struct dsa_completion_record *c)
{
	atomic_fetch_add(&x->wq->drains, 1);
	sva_accel_idle_wait(x->wq, sva_accel_drained(x) || sva_accel_aborted(x));
	atomic_fetch_sub(&x->wq->drains, 1);
	if (sva_accel_aborted(x))
		c->status = SVA_DSA_COMP_ABORTED;
	else
		sva_accel_success(c, 0);
}

/*
 * BATCH: read each descriptor of the list (on the batch's PASID, blocking on faults if the
 * batch does), check and execute it, write its record. A descriptor with FENCE after one that
 * did not succeed (a false predicate included) abandons the rest of the batch. Status SUCCESS
 * if every descriptor succeeded, BATCH_FAIL if not, BATCH_PAGE_FAULT if reading the list
 * faulted; bytes_completed: the descriptors processed.
 */
static void sva_accel_batch(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			    struct dsa_completion_record *c)
{
	bool bof = x->bof, failed = false;
	uint32_t i;

	for (i = 0; i < d->desc_count; i++) {
		struct dsa_completion_record sub_c;
		struct dsa_hw_desc sub;
		struct sva_dma_status st;

		if (!sva_accel_page(x, c, i))
			return;
		x->bof = bof;
		if (sva_accel_dma(x, d->desc_list_addr + i * sizeof(sub), &sub, sizeof(sub), false,
				  &st)) {
			sva_accel_fault(x, c, i, &st, false);
			c->status = (uint8_t)(DSA_COMP_BATCH_PAGE_FAULT |
					      (c->status & DSA_COMP_STATUS_WRITE));
			return;
		}
		if ((sub.flags & IDXD_OP_FLAG_FENCE) && failed)
			break; /* abandoned: no record for this one or the rest */
		sva_accel_execute(x, &sub, &sub_c, true);
		sva_accel_complete(x, &sub, &sub_c);
		if (sub_c.status == SVA_DSA_COMP_ABORTED) {
			c->status = SVA_DSA_COMP_ABORTED;
			c->bytes_completed = i;
			return;
		}
		failed |= sub_c.status != DSA_COMP_SUCCESS;
	}
	c->status = failed ? DSA_COMP_BATCH_FAIL : DSA_COMP_SUCCESS;
	c->bytes_completed = i;
}

/* ---- the checks ---- */

static bool sva_accel_range_ok(uint64_t va, uint64_t size)
{
	return !size || va + (size - 1) >= va;
}

static bool sva_accel_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* The ranges of @d: [0] its sources, then its destinations; their count. */
struct sva_accel_ranges {
	uint64_t va[3], len[3];
	unsigned n, nsrc;
};

static void sva_accel_ranges(const struct dsa_hw_desc *d, struct sva_accel_ranges *r)
{
	uint64_t size = d->xfer_size;

	*r = (struct sva_accel_ranges){ 0 };
#define SVA_ACCEL_RANGE(a, l) (r->va[r->n] = (a), r->len[r->n++] = (l))
	switch (d->opcode) {
	case DSA_OPCODE_MEMMOVE:
	case DSA_OPCODE_COPY_CRC:
	case DSA_OPCODE_COMPARE:
		SVA_ACCEL_RANGE(d->src_addr, size);
		r->nsrc = d->opcode == DSA_OPCODE_COMPARE ? 2 : 1;
		SVA_ACCEL_RANGE(d->dst_addr, size);
		break;
	case DSA_OPCODE_DUALCAST:
		SVA_ACCEL_RANGE(d->src_addr, size);
		r->nsrc = 1;
		SVA_ACCEL_RANGE(d->dst_addr, size);
		SVA_ACCEL_RANGE(d->dest2, size);
		break;
	case DSA_OPCODE_MEMFILL:
	case DSA_OPCODE_CFLUSH:
		SVA_ACCEL_RANGE(d->dst_addr, size);
		break;
	case DSA_OPCODE_CRCGEN:
	case DSA_OPCODE_COMPVAL:
	case DSA_OPCODE_DIF_CHECK:
		SVA_ACCEL_RANGE(d->src_addr, size);
		r->nsrc = 1;
		break;
	case DSA_OPCODE_CR_DELTA:
		SVA_ACCEL_RANGE(d->src_addr, size);
		SVA_ACCEL_RANGE(d->src2_addr, size);
		r->nsrc = 2;
		SVA_ACCEL_RANGE(d->delta_addr, d->max_delta_size);
		break;
	case DSA_OPCODE_AP_DELTA:
		SVA_ACCEL_RANGE(d->src_addr, d->delta_rec_size);
		r->nsrc = 1;
		SVA_ACCEL_RANGE(d->dst_addr, size);
		break;
	case DSA_OPCODE_DIF_INS:
	case DSA_OPCODE_DIF_STRP:
	case DSA_OPCODE_DIF_UPDT: {
		unsigned bs = sva_accel_dif_block(d->dif_chk_flags); /* same byte for all three */
		uint64_t blocks = size / (d->opcode == DSA_OPCODE_DIF_INS ? bs : bs + 8);
		uint64_t out = blocks * (d->opcode == DSA_OPCODE_DIF_STRP ? bs : bs + 8);

		SVA_ACCEL_RANGE(d->src_addr, size);
		r->nsrc = 1;
		SVA_ACCEL_RANGE(d->dst_addr, out);
		break;
	}
	default:
		break;
	}
#undef SVA_ACCEL_RANGE
}

/* The operation's own checks, after the common ones: 0 or a status. */
static unsigned sva_accel_check_op(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
				   const struct sva_accel_ranges *r)
{
	/* writes may not overlap anything else (MEMMOVE's overlap is a backward copy) */
	if (d->opcode != DSA_OPCODE_MEMMOVE)
		for (unsigned i = r->nsrc; i < r->n; i++)
			for (unsigned j = 0; j < r->n; j++)
				if (j != i &&
				    sva_accel_overlap(r->va[i], r->len[i], r->va[j], r->len[j]))
					return DSA_COMP_OVERLAP_BUFFERS;
	switch (d->opcode) {
	case DSA_OPCODE_BATCH:
		if (d->desc_count < 2 || d->desc_count > x->wq->max_batch ||
		    !sva_accel_range_ok(d->desc_list_addr,
					(uint64_t)d->desc_count * sizeof(struct dsa_hw_desc)))
			return DSA_COMP_DESC_CNT_ERANGE;
		if (d->desc_list_addr % sizeof(struct dsa_hw_desc))
			return DSA_COMP_DESCLIST_ALIGN;
		return 0;
	case DSA_OPCODE_DUALCAST:
		return (d->dst_addr ^ d->dest2) & ~SVA_PAGE_MASK ? DSA_COMP_DCAST_ERR : 0;
	case DSA_OPCODE_CRCGEN:
	case DSA_OPCODE_COPY_CRC:
		return (d->flags & SVA_DSA_FLAG_CRC_READ_SEED) && d->seed_addr % 4
			       ? DSA_COMP_ADDR_ALIGN
			       : 0;
	case DSA_OPCODE_CR_DELTA:
		if (d->xfer_size % 8 || d->xfer_size > SVA_DSA_DELTA_MAX_XFER)
			return DSA_COMP_XFER_ERANGE;
		if ((d->src_addr | d->src2_addr | d->delta_addr) % 8)
			return DSA_COMP_ADDR_ALIGN;
		return d->max_delta_size < SVA_DSA_DELTA_MIN_RECORD ? DSA_COMP_DR_ERANGE : 0;
	case DSA_OPCODE_AP_DELTA:
		if (d->xfer_size % 8 || d->xfer_size > SVA_DSA_DELTA_MAX_XFER)
			return DSA_COMP_XFER_ERANGE;
		if (d->dst_addr % 8)
			return DSA_COMP_ADDR_ALIGN;
		return d->delta_rec_size % SVA_DSA_DELTA_ENTRY ||
				       d->delta_rec_size > d->xfer_size / 8 * SVA_DSA_DELTA_ENTRY
			       ? DSA_COMP_DR_ERANGE
			       : 0;
	case DSA_OPCODE_DIF_CHECK:
	case DSA_OPCODE_DIF_INS:
	case DSA_OPCODE_DIF_STRP:
	case DSA_OPCODE_DIF_UPDT:
		return sva_accel_dif_check_desc(d);
	default:
		return 0;
	}
}

/* The flags @d may not carry: 0 if none. */
static uint32_t sva_accel_bad_flags(struct sva_accel_exec *x, const struct dsa_hw_desc *d)
{
	uint32_t allowed = SVA_DSA_FLAGS_COMMON | sva_dsa_ops[d->opcode].flags;
	uint32_t bad = d->flags & ~allowed;

	if (!x->wq->bof || d->opcode == DSA_OPCODE_DRAIN) /* BOF is reserved there */
		bad |= d->flags & IDXD_OP_FLAG_BOF;
	if ((d->flags & IDXD_OP_FLAG_RCR) && !(d->flags & IDXD_OP_FLAG_CRAV))
		bad |= IDXD_OP_FLAG_RCR;
	return bad;
}

/* The bytes 16..63 of @d that are not zero, as an SVA_DSA_BYTES mask: eight at a time. */
static uint64_t sva_accel_nonzero(const struct dsa_hw_desc *d)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
	const uint8_t *p = (const uint8_t *)d;
	uint64_t mask = 0;

	for (unsigned i = 16; i < 64; i += 8) {
		uint64_t v, nz;

		memcpy(&v, p + i, sizeof(v));
		/* bit 7 of each byte of nz: that byte of v is not zero */
		nz = (((v & low7) + low7) | v) & ~low7;
		/* gather the eight bits 7, 15, ... 63 into one byte (little end first) */
		mask |= ((nz >> 7) * 0x0102040810204080ull >> 56) << (i - 16);
	}
	return mask & ~SVA_DSA_BYTES(36, 2); /* int_handle: read only with RCI */
}

/* The common checks and the operation's: 0 or a status, @c's invalid_flags set. */
static unsigned sva_accel_check(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
				struct dsa_completion_record *c, bool in_batch)
{
	const struct sva_dsa_op *op = &sva_dsa_ops[d->opcode];
	struct sva_accel_ranges r;
	uint32_t bad;

	if ((d->flags & IDXD_OP_FLAG_CRAV) && d->completion_addr % 32)
		return DSA_COMP_CRA_ALIGN;
	if (!op->known ||
	    (in_batch && (d->opcode == DSA_OPCODE_BATCH || d->opcode == DSA_OPCODE_DRAIN)))
		return DSA_COMP_BAD_OPCODE;
	bad = sva_accel_bad_flags(x, d);
	if (bad) {
		c->invalid_flags = bad;
		return DSA_COMP_INVALID_FLAGS;
	}
	if (sva_accel_nonzero(d) & ~op->bytes)
		return DSA_COMP_NOZERO_RESERVE;
	if (d->flags & IDXD_OP_FLAG_RCI)
		return DSA_COMP_INT_HANDLE_INVAL;
	sva_accel_ranges(d, &r);
	if (op->xfer && d->xfer_size > x->wq->max_xfer)
		return DSA_COMP_XFER_ERANGE;
	for (unsigned i = 0; i < r.n; i++)
		if (!sva_accel_range_ok(r.va[i], r.len[i]))
			return DSA_COMP_XFER_ERANGE;
	return sva_accel_check_op(x, d, &r);
}

void sva_accel_execute(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
		       struct dsa_completion_record *c, bool in_batch)
{
	unsigned status;

	memset(c, 0, sizeof(*c));
	x->bof = false;
	status = sva_accel_check(x, d, c, in_batch);
	if (status) {
		c->status = (uint8_t)status;
		return;
	}
	x->bof = d->flags & IDXD_OP_FLAG_BOF;
	switch (d->opcode) {
	case DSA_OPCODE_NOOP:
		sva_accel_success(c, 0);
		break;
	case DSA_OPCODE_BATCH:
		sva_accel_batch(x, d, c);
		break;
	case DSA_OPCODE_DRAIN:
		sva_accel_drain(x, c);
		break;
	case DSA_OPCODE_MEMMOVE:
		sva_accel_memmove(x, d, c);
		break;
	case DSA_OPCODE_COPY_CRC:
	case DSA_OPCODE_DUALCAST:
		sva_accel_copy(x, d, c);
		break;
	case DSA_OPCODE_MEMFILL:
		sva_accel_memfill(x, d, c);
		break;
	case DSA_OPCODE_COMPARE:
	case DSA_OPCODE_COMPVAL:
		sva_accel_compare(x, d, c);
		break;
	case DSA_OPCODE_CR_DELTA:
		sva_accel_cr_delta(x, d, c);
		break;
	case DSA_OPCODE_AP_DELTA:
		sva_accel_ap_delta(x, d, c);
		break;
	case DSA_OPCODE_CRCGEN:
		sva_accel_crcgen(x, d, c);
		break;
	case DSA_OPCODE_CFLUSH:
		sva_accel_cflush(x, d, c);
		break;
	default: /* the DIF operations */
		sva_accel_dif(x, d, c);
		break;
	}
	/* Check Result: a result other than the expected one is a false predicate */
	if ((d->flags & IDXD_OP_FLAG_CR) && c->status == DSA_COMP_SUCCESS) {
		bool expected = d->opcode == DSA_OPCODE_CR_DELTA
					? (d->expected_res_mask >> c->result) & 1
					: c->result == d->expected_res;

		if (!expected)
			c->status = DSA_COMP_SUCCESS_PRED;
	}
}

/* ---- completion ---- */

/* Report @status of @d to the software error register. */
static void sva_accel_swerr(struct sva_accel_exec *x, const struct dsa_hw_desc *d, unsigned status)
{
	struct sva_accel *a = x->a;

	sva_accel_count(&a->c.swerrs, 1);
	sva_spin_lock(&a->swerr_lock);
	if (sva_guarded(&a->swerr_lock, a->swerr).valid) {
		sva_guarded(&a->swerr_lock, a->swerr).overflow = true;
	} else {
		sva_guarded(&a->swerr_lock, a->swerr) = (struct sva_accel_swerr){
			.valid = true,
			.status = (uint8_t)status,
			.opcode = d->opcode,
			.wq = x->wq ? x->wq->index : 0,
			.pasid = x->pasid,
			.record_addr = d->completion_addr,
		};
	}
	sva_spin_unlock(&a->swerr_lock);
}

/*
 * Native: the record written straight into its frame in a DMA run (32 bytes, 32-byte aligned:
 * one page); false when its page is not at hand (then the DMA helpers write it).
 */
static bool sva_accel_record_fast(struct sva_accel_exec *x, uint64_t va,
				  const struct dsa_completion_record *rec)
{
	struct sva_dma_run run;
	uint64_t pfn;
	void *p;

	if (!sva_dma_run_begin_memo(&run, x->a->dev, x->pasid, x->gen, x->e ? &x->e->memo : NULL))
		return false;
	p = sva_accel_min(sizeof(*rec), SVA_ACCEL_PAGE_LEFT(va)) == sizeof(*rec)
		    ? sva_dma_run_page(&run, va, true, &pfn)
		    : NULL;
	if (p) {
		sva_dma_run_access(&run, va, pfn, true);
		sva_frame_copy(p, rec, sizeof(*rec));
	}
	sva_dma_run_end(&run);
	return p != NULL;
}

void sva_accel_complete(struct sva_accel_exec *x, const struct dsa_hw_desc *d,
			const struct dsa_completion_record *c)
{
	unsigned code = sva_dsa_status_code(c->status);
	bool ok = code == DSA_COMP_SUCCESS || code == DSA_COMP_SUCCESS_PRED;
	struct dsa_completion_record rec = *c;
	struct sva_dma_status st;

	if (code == DSA_COMP_CRA_ALIGN) {
		sva_accel_swerr(x, d, code);
		return;
	}
	if (!(d->flags & IDXD_OP_FLAG_CRAV)) {
		if (!ok && code != SVA_DSA_COMP_ABORTED)
			sva_accel_swerr(x, d, code);
		return;
	}
	if (code == DSA_COMP_SUCCESS && !(d->flags & IDXD_OP_FLAG_RCR))
		return;
	/* the record is written blocking on faults if the descriptor may (not a stopper's) */
	x->bof = x->e && x->wq->bof && (d->flags & IDXD_OP_FLAG_BOF) &&
		 code != DSA_COMP_INVALID_FLAGS;
	if (sva_accel_record_fast(x, d->completion_addr, &rec) ||
	    sva_accel_dma(x, d->completion_addr, &rec, sizeof(rec), true, &st) == 0)
		return;
	sva_accel_count(&x->a->c.records_lost, 1);
	sva_trace(x->a->w, ACCEL_RECORD_LOST, x->pasid, x->pasid, d->completion_addr, st.reason,
		  x->gen, x->id);
	if (code != SVA_DSA_COMP_ABORTED)
		sva_accel_swerr(x, d, DSA_COMP_CRA_XLAT);
}

bool sva_accel_read_swerr(struct sva_accel *a, struct sva_accel_swerr *out)
{
	sva_spin_lock(&a->swerr_lock);
	*out = sva_guarded(&a->swerr_lock, a->swerr);
	sva_guarded(&a->swerr_lock, a->swerr) = (struct sva_accel_swerr){ .valid = false };
	sva_spin_unlock(&a->swerr_lock);
	return out->valid;
}

/* SPDX-License-Identifier: MIT */
/*
 * The scenario language's calls: one signature per call (its name, what it returns, its
 * parameters in positional order), the table the parser checks every call against and the
 * runner reads arguments by (the argument of parameter i is stmt.args[i]). Constants only.
 *
 * Conventions beyond ast.h:
 *   - a VAR parameter of type SVA_SCN_T_NONE accepts a completion or a pid (wait's argument);
 *   - mmap's first parameter is an fd variable (a file mapping of the region named by the
 *     second, required then) or a number (an anonymous read-write mapping of that length, the
 *     second absent);
 *   - an OF parameter is WORD(VAR), wait_free's pasid(p1): the word and the variable;
 *   - repeat, if and expect COND are statements, not calls, but have an entry so that every
 *     statement has a signature: repeat's count is also its argument 0;
 *   - the embedder's calls (gmap ... page_response) name a declared table by their parameter
 *     "table" and a declared embedder device by "device" (parse_embed.c).
 */
#include <stddef.h>
#include <string.h>

#include "ast.h"
#include "sva/accel.h"

static const char *const sva_scn_regions[] = { "mmio", "dus", NULL };
static const char *const sva_scn_ioctls[] = { "start_q", "put_q", NULL };
static const char *const sva_scn_open_flags[] = { "cloexec", NULL };
static const char *const sva_scn_prots[] = { "none", "read", "rw", NULL };
static const char *const sva_scn_frees[] = { "pasid", "mm", NULL };
static const char *const sva_scn_resp_codes[] = { "SUCCESS", "INVALID", "FAILURE", NULL };
static const char *const sva_scn_submit_ops[] = {
	"noop",	  "memmove",  "fill",	  "compare", "compare_pattern",
	"crc32c", "copy_crc", "dualcast", "raw",     NULL,
};

#define SVA_SCN_NUM(k, req)                                          \
	{                                                            \
		.key = (k), .kind = SVA_SCN_P_NUM, .required = (req) \
	}
#define SVA_SCN_WORDS(k, w, req)                                                    \
	{                                                                           \
		.key = (k), .kind = SVA_SCN_P_WORD, .words = (w), .required = (req) \
	}
#define SVA_SCN_NAME(k, req)                                          \
	{                                                             \
		.key = (k), .kind = SVA_SCN_P_NAME, .required = (req) \
	}
#define SVA_SCN_VAR(k, t, req)                                                    \
	{                                                                         \
		.key = (k), .kind = SVA_SCN_P_VAR, .type = (t), .required = (req) \
	}
#define SVA_SCN_OF(k, w, t, req)                                                               \
	{                                                                                      \
		.key = (k), .kind = SVA_SCN_P_OF, .words = (w), .type = (t), .required = (req) \
	}
#define SVA_SCN_VAR_OR_NUM(k, t, req)                                                    \
	{                                                                                \
		.key = (k), .kind = SVA_SCN_P_VAR_OR_NUM, .type = (t), .required = (req) \
	}

const struct sva_scn_call sva_scn_calls[] = {
	{ "open",
	  SVA_SCN_OPEN,
	  SVA_SCN_T_FD,
	  2,
	  { SVA_SCN_NAME("name", true), SVA_SCN_WORDS("flags", sva_scn_open_flags, false) } },
	{ "close", SVA_SCN_CLOSE, SVA_SCN_T_NONE, 1, { SVA_SCN_VAR("fd", SVA_SCN_T_FD, true) } },
	{ "mmap",
	  SVA_SCN_MMAP,
	  SVA_SCN_T_ADDR,
	  2,
	  { SVA_SCN_VAR_OR_NUM("src", SVA_SCN_T_FD, true),
	    SVA_SCN_WORDS("region", sva_scn_regions, false) } },
	{ "munmap",
	  SVA_SCN_MUNMAP,
	  SVA_SCN_T_NONE,
	  2,
	  { SVA_SCN_VAR("addr", SVA_SCN_T_ADDR, true), SVA_SCN_NUM("len", false) } },
	{ "ioctl",
	  SVA_SCN_IOCTL,
	  SVA_SCN_T_NONE,
	  2,
	  { SVA_SCN_VAR("fd", SVA_SCN_T_FD, true), SVA_SCN_WORDS("cmd", sva_scn_ioctls, true) } },
	{ "fill",
	  SVA_SCN_FILL,
	  SVA_SCN_T_NONE,
	  3,
	  { SVA_SCN_VAR_OR_NUM("addr", SVA_SCN_T_ADDR, true), SVA_SCN_NUM("len", true),
	    SVA_SCN_NUM("byte", false) } },
	{ "verify",
	  SVA_SCN_VERIFY,
	  SVA_SCN_T_NONE,
	  3,
	  { SVA_SCN_VAR_OR_NUM("addr", SVA_SCN_T_ADDR, true), SVA_SCN_NUM("len", true),
	    SVA_SCN_NUM("byte", true) } },
	{ "touch",
	  SVA_SCN_TOUCH,
	  SVA_SCN_T_NONE,
	  3,
	  { SVA_SCN_VAR_OR_NUM("addr", SVA_SCN_T_ADDR, true), SVA_SCN_NUM("len", true),
	    SVA_SCN_NUM("write", false) } },
	{ "submit",
	  SVA_SCN_SUBMIT,
	  SVA_SCN_T_COMP,
	  9,
	  { SVA_SCN_VAR("fd", SVA_SCN_T_FD, true), SVA_SCN_WORDS("op", sva_scn_submit_ops, true),
	    SVA_SCN_VAR_OR_NUM("src", SVA_SCN_T_ADDR, false),
	    SVA_SCN_VAR_OR_NUM("dst", SVA_SCN_T_ADDR, false), SVA_SCN_NUM("len", false),
	    SVA_SCN_NUM("pattern", false), SVA_SCN_VAR_OR_NUM("dst2", SVA_SCN_T_ADDR, false),
	    SVA_SCN_NUM("opcode", false), SVA_SCN_NUM("flags", false) } },
	/* SVA_SCN_T_NONE: a completion or a pid */
	{ "wait", SVA_SCN_WAIT, SVA_SCN_T_NONE, 1, { SVA_SCN_VAR("x", SVA_SCN_T_NONE, true) } },
	{ "fork", SVA_SCN_FORK, SVA_SCN_T_PID, 1, { SVA_SCN_NAME("program", false) } },
	{ "clone", SVA_SCN_CLONE, SVA_SCN_T_TID, 1, { SVA_SCN_NAME("program", true) } },
	{ "exec", SVA_SCN_EXEC, SVA_SCN_T_NONE, 0, { { 0 } } },
	{ "exit", SVA_SCN_EXIT, SVA_SCN_T_NONE, 1, { SVA_SCN_NUM("code", false) } },
	{ "kill", SVA_SCN_KILL, SVA_SCN_T_NONE, 1, { SVA_SCN_VAR("pid", SVA_SCN_T_PID, true) } },
	{ "send_fd",
	  SVA_SCN_SEND_FD,
	  SVA_SCN_T_NONE,
	  2,
	  { SVA_SCN_VAR("fd", SVA_SCN_T_FD, true), SVA_SCN_VAR("pid", SVA_SCN_T_PID, true) } },
	{ "yield", SVA_SCN_YIELD, SVA_SCN_T_NONE, 1, { SVA_SCN_NUM("n", false) } },
	{ "remove", SVA_SCN_REMOVE, SVA_SCN_T_NONE, 1, { SVA_SCN_NAME("device", true) } },
	{ "recv_fd", SVA_SCN_RECV_FD, SVA_SCN_T_FD, 0, { { 0 } } },
	{ "mprotect",
	  SVA_SCN_MPROTECT,
	  SVA_SCN_T_NONE,
	  3,
	  { SVA_SCN_VAR_OR_NUM("addr", SVA_SCN_T_ADDR, true), SVA_SCN_NUM("len", true),
	    SVA_SCN_WORDS("prot", sva_scn_prots, true) } },
	{ "reclaim", SVA_SCN_RECLAIM, SVA_SCN_T_NONE, 1, { SVA_SCN_NUM("pages", true) } },
	{ "iopf_disable",
	  SVA_SCN_IOPF_DISABLE,
	  SVA_SCN_T_NONE,
	  1,
	  { SVA_SCN_NAME("device", true) } },
	{ "wait_free",
	  SVA_SCN_WAIT_FREE,
	  SVA_SCN_T_NONE,
	  1,
	  { SVA_SCN_OF("what", sva_scn_frees, SVA_SCN_T_PID, true) } },
	{ "wq_disable", SVA_SCN_WQ_DISABLE, SVA_SCN_T_NONE, 1, { SVA_SCN_NAME("wq", true) } },
	{ "wq_enable", SVA_SCN_WQ_ENABLE, SVA_SCN_T_NONE, 1, { SVA_SCN_NAME("wq", true) } },
	{ "disable", SVA_SCN_DISABLE, SVA_SCN_T_NONE, 1, { SVA_SCN_NAME("device", true) } },
	{ "enable", SVA_SCN_ENABLE, SVA_SCN_T_NONE, 1, { SVA_SCN_NAME("device", true) } },
	/* the embedder (parse_embed.c checks them; interp_embed.c runs them): a NAME "table" is a
	   declared table, "device" a declared embedder device */
	{ "gmap",
	  SVA_SCN_GMAP,
	  SVA_SCN_T_NONE,
	  4,
	  { SVA_SCN_NAME("table", true), SVA_SCN_NUM("addr", true), SVA_SCN_NUM("len", true),
	    SVA_SCN_WORDS("prot", sva_scn_prots, false) } },
	{ "gunmap",
	  SVA_SCN_GUNMAP,
	  SVA_SCN_T_NONE,
	  3,
	  { SVA_SCN_NAME("table", true), SVA_SCN_NUM("addr", true), SVA_SCN_NUM("len", true) } },
	{ "gprotect",
	  SVA_SCN_GPROTECT,
	  SVA_SCN_T_NONE,
	  4,
	  { SVA_SCN_NAME("table", true), SVA_SCN_NUM("addr", true), SVA_SCN_NUM("len", true),
	    SVA_SCN_WORDS("prot", sva_scn_prots, true) } },
	{ "gfill",
	  SVA_SCN_GFILL,
	  SVA_SCN_T_NONE,
	  4,
	  { SVA_SCN_NAME("table", true), SVA_SCN_NUM("addr", true), SVA_SCN_NUM("len", true),
	    SVA_SCN_NUM("byte", false) } },
	{ "gverify",
	  SVA_SCN_GVERIFY,
	  SVA_SCN_T_NONE,
	  4,
	  { SVA_SCN_NAME("table", true), SVA_SCN_NUM("addr", true), SVA_SCN_NUM("len", true),
	    SVA_SCN_NUM("byte", true) } },
	{ "set_pasid_table",
	  SVA_SCN_SET_PASID_TABLE,
	  SVA_SCN_T_NONE,
	  3,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true),
	    SVA_SCN_NAME("table", true) } },
	{ "clear_pasid_table",
	  SVA_SCN_CLEAR_PASID_TABLE,
	  SVA_SCN_T_NONE,
	  2,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true) } },
	{ "invalidate",
	  SVA_SCN_INVALIDATE,
	  SVA_SCN_T_NONE,
	  4,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true), SVA_SCN_NUM("addr", false),
	    SVA_SCN_NUM("len", false) } },
	{ "dma_read",
	  SVA_SCN_DMA_READ,
	  SVA_SCN_T_NONE,
	  5,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true), SVA_SCN_NUM("addr", true),
	    SVA_SCN_NUM("len", true), SVA_SCN_NUM("byte", false) } },
	{ "dma_write",
	  SVA_SCN_DMA_WRITE,
	  SVA_SCN_T_NONE,
	  5,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true), SVA_SCN_NUM("addr", true),
	    SVA_SCN_NUM("len", true), SVA_SCN_NUM("byte", true) } },
	{ "ats",
	  SVA_SCN_ATS,
	  SVA_SCN_T_ADDR,
	  4,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true), SVA_SCN_NUM("addr", true),
	    SVA_SCN_NUM("write", false) } },
	{ "atc",
	  SVA_SCN_ATC,
	  SVA_SCN_T_ADDR,
	  3,
	  { SVA_SCN_NAME("device", true), SVA_SCN_NUM("pasid", true), SVA_SCN_NUM("addr", true) } },
	{ "page_response",
	  SVA_SCN_PAGE_RESPONSE,
	  SVA_SCN_T_ADDR,
	  2,
	  { SVA_SCN_NAME("device", true), SVA_SCN_WORDS("code", sva_scn_resp_codes, true) } },
	/* statements, listed so that every statement has a signature */
	{ "repeat", SVA_SCN_REPEAT, SVA_SCN_T_NONE, 1, { SVA_SCN_NUM("count", true) } },
	{ "if", SVA_SCN_IF, SVA_SCN_T_NONE, 0, { { 0 } } },
	{ "expect", SVA_SCN_CHECK, SVA_SCN_T_NONE, 0, { { 0 } } },
	{ NULL, SVA_SCN_OP_NR, SVA_SCN_T_NONE, 0, { { 0 } } },
};

bool sva_scn_op_is_embed(enum sva_scn_op op)
{
	return op >= SVA_SCN_GMAP && op <= SVA_SCN_PAGE_RESPONSE;
}

bool sva_scn_op_is_stmt(enum sva_scn_op op)
{
	return op == SVA_SCN_REPEAT || op == SVA_SCN_IF || op == SVA_SCN_CHECK;
}

const char *const sva_scn_field_names[SVA_SCN_F_NR] = {
	[SVA_SCN_F_VALUE] = "",
	[SVA_SCN_F_STATUS] = "status",
	[SVA_SCN_F_RESULT] = "result",
	[SVA_SCN_F_BYTES_COMPLETED] = "bytes_completed",
	[SVA_SCN_F_FAULT_ADDR] = "fault_addr",
};

struct sva_scn_status {
	const char *name;
	uint8_t value;
};

/*
 * The status codes of a completion record, as a scenario names them: DSA's (DSA_COMP_*, the
 * write bit of a fault aside: a record's status reads as its code), the driver's ABORTED, and
 * the names of the engine before it spoke DSA (PAGE_FAULT, INVALID_SIZE, BATCH_INVALID) as
 * aliases. The first name of a value is the one printed.
 */
static const struct sva_scn_status sva_scn_statuses[] = {
	{ "NONE", DSA_COMP_NONE },
	{ "SUCCESS", DSA_COMP_SUCCESS },
	{ "SUCCESS_PRED", DSA_COMP_SUCCESS_PRED },
	{ "PAGE_FAULT_NOBOF", DSA_COMP_PAGE_FAULT_NOBOF },
	{ "PAGE_FAULT_IR", DSA_COMP_PAGE_FAULT_IR },
	{ "BATCH_FAIL", DSA_COMP_BATCH_FAIL },
	{ "BATCH_PAGE_FAULT", DSA_COMP_BATCH_PAGE_FAULT },
	{ "DR_OFFSET_NOINC", DSA_COMP_DR_OFFSET_NOINC },
	{ "DR_OFFSET_ERANGE", DSA_COMP_DR_OFFSET_ERANGE },
	{ "DIF_ERR", DSA_COMP_DIF_ERR },
	{ "BAD_OPCODE", DSA_COMP_BAD_OPCODE },
	{ "INVALID_FLAGS", DSA_COMP_INVALID_FLAGS },
	{ "NOZERO_RESERVE", DSA_COMP_NOZERO_RESERVE },
	{ "XFER_ERANGE", DSA_COMP_XFER_ERANGE },
	{ "DESC_CNT_ERANGE", DSA_COMP_DESC_CNT_ERANGE },
	{ "DR_ERANGE", DSA_COMP_DR_ERANGE },
	{ "OVERLAP_BUFFERS", DSA_COMP_OVERLAP_BUFFERS },
	{ "DCAST_ERR", DSA_COMP_DCAST_ERR },
	{ "DESCLIST_ALIGN", DSA_COMP_DESCLIST_ALIGN },
	{ "INT_HANDLE_INVAL", DSA_COMP_INT_HANDLE_INVAL },
	{ "CRA_XLAT", DSA_COMP_CRA_XLAT },
	{ "CRA_ALIGN", DSA_COMP_CRA_ALIGN },
	{ "ADDR_ALIGN", DSA_COMP_ADDR_ALIGN },
	{ "ABORTED", SVA_DSA_COMP_ABORTED },
	{ "PAGE_FAULT", DSA_COMP_PAGE_FAULT_NOBOF },
	{ "INVALID_SIZE", DSA_COMP_XFER_ERANGE },
	{ "BATCH_INVALID", DSA_COMP_DESC_CNT_ERANGE },
	{ NULL, 0 },
};

const char *sva_scn_status_name(uint64_t status)
{
	for (const struct sva_scn_status *st = sva_scn_statuses; st->name; st++)
		if (st->value == status)
			return st->name;
	return NULL;
}

int sva_scn_status_find(const char *name, size_t len)
{
	for (const struct sva_scn_status *st = sva_scn_statuses; st->name; st++)
		if (strlen(st->name) == len && memcmp(st->name, name, len) == 0)
			return st->value;
	return -1;
}

const struct sva_scn_call *sva_scn_call_find(const char *name)
{
	if (!name)
		return NULL;
	for (const struct sva_scn_call *c = sva_scn_calls; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const struct sva_scn_call *sva_scn_call_of(enum sva_scn_op op)
{
	for (const struct sva_scn_call *c = sva_scn_calls; c->name; c++)
		if (c->op == op)
			return c;
	return NULL;
}

const char *sva_scn_type_name(enum sva_scn_type t)
{
	static const char *const names[SVA_SCN_T_NR] = {
		[SVA_SCN_T_NONE] = "none", [SVA_SCN_T_FD] = "fd",   [SVA_SCN_T_ADDR] = "address",
		[SVA_SCN_T_PID] = "pid",   [SVA_SCN_T_TID] = "tid", [SVA_SCN_T_COMP] = "completion",
	};

	if ((unsigned)t >= SVA_SCN_T_NR)
		return "?";
	return names[t];
}

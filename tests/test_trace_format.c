/* SPDX-License-Identifier: MIT */
/*
 * The formats of event fields (sva/events.h, src/base/trace_format.c): each format prints its
 * value as said (an address in hex, an errno, a DSA opcode or status, a page response, a fault
 * reason by name...; the names of the layers' codes as each layer registered them), the table
 * declares them where the field's name says what it holds, and the printers - the text timeline
 * and the Chrome/Perfetto args - go through the formatter.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <linux/idxd.h>

#include "sva/accel.h"
#include "sva/iommu.h"
#include "sva/mm.h"
#include "sva/swiommu.h"
#include "testutil.h"

struct format_case {
	enum sva_ev_format format;
	uint64_t v;
	const char *text;
};

static const struct format_case format_cases[] = {
	{ SVA_EV_FMT_num, 42, "42" },
	{ SVA_EV_FMT_str, 7, "7" }, /* a string format asked for a number: its decimal */
	{ SVA_EV_FMT_hex, 0x7f0000001000ull, "0x7f0000001000" },
	{ SVA_EV_FMT_hex, 0, "0x0" },
	{ SVA_EV_FMT_err, (uint64_t)-EFAULT, "-EFAULT" },
	{ SVA_EV_FMT_err, (uint64_t)-EPROTO, "-EPROTO" },
	{ SVA_EV_FMT_err, 0, "0" },
	{ SVA_EV_FMT_err, 3, "3" },		      /* not an errno: as it is */
	{ SVA_EV_FMT_err, (uint64_t)-5000, "-5000" }, /* beyond the errno range */
	{ SVA_EV_FMT_dsa_op, DSA_OPCODE_MEMMOVE, "MEMMOVE" },
	{ SVA_EV_FMT_dsa_op, DSA_OPCODE_CRCGEN, "CRCGEN" },
	{ SVA_EV_FMT_dsa_op, 0x7e, "0x7e" }, /* no such opcode: hex */
	{ SVA_EV_FMT_dsa_status, DSA_COMP_SUCCESS, "SUCCESS" },
	{ SVA_EV_FMT_dsa_status, DSA_COMP_PAGE_FAULT_NOBOF, "PAGE_FAULT_NOBOF" },
	{ SVA_EV_FMT_dsa_status, DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE,
	  "PAGE_FAULT_NOBOF|WRITE" },
	{ SVA_EV_FMT_dsa_status, SVA_DSA_COMP_ABORTED, "ABORTED" },
	{ SVA_EV_FMT_page_resp, SVA_PAGE_RESP_SUCCESS, "SUCCESS" },
	{ SVA_EV_FMT_page_resp, SVA_PAGE_RESP_INVALID, "INVALID" },
	{ SVA_EV_FMT_page_resp, SVA_PAGE_RESP_FAILURE, "FAILURE" },
	{ SVA_EV_FMT_fault_reason, SVA_FAULT_NOT_PRESENT, "NOT_PRESENT" },
	{ SVA_EV_FMT_fault_reason, SVA_FAULT_PASID_BLOCKED, "PASID_BLOCKED" },
	{ SVA_EV_FMT_fault_flags, SVA_FAULT_FLAG_WRITE | SVA_FAULT_FLAG_USER, "WRITE|USER" },
	{ SVA_EV_FMT_fault_flags, SVA_FAULT_FLAG_REMOTE | 0x40, "REMOTE|0x40" },
	{ SVA_EV_FMT_fault_flags, 0, "0" },
	{ SVA_EV_FMT_prot, SVA_PROT_READ | SVA_PROT_WRITE, "READ|WRITE" },
	{ SVA_EV_FMT_prot, SVA_PROT_NONE, "NONE" },
	{ SVA_EV_FMT_signo, 9, "SIGKILL" },
	{ SVA_EV_FMT_pasid_state, SVA_PASID_ENTRY_TRANSLATING, "TRANSLATING" },
	{ SVA_EV_FMT_pasid_state, SVA_PASID_ENTRY_BLOCKING_SILENT, "BLOCKING_SILENT" },
	{ SVA_EV_FMT_desc, SVA_EV_DESC_ID(2, 17), "2.17" },
	{ SVA_EV_FMT_owner_gen, 3, "3" },
	{ SVA_EV_FMT_owner_gen, SVA_PASID_GEN_EMBEDDER | 2, "embedder#2" },
};

/* A world whose layers named their values, as their subsystems' creation does. */
static struct sva_world *named_world(void)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);

	sva_mm_name_formats(w);
	sva_iommu_name_formats(w);
	sva_swiommu_name_formats(w);
	sva_accel_name_formats(w);
	return w;
}

/* Every format prints its values as said; a format without a case here fails the test. */
static void test_every_format_prints_its_text(void **state)
{
	bool covered[SVA_EV_FMT_NR] = { false };
	struct sva_world *w = named_world();
	char buf[64];
	(void)state;

	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		const struct format_case *c = &format_cases[i];

		assert_string_equal(sva_trace_format(w, c->format, c->v, buf, sizeof(buf)),
				    c->text);
		covered[c->format] = true;
	}
	for (int f = 0; f < SVA_EV_FMT_NR; f++) {
		if (!covered[f])
			fail_msg("format %s has no case",
				 sva_trace_format_name((enum sva_ev_format)f));
		assert_string_not_equal(sva_trace_format_name((enum sva_ev_format)f), "?");
	}
	assert_true(sva_trace_format_is_decimal(SVA_EV_FMT_num));
	assert_false(sva_trace_format_is_decimal(SVA_EV_FMT_hex));
	/* a short buffer truncates, never overflows */
	assert_string_equal(sva_trace_format(w, SVA_EV_FMT_fault_flags, 0xf, buf, 6), "WRITE");
	assert_string_equal(sva_trace_format(w, SVA_EV_FMT_hex, 0x12345, buf, 4), "0x1");
	/* no room at all: the buffer handed back untouched */
	buf[0] = 'x';
	assert_ptr_equal(sva_trace_format(w, SVA_EV_FMT_num, 7, buf, 0), buf);
	assert_int_equal(buf[0], 'x');
	/* a signal number no signal has: the number */
	assert_string_equal(sva_trace_format(w, SVA_EV_FMT_signo, 200, buf, sizeof(buf)), "200");
	assert_string_equal(sva_trace_format_name(SVA_EV_FMT_NR), "?");
	sva_test_world_done(w);
}

/* A namer that names nothing (for the refusals). */
static const char *namer_of_nothing(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%llx", (unsigned long long)v);
	return buf;
}

/*
 * The layers name their own values: a world none of whose layers named a format prints its
 * values in hex, base's formats need no layer, and a layer cannot rename base's.
 */
static void test_layers_name_their_formats(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	char buf[64];
	(void)state;

	assert_string_equal(
		sva_trace_format(w, SVA_EV_FMT_page_resp, SVA_PAGE_RESP_INVALID, buf, sizeof(buf)),
		"0x1");
	assert_string_equal(
		sva_trace_format(NULL, SVA_EV_FMT_dsa_op, DSA_OPCODE_MEMMOVE, buf, sizeof(buf)),
		"0x3");
	assert_string_equal(sva_trace_format(NULL, SVA_EV_FMT_signo, 9, buf, sizeof(buf)),
			    "SIGKILL");
	assert_string_equal(
		sva_trace_format(w, SVA_EV_FMT_err, (uint64_t)-EFAULT, buf, sizeof(buf)),
		"-EFAULT");
	sva_iommu_name_formats(w);
	assert_string_equal(
		sva_trace_format(w, SVA_EV_FMT_page_resp, SVA_PAGE_RESP_INVALID, buf, sizeof(buf)),
		"INVALID");
	assert_string_equal(sva_trace_format(w, SVA_EV_FMT_fault_reason, SVA_FAULT_NOT_PRESENT, buf,
					     sizeof(buf)),
			    "0x5"); /* the software IOMMU's: not named in this world */
	assert_string_equal(sva_page_response_name(SVA_PAGE_RESP_FAILURE, buf, sizeof(buf)),
			    "FAILURE");
	assert_string_equal(
		sva_pasid_entry_state_name(SVA_PASID_ENTRY_BLOCKING_SILENT, buf, sizeof(buf)),
		"BLOCKING_SILENT");
	assert_int_equal(sva_trace_format_register(w, SVA_EV_FMT_hex, namer_of_nothing), -EINVAL);
	assert_int_equal(sva_trace_format_register(w, SVA_EV_FMT_NR, namer_of_nothing), -EINVAL);
	sva_test_world_done(w);
}

/* Every errno the C library names prints by its name, as sva_strerror names it. */
static void test_err_names_every_errno(void **state)
{
	char buf[32], want[32];
	(void)state;

	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (!name)
			continue;
		snprintf(want, sizeof(want), "-%s", name);
		assert_string_equal(
			sva_trace_format(NULL, SVA_EV_FMT_err, (uint64_t)-e, buf, sizeof(buf)),
			want);
	}
}

/* Which format a field must have, by what its name says it holds (anywhere in the table). */
static const struct {
	const char *field;
	enum sva_ev_format format;
} named_fields[] = {
	{ "addr", SVA_EV_FMT_hex },	{ "start", SVA_EV_FMT_hex },
	{ "end", SVA_EV_FMT_hex },	{ "fault_addr", SVA_EV_FMT_hex },
	{ "len", SVA_EV_FMT_hex },	{ "err", SVA_EV_FMT_err },
	{ "ret", SVA_EV_FMT_err },	{ "opcode", SVA_EV_FMT_dsa_op },
	{ "prot", SVA_EV_FMT_prot },	{ "reason", SVA_EV_FMT_fault_reason },
	{ "signal", SVA_EV_FMT_signo }, { "desc", SVA_EV_FMT_desc },
	{ "pasid", SVA_EV_FMT_num },	{ "pid", SVA_EV_FMT_num },
	{ "mm", SVA_EV_FMT_num },	{ "gen", SVA_EV_FMT_owner_gen },
};

static void test_the_table_declares_the_formats(void **state)
{
	unsigned checked = 0;
	(void)state;

	for (int k = 0; k < SVA_EV_NR; k++) {
		const struct sva_event_desc *d = sva_event_desc((enum sva_event)k);

		for (unsigned f = 0; f < d->nfields; f++) {
			/* the storage follows the format */
			assert_int_equal(d->fields[f].str, d->fields[f].format == SVA_EV_FMT_str);
			for (size_t n = 0; n < sizeof(named_fields) / sizeof(named_fields[0]);
			     n++) {
				if (strcmp(d->fields[f].name, named_fields[n].field))
					continue;
				if (d->fields[f].format != named_fields[n].format)
					fail_msg("%s.%s is %s, expected %s", d->name,
						 d->fields[f].name,
						 sva_trace_format_name(d->fields[f].format),
						 sva_trace_format_name(named_fields[n].format));
				checked++;
			}
		}
	}
	assert_true(checked > 40);
	/* the codes the name alone does not tell */
	assert_int_equal(sva_event_desc(SVA_EV_ACCEL_COMPLETE)->fields[1].format,
			 SVA_EV_FMT_dsa_status);
	assert_int_equal(sva_event_desc(SVA_EV_IOPF_RESPONSE)->fields[3].format,
			 SVA_EV_FMT_page_resp);
	assert_int_equal(sva_event_desc(SVA_EV_SWIOMMU_PRI_RESPONSE)->fields[3].format,
			 SVA_EV_FMT_page_resp);
	assert_int_equal(sva_event_desc(SVA_EV_MM_FAULT)->fields[2].format, SVA_EV_FMT_fault_flags);
	assert_int_equal(sva_event_desc(SVA_EV_SWIOMMU_PASID_ENTRY)->fields[2].format,
			 SVA_EV_FMT_pasid_state);
	assert_int_equal(sva_event_desc(SVA_EV_TASK_EXIT)->fields[2].format, SVA_EV_FMT_num);
}

static void emit_events(struct sva_world *w)
{
	sva_trace(w, MM_FAULT, 5, 0x10003000, SVA_FAULT_FLAG_WRITE | SVA_FAULT_FLAG_USER,
		  (uint64_t)-EFAULT);
	sva_trace(w, ACCEL_SUBMIT, 3, "dsa0wq0", 3, DSA_OPCODE_MEMMOVE, 1, 5, SVA_EV_DESC_ID(1, 4));
	sva_trace(w, ACCEL_COMPLETE, 3, 3, DSA_COMP_PAGE_FAULT_NOBOF, 0, 0x10001000, 1,
		  SVA_EV_DESC_ID(1, 4));
	sva_trace(w, IOPF_RESPONSE, "dsa0", 3, 7, SVA_PAGE_RESP_INVALID, 1);
	sva_trace(w, SWIOMMU_FAULT, "dsa0", 3, 0x10001000, SVA_FAULT_NOT_PRESENT);
}

/* The text timeline prints every field through the formatter. */
static void test_text_timeline_shows_names_and_hex(void **state)
{
	struct sva_world *w = named_world();
	char *text;
	(void)state;

	emit_events(w);
	text = sva_test_trace_string(w, sva_trace_write_text);
	assert_non_null(
		strstr(text, "mm.fault mm=5 addr=0x10003000 flags=WRITE|USER err=-EFAULT\n"));
	assert_non_null(strstr(text, "accel.submit pasid:3 wq=dsa0wq0 pasid=3 opcode=MEMMOVE gen=1 "
				     "mm=5 desc=1.4\n"));
	assert_non_null(strstr(text, "status=PAGE_FAULT_NOBOF bytes=0 fault_addr=0x10001000"));
	assert_non_null(
		strstr(text, "iopf.response device=dsa0 pasid=3 grpid=7 code=INVALID gen=1"));
	assert_non_null(strstr(text, "addr=0x10001000 reason=NOT_PRESENT\n"));
	free(text);
	sva_test_world_done(w);
}

static json_t *args_of(json_t *events, const char *name)
{
	size_t i;
	json_t *ev;

	json_array_foreach(events, i, ev)
	{
		if (strcmp(json_string_value(json_object_get(ev, "name")), name) == 0)
			return json_object_get(ev, "args");
	}
	fail_msg("no %s event", name);
	return NULL;
}

/* Perfetto's args: the formatter's text, and decimals (PASIDs, ids) as JSON numbers. */
static void test_chrome_args_show_names_and_hex(void **state)
{
	struct sva_world *w = named_world();
	json_t *root, *events, *args;
	char *text;
	(void)state;

	emit_events(w);
	text = sva_test_trace_string(w, sva_trace_write_chrome_json);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	events = json_object_get(root, "traceEvents");
	args = args_of(events, "mm.fault");
	assert_string_equal(json_string_value(json_object_get(args, "addr")), "0x10003000");
	assert_string_equal(json_string_value(json_object_get(args, "err")), "-EFAULT");
	assert_string_equal(json_string_value(json_object_get(args, "flags")), "WRITE|USER");
	assert_int_equal(json_integer_value(json_object_get(args, "mm")), 5);
	args = args_of(events, "accel.submit");
	assert_string_equal(json_string_value(json_object_get(args, "opcode")), "MEMMOVE");
	assert_int_equal(json_integer_value(json_object_get(args, "pasid")), 3);
	args = args_of(events, "accel.complete");
	assert_string_equal(json_string_value(json_object_get(args, "status")), "PAGE_FAULT_NOBOF");
	assert_string_equal(json_string_value(json_object_get(args, "fault_addr")), "0x10001000");
	args = args_of(events, "iopf.response");
	assert_string_equal(json_string_value(json_object_get(args, "code")), "INVALID");
	json_decref(root);
	free(text);
	sva_test_world_done(w);
}

/* A generic reader gets any field's text, string fields as they are. */
static void test_field_text(void **state)
{
	struct sva_world *w = named_world();
	struct sva_trace_event ev;
	char buf[32];
	(void)state;

	emit_events(w);
	assert_int_equal(sva_trace_get(w, 3, &ev), 0);
	assert_int_equal(ev.kind, SVA_EV_IOPF_RESPONSE);
	assert_string_equal(sva_trace_field_text(w, &ev, 0, buf, sizeof(buf)), "dsa0");
	assert_string_equal(sva_trace_field_text(w, &ev, 3, buf, sizeof(buf)), "INVALID");
	assert_string_equal(sva_trace_field_text(w, &ev, 5, buf, sizeof(buf)), "?");
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_format_prints_its_text),
		cmocka_unit_test(test_layers_name_their_formats),
		cmocka_unit_test(test_err_names_every_errno),
		cmocka_unit_test(test_the_table_declares_the_formats),
		cmocka_unit_test(test_text_timeline_shows_names_and_hex),
		cmocka_unit_test(test_chrome_args_show_names_and_hex),
		cmocka_unit_test(test_field_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

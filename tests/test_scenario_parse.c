/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser: a scenario using every declaration, call and expectation parses into
 * the expected tree; malformed scenarios are refused with one "file:line:col: ..." line naming
 * the first problem; loading from a file; and 35,000 mutations of three valid scenarios (the
 * embedder's among them), none of which crashes, leaks (under ASan) or answers anything but a tree
 * or one line of error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/ast.h"
#include "sva/accel.h"
#include "testutil.h"

static const char valid_text[] =
	"# every declaration, call and expectation\n"
	"kernel frames=4096\n"
	"device dsa0 engines=2 pasid_bits=20 pri ats max_xfer=2m\n"
	"device dsa1 group=dsa0 cdev=uacce  # joins dsa0's group; uacce's char-device rule\n"
	"wq dsa0 shared depth=16 bof priority=3 threshold=12\n"
	"wq dsa0 dedicated\n"
	"wq dsa1 dedicated\n"
	"\n"
	"program worker {\n"
	"\tclose(r0)              # r0: assigned by master, further down\n"
	"\texit(3)\n"
	"}\n"
	"process master x3 {\n"
	"\tr0 = open(dsa0wq0)\n"
	"\tq0 = mmap(r0, mmio)\n"
	"\tioctl(r0, start_q)\n"
	"\tb0 = mmap(64k)\n"
	"\tb1 = mmap(src=0x10000)\n"
	"\tfill(b0, 64k, 0x5a)\n"
	"\tc0 = submit(r0, memmove, src=b0, dst=b1, len=64k)\n"
	"\twait(c0)\n"
	"\tverify(b1, 64k, 0x5a)\n"
	"\tr1 = open(dsa0wq1)\n"
	"\texpect error(EBUSY)\n"
	"\tp2 = fork(worker)\n"
	"\tkill(p2)\n"
	"\twait(p2)\n"
	"\texpect status(killed)\n"
	"\trepeat 100 {\n"
	"\t\tyield()\n"
	"\t\trepeat 2 {\n"
	"\t\t\ttouch(b0, 4k, 1)\n"
	"\t\t}\n"
	"\t}\n"
	"\tc1 = submit(r0, fill, dst=b0, len=4k, pattern=0xff)\n"
	"\texpect any\n"
	"\tt0 = clone(program=helper)\n"
	"\tsend_fd(r0, p2)\n"
	"\tmunmap(b0)\n"
	"\tclose(r0)\n"
	"\texit()\n"
	"}\n"
	"program helper {\n"
	"\tc2 = submit(r0, dualcast, src=b0, dst=b1, dst2=0x20000, len=1m)\n"
	"\twait(c2)\n"
	"\tremove(dsa1)\n"
	"}\n"
	"expect violation(I2)\n"
	"expect pasid(master) freed\n"
	"expect status(master) 0\n"
	"expect status(late) killed\n"
	"expect pasid(late) held\n"
	"process late {\n"
	"\tp9 = fork()\n"
	"\twait(p9)\n"
	"\texpect status(7)\n"
	"\texec()\n"
	"}\n"
	"iommu prq=8                # a small page-request queue\n";

/* The constructs a bug needs: conditions, record fields, and the calls of issue 12. */
static const char lang_text[] = "device dsa0 pri\n"
				"wq dsa0 shared bof\n"
				"program reader {\n"
				"\tr1 = recv_fd()\n"
				"\texpect c0.status == SUCCESS  # inherited\n"
				"}\n"
				"process p {\n"
				"\tr0 = open(dsa0wq0, cloexec)\n"
				"\texpect any\n"
				"\tif r0 < 0 {\n"
				"\t\texit(1)\n"
				"\t} else {\n"
				"\t\tif r0 != -EBUSY {\n"
				"\t\t\tyield()\n"
				"\t\t}\n"
				"\t}\n"
				"\tb = mmap(8k)\n"
				"\tc0 = submit(r0, fill, dst=b, len=8k)\n"
				"\twait(c0)\n"
				"\texpect c0.bytes_completed>=0x10\n"
				"\tif c0.fault_addr == -1 {\n"
				"\t}\n"
				"\tmprotect(b, 4k, read)\n"
				"\treclaim(16)\n"
				"\tiopf_disable(dsa0)\n"
				"\tk = fork(reader)\n"
				"\tsend_fd(r0, k)\n"
				"\twait_free(pasid(k))\n"
				"\twait_free(what=mm(k))\n"
				"\texpect c0.result <= 1\n"
				"\texpect c0.status > NONE\n"
				"\texpect k == 0\n"
				"}\n";

static struct sva_scenario *parse_ok(const char *text)
{
	struct sva_scenario *s = NULL;
	char err[256] = "";
	int ret = sva_scenario_parse("ok.sva", text, &s, err, sizeof(err));

	if (ret)
		fail_msg("parse failed: %d %s", ret, err);
	assert_non_null(s);
	return s;
}

static int var_named(const struct sva_scenario *s, const char *name)
{
	for (size_t i = 0; i < s->nvars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return (int)i;
	fail_msg("no variable %s", name);
	return -1;
}

static void test_declarations(void **state)
{
	struct sva_scenario *s = parse_ok(valid_text);
	(void)state;

	assert_string_equal(sva_scenario_file(s), "ok.sva");
	assert_int_equal(s->kernel.frames, 4096);
	assert_int_equal(s->iommu.prq, 8);
	assert_int_equal(s->ndevices, 2);
	assert_string_equal(s->devices[0].name, "dsa0");
	assert_int_equal(s->devices[0].engines, 2);
	assert_int_equal(s->devices[0].pasid_bits, 20);
	assert_true(s->devices[0].pri && s->devices[0].ats);
	assert_int_equal(s->devices[0].group, -1);
	assert_int_equal(s->devices[0].max_xfer, 2 << 20);
	assert_int_equal(s->devices[0].cdev, SVA_ACCEL_CDEV_IDXD); /* the default */
	assert_int_equal(s->devices[1].cdev, SVA_ACCEL_CDEV_UACCE);
	{
		struct sva_scenario *t =
			parse_ok("device d cdev=idxd\nwq d shared\nprocess p {\n}\n");

		assert_int_equal(t->devices[0].cdev, SVA_ACCEL_CDEV_IDXD); /* said */
		sva_scenario_free(t);
	}
	assert_int_equal(s->devices[0].loc.line, 3);
	assert_int_equal(s->devices[0].loc.col, 8);
	assert_string_equal(s->devices[1].name, "dsa1");
	assert_int_equal(s->devices[1].engines, 1); /* defaults */
	assert_int_equal(s->devices[1].pasid_bits, 20);
	assert_false(s->devices[1].pri || s->devices[1].ats);
	assert_int_equal(s->devices[1].group, 0);
	assert_int_equal(s->devices[1].max_xfer, 0);

	assert_int_equal(s->nwqs, 3);
	assert_string_equal(s->wqs[0].name, "dsa0wq0");
	assert_int_equal(s->wqs[0].device, 0);
	assert_int_equal(s->wqs[0].index, 0);
	assert_int_equal(s->wqs[0].mode, SVA_SCN_WQ_SHARED);
	assert_int_equal(s->wqs[0].depth, 16);
	assert_int_equal(s->wqs[0].priority, 3);
	assert_int_equal(s->wqs[0].threshold, 12);
	assert_int_equal(s->wqs[1].priority, 0); /* the defaults */
	assert_int_equal(s->wqs[1].threshold, 0);
	assert_true(s->wqs[0].bof);
	assert_string_equal(s->wqs[1].name, "dsa0wq1");
	assert_int_equal(s->wqs[1].index, 1);
	assert_int_equal(s->wqs[1].mode, SVA_SCN_WQ_DEDICATED);
	assert_int_equal(s->wqs[1].depth, 8);
	assert_false(s->wqs[1].bof);
	assert_string_equal(s->wqs[2].name, "dsa1wq0");
	assert_int_equal(s->wqs[2].device, 1);
	assert_int_equal(s->wqs[2].index, 0);

	assert_int_equal(s->nprograms, 4);
	assert_string_equal(s->programs[0].name, "worker");
	assert_false(s->programs[0].starts);
	assert_int_equal(s->programs[0].body.n, 2);
	assert_string_equal(s->programs[1].name, "master");
	assert_true(s->programs[1].starts);
	assert_int_equal(s->programs[1].instances, 3);
	assert_int_equal(s->programs[1].loc.line, 13);
	assert_string_equal(s->programs[2].name, "helper");
	assert_string_equal(s->programs[3].name, "late");
	assert_true(s->programs[3].starts);
	assert_int_equal(s->programs[3].instances, 1);

	assert_int_equal(s->ngoals, 5);
	assert_int_equal(s->goals[0].goal, SVA_SCN_GOAL_VIOLATION);
	assert_int_equal(s->goals[0].invariant, SVA_I2_NO_EARLY_REUSE);
	assert_int_equal(s->goals[1].goal, SVA_SCN_GOAL_PASID_FREED);
	assert_int_equal(s->goals[1].program, 1);
	assert_int_equal(s->goals[2].goal, SVA_SCN_GOAL_STATUS);
	assert_int_equal(s->goals[2].program, 1);
	assert_int_equal(s->goals[2].status, 0);
	assert_int_equal(s->goals[3].goal, SVA_SCN_GOAL_STATUS);
	assert_int_equal(s->goals[3].program, 3); /* declared after the goal */
	assert_int_equal(s->goals[3].status, SVA_SCN_STATUS_KILLED);
	assert_int_equal(s->goals[4].goal, SVA_SCN_GOAL_PASID_HELD);
	assert_int_equal(s->goals[4].loc.line, 52);
	assert_int_equal(s->goals[4].loc.col, 1);
	sva_scenario_free(s);
}

static void test_variables_typed_by_first_assignment(void **state)
{
	static const struct {
		const char *name;
		enum sva_scn_type type;
	} want[] = {
		{ "r0", SVA_SCN_T_FD },	  { "q0", SVA_SCN_T_ADDR }, { "b0", SVA_SCN_T_ADDR },
		{ "b1", SVA_SCN_T_ADDR }, { "c0", SVA_SCN_T_COMP }, { "r1", SVA_SCN_T_FD },
		{ "p2", SVA_SCN_T_PID },  { "c1", SVA_SCN_T_COMP }, { "t0", SVA_SCN_T_TID },
		{ "c2", SVA_SCN_T_COMP }, { "p9", SVA_SCN_T_PID },
	};
	struct sva_scenario *s = parse_ok(valid_text);
	(void)state;

	/* in file order of their first assignment: r0 is used by worker before master assigns it */
	assert_int_equal(s->nvars, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s->nvars; i++) {
		assert_string_equal(s->vars[i].name, want[i].name);
		assert_int_equal(s->vars[i].type, want[i].type);
	}
	assert_int_equal(s->vars[0].loc.line, 14);
	assert_int_equal(s->vars[0].loc.col, 2);
	assert_int_equal(s->programs[0].body.stmts[0].op, SVA_SCN_CLOSE);
	assert_int_equal(s->programs[0].body.stmts[0].args[0].var, 0);
	sva_scenario_free(s);
}

static void test_statements(void **state)
{
	struct sva_scenario *s = parse_ok(valid_text);
	const struct sva_scn_block *m = &s->programs[1].body;
	const struct sva_scn_stmt *st;
	(void)state;

	assert_int_equal(m->n, 20);
	st = &m->stmts[0]; /* r0 = open(dsa0wq0) */
	assert_int_equal(st->op, SVA_SCN_OPEN);
	assert_ptr_equal(st->call, sva_scn_call_find("open"));
	assert_int_equal(st->result, var_named(s, "r0"));
	assert_true(st->args[0].present);
	assert_string_equal(st->args[0].word, "dsa0wq0");
	assert_int_equal(st->args[0].index, 0);
	assert_int_equal(st->expect, SVA_SCN_EXPECT_OK);
	assert_int_equal(st->loc.line, 14);
	assert_int_equal(st->loc.col, 2);
	assert_int_equal(st->args[0].loc.col, 12);

	st = &m->stmts[1]; /* q0 = mmap(r0, mmio) */
	assert_int_equal(st->op, SVA_SCN_MMAP);
	assert_int_equal(st->args[0].var, var_named(s, "r0"));
	assert_string_equal(st->args[1].word, "mmio");
	st = &m->stmts[2]; /* ioctl(r0, start_q) */
	assert_int_equal(st->result, -1);
	assert_string_equal(st->args[1].word, "start_q");
	st = &m->stmts[3]; /* b0 = mmap(64k) */
	assert_int_equal(st->args[0].var, -1);
	assert_int_equal(st->args[0].num, 64 << 10);
	assert_false(st->args[1].present);
	st = &m->stmts[4]; /* b1 = mmap(src=0x10000) */
	assert_int_equal(st->args[0].num, 0x10000);
	st = &m->stmts[5]; /* fill(b0, 64k, 0x5a) */
	assert_int_equal(st->args[0].var, var_named(s, "b0"));
	assert_int_equal(st->args[1].num, 65536);
	assert_int_equal(st->args[2].num, 0x5a);

	st = &m->stmts[6]; /* c0 = submit(r0, memmove, src=b0, dst=b1, len=64k) */
	assert_int_equal(st->op, SVA_SCN_SUBMIT);
	assert_int_equal(st->result, var_named(s, "c0"));
	assert_string_equal(st->args[1].word, "memmove");
	assert_int_equal(st->args[2].var, var_named(s, "b0"));
	assert_int_equal(st->args[3].var, var_named(s, "b1"));
	assert_int_equal(st->args[4].num, 65536);
	assert_false(st->args[5].present);
	assert_false(st->args[6].present);

	st = &m->stmts[9]; /* r1 = open(dsa0wq1) + expect error(EBUSY) */
	assert_int_equal(st->args[0].index, 1);
	assert_int_equal(st->expect, SVA_SCN_EXPECT_ERROR);
	assert_int_equal(st->expect_value, EBUSY);
	st = &m->stmts[10]; /* p2 = fork(worker) */
	assert_int_equal(st->op, SVA_SCN_FORK);
	assert_int_equal(st->args[0].index, 0);
	st = &m->stmts[12]; /* wait(p2) + expect status(killed) */
	assert_int_equal(st->op, SVA_SCN_WAIT);
	assert_int_equal(st->args[0].var, var_named(s, "p2"));
	assert_int_equal(st->expect, SVA_SCN_EXPECT_STATUS);
	assert_int_equal(st->expect_value, SVA_SCN_STATUS_KILLED);

	st = &m->stmts[13]; /* repeat 100 { yield()  repeat 2 { touch(b0, 4k, 1) } } */
	assert_int_equal(st->op, SVA_SCN_REPEAT);
	assert_int_equal(st->count, 100);
	assert_int_equal(st->result, -1);
	assert_non_null(st->body);
	assert_int_equal(st->body->n, 2);
	assert_int_equal(st->body->stmts[0].op, SVA_SCN_YIELD);
	assert_false(st->body->stmts[0].args[0].present);
	assert_int_equal(st->body->stmts[1].op, SVA_SCN_REPEAT);
	assert_int_equal(st->body->stmts[1].count, 2);
	assert_int_equal(st->body->stmts[1].body->n, 1);
	assert_int_equal(st->body->stmts[1].body->stmts[0].op, SVA_SCN_TOUCH);
	assert_int_equal(st->body->stmts[1].body->stmts[0].args[1].num, 4096);
	assert_int_equal(st->body->stmts[1].body->stmts[0].args[2].num, 1);

	st = &m->stmts[14]; /* c1 = submit(r0, fill, dst=b0, len=4k, pattern=0xff) + expect any */
	assert_string_equal(st->args[1].word, "fill");
	assert_false(st->args[2].present);
	assert_int_equal(st->args[5].num, 0xff);
	assert_int_equal(st->expect, SVA_SCN_EXPECT_ANY);
	st = &m->stmts[15]; /* t0 = clone(program=helper): declared further down */
	assert_int_equal(st->op, SVA_SCN_CLONE);
	assert_int_equal(st->args[0].index, 2);
	assert_string_equal(st->args[0].word, "helper");
	st = &m->stmts[16]; /* send_fd(r0, p2) */
	assert_int_equal(st->args[1].var, var_named(s, "p2"));
	st = &m->stmts[17]; /* munmap(b0) */
	assert_false(st->args[1].present);
	st = &m->stmts[19]; /* exit() */
	assert_int_equal(st->op, SVA_SCN_EXIT);
	assert_false(st->args[0].present);

	st = &s->programs[2].body.stmts[0]; /* dualcast */
	assert_int_equal(st->args[6].num, 0x20000);
	assert_int_equal(st->args[4].num, 1 << 20);
	st = &s->programs[2].body.stmts[2]; /* remove(dsa1) */
	assert_int_equal(st->op, SVA_SCN_REMOVE);
	assert_int_equal(st->args[0].index, 1);
	st = &s->programs[3].body.stmts[0]; /* p9 = fork() */
	assert_false(st->args[0].present);
	assert_int_equal(st->args[0].index, -1);
	assert_int_equal(s->programs[3].body.stmts[1].expect_value, 7);
	sva_scenario_free(s);
}

static void test_conditions_and_new_calls(void **state)
{
	struct sva_scenario *s = parse_ok(lang_text);
	const struct sva_scn_block *m = &s->programs[1].body;
	const struct sva_scn_stmt *st, *inner;
	(void)state;

	assert_int_equal(m->n, 17);
	st = &m->stmts[0]; /* r0 = open(dsa0wq0, cloexec) + expect any */
	assert_string_equal(st->args[1].word, "cloexec");
	assert_int_equal(st->expect, SVA_SCN_EXPECT_ANY);
	st = &m->stmts[1]; /* if r0 < 0 { exit(1) } else { if r0 != -EBUSY { yield() } } */
	assert_int_equal(st->op, SVA_SCN_IF);
	assert_int_equal(st->cond.var, var_named(s, "r0"));
	assert_int_equal(st->cond.field, SVA_SCN_F_VALUE);
	assert_int_equal(st->cond.cmp, SVA_SCN_LT);
	assert_int_equal(st->cond.value, 0);
	assert_string_equal(st->cond.text, "r0 < 0");
	assert_int_equal(st->cond.loc.line, 10);
	assert_int_equal(st->cond.loc.col, 5);
	assert_int_equal(st->body->n, 1);
	assert_int_equal(st->body->stmts[0].op, SVA_SCN_EXIT);
	assert_non_null(st->orelse);
	inner = &st->orelse->stmts[0];
	assert_int_equal(inner->op, SVA_SCN_IF);
	assert_int_equal(inner->cond.cmp, SVA_SCN_NE);
	assert_int_equal(inner->cond.value, -EBUSY);
	assert_null(inner->orelse);
	assert_int_equal(inner->body->stmts[0].op, SVA_SCN_YIELD);

	st = &m->stmts[4]; /* wait(c0) */
	assert_int_equal(st->op, SVA_SCN_WAIT);
	st = &m->stmts[5]; /* expect c0.bytes_completed>=0x10 */
	assert_int_equal(st->op, SVA_SCN_CHECK);
	assert_int_equal(st->cond.field, SVA_SCN_F_BYTES_COMPLETED);
	assert_int_equal(st->cond.cmp, SVA_SCN_GE);
	assert_int_equal(st->cond.value, 16);
	assert_string_equal(st->cond.text, "c0.bytes_completed>=0x10");
	assert_int_equal(m->stmts[4].expect, SVA_SCN_EXPECT_OK); /* not about the wait */
	st = &m->stmts[6];					 /* if c0.fault_addr == -1 { } */
	assert_int_equal(st->cond.field, SVA_SCN_F_FAULT_ADDR);
	assert_int_equal(st->cond.value, -1);
	assert_int_equal(st->body->n, 0);
	st = &m->stmts[7]; /* mprotect(b, 4k, read) */
	assert_int_equal(st->op, SVA_SCN_MPROTECT);
	assert_string_equal(st->args[2].word, "read");
	assert_int_equal(m->stmts[8].op, SVA_SCN_RECLAIM);
	assert_int_equal(m->stmts[8].args[0].num, 16);
	assert_int_equal(m->stmts[9].op, SVA_SCN_IOPF_DISABLE);
	assert_int_equal(m->stmts[9].args[0].index, 0);
	st = &m->stmts[12]; /* wait_free(pasid(k)) */
	assert_int_equal(st->op, SVA_SCN_WAIT_FREE);
	assert_string_equal(st->args[0].word, "pasid");
	assert_int_equal(st->args[0].var, var_named(s, "k"));
	assert_string_equal(m->stmts[13].args[0].word, "mm");
	assert_int_equal(m->stmts[14].cond.field, SVA_SCN_F_RESULT);
	assert_int_equal(m->stmts[15].cond.value, DSA_COMP_NONE);
	assert_int_equal(m->stmts[15].cond.cmp, SVA_SCN_GT);
	assert_int_equal(m->stmts[16].cond.cmp, SVA_SCN_EQ);
	/* the reader: recv_fd's fd, a field of a completion its parent assigns */
	st = &s->programs[0].body.stmts[0];
	assert_int_equal(st->op, SVA_SCN_RECV_FD);
	assert_int_equal(s->vars[st->result].type, SVA_SCN_T_FD);
	assert_int_equal(s->programs[0].body.stmts[1].cond.value, DSA_COMP_SUCCESS);
	assert_true(sva_scn_op_is_stmt(SVA_SCN_IF) && sva_scn_op_is_stmt(SVA_SCN_CHECK));
	assert_false(sva_scn_op_is_stmt(SVA_SCN_WAIT_FREE));
	assert_string_equal(sva_scn_status_name(SVA_DSA_COMP_ABORTED), "ABORTED");
	assert_null(sva_scn_status_name(0x77));
	sva_scenario_free(s);
}

static void test_numbers_and_spellings(void **state)
{
	struct sva_scenario *s = parse_ok("process p {\n"
					  "\ta = mmap(1)\n"
					  "\tb = mmap(0X1F)\n"
					  "\tc = mmap(2K)\n"
					  "\td = mmap(3m)\n"
					  "\te = mmap(1g)\n"
					  "\tf = mmap(0x10G)\n"
					  "\tyield(18446744073709551615)\n"
					  "\tyield(0xffffffffffffffff)\n"
					  "\tyield(16777215g)\n"
					  "\tfill(len=1, addr=0)\n"
					  "\texit(code=255)\r\n"
					  "}\n"
					  "expect violation(4)\n"
					  "expect violation(no_early_reuse)\n");
	static const uint64_t want[] = {
		1,	    0x1f,	2048,
		3 << 20,    1 << 30,	0x10ull << 30,
		UINT64_MAX, UINT64_MAX, 16777215ull << 30,
	};
	(void)state;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(s->programs[0].body.stmts[i].args[0].num, want[i]);
	assert_int_equal(s->programs[0].body.stmts[9].args[0].num, 0);
	assert_int_equal(s->programs[0].body.stmts[9].args[1].num, 1);
	assert_int_equal(s->programs[0].body.stmts[10].args[0].num, 255);
	assert_int_equal(s->goals[0].invariant, 4);
	assert_int_equal(s->goals[1].invariant, 2);
	assert_int_equal(s->goals[0].program, -1);
	sva_scenario_free(s);
}

/* The idxd driver's calls: a WQ or a device of cdev=idxd_wq, and what such a device may be. */
static void test_idxd_calls(void **state)
{
	static const char text[] = "device dsa2 cdev=idxd_wq engines=4 max_xfer=2m\n"
				   "wq dsa2 shared depth=100 priority=15\n"
				   "wq dsa2 dedicated depth=28\n"
				   "device iax1 cdev=idxd_wq\n"
				   "wq iax1 dedicated\n"
				   "device plain\n"
				   "wq plain shared priority=0\n"
				   "process p {\n"
				   "\twq_disable(dsa2wq1)\n"
				   "\twq_enable(wq=dsa2wq1)\n"
				   "\tdisable(iax1)\n"
				   "\tenable(device=iax1)\n"
				   "\tremove(plain)\n"
				   "}\n";
	struct sva_scenario *s = parse_ok(text);
	const struct sva_scn_block *b = &s->programs[0].body;
	(void)state;

	assert_int_equal(s->devices[0].cdev, SVA_ACCEL_CDEV_IDXD_WQ);
	assert_int_equal(s->devices[0].engines, 4);
	assert_int_equal(s->wqs[0].priority, 15);
	assert_int_equal(s->wqs[2].priority, 0); /* left to the driver's default */
	assert_int_equal(b->stmts[0].op, SVA_SCN_WQ_DISABLE);
	assert_int_equal(b->stmts[0].args[0].index, 1); /* the scenario's WQ dsa2wq1 */
	assert_int_equal(b->stmts[1].op, SVA_SCN_WQ_ENABLE);
	assert_int_equal(b->stmts[1].args[0].index, 1);
	assert_int_equal(b->stmts[2].op, SVA_SCN_DISABLE);
	assert_int_equal(b->stmts[2].args[0].index, 1); /* device iax1 */
	assert_int_equal(b->stmts[3].op, SVA_SCN_ENABLE);
	assert_int_equal(b->stmts[3].args[0].index, 1);
	assert_false(sva_scn_op_is_stmt(SVA_SCN_WQ_DISABLE));
	sva_scenario_free(s);
}

static void test_call_table(void **state)
{
	const struct sva_scn_call *c;
	size_t n = 0;
	(void)state;

	for (c = sva_scn_calls; c->name; c++, n++) {
		assert_ptr_equal(sva_scn_call_find(c->name), c);
		assert_ptr_equal(sva_scn_call_of(c->op), c);
		assert_true(c->nparams <= SVA_SCN_MAX_PARAMS);
		for (unsigned i = 0; i < c->nparams; i++)
			assert_non_null(c->params[i].key);
	}
	assert_int_equal(n, SVA_SCN_OP_NR);
	assert_null(sva_scn_call_find("opn"));
	assert_null(sva_scn_call_find(NULL));
	c = sva_scn_call_find("submit");
	assert_int_equal(c->returns, SVA_SCN_T_COMP);
	assert_string_equal(c->params[6].key, "dst2");
	assert_int_equal(c->params[2].kind, SVA_SCN_P_VAR_OR_NUM);
	c = sva_scn_call_of(SVA_SCN_WAIT);
	assert_int_equal(c->params[0].kind, SVA_SCN_P_VAR);
	assert_int_equal(c->params[0].type, SVA_SCN_T_NONE); /* a completion or a pid */
	assert_string_equal(sva_scn_type_name(SVA_SCN_T_FD), "fd");
	assert_string_equal(sva_scn_type_name(SVA_SCN_T_COMP), "completion");
	assert_string_equal(sva_scn_type_name(SVA_SCN_T_NR), "?");
}

/* ---- malformed scenarios ----------------------------------------------------------------- */

struct bad_case {
	const char *text;
	const char *where; /* "t.sva:LINE:COL: " */
	const char *what;  /* a part of the message */
};

#define DW	   "device d\nwq d shared\n"
#define PROC(body) "process p {\n" body "}\n"

static const struct bad_case bad_cases[] = {
	{ PROC("\topn(x)\n"), "t.sva:2:2: ", "unknown call 'opn'; did you mean open?" },
	/* did you mean: a misspelt wq, device, program */
	{ DW PROC("\tr0 = open(dwq1)\n"), "t.sva:4:12: ", "unknown wq 'dwq1'; did you mean dwq0?" },
	{ "device dsa0\nwq dsa1 shared\n" PROC(""),
	  "t.sva:2:4: ", "unknown device 'dsa1'; did you mean dsa0?" },
	{ "device dsa0\nwq dsa0 shared\ndevice dsa1 group=dsa2\nwq dsa1 shared\n" PROC(""),
	  "t.sva:3:19: ", "unknown device 'dsa2'; did you mean dsa0?" },
	{ "program worker {\n}\n" PROC("\tp1 = fork(wroker)\n"),
	  "t.sva:4:12: ", "unknown program 'wroker'; did you mean worker?" },
	{ PROC("\tclose(r9)\n"), "t.sva:2:8: ", "unknown variable r9" },
	{ DW PROC("\tr0 = open(dwq0)\n\tfill(r0, 4k)\n"),
	  "t.sva:5:7: ", "r0 is an fd, expected an address" },
	{ "device dsa0\ndevice dsa0\n" PROC(""), "t.sva:2:8: ", "duplicate device dsa0" },
	{ DW PROC("\tr0 = open(dwq0)\n\tb0 = mmap(4k)\n"
		  "\tc0 = submit(r0, memmove, dst=b0, len=4k)\n"),
	  "t.sva:6:7: ", "submit(memmove) needs src" },
	{ DW PROC("\tr = open(dwq0)\n\tb = mmap(4k)\n\tc = submit(r, noop, src=b)\n"),
	  "t.sva:6:22: ", "submit(noop) takes no src" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, raw, src=0x1000)\n"),
	  "t.sva:5:6: ", "submit(raw) needs opcode" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, memmove, src=1, dst=2, len=3, opcode=3)\n"),
	  "t.sva:5:", "submit(memmove) takes no opcode" },
	{ DW PROC("\tr = open(dwq0)\n\tb = mmap(4k)\n\tc = submit(r, dualcast, src=b, dst=b, "
		  "len=1)\n"),
	  "t.sva:6:6: ", "submit(dualcast) needs dst2" },
	{ PROC("\tyield(1 2)\n"), "t.sva:2:10: ", "expected ',' or ')', found '2'" },
	{ "process p {\n\tyield()\n",
	  "t.sva:3:1: ", "expected '}' closing the block at 1:11, found end of file" },
	{ "process p {", "t.sva:1:12: ", "closing the block at 1:11, found end of file" },
	{ PROC("\texpect any\n"), "t.sva:2:2: ", "expect must follow a call" },
	{ PROC("\trepeat 2 {\n\t\tyield()\n\t}\n\texpect any\n"),
	  "t.sva:5:2: ", "expect must follow a call, not a repeat block" },
	{ PROC("\tyield()\n\texpect any\n\texpect any\n"),
	  "t.sva:4:2: ", "already has an expectation" },
	{ PROC("\trepeat 0 {\n\t}\n"),
	  "t.sva:2:9: ", "expected a repeat count of at least 1, found '0'" },
	{ PROC("\tyield(99999999999999999999)\n"),
	  "t.sva:2:8: ", "number too large: '99999999999999999999'" },
	{ PROC("\tyield(0xffffffffffffffffk)\n"), "t.sva:2:8: ", "number too large" },
	{ PROC("\tyield(18446744073709551616)\n"), "t.sva:2:8: ", "number too large" },
	{ PROC("\tyield(12abc)\n"), "t.sva:2:8: ", "bad number '12abc'" },
	{ PROC("\tyield(0x)\n"), "t.sva:2:8: ", "bad number '0x'" },
	{ PROC("\tyield(@)\n"), "t.sva:2:8: ", "unexpected character '@'" },
	{ PROC("\tyield(\x01)\n"), "t.sva:2:8: ", "unexpected character '\\x01'" },
	{ "device d\n", "t.sva:2:1: ", "expected at least one process, found end of file" },
	{ "", "t.sva:1:1: ", "expected at least one process, found end of file" },
	{ "proces p {\n}\n", "t.sva:1:1: ", "expected a declaration" },
	{ "wq dsa0 shared\ndevice dsa0\n" PROC(""), "t.sva:1:4: ", "unknown device 'dsa0'" },
	{ "device d\nwq d depth=4\n" PROC(""),
	  "t.sva:2:13: ", "expected shared or dedicated, found end of line" },
	{ "device d\nwq d shared depth=4 threshold=5\n" PROC(""),
	  "t.sva:2:21: ", "threshold 5 above the wq's depth 4" },
	{ "device d\nwq d shared priority=16\n" PROC(""),
	  "t.sva:2:22: ", "expected priority 0..15, found '16'" },
	{ "device d\nwq d shared dedicated\n" PROC(""),
	  "t.sva:2:13: ", "shared or dedicated, not both" },
	{ "device d\nwq d shared depth=0\n" PROC(""),
	  "t.sva:2:19: ", "expected depth 1..1024, found '0'" },
	{ "device d\nwq d shared\nwq d shared\nwq d shared\nwq d shared\nwq d shared\n"
	  "wq d shared\nwq d shared\nwq d shared\nwq d shared\n" PROC(""),
	  "t.sva:10:4: ", "too many wqs on d (at most 8)" },
	{ "device d engines=9\n" PROC(""), "t.sva:1:18: ", "expected engines 1..8, found '9'" },
	{ "device d foo\n" PROC(""), "t.sva:1:10: ", "expected a device option" },
	{ "device d pri pri\n" PROC(""), "t.sva:1:14: ", "duplicate option pri" },
	{ "device d pri=0\n" PROC(""), "t.sva:1:14: ", "expected pri 1..32" },
	{ "device d pri=33\n" PROC(""), "t.sva:1:14: ", "expected pri 1..32" },
	{ "device d group=d\n" PROC(""), "t.sva:1:16: ", "cannot join its own group" },
	{ "device d group=e\n" PROC(""), "t.sva:1:16: ", "unknown device 'e'" },
	{ "device d cdev=vfio\n" PROC(""),
	  "t.sva:1:15: ", "expected idxd, uacce or idxd_wq for cdev, found 'vfio'" },
	{ "kernel\nkernel frames=1\n" PROC(""), "t.sva:2:1: ", "duplicate kernel" },
	{ "kernel frames=1\n" PROC(""), "t.sva:1:15: ", "expected frames 2..1048576, found '1'" },
	{ "kernel frames\n" PROC(""), "t.sva:1:14: ", "expected '=', found end of line" },
	{ "iommu\niommu prq=4\n" PROC(""), "t.sva:2:1: ", "duplicate iommu" },
	{ "iommu prq=0\n" PROC(""), "t.sva:1:11: ", "expected prq 1..65536, found '0'" },
	{ "iommu prq=65537\n" PROC(""), "t.sva:1:11: ", "expected prq 1..65536, found '65537'" },
	{ "iommu prq=2 prq=3\n" PROC(""), "t.sva:1:13: ", "duplicate option prq" },
	{ "iommu frames=2\n" PROC(""),
	  "t.sva:1:7: ", "expected an iommu option (prq=N) or end of line, found 'frames'" },
	{ "device d\n" PROC("\tr0 = open(dwq0)\n"), "t.sva:3:12: ", "unknown wq 'dwq0'" },
	{ PROC("\tremove(d)\n"), "t.sva:2:9: ", "unknown device 'd'" },
	/* the idxd driver's calls, and what its configuration takes */
	{ DW PROC("\twq_disable(dwq0)\n"),
	  "t.sva:4:13: ", "wq_disable: d is not an idxd device (declare it cdev=idxd_wq)" },
	{ DW PROC("\tdisable(d)\n"), "t.sva:4:10: ", "disable: d is not an idxd device" },
	{ PROC("\tenable(dsa0)\n"), "t.sva:2:9: ", "unknown device 'dsa0'" },
	{ "device dsa0 cdev=idxd_wq\nwq dsa0 shared\n" PROC("\twq_enable(dsa0)\n"),
	  "t.sva:4:12: ", "unknown wq 'dsa0'" },
	{ "device dsa0 cdev=idxd_wq\nwq dsa0 shared\n" PROC("\twq_disable()\n"),
	  "t.sva:4:2: ", "wq_disable needs wq" },
	{ "device d cdev=idxd_wq\n" PROC(""),
	  "t.sva:1:8: ", "cdev=idxd_wq: an idxd device is named by its number" },
	{ "device dsa0123456789012 cdev=idxd_wq\n" PROC(""),
	  "t.sva:1:8: ", "at most 15 characters: not dsa0123456789012" },
	{ "device dsa0 cdev=idxd_wq\ndevice iax00 cdev=idxd_wq\n" PROC(""),
	  "t.sva:2:8: ", "iax00 has the number 0 of dsa0 (declared at 1:8)" },
	{ "device dsa0 cdev=idxd_wq engines=5\n" PROC(""),
	  "t.sva:1:26: ", "engines=5: an idxd device has at most 4 engines" },
	{ "device dsa0 max_xfer=4m cdev=idxd_wq\n" PROC(""),
	  "t.sva:1:13: ", "max_xfer=4194304: an idxd WQ's max_transfer_size is at most 2097152" },
	{ "device dsa0 cdev=idxd_wq\nwq dsa0 shared depth=100\nwq dsa0 shared depth=29\n" PROC(""),
	  "t.sva:3:16: ", "depth 29: the WQs of idxd device dsa0 share 128 entries" },
	{ "device dsa0 cdev=idxd_wq\nwq dsa0 shared priority=0\n" PROC(""),
	  "t.sva:2:25: ", "expected priority 1..15, found '0'" },
	{ PROC("\tp1 = fork(wrk)\n"), "t.sva:2:12: ", "unknown program 'wrk'" },
	{ PROC("\tp1 = fork(p)\n"), "t.sva:2:12: ", "p is a process, expected a program" },
	{ PROC("\tt = clone()\n"), "t.sva:2:6: ", "clone needs program" },
	{ PROC("\tx = fork()\n\tx = mmap(4k)\n"),
	  "t.sva:3:2: ", "x is a pid (first assigned at 2:2), not an address" },
	{ PROC("\tx = yield()\n"), "t.sva:2:6: ", "yield returns nothing to assign" },
	{ PROC("\tb = mmap(4k, mmio)\n"), "t.sva:2:15: ", "takes no region" },
	{ PROC("\tb = mmap(0)\n"), "t.sva:2:11: ", "expected src of at least 1, found '0'" },
	{ DW PROC("\tr = open(dwq0)\n\tq = mmap(r)\n"),
	  "t.sva:5:6: ", "mmap(fd) needs a region (mmio or dus)" },
	{ DW PROC("\tr = open(dwq0)\n\tq = mmap(r, mm)\n"),
	  "t.sva:5:14: ", "expected mmio or dus for region, found 'mm'" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, nop)\n"),
	  "t.sva:5:16: ", "expected one of noop, memmove" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, noop)\n\twait(c)\n\texpect status(0)\n"),
	  "t.sva:7:2: ", "expect status must follow a wait(pid)" },
	{ PROC("\tp1 = fork()\n\twait(p1)\n\texpect status(256)\n"),
	  "t.sva:4:16: ", "expected a status 0..255 or killed, found '256'" },
	{ PROC("\tyield()\n\texpect error(EFOO)\n"), "t.sva:3:15: ", "unknown error name 'EFOO'" },
	{ PROC("\tyield()\n\texpect errors\n"),
	  "t.sva:3:9: ", "expected error(ENAME), any or status(N), found 'errors'" },
	{ PROC("") "expect pasid(q) freed\n", "t.sva:3:14: ", "unknown process 'q'" },
	{ PROC("") "program w {\n}\nexpect status(w) 0\n",
	  "t.sva:5:15: ", "w is a program, expected a process" },
	{ PROC("") "expect pasid(p) free\n",
	  "t.sva:3:17: ", "expected freed or held, found 'free'" },
	{ PROC("") "expect violation(I9)\n",
	  "t.sva:3:18: ", "expected an invariant I1..I7, found 'I9'" },
	{ PROC("") "program p {\n}\n",
	  "t.sva:3:9: ", "duplicate program p (first declared at 1:9)" },
	{ PROC("\tb = mmap(src=4k, mmio)\n"),
	  "t.sva:2:19: ", "expected a key=value argument after key=value ones, found 'mmio'" },
	{ PROC("\tyield(count=3)\n"), "t.sva:2:8: ", "yield has no parameter 'count'" },
	{ PROC("\texec(1)\n"), "t.sva:2:7: ", "too many arguments: exec takes none" },
	{ PROC("\tyield(1, 2)\n"), "t.sva:2:11: ", "too many arguments: yield takes at most 1" },
	{ PROC("\tyield(1, n=2)\n"), "t.sva:2:11: ", "duplicate argument n" },
	{ PROC("\tyield(,)\n"), "t.sva:2:8: ", "expected a number for n, found ','" },
	{ PROC("\tyield(1,)\n"), "t.sva:2:10: ", "expected an argument, found ')'" },
	{ PROC("\tyield(1\n"), "t.sva:2:9: ", "expected ',' or ')', found end of line" },
	{ PROC("\tb = mmap(4k)\n\twait(b)\n"),
	  "t.sva:3:7: ", "b is an address, expected a completion or a pid" },
	{ PROC("\tb = mmap(4k)\n\tfill(b, 4k, 256)\n"),
	  "t.sva:3:14: ", "expected byte 0..255, found '256'" },
	{ PROC("\tb = mmap(4k)\n\ttouch(b, 4k, 2)\n"),
	  "t.sva:3:15: ", "expected write 0..1, found '2'" },
	{ "process p {\n\tyield()\n} x\n", "t.sva:3:3: ", "expected end of line, found 'x'" },
	{ "process p { yield()\n}\n", "t.sva:1:13: ", "expected end of line, found 'yield'" },
	{ PROC("\tclose()\n"), "t.sva:2:2: ", "close needs fd" },
	{ PROC("\tp2 = fork(nosuch)\n"), "t.sva:2:12: ", "unknown program 'nosuch'" },
	{ PROC("\tclose(3)\n"), "t.sva:2:8: ", "expected a variable for fd, found '3'" },
	{ "process p x0 {\n}\n", "t.sva:1:11: ", "expected instances x1..x1000000, found 'x0'" },
	{ "process p x99999999999999999999999 {\n}\n",
	  "t.sva:1:11: ", "expected instances x1..x1000000" },
	{ "process p y {\n}\n", "t.sva:1:11: ", "expected xN or '{', found 'y'" },
	{ "program q x2 {\n}\n", "t.sva:1:11: ", "expected '{', found 'x2'" },
	{ PROC("\tr0 open(x)\n"), "t.sva:2:2: ", "unknown call 'r0'" },
	{ PROC("\tr0 = 3\n"), "t.sva:2:7: ", "expected a call, found '3'" },
	{ PROC("\tclose r0\n"), "t.sva:2:8: ", "expected '(', found 'r0'" },
	{ PROC("\t(\n"), "t.sva:2:2: ", "expected a statement, found '('" },
	{ PROC("\tx = repeat(3)\n"), "t.sva:2:6: ", "unknown call 'repeat'" },
	{ PROC("\tyield(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)\n"),
	  "t.sva:2:8: ", "found 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'" },
	{ "device aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n" PROC(""),
	  "t.sva:1:8: ", "device name too long" },
	/* conditions: if COND { } [else { }], expect COND */
	{ PROC("\tif r0 < 0 {\n\t}\n"), "t.sva:2:5: ", "unknown variable r0" },
	{ PROC("\tb = mmap(4k)\n\tif b.status == SUCCESS {\n\t}\n"),
	  "t.sva:3:5: ", "b is an address: only a completion has fields" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, noop)\n\texpect c.state == 1\n"),
	  "t.sva:6:11: ", "unknown field 'state' (status, result, bytes_completed, fault_addr)" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, noop)\n\texpect c. == 1\n"), "t.sva:6:12: ",
	  "expected a field (status, result, bytes_completed, fault_addr), found '=='" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 {\n\t}\n"),
	  "t.sva:5:8: ", "expected a comparison (==, !=, <, <=, >, >=), found '{'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 == EBUSY {\n\t}\n"),
	  "t.sva:5:11: ", "write -EBUSY: a failed call's value is a negative errno" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 == -EFOO {\n\t}\n"),
	  "t.sva:5:12: ", "unknown error name 'EFOO'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 == - {\n\t}\n"),
	  "t.sva:5:13: ", "expected a number or an error name after '-', found '{'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 == x {\n\t}\n"),
	  "t.sva:5:11: ", "expected a number, -N or -ENAME, found 'x'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 >= 0x8000000000000000 {\n\t}\n"),
	  "t.sva:5:11: ", "expected a number up to 2^63 - 1" },
	{ DW PROC("\tr = open(dwq0)\n\tc = submit(r, noop)\n\texpect c.status == GOOD\n"),
	  "t.sva:6:21: ", "unknown status 'GOOD'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0\n\t}\n"),
	  "t.sva:5:11: ", "expected '{', found end of line" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0 {\n\t} else exit()\n"),
	  "t.sva:6:9: ", "expected '{', found 'exit'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0 {\n\t} ese {\n\t}\n"),
	  "t.sva:6:4: ", "expected end of line, found 'ese'" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0 {\n\t}\n\telse {\n\t}\n"),
	  "t.sva:7:2: ", "else must follow the '}' of an if, on its line" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0 {\n\t}\n\texpect any\n"),
	  "t.sva:7:2: ", "expect must follow a call, not an if block" },
	{ DW PROC("\tr0 = open(dwq0)\n\texpect r0 >= 0\n\texpect any\n"),
	  "t.sva:6:2: ", "expect must follow a call, not an expect" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0 {\n\t\tclose(r9)\n\t}\n"),
	  "t.sva:6:9: ", "unknown variable r9" },
	{ DW PROC("\tr0 = open(dwq0)\n\tif r0 < 0 {\n\t} else {\n\t\topn()\n\t}\n"),
	  "t.sva:7:3: ", "unknown call 'opn'" },
	{ DW "process p {\n\tr0 = open(dwq0)\n\tif r0 < 0 {\n",
	  "t.sva:6:1: ", "expected '}' closing the block at 5:12, found end of file" },
	{ PROC("\tyield(!)\n"), "t.sva:2:8: ", "unexpected character '!'" },
	{ PROC("\tyield(-1)\n"), "t.sva:2:8: ", "expected a number for n, found '-'" },
	/* the new calls */
	{ PROC("\tp1 = fork()\n\twait_free(pid(p1))\n"),
	  "t.sva:3:12: ", "expected pasid or mm for what (pasid(pid)), found 'pid'" },
	{ PROC("\tp1 = fork()\n\twait_free(pasid p1)\n"),
	  "t.sva:3:18: ", "expected '(', found 'p1'" },
	{ PROC("\tp1 = fork()\n\twait_free(mm())\n"),
	  "t.sva:3:15: ", "expected a variable, found ')'" },
	{ DW PROC("\tr0 = open(dwq0)\n\twait_free(pasid(r0))\n"),
	  "t.sva:5:18: ", "r0 is an fd, expected a pid" },
	{ PROC("\tp1 = fork()\n\twait_free(pasid(p1, 2))\n"),
	  "t.sva:3:20: ", "expected ')', found ','" },
	{ PROC("\tp1 = fork()\n\twait_free(pasid(p1)\n"),
	  "t.sva:3:21: ", "expected ',' or ')', found end of line" },
	{ PROC("\tp1 = fork()\n\twait_free(pasid(p1) x)\n"),
	  "t.sva:3:22: ", "expected ',' or ')', found 'x'" },
	{ PROC("\twait_free()\n"), "t.sva:2:2: ", "wait_free needs what" },
	{ PROC("\tb = mmap(4k)\n\tmprotect(b, 4k, rwx)\n"),
	  "t.sva:3:18: ", "expected one of none, read, rw for prot, found 'rwx'" },
	{ PROC("\tb = mmap(4k)\n\tmprotect(b, 4k)\n"), "t.sva:3:2: ", "mprotect needs prot" },
	{ PROC("\treclaim(0)\n"), "t.sva:2:10: ", "expected pages of at least 1, found '0'" },
	{ PROC("\treclaim()\n"), "t.sva:2:2: ", "reclaim needs pages" },
	{ PROC("\tiopf_disable(d)\n"), "t.sva:2:15: ", "unknown device 'd'" },
	{ DW PROC("\tr0 = open(dwq0, close)\n"),
	  "t.sva:4:18: ", "expected cloexec for flags, found 'close'" },
	{ PROC("\tr1 = recv_fd(1)\n"), "t.sva:2:15: ", "too many arguments: recv_fd takes none" },
	{ PROC("\tr1 = recv_fd()\n\tb = mmap(r1, mmio)\n\tr1 = mmap(4k)\n"),
	  "t.sva:4:2: ", "r1 is an fd (first assigned at 2:2), not an address" },
	/* the first error in the file wins, though a later line defines what it misses */
	{ PROC("\tclose(r0)\n\tr0 = opn(x)\n"), "t.sva:2:8: ", "unknown variable r0" },
	{ PROC("\tclose(r0)\n\tr0 = open(x) $\n"), "t.sva:3:12: ", "unknown wq 'x'" },
	/* what setup would refuse with no location is refused here, with one (issue 16) */
	{ "device d pri\n" PROC(""), "t.sva:1:8: ", "device d has no wq" },
	{ "kernel frames=2\n" DW PROC(""), "t.sva:1:8: ", "frames=2 is too few: setup takes 3" },
	{ "kernel frames=3\ndevice d\nwq d shared\nwq d dedicated\n" PROC(""),
	  "t.sva:1:8: ", "frames=3 is too few: setup takes 4" },
	{ "process p x1000 {\n}\n", "t.sva:1:11: ", "too many processes at the start: 1000" },
	{ "process p x200 {\n}\nprocess q x57 {\n}\n",
	  "t.sva:3:11: ", "too many processes at the start: 257, a run has at most 256 tasks" },
	{ "process p x256 {\n}\nprocess q {\n}\n", "t.sva:3:9: ", "too many processes" },
	/* names that may come later but never do: in a nested block, in a top-level expect */
	{ PROC("\trepeat 2 {\n\t\tp1 = fork(nosuch)\n\t}\n"),
	  "t.sva:3:13: ", "unknown program 'nosuch'" },
	{ "expect status(ghost) 0\n" PROC(""), "t.sva:1:15: ", "unknown process 'ghost'" },
};

static void check_bad(const struct bad_case *c)
{
	struct sva_scenario *s = (struct sva_scenario *)1;
	char err[512];
	int ret = sva_scenario_parse("t.sva", c->text, &s, err, sizeof(err));

	if (ret != -EINVAL || strncmp(err, c->where, strlen(c->where)) != 0 ||
	    !strstr(err, c->what) || strchr(err, '\n'))
		fail_msg("ret %d, message: %s\n  want: %s...%s\n%.300s", ret, err, c->where,
			 c->what, c->text);
	assert_null(s);
}

static void test_malformed_scenarios_refused(void **state)
{
	(void)state;
	assert_true(sizeof(bad_cases) / sizeof(bad_cases[0]) >= 25);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		check_bad(&bad_cases[i]);
}

static void test_repeat_nesting_capped(void **state)
{
	char text[4096];
	size_t o = 0;
	(void)state;

	o += (size_t)snprintf(text + o, sizeof(text) - o, "process p {\n");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "repeat 2 {\n");
	o += (size_t)snprintf(text + o, sizeof(text) - o, "yield()\n");
	for (int i = 0; i < 18; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "}\n");
	check_bad(&(struct bad_case){ text, "t.sva:18:1: ", "nested too deeply (at most 16)" });

	/* 16 levels are fine */
	o = (size_t)snprintf(text, sizeof(text), "process p {\n");
	for (int i = 0; i < 16; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "repeat 2 {\n");
	o += (size_t)snprintf(text + o, sizeof(text) - o, "yield()\n");
	for (int i = 0; i < 17; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "}\n");
	sva_scenario_free(parse_ok(text));

	/* if blocks count too, mixed with repeat blocks; an else block is one level */
	o = (size_t)snprintf(text, sizeof(text), "process p {\np = fork()\n");
	for (int i = 0; i < 16; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      i % 2 ? "repeat 2 {\n" : "if p > 0 {\n} else {\n");
	o += (size_t)snprintf(text + o, sizeof(text) - o, "if p < 0 {\n");
	check_bad(&(struct bad_case){ text, "t.sva:27:1: ", "if blocks nested too deeply" });
}

/* Names are found by linear search: their numbers are capped, and said so. */
static void test_limits(void **state)
{
	size_t cap = 64 * 1024, o;
	char *text = malloc(cap);
	(void)state;

	assert_non_null(text);
	o = (size_t)snprintf(text, cap, "process p {\n");
	for (int i = 0; i < 257; i++)
		o += (size_t)snprintf(text + o, cap - o, "v%d = fork()\n", i);
	snprintf(text + o, cap - o, "}\n");
	/* the runner's limit (a run holds 256), not a larger one setup would refuse */
	check_bad(&(struct bad_case){ text, "t.sva:258:1: ", "too many variables (at most 256)" });

	o = 0;
	for (int i = 0; i < 257; i++)
		o += (size_t)snprintf(text + o, cap - o, "device d%d\n", i);
	snprintf(text + o, cap - o, "process p {\n}\n");
	check_bad(&(struct bad_case){ text, "t.sva:257:8: ", "too many devices (at most 256)" });

	o = 0;
	for (int i = 0; i < 1025; i++)
		o += (size_t)snprintf(text + o, cap - o, "program w%d {\n}\n", i);
	check_bad(&(struct bad_case){
		text, "t.sva:2049:9: ", "too many processes and programs (at most 1024)" });

	o = (size_t)snprintf(text, cap, "process p {\n}\n");
	for (int i = 0; i < 1025; i++)
		o += (size_t)snprintf(text + o, cap - o, "expect status(p) 0\n");
	check_bad(&(struct bad_case){ text,
				      "t.sva:1027:1: ", "too many expectations (at most 1024)" });
	free(text);
}

static void test_error_buffer_and_arguments(void **state)
{
	struct sva_scenario *s;
	char small[8], err[128];
	(void)state;

	assert_int_equal(sva_scenario_parse("t.sva", "nope", &s, NULL, 0), -EINVAL);
	assert_null(s);
	assert_int_equal(sva_scenario_parse("t.sva", "nope", &s, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "t.sva:1"); /* cut, terminated */
	assert_int_equal(sva_scenario_parse("t.sva", NULL, &s, small, sizeof(small)), -EINVAL);
	assert_int_equal(sva_scenario_parse("t.sva", "", NULL, NULL, 0), -EINVAL);
	/* no file name: the messages say <scenario>; no path to load: refused */
	assert_int_equal(sva_scenario_parse(NULL, "nope", &s, err, sizeof(err)), -EINVAL);
	assert_memory_equal(err, "<scenario>:1:1: ", 16);
	assert_int_equal(sva_scenario_load(NULL, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no scenario file");
	assert_null(s);
	sva_scenario_free(NULL);
	assert_null(sva_scenario_file(NULL));
	/* a buffer of no length is never written: each refusal still says which */
	strcpy(err, "untouched");
	assert_int_equal(sva_scenario_parse("t.sva", "nope", &s, err, 0), -EINVAL);
	assert_int_equal(sva_scenario_parse("t.sva", NULL, &s, err, 0), -EINVAL);
	assert_int_equal(sva_scenario_load(NULL, &s, err, 0), -EINVAL);
	assert_int_equal(sva_scenario_load("/nonexistent/t.sva", &s, err, 0), -ENOENT);
	assert_int_equal(sva_scenario_load("/nonexistent/t.sva", &s, NULL, 0), -ENOENT);
	assert_int_equal(sva_scenario_parse("t.sva", NULL, &s, NULL, 0), -EINVAL);
	assert_int_equal(sva_scenario_load(NULL, &s, NULL, 0), -EINVAL);
	assert_string_equal(err, "untouched");
	assert_null(s);
}

/* ---- out of memory ------------------------------------------------------------------------- */

/*
 * The binary is linked with --wrap=malloc,calloc,realloc (CMakeLists.txt): every allocation the
 * objects linked into it make - libsva's parser among them - comes here, and the one
 * @alloc_countdown allocations from now fails. Test-only state: the parser runs in this one
 * thread, and no world exists to keep it in.
 */
static long alloc_countdown; /* 0: none fails */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *ptr, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static bool alloc_fails(void)
{
	return alloc_countdown > 0 && --alloc_countdown == 0;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *ptr, size_t size)
{
	return alloc_fails() ? NULL : __real_realloc(ptr, size);
}

/* Fail each allocation of parsing @text in turn: the number of allocations a parse makes. */
static long parse_fail_each(const char *text)
{
	for (long n = 1;; n++) {
		struct sva_scenario *s = (void *)1;
		char err[128] = "";
		int ret;

		alloc_countdown = n;
		ret = sva_scenario_parse("oom.sva", text, &s, err, sizeof(err));
		alloc_countdown = 0;
		if (ret == 0) { /* the nth allocation is beyond the parse: it went through */
			assert_non_null(s);
			sva_scenario_free(s);
			return n - 1;
		}
		/* nothing half-built is handed out (ASan finds anything left behind) */
		if (ret != -ENOMEM || s != NULL || strcmp(err, "oom.sva: out of memory") != 0)
			fail_msg("allocation %ld failed: ret %d, scenario %p, message '%s'", n, ret,
				 (void *)s, err);
	}
}

/* Every allocation of the parser may fail: -ENOMEM and "file: out of memory", nothing leaked. */
static void test_every_allocation_may_fail(void **state)
{
	(void)state;
	assert_true(parse_fail_each(valid_text) > 50);
	assert_true(parse_fail_each(lang_text) > 20);
	assert_true(parse_fail_each("process p {\n\texit(0)\n}\n") >= 3);
}

/* ---- loading ------------------------------------------------------------------------------- */

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_load(void **state)
{
	static const char nul[] = "process p {\n\tyield()\0\n}\n";
	char path[] = "/tmp/sva_scenario_XXXXXX";
	struct sva_scenario *s;
	char err[512], want[600];
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	write_file(path, valid_text, strlen(valid_text));
	assert_int_equal(sva_scenario_load(path, &s, err, sizeof(err)), 0);
	assert_string_equal(sva_scenario_file(s), path);
	assert_int_equal(s->nprograms, 4);
	sva_scenario_free(s);

	/* a NUL byte is a character like any other, not the end */
	write_file(path, nul, sizeof(nul) - 1);
	assert_int_equal(sva_scenario_load(path, &s, err, sizeof(err)), -EINVAL);
	assert_null(s);
	snprintf(want, sizeof(want), "%s:2:9: unexpected character '\\x00'", path);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(sva_scenario_load(path, &s, err, sizeof(err)), -ENOENT);
	assert_null(s);
	snprintf(want, sizeof(want), "cannot read %s: No such file or directory", path);
	assert_string_equal(err, want);
	assert_int_equal(sva_scenario_load("/", &s, err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "cannot read /: Is a directory");
	/* no file named, or nowhere to put the scenario */
	assert_int_equal(sva_scenario_load(NULL, &s, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no scenario file");
	assert_int_equal(sva_scenario_load(path, NULL, NULL, 0), -EINVAL);
	/* larger than 16 MiB (a sparse file: nothing written) */
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (16l << 20) + 1), 0);
	close(fd);
	assert_int_equal(sva_scenario_load(path, &s, err, sizeof(err)), -EFBIG);
	assert_null(s);
	snprintf(want, sizeof(want), "cannot read %s: larger than 16 MiB", path);
	assert_string_equal(err, want);
	unlink(path);
}

/* ---- mutations ----------------------------------------------------------------------------- */

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Pieces worth inserting: the language's own tokens, and trouble. */
static const char *const pieces[] = {
	"repeat 3 {\n",
	"}\n",
	"{",
	"}",
	"(",
	")",
	",",
	"=",
	"\n",
	"#",
	"expect any\n",
	"expect error(EBUSY)\n",
	"expect status(killed)\n",
	"p = fork(worker)\n",
	"x3",
	"0x",
	"99999999999999999999",
	"0xffffffffffffffffk",
	"64k",
	"r0",
	"b0",
	"c0",
	"p2",
	"dsa0wq0",
	"process q {\n",
	"program worker {\n",
	"expect pasid(master) held\n",
	"\t",
	" ",
	"\xff",
	"\x01",
	"=(",
	"wait(",
	"submit(r0, ",
	"mmap(",
	"src=",
	"kernel frames=1\n",
	"iommu prq=2\n",
	"if r0 < 0 {\n",
	"} else {\n",
	"expect c0.status == SUCCESS\n",
	"-",
	".",
	"==",
	"<=",
	"wait_free(pasid(p2))\n",
};

static void mutate(char *buf, size_t *len, size_t cap, uint64_t *rng)
{
	size_t at = *len ? xorshift(rng) % (*len + 1) : 0;
	size_t n;

	switch (xorshift(rng) % 17 / 4) { /* 4 in 17 each; truncation 1 in 17 */
	case 0:				  /* delete a few bytes */
		n = 1 + xorshift(rng) % 8;
		if (at + n > *len)
			n = *len - at;
		memmove(buf + at, buf + at + n, *len - at - n);
		*len -= n;
		break;
	case 1: /* insert a random byte (never NUL: the text is a C string) */
		if (*len + 1 < cap) {
			memmove(buf + at + 1, buf + at, *len - at);
			buf[at] = (char)(1 + xorshift(rng) % 255);
			(*len)++;
		}
		break;
	case 2: /* replace a byte */
		if (at < *len)
			buf[at] = (char)(1 + xorshift(rng) % 255);
		break;
	case 3: /* insert a piece */ {
		const char *p = pieces[xorshift(rng) % (sizeof(pieces) / sizeof(pieces[0]))];

		n = strlen(p);
		if (*len + n < cap) {
			memmove(buf + at + n, buf + at, *len - at);
			memcpy(buf + at, p, n);
			*len += n;
		}
		break;
	}
	default: /* truncate */
		*len = at;
		break;
	}
	buf[*len] = '\0';
}

/* @n mutations of @text: none crashes; @min_ok parse, @min_refused are refused. */
static void mutate_many(const char *text, int n, uint64_t rng, unsigned min_ok,
			unsigned min_refused)
{
	size_t base = strlen(text), cap = base + 1024;
	char *buf = malloc(cap);
	unsigned ok = 0, refused = 0;

	assert_non_null(buf);
	for (int i = 0; i < n; i++) {
		struct sva_scenario *s = NULL;
		char err[512] = "";
		size_t len = base;
		unsigned edits = 1 + (unsigned)(xorshift(&rng) % 4);
		int ret;

		memcpy(buf, text, base + 1);
		for (unsigned e = 0; e < edits; e++)
			mutate(buf, &len, cap, &rng);
		ret = sva_scenario_parse("m.sva", buf, &s, err, sizeof(err));
		if (ret == 0) {
			assert_non_null(s);
			sva_scenario_free(s);
			ok++;
			continue;
		}
		if (ret != -EINVAL || strncmp(err, "m.sva:", 6) != 0 || strchr(err, '\n'))
			fail_msg("mutant %d: ret %d, message '%s'\n%s", i, ret, err, buf);
		assert_null(s);
		refused++;
	}
	free(buf);
	/* both outcomes were exercised */
	assert_true(ok > min_ok);
	assert_true(refused > min_refused);
}

/* The embedder's declarations and every one of its calls. */
static const char embed_text[] = "embedder e0 rid=0x18 pasid_bits=8 ats pri\n"
				 "embedder e1 rid=0x20\n"
				 "table t0\n"
				 "table t1\n"
				 "process guest {\n"
				 "\tgmap(t0, 0x10000, 8k, rw)\n"
				 "\tgfill(t0, 0x10000, 8k, 0x11)\n"
				 "\tgverify(t0, 0x10000, 4k, 0x11)\n"
				 "\tset_pasid_table(e0, 5, t0)\n"
				 "\tdma_read(e0, 5, 0x10000, 8k, 0x11)\n"
				 "\tdma_write(e0, 5, 0x10000, 16, 0x22)\n"
				 "\ta = ats(e0, 5, 0x10000, 1)\n"
				 "\tb = atc(e0, 5, 0x10000)\n"
				 "\texpect b == 0x5000\n"
				 "\tgprotect(t0, 0x10000, 8k, read)\n"
				 "\tgunmap(t0, 0x10000, 4k)\n"
				 "\tinvalidate(e0, 5, 0x10000, 8k)\n"
				 "\tinvalidate(e0, 5)\n"
				 "\tc = page_response(e0, SUCCESS)\n"
				 "\texpect error(ENOENT)\n"
				 "\tclear_pasid_table(e0, 5)\n"
				 "\tset_pasid_table(device=e1, pasid=3, table=t1)\n"
				 "}\n";

static void test_mutations_never_crash(void **state)
{
	(void)state;
	mutate_many(valid_text, 20000, 0x5ca1ab1e5eed1234ull, 100, 10000);
	mutate_many(lang_text, 10000, 0x0ddba11cafef00dull, 50, 5000);
	mutate_many(embed_text, 5000, 0xe3bedde4c0ffee11ull, 25, 2500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_variables_typed_by_first_assignment),
		cmocka_unit_test(test_statements),
		cmocka_unit_test(test_conditions_and_new_calls),
		cmocka_unit_test(test_numbers_and_spellings),
		cmocka_unit_test(test_call_table),
		cmocka_unit_test(test_idxd_calls),
		cmocka_unit_test(test_malformed_scenarios_refused),
		cmocka_unit_test(test_repeat_nesting_capped),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_error_buffer_and_arguments),
		cmocka_unit_test(test_every_allocation_may_fail),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_mutations_never_crash),
	};

	return cmocka_run_group_tests_name("scenario_parse", tests, NULL, NULL);
}

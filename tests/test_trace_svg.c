/* SPDX-License-Identifier: MIT */
/*
 * The SVG timeline export of the trace: a well-formed standalone document (tags balanced,
 * text escaped), one bar per lifetime (open ones included), one mark per instant, lanes
 * labelled and ordered, bars placed in time order, actor-lane marks thinned on big traces,
 * and -EIO when the stream cannot be written.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char *svg_of(struct sva_world *w)
{
	return sva_test_trace_string(w, sva_trace_write_svg);
}

static size_t count(const char *doc, const char *needle)
{
	size_t n = 0;

	for (const char *p = doc; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The document after an optional <?xml ...?> line starts with <svg and ends with </svg>\n. */
static void assert_svg_frame(const char *doc)
{
	const char *p = doc;
	size_t len = strlen(doc);

	if (strncmp(p, "<?xml", 5) == 0) {
		p = strstr(p, "?>\n");
		assert_non_null(p);
		p += 3;
	}
	assert_memory_equal(p, "<svg", 4);
	assert_true(len >= 7);
	assert_string_equal(doc + len - 7, "</svg>\n");
}

/* Every '&' starts an entity; quotes in attribute values are honoured. */
static void assert_entities(const char *doc)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&apos;" };

	for (const char *p = doc; (p = strchr(p, '&')) != NULL; p++) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
			ok = ok || strncmp(p, ents[i], strlen(ents[i])) == 0;
		if (!ok)
			fprintf(stderr, "bad '&' at: %.40s\n", p);
		assert_true(ok);
	}
}

/* A small XML check: tags nest and balance, one root, no '<' inside a tag. */
static void assert_well_formed(const char *doc)
{
	const char *names[64];
	size_t lens[64];
	int depth = 0, roots = 0;

	for (const char *p = doc; (p = strchr(p, '<')) != NULL;) {
		bool closing = p[1] == '/', self;
		const char *name = p + 1 + closing, *q;
		size_t len;
		char quote = 0;

		if (strncmp(p, "<?", 2) == 0 || strncmp(p, "<!--", 4) == 0) {
			p = strstr(p, p[1] == '?' ? "?>" : "-->");
			assert_non_null(p);
			p++;
			continue;
		}
		len = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (len == 0)
			fprintf(stderr, "not a tag at: %.40s\n", p);
		assert_true(len > 0);
		for (q = name + len; *q && (quote || *q != '>'); q++) {
			if (quote)
				quote = *q == quote ? 0 : quote;
			else if (*q == '"' || *q == '\'')
				quote = *q;
			else
				assert_true(*q != '<');
		}
		assert_int_equal(*q, '>');
		self = q[-1] == '/';
		if (closing) {
			assert_true(depth > 0);
			depth--;
			assert_int_equal(lens[depth], len);
			assert_memory_equal(names[depth], name, len);
			roots += depth == 0;
		} else if (!self) {
			assert_true(depth < 64);
			names[depth] = name;
			lens[depth++] = len;
		}
		p = q + 1;
	}
	assert_int_equal(depth, 0);
	assert_int_equal(roots, 1);
	assert_entities(doc);
}

/* Start of the element (<@tag ...) that holds the first occurrence of @inner. */
static const char *element_of(const char *doc, const char *tag, const char *inner)
{
	const char *p = strstr(doc, inner);
	size_t len = strlen(tag);

	if (!p)
		fprintf(stderr, "missing: %s\n", inner);
	assert_non_null(p);
	while (p > doc && !(p[0] == '<' && strncmp(p + 1, tag, len) == 0 && p[len + 1] == ' '))
		p--;
	assert_true(p[0] == '<');
	return p;
}

static double attr(const char *el, const char *name)
{
	char key[32];
	const char *p;
	double v;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(el, key);
	assert_non_null(p);
	assert_true(p < strchr(el, '>'));
	assert_int_equal(sscanf(p + strlen(key), "%lf", &v), 1);
	return v;
}

static size_t count_phase(struct sva_world *w, enum sva_trace_phase phase)
{
	struct sva_trace_event ev;
	size_t n = 0;

	for (size_t i = 0; sva_trace_get(w, i, &ev) == 0; i++)
		n += sva_event_desc(ev.kind)->phase == phase;
	return n;
}

/*
 * A device, a process, two PASID lifetimes one after the other, an mm never freed, a few
 * instants - one naming the device.
 */
static int story(void *arg)
{
	struct sva_world *w = arg;

	sva_trace(w, DEVICE_ADD, 1, "dsa0", 1u << 20, 1);
	sva_sched_point(w);
	sva_trace(w, PROCESS_START, 7, "init", 2);
	sva_sched_point(w);
	sva_trace(w, MM_CREATE, 2, "mm2");
	sva_sched_point(w);
	sva_trace(w, PASID_ALLOC, 3, 2, 1);
	sva_sched_point(w);
	sva_trace(w, SVA_BIND, "<&>", 2, 3, 1);
	sva_sched_point(w);
	sva_trace(w, IOMMU_ATTACH, "dsa0", 3, 1);
	sva_sched_point(w);
	sva_trace(w, PASID_FREE, 3, 2, 1);
	sva_sched_point(w);
	sva_trace(w, PASID_ALLOC, 4, 2, 1);
	sva_sched_point(w);
	sva_trace(w, ACCEL_SUBMIT, 4, "it's \"x\"", 4, 0, 1, 1, 1);
	sva_sched_point(w);
	sva_trace(w, SWIOMMU_FAULT, "acc9", 4, 0x1000, 0); /* a device without a row */
	sva_sched_point(w);
	sva_trace(w, PASID_FREE, 4, 2, 1);
	sva_sched_point(w);
	sva_trace(w, PROCESS_REAP, 7);
	sva_sched_point(w);
	sva_trace(w, DEVICE_REMOVE, 1);
	return 0;
}

static void test_svg_lifetimes_marks_and_lanes(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 5);
	const char *p3, *p4, *mm, *submit, *proc, *pasid, *actor, *dev, *attach, *attach2;
	char *doc;
	(void)state;

	assert_int_equal(sva_actor_spawn(w, "dev0", story, w, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	doc = svg_of(w);
	assert_svg_frame(doc);
	assert_well_formed(doc);

	/* a bar per lifetime: device 1, process 7, pasid 3, pasid 4 and the open mm 2 */
	assert_int_equal(count(doc, "class=\"life\""), 5);
	assert_int_equal(count(doc, "class=\"life\""), count_phase(w, SVA_TRACE_BEGIN));
	/* a mark per instant, and the one naming the device again on its row */
	assert_int_equal(count(doc, "class=\"mark\""), count_phase(w, SVA_TRACE_INSTANT) + 1);

	/* lanes: labelled, processes first, then the named tracks, then the actors */
	proc = element_of(doc, "text", ">process 7 init</text>");
	pasid = element_of(doc, "text", ">pasid 3</text>");
	assert_non_null(element_of(doc, "text", ">pasid 4</text>"));
	assert_non_null(element_of(doc, "text", ">mm 2 mm2</text>"));
	dev = element_of(doc, "text", ">device 1 dsa0</text>");
	actor = element_of(doc, "text", ">dev0</text>");
	assert_true(attr(proc, "y") < attr(pasid, "y"));
	assert_true(attr(pasid, "y") < attr(actor, "y"));
	assert_true(attr(dev, "y") < attr(actor, "y"));

	/* the attach is marked on the actor's row and on the device's */
	attach = element_of(doc, "circle", "<title>iommu.attach device=dsa0");
	attach2 = element_of(strstr(attach, "</circle>"), "circle",
			     "<title>iommu.attach device=dsa0");
	assert_true(attach2 > attach);
	assert_true(attr(attach, "cx") == attr(attach2, "cx"));
	assert_true(fabs(attr(attach, "cy") - (attr(actor, "y") - 4)) < 0.01 ||
		    fabs(attr(attach2, "cy") - (attr(actor, "y") - 4)) < 0.01);
	assert_true(fabs(attr(attach, "cy") - (attr(dev, "y") - 4)) < 0.01 ||
		    fabs(attr(attach2, "cy") - (attr(dev, "y") - 4)) < 0.01);

	/* escaped text only */
	assert_non_null(strstr(doc, "device=&lt;&amp;&gt;"));
	assert_null(strstr(doc, "<&>"));
	assert_non_null(strstr(doc, "wq=it&apos;s &quot;x&quot;"));

	/* time runs left to right: pasid 4 after pasid 3, its instant inside its bar */
	p3 = element_of(doc, "rect", "<title>pasid 3: ");
	p4 = element_of(doc, "rect", "<title>pasid 4: ");
	assert_true(attr(p4, "x") > attr(p3, "x") + attr(p3, "width") - 0.01);
	submit =
		element_of(doc, "circle", "<title>accel.submit wq=it&apos;s &quot;x&quot; pasid=4");
	assert_true(attr(submit, "cx") > attr(p4, "x"));
	assert_true(attr(submit, "cx") < attr(p4, "x") + attr(p4, "width"));
	assert_true(attr(submit, "cy") > attr(p4, "y"));
	assert_true(attr(submit, "cy") < attr(p4, "y") + attr(p4, "height"));

	/* the open mm reaches the end of the trace, drawn dashed */
	mm = element_of(doc, "rect", "<title>mm 2 mm2: ");
	assert_true(attr(mm, "x") + attr(mm, "width") >= attr(p4, "x") + attr(p4, "width"));
	assert_non_null(strstr(mm, "stroke-dasharray"));
	assert_true(strstr(mm, "stroke-dasharray") < strchr(mm, '>'));
	assert_true(strstr(p3, "stroke-dasharray") == NULL ||
		    strstr(p3, "stroke-dasharray") > strchr(p3, '>'));

	/* the legend names the families present */
	assert_non_null(strstr(doc, ">pasid</text>"));
	assert_non_null(strstr(doc, ">fault</text>"));
	assert_non_null(strstr(doc, ">sva</text>"));
	free(doc);
	sva_test_world_done(w);
}

static int utf8_story(void *arg)
{
	struct sva_world *w = arg;

	/* valid UTF-8 kept; each byte XML cannot hold (0xff, U+FFFE's three) shown as '?' */
	sva_trace(w, PROCESS_START, 8, "caf\xc3\xa9-\xff-\xe6\x97\xa5\xef\xbf\xbe", 2);
	sva_sched_point(w);
	/* a label beyond SVG_LABEL_MAX (48 bytes): cut at a character boundary, whole in a title */
	sva_trace(w, PROCESS_START, 9,
		  "a-rather-long-process-name-\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		  "\xe2\x82\xac-and-more",
		  3);
	return 0;
}

static void test_svg_labels_utf8_and_cut(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_SIM, 1);
	const char *lab, *end;
	char *doc;
	(void)state;

	assert_int_equal(sva_actor_spawn(w, "utf8", utf8_story, w, 0, NULL), 0);
	assert_int_equal(sva_world_run(w), 0);
	doc = svg_of(w);
	assert_svg_frame(doc);
	assert_well_formed(doc);
	assert_non_null(element_of(doc, "text",
				   ">process 8 caf\xc3\xa9-?-\xe6\x97\xa5??"
				   "?</text>"));
	assert_null(strchr(doc, '\xff'));
	lab = element_of(doc, "text",
			 "><title>process 9 a-rather-long-process-name-\xe2\x82\xac\xe2\x82\xac"
			 "\xe2\x82\xac\xe2\x82\xac-and-more</title>"
			 "process 9 a-rather-long-process-name-\xe2\x82\xac\xe2\x82\xac...</text>");
	assert_non_null(lab);
	end = strstr(lab, "...</text>");
	assert_true(end - (strstr(lab, "</title>") + strlen("</title>")) <= 48 - 3);
	free(doc);
	sva_test_world_done(w);
}

static void test_svg_empty_trace(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	char *doc;
	(void)state;

	assert_int_equal(sva_trace_held(w), 0);
	doc = svg_of(w);
	assert_svg_frame(doc);
	assert_well_formed(doc);
	assert_int_equal(count(doc, "class=\"life\""), 0);
	assert_int_equal(count(doc, "class=\"mark\""), 0);
	free(doc);
	sva_test_world_done(w);
}

static void test_svg_thins_actor_marks_keeps_bars(void **state)
{
	struct sva_world_config c = { .backend = SVA_BACKEND_NATIVE, .trace_capacity = 40000 };
	struct sva_world *w;
	size_t marks;
	char *doc;
	(void)state;

	assert_int_equal(sva_world_create(&c, &w), 0);
	for (int i = 0; i < 30000; i++)
		sva_trace(w, WORK_RUN, "wq", (uint64_t)i);
	for (int i = 0; i < 300; i++) {
		sva_trace(w, PASID_ALLOC, (uint64_t)i, 0, 1);
		sva_trace(w, ACCEL_SUBMIT, (uint64_t)i, "wq", (uint64_t)i, 0, 1, 1, (uint64_t)i);
		sva_trace(w, PASID_FREE, (uint64_t)i, 0, 1);
	}
	sva_trace(w, REPORT, "test");
	doc = svg_of(w);
	assert_svg_frame(doc);
	assert_well_formed(doc);
	assert_int_equal(count(doc, "class=\"life\""), 300);
	marks = count(doc, "class=\"mark\"");
	assert_true(marks <= 20000 + 300 + 1);
	assert_true(marks >= 10000);
	assert_int_equal(count(doc, "<title>accel.submit"), 300); /* named tracks not thinned */
	assert_int_equal(count(doc, "<title>report"), 1);	  /* nor reports */
	assert_non_null(strstr(doc, "30001 actor-lane events"));
	free(doc);
	sva_test_world_done(w);
}

static void test_svg_write_error_is_eio(void **state)
{
	struct sva_world *w = sva_test_world(SVA_BACKEND_NATIVE, 0);
	FILE *f;
	(void)state;

	sva_trace(w, PASID_ALLOC, 1, 0, 1);
	sva_trace(w, SVA_BIND, "dsa0", 0, 1, 1);
	f = fopen("/dev/null", "r"); /* read-only */
	assert_non_null(f);
	assert_int_equal(sva_trace_write_svg(w, f), -EIO);
	fclose(f);
	if (access("/dev/full", W_OK) == 0) {
		f = fopen("/dev/full", "w"); /* no space left: fails when flushed */
		assert_non_null(f);
		assert_int_equal(sva_trace_write_svg(w, f), -EIO);
		fclose(f);
	}
	sva_test_world_done(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_lifetimes_marks_and_lanes),
		cmocka_unit_test(test_svg_empty_trace),
		cmocka_unit_test(test_svg_labels_utf8_and_cut),
		cmocka_unit_test(test_svg_thins_actor_marks_keeps_bars),
		cmocka_unit_test(test_svg_write_error_is_eio),
	};

	return cmocka_run_group_tests_name("trace_svg", tests, NULL, NULL);
}

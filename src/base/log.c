/* SPDX-License-Identifier: MIT */
/*
 * Logging and reports.
 *
 * A log message goes to the world's sink (stderr by default) when its level is enabled. A
 * report is a problem the world detected (a deadlock, a lock released by a non-owner, a
 * refcount underflow...): it is counted per kind, logged at ERR, traced, and the first one's
 * text is kept so a test or the explorer can show it.
 *
 * Locking: report counters and the first report are under report_lock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "world.h"

static const char *const sva_log_level_names[] = { "error", "warning", "info", "debug" };

static const char *const sva_report_kind_names[SVA_REPORT_NR] = {
#define SVA_REPORT_NAME(name, str) [SVA_REPORT_##name] = str,
	SVA_REPORT_KINDS(SVA_REPORT_NAME)
#undef SVA_REPORT_NAME
};

static void sva_log_to_stderr(void *ctx, enum sva_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "sva: %s: %s\n", sva_log_level_names[level], msg);
}

void sva_world_set_log_level(struct sva_world *w, enum sva_log_level level)
{
	w->log_level = level;
}

void sva_world_set_log_sink(struct sva_world *w, sva_log_sink sink, void *ctx)
{
	w->log_sink = sink ? sink : sva_log_to_stderr;
	w->log_ctx = sink ? ctx : NULL;
}

static void sva_vlog(struct sva_world *w, enum sva_log_level level, const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > w->log_level || w->config.quiet)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	w->log_sink(w->log_ctx, level, msg);
}

void sva_log(struct sva_world *w, enum sva_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sva_vlog(w, level, fmt, ap);
	va_end(ap);
}

const char *sva_report_kind_name(enum sva_report_kind kind)
{
	if ((unsigned)kind >= SVA_REPORT_NR)
		return "?";
	return sva_report_kind_names[kind];
}

void sva_report(struct sva_world *w, enum sva_report_kind kind, const char *fmt, ...)
{
	char msg[sizeof(w->first_report)];
	int n;
	va_list ap;

	n = snprintf(msg, sizeof(msg), "%s: ", sva_report_kind_name(kind));
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);

	pthread_mutex_lock(&w->report_lock);
	w->reports[kind]++;
	if (w->first_report[0] == '\0')
		snprintf(w->first_report, sizeof(w->first_report), "%s", msg);
	pthread_mutex_unlock(&w->report_lock);

	sva_log(w, SVA_LOG_ERR, "%s", msg);
	sva_trace(w, REPORT, sva_report_kind_name(kind), msg + n);
}

unsigned long sva_report_count(struct sva_world *w, enum sva_report_kind kind)
{
	unsigned long n;

	if ((unsigned)kind >= SVA_REPORT_NR)
		return 0;
	pthread_mutex_lock(&w->report_lock);
	n = w->reports[kind];
	pthread_mutex_unlock(&w->report_lock);
	return n;
}

unsigned long sva_report_total(struct sva_world *w)
{
	unsigned long total = 0;

	pthread_mutex_lock(&w->report_lock);
	for (int k = 0; k < SVA_REPORT_NR; k++)
		total += w->reports[k];
	pthread_mutex_unlock(&w->report_lock);
	return total;
}

const char *sva_report_first(struct sva_world *w)
{
	return w->first_report;
}

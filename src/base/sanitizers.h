/* SPDX-License-Identifier: MIT */
/*
 * Which sanitizer this file is built with (GCC says __SANITIZE_*__, clang __has_feature), for
 * the few places that must tell them what the model does on purpose: fibers switching stacks,
 * devices and CPUs sharing frame data.
 */
#ifndef SVA_BASE_SANITIZERS_H
#define SVA_BASE_SANITIZERS_H

#if defined(__SANITIZE_ADDRESS__)
#define SVA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVA_ASAN 1
#endif
#endif

/* SVA_TSAN_BUILD: files of a TSan build compiled unwatched (CMakeLists.txt) still annotate */
#if defined(__SANITIZE_THREAD__) || defined(SVA_TSAN_BUILD)
#define SVA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SVA_TSAN 1
#endif
#endif

/*
 * ThreadSanitizer on the sim backend (docs/concurrency.md, "Data races in sim"): the fibers do
 * not synchronise when they switch, so happens-before between actors comes only from what
 * synchronises on real threads too - a primitive's channel (acquired and released as native's
 * pthread mutex is), atomics, spawn and join. These say so to TSan; elsewhere they are nothing.
 */
#ifdef SVA_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define sva_tsan_acquire(p) __tsan_acquire((void *)(p))
#define sva_tsan_release(p) __tsan_release((void *)(p))
/* Code TSan must not watch: the sim scheduler's own state, touched by every fiber. */
#define SVA_NO_TSAN	    __attribute__((no_sanitize_thread))
/* Unwatched code's libc calls (realloc, memcpy) are still seen: ignore them too. */
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define sva_tsan_ignore_begin() __tsan_ignore_thread_begin()
#define sva_tsan_ignore_end()	__tsan_ignore_thread_end()
#else
#define sva_tsan_acquire(p) ((void)(p))
#define sva_tsan_release(p) ((void)(p))
#define SVA_NO_TSAN
#define sva_tsan_ignore_begin() ((void)0)
#define sva_tsan_ignore_end()	((void)0)
#endif

#endif /* SVA_BASE_SANITIZERS_H */

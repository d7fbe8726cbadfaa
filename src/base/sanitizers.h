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

#if defined(__SANITIZE_THREAD__)
#define SVA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SVA_TSAN 1
#endif
#endif

#endif /* SVA_BASE_SANITIZERS_H */

/* SPDX-License-Identifier: MIT */
/*
 * How libsva's public headers declare their API (included by each of them, first):
 *
 *  - SVA_BEGIN_DECLS / SVA_END_DECLS around every header's declarations: C linkage for C++,
 *    and default visibility. The library is built with -fvisibility=hidden, so what these
 *    brackets declare is exactly what libsva.so exports; a function declared only in a header
 *    under src/ stays inside the library (tests/test_exports.py checks both directions).
 *  - SVA_ATOMIC(T) for the private fields libsva reads and writes atomically (the locks'
 *    words, the frames' counts): C11 _Atomic(T) in C, where only libsva touches them; in C++
 *    a plain T of the same size and alignment, so that C++ code can embed the structs (the
 *    layout is the same, tests/test_cxx.cpp checks it) without seeing a C11 atomic type.
 *
 * Fields under a "private:" comment in a public struct are libsva's: a user reads none of
 * them and writes none, and they may change in any release (libuv's fencing).
 */
#ifndef SVA_API_H
#define SVA_API_H

#ifdef __cplusplus
/* a function may share its name with a struct (sva_event_desc()), as C's stat() does */
#define SVA_BEGIN_DECLS                                                        \
	_Pragma("GCC visibility push(default)") _Pragma("GCC diagnostic push") \
		_Pragma("GCC diagnostic ignored \"-Wshadow\"") extern "C"      \
	{
#define SVA_END_DECLS \
	}             \
	_Pragma("GCC diagnostic pop") _Pragma("GCC visibility pop")
#define SVA_ATOMIC(T) T
#else
#define SVA_BEGIN_DECLS _Pragma("GCC visibility push(default)")
#define SVA_END_DECLS	_Pragma("GCC visibility pop")
#define SVA_ATOMIC(T)	_Atomic(T)
#endif

#endif /* SVA_API_H */

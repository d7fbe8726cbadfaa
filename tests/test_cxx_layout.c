/* SPDX-License-Identifier: MIT */
/* The C side of test_cxx: the layout facts of tests/cxx_layout.h as the C compiler sees them. */
#include "cxx_all_headers.h"
#include "cxx_layout.h"

extern const size_t sva_test_c_layout[];
extern const size_t sva_test_c_layout_n;

#define SVA_TEST_VALUE(e) (e),
const size_t sva_test_c_layout[] = { SVA_TEST_LAYOUT(SVA_TEST_VALUE) };
const size_t sva_test_c_layout_n = sizeof(sva_test_c_layout) / sizeof(sva_test_c_layout[0]);

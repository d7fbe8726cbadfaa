/* SPDX-License-Identifier: MIT */
/* The library's version, compiled in from sva/version.h (no state). */
#include "sva/version.h"

unsigned sva_version(void)
{
	return SVA_VERSION_NUM;
}

const char *sva_version_string(void)
{
	return SVA_VERSION_STRING;
}

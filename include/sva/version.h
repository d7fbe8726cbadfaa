/* SPDX-License-Identifier: MIT */
/*
 * libsva's version, semantic (https://semver.org): MAJOR changes break the API or the ABI,
 * MINOR adds to them, PATCH fixes. Before 1.0 a MINOR release may break either, so the shared
 * library's soname carries 0.MINOR (libsva.so.0.2); from 1.0 on it is the MAJOR version
 * (libsva.so.1). CMakeLists.txt reads the three numbers from here: this file is the one
 * place the version is written. CHANGELOG.md says what each version changed.
 */
#ifndef SVA_VERSION_H
#define SVA_VERSION_H

#include "sva/api.h"

#define SVA_VERSION_MAJOR 0
#define SVA_VERSION_MINOR 2
#define SVA_VERSION_PATCH 0

/* The same, as text: "0.2.0". */
#define SVA_VERSION_STR_(x)  #x
#define SVA_VERSION_XSTR_(x) SVA_VERSION_STR_(x)
#define SVA_VERSION_STRING                   \
	SVA_VERSION_XSTR_(SVA_VERSION_MAJOR) \
	"." SVA_VERSION_XSTR_(SVA_VERSION_MINOR) "." SVA_VERSION_XSTR_(SVA_VERSION_PATCH)

/* One number that compares as versions do: SVA_VERSION_NUM >= SVA_MAKE_VERSION(0, 2, 0). */
#define SVA_MAKE_VERSION(major, minor, patch) (((major) << 16) | ((minor) << 8) | (patch))

#define SVA_VERSION_NUM SVA_MAKE_VERSION(SVA_VERSION_MAJOR, SVA_VERSION_MINOR, SVA_VERSION_PATCH)

SVA_BEGIN_DECLS

/*
 * The version of the library running, as SVA_MAKE_VERSION encodes it: a program built
 * against these headers and run with another libsva.so sees the difference here.
 */
unsigned sva_version(void);
/* The same as text, "MAJOR.MINOR.PATCH" (the library's SVA_VERSION_STRING). */
const char *sva_version_string(void);

SVA_END_DECLS

#endif /* SVA_VERSION_H */

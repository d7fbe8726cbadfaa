#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shared library exports exactly the API the public headers declare.

Usage: test_exports.py LIBSVA_SO INCLUDE_DIR CC [NM]

The functions the headers declare come from the compiler itself (-aux-info on a translation
unit that includes every include/sva/*.h): each prototype it lists from a public header, less
the static inline ones; the data they declare (the layers' object classes, `extern const struct
sva_obj_class sva_obj_bond;`) from the headers' lines that start with `extern`. The exports are the .so's defined dynamic symbols (nm -D
--defined-only). Any symbol on one side only fails the test: a function exported that no
header declares (an internal one escaping -fvisibility=hidden), or one declared that the
library does not export (hidden by mistake, or never defined)."""
import glob
import os
import re
import subprocess
import sys
import tempfile

KEYWORDS = {"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
            "const", "volatile", "struct", "union", "enum", "extern", "static", "inline",
            "_Bool", "bool", "restrict", "__restrict"}


def declared(incdir, cc):
    headers = sorted(glob.glob(os.path.join(incdir, "sva", "*.h")))
    if not headers:
        sys.exit(f"test_exports: no headers under {incdir}/sva")
    names = {}
    with tempfile.TemporaryDirectory() as tmp:
        tu = os.path.join(tmp, "all.c")
        aux = os.path.join(tmp, "all.aux")
        with open(tu, "w") as f:
            for h in headers:
                f.write(f'#include "sva/{os.path.basename(h)}"\n')
        subprocess.run([cc, "-std=gnu11", "-I", incdir, "-c", tu, "-o", os.devnull,
                        "-aux-info", aux], check=True)
        marker = re.compile(r"^/\* (\S+):(\d+):\S+ \*/ (.*)$")
        real_inc = os.path.realpath(os.path.join(incdir, "sva"))
        for line in open(aux):
            m = marker.match(line)
            if not m:
                continue
            path, lineno, decl = m.groups()
            if os.path.dirname(os.path.realpath(path)) != real_inc:
                continue  # a system header's
            if re.match(r"(extern\s+)?static\b", decl) or " static " in decl.split("(")[0]:
                continue  # static inline: no symbol
            for word in re.finditer(r"([A-Za-z_]\w*) \(", decl):
                if word.group(1) not in KEYWORDS:
                    names[word.group(1)] = f"{os.path.basename(path)}:{lineno}"
                    break
    # data: a layer's object classes (extern const struct sva_obj_class sva_obj_bond;), which
    # -aux-info does not list; one declaration a line, at the start of the line
    data = re.compile(r"^extern\s+[^(;]*?\b([A-Za-z_]\w*)\s*(\[\s*\])?\s*;", re.M)
    for h in headers:
        with open(h, encoding="utf-8") as f:
            text = f.read()
        for m in data.finditer(text):
            lineno = text.count("\n", 0, m.start()) + 1
            names[m.group(1)] = f"{os.path.basename(h)}:{lineno}"
    return names


def exported(so, nm):
    out = subprocess.run([nm, "-D", "--defined-only", so], check=True, capture_output=True,
                         text=True).stdout
    syms = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TtWwDdBbRrViu":
            if parts[2].startswith("__odr_asan."):
                continue  # ASan's one-definition-rule indicator of an exported datum
            syms.add(parts[2].split("@")[0])
    return syms


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    so, incdir, cc = sys.argv[1:4]
    nm = sys.argv[4] if len(sys.argv) > 4 else "nm"
    decl = declared(incdir, cc)
    exp = exported(so, nm)
    if len(decl) < 100:
        sys.exit(f"test_exports: only {len(decl)} declarations found: the parse is broken")
    extra = sorted(exp - decl.keys())
    missing = sorted(decl.keys() - exp)
    for s in extra:
        print(f"exported but declared in no public header: {s}")
    for s in missing:
        print(f"declared at include/sva/{decl[s]} but not exported: {s}")
    print(f"test_exports: {len(decl)} declared, {len(exp)} exported, "
          f"{len(extra)} extra, {len(missing)} missing")
    return 1 if extra or missing else 0


if __name__ == "__main__":
    sys.exit(main())

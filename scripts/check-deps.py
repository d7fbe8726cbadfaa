#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Dependencies point down only: the #include lines of src/ and include/sva/ against the layer
table of docs/architecture.md.

Every file belongs to a layer: src/<layer>/ (src/drivers/<driver>/ is the driver's layer) and the
public header include/sva/<name>.h of the layer that implements it (HEADER_LAYER below). The
layers are ranked in the order of the table in docs/architecture.md, read from the file itself
(its rows name each layer's folder), so the table and this test cannot drift apart. A file may
include its own layer and the layers below it; an #include of a higher layer is an arrow running
upward and fails the test, unless ALLOWED lists it with the reason it is kept. A private header
of src/ may be used by the layers above its own (list.h, say), except one that PRIVATE_TO
reserves to the layers it names: an #include of it from another fails too.

Usage: check-deps.py [REPO]   (exit 0: clean; 1: an upward arrow, printed one per line)
       check-deps.py --self-test [REPO]: the check fails on a copy of REPO given an upward
       arrow and a foreign private header, and passes on the untouched copy
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# The public header of each layer (include/sva/<name>.h); every header must be listed.
HEADER_LAYER = {
    "api": "base", "base": "base", "events": "base", "version": "base",
    "sync": "sync", "mem": "mem", "fs": "fs", "mm": "mm", "proc": "proc",
    "iommu": "iommu", "swiommu": "swiommu", "uacce": "uacce", "accel": "accel",
    "idxd": "idxd", "check": "check", "scenario": "scenario",
}

# Private headers that more than their own layer may include: header -> the layers allowed.
PRIVATE_TO = {
    # the world's insides are the foundation's: base and the scheduler that runs it
    "src/base/world.h": {"base", "sync"},
}

# Upward arrows kept on purpose: (file, included file) -> why. A new one fails the test. None
# today: the event formatter's names of the layers' values are registered by the layers
# (sva_trace_format_register), so src/base/trace_format.c includes nothing above base.
ALLOWED = {}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_order(repo):
    """The layers in the order of docs/architecture.md's table: [(layer, folder), ...]."""
    order = []
    with open(os.path.join(repo, "docs", "architecture.md"), encoding="utf-8") as f:
        in_table = False
        for line in f:
            if line.startswith("| layer | folder |"):
                in_table = True
                continue
            if in_table and not line.startswith("|"):
                break
            m = re.match(r"\|\s*([a-z]+)\s*\|\s*`([^`]+)`", line) if in_table else None
            if m:
                order.append((m.group(1), m.group(2).rstrip("/")))
    if not order:
        sys.exit("check-deps: no layer table in docs/architecture.md")
    return order


def file_layer(path, folders):
    """The layer of a repository path, or None for files outside src/ and include/sva/."""
    if path.startswith("include/sva/") and path.endswith(".h"):
        name = os.path.basename(path)[:-2]
        if name not in HEADER_LAYER:
            sys.exit(f"check-deps: {path}: public header of no layer (add it to HEADER_LAYER)")
        return HEADER_LAYER[name]
    best = None
    for layer, folder in folders:
        if path.startswith(folder + "/") and (best is None or len(folder) > len(best[1])):
            best = (layer, folder)
    return best[0] if best else None


def resolve(repo, src, inc):
    """The repository path an #include "inc" of @src names, or None for a system header."""
    here = os.path.normpath(os.path.join(os.path.dirname(src), inc))
    if os.path.exists(os.path.join(repo, here)):
        return here
    if os.path.exists(os.path.join(repo, "include", inc)):
        return os.path.join("include", inc)
    return None


def self_test(repo):
    """Copy src/, include/ and docs/ of @repo, break them, and expect the check to say so."""
    with tempfile.TemporaryDirectory() as tmp:
        for top in ("src", "include", "docs"):
            shutil.copytree(os.path.join(repo, top), os.path.join(tmp, top))
        run = [sys.executable, os.path.abspath(__file__), tmp]
        clean = subprocess.run(run, capture_output=True, text=True)
        if clean.returncode != 0:
            print(clean.stdout, end="")
            return "the untouched copy fails"
        injected = {"src/base/error.c": '#include "sva/proc.h"\n',  # base uses proc: upward
                    "src/check/table.c": '#include "../base/world.h"\n'}  # a private header
        for path, line in injected.items():
            with open(os.path.join(tmp, path), "a", encoding="utf-8") as f:
                f.write(line)
        broken = subprocess.run(run, capture_output=True, text=True)
        print(broken.stdout, end="")
        if broken.returncode != 1:
            return "the broken copy passes"
        for path in injected:
            if not re.search(rf"^{re.escape(path)}:\d+: ", broken.stdout, re.M):
                return f"{path}'s arrow is not reported"
    return None


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        repo = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else
                               os.path.join(os.path.dirname(__file__), ".."))
        err = self_test(repo)
        print(f"check-deps self-test: {err or 'ok'}")
        return 1 if err else 0
    repo = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    order = layer_order(repo)
    rank = {layer: i for i, (layer, _) in enumerate(order)}
    for name, layer in HEADER_LAYER.items():
        if layer not in rank:
            sys.exit(f"check-deps: include/sva/{name}.h: layer {layer} is not in the table")
    bad, seen_allowed, nfiles = [], set(), 0
    for top in ("src", "include/sva"):
        for dirpath, _, files in os.walk(os.path.join(repo, top)):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                src = os.path.relpath(os.path.join(dirpath, name), repo)
                mine = file_layer(src, order)
                if mine is None:
                    sys.exit(f"check-deps: {src}: in no layer of docs/architecture.md's table")
                nfiles += 1
                with open(os.path.join(repo, src), encoding="utf-8") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        tgt = resolve(repo, src, m.group(1)) if m else None
                        if tgt is None:
                            continue
                        theirs = file_layer(tgt, order)
                        if theirs is None:
                            continue
                        why = None
                        if rank[theirs] > rank[mine]:
                            why = f"{mine} includes {theirs}, a layer above it"
                        elif (theirs != mine and tgt.startswith("src/") and
                              tgt in PRIVATE_TO and mine not in PRIVATE_TO[tgt]):
                            why = f"{tgt} is private to {', '.join(sorted(PRIVATE_TO[tgt]))}"
                        if why is None:
                            continue
                        if (src, tgt) in ALLOWED:
                            seen_allowed.add((src, tgt))
                            continue
                        bad.append(f"{src}:{lineno}: #include \"{m.group(1)}\": {why}")
    for arrow in sorted(set(ALLOWED) - seen_allowed):
        bad.append(f"{arrow[0]}: allowed arrow to {arrow[1]} no longer exists: remove it from "
                   "ALLOWED")
    for b in bad:
        print(b)
    print(f"check-deps: {nfiles} files, {len(order)} layers, {len(seen_allowed)} allowed "
          f"upward arrows, {len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

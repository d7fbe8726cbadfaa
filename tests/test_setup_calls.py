#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""embed.setup_calls is honest: examples/embed_minimal.c makes every libsva call through
CALL() (which counts it), and the count it prints is the number of CALL sites (the example
has no loop around them: each runs once on success).

Usage: test_setup_calls.py EMBED_MINIMAL_BINARY examples/embed_minimal.c"""
import re
import subprocess
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    binary, source = sys.argv[1:]
    text = open(source).read()
    code = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)  # comments
    code = re.sub(r'"(\\.|[^"\\])*"', '""', code)  # strings
    body = code[code.index("int sva_example_minimal(unsigned *calls)\n{"):]
    body = body[:body.index("\n}\n")]
    errors = []
    sites = 0
    for m in re.finditer(r"\b(sva_\w+)\s*\(", body):
        if m.group(1) == "sva_example_minimal":
            continue
        before = body[:m.start()].rstrip()
        if not before.endswith("CALL("):
            errors.append(f"{m.group(1)} is called outside CALL(): not counted")
        else:
            sites += 1
    out = subprocess.run([binary], capture_output=True, text=True)
    m = re.search(r"embed_minimal: (\d+) libsva calls", out.stdout)
    if out.returncode or not m:
        errors.append(f"{binary} failed ({out.returncode}): {out.stdout}{out.stderr}")
    elif int(m.group(1)) != sites:
        errors.append(f"the example counted {m.group(1)} calls, the source has {sites} CALL sites")
    for e in errors:
        print("test_setup_calls:", e)
    if not errors:
        print(f"test_setup_calls: {sites} libsva calls, every one counted")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The seed-003 picture (`sva run --timeline`) drawn by a real browser (issue 16): headless
Chromium (Debian's `chromium`, scripts/install-deps.sh) parses it - its DOM holds the rows'
labels, with no parser error - and paints it: the screenshot is not blank, and each state of
the story (translating, blocking, detached; users > 0, torn down; alive, zombie) covers
pixels of its own color. The PNG is decoded here with zlib alone.
Exit 77 (skipped) when no Chromium is installed.
Usage: test_timeline_browser.py SVA EXAMPLES_DIR"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sva, examples = sys.argv[1], sys.argv[2]
SEED = os.path.join(examples, "seeds", "003-exit-with-a-fault-pending.sva")
ROWS = ["PASID 1 · mm2 · quitter/2 · dsa0", "PASID 2 · mm3 · streamer/3 · dsa0",
        "mm2 · quitter/2", "mm3 · streamer/3", "streamer/3 · mm3"]
# tools/sva/timeline_svg.c's colors of the states the story goes through
STATES = {"translating": (0x4e, 0x9a, 0x06), "blocking": (0xf0, 0x8c, 0x00),
          "detached": (0xa8, 0xa8, 0xa8), "users > 0": (0x34, 0x65, 0xa4),
          "torn down": (0x9a, 0xb8, 0xdc), "alive": (0x73, 0xc9, 0x36),
          "zombie": (0xc4, 0xa0, 0x00)}
failures = []

browser = next((b for b in ("chromium", "chromium-browser") if shutil.which(b)), None)
if not browser:
    print("SKIP: no chromium installed (scripts/install-deps.sh installs Debian's chromium)")
    sys.exit(77)


def png_pixels(path):
    """(width, height, rows of (r, g, b) tuples) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError(f"PNG depth {depth} color type {ctype}")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, prev, rows = zlib.decompress(idat), width * bpp, None, []
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        ftype, cur = line[0], bytearray(line[1:])
        up = prev if prev is not None else bytearray(stride)
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b, c = up[i], up[i - bpp] if i >= bpp else 0
            if ftype == 1:
                cur[i] = (cur[i] + a) & 0xff
            elif ftype == 2:
                cur[i] = (cur[i] + b) & 0xff
            elif ftype == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 0xff
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xff
        rows.append([tuple(cur[i:i + 3]) for i in range(0, stride, bpp)])
        prev = cur
    return width, height, rows


def chromium(tmp, *args):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--hide-scrollbars", f"--user-data-dir={os.path.join(tmp, 'profile')}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


with tempfile.TemporaryDirectory() as tmp:
    svg, png = os.path.join(tmp, "003.svg"), os.path.join(tmp, "003.png")
    p = subprocess.run([sva, "run", SEED, "--quiet", "--timeline", svg], capture_output=True,
                       text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL: sva run: exit {p.returncode}: {p.stderr.strip()}")
    with open(svg, encoding="utf-8") as f:
        head = f.read(2000)
    size = re.search(r'<svg [^>]*width="(\d+)" height="(\d+)"', head)
    url = "file://" + svg
    dom = chromium(tmp, "--dump-dom", url)
    if "<svg" not in dom.stdout or "parsererror" in dom.stdout:
        failures.append(f"the browser did not parse the picture: {dom.stdout[:300]!r} "
                        f"{dom.stderr[-300:]!r}")
    for row in ROWS:
        if f">{row}<" not in dom.stdout:
            failures.append(f"row {row!r} not in the browser's DOM")
    shot = chromium(tmp, f"--screenshot={png}", f"--window-size={size[1]},{size[2]}", url)
    if not os.path.exists(png):
        failures.append(f"no screenshot: {shot.stderr[-300:]!r}")
    else:
        width, height, rows = png_pixels(png)
        colors = {}
        for line in rows:
            for px in line:
                colors[px] = colors.get(px, 0) + 1
        if (width, height) != (int(size[1]), int(size[2])):
            failures.append(f"screenshot {width}x{height}, the picture {size[1]}x{size[2]}")
        if len(colors) < 16:
            failures.append(f"a blank screenshot: {len(colors)} colors")
        for state, rgb in STATES.items():
            n = sum(k for px, k in colors.items()
                    if all(abs(a - b) <= 6 for a, b in zip(px, rgb)))
            if n < 200:
                failures.append(f"state {state}: {n} pixels of its color #{bytes(rgb).hex()}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""Which judged commands can see a mutant: the lines each command's run of the unmutated tree
executed (gcov), so the judge runs a mutant only through the commands that execute a line it
changes (docs/testing.md, "Mutation score", reach).

  reach.py collect --build DIR --root TREE --cmd NAME --out FILE [--incomplete]
      read the gcov counters of build tree DIR (every .gcda under it), append one record to FILE
      (JSON lines): the command's name, the lines of TREE's lifetime folders it executed and the
      lines gcov knows (has counters for); then delete the counters, so the next command starts
      from zero. --incomplete marks a command that was cut short (a timeout): it counts as
      reaching every line.
  reach.py lines ORIG NEW
      the lines of ORIG that NEW changes, as select takes them ("12,14 20"): the lines a hunk
      replaces or deletes; for an insertion, the lines either side of it
  reach.py select --reach FILE --file SRC --lines "12,14 20"
      print the names of the commands that executed one of the given lines of SRC (relative to
      the tree), one a line, in the file's order; every command when gcov knows none of the
      lines (no counters there: nothing can be told) or the file is not covered at all. Prints
      nothing when no command executed a line gcov knows: the mutant is unreached.

Why it is exact: the judged runs are deterministic (the sim's schedules, PCT's and stress's
seeds, the fail-nth N's), so a mutated tree runs a command exactly as the unmutated one did
until it executes a changed line; a command that never executed one cannot see the mutant.
"""
import argparse
import difflib
import glob
import json
import os
import subprocess
import sys

FOLDERS = ("src/",)


def gcov_lines(build, root):
    """{file: (executed lines, known lines)} of the sources under root's src/, from build's .gcda."""
    out = {}
    dirs = sorted({os.path.dirname(p) for p in glob.glob(os.path.join(build, "**", "*.gcda"), recursive=True)})
    root = os.path.realpath(root) + os.sep
    for d in dirs:
        gcdas = sorted(glob.glob(os.path.join(d, "*.gcda")))
        r = subprocess.run(["gcov", "--json-format", "--stdout", "-o", d] + gcdas, cwd=d,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit("reach: gcov failed in %s: %s" % (d, r.stderr.strip()[:200]))
        for line in r.stdout.splitlines():
            if not line.startswith("{"):
                continue
            for f in json.loads(line)["files"]:
                path = os.path.realpath(f["file"]) if os.path.isabs(f["file"]) else f["file"]
                if not path.startswith(root):
                    continue
                rel = path[len(root):]
                if not rel.startswith(FOLDERS):
                    continue
                ex, known = out.setdefault(rel, (set(), set()))
                for l in f["lines"]:
                    known.add(l["line_number"])
                    if l["count"] > 0:
                        ex.add(l["line_number"])
        for g in gcdas:
            os.unlink(g)
    return out


def collect(a):
    cov = gcov_lines(a.build, a.root)
    rec = {"cmd": a.cmd, "incomplete": a.incomplete,
           "lines": {f: sorted(ex) for f, (ex, _) in sorted(cov.items()) if ex},
           "known": {f: sorted(k) for f, (_, k) in sorted(cov.items())}}
    with open(a.out, "a") as f:
        f.write(json.dumps(rec, separators=(",", ":")) + "\n")
    return 0


def parse_lines(spec):
    """'12,14 20' -> {12, 13, 14, 20}"""
    out = set()
    for part in spec.split():
        lo, _, hi = part.partition(",")
        out.update(range(int(lo), int(hi or lo) + 1))
    return out


def changed_lines(orig, new):
    a = open(orig).read().splitlines()
    b = open(new).read().splitlines()
    spans = []
    for op, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            spans.append((i1 + 1, i2))
        elif op == "insert":
            spans.append((max(i1, 1), i1 + 1))
    return " ".join("%d" % lo if lo == hi else "%d,%d" % (lo, hi) for lo, hi in spans)


def select(a):
    want = parse_lines(a.lines)
    recs = [json.loads(l) for l in open(a.reach) if l.strip()]
    known = set()
    for r in recs:
        known.update(r["known"].get(a.file, ()))
    names = [r["cmd"] for r in recs]
    if not want & known:
        print("\n".join(dict.fromkeys(names)))
        return 0
    hit = [r["cmd"] for r in recs if r["incomplete"] or want & set(r["lines"].get(a.file, ()))]
    if hit:
        print("\n".join(dict.fromkeys(hit)))
    return 0


def main(argv):
    p = argparse.ArgumentParser(prog="reach.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="what", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--build", required=True)
    c.add_argument("--root", required=True)
    c.add_argument("--cmd", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--incomplete", action="store_true")
    s = sub.add_parser("select")
    s.add_argument("--reach", required=True)
    s.add_argument("--file", required=True)
    s.add_argument("--lines", required=True)
    d = sub.add_parser("lines")
    d.add_argument("orig")
    d.add_argument("new")
    a = p.parse_args(argv[1:])
    if a.what == "lines":
        print(changed_lines(a.orig, a.new))
        return 0
    return collect(a) if a.what == "collect" else select(a)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

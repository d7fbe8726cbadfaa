#!/usr/bin/env python3
"""The campaign's table and figures from scripts/mutate/job's result lines.

  merge.py MUTANTS.tsv RESULTS.tsv [--expect KILLED.txt]

Prints a table per file (mutants, killed by the explorer, killed by tests only, survived,
unreached - a survivor no judged command executes -, equivalent, uncompilable, error - the
judge could not tell), every survivor with its description, and the figures:
  BENCH mutate.score <ratio>        killed by the explorer / (judged - equivalent - uncompilable)
  BENCH mutate.mutants <count>      mutants judged
  BENCH mutate.median_kill_s <s>    median seconds from the start of judging to the kill
With --expect, exits 1 when a mutant the file lists (one KEY a line - gen.py's third column -
killed in an earlier campaign) was not killed this time.
"""
import statistics
import sys


def main(argv):
    expect = None
    if "--expect" in argv:
        k = argv.index("--expect")
        expect = argv[k + 1]
        del argv[k : k + 2]
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    cols = [l.rstrip("\n").split("\t") for l in open(argv[1]) if l.count("\t") >= 2]
    desc = {c[0]: c[1] for c in cols}
    key = {c[0]: c[2] for c in cols}
    key.update({c[2]: c[2] for c in cols})  # a job may have been named by its key
    rows = [l.rstrip("\n").split("\t") for l in open(argv[2]) if l.count("\t") >= 3]
    kinds = ("killed", "tests-only", "survived", "unreached", "equivalent", "uncompilable", "error")
    per_file, kill_s, survivors = {}, [], []
    for mid, status, secs, detail in (r[:4] for r in rows):
        f = mid.split(":")[0]
        per_file.setdefault(f, dict.fromkeys(kinds, 0))[status] += 1
        if status == "killed":
            kill_s.append(float(secs))
        elif status in ("survived", "tests-only", "unreached", "error"):
            survivors.append((mid, status, detail if status == "unreached" else desc.get(mid, detail)))
    tot = dict.fromkeys(kinds, 0)
    print("| file | mutants | killed (explorer) | tests only | survived | unreached | equivalent "
          "| uncompilable | error |")
    print("| --- |" + " ---: |" * (len(kinds) + 1))
    for f in sorted(per_file):
        c = per_file[f]
        for k in kinds:
            tot[k] += c[k]
        print("| %s | %d | %s |" % (f, sum(c.values()), " | ".join(str(c[k]) for k in kinds)))
    print("| **all** | %d | %s |" % (sum(tot.values()), " | ".join(str(tot[k]) for k in kinds)))
    if survivors:
        print("\nsurvivors:")
        for mid, status, d in survivors:
            note = {"tests-only": "  (killed by the unit tests)", "unreached": "  (unreached)",
                    "error": "  (judge error)"}.get(status, "")
            print("  %s  %s%s" % (mid, d, note))
    judged = sum(tot.values()) - tot["equivalent"] - tot["uncompilable"]
    score = tot["killed"] / judged if judged else 0.0
    print("BENCH mutate.score %.3f ratio (%d of %d)" % (score, tot["killed"], judged))
    print("BENCH mutate.mutants %d count" % sum(tot.values()))
    print("BENCH mutate.median_kill_s %.1f s" % (statistics.median(kill_s) if kill_s else 0.0))
    if expect:
        status = {key.get(r[0], r[0]): r[1] for r in rows}
        want = [l.rstrip("\n") for l in open(expect) if l.strip() and not l.startswith("#")]
        lost = [m for m in want if status.get(m) != "killed"]
        for m in lost:
            print("mutate: %s was killed by an earlier campaign, now %s" % (m, status.get(m, "not run")))
        if lost:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""The Perfetto export keeps the Trace Event Format's rules (issue 16), on real runs: every
seed story, and a variant stopped at its violation. For each `sva run --trace out.json`:
every B has its E on the same track in stack order (a run stopped early closes its open
slices), the events' ts never go back (sim time), every process and thread used is named,
every flow end follows its start, page requests have arrows to their responses, and every
descriptor submitted (accel.submit) that completed or was aborted has an arrow from its
submission to that end, matched by the descriptor's id (args.desc) - at least one story submits.
Usage: test_trace_tef.py SVA EXAMPLES_DIR"""
import glob
import json
import os
import subprocess
import sys
import tempfile

sva, examples = sys.argv[1], sys.argv[2]
failures = []


def check(path, label):
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    if "time_unit" not in doc.get("otherData", {}):
        failures.append(f"{label}: no time unit in otherData")
    stacks, named_p, named_t, used, started, flows = {}, set(), set(), set(), set(), 0
    last = None
    for e in events:
        ph, name = e["ph"], e.get("name", "")
        if not name:
            failures.append(f"{label}: an event without a name: {e}")
        if ph == "M":
            (named_p if name == "process_name" else named_t).add(
                e["pid"] if name == "process_name" else (e["pid"], e["tid"]))
            continue
        if last is not None and e["ts"] < last:
            failures.append(f"{label}: ts goes back: {e}")
        last = e["ts"]
        used.add((e["pid"], e["tid"]))
        if ph == "B":
            stacks.setdefault((e["pid"], e["tid"]), []).append(name)
        elif ph == "E":
            st = stacks.get((e["pid"], e["tid"]), [])
            if not st or name not in st:
                failures.append(f"{label}: E without its B: {e}")
            else:
                st.remove(name)
        elif ph == "s":
            started.add(e["id"])
        elif ph == "f":
            flows += 1
            if e["id"] not in started:
                failures.append(f"{label}: flow end {e['id']} before its start")
    for track, st in stacks.items():
        if st:
            failures.append(f"{label}: slices never closed on {track}: {st}")
    for pid, tid in used:
        if pid not in named_p:
            failures.append(f"{label}: process {pid} has no name")
        if (pid, tid) not in named_t:
            failures.append(f"{label}: thread {pid}/{tid} has no name")
    answered = {e["name"] for e in events} >= {"swiommu.prq_request", "swiommu.pri_response"}
    if answered and flows == 0:
        failures.append(f"{label}: page requests answered but no flow arrow")
    return len(events), check_descriptor_flows(events, label)


DESCRIPTOR_ENDS = ("accel.complete", "accel.abort")


def check_descriptor_flows(events, label):
    """Each submission whose descriptor ended: a "descriptor" flow starts on its track at its
    time and finishes at its end's (same desc). Returns the arrows checked."""
    def at(e):
        return (e["pid"], e["tid"], e["ts"])

    starts, ends = {}, {}
    for e in events:
        if e.get("cat") != "flow" or e.get("name") != "descriptor":
            continue
        (starts if e["ph"] == "s" else ends).setdefault(at(e), []).append(e["id"])
    submitted = {e["args"]["desc"]: e for e in events
                 if e["ph"] == "i" and e["name"] == "accel.submit"}
    arrows = 0
    for e in events:
        if e["ph"] != "i" or e["name"] not in DESCRIPTOR_ENDS or "desc" not in e["args"]:
            continue
        sub = submitted.get(e["args"]["desc"])
        if sub is None:
            continue  # submitted before the ring's oldest event
        ids = set(starts.get(at(sub), [])) & set(ends.get(at(e), []))
        if not ids:
            failures.append(f"{label}: no flow from accel.submit desc={e['args']['desc']} "
                            f"to its {e['name']}")
        arrows += 1
    return arrows


with tempfile.TemporaryDirectory() as tmp:
    runs = [(s, []) for s in sorted(glob.glob(os.path.join(examples, "seeds", "*.sva")))]
    runs.append((os.path.join(examples, "variants", "fault-without-mmget.sva"), ["--variant",
                                                                                "fault-without-mmget"]))
    descriptor_arrows = 0
    for scenario, extra in runs:
        out = os.path.join(tmp, "t.json")
        label = os.path.basename(scenario) + (" " + " ".join(extra) if extra else "")
        r = subprocess.run([sva, "run", "--trace", out] + extra + [scenario],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1) or not os.path.exists(out):
            failures.append(f"{label}: sva run exited {r.returncode}: {r.stderr.strip()}")
            continue
        n, arrows = check(out, label)
        descriptor_arrows += arrows
        print(f"ok: {label}: {n} events, {arrows} descriptor arrows" if not failures
              else f"checked {label}")
        os.remove(out)
    if descriptor_arrows == 0:
        failures.append("no story submitted a descriptor that ended: the flows are unchecked")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)

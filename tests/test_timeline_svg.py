#!/usr/bin/env python3
"""`sva run --timeline out.svg` draws the lifetimes the run's events say (issue 16), checked
without a browser: the SVG is parsed as XML (xml.etree) and its rows, state bars, marks and
violation lines are compared with what the same run's text timeline (-v) says, read here
independently as the states' definitions in docs/ give them:

  PASID on a device: allocated at its allocation, translating from the entry set translating
  (or the attach), blocking from its mm's release notifier (or an entry set blocking, or the
  driver's release), detached from the entry cleared (or the detach), ended at its free;
  mm: users > 0 from its creation, torn down from exit_mmap, ended at its __mmdrop;
  process: alive from its start, zombie from its leader's exit, ended when reaped.

Runs every seed story and story example (sim, seed 1), a variant stopped at its violation,
and a scenario with a long idle gap (the axis cuts it). Every bar and mark has hover text.
Usage: test_timeline_svg.py SVA EXAMPLES_DIR"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
sva, examples = sys.argv[1], sys.argv[2]
failures = []
LINE = re.compile(r"^\s*(\d+) (\S+)\s+([\[\]]?)([a-z_.]+)(.*)$")


def num(v):
    return int(v, 0)


def parse_events(stdout):
    """The -v timeline's events: (time, phase, name, track id or None, {field: text})."""
    out, on = [], False
    for line in stdout.splitlines():
        if line.startswith("timeline ("):
            on = True
            continue
        if not on:
            continue
        m = LINE.match(line)
        if not m:
            break
        t, _actor, phase, name, rest = m.groups()
        track = re.match(r"\s*\w+:(\d+)", rest)
        fields = dict(re.findall(r"(\w+)=(\S+)", rest))
        out.append((int(t), phase, name, int(track.group(1)) if track else None, fields))
    return out


def entry_state(v):
    """A PASID entry's state field, as a number or by name."""
    v = v.lower()
    if v.isdigit():
        return {1: "translating", 2: "blocking", 3: "blocking"}.get(int(v), "detached")
    return "translating" if "transl" in v else "blocking" if "block" in v else "detached"


def expected(events):
    """The rows the events describe: {key: {"label", "states": [(state, from)], "end"}}."""
    rows, pasids, procs, mm_owner = {}, {}, {}, {}

    def state(key, st, t):
        if key in rows and (not rows[key]["states"] or rows[key]["states"][-1][0] != st):
            rows[key]["states"].append((st, t))

    def pasid_row(p, dev):
        inst = pasids.get(p)
        if inst is None:  # never allocated in the trace (an embedder's own): from its start
            inst = pasids[p] = {"n": -1 - p, "alloc": None, "mm": None}  # None: the axis's
        key = ("pasid", inst["n"], dev)
        if key not in rows:
            bare = ("pasid", inst["n"], None)
            if bare in rows:  # the row made at allocation becomes the first device's
                rows[key] = rows.pop(bare)
            else:
                rows[key] = {"states": [("allocated", inst["alloc"])], "end": None,
                             "mm": inst["mm"], "pasid": p}
        return key

    for n, (t, ph, name, tid, f) in enumerate(events):
        if name == "pasid" and ph == "[":
            pasids[tid] = {"n": n, "alloc": t, "mm": num(f["mm"])}
            rows[("pasid", n, None)] = {"states": [("allocated", t)], "end": None,
                                        "mm": num(f["mm"]), "pasid": tid}
        elif name == "pasid" and ph == "]" and tid in pasids:
            for key, r in rows.items():
                if key[0] == "pasid" and key[1] == pasids[tid]["n"]:
                    r["end"] = t
        elif name == "swiommu.pasid_entry":
            state(pasid_row(num(f["pasid"]), f["device"]), entry_state(f["state"]), t)
        elif name == "iommu.attach":
            state(pasid_row(num(f["pasid"]), f["device"]), "translating", t)
        elif name in ("swiommu.release", "iommu.detach"):
            st = "blocking" if name == "swiommu.release" else "detached"
            state(pasid_row(num(f["pasid"]), f["device"]), st, t)
        elif name == "mmu_notifier.release":
            for key, r in rows.items():
                if (key[0] == "pasid" and r["mm"] == num(f["mm"]) and r["end"] is None
                        and r["states"][-1][0] == "translating"):
                    r["states"].append(("blocking", t))
        elif name == "mm" and ph == "[":
            rows[("mm", tid)] = {"states": [("users > 0", t)], "end": None, "mm": tid}
        elif name == "mm.exit_mmap":
            state(("mm", num(f["mm"])), "torn down", t)
        elif name == "mm" and ph == "]":
            rows[("mm", tid)]["end"] = t
        elif name == "process" and ph == "[":
            procs[tid] = f["name"]
            mm_owner.setdefault(num(f["mm"]), tid)
            rows[("process", tid)] = {"states": [("alive", t)], "end": None,
                                      "mm": num(f["mm"])}
        elif name == "process.exec":
            r = rows.get(("process", num(f["pid"])))
            if r:
                r["mm"] = num(f["mm"])
            mm_owner.setdefault(num(f["mm"]), num(f["pid"]))
        elif name == "task.exit" and f.get("tid") == f.get("pid"):
            state(("process", num(f["pid"])), "zombie", t)
        elif name == "process" and ph == "]":
            rows[("process", tid)]["end"] = t
    for key, r in rows.items():
        owner = mm_owner.get(r["mm"])
        own = f" · {procs[owner]}/{owner}" if owner is not None else ""
        if key[0] == "pasid":
            r["label"] = f"PASID {r['pasid']}" + (
                f" · mm{r['mm']}{own}" if r["mm"] is not None else "") + (
                f" · {key[2]}" if key[2] else "")
        elif key[0] == "mm":
            r["label"] = f"mm{r['mm']}{own}"
        else:
            r["label"] = f"{procs[key[1]]}/{key[1]} · mm{r['mm']}"
    return rows


def drawn(root):
    """The SVG's rows: {label: {"states": [(state, from, to)], "marks": [(kind, t)]}}."""
    rows = {}
    for g in root.iter(NS + "g"):
        if g.get("class") != "row":
            continue
        states = [(r.get("data-state"), int(r.get("data-from")), r.get("data-to"))
                  for r in g.iter(NS + "rect")]
        for r in g.iter(NS + "rect"):
            if r.find(NS + "title") is None or not r.find(NS + "title").text:
                failures.append(f"a state bar of {g.get('data-label')} has no hover text")
        rows[g.get("data-label")] = {"states": states, "marks": []}
    return rows


def check_marks(root, label):
    marks = [g for g in root.iter(NS + "g") if g.get("class") == "mark"]
    for g in marks:
        title = g.find(NS + "title")
        if title is None or not title.text:
            failures.append(f"{label}: mark {g.get('data-mark')} at {g.get('data-t')} has no"
                            " hover text")
    return marks


def run(path, label, *args):
    with tempfile.TemporaryDirectory() as tmp:
        svg = os.path.join(tmp, "t.svg")
        p = subprocess.run([sva, "run", path, "-v", "--timeline", svg, *args],
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            failures.append(f"{label}: exit {p.returncode}: {p.stderr.strip()}")
            return None, None, None
        return ET.parse(svg).getroot(), parse_events(p.stdout), p.stdout


def compare(root, events, label):
    want, got = expected(events), drawn(root)
    for key, r in want.items():
        g = got.get(r["label"])
        if g is None:
            failures.append(f"{label}: no row {r['label']!r} (rows: {sorted(got)})")
            continue
        states = [(s, t) for s, t, _ in g["states"]]
        if states and r["states"] and r["states"][0][1] is None:  # from the axis's start
            states[0] = (states[0][0], None)
        if states != r["states"]:
            failures.append(f"{label}: {r['label']}: states {states}, the events say "
                            f"{r['states']}")
        for (_, _, to), (_, nxt, _) in zip(g["states"], g["states"][1:] + [(None, None, None)]):
            want_to = str(nxt) if nxt is not None else (
                str(r["end"]) if r["end"] is not None else "end")
            if to != want_to:
                failures.append(f"{label}: {r['label']}: a bar ends at {to}, not {want_to}")
    for name in got:
        if name not in {r["label"] for r in want.values()}:
            failures.append(f"{label}: a row {name!r} the events do not describe")
    marks = check_marks(root, label)
    for t, _ph, name, _tid, f in events:
        kind = {"sva.bind": "bind", "sva.unbind": "unbind", "process.kill": "kill",
                "mm.exit_mmap": "exit_mmap"}.get(name)
        if kind and not any(m.get("data-mark") == kind and m.get("data-t") == str(t)
                            for m in marks):
            failures.append(f"{label}: no {kind} mark at {t}")
    return got


pictures = os.path.join(examples, "..", "docs", "pictures")
for path in sorted(glob.glob(os.path.join(examples, "seeds", "*.sva")) +
                   glob.glob(os.path.join(examples, "stories", "*.sva"))):
    label = os.path.basename(path)
    root, events, _ = run(path, label)
    if root is None:
        continue
    rows = compare(root, events, label)
    # docs/ shows this story's picture, with the rows it has today (scripts/pictures.sh)
    doc = os.path.join(pictures, label[:-len(".sva")] + ".svg")
    if not os.path.exists(doc):
        failures.append(f"{label}: no {doc} (run scripts/pictures.sh)")
    elif sorted(drawn(ET.parse(doc).getroot())) != sorted(rows):
        failures.append(f"{label}: {doc} is stale (run scripts/pictures.sh)")

# the seed-003 story as a kernel developer reads it
root, events, _ = run(os.path.join(examples, "seeds", "003-exit-with-a-fault-pending.sva"),
                      "003")
if root is not None:
    got = drawn(root)
    quitter = got.get("PASID 1 · mm2 · quitter/2 · dsa0", {"states": []})
    if [s for s, _, _ in quitter["states"]] != ["allocated", "translating", "blocking",
                                                 "detached"]:
        failures.append(f"003: quitter's PASID: {quitter['states']}")
    for mm in ("mm1 · p1/1", "mm2 · quitter/2", "mm3 · streamer/3"):
        if [s for s, _, _ in got.get(mm, {"states": []})["states"]] != ["users > 0",
                                                                         "torn down"]:
            failures.append(f"003: {mm}: {got.get(mm)}")
    texts = {"".join(t.itertext()) for t in root.iter(NS + "text")}
    if "killed (signal 9)" not in texts:
        failures.append("003: the streamer's exit is not labelled as killed")
    if not any(g.get("data-mark") == "page request" and "SUCCESS" in
               g.find(NS + "title").text for g in root.iter(NS + "g")):
        failures.append("003: no page request answered SUCCESS")

# a run stopped at its violation: a labelled line at the report, the invariant and message
root, events, stdout = run(os.path.join(examples, "variants", "detach-at-last-user.sva"),
                           "violation", "--variant", "detach-at-last-user")
if root is not None:
    compare(root, events, "violation")
    reports = [(t, f) for t, _, name, _, f in events if name == "report"]
    lines = [g for g in root.iter(NS + "g") if g.get("class") == "violation"]
    verdict = re.search(r"^verdict: VIOLATION \S+ \(\w+\): (.*)$", stdout, re.M)
    if len(lines) != len(reports) or not reports:
        failures.append(f"violation: {len(lines)} lines for {len(reports)} reports")
    for g, (t, _) in zip(lines, reports):
        text = "".join(g.find(NS + "text").itertext())
        if g.get("data-t") != str(t) or "I3 isolation" not in text:
            failures.append(f"violation: line at {g.get('data-t')} ({text}), report at {t}")
        if verdict and verdict.group(1) not in g.find(NS + "title").text:
            failures.append(f"violation: the hover text lacks {verdict.group(1)!r}")
        if g.find(NS + "line") is None:
            failures.append("violation: no line")

# a long idle gap is cut to a break: what happens on each side keeps the width
with tempfile.TemporaryDirectory() as tmp:
    scn = os.path.join(tmp, "idle.sva")
    with open(scn, "w") as f:
        f.write("device dsa0 pasid_bits=20\nwq dsa0 shared\n\nprocess p1 {\n"
                "\tr0 = open(dsa0wq0)\n\tyield(30000)\n\tclose(r0)\n}\n")
    root, events, _ = run(scn, "idle")
    if root is not None:
        compare(root, events, "idle")
        note = "".join(next(t for t in root.iter(NS + "text")
                            if t.get("id") == "axis-note").itertext())
        breaks = [r for r in root.iter(NS + "rect") if r.get("class") == "break"]
        if "idle gap" not in note or not breaks:
            failures.append(f"idle: the gap is not cut ({note})")
        marks = {g.get("data-mark"): g for g in root.iter(NS + "g") if g.get("class") == "mark"}

        def mark_x(kind):
            p = marks[kind].findall(NS + "path")[-1].get("transform")
            return float(re.match(r"translate\(([\d.]+)", p).group(1))

        if "bind" in marks and "unbind" in marks:
            bind, unbind = mark_x("bind"), mark_x("unbind")
            ticks = [float(r.get("x")) for r in root.iter(NS + "rect")
                     if r.get("class") == "state"]
            width = max(ticks) - min(ticks) if ticks else 1
            if unbind - bind > 0.5 * width:
                failures.append(f"idle: bind at {bind}, unbind at {unbind}: the idle gap "
                                f"still takes most of the {width:.0f} px")
        else:
            failures.append(f"idle: marks {sorted(marks)}")

# more processes than a section shows (200, docs/timeline.md): the rest counted, not drawn
with tempfile.TemporaryDirectory() as tmp:
    scn = os.path.join(tmp, "many.sva")
    with open(scn, "w") as f:
        f.write("program w {\n\texit(0)\n}\n\nprocess p1 {\n\trepeat 230 {\n"
                "\t\tp2 = fork(w)\n\t\twait(p2)\n\t}\n}\n")
    root, events, _ = run(scn, "many")
    if root is not None:
        procs = sum(1 for t, ph, name, _, _ in events if name == "process" and ph == "[")
        rows = [g for g in root.iter(NS + "g") if g.get("class") == "row"
                and g.get("data-section") == "process"]
        notes = " ".join("".join(t.itertext()) for t in root.iter(NS + "text")
                         if t.get("class") == "note")
        if len(rows) != 200 or f"{procs - 200} more process rows not drawn" not in notes:
            failures.append(f"many: {len(rows)} process rows of {procs}; {notes}")

# a timeline that cannot be written: one line, exit 2
p = subprocess.run([sva, "run", "--timeline", "/dev/full"], capture_output=True, text=True)
if p.returncode != 2 or "timeline" not in p.stderr or len(p.stderr.splitlines()) != 1:
    failures.append(f"/dev/full: exit {p.returncode}, {p.stderr!r}")

for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)

#!/usr/bin/env python3
"""Mutants of libsva's lifetime code, generated from the C sources (issue: mutation score).

  gen.py list [--root DIR]      every mutant, one line each: ID<TAB>description<TAB>KEY
  gen.py apply ID [--root DIR]  apply mutant ID (or KEY) to the tree at DIR (in place)

A mutant is named FILE:LINE:KIND (with #N when one line yields several of a kind); FILE is
relative to the root, LINE the first line of the statement it changes. Its KEY,
FILE:FUNCTION:KIND:STATEMENT, names the same mutant after edits elsewhere in the file moved its
line (what a list of expected kills keeps). The kinds:

  delete     a call of a lifetime operation whose value is unused is dropped (its arguments
             stay, cast to void): reference
             get/put (mmget, mmput, mmgrab, mmdrop, fget, fput, refcount_*, *_get, *_put),
             flush / drain / invalidate / sync / quiesce, complete / wake_up, list removals,
             PASID-entry and cache clears;
  swap       such a statement swapped with the next one in the same block (teardown order);
  unlock     a lock/unlock pair of a model lock removed (both become (void)0);
  early      the unlock moved above the statement before it (the critical section's last
             statement runs unlocked);
  negate     the condition of an `if` that guards a lifetime step (a lifetime call in the
             condition or as the first statement of its body) negated.

The scanner is a small lexer, not a C parser: comments and string literals are blanked (so
their braces and semicolons do not count), statements are split at `;`, `{` and `}` outside
parentheses, and a statement's block is the innermost `{` it sits in. Declarations are not
mutated (deleting one does not compile), nor is anything outside a function body. The output
is deterministic: the same sources give the same list in the same order.
"""
import os
import re
import sys

FOLDERS = ("src/mm", "src/fs", "src/proc", "src/iommu", "src/drivers")

# Last name segment (after the sva_ prefix) that makes a call a lifetime operation.
LIFETIME_WORDS = re.compile(
    r"^(?:mmget|mmget_not_zero|mmput|mmgrab|mmdrop|__mmdrop|fget|fput|"
    r"refcount_(?:inc|dec|add|sub|dec_and_test|inc_not_zero|dec_and_lock)|"
    r".*_(?:get|put|grab|drop)(?:_[a-z]+)?|get_[a-z]+|put_[a-z]+|"
    r".*(?:flush|drain|invalidate|sync|synchronize|quiesce).*|"
    r"complete(?:_all)?|wake_up(?:_[a-z]+)?|g?list_del(?:_[a-z]+)?|.*clear.*)$"
)
# Lifetime-looking names that are plain getters or set-up: no reference, nothing to tear down.
NOT_LIFETIME = re.compile(
    r"(?:get_stats|getpid|get_domain_for_pasid|get_pasid|fault_get|lock_init|refcount_read|"
    r"refcount_init|_get_info|get_name)$"
)
FREES = re.compile(r"(?:_free|_destroy|_release|_remove|_unbind|_detach)$")
LOCKS = {
    "sva_mutex_lock": "sva_mutex_unlock",
    "sva_spin_lock": "sva_spin_unlock",
    "sva_down_read": "sva_up_read",
    "sva_down_write": "sva_up_write",
}
UNLOCKS = set(LOCKS.values())
CALL = re.compile(r"^(?:\(void\)\s*)?([A-Za-z_]\w*)\s*\((.*)\)$", re.S)
IF = re.compile(r"^(?:else\s+)?if\s*\(")
TYPE_START = re.compile(
    r"^(?:const\s+|static\s+|unsigned\s+|signed\s+)*(?:struct|union|enum|int|char|bool|long|"
    r"short|size_t|ssize_t|uint\d+_t|int\d+_t|u\d+|void|double|float|sva_\w+_t)\b"
)


def blank(text):
    """Comments and string/char literals replaced by spaces, newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1 : j - 1]) + (c if j - i > 1 else ""))
            i = j
        elif c == "#" and (i == 0 or text[i - 1] == "\n"):
            j = i
            while True:  # a preprocessor line, with its continuations
                k = text.find("\n", j)
                k = n if k < 0 else k
                if k > 0 and text[k - 1] == "\\" and k < n:
                    j = k + 1
                    continue
                break
            out.append(re.sub(r"[^\n]", " ", text[i:k]))
            i = k
        else:
            out.append(c)
            i += 1
    return "".join(out)


class Stmt:
    __slots__ = ("start", "end", "text", "block", "depth", "index", "func")

    def __init__(self, start, end, text, block, depth, func):
        self.start, self.end, self.text, self.block, self.depth = start, end, text, block, depth
        self.func = func
        self.index = 0


def statements(code):
    """Statements inside function bodies: (offset range, normalised text, block id)."""
    stmts, blocks, paren, start = [], [], 0, None
    next_block, func, top = 0, "", 0  # top: where the text before a function body begins
    for i, c in enumerate(code):
        if c == "(":
            paren += 1
        elif c == ")":
            paren -= 1
        if paren:
            if start is None and not c.isspace():
                start = i
            continue
        if c in ";{}":
            if start is not None and blocks:
                text = " ".join(code[start:i].split())
                stmts.append(Stmt(start, i + (c == ";"), text, blocks[-1], len(blocks), func))
            start = None
            if c == "{":
                if not blocks:
                    names = re.findall(r"([A-Za-z_]\w*)\s*\(", code[top:i])
                    func = names[0] if names else ""
                next_block += 1
                blocks.append(next_block)
            elif c == "}" and blocks:
                blocks.pop()
            if not blocks:
                top = i + 1
        elif start is None and not c.isspace():
            start = i
    return stmts


def is_lifetime(name):
    short = name[4:] if name.startswith("sva_") else name
    return bool(LIFETIME_WORDS.match(short)) and not NOT_LIFETIME.search(name)


def call_of(text):
    """The call a statement consists of, its value unused: (name, arg text) or None."""
    m = CALL.match(text)
    if not m or TYPE_START.match(text):
        return None
    depth = 0
    for k, ch in enumerate(m.group(2)):  # the outer parentheses must be the call's own
        depth += ch == "("
        depth -= ch == ")"
        if depth < 0:
            return None
    return m.group(1), " ".join(m.group(2).split())


def body_offset(code, s):
    """Where the statement's own action starts: past any `if (COND)` / `else` prefixes."""
    off = s.start
    while True:
        while code[off].isspace():
            off += 1
        m = re.match(r"else\b", code[off:s.end])
        if m:
            off += m.end()
            continue
        m = re.match(r"(?:if|while|for)\s*\(", code[off:s.end])
        if not m:
            return off
        depth, k = 1, off + m.end()
        while depth:
            depth += code[k] == "("
            depth -= code[k] == ")"
            k += 1
        off = k


def action(code, s):
    """The statement without its if/else prefixes, normalised."""
    return " ".join(code[body_offset(code, s) : s.end].rstrip(";").split())


def line_of(code, off):
    return code.count("\n", 0, off) + 1


def guarded_call(text):
    """For `if (COND) BODY`: the span of COND inside text, or None."""
    m = IF.match(text)
    if not m:
        return None
    depth, k = 1, m.end()
    while k < len(text) and depth:
        depth += text[k] == "("
        depth -= text[k] == ")"
        k += 1
    return m.end(), k - 1


# Code only the historical designs or the checker's broken-model tests run: not the faithful
# design the campaign judges, so a mutant there cannot be killed by it.
NOT_FAITHFUL = re.compile(r"\bsva_world_(?:variant|broken)\s*\(")


def not_faithful_spans(code, stmts):
    """Offset ranges of `if (...variant or break...)` statements and their braced bodies."""
    spans = []
    for s in stmts:
        g = guarded_call(s.text) if s.text.startswith(("if", "else if")) else None
        if not g or not NOT_FAITHFUL.search(s.text[g[0]:g[1]]):
            continue
        end = s.end
        if end < len(code) and code[end] == "{":
            depth, k = 1, end + 1
            while depth and k < len(code):
                depth += code[k] == "{"
                depth -= code[k] == "}"
                k += 1
            end = k
        spans.append((s.start, end))
    return spans


def mutants_of(path, rel):
    src = open(path).read()
    code = blank(src)
    stmts = statements(code)
    out = []
    for i, s in enumerate(stmts):
        s.index = i
    skip = not_faithful_spans(code, stmts)
    for i, s in enumerate(stmts):
        if any(a <= s.start < b for a, b in skip):
            continue
        line = line_of(code, s.start)
        call = call_of(action(code, s))
        if call and is_lifetime(call[0]) and call[0] not in UNLOCKS:
            out.append(("delete", line, s, None, "delete %s(%s)" % call))
            nxt = next_lifetime(stmts, i) if call_of(s.text) else None
            if nxt is not None:
                out.append(("swap", line, s, nxt, "swap %s with %s" % (call[0], nxt_name(nxt))))
        if call and call[0] in LOCKS and call_of(s.text):
            unlock = matching_unlock(stmts, i, call)
            if unlock is not None:
                out.append(("unlock", line, s, unlock, "remove %s/%s(%s)" %
                            (call[0], LOCKS[call[0]], call[1])))
                prev = stmts[unlock.index - 1]
                if prev is not s and prev.block == unlock.block and simple(prev):
                    out.append(("early", line_of(code, unlock.start), unlock, prev,
                                "%s(%s) above the statement before it" % (LOCKS[call[0]], call[1])))
        g = guarded_call(s.text) if s.text.startswith(("if", "else if")) else None
        if g and guards_lifetime(stmts, i, s.text[g[0]:g[1]]):
            out.append(("negate", line, s, None, "negate if (%s)" % s.text[g[0]:g[1]]))
    return src, code, [(name, stable, kind, s, other, desc)
                       for (name, stable), (kind, line, s, other, desc)
                       in zip(names_of(rel, out), out)]


def names_of(rel, out):
    """FILE:LINE:KIND (#N when a line has several of a kind), and a key that survives edits
    elsewhere in the file: FILE:FUNCTION:KIND:the statement's text (#N for repeats)."""
    def numbered(keys):
        seen, counts, res = {}, {}, []
        for k in keys:
            seen[k] = seen.get(k, 0) + 1
        for k in keys:
            if seen[k] > 1:
                counts[k] = counts.get(k, 0) + 1
                k = "%s#%d" % (k, counts[k])
            res.append(k)
        return res
    names = numbered(["%s:%d:%s" % (rel, line, kind) for kind, line, s, other, desc in out])
    stable = numbered(["%s:%s:%s:%s" % (rel, s.func, kind, desc.replace(" ", ""))
                       for kind, line, s, other, desc in out])
    return zip(names, stable)


def nxt_name(s):
    c = call_of(s.text)
    return c[0] if c else s.text.split("(")[0]


def simple(s):
    return call_of(s.text) is not None or ("=" in s.text and not s.text.startswith(("if", "for", "while", "switch", "return", "else", "do")) and not TYPE_START.match(s.text))


def next_lifetime(stmts, i):
    s = stmts[i]
    for t in stmts[i + 1 :]:
        if t.depth < s.depth:
            return None
        if t.block != s.block:
            continue
        c = call_of(t.text)  # unguarded statements only: a guarded one is not moved
        if not c:
            return None  # only adjacent lifetime calls: another statement in between orders them
        if is_lifetime(c[0]) and c[0] not in UNLOCKS and c[0] not in LOCKS:
            return t
        return None
    return None


def matching_unlock(stmts, i, call):
    want = LOCKS[call[0]]
    s = stmts[i]
    for t in stmts[i + 1 :]:
        if t.depth < s.depth:
            return None
        c = call_of(t.text)
        if c and c[0] == want and c[1] == call[1]:
            # a pair of the same block only: an unlock on one branch is not the lock's pair
            return t if t.block == s.block else None
        if c and c[0] == call[0] and c[1] == call[1]:
            return None
    return None


def guards_lifetime(stmts, i, cond):
    names = re.findall(r"([A-Za-z_]\w*)\s*\(", cond)
    if any(is_lifetime(n) or FREES.search(n) for n in names):
        return True
    s = stmts[i]
    # the body: a single statement after the condition (same statement), or the block's first
    body = s.text[s.text.find(cond) + len(cond) + 1 :].strip()
    if not body and i + 1 < len(stmts):
        body = stmts[i + 1].text
    c = call_of(body)
    return bool(c and (is_lifetime(c[0]) or FREES.search(c[0])))


def files(root):
    for folder in FOLDERS:
        for dirpath, _, names in sorted(os.walk(os.path.join(root, folder))):
            for name in sorted(names):
                if name.endswith(".c"):
                    path = os.path.join(dirpath, name)
                    yield path, os.path.relpath(path, root)


def all_mutants(root):
    for path, rel in files(root):
        src, code, muts = mutants_of(path, rel)
        for key, stable, kind, s, other, desc in muts:
            yield key, stable, desc, (path, src, code, kind, s, other)


def apply(root, want):
    for key, stable, desc, (path, src, code, kind, s, other) in all_mutants(root):
        if want not in (key, stable):
            continue
        text = src
        if kind == "delete":
            text = replace_call(text, code, s)
        elif kind == "negate":
            g = guarded_span(code, s)
            text = text[: g[0]] + "!(" + text[g[0] : g[1]] + ")" + text[g[1] :]
        elif kind == "unlock":
            later, first = (other, s)
            text = replace_call(text, code, later)
            text = replace_call(text, code, first)
        elif kind in ("swap", "early"):
            a, b = (s, other) if s.start < other.start else (other, s)
            ta, tb = src[a.start : a.end], src[b.start : b.end]
            text = src[: a.start] + tb + src[a.end : b.start] + ta + src[b.end :]
        with open(path, "w") as f:
            f.write(text)
        return desc
    raise SystemExit("gen.py: no mutant %s" % want)


def replace_call(text, code, s):
    """The call of statement @s (after any if/else prefix it has) is dropped; its arguments stay
    evaluated, each cast to void, so the variables they name are still used (-Werror)."""
    start = body_offset(code, s)
    end = s.end - 1 if code[s.end - 1] == ";" else s.end
    m = CALL.match(" ".join(code[start:end].split()))
    args, depth, cur = [], 0, ""
    for ch in text[start + text[start:end].index("(") + 1 : end].rstrip()[:-1]:
        if ch == "," and depth == 0:
            args.append(cur)
            cur = ""
            continue
        depth += ch in "(["
        depth -= ch in ")]"
        cur += ch
    args.append(cur)
    args = [" ".join(a.split()) for a in args if a.strip()]
    repl = ", ".join("(void)(%s)" % a for a in args) if m and args else "(void)0"
    return text[:start] + repl + text[end:]


def guarded_span(code, s):
    seg = code[s.start : s.end]
    off = s.start + (len(seg) - len(seg.lstrip()))
    m = re.match(r"(?:else\s+)?if\s*\(", code[off:])
    depth, k = 1, off + m.end()
    while depth:
        depth += code[k] == "("
        depth -= code[k] == ")"
        k += 1
    return off + m.end(), k - 1


def main(argv):
    root = "."
    if "--root" in argv:
        k = argv.index("--root")
        root = argv[k + 1]
        del argv[k : k + 2]
    if len(argv) == 2 and argv[1] == "list":
        for key, stable, desc, _ in all_mutants(root):
            print("%s\t%s\t%s" % (key, desc, stable))
        return 0
    if len(argv) == 3 and argv[1] == "apply":
        print(apply(root, argv[2]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

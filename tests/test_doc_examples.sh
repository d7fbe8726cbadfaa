#!/bin/sh
# Every example in README.md and docs/*.md runs as printed (issue 16). The fenced blocks are
# extracted by their info string:
#   ```sva      a whole scenario: `sva run FILE` must end `verdict: clean` (exit 0);
#   ```sh       shell commands, run one by one from a directory where examples/ is the
#               repository's and `sva` is the tool under test: each must exit 0 or 1 (a
#               violation found is what some of them show) and print no `sva:` error; `make`
#               lines are the suite's own entry points and are checked with `make -n` (that
#               `make run` builds the sva target only), not run; `parallel` lines need GNU
#               parallel (skipped, and said so, without it);
#   ```c example=PATH   the block is PATH (after its opening comment), and the ```output block
#               after it is what that example prints (the built example is given as $4);
#   ```slurm    a Slurm job script (hours of exploring): not run here.
# Fragments of the grammar, of statements and of messages are plain ``` blocks; one that parses
# as a whole scenario fails the test: it must say ```sva.
# Usage: test_doc_examples.sh PATH/TO/sva SOURCE_DIR PATH/TO/embed_swiommu
set -u
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
SVA=$(abs "$1")
SRC=$(cd "$2" && pwd)
EMBED=${3:+$(abs "$3")}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
passes=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$TMP/bin" "$TMP/run" "$TMP/blocks"
ln -s "$SVA" "$TMP/bin/sva"
ln -s "$SRC/examples" "$TMP/run/examples"
PATH="$TMP/bin:$PATH"
export PATH

# extract FILE: blocks/N.body and blocks/N.meta ("INFO ATTRS<TAB>FILE:LINE")
n=0
for doc in "$SRC"/README.md "$SRC"/docs/*.md; do
	rel=${doc#"$SRC"/}
	n=$(awk -v dir="$TMP/blocks" -v rel="$rel" -v n="$n" '
		/^```/ {
			if (!inblock) {
				n++; inblock = 1; info = substr($0, 4)
				printf "%s\t%s:%d\n", info, rel, NR > (dir "/" n ".meta")
				close(dir "/" n ".meta")
				printf "" > (dir "/" n ".body")
			} else {
				inblock = 0; close(dir "/" n ".body")
			}
			next
		}
		inblock { print >> (dir "/" n ".body") }
		END { print n }' "$doc")
done
[ "$n" -ge 20 ] || fail "only $n fenced blocks found in README.md and docs/"

run_sva_block() { # BODY WHERE
	cp "$1" "$TMP/run/example.sva"
	(cd "$TMP/run" && sva run example.sva) >"$TMP/out" 2>"$TMP/err"
	code=$?
	if [ "$code" -ne 0 ] || [ "$(tail -1 "$TMP/out")" != "verdict: clean" ]; then
		fail "$2: the scenario does not run clean (exit $code):"
		cat "$TMP/err" | sed 's/^/  | /'; tail -3 "$TMP/out" | sed 's/^/  | /'
	else
		passes=$((passes + 1))
	fi
}

run_sh_block() { # BODY WHERE
	# join continued lines, drop comments and blank lines
	sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$1" | sed 's/^[[:space:]]*//' | grep -v '^#' |
		grep -v '^$' >"$TMP/cmds"
	while IFS= read -r cmd; do
		case "$cmd" in
		make\ *)
			target=$(printf '%s\n' "$cmd" | awk '{print $2}')
			if ! make -n -C "$SRC" "$target" >"$TMP/make" 2>&1; then
				fail "$2: make -n $target fails"
			elif [ "$target" = run ] && ! grep -q -- "--target sva" "$TMP/make"; then
				fail "$2: make run builds more than the sva target:"; sed 's/^/  | /' "$TMP/make"
			else
				passes=$((passes + 1))
			fi
			continue ;;
		parallel\ *)
			if ! command -v parallel >/dev/null 2>&1; then
				echo "skip: $2: GNU parallel is not installed: $cmd"
				continue
			fi ;;
		esac
		(cd "$TMP/run" && sh -c "$cmd") >"$TMP/out" 2>"$TMP/err" </dev/null
		code=$?
		if [ "$code" -gt 1 ] || grep -q '^sva: ' "$TMP/err"; then
			fail "$2: '$cmd' exits $code:"; sed 's/^/  | /' "$TMP/err" | head -5
		else
			passes=$((passes + 1))
		fi
	done <"$TMP/cmds"
}

check_c_block() { # BODY WHERE EXAMPLE NEXT_BLOCK
	# the example file after its opening comment (and the blank line that follows it)
	awk 'started { print; next } /^ \*\/$/ { skip = 1; next } skip && /^$/ { started = 1; next }
	     skip { started = 1; print }' "$SRC/$3" >"$TMP/file.c"
	if ! diff -u "$TMP/file.c" "$1" >"$TMP/diff"; then
		fail "$2: the block is not $3 as it is:"; head -10 "$TMP/diff" | sed 's/^/  | /'
		return
	fi
	passes=$((passes + 1))
	if [ -z "$EMBED" ] || [ ! -f "$TMP/blocks/$4.meta" ] ||
		[ "$(cut -f1 "$TMP/blocks/$4.meta")" != output ]; then
		fail "$2: no example binary, or no \`\`\`output block after the example"
		return
	fi
	"$EMBED" >"$TMP/out" 2>&1
	if ! diff -u "$TMP/blocks/$4.body" "$TMP/out" >"$TMP/diff"; then
		fail "$2: $3 does not print what the doc says:"; head -10 "$TMP/diff" | sed 's/^/  | /'
	else
		passes=$((passes + 1))
	fi
}

ran=0
for i in $(seq 1 "$n"); do
	info=$(cut -f1 "$TMP/blocks/$i.meta")
	where=$(cut -f2 "$TMP/blocks/$i.meta")
	body="$TMP/blocks/$i.body"
	case "$info" in
	sva) run_sva_block "$body" "$where"; ran=$((ran + 1)) ;;
	sh) run_sh_block "$body" "$where"; ran=$((ran + 1)) ;;
	"c example="*) check_c_block "$body" "$where" "${info#c example=}" $((i + 1)); ran=$((ran + 1)) ;;
	"")
		# a plain block that parses as a scenario is an example hiding from this test
		cp "$body" "$TMP/run/plain.sva"
		(cd "$TMP/run" && sva run plain.sva --quiet) >/dev/null 2>&1
		if [ $? -ne 2 ]; then
			fail "$where: a whole scenario in a plain block: tag it \`\`\`sva so that it is run"
		fi ;;
	esac
done
[ "$ran" -ge 6 ] || fail "only $ran runnable examples found"
echo "$passes passed, $fails failed ($ran runnable blocks of $n)"
[ "$fails" -eq 0 ]

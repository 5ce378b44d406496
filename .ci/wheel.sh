#!/usr/bin/env bash
# CI, as installed: build the wheel and the sdist from a clean copy of the committed tree, install the
# wheel in a new virtual environment, and from a neutral directory run every command; each must give
# the same exit status and the same output as the same command run from the source tree. Then the
# declared lower bounds of the dependencies, installed exactly, run a smoke test. Fails when any
# step fails.
#
#   .ci/wheel.sh                    wheel, sdist, every command, lower bounds
#   MIP6CHECK_LOWER=0 .ci/wheel.sh  without the lower-bounds venv
#
# MIP6CHECK_SRC: the tree to copy (default: this repository; HEAD when it is a git checkout).
set -euo pipefail
SRC="${MIP6CHECK_SRC:-$(cd "$(dirname "$0")/.." && pwd)}"
PY="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/mip6check-wheel.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say() { echo "wheel: $*"; }
die() { echo "wheel: $*" >&2; exit 1; }

mkdir "$WORK/src" "$WORK/dist" "$WORK/neutral"
if git -C "$SRC" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  git -C "$SRC" archive HEAD | tar -x -C "$WORK/src"
else
  cp -R "$SRC/." "$WORK/src"
  rm -rf "$WORK/src/.venv" "$WORK/src/build" "$WORK/src/dist"
fi

# 1. build: the wheel straight from the tree (a package missing from pyproject's list is then missing
#    from the wheel, and a command below fails), the sdist beside it
"$PY" -m venv "$WORK/build-env"
"$WORK/build-env/bin/pip" install -q build
"$WORK/build-env/bin/python" -m build --wheel --sdist -o "$WORK/dist" "$WORK/src" >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; die "the build failed"; }
WHEEL=$(ls "$WORK"/dist/*.whl)
SDIST=$(ls "$WORK"/dist/*.tar.gz)
say "built $(basename "$WHEEL") and $(basename "$SDIST")"

# the sdist carries what the tests, benchmarks and docs need
tar -tzf "$SDIST" >"$WORK/sdist.txt"
for need in LICENSE README.md MANIFEST.in docs/cli-contract.md tests/conftest.py \
  traces/captures/manifest.json traces/scenarios/ bench/decode.py .ci/run; do
  grep -q "^[^/]*/$need" "$WORK/sdist.txt" || die "the sdist lacks $need"
done

# 2. install the wheel in a new venv; only the mip6check package lands in site-packages
"$PY" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install -q "$WHEEL"
SITE=$("$WORK/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
for generic in model properties cli traces; do
  [ ! -e "$SITE/$generic" ] || die "the wheel installs a top-level '$generic' package"
done
[ -f "$SITE/mip6check/traces/scenarios/01-first-registration.scenario" ] \
  || die "the wheel lacks the scenario corpus"
[ -f "$SITE/mip6check/docs/properties.md" ] || die "the wheel lacks the catalog SARIF points into"

# 3. every command, installed (neutral directory) against the source tree (same interpreter and
#    dependencies, the package imported from the tree): same exit status, same stdout
EXAMPLE="$WORK/src/traces/examples/home-registration.pcapng"
CAPTURE="$WORK/src/traces/captures/mn-retx-new-seq.pcapng"
SCEN="$WORK/src/traces/scenarios/02-handoff-foreign-links.scenario"
same() {  # same NAME ARGS...: run installed and from the tree, compare exit status and stdout
  SAME_OUTPUT=1 both "$@"
}
both() {  # both NAME ARGS...: run installed and from the tree, compare exit status (and stdout if asked)
  local name="$1"; shift
  local a="$WORK/out.installed.$name" b="$WORK/out.tree.$name" ra=0 rb=0
  (cd "$WORK/neutral" && env -u PYTHONPATH "$WORK/venv/bin/mip6check" "$@") >"$a" 2>"$a.err" || ra=$?
  (cd "$WORK/src" && PYTHONPATH="$WORK/src" "$WORK/venv/bin/python" -c \
    'import sys; from mip6check.cli.main import main; sys.exit(main())' "$@") >"$b" 2>"$b.err" || rb=$?
  [ "$ra" = "$rb" ] || die "$name: exit $ra installed, $rb from the tree ($(head -c 300 "$a.err"))"
  if [ "${SAME_OUTPUT:-0}" = 1 ]; then
    if [ -n "${NORMALISE:-}" ]; then  # what legitimately differs (a duration), the same in both
      sed -E -i "$NORMALISE" "$a" "$b"
    fi
    cmp -s "$a" "$b" || { diff "$a" "$b" | head -20 >&2; die "$name: output differs installed vs from the tree"; }
  fi
  [ -s "$a" ] || die "$name: no output"
  say "$name: exit $ra, $(wc -l <"$a") lines, as from the tree${SAME_OUTPUT:+ (same bytes)}"
  LAST_RC=$ra
}
expect() { [ "$LAST_RC" = "$1" ] || die "$2: exit $LAST_RC, expected $1"; }

same decode decode "$EXAMPLE"; expect 0 decode
same decode-json decode --json "$EXAMPLE"; expect 0 decode-json
same replay replay --json "$CAPTURE"; expect 1 replay
same simulate simulate --json "$SCEN"; expect 0 simulate
same verify-scenarios verify --engine scenarios --json --no-timing; expect 0 verify-scenarios
grep -q '"status": "passed"' "$WORK/out.installed.verify-scenarios" || die "verify: nothing passed"
"$WORK/venv/bin/python" - "$WORK/out.installed.verify-scenarios" <<'PY' || die "verify: no scenario ran"
import json, sys
rs = json.load(open(sys.argv[1]))["results"]
ran = [r for r in rs if r["engine"] == "scenarios" and r.get("examples", 0) > 0]
sys.exit(0 if ran else 1)
PY
same coverage coverage --json; expect 0 coverage
# the search itself, byte for byte: Hypothesis draws no constants from "local" source, which made a
# seed walk differently from the tree than installed (properties/hypothesis_pin.py); a mutant makes
# it find and write a counterexample, compared file by file
same explore explore --budget test --seed 1 --property MN-RETX-SAME-SEQ --json --out cex
expect 0 explore
for f in "$WORK/out.installed.explore" "$WORK/out.tree.explore"; do
  "$WORK/venv/bin/python" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["coverage"]["examples"] > 0 else 1)' \
    "$f" || die "explore: no example ran ($f)"
done
same explore-mutant explore --budget test --seed 1 --mutant seq-ge --json --out cex-mutant
expect 1 explore-mutant
for f in counterexample.scenario counterexample.pcapng counterexample.html; do
  cmp -s "$WORK/neutral/cex-mutant/$f" "$WORK/src/cex-mutant/$f" \
    || die "explore-mutant: $f differs installed vs from the tree"
done
for d in "$WORK/neutral" "$WORK/src"; do
  [ ! -e "$d/.hypothesis" ] || die "explore wrote .hypothesis/ into the working directory ($d)"
done
same derive derive "$CAPTURE"; expect 0 derive
# the report of a replay result: the same page; its closing line says how long it took
cp "$WORK/out.tree.replay" "$WORK/replay-result.json"
NORMALISE='s/ in [0-9.]+ s$/ in (time)/' same report report --out report-out "$WORK/replay-result.json"
expect 1 report  # the replay result shows a violation
# the same page but for what only a checkout has: the tests that exercise each property (the wheel
# ships no tests/; the page says so in tests_available)
"$WORK/venv/bin/python" - "$WORK/neutral/report-out/index.html" "$WORK/src/report-out/index.html" <<'PY' \
  || die "report: index.html differs installed vs from the tree (beyond the tests a checkout has)"
import json, re, sys

def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in ("tests", "tests_available")}
    return [strip(v) for v in x] if isinstance(x, list) else x

def page(path):
    text = open(path, encoding="utf-8").read()
    data = re.compile(r'(<script type="application/json" id="data">)(.*?)(</script>)', re.S)
    fix = lambda m: m.group(1) + json.dumps(strip(json.loads(m.group(2))), sort_keys=True) + m.group(3)
    out, n = data.subn(fix, text)
    assert n == 1, "the page's data block"
    return out

sys.exit(0 if page(sys.argv[1]) == page(sys.argv[2]) else 1)
PY
same verify-z3 verify --engine z3 --property BC-SEQ-MONOTONIC SPEC-SEQ-HALF --json --no-timing
expect 0 verify-z3
say "every command behaves installed as from the tree"

# 4. the lower bounds pyproject declares, installed exactly, run a smoke test
if [ "${MIP6CHECK_LOWER:-1}" != 0 ]; then
  LOWER=$("$WORK/venv/bin/python" - "$WORK/src/pyproject.toml" <<'PY'
import re, sys, tomllib
deps = tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]
print(" ".join(re.sub(r">=", "==", d) for d in deps))
PY
)
  say "lower bounds: $LOWER"
  "$PY" -m venv "$WORK/low"
  # shellcheck disable=SC2086 - one word per requirement
  "$WORK/low/bin/pip" install -q $LOWER
  "$WORK/low/bin/pip" install -q --no-deps "$WHEEL"
  cd "$WORK/neutral"
  "$WORK/low/bin/mip6check" explore --budget test --seed 1 --property MN-RETX-SAME-SEQ --json \
    --out low-cex >"$WORK/low.explore" || die "lower bounds: explore failed"
  "$WORK/low/bin/python" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["coverage"]["examples"] > 0 else 1)' \
    "$WORK/low.explore" || die "lower bounds: explore ran no example"
  "$WORK/low/bin/mip6check" verify --engine scenarios --engine z3 --no-timing >/dev/null \
    || die "lower bounds: verify failed"
  "$WORK/low/bin/mip6check" simulate "$SCEN" >/dev/null || die "lower bounds: simulate failed"
  say "lower bounds pass: $LOWER"
fi

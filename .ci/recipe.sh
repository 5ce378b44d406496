#!/usr/bin/env bash
# The docs/ci.md job on this repository's own traces/: `verify --junit` on the model, then
# `replay --junit` on every capture of traces/captures/, whose exit status must match the manifest
# (1 where violations are expected, 0 where none are). Reports and charts go to ${CI_REPORTS:-reports}.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${CI_REPORTS:-reports}"
mkdir -p "$out/replay"
mip6check verify --seed 0 --junit "$out/verify.xml" --sarif "$out/verify.sarif" --no-timing > "$out/verify.txt"
python3 - "$out" <<'PY'
import json, os, subprocess, sys
out = os.path.abspath(sys.argv[1])
m = json.load(open("traces/captures/manifest.json"))
if not m["captures"]:  # a verdict needs evidence: an empty manifest checked nothing
    sys.exit("replay: the manifest lists no capture: nothing was checked")
bad = 0
for c in m["captures"]:
    f = c["file"]
    rc = subprocess.run(
        ["mip6check", "replay", f, *c.get("args", []), "--junit", f"{out}/replay/{f}.xml", "--json"],
        cwd="traces/captures",  # the manifest's arguments (--sa FILE) are relative to it
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ).returncode
    want = 1 if c["expected"] else 0
    if rc != want:
        bad += 1
        print(f"replay {f}: exit {rc}, manifest expects {want}", file=sys.stderr)
print(f"replay: {len(m['captures'])} captures, {bad} with an unexpected exit status")
sys.exit(1 if bad else 0)
PY

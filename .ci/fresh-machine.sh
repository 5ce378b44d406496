#!/usr/bin/env bash
# CI, fresh machine (issue 7): the README's two set-up commands, exactly as written there, in a clean
# copy of the committed tree in a temporary directory (so `.venv` is a new, empty virtual environment
# there). Fails when either command fails.
#
#   .ci/fresh-machine.sh            run both commands
#   .ci/fresh-machine.sh --print    print the two commands as extracted from README.md, and stop
#
# The commands are read from README.md between the `<!-- setup-commands` marker and the end of the
# ```bash block after it (the same rule as tests/cli/test_readme.py), so they cannot drift.
# MIP6CHECK_SRC: the tree to copy (default: this repository; HEAD when it is a git checkout).
# MIP6CHECK_SHARED is passed on (default: ../shared beside the source, when it exists).
set -euo pipefail
SRC="${MIP6CHECK_SRC:-$(cd "$(dirname "$0")/.." && pwd)}"

extract() {
  awk '
    /<!-- setup-commands/ { marker = 1; next }
    marker && !inblock && /^```bash[[:space:]]*$/ { inblock = 1; next }
    inblock && /^```/ { exit }
    inblock && NF { print }
  ' "$SRC/README.md"
}

mapfile -t CMDS < <(extract)
if [ "${#CMDS[@]}" -ne 2 ]; then
  echo "fresh-machine: expected 2 set-up commands in README.md, found ${#CMDS[@]}" >&2
  exit 2
fi
if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "${CMDS[@]}"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mip6check-fresh.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir "$WORK/mip6check"
if git -C "$SRC" rev-parse --verify -q HEAD >/dev/null 2>&1; then
  git -C "$SRC" archive HEAD | tar -x -C "$WORK/mip6check"
else
  cp -R "$SRC/." "$WORK/mip6check"
  rm -rf "$WORK/mip6check/.venv"
fi
if [ -z "${MIP6CHECK_SHARED:-}" ] && [ -d "$SRC/../shared" ]; then
  MIP6CHECK_SHARED="$(cd "$SRC/../shared" && pwd)"
fi
[ -n "${MIP6CHECK_SHARED:-}" ] && export MIP6CHECK_SHARED

cd "$WORK/mip6check"
n=0
for cmd in "${CMDS[@]}"; do
  n=$((n + 1))
  echo "fresh-machine: command $n: $cmd"
  # a clean shell: no virtual environment or Python path inherited from the caller
  if ! env -u VIRTUAL_ENV -u PYTHONPATH -u PYTHONHOME bash -c "$cmd"; then
    echo "fresh-machine: command $n failed: $cmd" >&2
    exit 1
  fi
done
echo "fresh-machine: both README commands passed in a clean virtual environment"

#!/usr/bin/env bash
# Lints the GitHub Actions workflows the README shows (each ```yaml block after a
# "workflow: linted" marker) with actionlint, so that what people copy works.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$(mktemp -d)"
awk -v dir="$dir" '
  /<!-- workflow: linted/ {armed=1; next}
  armed && /^```yaml/ {inside=1; n++; next}
  inside && /^```/ {inside=0; armed=0; next}
  inside {print > (dir "/workflow-" n ".yml")}
' README.md
shopt -s nullglob
workflows=("$dir"/workflow-*.yml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "README.md has no workflow block after a 'workflow: linted' marker" >&2
  exit 1
fi
actionlint -shellcheck= -pyflakes= "${workflows[@]}"
echo "README workflows (${#workflows[@]}): actionlint found no problem"

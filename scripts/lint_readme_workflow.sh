#!/usr/bin/env bash
# Lints the GitHub Actions workflow the README shows (the ```yaml block after the
# "workflow: linted" marker) with actionlint, so that what people copy works.
set -euo pipefail
cd "$(dirname "$0")/.."
workflow="$(mktemp -d)/flowcheck.yml"
awk '/<!-- workflow: linted/ {armed=1; next} armed && /^```yaml/ {inside=1; next} inside && /^```/ {exit} inside {print}' README.md > "$workflow"
if [ ! -s "$workflow" ]; then
  echo "README.md has no workflow block after the 'workflow: linted' marker" >&2
  exit 1
fi
actionlint -shellcheck= -pyflakes= "$workflow"
echo "README workflow: actionlint found no problem"

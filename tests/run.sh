#!/usr/bin/env bash
# Every test of pixart_nb: the library is exactly what the notebooks export, the notebooks are clean,
# every notebook runs (nbdev_test), then the integration tests (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."

nbdev_export
nbdev_clean
if [ -n "$(git status --porcelain --untracked-files=all)" ]; then
  echo "nbdev_export / nbdev_clean changed the checkout: commit the notebooks and the library in sync" >&2
  git status --porcelain --untracked-files=all >&2
  exit 1
fi
echo "nbdev_export and nbdev_clean change nothing"

nbdev_test --timing
python -m pytest -q tests

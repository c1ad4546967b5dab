#!/usr/bin/env bash
# The Uppy 6 bundle of the page /upload (src/main/resources/upload-page/vendor/: uppy.min.mjs, uppy.min.css,
# LICENSES.txt), built with esbuild from the npm packages src/main/upload-bundle/package-lock.json pins (versions and
# integrity hashes). Without arguments: rebuilds the vendored files. --check: builds into a temporary folder and
# fails unless every vendored file is the same, byte for byte (scripts/browser-tests.sh runs this).
# Needs node and npm; the build itself needs no network once npm ci has run. docs/decisions/0034-uppy-6-page-bundle.md
set -euo pipefail
cd "$(dirname "$0")/.."

build=src/main/upload-bundle
vendor=src/main/resources/upload-page/vendor
files=(uppy.min.mjs uppy.min.css LICENSES.txt)

if [ ! -f "$build/node_modules/.package-lock.json" ] || [ "$build/package-lock.json" -nt "$build/node_modules/.package-lock.json" ]; then
  (cd "$build" && npm ci --no-audit --no-fund --loglevel=error)
fi

case "${1:-}" in
  "")
    (cd "$build" && node build.mjs "$PWD/../resources/upload-page/vendor")
    (cd "$vendor" && sha256sum "${files[@]}")
    ;;
  --check)
    out=$(mktemp -d /tmp/upload-bundle.XXXXXX)
    trap 'rm -rf "$out"' EXIT
    (cd "$build" && node build.mjs "$out")
    for f in "${files[@]}"; do
      cmp -s "$out/$f" "$vendor/$f" || { echo "$vendor/$f differs from a rebuild: run scripts/upload-bundle.sh" >&2; exit 1; }
    done
    echo "upload bundle: the vendored files are the rebuild's, byte for byte"
    ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Lints docker/Dockerfile.* with two linters from the npm registry (no Docker engine needed):
# dockerfile-utils (the VS Code Docker language server's checks: syntax, instruction arguments) and
# dockerfilelint (best practices). Installs them into a cache dir on first use. Exit 0 = no finding.
set -euo pipefail
cd "$(dirname "$0")"
tools=${DOCKER_LINT_DIR:-${TMPDIR:-/tmp}/s3-sts-broker-docker-lint}
if [[ ! -x $tools/node_modules/.bin/dockerfile-utils || ! -x $tools/node_modules/.bin/dockerfilelint ]]; then
  mkdir -p "$tools"
  (cd "$tools" && [[ -f package.json ]] || echo '{"private":true}' >"$tools/package.json")
  npm install --prefix "$tools" --no-audit --no-fund --silent dockerfile-utils@0.16.3 dockerfilelint@1.8.0 >&2
fi
status=0
for f in Dockerfile.*; do
  echo "== $f"
  "$tools/node_modules/.bin/dockerfile-utils" lint "$f" || status=1
  "$tools/node_modules/.bin/dockerfilelint" -c . "$f" || status=1
done
((status == 0)) && echo "Dockerfiles: no findings"
exit $status

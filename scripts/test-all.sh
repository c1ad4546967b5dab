#!/usr/bin/env bash
# Every test the project has, as CI runs it:
#  1. ./mvnw verify: unit tests, @QuarkusTests and the @QuarkusIntegrationTests of the packaged app, all against
#     the local S3 + STS server (the tests boot it through scripts/local-s3-sts.sh and fail if it cannot start);
#  2. Uppy in a real browser (Chromium, playwright-core) against the packaged broker's Companion API
#     (scripts/browser-tests.sh);
#  3. the native build up to the native-image command line (quarkus.native.sources-only): no GraalVM is needed,
#     and a change that breaks the native build's steps or configuration fails here;
#  4. the Kubernetes manifests against their schemas, and the Dockerfiles through linters (both offline, with
#     tools they install from npm).
set -euo pipefail
cd "$(dirname "$0")/.."

./mvnw -B verify "$@"
scripts/browser-tests.sh
./mvnw -B package -DskipTests -Pnative-sources "$@"
test -f target/native-sources/native-image.args || { echo "native sources were not generated" >&2; exit 1; }
echo "native sources: $(wc -c < target/native-sources/native-image.args) bytes of native-image arguments"
deploy/validate.sh
docker/lint.sh

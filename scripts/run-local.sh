#!/usr/bin/env bash
# Boots the local S3 + STS server (Ceph RGW, installed from Debian's packages when missing), builds the broker
# and runs it against that server on http://127.0.0.1:8080. Extra arguments go to the JVM (e.g. -Xmx128m).
set -euo pipefail
cd "$(dirname "$0")/.."

env_file=$(scripts/local-s3-sts.sh up)
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a

./mvnw -B -q package -DskipTests
export QUARKUS_HTTP_HOST="${QUARKUS_HTTP_HOST:-127.0.0.1}"
# The JVM options and malloc arena limit of the container image (docker/jvm.options, docker/Dockerfile.jvm).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec java @docker/jvm.options "$@" -jar target/quarkus-app/quarkus-run.jar

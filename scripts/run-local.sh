#!/usr/bin/env bash
# Boots the local S3 + STS server (Ceph RGW, installed from Debian's packages when missing), builds the broker
# and runs it against that server on http://127.0.0.1:8080, with health and metrics on Quarkus' management
# interface, http://127.0.0.1:9000/q/health and /q/metrics. Extra arguments go to the JVM (e.g. -Xmx128m).
#
# Authentication is on, as in production: the script makes a random local API key (kept in the local server's
# state dir, so reruns reuse it until `scripts/local-s3-sts.sh down`), gives the broker only its SHA-256
# (BROKER_AUTH_API_KEYS=local:<sha256>), allows reading and writing the local bucket (BROKER_ACCESS_READ /
# BROKER_ACCESS_WRITE, unless already set), and prints the curl lines that use the key before it starts the broker.
set -euo pipefail
cd "$(dirname "$0")/.."

env_file=$(scripts/local-s3-sts.sh up)
set -a
# shellcheck source=/dev/null
. "$env_file"
set +a

# The local caller's key: 32 random bytes as hex. Only its hash reaches the broker's configuration.
key_file=$LOCAL_S3STS_DIR/local-api-key
if [[ ! -s $key_file ]]; then
  (umask 077 && head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n' >"$key_file")
fi
key=$(<"$key_file")
hash=$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)
export BROKER_AUTH_MODE=api-key
export BROKER_AUTH_API_KEYS="local:$hash"
export BROKER_ACCESS_READ="${BROKER_ACCESS_READ:-$LOCAL_S3STS_BUCKET/}"
export BROKER_ACCESS_WRITE="${BROKER_ACCESS_WRITE:-$LOCAL_S3STS_BUCKET/}"
# With BROKER_COMPANION_BUCKET set: Ceph RGW 16 stores nothing from a POST form signed under a session policy.
export BROKER_COMPANION_POST_SIGNER="${BROKER_COMPANION_POST_SIGNER:-role}"

./mvnw -B -q package -DskipTests
export QUARKUS_HTTP_HOST="${QUARKUS_HTTP_HOST:-127.0.0.1}"
export QUARKUS_MANAGEMENT_HOST="${QUARKUS_MANAGEMENT_HOST:-$QUARKUS_HTTP_HOST}"
# The JVM options and malloc arena limit of the container image (docker/jvm.options, docker/Dockerfile.jvm).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

base="http://$QUARKUS_HTTP_HOST:${QUARKUS_HTTP_PORT:-8080}"
management="http://$QUARKUS_MANAGEMENT_HOST:${QUARKUS_MANAGEMENT_PORT:-9000}"
cat <<USAGE
Local API key of caller 'local' (in $key_file); read and write: $BROKER_ACCESS_READ / $BROKER_ACCESS_WRITE
  KEY=$key
  curl -X PUT -H "Authorization: Bearer \$KEY" -H 'Content-Type: text/plain' --data-binary 'hello' "$base/item?bucket=$LOCAL_S3STS_BUCKET&key=hello.txt"
  curl -H "Authorization: Bearer \$KEY" "$base/item?bucket=$LOCAL_S3STS_BUCKET&key=hello.txt"
Health and metrics (management interface, no key): $management/q/health/ready $management/q/metrics
USAGE
exec java @docker/jvm.options "$@" -jar target/quarkus-app/quarkus-run.jar

#!/usr/bin/env bash
# Validates deploy/kubernetes offline, with no cluster:
#   1. renders both entry points (deploy/kubernetes, deploy/kubernetes/with-prometheus-operator) with kustomize;
#   2. checks every object against the Kubernetes schema of its kind, rejects unknown fields, and checks the
#      project's own rules (deploy/validate.mjs says which), the security ones included: API keys only as hashes
#      in a Secret (base/*.example.yaml too), the allow-list file mounted, a NetworkPolicy.
# Installs what it needs on first use: npm packages (kubernetes-models and the prometheus-operator models,
# js-yaml, typescript) into a cache dir, and, if no kubectl with kustomize v4+ is on the PATH, Debian's
# kubernetes-client (kubectl 1.20), unpacked into the same cache dir (no install, no root needed).
# DEPLOY_VALIDATE_LEGACY_KUBECTL=1 uses Debian's kubectl even where a newer one exists (to test that path).
# Exit status 0 = everything valid.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
TOOLS=${DEPLOY_VALIDATE_DIR:-${TMPDIR:-/tmp}/s3-sts-broker-deploy-validate}
mkdir -p "$TOOLS"
log() { printf '[validate] %s\n' "$*" >&2; }

# ---------------------------------------------------------------- tools
if [[ ! -d $TOOLS/node_modules/kubernetes-models || ! -d $TOOLS/node_modules/typescript ]]; then
  log "installing the validators from the npm registry into $TOOLS"
  [[ -f $TOOLS/package.json ]] || echo '{"private":true,"type":"module"}' >"$TOOLS/package.json"
  npm install --prefix "$TOOLS" --no-audit --no-fund --silent \
    kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 js-yaml@4.1.0 typescript@5.9.3 >&2
fi

# kustomize: kubectl's built-in one. v4+ (kubectl >= 1.21) reads these files as they are; Debian's
# kubectl 1.20 (kustomize v2) needs directory entries under "bases" and "commonLabels" instead of "labels",
# so for it the kustomizations are rewritten in a scratch copy.
KUBECTL=$(command -v kubectl || true)
LEGACY=0
if [[ ${DEPLOY_VALIDATE_LEGACY_KUBECTL:-0} != 1 && -n $KUBECTL ]] && "$KUBECTL" version --client -o json 2>/dev/null | grep -q '"kustomizeVersion": *"v[4-9]'; then
  :
else
  if [[ ! -x $TOOLS/kubectl/usr/bin/kubectl ]]; then
    log "no kubectl with kustomize v4+; fetching Debian's kubernetes-client"
    (cd "$TOOLS" && apt-get download kubernetes-client >&2 && dpkg -x kubernetes-client_*.deb kubectl && rm -f kubernetes-client_*.deb)
  fi
  KUBECTL=$TOOLS/kubectl/usr/bin/kubectl
  LEGACY=1
fi

# ---------------------------------------------------------------- render
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp -r "$HERE/kubernetes" "$WORK/kubernetes"
if ((LEGACY)); then
  NODE_PATH=$TOOLS/node_modules node - "$WORK/kubernetes" <<'JS'
const fs = require("fs"), path = require("path"), yaml = require("js-yaml");
const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? walk(path.join(d, e.name)) : e.name === "kustomization.yaml" ? [path.join(d, e.name)] : []);
for (const file of walk(process.argv[2])) {
  const k = yaml.load(fs.readFileSync(file, "utf8"));
  const dir = path.dirname(file);
  const isDir = (r) => fs.statSync(path.join(dir, r)).isDirectory();
  if (k.resources) {
    const bases = k.resources.filter(isDir);
    if (bases.length) k.bases = bases;
    k.resources = k.resources.filter((r) => !isDir(r));
    if (!k.resources.length) delete k.resources;
  }
  if (k.labels) {
    k.commonLabels = Object.assign({}, ...k.labels.map((l) => l.pairs));
    delete k.labels;
  }
  fs.writeFileSync(file, yaml.dump(k));
}
JS
fi
"$KUBECTL" kustomize "$WORK/kubernetes" >"$WORK/default.yaml"
"$KUBECTL" kustomize "$WORK/kubernetes/with-prometheus-operator" >"$WORK/with-prometheus-operator.yaml"
log "rendered with $("$KUBECTL" version --client 2>/dev/null | head -1)$( ((LEGACY)) && echo ' (legacy syntax)')"

# ---------------------------------------------------------------- validate
cp "$HERE/validate.mjs" "$TOOLS/validate.mjs" # resolved against $TOOLS/node_modules
status=0
# The example Secrets are created by hand, outside the kustomization: references to them count as resolved, and
# the rules on Secrets (API keys only as hashes) check them too.
externals=()
for example in "$HERE"/kubernetes/base/*.example.yaml; do externals+=("--external=$example"); done
for f in default with-prometheus-operator; do
  case $f in
  default) log "validating kubectl kustomize deploy/kubernetes" ;;
  *) log "validating kubectl kustomize deploy/kubernetes/$f" ;;
  esac
  APP_PROPERTIES=$REPO/src/main/resources/application.properties node "$TOOLS/validate.mjs" "$WORK/$f.yaml" \
    "${externals[@]}" || status=1
done
for example in "$HERE"/kubernetes/base/*.example.yaml; do
  log "validating deploy/kubernetes/base/$(basename "$example") (not in the kustomization)"
  node "$TOOLS/validate.mjs" "$example" --no-rules || status=1
done
exit $status

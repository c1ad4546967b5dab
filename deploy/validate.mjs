// Validates rendered Kubernetes manifests (multi-document YAML files given as arguments) offline.
// Run by deploy/validate.sh, which installs the packages this imports. Three layers:
//  1. schema: every object against the JSON schema of its kind (kubernetes-models, generated from the Kubernetes
//     OpenAPI document; the prometheus-operator models for the ServiceMonitor): types, enums, required fields;
//  2. strict fields: the same objects as TypeScript literals typed with those models' interfaces, so that tsc
//     reports every unknown (misspelt, misplaced) field, which the JSON schemas let through;
//  3. this project's rules: the probes and the metrics on the management port (Quarkus' management interface, on in
//     application.properties), the API's Service without it, the non-root and read-only settings, the grace period
//     against quarkus.shutdown.timeout, that the names and labels that tie the objects together match, and the
//     security rules: API keys only as name:sha256hex pairs in a Secret, the allow-lists in a mounted properties
//     file, a NetworkPolicy that admits named namespaces only to the API and the scraper's pods only to the
//     management port.
// --external=FILE names objects created outside the kustomization (the *.example.yaml Secrets): references to them
// count as satisfied, and the rules that apply to Secrets check them too.
// Exit status 0 when all of it passes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const args = process.argv.slice(2);
const noRules = args.includes("--no-rules"); // schema and strict fields only (for a lone object)
const externalFiles = args.filter((a) => a.startsWith("--external=")).map((a) => a.slice("--external=".length));
const files = args.filter((a) => !a.startsWith("--"));
const appProperties = process.env.APP_PROPERTIES;
let failures = 0;
const fail = (where, message) => {
  failures++;
  console.error(`FAIL ${where}: ${message}`);
};

// apiVersion -> module holding its models
function modelModule(apiVersion) {
  if (apiVersion === "monitoring.coreos.com/v1") {
    return "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
  }
  return `kubernetes-models/${apiVersion}`;
}

const docs = [];
for (const file of files) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (doc) docs.push({ file: basename(file), doc });
  }
}
if (docs.length === 0) {
  fail("input", "no objects found");
}

// ---------------------------------------------------------------- 1. schema
for (const { file, doc } of docs) {
  const where = `${file}: ${doc.kind}/${doc.metadata?.name}`;
  let models;
  try {
    models = await import(modelModule(doc.apiVersion));
  } catch (e) {
    fail(where, `no schema for apiVersion ${doc.apiVersion}`);
    continue;
  }
  const Model = models[doc.kind];
  if (!Model) {
    fail(where, `no schema for kind ${doc.kind} in ${doc.apiVersion}`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    fail(where, `schema: ${e.message}`);
  }
}

// ---------------------------------------------------------------- 2. strict fields (tsc)
{
  // Next to this script, so that the models resolve from its node_modules.
  const dir = mkdtempSync(join(dirname(fileURLToPath(import.meta.url)), "strict-"));
  const lines = [];
  docs.forEach(({ file, doc }, i) => {
    const module = modelModule(doc.apiVersion);
    lines.push(`// ${file}: ${doc.kind}/${doc.metadata?.name}`);
    lines.push(`import type { I${doc.kind} as T${i} } from "${module}";`);
    lines.push(`export const o${i}: T${i} = ${JSON.stringify(doc, null, 2)};`);
  });
  writeFileSync(join(dir, "manifests.ts"), lines.join("\n") + "\n");
  const nodeModules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022",
      skipLibCheck: true, typeRoots: [],
    },
    files: ["manifests.ts"],
  }));
  try {
    execFileSync(join(nodeModules, ".bin", "tsc"), ["-p", dir], { stdio: "pipe" });
  } catch (e) {
    const out = (e.stdout?.toString() ?? "") + (e.stderr?.toString() ?? "");
    fail("strict fields", "tsc found fields the schemas do not know, or wrong types:\n" + out.trim()
      + `\n(the typed objects are in ${dir}/manifests.ts)`);
  }
  if (failures === 0) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- 3. this project's rules
const all = docs.map((d) => d.doc);
if (noRules) {
  if (failures) process.exit(1);
  console.log(`ok: ${all.length} object(s) valid (schema and fields only)`);
  process.exit(0);
}
const byKind = (kind) => all.filter((o) => o.kind === kind);
const one = (kind) => {
  const found = byKind(kind);
  if (found.length !== 1) fail("rules", `expected exactly one ${kind}, found ${found.length}`);
  return found[0];
};
const matches = (selector, labels) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;
const check = (cond, where, message) => cond || fail(where, message);
// The management interface as application.properties sets it: on, and on quarkus.management.port (Quarkus' 9000).
const appText = appProperties ? readFileSync(appProperties, "utf8") : "";
const managementEnabled = /^quarkus\.management\.enabled\s*=\s*true\s*$/m.test(appText);
const managementPort = Number(appText.match(/^quarkus\.management\.port\s*=\s*(\d+)\s*$/m)?.[1] ?? 9000);
// The container port a probe, Service or policy names (by name or number), or undefined.
const containerPort = (c, port) => (c.ports ?? []).find((p) => p.name === port || p.containerPort === port);

const deployment = one("Deployment");
if (deployment) {
  const where = `Deployment/${deployment.metadata.name}`;
  const pod = deployment.spec.template.spec;
  const podLabels = deployment.spec.template.metadata.labels;
  check(matches(deployment.spec.selector.matchLabels, podLabels), where, "selector does not match the pod labels");
  check(pod.securityContext?.runAsNonRoot === true, where, "pod securityContext.runAsNonRoot must be true");
  const c = pod.containers[0];
  check(c.securityContext?.readOnlyRootFilesystem === true, where, "readOnlyRootFilesystem must be true");
  check(c.securityContext?.allowPrivilegeEscalation === false, where, "allowPrivilegeEscalation must be false");
  const tmpMount = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
  check(tmpMount && (pod.volumes ?? []).some((v) => v.name === tmpMount.name && v.emptyDir),
    where, "/tmp must be an emptyDir (the root filesystem is read-only)");
  check(c.livenessProbe?.httpGet?.path === "/q/health/live", where, "liveness probe must GET /q/health/live");
  check(c.readinessProbe?.httpGet?.path === "/q/health/ready", where, "readiness probe must GET /q/health/ready");
  check(c.startupProbe?.httpGet, where, "a startup probe is required");
  // Health and metrics on the management interface: a port of their own that no caller's connections can take.
  if (appProperties) {
    check(managementEnabled, "application.properties", "quarkus.management.enabled=true is required (health and metrics off the API's port)");
  }
  const management = (c.ports ?? []).find((p) => p.name === "management");
  check(management?.containerPort === managementPort, where,
    `a container port named management must be ${managementPort} (quarkus.management.port)`);
  check(containerPort(c, "http") && containerPort(c, "http") !== management, where, "a container port named http (the API) is required");
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    check(containerPort(c, c[probe]?.httpGet?.port) === management, where, `${probe} must use the management port`);
  }
  const annotations = deployment.spec.template.metadata.annotations ?? {};
  if (annotations["prometheus.io/scrape"] === "true") {
    check(Number(annotations["prometheus.io/port"]) === managementPort, where, "prometheus.io/port must be the management port");
    check(annotations["prometheus.io/path"] === "/q/metrics", where, "prometheus.io/path must be /q/metrics");
  }
  check(c.readinessProbe?.timeoutSeconds > 5, where,
    "readiness timeoutSeconds must exceed the 5 s the credentials check may wait for STS");
  for (const r of ["requests", "limits"]) {
    check(c.resources?.[r]?.memory && c.resources?.[r]?.cpu, where, `resources.${r} needs cpu and memory`);
  }
  const portNames = (c.ports ?? []).map((p) => p.name);
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"]) {
    const port = c[probe]?.httpGet?.port;
    check(typeof port === "number" || portNames.includes(port), where, `${probe} port ${port} is not a container port`);
  }
  // quarkus.shutdown.timeout (e.g. 30S) vs the grace period, which must also cover the preStop pause.
  if (appProperties) {
    const m = readFileSync(appProperties, "utf8").match(/^quarkus\.shutdown\.timeout\s*=\s*(\d+)\s*S\s*$/im);
    check(m, "application.properties", "no quarkus.shutdown.timeout in seconds (e.g. 30S) found");
    if (m) {
      const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      check(grace > Number(m[1]) + preStop, where,
        `terminationGracePeriodSeconds ${grace} must exceed quarkus.shutdown.timeout ${m[1]} s + preStop ${preStop} s`);
    }
  }
  // Every ConfigMap / Secret the pod reads exists in the output, unless it is optional.
  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? "ConfigMap" : "Secret";
    check(ref.optional === true || all.some((o) => o.kind === kind && o.metadata.name === ref.name),
      where, `envFrom ${kind} ${ref.name} is not in the output and not optional`);
  }
  check(all.some((o) => o.kind === "ServiceAccount" && o.metadata.name === pod.serviceAccountName),
    where, `ServiceAccount ${pod.serviceAccountName} is not in the output`);

  // A Service serves the API or the management port, never both: the API's Service carries no health or metrics.
  const services = byKind("Service");
  const targets = (svc) => svc.spec.ports.map((p) => containerPort(c, p.targetPort ?? p.port));
  const apiServices = services.filter((svc) => targets(svc).some((t) => t && t !== management));
  check(apiServices.length === 1, "rules", `expected exactly one Service of the API, found ${apiServices.length}`);
  for (const svc of services) {
    const w = `Service/${svc.metadata.name}`;
    check(matches(svc.spec.selector, podLabels), w, "selector matches no pod");
    for (const p of svc.spec.ports) {
      check(typeof p.targetPort === "number" || portNames.includes(p.targetPort), w, `targetPort ${p.targetPort} is not a container port`);
    }
    const t = targets(svc);
    check(t.every((x) => x === management) || t.every((x) => x && x !== management), w,
      "serves both the API and the management port: keep health and metrics off the API's Service");
  }
  for (const sm of byKind("ServiceMonitor")) {
    const w = `ServiceMonitor/${sm.metadata.name}`;
    const selected = services.filter((svc) => matches(sm.spec.selector.matchLabels, svc.metadata.labels));
    check(selected.length > 0, w, "selector matches no Service");
    for (const e of sm.spec.endpoints) {
      const ports = selected.flatMap((svc) => svc.spec.ports.filter((p) => p.name === e.port));
      check(ports.length > 0, w, `port ${e.port} is not a port name of the Services it selects`);
      check(ports.every((p) => containerPort(c, p.targetPort ?? p.port) === management), w,
        `port ${e.port} must be the management port (the metrics are not on the API's)`);
      check(e.path === "/q/metrics", w, "metrics path must be /q/metrics");
    }
  }
  const pdb = one("PodDisruptionBudget");
  if (pdb) check(matches(pdb.spec.selector.matchLabels, podLabels), `PodDisruptionBudget/${pdb.metadata.name}`, "selector matches no pod");
  const hpa = one("HorizontalPodAutoscaler");
  if (hpa) {
    const w = `HorizontalPodAutoscaler/${hpa.metadata.name}`;
    check(hpa.apiVersion === "autoscaling/v2", w, "must be autoscaling/v2");
    check(hpa.spec.scaleTargetRef.kind === "Deployment" && hpa.spec.scaleTargetRef.name === deployment.metadata.name,
      w, "does not target the Deployment");
    check(hpa.spec.minReplicas >= 2, w, "minReplicas below 2 leaves the PodDisruptionBudget nothing to protect");
    // A string in the schema, an enum only in the API server's validation.
    for (const m of hpa.spec.metrics ?? []) {
      const target = (m.resource ?? m.containerResource ?? m.pods ?? m.object ?? m.external)?.target;
      check(["Utilization", "Value", "AverageValue"].includes(target?.type), w,
        `metric target type ${target?.type} is not Utilization, Value or AverageValue`);
    }
  }
}

// ---------------------------------------------------------------- 3b. security rules
const external = externalFiles.flatMap((f) => yaml.loadAll(readFileSync(f, "utf8")).filter(Boolean));
const secretValues = (o) => ({
  ...Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")])),
  ...(o.stringData ?? {}),
});
// The broker's own rule (io.s3broker.auth.ApiKeys): a name, a colon, the 64 hex digits of the key's SHA-256.
const API_KEY_PAIRS = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}:[0-9a-fA-F]{64}(\s*,\s*[A-Za-z0-9][A-Za-z0-9._@-]{0,63}:[0-9a-fA-F]{64})*$/;
const SECRET_ENV = ["BROKER_AUTH_API_KEYS", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "S3_SECRET_ACCESS_KEY"];
if (deployment) {
  const where = `Deployment/${deployment.metadata.name}`;
  const pod = deployment.spec.template.spec;
  const c = pod.containers[0];
  const env = c.env ?? [];
  // Every key reference resolves: to an object of the output or an external one holding that key.
  for (const e of env) {
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (!ref || ref.optional === true) continue;
    const kind = e.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
    const target = [...all, ...external].find((o) => o.kind === kind && o.metadata.name === ref.name);
    check(target && ref.key in (kind === "Secret" ? secretValues(target) : target.data ?? {}), where,
      `env ${e.name}: ${kind} ${ref.name} with key ${ref.key} is neither in the output nor in an example file`);
  }
  for (const v of pod.volumes ?? []) {
    if (v.configMap && v.configMap.optional !== true) {
      check(all.some((o) => o.kind === "ConfigMap" && o.metadata.name === v.configMap.name), where,
        `volume ${v.name}: ConfigMap ${v.configMap.name} is not in the output`);
    }
  }
  // API keys come from a Secret, never from a literal value or a ConfigMap.
  const apiKeys = env.find((e) => e.name === "BROKER_AUTH_API_KEYS");
  check(apiKeys?.valueFrom?.secretKeyRef, where, "BROKER_AUTH_API_KEYS must come from a secretKeyRef");
  for (const e of env) {
    check(!(SECRET_ENV.includes(e.name) && e.value !== undefined), where, `${e.name} must not be a literal value`);
  }
  // The allow-lists: QUARKUS_CONFIG_LOCATIONS names files of ConfigMaps mounted into the pod.
  const envFromConfig = Object.assign({}, ...(c.envFrom ?? []).filter((f) => f.configMapRef)
    .map((f) => all.find((o) => o.kind === "ConfigMap" && o.metadata.name === f.configMapRef.name)?.data ?? {}));
  const locations = env.find((e) => e.name === "QUARKUS_CONFIG_LOCATIONS")?.value ?? envFromConfig.QUARKUS_CONFIG_LOCATIONS;
  check(locations, where, "QUARKUS_CONFIG_LOCATIONS must name the mounted allow-list properties file");
  for (const location of (locations ?? "").split(",").map((l) => l.trim()).filter(Boolean)) {
    const mount = (c.volumeMounts ?? []).find((m) => location.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name && v.configMap);
    const configMap = volume && all.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume.configMap.name);
    const file = location.slice(mount?.mountPath.replace(/\/?$/, "/").length ?? 0);
    const text = configMap?.data?.[file];
    if (!check(text !== undefined, where, `QUARKUS_CONFIG_LOCATIONS ${location} is not a file of a mounted ConfigMap`)) {
      continue;
    }
    check(mount.readOnly === true, where, `the mount of ${location} must be readOnly`);
    for (const line of text.split("\n")) {
      const m = line.match(/^\s*([^#!\s][^=:]*?)\s*[=:]\s*(.*)$/);
      if (!m) continue;
      const [, key, value] = m;
      const at = `ConfigMap/${configMap.metadata.name} ${file}: ${key}`;
      if (/^broker\.access\.(read|write|callers\."[^"]+"\.(read|write))$/.test(key)) {
        for (const entry of value.split(",").map((x) => x.trim()).filter(Boolean)) {
          check(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^*?$]*\/)?$/.test(entry), at,
            `entry '${entry}' must be bucket/ or bucket/prefix/ (ending in '/', without '*', '?' or '$')`);
        }
      } else {
        check(!/api-keys|secret|password|token/i.test(key), at, "no secret in the allow-list file (API keys go in the Secret)");
        check(/^(broker|quarkus|mp)\./.test(key), at, "unknown setting (not broker.*, quarkus.* or mp.*)");
      }
    }
  }
  // NetworkPolicy: selects the pods, admits named namespaces on the container's port only.
  const policies = byKind("NetworkPolicy");
  check(policies.length >= 1, "rules", "a NetworkPolicy must restrict who reaches the broker");
  const podLabels = deployment.spec.template.metadata.labels;
  const portNames = (c.ports ?? []).map((p) => p.name);
  const portNumbers = (c.ports ?? []).map((p) => p.containerPort);
  const c0 = c;
  const managementPolicyPort = (p) => containerPort(c0, p.port)?.name === "management";
  check(policies.some((np) => (np.spec.ingress ?? []).some((rule) => (rule.ports ?? []).some(managementPolicyPort))),
    "rules", "no NetworkPolicy rule admits the scraper to the management port");
  for (const np of policies) {
    const w = `NetworkPolicy/${np.metadata.name}`;
    check(matches(np.spec.podSelector?.matchLabels, podLabels), w, "podSelector does not select the broker's pods");
    check((np.spec.policyTypes ?? []).includes("Ingress"), w, "policyTypes must include Ingress");
    for (const [i, rule] of (np.spec.ingress ?? []).entries()) {
      const r = `${w} ingress[${i}]`;
      check((rule.from ?? []).length > 0, r, "an ingress rule without 'from' admits every source");
      check((rule.ports ?? []).length > 0 && rule.ports.every((p) => portNames.includes(p.port) || portNumbers.includes(p.port)),
        r, "must name the container's port(s) only");
      for (const peer of rule.from ?? []) {
        check(!peer.ipBlock, r, "no ipBlock: admit namespaces by label");
        const ns = peer.namespaceSelector;
        check(ns && (Object.keys(ns.matchLabels ?? {}).length > 0 || (ns.matchExpressions ?? []).length > 0), r,
          "every peer needs a namespaceSelector with labels (an empty one admits every namespace)");
        // kustomize's labels (includeSelectors) would turn a peer's matchLabels into the broker's own labels.
        check(!peer.podSelector?.matchLabels || !matches(peer.podSelector.matchLabels, podLabels), r,
          "a peer's podSelector selects the broker's own pods (kustomize labels added to it? use matchExpressions)");
      }
      // The management port only to a scraper's pods, never to whole namespaces, and in a rule of its own.
      if ((rule.ports ?? []).some(managementPolicyPort)) {
        check(rule.ports.every(managementPolicyPort), r, "admits the management port together with the API's");
        for (const peer of rule.from ?? []) {
          const pods = peer.podSelector;
          check(pods && (Object.keys(pods.matchLabels ?? {}).length > 0 || (pods.matchExpressions ?? []).length > 0), r,
            "the management port (health, metrics) only to the scraper's pods: every peer needs a podSelector with labels");
        }
      }
    }
  }
}
// No raw key in any Secret: API keys only as name:sha256hex pairs; no secret in a ConfigMap.
for (const o of [...all, ...external]) {
  const w = `${o.kind}/${o.metadata?.name}`;
  if (o.kind === "Secret") {
    for (const [k, v] of Object.entries(secretValues(o))) {
      if (k === "api-keys" || k === "BROKER_AUTH_API_KEYS") {
        check(API_KEY_PAIRS.test(v.trim()), w, `${k} must hold only name:sha256hex pairs (the SHA-256 of each key, never a key)`);
      }
    }
  }
  if (o.kind === "ConfigMap") {
    for (const k of Object.keys(o.data ?? {})) {
      check(!SECRET_ENV.includes(k), w, `${k} belongs in a Secret, not a ConfigMap`);
    }
  }
}

const kinds = all.map((o) => `${o.kind}/${o.metadata?.name}`).join(", ");
if (failures) {
  console.error(`${failures} problem(s) in ${files.join(" ")}`);
  process.exit(1);
}
console.log(`ok: ${all.length} objects valid (${kinds})`);

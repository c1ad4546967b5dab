// Validates rendered Kubernetes manifests (multi-document YAML files given as arguments) offline.
// Run by deploy/validate.sh, which installs the packages this imports. Three layers:
//  1. schema: every object against the JSON schema of its kind (kubernetes-models, generated from the Kubernetes
//     OpenAPI document; the prometheus-operator models for the ServiceMonitor): types, enums, required fields;
//  2. strict fields: the same objects as TypeScript literals typed with those models' interfaces, so that tsc
//     reports every unknown (misspelt, misplaced) field, which the JSON schemas let through;
//  3. this project's rules: the probes, the non-root and read-only settings, the grace period against
//     quarkus.shutdown.timeout, and that the names and labels that tie the objects together match.
// Exit status 0 when all of it passes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

const args = process.argv.slice(2);
const noRules = args.includes("--no-rules"); // schema and strict fields only (for a lone object)
const files = args.filter((a) => a !== "--no-rules");
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

  const service = one("Service");
  if (service) {
    check(matches(service.spec.selector, podLabels), `Service/${service.metadata.name}`, "selector matches no pod");
    for (const p of service.spec.ports) {
      check(typeof p.targetPort === "number" || portNames.includes(p.targetPort),
        `Service/${service.metadata.name}`, `targetPort ${p.targetPort} is not a container port`);
    }
    for (const sm of byKind("ServiceMonitor")) {
      const w = `ServiceMonitor/${sm.metadata.name}`;
      check(matches(sm.spec.selector.matchLabels, service.metadata.labels), w, "selector does not match the Service");
      for (const e of sm.spec.endpoints) {
        check(service.spec.ports.some((p) => p.name === e.port), w, `port ${e.port} is not a Service port name`);
        check(e.path === "/q/metrics", w, "metrics path must be /q/metrics");
      }
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

const kinds = all.map((o) => `${o.kind}/${o.metadata?.name}`).join(", ");
if (failures) {
  console.error(`${failures} problem(s) in ${files.join(" ")}`);
  process.exit(1);
}
console.log(`ok: ${all.length} objects valid (${kinds})`);

// Checks deploy/kubernetes without a cluster: every object against the Kubernetes API schema (kubernetes-models, generated
// from the API's OpenAPI document), then what the schema cannot know: that the pieces fit each other and the binary.
// Usage: node scripts/check-kubernetes.mjs [folder]   (exit 1 with one line per problem)
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);
const folder = process.argv[2] ?? "deploy/kubernetes";
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

// --- Load: the kustomization must list every file, and every file it lists must exist.
const kustomization = parseAllDocuments(readFileSync(join(folder, "kustomization.yaml"), "utf8"))[0].toJS();
const files = readdirSync(folder).filter(f => f.endsWith(".yaml") && f !== "kustomization.yaml").sort();
for (const f of files) if (!kustomization.resources.includes(f)) problem(f, "not listed in kustomization.yaml");
for (const f of kustomization.resources) if (!files.includes(f)) problem("kustomization.yaml", `lists ${f}, which does not exist`);

const objects = [];
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(join(folder, file), "utf8"))) {
    if (doc.errors.length) { problem(file, doc.errors.map(e => e.message).join("; ")); continue; }
    const obj = doc.toJS();
    if (obj) objects.push({ file, obj });
  }
}

// --- Schema: apps/v1 Deployment → kubernetes-models/apps/v1/Deployment; v1 Service → kubernetes-models/v1/Service.
for (const { file, obj } of objects) {
  const where = `${file} (${obj.kind} ${obj.metadata?.name})`;
  let model;
  try { model = require(`kubernetes-models/${obj.apiVersion}/${obj.kind}`)[obj.kind]; }
  catch { problem(where, `unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`); continue; }
  try { new model(obj).validate(); } catch (e) { problem(where, e.message); }
}

// --- Fit: names referenced exist, selectors select, probes and ports match what the binary serves.
const byKind = kind => objects.filter(o => o.obj.kind === kind);
const named = (kind, name) => byKind(kind).find(o => o.obj.metadata.name === name)?.obj;
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

const workloads = [...byKind("Deployment"), ...byKind("Job")];
for (const { file, obj } of workloads) {
  const pod = obj.spec.template.spec;
  const where = `${file} (${obj.kind} ${obj.metadata.name})`;
  if (pod.securityContext?.runAsNonRoot !== true) problem(where, "pods must set securityContext.runAsNonRoot");
  for (const c of pod.containers) {
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory || !c.resources?.limits?.memory)
      problem(where, `container ${c.name} needs cpu and memory requests and a memory limit`);
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef && !named("ConfigMap", from.configMapRef.name)) problem(where, `no ConfigMap ${from.configMapRef.name}`);
      if (from.secretRef && !named("Secret", from.secretRef.name)) problem(where, `no Secret ${from.secretRef.name}`);
    }
    const env = Object.assign({}, ...(c.envFrom ?? []).map(f =>
      f.configMapRef ? named("ConfigMap", f.configMapRef.name)?.data : named("Secret", f.secretRef?.name)?.stringData));
    if (!env.ConnectionStrings__BatchEditor) problem(where, `container ${c.name} gets no ConnectionStrings__BatchEditor`);
  }
}

const deployment = named("Deployment", "batch-editor-worker");
if (!deployment) problem("worker-deployment.yaml", "no Deployment batch-editor-worker");
else {
  const pod = deployment.spec.template;
  const worker = pod.spec.containers[0];
  const where = "worker-deployment.yaml";
  if (worker.args?.[0] !== "worker") problem(where, "the container must run `worker`");
  if (!matches(deployment.spec.selector.matchLabels, pod.metadata.labels)) problem(where, "the selector does not match the pod labels");
  const urls = worker.args[worker.args.indexOf("--urls") + 1] ?? "";
  const port = worker.ports?.find(p => p.name === "http")?.containerPort;
  if (!worker.args.includes("--dashboard") || !urls.endsWith(`:${port}`)) problem(where, `the probes need \`--dashboard --urls http://0.0.0.0:${port}\``);
  if (worker.livenessProbe?.httpGet?.path !== "/health/live") problem(where, "livenessProbe must GET /health/live");
  if (worker.readinessProbe?.httpGet?.path !== "/health/ready") problem(where, "readinessProbe must GET /health/ready");
  // Listening beyond loopback without a dashboard user is refused at start (exit 2).
  const secret = named("Secret", "batch-editor-secrets")?.stringData ?? {};
  if (!secret.Dashboard__Users__0__Name || (secret.Dashboard__Users__0__Password ?? "").length < 12)
    problem("secret.yaml", "the worker listens beyond loopback, so it needs Dashboard__Users__0__Name and a Password of 12+ characters");
  // A worker stops within Worker__ShutdownGrace + 5 s; unset, the grace is the longest provider RequestTimeout + 10 s
  // (300 s for synchronous providers). The pod must be given that long, or a deploy parks the submits it waits for.
  const configured = named("ConfigMap", "batch-editor-config")?.data?.Worker__ShutdownGrace;
  const grace = configured ? configured.split(":").reduce((a, p) => a * 60 + Number(p), 0) : 310;
  if ((pod.spec.terminationGracePeriodSeconds ?? 30) < grace + 5)
    problem(where, `terminationGracePeriodSeconds must be at least Worker__ShutdownGrace + 5 s (${grace + 5} s)`);
  for (const { file, obj } of [...byKind("PodDisruptionBudget"), ...byKind("Service")]) {
    const selector = obj.kind === "Service" ? obj.spec.selector : obj.spec.selector.matchLabels;
    if (!matches(selector, pod.metadata.labels)) problem(file, `${obj.kind} ${obj.metadata.name} selects no worker pod`);
  }
  for (const svc of byKind("Service")) for (const p of svc.obj.spec.ports)
    if (p.targetPort !== "http" && p.targetPort !== port) problem(svc.file, `targetPort ${p.targetPort} is not the worker's port`);
}

const job = byKind("Job")[0]?.obj;
if (job?.spec.template.spec.containers[0].args?.[0] !== "migrate") problem("migrate-job.yaml", "a Job must run `migrate`");
if (byKind("PodDisruptionBudget").length === 0) problem(folder, "no PodDisruptionBudget");

const images = new Set(workloads.flatMap(w => w.obj.spec.template.spec.containers.map(c => c.image)));
if (images.size !== 1) problem(folder, `the migration and the workers must run the same image (${[...images].join(", ")})`);
if (!kustomization.images?.some(i => images.has(i.name))) problem("kustomization.yaml", "no images entry for the workloads' image");

if (problems.length) { for (const p of problems) console.error(p); process.exit(1); }
console.log(`deploy/kubernetes: ${objects.length} objects valid against the Kubernetes schema and consistent with each other`);

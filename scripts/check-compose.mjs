// Checks docker-compose.yml and deploy/Dockerfile without a Docker engine: reads `docker-compose config` (the file as
// Compose resolves it, on standard input) and checks the workflow the README documents.
// Usage: docker-compose config | node scripts/check-compose.mjs   (exit 1 with one line per problem)
import { readFileSync, existsSync } from "node:fs";
import { parse } from "yaml";

const compose = parse(readFileSync(0, "utf8"));
const problems = [];
const services = compose.services ?? {};
const ours = Object.entries(services).filter(([, s]) => s.build);

for (const name of ["postgres", "azurite", "migrate", "simulator", "worker", "web", "cli"])
  if (!services[name]) problems.push(`no service ${name}`);

// `docker compose up --scale worker=N` scales workers; a fixed deploy.replicas would fight it.
const worker = services.worker ?? {};
if (worker.deploy?.replicas !== undefined) problems.push("worker: deploy.replicas stops `--scale worker=N`; leave it out");
if (worker.command?.[0] !== "worker") problems.push("worker: must run `worker`");
if (worker.ports?.length) problems.push("worker: publishes ports, so a second worker could not start");
// A worker stops within Worker__ShutdownGrace + 5 s; unset, the grace is the longest provider RequestTimeout + 10 s
// (300 s for synchronous providers). Compose must not kill it sooner, or the submits it waits for are parked in review.
const seconds = v => { const m = /^(\d+)(s|m)?$/.exec(String(v ?? "")); return m ? parseInt(m[1]) * (m[2] === "m" ? 60 : 1) : NaN; };
const grace = seconds((worker.environment?.Worker__ShutdownGrace ?? "").split(":").reduce((a, p) => a * 60 + Number(p), 0) || 310);
if (!(seconds(worker.stop_grace_period ?? "10s") >= grace + 5))
  problems.push(`worker: stop_grace_period must be at least Worker__ShutdownGrace + 5 s (${grace + 5} s)`);

// The dashboard: published, on the host's loopback only, with a user (the binary refuses to listen beyond loopback without).
const web = services.web ?? {};
const published = (web.ports ?? []).map(p => typeof p === "string" ? p : `${p.host_ip ?? ""}:${p.published}:${p.target}`);
if (!published.some(p => p.startsWith("127.0.0.1:") && /:8080(\/tcp)?$/.test(p))) problems.push(`web: must publish 8080 on 127.0.0.1 (has ${published.join(", ") || "none"})`);
if (!web.environment?.Dashboard__Users__0__Name || (web.environment?.Dashboard__Users__0__Password ?? "").length < 12)
  problems.push("web: listens beyond the container's loopback, so it needs Dashboard__Users__0__Name and a Password of 12+ characters");

// `docker compose run --rm cli submit /batches/…`: not started by `up`, the batch folder mounted.
const cli = services.cli ?? {};
if (!cli.profiles?.length) problems.push("cli: needs a profile so `up` does not start it");
if (!(cli.volumes ?? []).some(v => (typeof v === "string" ? v : v.target).includes("/batches"))) problems.push("cli: must mount the batch folder at /batches");

for (const [name, s] of ours) {
  if (s.build.dockerfile !== "deploy/Dockerfile") problems.push(`${name}: builds ${s.build.dockerfile}`);
  if (name !== "simulator" && !s.environment?.ConnectionStrings__BatchEditor) problems.push(`${name}: no ConnectionStrings__BatchEditor`);
}

// The Dockerfile: every path it copies exists, and the final stage does not run as root.
const dockerfile = readFileSync("deploy/Dockerfile", "utf8");
for (const [, sources] of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm))
  for (const source of sources.split(" ")) if (!existsSync(source)) problems.push(`deploy/Dockerfile copies ${source}, which does not exist`);
const finalStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
if (!/^USER (?!root|0\b)\S+/m.test(finalStage)) problems.push("deploy/Dockerfile: the final stage must switch to a non-root USER");
if (!/^\.?\/?node_modules/m.test(readFileSync(".dockerignore", "utf8"))) problems.push(".dockerignore must leave out node_modules");

if (problems.length) { for (const p of problems) console.error(`docker-compose.yml: ${p}`); process.exit(1); }
console.log(`docker-compose.yml: ${Object.keys(services).length} services valid for Compose and fit for the documented workflow`);

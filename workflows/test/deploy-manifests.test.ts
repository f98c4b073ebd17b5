/**
 * The Kubernetes manifests (workflows/deploy/k8s) against the code they deploy: every variable
 * they set is one the code reads, together they make a valid production configuration, the
 * probes point at endpoints the built processes really serve, and Kubernetes waits longer than
 * the worker's drain. (No cluster here: the manifests are parsed and checked, the probes are hit
 * on the built worker and proxy.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { WORKFLOWS_DIR } from "../scripts/artifacts.ts";
import { parseReconcilerEnv } from "../src/reconciler/config.ts";
import { PROXY_ENV_NAMES, parseProxyEnv } from "../src/proxy/env.ts";
import { parseWorkerEnv, WORKER_ENV_NAMES } from "../src/worker/env.ts";
import { SHUTDOWN_GRACE_TIME } from "../src/worker/run-worker.ts";
import { builtArtifacts, eventually, startBuiltProxy, startBuiltWorker, type BuiltProcess } from "./support/built.ts";

const K8S_DIR = path.join(WORKFLOWS_DIR, "deploy/k8s");

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: any;
}

function loadManifests(file: string): Manifest[] {
  const documents = yaml.loadAll(fs.readFileSync(path.join(K8S_DIR, file), "utf8")).filter((d) => d !== null) as Manifest[];
  for (const doc of documents) {
    assert.ok(doc.apiVersion && doc.kind && doc.metadata?.name, `${file}: every document has apiVersion, kind and metadata.name`);
  }
  return documents;
}

const kustomization = yaml.load(fs.readFileSync(path.join(K8S_DIR, "kustomization.yaml"), "utf8")) as { resources: string[]; namespace: string; images: Array<{ name: string }> };
const applied = kustomization.resources.flatMap(loadManifests);
const secrets = loadManifests("secrets.example.yaml");

function find(kind: string, name: string, from: Manifest[] = applied): Manifest {
  const found = from.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind}/${name} is in the manifests`);
  return found;
}

/** The ConfigMap's data and the Secret's keys a Deployment's container gets through envFrom. */
function containerEnv(deployment: Manifest): { config: Record<string, string>; secret: Record<string, string>; container: any } {
  const container = deployment.spec.template.spec.containers[0];
  const configName = container.envFrom.find((e: any) => e.configMapRef)?.configMapRef.name;
  const secretName = container.envFrom.find((e: any) => e.secretRef)?.secretRef.name;
  assert.equal(container.env, undefined, "all settings come from the ConfigMap and the Secret");
  return { config: find("ConfigMap", configName).data, secret: find("Secret", secretName, secrets).stringData, container };
}

/** Placeholders like "<service_role key>" replaced by values of a plausible shape. */
const fillSecrets = (secret: Record<string, string>) => Object.fromEntries(Object.keys(secret).map((key) => [key, randomBytes(32).toString("hex")]));

const seconds = (duration: string) => {
  const match = /^(\d+) seconds?$/.exec(duration);
  assert.ok(match, `"${duration}" is in seconds`);
  return Number(match[1]);
};

describe("Kubernetes manifests", () => {
  test("every document parses; kustomization lists every manifest but the secrets example, and sets both images", () => {
    const files = fs.readdirSync(K8S_DIR).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml");
    assert.deepEqual([...kustomization.resources].sort(), files.filter((f) => f !== "secrets.example.yaml").sort());
    assert.equal(kustomization.namespace, "temporal");
    assert.ok(!applied.some((m) => m.kind === "Namespace"), "never creates (so `delete -k` never deletes) a namespace");
    assert.ok(!applied.some((m) => m.kind === "Secret"), "no secret values in what is applied");
    const images = applied.filter((m) => m.kind === "Deployment").map((d) => d.spec.template.spec.containers[0].image).sort();
    assert.deepEqual(images, kustomization.images.map((i) => i.name).sort());
  });

  test("worker: ConfigMap workflow-worker-config + Secret workflow-worker-secrets hold exactly variables the code reads, and make a valid production config", () => {
    const { config, secret } = containerEnv(find("Deployment", "workflow-worker"));
    assert.equal(find("ConfigMap", "workflow-worker-config").metadata.name, "workflow-worker-config");
    assert.equal(find("Secret", "workflow-worker-secrets", secrets).metadata.name, "workflow-worker-secrets");
    assert.ok(!("SUPABASE_DB_URL" in config) && !("SUPABASE_DB_URL" in secret), "the worker keeps no Postgres session");
    const env = { ...config, ...fillSecrets(secret) };
    for (const name of Object.keys(env)) {
      // The reconciler's variables are its own schema's: a name it does not read changes nothing.
      const readByReconciler = JSON.stringify(parseReconcilerEnv({ [name]: env[name] }, "production")) !== JSON.stringify(parseReconcilerEnv({}, "production"));
      assert.ok(WORKER_ENV_NAMES.includes(name) || readByReconciler, `${name} is read by the worker`);
    }
    for (const key of ["SUPABASE_SERVICE_ROLE_KEY", "DNS_API_TOKEN", "SMTP_PASSWORD", "INVITATION_TOKEN_SECRET"]) {
      assert.ok(key in secret && !(key in config), `${key} is in the Secret, not the ConfigMap`);
    }
    const parsed = parseWorkerEnv(env);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
    assert.equal(parsed.config.providers.mode, "production");
    assert.equal(parsed.config.nodeEnv, "production");
    assert.equal(parsed.config.http.host, "0.0.0.0", "listens for the kubelet's probes");
  });

  test("proxy: ConfigMap + Secret hold exactly variables the proxy reads, and make a valid config listening on all interfaces", () => {
    const { config, secret, container } = containerEnv(find("Deployment", "temporal-proxy"));
    const env = { ...config, ...fillSecrets(secret) };
    for (const name of Object.keys(env)) assert.ok(PROXY_ENV_NAMES.includes(name), `${name} is read by the proxy`);
    const parsed = parseProxyEnv(env);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.problems.join("\n"));
    assert.equal(parsed.options.host, "0.0.0.0");
    assert.equal(container.ports[0].containerPort, parsed.options.port);
    const service = find("Service", "temporal-proxy");
    assert.deepEqual(service.spec.selector, find("Deployment", "temporal-proxy").spec.selector.matchLabels);
    assert.equal(service.spec.ports[0].targetPort, container.ports[0].name);
    const ingress = find("Ingress", "temporal-proxy");
    assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.name, "temporal-proxy");
    assert.ok(ingress.spec.tls?.length > 0, "exposed over HTTPS only");
  });

  test("Deployments: selectors match, non-root, resource requests, PodDisruptionBudgets, and a grace period longer than the worker's drain", () => {
    for (const name of ["workflow-worker", "temporal-proxy"]) {
      const deployment = find("Deployment", name);
      const pod = deployment.spec.template;
      for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(pod.metadata.labels[key], value);
      assert.equal(pod.spec.securityContext.runAsNonRoot, true);
      const container = pod.spec.containers[0];
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.ok(container.resources.requests.cpu && container.resources.requests.memory, `${name} requests CPU and memory`);
      assert.ok(container.resources.limits.memory, `${name} has a memory limit`);
      const pdb = applied.find((m) => m.kind === "PodDisruptionBudget" && JSON.stringify(m.spec.selector.matchLabels) === JSON.stringify(deployment.spec.selector.matchLabels));
      assert.ok(pdb && pdb.spec.minAvailable >= 1 && deployment.spec.replicas > pdb.spec.minAvailable, `${name} has a PodDisruptionBudget that allows a drain`);
    }
    // The drain (SHUTDOWN_GRACE_TIME) plus stopping the reconciler and closing connections.
    const worker = find("Deployment", "workflow-worker");
    assert.ok(worker.spec.template.spec.terminationGracePeriodSeconds >= seconds(SHUTDOWN_GRACE_TIME) + 10);
    assert.equal(worker.spec.template.metadata.labels.app, "workflow-worker", "the label the runbooks select by (kubectl -l app=workflow-worker)");
  });
});

describe("the probes hit real endpoints of the built worker and proxy", () => {
  let outDir: string;
  let outbox: string;
  const running: BuiltProcess[] = [];
  before(() => {
    outDir = builtArtifacts();
    outbox = fs.mkdtempSync(path.join(os.tmpdir(), "outbox-"));
  });
  after(async () => {
    for (const process of running.splice(0)) await process.stop(1_000);
    fs.rmSync(outbox, { recursive: true, force: true });
  });

  /** The probes of a Deployment, with the port they name resolved to the container port. */
  function probes(name: string): Array<{ kind: string; path: string; port: number }> {
    const container = find("Deployment", name).spec.template.spec.containers[0];
    return ["readinessProbe", "livenessProbe"].map((kind) => {
      const probe = container[kind].httpGet;
      const port = typeof probe.port === "number" ? probe.port : container.ports.find((p: any) => p.name === probe.port)?.containerPort;
      return { kind, path: probe.path, port };
    });
  }

  test("worker: each probe's path answers 200 once the worker polls; its port is WORKER_HTTP_PORT", async () => {
    const { config } = containerEnv(find("Deployment", "workflow-worker"));
    // The built worker on a free port (tests never take fixed ports); the manifest's number is checked against its config.
    const worker = await startBuiltWorker(outDir, outbox, { RECONCILER_ENABLED: "false" });
    running.push(worker);
    for (const probe of probes("workflow-worker")) {
      assert.equal(probe.port, Number(config.WORKER_HTTP_PORT), `${probe.kind} targets WORKER_HTTP_PORT`);
      await eventually(`${probe.kind} ${probe.path} to answer 200`, async () => ((await fetch(`${worker.url}${probe.path}`)).status === 200 ? true : undefined), 20_000);
    }
    assert.equal((await fetch(`${worker.url}/no-such-probe`)).status, 404, "a wrong path would fail the probe");
  });

  test("proxy: each probe's path answers 200 without the bearer token (the kubelet has none)", async () => {
    const proxy = await startBuiltProxy(outDir, randomBytes(32).toString("hex"));
    running.push(proxy);
    for (const probe of probes("temporal-proxy")) {
      const response = await fetch(`${proxy.url}${probe.path}`);
      assert.equal(response.status, 200, `${probe.kind} ${probe.path}`);
    }
    assert.equal((await fetch(`${proxy.url}/readyz`)).status, 401, "any other path wants the token");
  });
});

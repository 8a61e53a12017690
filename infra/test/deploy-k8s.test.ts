import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import {
  APPS,
  healthPort,
  imageCommand,
  readRepoFile,
  readYaml,
  readYamlDocuments,
  repoFileExists,
  repoRoot,
  settingDefault,
  settingNames,
  type App,
} from './deploy-facts.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- manifests are untyped YAML, checked field by field */
type Obj = Record<string, any>;

interface Loaded {
  objects: Obj[];
  /** Every file a kustomization names, with the kustomization that names it. */
  references: Array<{ from: string; path: string }>;
  kustomizations: Array<{ dir: string; doc: Obj }>;
}

/** Reads a kustomization the way `kustomize build` would, without patches or transformers. */
function loadKustomization(
  dir: string,
  out: Loaded = { objects: [], references: [], kustomizations: [] },
): Loaded {
  const file = join(dir, 'kustomization.yaml');
  const doc = readYaml<Obj>(file);
  out.kustomizations.push({ dir, doc });
  for (const resource of (doc.resources ?? []) as string[]) {
    const path = normalize(join(dir, resource));
    out.references.push({ from: file, path });
    if (!repoFileExists(path)) continue;
    if (statSync(join(repoRoot, path)).isDirectory()) loadKustomization(path, out);
    else out.objects.push(...(readYamlDocuments(path) as Obj[]));
  }
  for (const gen of (doc.configMapGenerator ?? []) as Obj[]) {
    const data: Record<string, string> = {};
    for (const entry of (gen.files ?? []) as string[]) {
      const [key, source] = entry.includes('=')
        ? entry.split('=')
        : [entry.split('/').pop(), entry];
      const path = normalize(join(dir, source as string));
      out.references.push({ from: file, path });
      if (repoFileExists(path)) data[key as string] = readRepoFile(path);
    }
    out.objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: gen.name }, data });
  }
  for (const patch of (doc.patches ?? []) as Obj[]) {
    if (patch.path)
      out.references.push({ from: file, path: normalize(join(dir, patch.path as string)) });
  }
  return out;
}

const BASE = 'infra/k8s/base';
const OVERLAY = 'infra/k8s/overlays/production';
const base = loadKustomization(BASE);
const overlay = loadKustomization(OVERLAY);
const external = readYaml<{ secrets: Array<{ name: string; keys: string[] }> }>(
  'infra/k8s/external-secrets.yaml',
).secrets;

const ofKind = (kind: string) => base.objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string) =>
  base.objects.find((o) => o.kind === kind && o.metadata?.name === name);
const workloads = base.objects.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind));
const podSpec = (w: Obj): Obj => w.spec.template.spec;
const containersOf = (w: Obj): Obj[] => [
  ...(podSpec(w).initContainers ?? []),
  ...podSpec(w).containers,
];
const id = (o: Obj) => `${o.kind}/${o.metadata?.name}`;
const component = (w: Obj): string =>
  w.spec.template.metadata.labels['app.kubernetes.io/component'];
const appWorkload = (app: App) => {
  const w = workloads.find((o) => o.kind !== 'Job' && component(o) === app);
  assert.ok(w, `no Deployment or StatefulSet for ${app}`);
  return w;
};

/** Whether a label selector (matchLabels and matchExpressions) selects these labels. */
function selects(selector: Obj, labels: Record<string, string>): boolean {
  const match = (selector.matchLabels ?? (selector.matchExpressions ? {} : selector)) as Record<
    string,
    string
  >;
  if (!Object.entries(match).every(([k, v]) => labels[k] === v)) return false;
  return ((selector.matchExpressions ?? []) as Obj[]).every((e) => {
    if (e.operator === 'In') return (e.values as string[]).includes(labels[e.key] as string);
    if (e.operator === 'Exists') return e.key in labels;
    throw new Error(`selector operator ${e.operator} not understood by this check`);
  });
}
const selected = (selector: Obj) =>
  workloads.filter((w) => selects(selector, w.spec.template.metadata.labels ?? {}));

describe('Kubernetes manifests: files', () => {
  it('every file a kustomization names exists', () => {
    for (const ref of [...base.references, ...overlay.references]) {
      assert.ok(repoFileExists(ref.path), `${ref.from} names ${ref.path}, which does not exist`);
    }
  });

  it('every object has a kind, an apiVersion and a name, once', () => {
    const seen = new Set<string>();
    for (const o of base.objects) {
      assert.ok(
        o.apiVersion && o.kind && o.metadata?.name,
        `incomplete object ${JSON.stringify(o).slice(0, 80)}`,
      );
      assert.ok(!seen.has(id(o)), `${id(o)} defined twice`);
      seen.add(id(o));
    }
  });

  it('every other file of the production overlay is a patch of an object of the base', () => {
    const doc = overlay.kustomizations.find((k) => k.dir === OVERLAY)?.doc ?? {};
    const listed = new Set<string>([...((doc.resources ?? []) as string[]), 'kustomization.yaml']);
    for (const file of readdirSync(join(repoRoot, OVERLAY)).filter(
      (f) => f.endsWith('.yaml') && !listed.has(f),
    )) {
      for (const target of readYamlDocuments(join(OVERLAY, file)) as Obj[]) {
        assert.ok(
          named(target.kind, target.metadata?.name),
          `${file} patches ${id(target)}, which the base lacks`,
        );
      }
    }
  });

  it('every patch of the production overlay targets an object of the base', () => {
    for (const { dir, doc } of overlay.kustomizations.filter((k) => k.dir === OVERLAY)) {
      for (const patch of (doc.patches ?? []) as Obj[]) {
        for (const target of readYamlDocuments(join(dir, patch.path as string)) as Obj[]) {
          assert.ok(
            named(target.kind, target.metadata.name),
            `${patch.path} patches ${id(target)}, which the base lacks`,
          );
        }
      }
      for (const r of (doc.replicas ?? []) as Obj[]) {
        assert.ok(
          workloads.some((w) => w.metadata.name === r.name),
          `replicas for unknown workload ${r.name}`,
        );
      }
    }
  });
});

describe('Kubernetes manifests: references resolve', () => {
  it('every ConfigMap a pod reads is defined', () => {
    for (const w of workloads) {
      const spec = podSpec(w);
      const names = [
        ...((spec.volumes ?? []) as Obj[]).filter((v) => v.configMap).map((v) => v.configMap.name),
        ...containersOf(w).flatMap((c) =>
          ((c.envFrom ?? []) as Obj[])
            .filter((e) => e.configMapRef)
            .map((e) => e.configMapRef.name),
        ),
        ...containersOf(w).flatMap((c) =>
          ((c.env ?? []) as Obj[])
            .filter((e) => e.valueFrom?.configMapKeyRef)
            .map((e) => e.valueFrom.configMapKeyRef.name),
        ),
      ];
      for (const name of names)
        assert.ok(
          named('ConfigMap', name),
          `${id(w)} reads ConfigMap ${name}, which is not defined`,
        );
    }
  });

  it('every Secret a pod reads is listed as external, with the keys it reads', () => {
    for (const w of workloads) {
      const refs: Array<[string, string | undefined]> = [
        ...(((podSpec(w).volumes ?? []) as Obj[])
          .filter((v) => v.secret)
          .flatMap((v) =>
            v.secret.items
              ? (v.secret.items as Obj[]).map((i) => [v.secret.secretName, i.key])
              : [[v.secret.secretName, undefined]],
          ) as Array<[string, string | undefined]>),
        ...containersOf(w).flatMap((c) =>
          ((c.env ?? []) as Obj[])
            .filter((e) => e.valueFrom?.secretKeyRef)
            .map(
              (e) =>
                [e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key] as [string, string],
            ),
        ),
      ];
      for (const [name, key] of refs) {
        const secret = external.find((s) => s.name === name);
        assert.ok(
          secret,
          `${id(w)} reads Secret ${name}, which infra/k8s/external-secrets.yaml does not list`,
        );
        if (key)
          assert.ok(
            secret.keys.includes(key),
            `${id(w)} reads key ${key} of Secret ${name}, not listed`,
          );
      }
    }
    assert.ok(!ofKind('Secret').length, 'no Secret is committed in the manifests');
  });

  it('secrets.example.md says how to create every external Secret and key', () => {
    const guide = readRepoFile('infra/k8s/secrets.example.md');
    for (const s of external) {
      assert.ok(guide.includes(s.name), `secrets.example.md does not mention ${s.name}`);
      for (const key of s.keys)
        assert.ok(
          guide.includes(key),
          `secrets.example.md does not mention key ${key} of ${s.name}`,
        );
    }
  });

  it('every volume mount has its volume or claim template', () => {
    for (const w of workloads) {
      const volumes = new Set([
        ...((podSpec(w).volumes ?? []) as Obj[]).map((v) => v.name),
        ...((w.spec.volumeClaimTemplates ?? []) as Obj[]).map((t) => t.metadata.name),
      ]);
      for (const c of containersOf(w)) {
        for (const m of (c.volumeMounts ?? []) as Obj[])
          assert.ok(volumes.has(m.name), `${id(w)} mounts ${m.name}, which is not a volume`);
      }
    }
  });

  it('every StatefulSet has its headless Service', () => {
    for (const s of ofKind('StatefulSet')) {
      const svc = named('Service', s.spec.serviceName);
      assert.ok(svc, `${id(s)} names Service ${s.spec.serviceName}, which is not defined`);
      assert.equal(svc.spec.clusterIP, 'None', `Service ${svc.metadata.name} is not headless`);
      assert.ok(
        selects(svc.spec.selector, s.spec.template.metadata.labels),
        `Service ${svc.metadata.name} does not select ${id(s)}`,
      );
    }
  });

  it('every HPA scales a workload that exists, with sane bounds', () => {
    for (const h of ofKind('HorizontalPodAutoscaler')) {
      const t = h.spec.scaleTargetRef;
      assert.ok(named(t.kind, t.name), `${id(h)} scales ${t.kind}/${t.name}, which is not defined`);
      assert.ok(
        h.spec.minReplicas >= 2 && h.spec.maxReplicas > h.spec.minReplicas,
        `${id(h)} bounds`,
      );
    }
  });
});

describe('Kubernetes manifests: production overlay', () => {
  const own = overlay.objects.filter(
    (o) => !base.objects.includes(o) && !base.objects.some((b) => id(b) === id(o)),
  );

  it('routes every ingress path to a Service port that exists, with a listed certificate', () => {
    const ingresses = own.filter((o) => o.kind === 'Ingress');
    assert.ok(ingresses.length > 0, 'operators reach the API through an Ingress');
    for (const ing of ingresses) {
      for (const rule of ing.spec.rules as Obj[]) {
        for (const path of rule.http.paths as Obj[]) {
          const svc = named('Service', path.backend.service.name);
          assert.ok(
            svc,
            `${id(ing)} routes to Service ${path.backend.service.name}, which is not defined`,
          );
          const port = path.backend.service.port;
          assert.ok(
            (svc.spec.ports as Obj[]).some((p) => p.name === port.name || p.port === port.number),
            `${id(ing)} routes to a port Service ${svc.metadata.name} lacks`,
          );
        }
      }
      for (const tls of (ing.spec.tls ?? []) as Obj[]) {
        assert.ok(
          external.some((s) => s.name === tls.secretName),
          `${id(ing)} uses Secret ${tls.secretName}, which external-secrets.yaml does not list`,
        );
      }
    }
  });
});

describe('Kubernetes manifests: labels and selectors', () => {
  it('every workload selects its own pods', () => {
    for (const w of workloads.filter((o) => o.kind !== 'Job')) {
      assert.ok(
        selects(w.spec.selector, w.spec.template.metadata.labels),
        `${id(w)} selector does not match its pod labels`,
      );
    }
  });

  it('every Service, PodDisruptionBudget and NetworkPolicy selects pods that exist', () => {
    for (const s of ofKind('Service'))
      assert.ok(selected(s.spec.selector).length > 0, `${id(s)} selects no pods`);
    for (const p of ofKind('PodDisruptionBudget'))
      assert.ok(selected(p.spec.selector).length > 0, `${id(p)} selects no pods`);
    for (const n of ofKind('NetworkPolicy')) {
      if (Object.keys(n.spec.podSelector).length === 0) continue;
      assert.ok(selected(n.spec.podSelector).length > 0, `${id(n)} selects no pods`);
      for (const rule of (n.spec.ingress ?? []) as Obj[]) {
        for (const peer of (rule.from ?? []) as Obj[]) {
          if (peer.podSelector)
            assert.ok(
              selected(peer.podSelector).length > 0,
              `${id(n)} admits pods that do not exist`,
            );
        }
      }
    }
  });

  it('every app and edge pool has a PodDisruptionBudget, every app an HPA', () => {
    for (const app of APPS) {
      const w = appWorkload(app);
      assert.ok(
        ofKind('PodDisruptionBudget').some((p) =>
          selects(p.spec.selector, w.spec.template.metadata.labels),
        ),
        `no PDB for ${app}`,
      );
      assert.ok(
        ofKind('HorizontalPodAutoscaler').some(
          (h) => h.spec.scaleTargetRef.name === w.metadata.name,
        ),
        `no HPA for ${app}`,
      );
    }
    for (const s of ofKind('StatefulSet').filter((o) => component(o) === 'edge-broker')) {
      assert.ok(
        ofKind('PodDisruptionBudget').some((p) =>
          selects(p.spec.selector, s.spec.template.metadata.labels),
        ),
        `no PDB for ${id(s)}`,
      );
    }
  });

  it('ingress is denied by default, and only the router, the bridge and the tracker reach the edge brokers', () => {
    assert.ok(
      ofKind('NetworkPolicy').some(
        (n) =>
          Object.keys(n.spec.podSelector).length === 0 &&
          n.spec.policyTypes.includes('Ingress') &&
          !n.spec.ingress,
      ),
      'a default-deny ingress policy',
    );
    const edgePods = ofKind('StatefulSet').filter((s) => component(s) === 'edge-broker');
    assert.ok(edgePods.length >= 2, 'at least two edge pools');
    const admitted = new Set<string>();
    for (const n of ofKind('NetworkPolicy')) {
      if (!edgePods.some((s) => selects(n.spec.podSelector, s.spec.template.metadata.labels)))
        continue;
      if (Object.keys(n.spec.podSelector).length === 0) continue;
      for (const rule of (n.spec.ingress ?? []) as Obj[]) {
        for (const peer of (rule.from ?? []) as Obj[]) {
          assert.ok(
            peer.podSelector && !peer.namespaceSelector && !peer.ipBlock,
            `${id(n)} admits more than pods of this namespace`,
          );
          for (const w of selected(peer.podSelector)) admitted.add(component(w));
        }
      }
    }
    assert.deepEqual([...admitted].sort(), ['bridge', 'router', 'tracker']);
  });

  it('brokers open no connections of their own', () => {
    for (const s of ofKind('StatefulSet').filter((o) => component(o).endsWith('broker'))) {
      const denied = ofKind('NetworkPolicy').some(
        (n) =>
          Object.keys(n.spec.podSelector).length > 0 &&
          selects(n.spec.podSelector, s.spec.template.metadata.labels) &&
          n.spec.policyTypes.includes('Egress') &&
          !n.spec.egress,
      );
      assert.ok(denied, `${id(s)} has no egress-deny policy`);
    }
  });

  it('only the router is exposed outside the cluster, on its TLS port', () => {
    const exposed = ofKind('Service').filter(
      (s) => s.spec.type === 'LoadBalancer' || s.spec.type === 'NodePort',
    );
    assert.deepEqual(
      exposed.map((s) => s.metadata.name),
      ['router-mqtts'],
    );
    const lb = exposed[0] as Obj;
    assert.equal(lb.spec.type, 'LoadBalancer');
    assert.deepEqual(selected(lb.spec.selector).map(component), ['router']);
    assert.deepEqual(
      lb.spec.ports.map((p: Obj) => p.port),
      [Number(settingDefault('router', 'ROUTER_TLS_PORT'))],
    );
    assert.equal(lb.spec.externalTrafficPolicy, 'Local', 'vehicles keep their own source address');
  });
});

describe('Kubernetes manifests: apps match their code', () => {
  const portOf = (c: Obj, ref: string | number): number =>
    typeof ref === 'number'
      ? ref
      : ((c.ports as Obj[]).find((p) => p.name === ref)?.containerPort as number);

  for (const app of APPS) {
    it(`${app}: image, command, env names and ports are the app's`, () => {
      const w = appWorkload(app);
      const [c, ...rest] = podSpec(w).containers as Obj[];
      assert.ok(c && rest.length === 0, `${id(w)} has one container`);
      assert.equal(c.image, `roadcast/${app}`);
      assert.deepEqual(c.command, imageCommand(app), 'the command of the image');
      const names = settingNames(app);
      for (const e of (c.env ?? []) as Obj[])
        assert.ok(names.has(e.name), `${id(w)} sets ${e.name}, which is not a ${app} setting`);
      for (const ref of (c.envFrom ?? []) as Obj[]) {
        for (const key of Object.keys(named('ConfigMap', ref.configMapRef.name)?.data ?? {})) {
          assert.ok(
            names.has(key),
            `ConfigMap ${ref.configMapRef.name} sets ${key}, which is not a ${app} setting`,
          );
        }
      }
      for (const e of (c.env ?? []) as Obj[]) {
        if (/_PORT$/.test(e.name) && e.value !== undefined) {
          assert.equal(
            Number(e.value),
            Number(settingDefault(app, e.name)),
            `${e.name} differs from the setting's default`,
          );
          assert.ok(
            (c.ports as Obj[]).some((p) => p.containerPort === Number(e.value)),
            `${e.name}=${e.value} is not a container port`,
          );
        }
      }
    });

    it(`${app}: probes hit /readyz and /healthz on its health port`, () => {
      const c = podSpec(appWorkload(app)).containers[0] as Obj;
      assert.equal(c.readinessProbe.httpGet.path, '/readyz');
      assert.equal(c.livenessProbe.httpGet.path, '/healthz');
      assert.equal(portOf(c, c.readinessProbe.httpGet.port), healthPort(app));
      assert.equal(portOf(c, c.livenessProbe.httpGet.port), healthPort(app));
    });
  }

  it('every app gets longer to stop than it takes: grace period over SHUTDOWN_GRACE_MS and preStop', () => {
    for (const app of APPS) {
      const w = appWorkload(app);
      const c = podSpec(w).containers[0] as Obj;
      const grace =
        ((c.env ?? []) as Obj[]).find((e) => e.name === 'SHUTDOWN_GRACE_MS')?.value ??
        settingDefault(app, 'SHUTDOWN_GRACE_MS');
      const preStop = c.lifecycle?.preStop?.exec?.command as string[] | undefined;
      const pause = preStop?.[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
      const period = Number(podSpec(w).terminationGracePeriodSeconds ?? 30) * 1000;
      assert.ok(
        period > Number(grace) + pause,
        `${app}: ${period} ms to stop, needs more than ${Number(grace) + pause}`,
      );
    }
  });

  it('the router listens for vehicles on its TLS port', () => {
    const c = podSpec(appWorkload('router')).containers[0] as Obj;
    assert.equal(portOf(c, 'mqtts'), Number(settingDefault('router', 'ROUTER_TLS_PORT')));
  });

  it('only the bridge can read the private signing key; the api lists its public half', () => {
    for (const w of workloads) {
      const keys = ((podSpec(w).volumes ?? []) as Obj[])
        .filter((v) => v.secret?.secretName === 'roadcast-signing-key')
        .flatMap((v) => ((v.secret.items ?? [{ key: '*' }]) as Obj[]).map((i) => i.key as string));
      if (component(w) === 'bridge') assert.deepEqual(keys, ['signing.key']);
      else if (component(w) === 'api') assert.deepEqual(keys, ['signing.pub']);
      else assert.deepEqual(keys, [], `${id(w)} mounts the signing key`);
    }
    const api = podSpec(appWorkload('api')).containers[0] as Obj;
    const file = ((api.env ?? []) as Obj[]).find((e) => e.name === 'SIGNING_PUBLIC_KEY_FILE')
      ?.value as string;
    const mount = ((api.volumeMounts ?? []) as Obj[]).find((m) => m.name === 'signing-public-key');
    assert.equal(file, `${mount?.mountPath}/signing.pub`);
  });

  it("the migration Job runs the migrate image's command", () => {
    const job = named('Job', 'roadcast-migrate');
    assert.ok(job);
    const c = podSpec(job).containers[0] as Obj;
    assert.equal(c.image, 'roadcast/migrate');
    assert.deepEqual(c.command, imageCommand('migrate'));
    for (const e of (c.env ?? []) as Obj[])
      assert.ok(settingNames('api').has(e.name), `migration env ${e.name}`);
  });

  it('the edge topology names only broker pods that the StatefulSets create', () => {
    const sql = readRepoFile('infra/k8s/base/edge-topology.sql');
    const hosts = [
      ...sql.matchAll(
        /mqtt:\/\/([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)\.roadcast\.svc\.cluster\.local:(\d+)/g,
      ),
    ];
    assert.ok(hosts.length >= 3);
    for (const [, set, ordinal, svc, port] of hosts) {
      const s = named('StatefulSet', set as string);
      assert.ok(
        s && component(s) === 'edge-broker',
        `edge-topology.sql names ${set}, not an edge StatefulSet`,
      );
      assert.ok(
        Number(ordinal) < s.spec.replicas,
        `${set}-${ordinal} is beyond ${s.spec.replicas} replicas`,
      );
      assert.equal(s.spec.serviceName, svc);
      assert.equal(Number(port), podSpec(s).containers[0].ports[0].containerPort);
    }
  });
});

/** A CPU quantity ("2", "500m") in millicores. */
const millicores = (q: string | number): number =>
  String(q).endsWith('m') ? Number(String(q).slice(0, -1)) : Number(q) * 1000;

describe('Kubernetes manifests: the api keeps its share of the CPU', () => {
  const classOf = (app: App) => podSpec(appWorkload(app)).priorityClassName as string;
  const resources = (app: App) => (podSpec(appWorkload(app)).containers[0] as Obj).resources;

  it('the api and the router are scheduled before the bulk workers, which never preempt', () => {
    const interactive = named('PriorityClass', 'roadcast-interactive');
    const bulk = named('PriorityClass', 'roadcast-bulk');
    assert.ok(interactive && bulk, 'both priority classes are defined');
    assert.ok(interactive.value > bulk.value);
    assert.equal(bulk.preemptionPolicy, 'Never');
    assert.ok(!interactive.globalDefault && !bulk.globalDefault, 'other workloads are unaffected');
    assert.equal(classOf('api'), 'roadcast-interactive');
    assert.equal(classOf('router'), 'roadcast-interactive');
    assert.equal(classOf('bridge'), 'roadcast-bulk');
    assert.equal(classOf('tracker'), 'roadcast-bulk');
  });

  it('on a busy node the api weighs more than a bridge, and the bulk workers are capped', () => {
    const api = resources('api');
    for (const app of ['bridge', 'tracker'] as const) {
      const r = resources(app);
      assert.ok(
        millicores(api.requests.cpu) > millicores(r.requests.cpu),
        `api requests more CPU than ${app}`,
      );
      assert.ok(r.limits?.cpu, `${app} has a CPU limit`);
    }
  });
});

describe('Kubernetes manifests: hardening and images', () => {
  it('every pod runs as non-root with a read-only root filesystem, no privilege escalation and no capabilities', () => {
    for (const w of workloads) {
      assert.equal(podSpec(w).securityContext?.runAsNonRoot, true, `${id(w)} runAsNonRoot`);
      for (const c of containersOf(w)) {
        assert.equal(
          c.securityContext?.readOnlyRootFilesystem,
          true,
          `${id(w)}/${c.name} readOnlyRootFilesystem`,
        );
        assert.equal(
          c.securityContext?.allowPrivilegeEscalation,
          false,
          `${id(w)}/${c.name} allowPrivilegeEscalation`,
        );
        assert.deepEqual(
          c.securityContext?.capabilities?.drop,
          ['ALL'],
          `${id(w)}/${c.name} drops all capabilities`,
        );
        assert.ok(
          c.resources?.requests?.cpu && c.resources?.requests?.memory,
          `${id(w)}/${c.name} requests`,
        );
        assert.ok(
          c.resources?.limits?.cpu && c.resources?.limits?.memory,
          `${id(w)}/${c.name} limits`,
        );
      }
    }
  });

  it('Roadcast containers run as uid 10001 with a writable /tmp only', () => {
    for (const w of workloads.filter((o) =>
      containersOf(o).some((c) => String(c.image).startsWith('roadcast/')),
    )) {
      assert.equal(podSpec(w).securityContext.runAsUser, 10001, `${id(w)} runAsUser`);
      const tmp = ((podSpec(w).volumes ?? []) as Obj[]).find((v) => v.name === 'tmp');
      assert.ok(tmp?.emptyDir, `${id(w)} has an emptyDir for /tmp`);
      for (const c of containersOf(w)) {
        const writable = ((c.volumeMounts ?? []) as Obj[])
          .filter((m) => !m.readOnly)
          .map((m) => m.mountPath);
        assert.deepEqual(writable, ['/tmp'], `${id(w)}/${c.name} writes only to /tmp`);
      }
    }
  });

  it('edge brokers keep their sessions on persistent volumes', () => {
    for (const s of ofKind('StatefulSet').filter((o) => component(o) === 'edge-broker')) {
      const claim = (s.spec.volumeClaimTemplates ?? [])[0] as Obj | undefined;
      assert.ok(claim, `${id(s)} has a volume claim template`);
      const mount = (podSpec(s).containers[0].volumeMounts as Obj[]).find(
        (m) => m.name === claim.metadata.name,
      );
      assert.equal(mount?.mountPath, '/mosquitto/data', 'where edge.conf keeps persistence');
    }
  });

  it('the production overlay pins every Roadcast image to one registry and tag', () => {
    const used = new Set(
      workloads
        .flatMap((w) => containersOf(w).map((c) => c.image as string))
        .filter((i) => i.startsWith('roadcast/')),
    );
    const doc = overlay.kustomizations.find((k) => k.dir === OVERLAY)?.doc ?? {};
    const images = (doc.images ?? []) as Obj[];
    assert.deepEqual(images.map((i) => i.name).sort(), [...used].sort());
    assert.equal(new Set(images.map((i) => i.newTag)).size, 1, 'one release tag');
    assert.equal(
      new Set(images.map((i) => String(i.newName).replace(/\/[^/]+$/, ''))).size,
      1,
      'one registry',
    );
    for (const i of images)
      assert.equal(String(i.newName).split('/').pop(), String(i.name).split('/').pop());
  });

  it('the Dockerfile builds every image the manifests use', () => {
    const targets = new Set(
      [...readRepoFile('infra/docker/Dockerfile').matchAll(/^FROM \S+ AS (\S+)$/gm)].map(
        (m) => m[1],
      ),
    );
    for (const w of workloads) {
      for (const c of containersOf(w)) {
        const image = String(c.image);
        if (image.startsWith('roadcast/'))
          assert.ok(
            targets.has(image.slice('roadcast/'.length)),
            `no Dockerfile target for ${image}`,
          );
      }
    }
  });
});

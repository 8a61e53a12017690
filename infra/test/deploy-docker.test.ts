import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  APPS,
  healthPort,
  readRepoFile,
  readYaml,
  repoFileExists,
  repoRoot,
  settingDefault,
  settingNames,
  type App,
} from './deploy-facts.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- compose files are untyped YAML, checked field by field */
type Obj = Record<string, any>;

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

/** The Dockerfile's stages, continuation lines joined, comments dropped. */
function stages(): Stage[] {
  const text = readRepoFile('infra/docker/Dockerfile').replace(/\\\n\s*/g, ' ');
  const out: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const from = /^FROM (\S+) AS (\S+)$/.exec(line);
    if (from) out.push({ name: from[2] as string, from: from[1] as string, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const dockerfile = stages();
const stage = (name: string) => {
  const s = dockerfile.find((x) => x.name === name);
  assert.ok(s, `Dockerfile has no stage ${name}`);
  return s;
};
/** Instructions of a stage and of the stages it is built on. */
const effective = (name: string): string[] => {
  const s = stage(name);
  const parent = dockerfile.find((x) => x.name === s.from);
  return [...(parent ? effective(parent.name) : []), ...s.lines];
};
const envOf = (lines: string[]) =>
  new Map(
    lines
      .filter((l) => l.startsWith('ENV '))
      .flatMap((l) =>
        [...l.slice(4).matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1] as string, m[2] as string]),
      ),
  );

// A .dockerignore pattern as a regular expression: "**/" any folders, "*" within one name.
function globToRegExp(glob: string): string {
  const escape = (text: string) => text.replace(/[.+?^$()[\]{}|\\]/g, (c) => `\\${c}`);
  return glob
    .split(/(\*\*\/|\*)/)
    .map((part) => {
      if (part === '**/') return '(.*/)?';
      if (part === '*') return '[^/]*';
      return escape(part);
    })
    .join('');
}

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim and installs with npm ci', () => {
    assert.match(
      readRepoFile('infra/docker/Dockerfile'),
      /^ARG NODE_IMAGE=node:20-bookworm-slim$/m,
    );
    assert.ok(stage('build').lines.some((l) => /^RUN npm ci\b/.test(l)));
    const scripts = (
      JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }
    ).scripts;
    assert.match(
      scripts.postinstall ?? '',
      /prisma\/generate\.ts/,
      'npm ci generates the Prisma client',
    );
  });

  it('runs as uid 10001, stops on SIGTERM and copies the installed tree from the build stage', () => {
    const runtime = stage('runtime').lines;
    assert.ok(runtime.includes('USER 10001:10001'));
    assert.ok(runtime.includes('STOPSIGNAL SIGTERM'));
    assert.ok(runtime.some((l) => /useradd .*--uid 10001/.test(l)));
    assert.ok(runtime.includes('COPY --from=build /app /app'));
    assert.equal(envOf(runtime).get('HOME'), '/tmp', 'nothing writes outside /tmp');
    assert.match(envOf(runtime).get('NPM_CONFIG_CACHE') ?? '', /^\/tmp\//);
  });

  for (const app of APPS) {
    it(`${app}: exec-form CMD, health check on its health port, env names that are settings`, () => {
      const lines = stage(app).lines;
      assert.equal(stage(app).from, 'runtime');
      assert.ok(
        lines.includes(`CMD ["node", "--import", "tsx", "apps/${app}/src/main.ts"]`),
        `CMD of ${app}`,
      );
      assert.ok(repoFileExists(`apps/${app}/src/main.ts`));
      const health = lines.find((l) => l.startsWith('HEALTHCHECK '));
      assert.ok(
        health?.includes(`http://127.0.0.1:${healthPort(app)}/healthz`),
        `HEALTHCHECK of ${app}`,
      );
      assert.ok(
        lines.includes(`EXPOSE ${healthPort(app)}`) ||
          lines.some((l) => l.startsWith('EXPOSE ') && l.includes(String(healthPort(app)))),
      );
      const names = settingNames(app);
      for (const [name, value] of envOf(lines)) {
        assert.ok(names.has(name), `${app} stage sets ${name}, which is not a ${app} setting`);
        if (name.endsWith('_PORT')) assert.equal(Number(value), Number(settingDefault(app, name)));
      }
      for (const name of envOf(effective('runtime')).keys()) {
        if (/^[A-Z]+_[A-Z_]+$/.test(name) && !/^(NODE_ENV|NPM_CONFIG_.*)$/.test(name))
          assert.ok(names.has(name), `runtime sets ${name}`);
      }
    });
  }

  it('has a migration target that runs the repository migration command', () => {
    assert.ok(stage('migrate').lines.includes('CMD ["npm", "run", "db:migrate"]'));
  });

  it('builds the dashboard the api serves', () => {
    // Where the api looks for the built dashboard, in its settings or its dashboard plugin.
    const where =
      readRepoFile('libs/config/src/apps/api.ts') +
      readRepoFile('apps/api/src/plugins/dashboard.ts');
    assert.match(where, /dashboard\/dist/);
    const build = stage('build').lines.find((l) => /^RUN npm run build -w (\S+)$/.test(l));
    const workspace = /-w (\S+)$/.exec(build ?? '')?.[1];
    assert.equal(workspace, '@roadcast/dashboard');
    const pkg = JSON.parse(readRepoFile('apps/dashboard/package.json')) as {
      name: string;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.name, workspace);
    assert.ok(pkg.scripts.build, 'the dashboard has a build script');
  });

  it('puts the schema engine where the migration loads it, at build time', () => {
    // The migration runs on a read-only root filesystem, so the engine must be placed by the
    // install (postinstall), which the build stage runs with scripts enabled.
    const install = stage('build').lines.find((l) => /^RUN npm ci\b/.test(l));
    assert.ok(install, 'the build stage runs npm ci');
    assert.doesNotMatch(install, /--ignore-scripts/);
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    const script = /prisma\/\S+\.ts/.exec(pkg.scripts.postinstall ?? '')?.[0];
    assert.ok(script, 'postinstall runs a script under prisma/');
    assert.match(
      readRepoFile(script),
      /'@prisma\/internals\/package\.json'[\s\S]*'schema_engine_bg\.wasm'/,
    );
    assert.ok(repoFileExists('node_modules/@prisma/internals/build/schema_engine_bg.wasm'));
  });

  it('.dockerignore leaves in what npm ci and the apps need', () => {
    const patterns = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((p) => new RegExp(`^${globToRegExp(p)}(/.*)?$`));
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.base.json',
      'prisma/schema.prisma',
      'prisma/generate.ts',
      'prisma/migrate.ts',
      'libs/db/package.json',
    ];
    for (const app of APPS) needed.push(`apps/${app}/src/main.ts`, `apps/${app}/package.json`);
    for (const path of needed) {
      assert.ok(repoFileExists(path), `${path} exists`);
      assert.ok(!patterns.some((p) => p.test(path)), `.dockerignore leaves out ${path}`);
    }
    assert.ok(
      patterns.some((p) => p.test('apps/dashboard/node_modules/x')),
      'nested node_modules are left out',
    );
  });

  it('.dockerignore keeps local state, history, installs and test output out of the image', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of [
      '**/node_modules',
      '.data',
      '.git',
      '.nx',
      'load-tests/out',
      'test-artifacts',
      '.env',
    ]) {
      assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
    }
  });
});

const compose = readYaml<Obj>('infra/docker-compose.yml');
const services = compose.services as Record<string, Obj>;
const APP_SERVICES: Array<[string, App]> = [
  ['api', 'api'],
  ['bridge', 'bridge'],
  ['tracker', 'tracker'],
  ['router-1', 'router'],
  ['router-2', 'router'],
];
const EDGE = ['edge-a1', 'edge-a2', 'edge-b1'];

describe('docker-compose', () => {
  it('runs the whole platform', () => {
    for (const name of [
      'postgres',
      'redis',
      'core-broker',
      ...EDGE,
      'migrate',
      'api',
      'bridge',
      'tracker',
      'router-1',
      'router-2',
      'balancer',
      'prometheus',
      'grafana',
    ]) {
      assert.ok(services[name], `service ${name}`);
    }
  });

  it('publishes only the balancer on 8883 and the API on 3000 beyond loopback', () => {
    const published = Object.entries(services).flatMap(([name, s]) =>
      ((s.ports ?? []) as string[])
        .filter((p) => !String(p).startsWith('127.0.0.1:'))
        .map((p) => `${name} ${p}`),
    );
    assert.deepEqual(published.sort(), [
      'api 3000:3000',
      `balancer ${settingDefault('router', 'ROUTER_TLS_PORT')}:8883`,
    ]);
  });

  it('gives the bulk workers a smaller CPU weight than the api and the routers', () => {
    const weight = (name: string) => Number(services[name]?.cpu_shares ?? 1024);
    for (const bulk of ['bridge', 'tracker']) {
      for (const interactive of ['api', 'router-1', 'router-2']) {
        assert.ok(weight(bulk) < weight(interactive), `${bulk} below ${interactive}`);
      }
    }
  });

  it('keeps the edge brokers on an internal network that only the router, bridge and tracker join', () => {
    const networks = compose.networks as Record<string, Obj>;
    for (const name of EDGE) {
      assert.deepEqual(services[name]?.networks, ['edge'], `${name} networks`);
      assert.ok(
        ((services[name]?.volumes ?? []) as string[]).some((v) => v.endsWith(':/mosquitto/data')),
        `${name} persists`,
      );
      assert.ok(
        ((services[name]?.volumes ?? []) as string[]).includes(
          './mosquitto/edge.conf:/mosquitto/config/mosquitto.conf:ro',
        ),
      );
    }
    assert.equal(networks.edge?.internal, true);
    const onEdge = Object.entries(services)
      .filter(([, s]) => ((s.networks ?? []) as string[]).includes('edge'))
      .map(([n]) => n);
    assert.deepEqual(onEdge.sort(), [...EDGE, 'bridge', 'router-1', 'router-2', 'tracker'].sort());
    for (const [name, net] of Object.entries(networks))
      if (name !== 'public') assert.equal(net.internal, true, `network ${name} is internal`);
  });

  for (const [service, app] of APP_SERVICES) {
    it(`${service}: env names are ${app} settings, ports and health check match the code`, () => {
      const s = services[service] as Obj;
      const names = settingNames(app);
      for (const [name, value] of Object.entries((s.environment ?? {}) as Record<string, string>)) {
        assert.ok(names.has(name), `${service} sets ${name}, which is not a ${app} setting`);
        if (name.endsWith('_PORT'))
          assert.equal(Number(value), Number(settingDefault(app, name)), `${service} ${name}`);
      }
      assert.ok(
        String(s.healthcheck?.test?.join(' ')).includes(
          `http://127.0.0.1:${healthPort(app)}/healthz`,
        ),
        `${service} health check`,
      );
      assert.equal(s.build?.target, app);
      assert.equal(s.build?.dockerfile, 'infra/docker/Dockerfile');
      assert.equal(s.read_only, true, `${service} read-only root filesystem`);
      assert.deepEqual(
        (s.tmpfs as string[]).map((t) => t.split(':')[0]),
        ['/tmp'],
      );
      assert.equal(s.stop_signal, 'SIGTERM');
      const grace = Number(
        (s.environment as Record<string, string>).SHUTDOWN_GRACE_MS ??
          settingDefault(app, 'SHUTDOWN_GRACE_MS'),
      );
      assert.ok(
        Number(/^(\d+)s$/.exec(String(s.stop_grace_period))?.[1]) * 1000 > grace,
        `${service} stop_grace_period`,
      );
    });
  }

  it('mounts files that exist and secrets that are not committed', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = v.split(':')[0] as string;
        if (source.startsWith('./'))
          assert.ok(
            repoFileExists(`infra/${source.slice(2)}`),
            `${name} mounts ${source}, which does not exist`,
          );
      }
      for (const secret of (s.secrets ?? []) as string[])
        assert.ok(compose.secrets[secret], `${name} uses undefined secret ${secret}`);
    }
    for (const [name, secret] of Object.entries(compose.secrets as Record<string, Obj>)) {
      assert.match(
        String(secret.file),
        /^\$\{ROADCAST_SECRETS_DIR:-\.\/secrets\}\//,
        `secret ${name} comes from the secrets folder`,
      );
    }
    assert.ok(!repoFileExists('infra/secrets'), 'no secrets folder in the repository');
  });

  it('gives the routers their certificates, CRL and distinct ids', () => {
    const ids = new Set<string>();
    for (const name of ['router-1', 'router-2']) {
      const env = services[name]?.environment as Record<string, string>;
      ids.add(env.ROUTER_ID as string);
      for (const key of ['TLS_CA_FILE', 'TLS_CRL_FILE', 'TLS_CERT_FILE', 'TLS_KEY_FILE']) {
        const secret = String(env[key]).replace('/run/secrets/', '');
        assert.ok(
          (services[name]?.secrets as string[]).includes(secret),
          `${name} ${key} is a mounted secret`,
        );
      }
    }
    assert.equal(ids.size, 2);
  });

  it('has the api list the public half of the key the bridge signs with', () => {
    const api = services.api?.environment as Record<string, string>;
    const bridge = services.bridge?.environment as Record<string, string>;
    assert.equal(api.SIGNING_KEY_ID, bridge.SIGNING_KEY_ID);
    const pub = String(api.SIGNING_PUBLIC_KEY_FILE).replace('/run/secrets/', '');
    const key = String(bridge.SIGNING_KEY_FILE).replace('/run/secrets/', '');
    assert.match(String(compose.secrets[pub]?.file), /signing\.pub$/);
    assert.match(String(compose.secrets[key]?.file), /signing\.key$/);
    assert.ok(
      !(services.api?.secrets as string[]).includes(key),
      'the api never sees the private key',
    );
  });

  it('balances the routers with HAProxy in TCP mode, checking their readiness', () => {
    const cfg = readRepoFile('infra/docker/haproxy.cfg');
    assert.match(cfg, /^\s+mode tcp$/m);
    assert.match(
      cfg,
      new RegExp(`^\\s+bind :${settingDefault('router', 'ROUTER_TLS_PORT')}$`, 'm'),
    );
    assert.match(cfg, /^\s+option httpchk GET \/readyz$/m);
    assert.match(cfg, new RegExp(`check port ${healthPort('router')}\\b`));
    const servers = [...cfg.matchAll(/^\s+server (\S+) (\S+):(\d+)$/gm)];
    assert.deepEqual(servers.map((m) => m[1]).sort(), ['router-1', 'router-2']);
    for (const m of servers)
      assert.equal(Number(m[3]), Number(settingDefault('router', 'ROUTER_TLS_PORT')));
  });

  it('registers the edge brokers it runs', () => {
    const sql = readRepoFile('infra/docker/edge-topology.sql');
    const hosts = [...sql.matchAll(/mqtt:\/\/([a-z0-9-]+):1883/g)].map((m) => m[1]);
    assert.deepEqual(hosts.sort(), [...EDGE].sort());
  });

  it('provisions Grafana with Prometheus and the dashboards of infra/grafana', () => {
    const grafana = services.grafana as Obj;
    const mount = ((grafana.volumes ?? []) as string[]).find((v) => v.startsWith('./grafana:'));
    assert.ok(mount, 'infra/grafana is mounted');
    const target = (mount.split(':')[1] as string).replace(/\/$/, '');
    const providers = readYaml<Obj>('infra/grafana/provisioning/dashboards.yml').providers as Obj[];
    assert.ok(
      providers.some((p) => p.options.path === target),
      'the dashboard provider reads the mounted folder',
    );
    assert.match(readRepoFile('infra/grafana/provisioning/dashboards.yml'), /roadcast\.json/);
    const sources = readYaml<Obj>('infra/grafana/provisioning/datasources.yml')
      .datasources as Obj[];
    assert.ok(sources.some((d) => d.type === 'prometheus' && d.url === 'http://prometheus:9090'));
  });
});

// HAProxy's own checker, where the machine has it (Debian package "haproxy", installed in
// /usr/sbin, which an ordinary user's PATH often lacks).
const haproxy = ['haproxy', '/usr/sbin/haproxy'].find((bin) => spawnSync(bin, ['-v']).status === 0);

describe(
  'HAProxy configuration under haproxy -c',
  { skip: haproxy ? false : 'haproxy is not installed' },
  () => {
    it('is valid', () => {
      const run = spawnSync(
        haproxy as string,
        ['-c', '-f', join(repoRoot, 'infra/docker/haproxy.cfg')],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(run.status, 0, run.stdout + run.stderr);
    });
  },
);

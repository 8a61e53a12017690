import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROGRAMS } from '../build/compile.js';
import {
  APPS,
  dockerfileStages,
  healthPort,
  imageCommand,
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

const dockerfile = dockerfileStages();
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
const PROGRAM_STAGES = [...APPS, 'migrate'];
const manifest = (path: string) =>
  JSON.parse(readRepoFile(path)) as { name: string; scripts?: Record<string, string> };

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
    const install = stage('build').lines.find((l) => /^RUN npm ci\b/.test(l));
    assert.ok(install, 'the build stage runs npm ci');
    // Its postinstall generates the Prisma client the build compiles.
    assert.doesNotMatch(install, /--ignore-scripts|--omit/);
    assert.match(manifest('package.json').scripts?.postinstall ?? '', /prisma\/generate\.ts/);
  });

  it('compiles the apps, their libraries, the migration and the dashboard in the build stage', () => {
    const compile = stage('build').lines.find((l) => l.includes('infra/build/runtime-tree.ts'));
    const [, target, apps] =
      /^RUN node --import tsx infra\/build\/runtime-tree\.ts (\S+) (.+)$/.exec(compile ?? '') ?? [];
    assert.deepEqual(apps?.split(' ').sort(), [...APPS].sort(), 'the apps the images run');
    assert.equal(stage('production').from, 'build');
    assert.ok(stage('production').lines.includes(`WORKDIR ${target}`), 'installs into that tree');
    assert.ok(stage('runtime').lines.includes(`COPY --from=production ${target} /app`));
  });

  it('installs production dependencies only, for exactly the apps it ships', () => {
    const install = stage('production').lines.find((l) => /^RUN npm ci\b/.test(l)) ?? '';
    for (const flag of ['--omit=dev', '--omit=optional', '--ignore-scripts'])
      assert.ok(install.split(' ').includes(flag), `npm ci ${flag}`);
    const workspaces = [...install.matchAll(/--workspace=(\S+)/g)].map((m) => m[1]);
    assert.deepEqual(
      workspaces.sort(),
      APPS.map((app) => manifest(`apps/${app}/package.json`).name).sort(),
    );
  });

  it('puts the schema engine where the migration loads it, at build time', () => {
    // The migration runs on a read-only root filesystem.
    const place = stage('production').lines.find((l) => l.includes('schema_engine_bg.wasm'));
    assert.match(
      place ?? '',
      /cp node_modules\/@prisma\/schema-engine-wasm\/schema_engine_bg\.wasm node_modules\/@prisma\/internals\/build\/$/,
    );
    assert.match(
      readRepoFile('libs/db/src/schema-engine.ts'),
      /'@prisma\/internals\/package\.json'/,
    );
  });

  it('runs as uid 10001, stops on SIGTERM and ships the production tree alone', () => {
    const runtime = stage('runtime').lines;
    assert.ok(runtime.includes('USER 10001:10001'));
    assert.ok(runtime.includes('STOPSIGNAL SIGTERM'));
    assert.ok(runtime.some((l) => /useradd .*--uid 10001/.test(l)));
    assert.equal(envOf(runtime).get('HOME'), '/tmp', 'nothing writes outside /tmp');
    assert.equal(envOf(runtime).get('NODE_ENV'), 'production');
    // No TypeScript, no tsx, no dev dependency: only the production stage's tree is copied in.
    for (const name of ['runtime', ...PROGRAM_STAGES]) {
      const lines = stage(name).lines;
      const copies = lines.filter((l) => l.startsWith('COPY ') || l.startsWith('ADD '));
      assert.deepEqual(
        copies,
        name === 'runtime' ? ['COPY --from=production /production /app'] : [],
        `${name} copies`,
      );
      assert.ok(
        !lines.some((l) => /\btsx\b|\.ts\b|\bnpm\b/.test(l)),
        `${name} mentions tsx, .ts or npm`,
      );
    }
  });

  for (const app of APPS) {
    it(`${app}: runs its compiled main with node, health check on its health port, env names that are settings`, () => {
      const lines = stage(app).lines;
      assert.equal(stage(app).from, 'runtime');
      assert.deepEqual(imageCommand(app), ['node', `apps/${app}/dist/main.js`]);
      assert.ok(repoFileExists(`apps/${app}/src/main.ts`), 'compiled from src/main.ts');
      assert.match(
        manifest(`apps/${app}/package.json`).scripts?.build ?? '',
        /^node --import tsx \.\.\/\.\.\/infra\/build\/compile\.ts \.$/,
      );
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

  it('has a migration target that runs the compiled migration program', () => {
    assert.deepEqual(imageCommand('migrate'), ['node', 'prisma/dist/migrate.js', 'deploy']);
    assert.deepEqual(PROGRAMS.prisma?.entries, ['migrate.ts']);
    assert.equal(
      manifest('package.json').scripts?.['build:migrate'],
      'node --import tsx infra/build/compile.ts prisma',
    );
    assert.match(
      manifest('package.json').scripts?.['db:migrate'] ?? '',
      /prisma\/migrate\.ts deploy$/,
    );
  });

  it('builds every project with npm run build, the dashboard with vite', () => {
    const build = manifest('package.json').scripts?.build ?? '';
    assert.match(build, /^nx run-many -t build\b.* && npm run build:migrate$/);
    assert.match(
      manifest('package.json').scripts?.test ?? '',
      /npm run build && npm run test:run$/,
    );
    for (const dir of ['apps', 'libs']) {
      for (const project of readdirSync(join(repoRoot, dir))) {
        const scripts = manifest(`${dir}/${project}/package.json`).scripts ?? {};
        if (project === 'dashboard') assert.equal(scripts.build, 'vite build');
        else
          assert.match(scripts.build ?? '', /infra\/build\/compile\.ts \.$/, `${dir}/${project}`);
      }
    }
    // Where the api looks for the built dashboard.
    assert.match(
      readRepoFile('apps/api/src/plugins/dashboard.ts'),
      /'\.\.\/\.\.\/\.\.\/dashboard\/dist'/,
    );
  });

  it(
    "leaves every app's compiled main after npm run build (npm test runs it)",
    { skip: !process.env.CI && !existsSync(join(repoRoot, 'apps/api/dist')) && 'not built here' },
    () => {
      for (const app of APPS) assert.ok(repoFileExists(`apps/${app}/dist/main.js`), app);
      assert.ok(repoFileExists('prisma/dist/migrate.js'));
      assert.ok(repoFileExists('apps/dashboard/dist/index.html'));
    },
  );

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
      'prisma/migrations/migration_lock.toml',
      'libs/db/package.json',
      'infra/build/compile.ts',
      'infra/build/runtime-tree.ts',
      'apps/dashboard/index.html',
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
    assert.ok(
      patterns.some((p) => p.test('libs/db/dist/index.js')),
      'local builds are left out: the build stage compiles afresh',
    );
  });

  it('.dockerignore keeps local state, history, installs and test output out of the image', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const entry of [
      '**/node_modules',
      '**/dist',
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

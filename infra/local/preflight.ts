import { execFileSync } from 'node:child_process';
import { Socket } from 'node:net';

/** What the local stack needs from the machine, with the command that fixes each gap. */
export interface PreflightProblem {
  what: string;
  fix: string;
}

function answers(host: string, port: number, timeoutMs = 1_500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export function hasMosquitto(): boolean {
  for (const candidate of ['mosquitto', '/usr/sbin/mosquitto', '/usr/local/sbin/mosquitto']) {
    try {
      execFileSync(candidate, ['-h'], { stdio: 'ignore' });
      return true;
    } catch (err) {
      // `mosquitto -h` exits 3 after printing its help: it is installed.
      if ((err as { status?: number }).status === 3) return true;
    }
  }
  return false;
}

export async function preflight(databaseUrl: string, redisUrl: string): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const db = new URL(databaseUrl);
  if (!(await answers(db.hostname, Number(db.port || 5432)))) {
    problems.push({
      what: `PostgreSQL does not answer at ${db.hostname}:${db.port || 5432}`,
      fix: 'start it, e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (Debian) or `brew services start postgresql` (macOS), or set DATABASE_URL',
    });
  }
  const redis = new URL(redisUrl);
  if (!(await answers(redis.hostname, Number(redis.port || 6379)))) {
    problems.push({
      what: `Redis does not answer at ${redis.hostname}:${redis.port || 6379}`,
      fix: 'start it, e.g. `redis-server --daemonize yes --bind 127.0.0.1 --port 6379` or `brew services start redis`, or set REDIS_URL',
    });
  }
  if (!hasMosquitto()) {
    problems.push({
      what: 'Mosquitto is not installed (edge brokers are real MQTT 5 brokers)',
      fix: 'install it: `apt-get install mosquitto` (Debian/Ubuntu) or `brew install mosquitto` (macOS)',
    });
  }
  return problems;
}

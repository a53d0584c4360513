// The drill's hands on its stack: the three services under their supervisors
// (scripts/service.sh --restart, the code `make dev` starts them with), and one server of the
// infrastructure at a time (scripts/stack.sh <server> <command>).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export type Service = 'server' | 'order' | 'customer';

export function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set (run make drill)`);
  return value;
}
const stackDir = () => required('STACK_DIR');

/** Runs scripts/stack.sh with the drill's stack, such as `postgres freeze`. */
export async function stackCommand(...args: string[]): Promise<void> {
  await promisify(execFile)(`${root}scripts/stack.sh`, args, {
    cwd: root,
    env: { ...process.env, STACK: 'drill' },
  });
}

export class Supervised {
  readonly #supervisors = new Map<Service, ChildProcess>();

  /** Starts each service under its supervisor; their output goes to the stack's logs. */
  start(service: Service, variables: Record<string, string>) {
    const log = openSync(`${stackDir()}/logs/${service}.log`, 'a');
    const child = spawn(
      `${root}scripts/service.sh`,
      [
        '--restart',
        '--bundled',
        service,
        ...Object.entries(variables).map(([name, value]) => `${name}=${value}`),
      ],
      { cwd: root, env: { ...process.env, STACK: 'drill' }, stdio: ['ignore', log, log] },
    );
    this.#supervisors.set(service, child);
  }

  /** The pid of the service's current process (not its supervisor's). */
  async pid(service: Service): Promise<number> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const text = await readFile(`${stackDir()}/run/${service}.pid`, 'utf8').catch(() => '');
      const pid = Number(text.trim());
      if (pid > 0) return pid;
      await sleep(100);
    }
    throw new Error(`${service} has no pid file`);
  }

  async signal(service: Service, signal: NodeJS.Signals) {
    process.kill(await this.pid(service), signal);
  }

  /**
   * Anonymous resident memory of the service's process now, in MiB: what its heaps and native
   * libraries hold, the part a container's memory limit bounds (the node binary's file pages are
   * shared with every other node process and mostly charged elsewhere).
   */
  async residentMiB(service: Service): Promise<number> {
    const status = await readFile(`/proc/${await this.pid(service)}/status`, 'utf8');
    const kib = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kib / 1024;
  }

  async stopAll() {
    for (const [, child] of [...this.#supervisors].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      await Promise.race([once(child, 'exit'), sleep(20_000)]);
    }
  }

  /** A supervisor that died leaves its service unrestarted: the drill would measure nothing. */
  exited(): Service[] {
    return [...this.#supervisors]
      .filter(([, child]) => child.exitCode !== null || child.signalCode !== null)
      .map(([service]) => service);
  }
}

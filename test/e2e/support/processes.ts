import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

export { eventually } from '@everything/test-support';

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** Every service this test file started that has not exited: their logs explain a failed start. */
const alive = new Set<ServiceProcess>();

/**
 * A service started exactly as in a container: `node services/<name>/src/<entry>.ts` with an
 * environment, from this tree or from another release's (`tree`).
 */
export class ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(
    name: string,
    env: Record<string, string>,
    entry = 'main',
    args: string[] = [],
    tree = root,
  ) {
    this.name = name;
    this.child = spawn(process.execPath, [`services/${name}/src/${entry}.ts`, ...args], {
      cwd: tree,
      // /metrics on any free loopback port unless a test asks for one: services run side by side.
      env: { PATH: process.env.PATH ?? '', METRICS_HOST: '127.0.0.1', METRICS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => (this.output += chunk.toString());
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    alive.add(this);
    this.exited = once(this.child, 'exit').then(([code]) => {
      alive.delete(this);
      return code as number | null;
    });
  }

  /** SIGTERM, then the exit code of the graceful shutdown. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
}

/**
 * Waits until the server's /readyz answers 200: its peers report SERVING, which a service does
 * only after its first database probe. An open port alone is not ready (a load balancer would
 * not send traffic yet either).
 */
export async function waitForReady(serverPort: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const ready = await fetch(`http://127.0.0.1:${serverPort}/readyz`, {
      signal: AbortSignal.timeout(2_000),
    }).then(
      async (response) => {
        last = `${response.status} ${await response.text()}`;
        return response.ok;
      },
      (error: unknown) => {
        last = String(error);
        return false;
      },
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const logs = [...alive].map((service) => `--- ${service.name}:\n${service.output.slice(-3_000)}`);
  throw new Error(
    [
      `the server on port ${serverPort} was not ready after ${timeoutMs} ms; /readyz last said: ${last}`,
      ...logs,
    ].join('\n'),
  );
}

/** Runs one of the project's scripts and resolves with its output, failing on a non-zero exit. */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  const child = spawn('bash', [script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited ${code}:\n${output}`);
  return output;
}

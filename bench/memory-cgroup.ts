// A memory cgroup for one process, limited like a pod's container, and the figures the kubelet
// reads from it: the working set (usage minus inactive page cache), the peak and OOM kills.
// Works with cgroup v2 (memory.max) and with the v1 memory controller of hybrid machines.
// Creating one needs root (or a delegated cgroup); the process is placed in it before it
// executes node, so everything it allocates is charged there.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MemoryFigures {
  /** What the kubelet reports as the container's memory (and evicts on): usage − inactive files. */
  workingSetMiB: number;
  /** Anonymous memory: heaps, stacks, malloc arenas. */
  anonMiB: number;
  /** The highest usage since the cgroup was created (v2: memory.peak, v1: max_usage_in_bytes). */
  peakMiB: number;
  oomKills: number;
  /**
   * Resident set of the processes (VmRSS): anonymous memory plus every file page they map,
   * including the node binary's pages that another cgroup already brought into the page cache,
   * which this cgroup is then not charged for (in a pod it is, when the image's files are not
   * yet cached on the node). The working set lies between anonMiB and this.
   */
  rssMiB: number;
}

const MiB = 1024 * 1024;

function parseStat(text: string): Map<string, number> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => line.split(' ') as [string, string])
      .map(([key, value]) => [key, Number(value)]),
  );
}

async function ownCgroup(hierarchy: 'v1-memory' | 'v2'): Promise<string | undefined> {
  const lines = (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n');
  const line =
    hierarchy === 'v2'
      ? lines.find((entry) => entry.startsWith('0::'))
      : lines.find((entry) => entry.split(':')[1]?.split(',').includes('memory'));
  return line?.split(':').slice(2).join(':');
}

export class MemoryCgroup {
  readonly dir: string;
  private readonly version: 1 | 2;

  private constructor(dir: string, version: 1 | 2) {
    this.dir = dir;
    this.version = version;
  }

  /** A child of this process's own cgroup, limited to `limitMiB`. */
  static async create(name: string, limitMiB: number): Promise<MemoryCgroup> {
    const candidates: { base: string; version: 1 | 2 }[] = [];
    const v2 = await ownCgroup('v2');
    if (v2 !== undefined && existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      candidates.push({ base: path.join('/sys/fs/cgroup', v2), version: 2 });
    }
    const v1 = await ownCgroup('v1-memory');
    if (v1 !== undefined && existsSync('/sys/fs/cgroup/memory')) {
      candidates.push({ base: path.join('/sys/fs/cgroup/memory', v1), version: 1 });
    }
    const problems: string[] = [];
    for (const { base, version } of candidates) {
      const dir = path.join(base, name);
      try {
        await mkdir(dir, { recursive: true });
        const limitFile = version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
        if (!existsSync(path.join(dir, limitFile))) throw new Error(`no ${limitFile}`);
        await writeFile(path.join(dir, limitFile), String(limitMiB * MiB));
        if (version === 1)
          await writeFile(path.join(dir, 'memory.swappiness'), '0').catch(() => {});
        return new MemoryCgroup(dir, version);
      } catch (error) {
        problems.push(`${dir}: ${String(error)}`);
        await rmdir(dir).catch(() => {});
      }
    }
    throw new Error(
      `cannot create a memory cgroup (run as root, or with a delegated cgroup): ${problems.join('; ') || 'no memory controller'}`,
    );
  }

  /** A shell command prefix that moves the shell into this cgroup, then `exec`s the rest. */
  get enterCommand(): string {
    return `echo $$ > ${path.join(this.dir, 'cgroup.procs')} && exec "$@"`;
  }

  private async rssMiB(): Promise<number> {
    const pids = (await readFile(path.join(this.dir, 'cgroup.procs'), 'utf8')).split('\n');
    let kB = 0;
    for (const pid of pids.filter(Boolean)) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      kB += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    }
    return kB / 1024;
  }

  async figures(): Promise<MemoryFigures> {
    const read = (file: string) => readFile(path.join(this.dir, file), 'utf8');
    const rssMiB = await this.rssMiB();
    const stat = parseStat(await read('memory.stat'));
    if (this.version === 2) {
      const usage = Number(await read('memory.current'));
      const events = parseStat(await read('memory.events'));
      const peak = existsSync(path.join(this.dir, 'memory.peak'))
        ? Number(await read('memory.peak'))
        : usage;
      return {
        workingSetMiB: (usage - (stat.get('inactive_file') ?? 0)) / MiB,
        anonMiB: (stat.get('anon') ?? 0) / MiB,
        peakMiB: peak / MiB,
        oomKills: events.get('oom_kill') ?? 0,
        rssMiB,
      };
    }
    const usage = Number(await read('memory.usage_in_bytes'));
    const oom = parseStat((await read('memory.oom_control')).replaceAll('\t', ' '));
    return {
      workingSetMiB: (usage - (stat.get('total_inactive_file') ?? 0)) / MiB,
      anonMiB: (stat.get('total_rss') ?? 0) / MiB,
      peakMiB: Number(await read('memory.max_usage_in_bytes')) / MiB,
      oomKills: oom.get('oom_kill') ?? 0,
      rssMiB,
    };
  }

  /** Removes the cgroup once its processes are gone. */
  async remove(): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      try {
        await rmdir(this.dir);
        return;
      } catch {
        await sleep(100);
      }
    }
  }
}

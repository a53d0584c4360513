// Where the recorded histories of the order workflow live (replay.test.ts replays them,
// record-histories.ts writes them).
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const historiesDir = fileURLToPath(new URL('../workflows/histories/', import.meta.url));

/** The fixtures, as paths relative to historiesDir (the fixture's name in every message). */
export async function historyFixtures(): Promise<string[]> {
  const entries = await readdir(historiesDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.json'))
    .map((entry) =>
      `${entry.parentPath}/${entry.name}`.slice(historiesDir.length).replace(/^\/+/, ''),
    );
}

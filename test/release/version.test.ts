// One version for the images and the charts: VERSION, which `make release` bumps everywhere.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as chartVersion from '../../scripts/release/chart-version.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFile(path.join(root, file), 'utf8');
const version = (await read('VERSION')).trim();
const charts = (await readdir(path.join(root, 'k8s/charts'))).map(
  (chart) => `k8s/charts/${chart}/Chart.yaml`,
);

test('VERSION is a semantic version, and the workspace carries it', async () => {
  assert.match(version, /^\d+\.\d+\.\d+$/);
  assert.equal((JSON.parse(await read('package.json')) as { version: string }).version, version);
});

test('every chart, its appVersion and its pin of the library chart carry VERSION', async () => {
  for (const chart of charts) {
    const text = await read(chart);
    assert.equal(chartVersion.readVersion(text), version, chart);
    for (const [, pinned] of text.matchAll(/^appVersion: '?([^'\n]+)'?$/gm))
      assert.equal(pinned, version, `${chart} appVersion`);
    for (const [, pinned] of text.matchAll(/- name: everything-lib\n {4}version: (\S+)/g))
      assert.equal(pinned, version, `${chart} everything-lib`);
  }
});

test('the release updater moves a chart, its appVersion and its library pin together', async () => {
  const bumped = chartVersion.writeVersion(await read('k8s/charts/order/Chart.yaml'), '9.8.7');
  assert.match(bumped, /^version: 9\.8\.7$/m);
  assert.match(bumped, /^appVersion: '9\.8\.7'$/m);
  assert.match(bumped, /- name: everything-lib\n {4}version: 9\.8\.7/);
  const releaseConfig = JSON.parse(await read('.versionrc.json')) as {
    bumpFiles: { filename: string }[];
  };
  const bumped_files = releaseConfig.bumpFiles.map((file) => file.filename);
  for (const file of ['VERSION', 'package.json', ...charts])
    assert.ok(bumped_files.includes(file), file);
});

test('a release of this commit, made in a clone, tags vX.Y.Z and writes the changelog', async () => {
  const clone = await mkdtemp(path.join(tmpdir(), 'release-'));
  try {
    const run = (command: string, args: string[]) =>
      promisify(execFile)(command, args, {
        cwd: clone,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Release Test',
          GIT_AUTHOR_EMAIL: 'release@example.com',
          GIT_COMMITTER_NAME: 'Release Test',
          GIT_COMMITTER_EMAIL: 'release@example.com',
        },
      });
    await run('git', ['clone', '--quiet', '--no-tags', root, clone]);
    // Without tags, the clone is at its first release: the version stays, the tag is made.
    await run(path.join(root, 'node_modules/.bin/commit-and-tag-version'), ['--first-release']);
    assert.equal((await run('git', ['tag', '--points-at', 'HEAD'])).stdout, `v${version}\n`);
    assert.equal(
      (await run('git', ['log', '-1', '--format=%s'])).stdout,
      `chore(release): ${version}\n`,
    );
    assert.match(
      await readFile(path.join(clone, 'CHANGELOG.md'), 'utf8'),
      new RegExp(`^## ${version.replaceAll('.', '\\.')} `, 'm'),
    );
    assert.equal(await readFile(path.join(clone, 'VERSION'), 'utf8'), `${version}\n`);
  } finally {
    await rm(clone, { recursive: true, force: true });
  }
});

test('images are tagged with VERSION, plus the commit off a release tag', async () => {
  const { stdout } = await promisify(execFile)(path.join(root, 'scripts/release/image-tag.sh'));
  const tagged = (
    await promisify(execFile)('git', ['tag', '--points-at', 'HEAD'], { cwd: root })
  ).stdout.split('\n');
  if (tagged.includes(`v${version}`)) assert.equal(stdout.trim(), version);
  else assert.match(stdout.trim(), new RegExp(`^${version.replaceAll('.', '\\.')}-[0-9a-f]{7,}$`));
  assert.match(
    await read('k8s/Makefile'),
    /^TAG \?= \$\(shell \$\(ROOT\)\/scripts\/release\/image-tag\.sh\)$/m,
  );
  assert.match(await read('k8s/helmfile-apps.yaml.gotmpl'), /scripts\/release\/image-tag\.sh/);
});

test('the migration hook Jobs are retried up to three times', async () => {
  for (const chart of ['order', 'customer'])
    assert.match(await read(`k8s/charts/${chart}/values.yaml`), /^ {2}backoffLimit: 3$/m, chart);
});

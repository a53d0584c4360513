// One version for the images and the charts: VERSION, which `make release` bumps everywhere.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
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

// commit-and-tag-version's updater for a Helm Chart.yaml (.versionrc.json): the chart's version,
// its appVersion (the image tag it runs) and its pin of the shared library chart all carry the
// one release version (VERSION). The tool require()s it, which Node does for this module too.
const versionLine = /^version: *(\S+)$/m;

export function readVersion(contents: string): string {
  const found = versionLine.exec(contents)?.[1];
  if (!found) throw new Error('a Chart.yaml without a version');
  return found;
}

export function writeVersion(contents: string, version: string): string {
  return contents
    .replace(versionLine, `version: ${version}`)
    .replace(/^appVersion: *.*$/m, `appVersion: '${version}'`)
    .replace(/(- name: everything-lib\n {4}version:) *\S+/, `$1 ${version}`);
}

// commit-and-tag-version's updater for VERSION (.versionrc.json). Its own plain-text updater
// keeps the file's newline in the version it reads, which then ends up inside the release tag
// ("v0.1.0\n", which git refuses): the version is the file's one line, without it.
export function readVersion(contents: string): string {
  return contents.trim();
}

export function writeVersion(_contents: string, version: string): string {
  return `${version}\n`;
}

// Commit messages follow Conventional Commits, which `make release` (commit-and-tag-version)
// turns into CHANGELOG.md; `make contracts` checks every commit since the last release.
// Two rules of the shared config are relaxed: a subject may name a thing with its capital
// (Schemathesis, Kafka), and may run past 100 characters (to 200) when it says what changed and why.
export default {
  extends: ['@commitlint/config-conventional'],
  rules: {
    'subject-case': [0],
    'header-max-length': [2, 'always', 200],
    'body-max-line-length': [0],
    'footer-max-line-length': [0],
  },
};

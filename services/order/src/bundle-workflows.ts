// `bundle-workflows OUT`: writes the order workflows, bundled for Temporal's sandbox, to OUT.
// The image's build runs it and the order service starts from the file
// (TEMPORAL_WORKFLOW_BUNDLE) instead of bundling with webpack at every start.
import { writeFile } from 'node:fs/promises';
import { bundleOrderWorkflows } from './temporal/worker.ts';
import { temporalTracingForBundling } from './temporal/tracing.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: bundle-workflows OUT');
  process.exit(2);
}
await writeFile(out, await bundleOrderWorkflows([temporalTracingForBundling()]));

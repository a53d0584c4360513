import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const chart = fileURLToPath(new URL('../../../k8s/charts/monitoring-extras/', import.meta.url));

interface RulesFile {
  groups: { rules: { record?: string; alert?: string; expr: string }[] }[];
}
interface Dashboard {
  panels: { targets?: { expr: string }[] }[];
}

/** Every PromQL expression of the alerting rules and the dashboards, and the recorded names. */
export async function monitoringQueries(): Promise<{ exprs: string[]; recorded: Set<string> }> {
  const rules = parse(await readFile(`${chart}rules/everything.rules.yaml`, 'utf8')) as RulesFile;
  const exprs = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
  const recorded = new Set(
    rules.groups.flatMap((group) => group.rules.flatMap((rule) => rule.record ?? [])),
  );
  for (const file of await readdir(`${chart}dashboards`)) {
    const dashboard = JSON.parse(await readFile(`${chart}dashboards/${file}`, 'utf8')) as Dashboard;
    for (const panel of dashboard.panels)
      for (const target of panel.targets ?? []) exprs.push(target.expr);
  }
  return { exprs, recorded };
}

const keywords = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'bool',
  'offset',
]);

/**
 * The metric names a PromQL expression reads: identifiers that are not functions (followed by
 * a parenthesis), keywords, label names (inside braces or grouping clauses), strings or
 * durations.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  return [...bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(?![\w:]|\s*\()/g)]
    .map((match) => match[1] ?? '')
    .filter((name) => !keywords.has(name));
}

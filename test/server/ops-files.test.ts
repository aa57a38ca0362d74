// The shipped operations files (ops/prometheus/alerts.yml, ops/grafana/roboledger.json) parse,
// have the shape their tools read, and use only metrics the platform exports: a renamed metric
// would otherwise leave an alert that never fires. Parsed only; no Prometheus tool is needed.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestPlatform, type TestPlatform } from '../support/app.js';
import { backend } from '../support/database.js';
import { ROOT } from '../support/process.js';

interface Rule {
  alert?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alerts = parse(readFileSync(`${ROOT}ops/prometheus/alerts.yml`, 'utf8')) as {
  groups: { name: string; rules: Rule[] }[];
};
const dashboard = JSON.parse(readFileSync(`${ROOT}ops/grafana/roboledger.json`, 'utf8')) as {
  title: string;
  panels: { title: string; targets: { expr: string }[] }[];
};
const rules = alerts.groups.flatMap((g) => g.rules);

/** The metric names an expression reads; a histogram's series name its family. */
function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/\broboledger_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));
}

describe(`shipped operations files (${backend})`, () => {
  let p: TestPlatform;
  let exported: Set<string>;
  beforeAll(async () => {
    p = await startTestPlatform();
    exported = new Set((await p.ctx.metrics.getMetricsAsJSON()).map((m) => m.name));
  });
  afterAll(async () => {
    await p?.close();
  });

  it('the alert rules are Prometheus rule groups, each alert with an expression, a severity and a summary', () => {
    expect(alerts.groups.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^RoboLedger[A-Za-z0-9]+$/);
      expect(typeof rule.expr).toBe('string');
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
    }
    // The conditions an operator must hear about.
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'RoboLedgerCheckpointStale',
        'RoboLedgerCheckpointFailing',
        'RoboLedgerSustained429',
        'RoboLedgerReplicaLag',
        'RoboLedgerAuditMismatch',
        'RoboLedgerNoLeader',
      ]),
    );
  });

  it('every metric an alert or a dashboard panel reads is one the platform exports', () => {
    const used = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr ?? '' })),
      ...dashboard.panels.flatMap((panel) =>
        panel.targets.map((t) => ({ where: `panel "${panel.title}"`, expr: t.expr })),
      ),
    ];
    expect(dashboard.panels.length).toBeGreaterThan(0);
    const unknown = used.flatMap(({ where, expr }) =>
      metricsOf(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    // Each reads at least one of them.
    for (const { where, expr } of used) expect(metricsOf(expr).length, where).toBeGreaterThan(0);
  });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { App } from "aws-cdk-lib";
import { buildApp } from "../../cloud/lib/app.ts";

/** cfn-lint of cloud/requirements-test.txt, installed into .venv/ by test/prepare-machine.sh. */
const CFN_LINT = path.resolve(".venv/bin/cfn-lint");

/** Findings accepted, each with why: rule, the resources it may name (logical-id prefix, the first quoted name of its message), reason. */
const ACKNOWLEDGED: readonly { rule: string; resource: RegExp; reason: string }[] = [
  {
    rule: "W3005",
    resource:
      /^(TelemetryIngest(FirehoseRole|RuleRole)|CalibrationRole|PipelineStateMachineRole|AWS679f53fac002430cb0da5b7982bd2287ServiceRole|AlertsRuleRole|FleetWatchWatcherRole|ForecastApiRole|NewDataCheckRole)/,
    reason:
      "CDK makes a resource depend on its role and the role's default policy, so the policy is attached before the resource first assumes the role; the GetAtt already orders the role, not the policy, and cfn-lint flags the role half of that DependsOn.",
  },
];

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Message: string;
  readonly Location: { readonly Path: readonly (string | number)[] };
}

test("cfn-lint passes on the synthesised template: every finding is acknowledged with a reason", () => {
  const outdir = mkdtempSync(path.join(tmpdir(), "aqm-cfn-lint-"));
  const { app, stack } = buildApp(new App({ outdir }));
  app.synth();
  const template = path.join(outdir, stack.templateFile);
  const run = spawnSync(CFN_LINT, ["--format", "json", template], { encoding: "utf8" });
  assert.ok(run.status !== null && run.stdout.trim().startsWith("["), `cfn-lint did not run: ${run.error ?? run.stderr}`);
  const findings = JSON.parse(run.stdout) as Finding[];
  const named = (f: Finding) => /^'([^']+)'/.exec(f.Message)?.[1] ?? String(f.Location.Path[1]);
  const open = findings.filter((f) => !ACKNOWLEDGED.some((a) => a.rule === f.Rule.Id && a.resource.test(named(f))));
  assert.deepEqual(
    open.map((f) => `${f.Rule.Id} ${f.Location.Path.join("/")}: ${f.Message}`),
    [],
  );
  // An acknowledgement nothing needs any more is dead: it goes.
  for (const a of ACKNOWLEDGED)
    assert.ok(
      findings.some((f) => f.Rule.Id === a.rule && a.resource.test(named(f))),
      `${a.rule} is still found`,
    );
});

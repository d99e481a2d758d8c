// The shipped RBAC is least privilege, shown the way a real cluster would show it: the real
// controller and speaker processes run under their ServiceAccounts against the lab API server,
// which enforces RBAC. With manifests/rbac/ as shipped, every step of their scenarios succeeds and
// nothing is refused; with any single grant (one verb on one resource of one rule) taken away, the
// component gets a 403 for exactly that grant. The grants are read from the YAML, so a rule added
// later is covered, and fails here, until a scenario step shows it is needed.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSegment, removeSegment } from '../../../lab/network/segment.ts';
import { planTopology } from '../../../lab/network/topology.ts';
import { startRelay } from '../../../lab/socket-relay.ts';
import {
  manifestsDir,
  type RbacCluster,
  type RunReport,
  repoRoot,
  runScenario,
  type Scenario,
  startRbacCluster,
} from './rbac-cluster.ts';
import { type Grant, grantsOf, refusedByMissing, ruleTitle, shippedRoles } from './rbac-grants.ts';
import { controllerScenario, speakerScenario } from './rbac-scenarios.ts';

const roles = shippedRoles(path.join(manifestsDir, 'rbac'));
const accounts = [...new Set(roles.map((r) => r.account))].sort();
const topology = planTopology(`rbac${process.pid}`.slice(0, 12), 1);
const host = topology.nodes[0]!;

let dir = '';
const clusters = new Map<string, RbacCluster>();
const scenarios = new Map<string, Scenario>();
const children: ChildProcess[] = [];
let rootRelay: Server | undefined;
let runs = 0;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rbac-least-privilege-'));
  await removeSegment(topology.prefix);
  await createSegment(topology);
  for (const account of accounts) {
    const own = path.join(dir, account);
    await mkdir(own);
    clusters.set(account, await startRbacCluster(own, accounts));
  }
  const speakerCluster = clusters.get('speaker');
  assert.ok(speakerCluster, 'manifests/rbac/ binds a role to the speaker ServiceAccount');
  // The speaker runs in the node's namespace and reaches its API server through two relays.
  const socket = path.join(dir, 'api.sock');
  rootRelay = await startRelay({ path: socket }, { host: '127.0.0.1', port: speakerCluster.port });
  const relay = spawn(
    'ip',
    [
      'netns',
      'exec',
      host.netns,
      process.execPath,
      path.join(repoRoot, 'lab/socket-relay.ts'),
      '--listen',
      `127.0.0.1:${speakerCluster.port}`,
      '--connect',
      `unix:${socket}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(relay);
  await new Promise<void>((resolve, reject) => {
    relay.stdout!.once('data', () => resolve());
    relay.once('exit', (code) => reject(new Error(`the node's socket relay exited (${code})`)));
  });
  for (const [account, cluster] of clusters) {
    const make = {
      controller: () => controllerScenario(cluster),
      speaker: () => speakerScenario(cluster, host),
    };
    const scenario = make[account as keyof typeof make];
    assert.ok(scenario, `no scenario drives the "${account}" ServiceAccount's component`);
    scenarios.set(account, await scenario());
  }
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => (rootRelay ? rootRelay.close(resolve) : resolve(undefined)));
  for (const cluster of clusters.values()) await cluster.close();
  await removeSegment(topology.prefix);
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(account: string, without?: Grant): Promise<RunReport> {
  const cluster = clusters.get(account);
  const scenario = scenarios.get(account);
  assert.ok(cluster && scenario, `the ${account} was set up`);
  return runScenario({
    cluster,
    scenario,
    ...(without ? { without } : {}),
    logFile: path.join(dir, `${account}-${++runs}.log`),
    // Each run starts a fresh process: compiled code from the first run makes the others start faster.
    env: { NODE_COMPILE_CACHE: path.join(dir, 'compile-cache') },
  });
}

/** "get" or, for a rule over several resources or groups, "get on services/status". */
function grantName(grant: Grant): string {
  const rule = grant.role.rules[grant.ruleIndex]!;
  const group = rule.apiGroups.length > 1 && grant.apiGroup ? `${grant.apiGroup} ` : '';
  return rule.resources.length > 1 || group ? `${grant.verb} on ${group}${grant.resource}` : grant.verb;
}

describe('least privilege of manifests/rbac/', { concurrency: true }, () => {
  for (const account of accounts) {
    describe(`the ${account}`, { concurrency: 1 }, () => {
      test('with the RBAC as shipped, every step of its scenario succeeds and nothing is refused', async () => {
        const report = await run(account);
        assert.deepEqual(
          report.denials.map((d) => d.message),
          [],
        );
        assert.ok(report.completed);
      });
      for (const role of roles.filter((r) => r.account === account)) {
        role.rules.forEach((_rule, index) => {
          describe(`${ruleTitle(role, index)} is needed`, { concurrency: 1 }, () => {
            for (const grant of grantsOf(role).filter((g) => g.ruleIndex === index)) {
              test(`without ${grantName(grant)}, the ${account} is refused a request it makes`, async (t) => {
                const report = await run(account, grant);
                const refused = report.denials.filter((d) => refusedByMissing(d, grant));
                if (refused[0]) t.diagnostic(`${refused[0].verb} ${refused[0].path}: ${refused[0].message}`);
                assert.ok(
                  refused.length > 0,
                  `${grant.verb} ${grant.resource} is never refused: the scenario ${report.completed ? 'completed' : 'stopped'} without it, so the grant looks unneeded`,
                );
                const other = report.denials.filter((d) => !refusedByMissing(d, grant));
                assert.deepEqual(
                  other.map((d) => d.message),
                  [],
                  'only the removed grant is missing',
                );
              });
            }
          });
        });
      }
    });
  }
});

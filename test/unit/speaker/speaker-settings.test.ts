import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFlags } from '../../../common/cli-flags.ts';
import { main, speakerFlags, speakerSettings } from '../../../speaker/main.ts';
import { defaultTiming, fastTiming } from '../../../speaker/membership/timing.ts';

const secret = 'a-secret-of-sixteen-bytes-or-more';
const env = { BAREMETAL_LB_MEMBERLIST_SECRET: secret };

// speakerSettings takes parsed flags; parse them the way main does.
function settings(argv: string[], environment: NodeJS.ProcessEnv = env) {
  const parsed = parseFlags(argv, speakerFlags);
  assert.ok(parsed.ok);
  return speakerSettings(parsed.values, environment);
}

describe('speakerSettings', () => {
  test('defaults', () => {
    const s = settings(['--node-name', 'node-1']);
    assert.equal(s.nodeName, 'node-1');
    assert.equal(s.namespace, 'baremetal-lb-system');
    assert.equal(s.configMapName, 'config');
    assert.equal(s.metricsAddress, ':7472');
    assert.deepEqual(s.failureDetector, { bind: { address: '0.0.0.0', port: 7946 }, secret });
    assert.equal(s.refreshIntervalMs, undefined);
    assert.equal(s.lbClass, undefined);
    assert.equal(s.timing, defaultTiming);
  });

  test('every flag', () => {
    const s = settings([
      '--node-name=node-2',
      '--interfaces',
      'eth0, eth1',
      '--exclude-interfaces',
      'ens*',
      '--bind',
      '192.0.2.12:7000',
      '--lb-class',
      'example.com/lb',
      '--refresh-interval',
      '2.5',
      '--timing',
      'fast',
    ]);
    assert.deepEqual(s.interfaces, ['eth0', 'eth1']);
    assert.deepEqual(s.excludeInterfaces, ['ens*']);
    assert.deepEqual(s.failureDetector?.bind, { address: '192.0.2.12', port: 7000 });
    assert.equal(s.lbClass, 'example.com/lb');
    assert.equal(s.refreshIntervalMs, 2500);
    assert.equal(s.timing, fastTiming);
  });

  test('NODE_NAME stands in for --node-name; no secret needed without the failure detector', () => {
    const s = settings(['--no-failure-detector'], { NODE_NAME: 'node-9' });
    assert.equal(s.nodeName, 'node-9');
    assert.equal(s.failureDetector, undefined);
  });

  const errors = [
    { argv: [], env, message: /--node-name is required/ },
    { argv: ['--node-name', 'n', '--refresh-interval', '0'], env, message: /--refresh-interval "0"/ },
    { argv: ['--node-name', 'n', '--bind', 'nowhere'], env, message: /--bind: address "nowhere"/ },
    { argv: ['--node-name', 'n'], env: {}, message: /BAREMETAL_LB_MEMBERLIST_SECRET must hold/ },
    {
      argv: ['--node-name', 'n', '--timing', 'quick'],
      env,
      message: /--timing "quick": say default or fast/,
    },
    {
      argv: ['--node-name', 'n'],
      env: { BAREMETAL_LB_MEMBERLIST_SECRET: 'short' },
      message: /at least 16 bytes/,
    },
  ];
  for (const { argv, env: environment, message } of errors) {
    test(`rejects ${argv.join(' ') || 'no flags'}`, () => {
      assert.throws(() => settings(argv, environment), message);
    });
  }
});

test('main: unknown flag → 2, --help → 0', async (t) => {
  const written: string[] = [];
  t.mock.method(process.stderr, 'write', (text: string) => written.push(text) > 0);
  t.mock.method(process.stdout, 'write', (text: string) => written.push(text) > 0);
  assert.equal(await main(['--bogus']), 2);
  assert.equal(await main(['--help']), 0);
  assert.match(written.join(''), /--no-failure-detector/);
});

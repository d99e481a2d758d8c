import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagUsage, parseFlags } from '../../../common/cli-flags.ts';
import { parseHostPort } from '../../../common/observability/health-server.ts';
import { parseLogLevel } from '../../../common/observability/logger.ts';

const specs = {
  namespace: { type: 'string', describe: 'namespace', default: 'lb' },
  kubeconfig: { type: 'string', describe: 'file', value: 'FILE' },
  verbose: { type: 'boolean', describe: 'more' },
} as const;

test('flags parse with defaults, = form and booleans', () => {
  const parsed = parseFlags(['--kubeconfig=/k', '--verbose'], specs);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.values, { namespace: 'lb', kubeconfig: '/k', verbose: true });
  assert.equal(parsed.help, false);
});

test('unknown flags, positionals and empty values are errors naming them', () => {
  for (const [argv, pattern] of [
    [['--nope'], /nope/],
    [['extra'], /extra/],
    [['--namespace', ''], /--namespace/],
  ] as const) {
    const parsed = parseFlags([...argv], specs);
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.message, pattern);
  }
});

test('usage lists every flag with its default', () => {
  const text = flagUsage('x', specs);
  assert.match(text, /--kubeconfig FILE/);
  assert.match(text, /default "lb"/);
});

test('listen addresses: HOST:PORT, :PORT and [v6]:PORT', () => {
  assert.deepEqual(parseHostPort(':7472'), { host: '', port: 7472 });
  assert.deepEqual(parseHostPort('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseHostPort('7472'), /"7472"/);
  assert.throws(() => parseHostPort(':70000'), /70000/);
});

test('log levels are checked', () => {
  assert.equal(parseLogLevel('DEBUG'), 'debug');
  assert.throws(() => parseLogLevel('loud'), /"loud"/);
});

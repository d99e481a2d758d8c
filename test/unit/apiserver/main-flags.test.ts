import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../../lab/apiserver/main.ts';
import { parseListen } from '../../../lab/apiserver/server.ts';

test('bad flags return 2, --help returns 0', async () => {
  assert.equal(await main(['--bogus']), 2);
  assert.equal(await main(['--listen', 'nope']), 2);
  assert.equal(await main(['extra']), 2);
  assert.equal(await main(['--help']), 0);
});

test('listen addresses', () => {
  assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListen('[::1]:6443'), { host: '::1', port: 6443 });
  assert.throws(() => parseListen('127.0.0.1'), /not HOST:PORT/);
  assert.throws(() => parseListen('127.0.0.1:70000'), /not HOST:PORT/);
});

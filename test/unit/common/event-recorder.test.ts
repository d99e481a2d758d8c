// The recorder bounds its writes in flight: a burst of distinct Events queues instead of opening a
// request each, and every queued Event is still written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApiConnection } from '../../../common/kube/api-connection.ts';
import { EventRecorder } from '../../../common/kube/event-recorder.ts';
import { createLogger } from '../../../common/observability/logger.ts';

function slowConnection() {
  const state = { inFlight: 0, most: 0, created: [] as string[] };
  const connection = {
    async request(method: string, _path: string, { body }: { body: { metadata: { name: string } } }) {
      assert.equal(method, 'POST');
      state.inFlight++;
      state.most = Math.max(state.most, state.inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      state.inFlight--;
      state.created.push(body.metadata.name);
      return body;
    },
  } as unknown as ApiConnection;
  return { connection, state };
}

for (const concurrency of [1, 3, 8]) {
  test(`a burst of 50 distinct Events keeps at most ${concurrency} writes in flight and writes all`, async () => {
    const { connection, state } = slowConnection();
    const logger = createLogger({ component: 'test', level: 'silent' });
    const recorder = new EventRecorder({ connection, component: 'test', logger, concurrency });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        recorder.record(
          { kind: 'Service', apiVersion: 'v1', name: `svc-${i}`, namespace: 'default' },
          'Normal',
          'nodeAssigned',
          'announcing from node node-1',
        ),
      ),
    );
    assert.equal(state.created.length, 50);
    assert.equal(state.most, concurrency);
  });
}

// Runs inside the client namespace during a failover: sends a GET on a fresh connection to the VIP
// every --interval-ms and prints one JSON line with the wall-clock time (Date.now, so the test can
// subtract the moment it struck the leader) of the first answer from a node other than --away-from.
import { request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'away-from': { type: 'string' },
    'interval-ms': { type: 'string', default: '20' },
    'deadline-ms': { type: 'string', default: '15000' },
  },
});
if (!values.url || !values['away-from']) {
  process.stderr.write(
    'usage: failover-probe --url URL --away-from NODE [--interval-ms 20] [--deadline-ms 15000]\n',
  );
  process.exit(2);
}
const url = values.url;
const awayFrom = values['away-from'];
const answers: Record<string, number> = {};
let attempts = 0;
let failures = 0;

function finish(result: Record<string, unknown>): never {
  process.stdout.write(`${JSON.stringify({ ...result, attempts, failures, answers })}\n`);
  process.exit(0);
}

function probe(): void {
  attempts++;
  const req = request(url, { agent: false, timeout: 1000 }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      body += chunk;
    });
    res.on('end', () => {
      let node = '';
      try {
        node = String((JSON.parse(body) as { node?: string }).node ?? '');
      } catch {
        node = '';
      }
      answers[node || '(unparsable)'] = (answers[node || '(unparsable)'] ?? 0) + 1;
      if (res.statusCode === 200 && node && node !== awayFrom) finish({ at: Date.now(), node });
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => {
    failures++;
  });
  req.end();
}

setInterval(probe, Number(values['interval-ms']));
setTimeout(() => finish({ timeout: true }), Number(values['deadline-ms']));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

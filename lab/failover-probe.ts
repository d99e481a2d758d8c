// Runs inside the lab's client namespace during a failover: sends a GET on a fresh connection to the
// VIP every --interval-ms, each with its own --timeout-ms deadline so a lost request never holds up
// the next, and reads which node served it from the echo backend's JSON body. Times are wall-clock
// milliseconds (performance.timeOrigin-based, fractional), so the caller can subtract the moment it
// struck the leader.
//
//   --away-from NODE  print one JSON line at the first answer from another node, then exit (tests)
//   --stream          print every probe as it settles ({sent, at, node}; node null = no answer) until
//                     SIGTERM or the deadline, then a summary line (benchmarks draw timelines from it)
//
// Either way the first line is {"ready":true} and nothing outlives --deadline-ms.
import { request } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'away-from': { type: 'string' },
    stream: { type: 'boolean', default: false },
    'interval-ms': { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '1000' },
    'deadline-ms': { type: 'string', default: '15000' },
  },
});
if (!values.url || (!values['away-from'] && !values.stream)) {
  process.stderr.write(
    'usage: failover-probe --url URL (--away-from NODE | --stream) [--interval-ms 20] [--timeout-ms 1000] [--deadline-ms 15000]\n',
  );
  process.exit(2);
}
const url = values.url;
const awayFrom = values['away-from'];
const stream = values.stream;
const timeoutMs = Number(values['timeout-ms']);
const answers: Record<string, number> = {};
let attempts = 0;
let failures = 0;

const wallMs = () => Math.round((performance.timeOrigin + performance.now()) * 100) / 100;

function finish(result: Record<string, unknown>): never {
  process.stdout.write(`${JSON.stringify({ ...result, attempts, failures, answers })}\n`);
  process.exit(0);
}

function settled(sent: number, node: string | null): void {
  if (node === null) failures++;
  else answers[node] = (answers[node] ?? 0) + 1;
  const at = wallMs();
  if (stream) process.stdout.write(`${JSON.stringify({ sent, at, node })}\n`);
  else if (node && node !== '(unparsable)' && node !== awayFrom) finish({ at: Math.round(at), node });
}

function probe(): void {
  attempts++;
  const sent = wallMs();
  let done = false;
  const once = (node: string | null) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    settled(sent, node);
  };
  const req = request(url, { agent: false }, (res) => {
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
      once(res.statusCode === 200 && node ? node : '(unparsable)');
    });
    res.on('error', () => once(null));
  });
  const timer = setTimeout(() => req.destroy(new Error('timeout')), timeoutMs);
  req.on('error', () => once(null));
  req.end();
}

setInterval(probe, Number(values['interval-ms']));
setTimeout(() => finish({ timeout: true }), Number(values['deadline-ms']));
process.once('SIGTERM', () => finish({ stopped: true }));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);

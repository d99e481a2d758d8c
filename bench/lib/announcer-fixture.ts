// Runs an Announcer inside a test's namespace: answers for the IPs given as arguments on every
// interface discovery selects, prints "ready", then obeys one command per stdin line
// (`led IP[@IFNAME,...]...`, `announce IP`, `interfaces` (rescan), `stats`) and prints one line per
// command. Ends when stdin closes. `IP@eth1,eth2` restricts that IP to those interfaces.
import { createInterface } from 'node:readline';
import { formatIP, type IP, parseIP } from '../../common/ip-address.ts';
import { Announcer } from '../../speaker/packet-io/announcer.ts';
import { readInterfaceFacts, selectInterfaces } from '../../speaker/packet-io/interfaces.ts';

function parseIPText(text: string): IP {
  const ip = parseIP(text);
  if (ip === undefined) throw new Error(`"${text}" is not an IP address`);
  return ip;
}

function setLed(args: readonly string[]): Promise<void> {
  const restrictTo = new Map<string, string[]>();
  const ips = args.map((arg) => {
    const [text, interfaces] = arg.split('@');
    const ip = parseIPText(text!);
    if (interfaces !== undefined) restrictTo.set(formatIP(ip), interfaces.split(','));
    return ip;
  });
  return announcer.setLed(ips, (ip) => restrictTo.get(formatIP(ip)));
}

async function discover(): Promise<{ name: string; mac: string }[]> {
  return selectInterfaces(await readInterfaceFacts()).selected.map(({ name, mac }) => ({ name, mac }));
}

const selected = await discover();
const announcer = await Announcer.start(selected);
await setLed(process.argv.slice(2));
console.log(`ready ${selected.map((s) => s.name).join(',')}`);

for await (const line of createInterface({ input: process.stdin })) {
  const [command, ...args] = line.trim().split(/\s+/);
  try {
    if (command === 'led') await setLed(args);
    else if (command === 'interfaces') await announcer.setInterfaces(await discover());
    else if (command === 'announce') await announcer.announce(args.map(parseIPText));
    else if (command === 'stats') {
      console.log(JSON.stringify(await announcer.stats()));
      continue;
    } else throw new Error(`unknown command "${command}"`);
    console.log('ok');
  } catch (error) {
    console.log(`error ${(error as Error).message}`);
  }
}
await announcer.close();

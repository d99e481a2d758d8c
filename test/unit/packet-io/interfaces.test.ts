import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type InterfaceFacts,
  type InterfaceSelection,
  macToBytes,
  readInterfaceFacts,
  selectInterfaces,
} from '../../../speaker/packet-io/interfaces.ts';

function nic(name: string, overrides: Partial<InterfaceFacts> = {}): InterfaceFacts {
  return {
    name,
    linkType: 1,
    up: true,
    broadcast: true,
    loopback: false,
    noarp: false,
    mac: '02:00:00:00:00:01',
    ...overrides,
  };
}

const cases: {
  name: string;
  facts: InterfaceFacts;
  selection?: InterfaceSelection;
  skipped?: string;
}[] = [
  { name: 'a plain Ethernet NIC is used', facts: nic('eth0') },
  { name: 'a bridge device is used', facts: nic('br0') },
  { name: 'a bond is used', facts: nic('bond0') },
  {
    name: 'loopback is never used',
    facts: nic('lo', { loopback: true, linkType: 772, broadcast: false }),
    skipped: 'loopback',
  },
  { name: 'a down NIC is skipped', facts: nic('eth1', { up: false }), skipped: 'down' },
  { name: 'a NOARP NIC is skipped', facts: nic('eth1', { noarp: true }), skipped: 'NOARP' },
  {
    name: 'a point-to-point link is skipped',
    facts: nic('ppp0', { broadcast: false }),
    skipped: 'no broadcast',
  },
  {
    name: 'a non-Ethernet link is skipped',
    facts: nic('ib0', { linkType: 32 }),
    skipped: 'link type 32 is not Ethernet',
  },
  {
    name: 'a bond member is skipped in favour of the bond',
    facts: nic('eth2', { master: 'bond0' }),
    skipped: 'member of bond0',
  },
  {
    name: 'a NIC without a MAC is skipped',
    facts: nic('eth3', { mac: '00:00:00:00:00:00' }),
    skipped: 'no MAC address',
  },
  { name: 'docker0 is excluded by default', facts: nic('docker0'), skipped: 'excluded by name' },
  { name: 'veth pairs are excluded by default', facts: nic('veth1a2b'), skipped: 'excluded by name' },
  { name: 'calico devices are excluded by default', facts: nic('cali123'), skipped: 'excluded by name' },
  { name: 'kube-ipvs0 is excluded by default', facts: nic('kube-ipvs0'), skipped: 'excluded by name' },
  { name: 'cni0 is excluded by default', facts: nic('cni0'), skipped: 'excluded by name' },
  { name: 'flannel.1 is excluded by default', facts: nic('flannel.1'), skipped: 'excluded by name' },
  { name: 'a name merely containing docker is used', facts: nic('eth-docker') },
  {
    name: 'an exclude list replaces the default',
    facts: nic('docker0'),
    selection: { exclude: ['eth*'] },
  },
  {
    name: 'a custom exclude pattern applies',
    facts: nic('eth5'),
    selection: { exclude: ['eth*'] },
    skipped: 'excluded by name',
  },
  {
    name: 'a dot in a pattern is literal',
    facts: nic('flannelX1'),
    selection: { exclude: ['flannel.1'] },
  },
  {
    name: 'an allow list keeps only its names',
    facts: nic('eth0'),
    selection: { allow: ['eth1'] },
    skipped: 'not in the allowed interfaces',
  },
  {
    name: 'an allowed name wins over the exclude list',
    facts: nic('veth0'),
    selection: { allow: ['veth0'] },
  },
  {
    name: 'an allowed name is still skipped when down',
    facts: nic('eth1', { up: false }),
    selection: { allow: ['eth1'] },
    skipped: 'down',
  },
  { name: 'an empty allow list means no narrowing', facts: nic('eth0'), selection: { allow: [] } },
];

for (const c of cases) {
  test(`selectInterfaces: ${c.name}`, () => {
    const result = selectInterfaces([c.facts], c.selection);
    if (c.skipped === undefined) {
      assert.deepEqual(result, { selected: [c.facts], skipped: [] });
    } else {
      assert.deepEqual(result, { selected: [], skipped: [{ name: c.facts.name, reason: c.skipped }] });
    }
  });
}

test('selectInterfaces keeps the input order and partitions every interface', () => {
  const all = [nic('eth1'), nic('docker0'), nic('eth0'), nic('lo', { loopback: true })];
  const { selected, skipped } = selectInterfaces(all);
  assert.deepEqual(
    selected.map((f) => f.name),
    ['eth1', 'eth0'],
  );
  assert.deepEqual(
    skipped.map((s) => s.name),
    ['docker0', 'lo'],
  );
});

test('readInterfaceFacts reads flags, type, address and master from a sysfs tree', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'blb-sysnet-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const device = async (name: string, files: Record<string, string>, master?: string) => {
    await mkdir(join(root, name));
    for (const [file, text] of Object.entries(files)) await writeFile(join(root, name, file), `${text}\n`);
    if (master !== undefined) await symlink(`../${master}`, join(root, name, 'master'));
  };
  await device('bond0', { flags: '0x1443', type: '1', address: 'AA:BB:CC:00:00:01' });
  await device('eth0', { flags: '0x1803', type: '1', address: 'aa:bb:cc:00:00:01' }, 'bond0');
  await device('lo', { flags: '0x9', type: '772', address: '00:00:00:00:00:00' });
  await device('wg0', { flags: '0x90', type: '65534' });
  assert.deepEqual(readInterfaceFacts(root), [
    {
      name: 'bond0',
      linkType: 1,
      up: true,
      broadcast: true,
      loopback: false,
      noarp: false,
      mac: 'aa:bb:cc:00:00:01',
    },
    {
      name: 'eth0',
      linkType: 1,
      up: true,
      broadcast: true,
      loopback: false,
      noarp: false,
      master: 'bond0',
      mac: 'aa:bb:cc:00:00:01',
    },
    {
      name: 'lo',
      linkType: 772,
      up: true,
      broadcast: false,
      loopback: true,
      noarp: false,
      mac: '00:00:00:00:00:00',
    },
    {
      name: 'wg0',
      linkType: 65534,
      up: false,
      broadcast: false,
      loopback: false,
      noarp: true,
      mac: '00:00:00:00:00:00',
    },
  ]);
});

test('macToBytes parses a MAC and names a malformed one', () => {
  assert.deepEqual([...macToBytes('02:00:C0:00:02:0b')], [2, 0, 0xc0, 0, 2, 11]);
  for (const bad of ['02:00:c0:00:02', '02:00:c0:00:02:0g', '', '2:0:c0:0:2:b']) {
    assert.throws(() => macToBytes(bad), new RegExp(`MAC address "${bad}"`));
  }
});

// Frames captured with `tcpdump -xx` on a veth pair between two network namespaces: host A
// (02:00:00:00:00:0a, 192.0.2.10, 2001:db8::a) ran arping and ndisc6 against host B (02:00:00:00:00:0b,
// 192.0.2.11, 2001:db8::b), whose Linux kernel answered. The responder must answer as B's kernel did.

export function hex(text: string): Uint8Array {
  return Uint8Array.from(text.replace(/\s+/g, '').match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

export const macA = hex('02000000000a');
export const macB = hex('02000000000b');

export const captured = {
  /** `arping -I va 192.0.2.11` (iputils puts ff:ff:ff:ff:ff:ff in the target MAC). */
  arpRequest: hex(
    'ffffffffffff 02000000000a 0806 0001 0800 0604 0001 02000000000a c000020a ffffffffffff c000020b',
  ),
  arpReply: hex(
    '02000000000a 02000000000b 0806 0001 0800 0604 0002 02000000000b c000020b 02000000000a c000020a',
  ),
  /** `arping -D`: an RFC 5227 probe, sender IP 0.0.0.0; Linux answers it unicast, to 0.0.0.0. */
  arpProbe: hex(
    'ffffffffffff 02000000000a 0806 0001 0800 0604 0001 02000000000a 00000000 ffffffffffff c000020b',
  ),
  arpProbeReply: hex(
    '02000000000a 02000000000b 0806 0001 0800 0604 0002 02000000000b c000020b 02000000000a 00000000',
  ),
  /** `arping -U`: gratuitous request from A for its own address. */
  arpGratuitousRequest: hex(
    'ffffffffffff 02000000000a 0806 0001 0800 0604 0001 02000000000a c000020a ffffffffffff c000020a',
  ),
  /** `arping -A`: gratuitous reply, target MAC = sender MAC. */
  arpGratuitousReply: hex(
    'ffffffffffff 02000000000a 0806 0001 0800 0604 0002 02000000000a c000020a 02000000000a c000020a',
  ),
  /** `ndisc6 2001:db8::b va`: NS from A's link-local address, with a flow label and a source LLA option. */
  neighborSolicitation: hex(`
    3333ff00000b 02000000000a 86dd 600ad8e7 0020 3a ff fe80000000000000 000000fffe00000a
    ff020000000000000000 0001ff00000b 87 00 4c3b 00000000 20010db80000000000000000 0000000b 0101 02000000000a`),
  /** B's kernel's answer: from the target, Solicited + Override, target LLA option. */
  neighborAdvertisement: hex(`
    02000000000a 02000000000b 86dd 60000000 0020 3a ff 20010db80000000000000000 0000000b
    fe80000000000000 000000fffe00000a 88 00 ba85 60000000 20010db80000000000000000 0000000b 0201 02000000000b`),
  /** B's own DAD probe for its link-local address: source ::, a nonce option (type 14), no source LLA. */
  dadSolicitation: hex(`
    3333ff00000b 02000000000b 86dd 60000000 0020 3a ff 00000000000000000000000000000000
    ff020000000000000000 0001ff00000b 87 00 7349 00000000 fe80000000000000 000000fffe00000b 0e01 7e47e9749402`),
  /** A router solicitation (ICMPv6 type 133): IPv6 and ICMPv6, but not NS or NA. */
  routerSolicitation: hex(`
    333300000002 02000000000a 86dd 60000000 0010 3a ff fe80000000000000 000000fffe00000a
    ff020000000000000000000000000002 85 00 7b1a 00000000 0101 02000000000a`),
};

// Typed access to the native AF_PACKET addon (speaker/native/packet_socket.cc, built by `npm ci` into
// build/Release). Loaded lazily so that code which only imports types never needs the build.
import { createRequire } from 'node:module';
import { projectRoot } from '../../common/module-location.ts';

/** Which frames a socket receives: requests for the responder, replies for clients in tests and benchmarks. */
export type PacketSocketKind = 'arp' | 'arp-reply' | 'ndp' | 'ndp-advert';

export interface PacketSocket {
  /** Joins a link-layer multicast group (PACKET_MR_MULTICAST); counted per socket by the kernel. */
  addMembership(mac: Uint8Array): void;
  dropMembership(mac: Uint8Array): void;
  /** Sends one whole Ethernet frame; returns CLOCK_REALTIME in µs taken just before sending. */
  send(frame: Uint8Array): number;
  /** Sends frames i < count, each lengths[i] bytes at i * slotSize, in one sendmmsg; returns how many went. */
  sendBatch(buffer: Uint8Array, slotSize: number, lengths: Uint32Array, count: number): number;
  /**
   * Starts receiving: per readiness, batches of up to lengths.length (max 64) frames land in slots of
   * buffer (slot = buffer.byteLength / lengths.length, longer frames are cut), their sizes in lengths and,
   * for sockets opened with timestamps, kernel receive times (µs, CLOCK_REALTIME) in stamps; then, per batch,
   * onBatch(count). The memory is reused for the next batch.
   */
  onFrames(
    buffer: Uint8Array,
    lengths: Uint32Array,
    onBatch: (count: number) => void,
    stamps?: Float64Array,
  ): void;
  close(): void;
}

interface Addon {
  PacketSocket: new (ifname: string, kind: PacketSocketKind, timestamps?: boolean) => PacketSocket;
}

const addonPath = new URL('build/Release/packet_socket.node', projectRoot);
let addon: Addon | undefined;

function loadAddon(): Addon {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)(addonPath.pathname) as Addon;
    } catch (error) {
      throw new Error(
        `cannot load the packet socket addon at ${addonPath.pathname} (build it with \`npm rebuild\`): ${(error as Error).message}`,
      );
    }
  }
  return addon;
}

/**
 * Opens an AF_PACKET socket on ifname that receives only the given kind of frame (filtered in the kernel)
 * and never its own transmissions. Needs CAP_NET_RAW; errors name the interface and the errno text.
 */
export function openPacketSocket(ifname: string, kind: PacketSocketKind, timestamps = false): PacketSocket {
  const { PacketSocket } = loadAddon();
  return new PacketSocket(ifname, kind, timestamps);
}

// What speakers say to each other. Every message carries the sender's name and incarnation (so any
// datagram is fresh evidence the sender is alive) and piggybacks membership updates (gossip).

export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';

/** A claim about one member, ordered by incarnation, then by state (see supersedes). */
export interface Update {
  readonly node: string;
  readonly state: MemberState;
  readonly incarnation: number;
}

interface Header {
  readonly from: string;
  readonly incarnation: number;
  readonly updates: readonly Update[];
}

/** Are you there? `target` names the intended node, so a stale address book is noticed. */
export interface Ping extends Header {
  readonly kind: 'ping';
  readonly seq: number;
  readonly target: string;
}

/** Answer to a ping, or relayed by a helper that pinged `target` for us. */
export interface Ack extends Header {
  readonly kind: 'ack';
  readonly seq: number;
}

/** Please ping `target` for me and relay its ack with my `seq`. */
export interface PingReq extends Header {
  readonly kind: 'ping-req';
  readonly seq: number;
  readonly target: string;
}

/** Updates only: urgent news (suspect, dead, leaving, refutation) and periodic dissemination. */
export interface Gossip extends Header {
  readonly kind: 'gossip';
}

export type Message = Ping | Ack | PingReq | Gossip;

export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

export interface Outgoing {
  readonly to: string;
  readonly peer: PeerAddress;
  readonly message: Message;
  /**
   * A ping from the cut-off side of a partition to a peer it cannot reach. The kernel may hold it
   * for up to a second waiting on ARP/NDP for that peer after the partition heals; the speaker
   * also asks the segment for the peer's address itself, so that wait ends at once.
   */
  readonly rejoin?: true;
}

export interface MemberChange {
  readonly node: string;
  /** 'pending' = listed as a peer but not yet heard from; 'removed' = no longer a peer. */
  readonly from: MemberState | 'pending';
  readonly to: MemberState | 'removed';
  readonly incarnation: number;
}

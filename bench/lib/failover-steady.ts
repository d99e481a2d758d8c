// Is the lab back to its steady state after a trial? For baremetal-lb, read from each speaker's own
// /metrics: every speaker holds every peer alive, and exactly the expected leader announces the VIP.
// For a peer, whose failure detector shows nothing comparable: every announcer answers, exactly one
// node holds the VIP, and the same one has held it for a while. Pure.

export interface SpeakerView {
  /** Peers this speaker's failure detector holds alive; undefined when the metric is missing. */
  readonly alivePeers: number | undefined;
  /** Whether this speaker reports announcing `vip` (metallb_speaker_announced … ip="vip" … 1). */
  readonly announces: boolean;
}

export function speakerView(metricsText: string, vip: string): SpeakerView {
  let alivePeers: number | undefined;
  let announces = false;
  for (const line of metricsText.split('\n')) {
    const alive = /^baremetal_lb_speaker_failure_detector_members\{state="alive"\} (\d+)/.exec(line);
    if (alive) alivePeers = Number(alive[1]);
    const announced = /^metallb_speaker_announced\{([^}]*)\} (\S+)/.exec(line);
    if (announced && announced[1]!.includes(`ip="${vip}"`) && Number(announced[2]) === 1) announces = true;
  }
  return { alivePeers, announces };
}

/** Undefined when steady; else what is still off, for the error message on timeout. */
export function unsteadiness(
  views: ReadonlyMap<string, SpeakerView | undefined>,
  leader: string,
): string | undefined {
  const problems: string[] = [];
  const peers = views.size - 1;
  for (const [node, view] of views) {
    if (!view) problems.push(`${node}: no metrics`);
    else {
      if (view.alivePeers !== peers) problems.push(`${node}: ${view.alivePeers ?? '?'}/${peers} peers alive`);
      if (view.announces !== (node === leader)) {
        problems.push(`${node}: ${view.announces ? 'announces' : 'does not announce'} the VIP`);
      }
    }
  }
  return problems.length ? problems.join('; ') : undefined;
}

/** One poll of a peer's nodes: whether each node's announcer answered, and whether it holds the VIP. */
export type PeerPoll = ReadonlyMap<string, { readonly answers: boolean; readonly holds: boolean }>;

/** The one node holding the VIP with every announcer answering, or what is still off. */
export function soleHolder(poll: PeerPoll): { leader: string } | { problem: string } {
  const silent = [...poll].filter(([, v]) => !v.answers).map(([n]) => n);
  const holders = [...poll].filter(([, v]) => v.holds).map(([n]) => n);
  if (silent.length) return { problem: `no answer from ${silent.join(', ')}` };
  if (holders.length !== 1)
    return { problem: `${holders.length} nodes hold the VIP (${holders.join(', ')})` };
  return { leader: holders[0]! };
}

/**
 * Tracks polls until one leader has been the sole holder for `holdMs` in a row: a restarted peer
 * announcer may take the VIP back a moment after it starts (MetalLB's nodes rejoin its memberlist).
 */
export class StableLeader {
  private leader: string | undefined;
  private since = 0;
  private readonly holdMs: number;
  constructor(holdMs: number) {
    this.holdMs = holdMs;
  }

  /** Feeds one poll taken at `atMs`; returns the leader once stable, else undefined. */
  observe(poll: PeerPoll, atMs: number): string | undefined {
    const found = soleHolder(poll);
    const leader = 'leader' in found ? found.leader : undefined;
    if (leader !== this.leader) {
      this.leader = leader;
      this.since = atMs;
    }
    return leader !== undefined && atMs - this.since >= this.holdMs ? leader : undefined;
  }
}

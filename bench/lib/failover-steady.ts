// Is the lab back to its steady state after a trial? Read from each speaker's own /metrics: every
// speaker holds every peer alive, and exactly the expected leader announces the VIP. Pure.

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

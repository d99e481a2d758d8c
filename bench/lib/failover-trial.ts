// One failover trial on the bench's lab, from steady state to steady state: wait until the lab is
// steady and the client's traffic reaches the leader, strike the leader, time the client's first
// answer from another node, then put the leader back (cable in, speaker started again).
import { addsVipToInterface, isKeepalived, isOurs } from '../../lab/announcers.ts';
import { isAlive, processTree } from '../../lab/processes.ts';
import { type FailoverLab, sleep, wallMs } from './failover-lab.ts';
import {
  lastAnswersFrom,
  type ProbeRecord,
  type SpeakerMilestones,
  speakerMilestones,
  type TrialOutcome,
  trialOutcome,
} from './failover-measure.ts';
import { type PeerPoll, StableLeader, speakerView, unsteadiness } from './failover-steady.ts';

export type Kind = 'crash' | 'graceful';

export const probeIntervalMs = 10;
/** Below the kernel's 1 s initial SYN retransmission: every answer comes from a probe's first SYN. */
export const probeTimeoutMs = 300;
/** A trial with no answer from another node within this long counts as failed, at this value. */
export const failoverDeadlineMs = 15_000;
/** Probing goes on this long after the first answer from the new node, so every earlier probe has settled. */
const tailMs = probeTimeoutMs + 50;
/** Answers in a row from the leader before the strike: the client's traffic really goes there. */
const leaderAnswersBeforeStrike = 20;
const steadyTimeoutMs = 30_000;
/** How long a peer's one VIP holder must stay the only one before a strike. */
const peerSteadyHoldMs = 2000;

export interface Trial extends TrialOutcome {
  readonly kind: Kind;
  readonly struck: string;
  /** The new leader's own log: when it saw the struck node go and began announcing. */
  readonly speaker: SpeakerMilestones;
  /** Probes from shortly before the strike on, and the marks to draw over them. */
  readonly records: readonly ProbeRecord[];
  readonly struckAt: number;
  readonly marks: readonly { readonly atMs: number; readonly label: string }[];
  /**
   * Wall seconds spent: reaching the steady state, from the strike to the client's first answer from
   * another node, and from then on putting the leader back (the last probes run meanwhile).
   */
  readonly cost: { readonly steadyS: number; readonly strikeS: number; readonly restoreS: number };
}

async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
  detail: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${detail()}`);
    await sleep(20);
  }
}

/** Every speaker holds every peer alive and only `leader` announces the VIP, by their own /metrics. */
export async function waitSteady(lab: FailoverLab, leader: string): Promise<void> {
  let problem = '';
  await until(
    `the lab's steady state (every speaker alive to every other, only ${leader} announcing ${lab.vip})`,
    steadyTimeoutMs,
    async () => {
      const views = new Map(
        await Promise.all(
          lab.topology.nodes.map(async (n) => {
            const text = await lab.speakerMetrics(n);
            return [n.name, text === undefined ? undefined : speakerView(text, lab.vip)] as const;
          }),
        ),
      );
      problem = unsteadiness(views, leader) ?? '';
      return problem ? undefined : true;
    },
    () => problem,
  );
}

/**
 * Whether each node's announcer is up (answers /metrics; keepalived, which serves none: runs) and
 * holds the VIP (MetalLB: reports announcing it; the others: have it on the interface).
 */
async function pollPeer(lab: FailoverLab): Promise<PeerPoll> {
  const onInterface = addsVipToInterface(lab.lb);
  const entries = await Promise.all(
    lab.topology.nodes.map(async (n) => {
      if (isKeepalived(lab.lb)) {
        return [n.name, { answers: isAlive(lab.speakerPid(n)), holds: await lab.holdsVip(n) }] as const;
      }
      const text = await lab.speakerMetrics(n);
      const holds = onInterface ? await lab.holdsVip(n) : !!text && speakerView(text, lab.vip).announces;
      return [n.name, { answers: text !== undefined, holds }] as const;
    }),
  );
  return new Map(entries);
}

/** A peer's steady state: every announcer answering and one node the sole VIP holder for a while. */
async function waitPeerSteady(lab: FailoverLab): Promise<string> {
  const stable = new StableLeader(peerSteadyHoldMs);
  let last: PeerPoll = new Map();
  return until(
    `${lab.lb}'s steady state (every announcer answering, one node holding ${lab.vip} for ${peerSteadyHoldMs} ms)`,
    steadyTimeoutMs,
    async () => {
      last = await pollPeer(lab);
      return stable.observe(last, wallMs());
    },
    () => JSON.stringify([...last]),
  );
}

/**
 * Waits for the steady state and names the leader: baremetal-lb's election is deterministic, so with
 * every speaker alive `expected` leads; a peer's leader is whichever node holds the VIP.
 */
export async function steadyLeader(lab: FailoverLab, expected: string): Promise<string> {
  if (!isOurs(lab.lb)) return waitPeerSteady(lab);
  await waitSteady(lab, expected);
  return expected;
}

/** `expected`: baremetal-lb's leader by its election order (see steadyLeader). */
export async function runTrial(lab: FailoverLab, kind: Kind, expected: string): Promise<Trial> {
  const began = wallMs();
  // The probe starts while the lab settles: its start-up overlaps the wait.
  const [probing, steady] = await Promise.allSettled([
    lab.startProbe({
      intervalMs: probeIntervalMs,
      timeoutMs: probeTimeoutMs,
      deadlineMs: 2 * steadyTimeoutMs + failoverDeadlineMs,
    }),
    steadyLeader(lab, expected),
  ]);
  if (probing.status === 'rejected') throw probing.reason;
  const probe = probing.value;
  const leader = steady.status === 'fulfilled' ? steady.value : expected;
  const node = lab.topology.nodes.find((n) => n.name === leader);
  if (!node) throw new Error(`leader "${leader}" is no lab node`);
  const marks: { atMs: number; label: string }[] = [];
  let struckAt = 0;
  let steadyAt = 0;
  let answeredAt = 0;
  let restoring: Promise<void> | undefined;
  try {
    if (steady.status === 'rejected') throw steady.reason;
    await until(
      `the client's traffic to reach ${leader}`,
      steadyTimeoutMs,
      () => lastAnswersFrom(probe.records, leader, leaderAnswersBeforeStrike) || undefined,
      () => `last answers ${JSON.stringify(probe.records.slice(-5))}`,
    );
    steadyAt = wallMs();
    const signal = kind === 'crash' ? 'SIGKILL' : 'SIGTERM';
    struckAt = wallMs();
    // A crash takes the whole process tree: keepalived's VRRP work runs in a child of the PID the lab
    // records, in a session of its own.
    const struck = kind === 'crash' ? processTree(lab.speakerPid(node)) : [lab.speakerPid(node)];
    for (const pid of struck) process.kill(pid, signal);
    marks.push({ atMs: struckAt, label: `${signal} speaker-${leader}` });
    if (kind === 'crash') {
      await lab.unplug(node);
      marks.push({ atMs: wallMs(), label: `${leader} unplugged` });
    }
    await until(
      'an answer from another node',
      failoverDeadlineMs,
      () => trialOutcome(probe.records, leader, struckAt).failoverS,
      () => '',
    ).catch(() => undefined);
    answeredAt = wallMs();
    // Putting the leader back overlaps the last probes without touching them: a speaker started
    // again takes well over a second (Node start-up, informer sync) before it can announce.
    restoring = (async () => {
      // kube-vip or keepalived killed with SIGKILL leaves the VIP on the interface; a crashed node
      // reboots without it.
      if (kind === 'crash' && addsVipToInterface(lab.lb)) await lab.dropVip(node);
      if (kind === 'crash') await lab.plug(node);
      await lab.restartSpeaker(node);
    })();
    await sleep(tailMs);
  } finally {
    await probe.stop();
  }
  await restoring;
  const restoredAt = wallMs();
  const outcome = trialOutcome(probe.records, leader, struckAt);
  const speaker = outcome.newNode
    ? speakerMilestones(await lab.logText(`speaker-${outcome.newNode}`), leader, lab.vip, struckAt)
    : { detectedS: undefined, announcedS: undefined };
  if (speaker.detectedS !== undefined) {
    marks.push({
      atMs: struckAt + speaker.detectedS * 1000,
      label: `${outcome.newNode} sees ${leader} gone`,
    });
  }
  if (speaker.announcedS !== undefined) {
    marks.push({ atMs: struckAt + speaker.announcedS * 1000, label: `${outcome.newNode} announces` });
  }
  if (outcome.failoverS !== undefined) {
    marks.push({ atMs: struckAt + outcome.failoverS * 1000, label: `first answer from ${outcome.newNode}` });
  }
  return {
    kind,
    struck: leader,
    ...outcome,
    speaker,
    records: probe.records.filter((r) => r.sent >= struckAt - leaderAnswersBeforeStrike * probeIntervalMs),
    struckAt,
    marks,
    cost: {
      steadyS: (steadyAt - began) / 1000,
      strikeS: (answeredAt - struckAt) / 1000,
      restoreS: (restoredAt - answeredAt) / 1000,
    },
  };
}

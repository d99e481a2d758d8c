// `explain`'s answer as text a person reads top to bottom: what the Service has, where it is
// announced, why every other node is not, and what happened lately.
import type { Explanation } from './explain-service.ts';

function section(title: string, lines: readonly string[]): string[] {
  return lines.length > 0 ? ['', `${title}:`, ...lines.map((l) => `  ${l}`)] : [];
}

function relative(iso: string, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - new Date(iso).getTime()) / 1000));
  return seconds < 120 ? `${seconds}s ago` : `${Math.round(seconds / 60)}m ago`;
}

export function renderExplanation(x: Explanation, nowMs: number): string {
  const { allocation, announcement } = x;
  const head = [`Service ${x.service}: ${x.addresses.length > 0 ? x.addresses.join(', ') : '<pending>'}`];
  if (x.ignored) return `${[...head, `  not handled by baremetal-lb: ${x.ignored}`].join('\n')}\n`;
  const width = Math.max(0, ...announcement.nodes.map((n) => n.node.length));
  const lines = [
    ...head,
    ...section('Pool config is invalid now (the components keep their last good one)', x.configProblems),
    ...section(`Allocation${allocation.pool ? ` (pool ${allocation.pool})` : ''}`, allocation.why),
    ...section('Rules from the Service', allocation.rules),
    ...section('Announcement', [
      announcement.announcingNode
        ? `announced from ${announcement.announcingNode} on ${announcement.interfaces.join(', ') || 'every interface'}`
        : 'no node says it announces',
      ...(announcement.expectedNode ? [`the rules pick ${announcement.expectedNode}`] : []),
      ...announcement.problems,
    ]),
    ...section(
      'Nodes',
      announcement.nodes.map(
        (n) => `${n.node.padEnd(width)}  ${n.announcing ? 'ANNOUNCING  ' : ''}${n.reason}`,
      ),
    ),
    ...section(
      'Events (newest first)',
      x.events.map(
        (e) =>
          `${relative(e.lastSeen, nowMs).padEnd(8)} ${e.type.padEnd(7)} ${e.reason}${e.count > 1 ? ` (x${e.count})` : ''}${e.from ? ` [${e.from}]` : ''}: ${e.message}`,
      ),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

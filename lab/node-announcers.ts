// One announcing process per lab node, named "speaker-NODE" and run in the node's namespace whatever
// the implementation, so that `lab status`, restarts and the benchmarks find every one the same way.
import type { LabHost } from './network/topology.ts';
import type { ProcessSpec } from './processes.ts';

export function announcerOnEachNode(
  nodes: readonly LabHost[],
  spec: (node: LabHost, index: number) => Omit<ProcessSpec, 'name' | 'netns'>,
): Map<string, ProcessSpec> {
  return new Map(
    nodes.map((node, index) => [
      node.name,
      { name: `speaker-${node.name}`, netns: node.netns, ...spec(node, index) },
    ]),
  );
}

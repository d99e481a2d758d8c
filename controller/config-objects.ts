// Which object a config problem is about, read from the problem's source.

export interface ProblemObject {
  readonly kind: 'ConfigMap' | 'IPAddressPool' | 'L2Advertisement';
  readonly namespace: string;
  readonly name: string;
}

/** The object named by a problem's source, e.g. 'IPAddressPool lb-system/prod'. */
export function problemObject(source: string): ProblemObject | undefined {
  const match = /(ConfigMap|IPAddressPool|L2Advertisement) ([^/\s]+)\/(\S+)$/.exec(source);
  if (!match) return undefined;
  return { kind: match[1] as ProblemObject['kind'], namespace: match[2]!, name: match[3]! };
}

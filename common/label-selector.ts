// Kubernetes label selectors in one form: a list of requirements that must all hold. The API
// server parses the query-string form into it, the pool config the object form (matchLabels and
// matchExpressions); both then match labels the same way.

export type SelectorOperator =
  | 'In'
  | 'NotIn'
  | 'Exists'
  | 'DoesNotExist'
  | 'Equals'
  | 'NotEquals'
  | 'Gt'
  | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** The object form used in Kubernetes resources (metav1.LabelSelector). */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

const objectOperators = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * Converts the object form; throws with the offending operator or value count, since an invalid
 * selector must be reported rather than silently match everything or nothing.
 */
export function requirementsFromSelector(selector: LabelSelector): Requirement[] {
  const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: 'In',
    values: [value],
  }));
  for (const expression of selector.matchExpressions ?? []) {
    if (!objectOperators.has(expression.operator)) {
      throw new Error(
        `matchExpressions operator "${expression.operator}" is not one of In, NotIn, Exists, DoesNotExist`,
      );
    }
    const values = expression.values ?? [];
    const wantsValues = expression.operator === 'In' || expression.operator === 'NotIn';
    if (wantsValues !== values.length > 0) {
      throw new Error(
        `matchExpressions for key "${expression.key}" with operator ${expression.operator} ${wantsValues ? 'needs values' : 'takes no values'}`,
      );
    }
    requirements.push({ key: expression.key, operator: expression.operator as SelectorOperator, values });
  }
  return requirements;
}

function holds(requirement: Requirement, labels: Labels): boolean {
  const present = labels !== undefined && Object.hasOwn(labels, requirement.key);
  const value = present ? labels[requirement.key] : undefined;
  switch (requirement.operator) {
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    case 'In':
    case 'Equals':
      return present && requirement.values.includes(value!);
    case 'NotIn':
    case 'NotEquals':
      return !present || !requirement.values.includes(value!);
    case 'Gt':
    case 'Lt': {
      const actual = Number(value);
      const bound = Number(requirement.values[0]);
      if (!present || !Number.isInteger(actual) || !Number.isInteger(bound)) return false;
      return requirement.operator === 'Gt' ? actual > bound : actual < bound;
    }
  }
}

/** True when every requirement holds; an empty list matches everything, as in Kubernetes. */
export function matchesLabels(requirements: readonly Requirement[], labels: Labels): boolean {
  return requirements.every((r) => holds(r, labels));
}

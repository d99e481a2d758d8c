// Configuration problems as data, so the controller can log them, the speaker can ignore them and
// check-config can print them, all naming the same source, pool, field and value.

export type Severity = 'error' | 'warning';

export interface ConfigProblem {
  readonly severity: Severity;
  /** Where the text came from, e.g. 'ConfigMap baremetal-lb-system/config' or 'IPAddressPool ns/prod'. */
  readonly source: string;
  readonly pool?: string;
  /** Path inside the source, e.g. 'address-pools[1].addresses[0]' or 'spec.addresses[0]'. */
  readonly field: string;
  /** The offending value as written (JSON for non-strings). */
  readonly value: string;
  readonly message: string;
}

/** One line: severity, source, pool, field=value and the reason. */
export function formatProblem(problem: ConfigProblem): string {
  const pool = problem.pool === undefined ? '' : ` pool "${problem.pool}"`;
  return `${problem.severity}: ${problem.source}${pool}: ${problem.field}=${problem.value}: ${problem.message}`;
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(missing)';
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Collects problems for one source object; the pool name is set once known. */
export class ProblemCollector {
  readonly problems: ConfigProblem[] = [];
  readonly source: string;
  pool: string | undefined;

  constructor(source: string, problems?: ConfigProblem[]) {
    this.source = source;
    if (problems) this.problems = problems;
  }

  error(field: string, value: unknown, message: string): void {
    this.add('error', field, value, message);
  }

  warn(field: string, value: unknown, message: string): void {
    this.add('warning', field, value, message);
  }

  private add(severity: Severity, field: string, value: unknown, message: string): void {
    const problem: ConfigProblem = {
      severity,
      source: this.source,
      field,
      value: describeValue(value),
      message,
    };
    this.problems.push(this.pool === undefined ? problem : { ...problem, pool: this.pool });
  }
}

/** Problems shown in full in one Event or log summary; the rest are counted. */
export const problemsShown = 3;

/** Problems grouped by the object they are about (their source), in first-seen order. */
export function problemsBySource(problems: readonly ConfigProblem[]): Map<string, ConfigProblem[]> {
  const bySource = new Map<string, ConfigProblem[]>();
  for (const problem of problems)
    bySource.set(problem.source, [...(bySource.get(problem.source) ?? []), problem]);
  return bySource;
}

/** "2 problems: A; B" or "20000 problems, the first 3: A; B; C": bounded text for one Event. */
export function summarizeProblems(problems: readonly ConfigProblem[], shown = problemsShown): string {
  const listed = problems.slice(0, shown).map(formatProblem).join('; ');
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return problems.length > shown ? `${count}, the first ${shown}: ${listed}` : `${count}: ${listed}`;
}

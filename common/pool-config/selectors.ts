// Label selectors inside the pool config: checked field by field so a bad one is reported where it
// is written, then converted with the shared label-selector code.

import { type LabelSelector, type Requirement, requirementsFromSelector } from '../label-selector.ts';
import { checkKnownFields, isRecord, optionalStringMap, reportRepeats } from './field-checks.ts';
import type { ProblemCollector } from './problems.ts';

export const selectorFields = ['matchLabels', 'matchExpressions'];
export const expressionFields = ['key', 'operator', 'values'];

function readSelector(value: unknown, field: string, problems: ProblemCollector): Requirement[] | undefined {
  if (!isRecord(value)) {
    problems.error(field, value, 'must be a label selector (matchLabels and/or matchExpressions)');
    return undefined;
  }
  const before = problems.problems.length;
  checkKnownFields(value, selectorFields, field, problems);
  const selector: LabelSelector = {
    matchLabels: optionalStringMap(value.matchLabels, `${field}.matchLabels`, problems),
  };
  const expressions = value.matchExpressions;
  if (expressions !== undefined && expressions !== null) {
    if (!Array.isArray(expressions)) {
      problems.error(`${field}.matchExpressions`, expressions, 'must be a list');
    } else {
      selector.matchExpressions = [];
      expressions.forEach((expression, i) => {
        const at = `${field}.matchExpressions[${i}]`;
        const values = isRecord(expression) ? expression.values : undefined;
        const valid =
          isRecord(expression) &&
          typeof expression.key === 'string' &&
          typeof expression.operator === 'string' &&
          (values === undefined || (Array.isArray(values) && values.every((v) => typeof v === 'string')));
        if (!valid) {
          problems.error(
            at,
            expression,
            'must have a string key, a string operator and a list of string values',
          );
          return;
        }
        checkKnownFields(expression, expressionFields, at, problems);
        reportRepeats((values as string[] | undefined) ?? [], `${at}.values`, problems);
        selector.matchExpressions!.push({
          key: expression.key as string,
          operator: expression.operator as string,
          values: values as string[] | undefined,
        });
      });
    }
  }
  reportRepeats(
    (selector.matchExpressions ?? []).map(expressionKey),
    `${field}.matchExpressions`,
    problems,
    (key) => JSON.parse(key),
  );
  if (problems.problems.length > before) return undefined;
  try {
    return requirementsFromSelector(selector);
  } catch (error) {
    problems.error(field, value, (error as Error).message);
    return undefined;
  }
}

/** An expression as text that is equal for equal expressions, whatever the order of its values. */
function expressionKey(expression: { key: string; operator: string; values?: readonly string[] }): string {
  return JSON.stringify({
    key: expression.key,
    operator: expression.operator,
    values: [...(expression.values ?? [])].sort(),
  });
}

/** A selector as text that is equal for selectors that select the same (requirements in any order). */
function selectorKey(requirements: readonly Requirement[]): string {
  return JSON.stringify(requirements.map(expressionKey).sort());
}

/** A list of selectors; invalid ones are reported and left out, and so is a repeat of another. */
export function readSelectorList(value: unknown, field: string, problems: ProblemCollector): Requirement[][] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.error(field, value, 'must be a list of label selectors');
    return [];
  }
  const selectors: Requirement[][] = [];
  const keys: string[] = [];
  value.forEach((entry, i) => {
    const requirements = readSelector(entry, `${field}[${i}]`, problems);
    keys.push(requirements ? selectorKey(requirements) : `invalid ${i}`);
    if (requirements) selectors.push(requirements);
  });
  reportRepeats(keys, field, problems, (key) => value[keys.indexOf(key)]);
  return selectors;
}

// Field selectors (?fieldSelector=...), as apimachinery's fields.ParseSelector: terms joined by
// commas, each `path=value`, `path==value` or `path!=value`, with \, \= and \\ escaping inside
// values. A field the object lacks compares as the empty string.

export interface FieldRequirement {
  path: string;
  operator: '=' | '!=';
  value: string;
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text === '') return [];
  return splitUnescaped(text).map(parseTerm);
}

/** Splits on commas not preceded by an escaping backslash. */
function splitUnescaped(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

function parseTerm(term: string): FieldRequirement {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const [token, operator] of [
      ['!=', '!='],
      ['==', '='],
      ['=', '='],
    ] as const) {
      if (term.startsWith(token, i)) {
        const path = term.slice(0, i);
        if (path === '') throw new Error(`"${term}" has no field name before '${token}'`);
        return { path, operator, value: unescapeValue(term.slice(i + token.length), term) };
      }
    }
  }
  throw new Error(`"${term}" is not a field=value, field==value or field!=value term`);
}

function unescapeValue(value: string, term: string): string {
  let result = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const escaped = value[i + 1];
      if (escaped !== '\\' && escaped !== ',' && escaped !== '=') {
        throw new Error(`invalid escape sequence "\\${escaped ?? ''}" in "${term}"`);
      }
      result += escaped;
      i++;
    } else if (c === ',' || c === '=') {
      throw new Error(`unescaped '${c}' in the value of "${term}": write \\${c}`);
    } else {
      result += c;
    }
  }
  return result;
}

export function matchesFieldSelector(object: unknown, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldText(object, r.path) === r.value) === (r.operator === '='));
}

function fieldText(object: unknown, path: string): string {
  let value = object;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return '';
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

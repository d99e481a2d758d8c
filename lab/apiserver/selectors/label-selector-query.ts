// The query-string form of label selectors (?labelSelector=...), parsed like apimachinery's
// labels.Parse into the shared requirement list: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a,
// a>1, a<1, joined by commas, whitespace anywhere between tokens.

import type { Requirement, SelectorOperator } from '../../../common/label-selector.ts';

type TokenKind =
  | 'identifier'
  | 'in'
  | 'notin'
  | '!'
  | '='
  | '=='
  | '!='
  | '('
  | ')'
  | ','
  | '>'
  | '<'
  | 'end';

interface Token {
  kind: TokenKind;
  text: string;
}

const operatorTokens = ['==', '!=', '=', '!', '(', ')', ',', '>', '<'] as const;
const specialCharacters = /[\s!=,()<>]/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) {
      i++;
      continue;
    }
    const operator = operatorTokens.find((op) => text.startsWith(op, i));
    if (operator !== undefined) {
      tokens.push({ kind: operator, text: operator });
      i += operator.length;
      continue;
    }
    let end = i;
    while (end < text.length && !specialCharacters.test(text[end] as string)) end++;
    const word = text.slice(i, end);
    tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'identifier', text: word });
    i = end;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

export function parseLabelSelectorQuery(text: string): Requirement[] {
  const tokens = tokenize(text);
  let position = 0;
  const peek = (): Token => tokens[position] as Token;
  const next = (): Token => tokens[position++] as Token;
  const requirements: Requirement[] = [];
  if (peek().kind === 'end') return requirements;
  for (;;) {
    requirements.push(parseRequirement(peek, next));
    const separator = next();
    if (separator.kind === 'end') return requirements;
    if (separator.kind !== ',')
      throw new Error(`found '${separator.text}', expected: ',' or end of string in ${JSON.stringify(text)}`);
  }
}

function parseRequirement(peek: () => Token, next: () => Token): Requirement {
  let negated = false;
  if (peek().kind === '!') {
    next();
    negated = true;
  }
  const keyToken = next();
  if (keyToken.kind !== 'identifier') {
    throw new Error(`found '${keyToken.text || 'end of string'}', expected: identifier (a label key)`);
  }
  const key = validKey(keyToken.text);
  const following = peek().kind;
  if (negated) {
    if (following !== ',' && following !== 'end')
      throw new Error(`"!${key}" cannot be followed by '${peek().text}'`);
    return { key, operator: 'DoesNotExist', values: [] };
  }
  if (following === ',' || following === 'end') return { key, operator: 'Exists', values: [] };
  const operatorToken = next();
  switch (operatorToken.kind) {
    case '=':
    case '==':
      return { key, operator: 'Equals', values: [singleValue(peek, next, key)] };
    case '!=':
      return { key, operator: 'NotEquals', values: [singleValue(peek, next, key)] };
    case '>':
    case '<': {
      const value = singleValue(peek, next, key);
      if (!/^-?[0-9]+$/.test(value))
        throw new Error(`for '${operatorToken.text}' on "${key}", the value must be an integer: "${value}"`);
      return { key, operator: operatorToken.kind === '>' ? 'Gt' : 'Lt', values: [value] };
    }
    case 'in':
    case 'notin':
      return {
        key,
        operator: operatorToken.kind === 'in' ? 'In' : ('NotIn' as SelectorOperator),
        values: valueSet(next, key),
      };
    default:
      throw new Error(`found '${operatorToken.text}' after "${key}", expected: in, notin, =, ==, !=, gt, lt`);
  }
}

/** A single value may be empty (a= selects the empty value). */
function singleValue(peek: () => Token, next: () => Token, key: string): string {
  const token = peek();
  if (token.kind === ',' || token.kind === 'end') return '';
  next();
  if (token.kind !== 'identifier' && token.kind !== 'in' && token.kind !== 'notin') {
    throw new Error(`found '${token.text}' as the value of "${key}", expected a label value`);
  }
  return validValue(token.text, key);
}

function valueSet(next: () => Token, key: string): string[] {
  const open = next();
  if (open.kind !== '(')
    throw new Error(
      `found '${open.text || 'end of string'}' after the set operator of "${key}", expected: '('`,
    );
  const values: string[] = [];
  let expectValue = true;
  for (;;) {
    const token = next();
    if (token.kind === ')') {
      if (expectValue && values.length > 0) values.push('');
      break;
    }
    if (token.kind === ',') {
      if (expectValue) values.push('');
      expectValue = true;
    } else if (
      (token.kind === 'identifier' || token.kind === 'in' || token.kind === 'notin') &&
      expectValue
    ) {
      values.push(validValue(token.text, key));
      expectValue = false;
    } else {
      throw new Error(
        `found '${token.text || 'end of string'}' in the value set of "${key}", expected: ',' or ')'`,
      );
    }
  }
  if (values.length === 0)
    throw new Error(`the value set of "${key}" is empty: in and notin need at least one value`);
  return [...new Set(values)];
}

function validKey(key: string): string {
  const slash = key.indexOf('/');
  const [prefix, name] = slash >= 0 ? [key.slice(0, slash), key.slice(slash + 1)] : ['', key];
  const prefixOk = slash < 0 || (prefix.length > 0 && prefix.length <= 253 && dnsSubdomain.test(prefix));
  if (!prefixOk || name.length > 63 || !qualifiedNamePart.test(name)) {
    throw new Error(
      `invalid label key "${key}": must be a qualified name (an optional DNS prefix and '/', then up to 63 alphanumerics, '-', '_' or '.')`,
    );
  }
  return key;
}

function validValue(value: string, key: string): string {
  if (value.length > 63 || !labelValue.test(value)) {
    throw new Error(
      `invalid label value "${value}" for "${key}": up to 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`,
    );
  }
  return value;
}

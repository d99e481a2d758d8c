// Impersonate-User / Impersonate-Group (kubectl --as, --as-group): the request is then made as
// that user, once RBAC allows the real user to "impersonate" it (system:masters always may).
// Impersonating a ServiceAccount's user name brings its groups, as on a real server.

import type { IncomingHttpHeaders } from 'node:http';
import type { RequestAttributes } from '../rbac/request-attributes.ts';
import { badRequest } from '../status-errors.ts';
import type { UserInfo } from './authentication.ts';
import { serviceAccountUserInfo } from './authentication.ts';

export interface Impersonation {
  user: string;
  groups: string[];
}

const values = (header: string | string[] | undefined): string[] =>
  header === undefined ? [] : Array.isArray(header) ? header : [header];

export function impersonationOf(headers: IncomingHttpHeaders): Impersonation | undefined {
  const [user, ...more] = values(headers['impersonate-user']);
  const groups = values(headers['impersonate-group']);
  if (user === undefined) {
    if (groups.length > 0) throw badRequest('requested impersonation of groups without impersonating a user');
    return undefined;
  }
  if (more.length > 0) throw badRequest('only one Impersonate-User header is allowed');
  return { user, groups };
}

const serviceAccountName = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** What the impersonating user must be allowed to do, one check per impersonated name. */
export function impersonationChecks(impersonation: Impersonation, path: string): RequestAttributes[] {
  const check = (resource: string, name: string, namespace?: string): RequestAttributes => ({
    resourceRequest: true,
    verb: 'impersonate',
    apiGroup: '',
    apiVersion: 'v1',
    resource,
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    path,
  });
  const account = serviceAccountName.exec(impersonation.user);
  return [
    account ? check('serviceaccounts', account[2]!, account[1]!) : check('users', impersonation.user),
    ...impersonation.groups.map((group) => check('groups', group)),
  ];
}

export function impersonatedUser(impersonation: Impersonation): UserInfo {
  const account = serviceAccountName.exec(impersonation.user);
  const groups =
    account && impersonation.groups.length === 0
      ? [...serviceAccountUserInfo(account[1]!, account[2]!).groups]
      : [...impersonation.groups];
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { name: impersonation.user, groups };
}

// Who is asking. The lab listens on loopback (or a Unix socket) only, so a request without
// credentials, or with the admin token of the generated kubeconfig, is the lab administrator:
// existing tests and tools rely on that. Only ServiceAccount tokens this server issued are
// restricted (by RBAC); any other bearer token is refused, as a real server refuses it.

import { type ServiceAccountRef, serviceAccountUser, type Verification } from './service-account-token.ts';

export interface UserInfo {
  readonly name: string;
  readonly groups: readonly string[];
}

export const adminToken = 'lab-admin-token';
export const labAdmin: UserInfo = { name: 'lab-admin', groups: ['system:masters', 'system:authenticated'] };

export const isSuperUser = (user: UserInfo): boolean => user.groups.includes('system:masters');

export function serviceAccountUserInfo(namespace: string, name: string): UserInfo {
  return {
    name: serviceAccountUser(namespace, name),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

export interface TokenAuthority {
  verify(token: string): Verification;
  /** The uid of the ServiceAccount as stored now, undefined when it does not exist. */
  accountUid(namespace: string, name: string): string | undefined;
}

/** The user a request's bearer token stands for, or undefined for 401 Unauthorized. */
export function authenticate(
  bearerToken: string | undefined,
  authority: TokenAuthority,
): UserInfo | undefined {
  if (bearerToken === undefined || bearerToken === adminToken) return labAdmin;
  const verified = authority.verify(bearerToken);
  if ('rejected' in verified) return undefined;
  const account: ServiceAccountRef = verified.account;
  if (authority.accountUid(account.namespace, account.name) !== account.uid) return undefined;
  return serviceAccountUserInfo(account.namespace, account.name);
}

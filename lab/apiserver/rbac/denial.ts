// One refused request, as tests and operators want to find it: who, what, where, and the message
// the client saw.

import type { UserInfo } from '../auth/authentication.ts';
import type { RequestAttributes } from './request-attributes.ts';

export interface Denial {
  user: string;
  verb: string;
  /** '' for the core group and for non-resource paths. */
  apiGroup: string;
  /** '' for non-resource paths. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  path: string;
  message: string;
}

export function denialOf(user: UserInfo, attributes: RequestAttributes, message: string): Denial {
  if (!attributes.resourceRequest)
    return {
      user: user.name,
      verb: attributes.verb,
      apiGroup: '',
      resource: '',
      path: attributes.path,
      message,
    };
  const { verb, apiGroup, resource, subresource, namespace, name, path } = attributes;
  return {
    user: user.name,
    verb,
    apiGroup,
    resource,
    ...(subresource !== undefined ? { subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    path,
    message,
  };
}

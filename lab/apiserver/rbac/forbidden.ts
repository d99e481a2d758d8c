// The 403 the real server answers, word for word: kubectl prints the message as it is, and
// people grep for it.

import type { UserInfo } from '../auth/authentication.ts';
import { ApiError } from '../status-errors.ts';
import type { RequestAttributes } from './request-attributes.ts';

export function forbiddenMessage(user: UserInfo, attributes: RequestAttributes, reason: string): string {
  const why = (text: string): string => (reason === '' ? text : `${text}: ${reason}`);
  if (!attributes.resourceRequest)
    return `forbidden: ${why(`User "${user.name}" cannot ${attributes.verb} path "${attributes.path}"`)}`;
  const { verb, apiGroup, resource, subresource, namespace, name } = attributes;
  const combined = subresource === undefined ? resource : `${resource}/${subresource}`;
  const where = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const text = why(
    `User "${user.name}" cannot ${verb} resource "${combined}" in API group "${apiGroup}" ${where}`,
  );
  const qualified = apiGroup === '' ? resource : `${resource}.${apiGroup}`;
  return name !== undefined
    ? `${qualified} "${name}" is forbidden: ${text}`
    : `${qualified} is forbidden: ${text}`;
}

export function forbiddenError(user: UserInfo, attributes: RequestAttributes, reason: string): ApiError {
  const message = forbiddenMessage(user, attributes, reason);
  if (!attributes.resourceRequest) return new ApiError('Forbidden', message, {});
  const { apiGroup, resource, name } = attributes;
  return new ApiError('Forbidden', message, {
    ...(name !== undefined ? { name } : {}),
    group: apiGroup,
    kind: resource,
  });
}

// The speakers' shared failure-detector key, created when it is missing, as MetalLB's controller
// does (--ml-secret-name): an install then needs no manual `kubectl create secret` step, and an
// existing Secret (MetalLB's own `memberlist`, or one an operator made) is never touched.
import { randomBytes } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import type { ApiConnection } from '../common/kube/api-connection.ts';
import { describeApiError, statusCodeOf } from '../common/kube/api-errors.ts';
import { resourcePath, secrets } from '../common/kube/api-paths.ts';
import type { Logger } from '../common/observability/logger.ts';

/** A Secret the speakers read as BAREMETAL_LB_MEMBERLIST_SECRET: key "secretkey", 128 random bytes in base64. */
export function memberlistSecret(name: string, namespace: string, random = randomBytes(128)): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace, labels: { app: 'baremetal-lb', component: 'memberlist' } },
    stringData: { secretkey: random.toString('base64') },
  };
}

export interface MemberlistSecretCreation {
  /** Resolves once the Secret exists (made here or found), or when stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

/**
 * Creates the Secret unless it exists: a create that answers 409 found it. Only `create` is used, so
 * the controller needs no right to read Secrets. Retries every `retryMs` while the API is away.
 */
export function ensureMemberlistSecret(
  connection: ApiConnection,
  name: string,
  namespace: string,
  logger: Logger,
  retryMs = 2000,
): MemberlistSecretCreation {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    const attempt = async () => {
      if (stopped) return resolve();
      try {
        await connection.request('POST', resourcePath(secrets, { namespace }), {
          body: memberlistSecret(name, namespace),
        });
        logger.info({ secret: `${namespace}/${name}` }, 'created the memberlist secret');
        return resolve();
      } catch (error) {
        if (statusCodeOf(error) === 409) return resolve();
        logger.warn(
          { secret: `${namespace}/${name}`, err: describeApiError(error) },
          'cannot create the memberlist secret yet',
        );
        timer = setTimeout(attempt, retryMs);
      }
    };
    void attempt();
  });
  return {
    done,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

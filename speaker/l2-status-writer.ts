// Keeps this node's ServiceL2Status objects true (l2-status.ts decides, this writes): one per Service
// it answers for, none for any other. Writes go a few at a time, as taking over thousands of
// Services at once must not open thousands of requests, and each write uses the Service's latest
// plan. Only this node's objects are watched (a label selector), so no other speaker and not the
// controller hear of them.

import type { KubernetesObject } from '@kubernetes/client-node';
import { type ApiConnection, mergePatch } from '../common/kube/api-connection.ts';
import { describeApiError, isConflict, isNotFound } from '../common/kube/api-errors.ts';
import { metallbApiVersion } from '../common/kube/api-paths.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import type { ResilientInformer } from '../common/kube/resilient-informer.ts';
import type { Logger } from '../common/observability/logger.ts';
import { WorkQueue } from '../common/work-queue.ts';

import {
  type L2StatusBody,
  type L2StatusObject,
  type L2StatusStep,
  l2StatusLabels,
  l2StatusName,
  l2StatusPath,
  l2StatusSteps,
  type OwnerReference,
  serviceKeyOf,
} from './l2-status.ts';
import { WriteEchoes } from './write-echoes.ts';

export interface L2StatusWriterOptions {
  readonly connection: ApiConnection;
  readonly namespace: string;
  /** This node's objects (label metallb.io/node=self), as the informer has them. */
  readonly statuses: ResilientInformer<L2StatusObject>;
  /** This speaker's Pod, to own the objects; undefined when it cannot be found. */
  readonly owner: () => OwnerReference | undefined;
  readonly backoff: BackoffPolicy;
  readonly logger: Logger;
  /** Counts each API write, by verb. */
  readonly onWrite: (verb: 'create' | 'patch' | 'delete') => void;
}

export class L2StatusWriter {
  readonly #options: L2StatusWriterOptions;
  readonly #desired = new Map<string, L2StatusBody>();
  /** Service key → its objects by name, as the informer last told. */
  readonly #objects = new Map<string, Map<string, L2StatusObject>>();
  readonly #writes: WorkQueue;
  readonly #echoes = new WriteEchoes();
  #started = false;

  constructor(options: L2StatusWriterOptions) {
    this.#options = options;
    this.#writes = new WorkQueue({
      handler: (key) => this.#reconcile(key),
      concurrency: 8,
      backoff: options.backoff,
      onError: (key, error) =>
        options.logger.warn(
          { service: key, err: describeApiError(error) },
          'could not write the ServiceL2Status',
        ),
    });
    // Someone deleted or edited one of ours (or it is one left from before a restart): put it right.
    options.statuses.on('add', (object) => this.#seen(object));
    options.statuses.on('update', (object) => this.#seen(object));
    options.statuses.on('delete', (object) => this.#gone(object));
  }

  /**
   * Start writing, once every Service has been planned (so an object from before a restart is kept
   * for a Service this node still announces, not deleted as unwanted) and the informer has listed.
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#options.statuses.whenSynced.then(() => this.#writes.start());
  }

  /** What this node should show for the Service now (undefined: nothing). */
  want(key: string, status: L2StatusBody | undefined): void {
    const before = this.#desired.get(key);
    if (status) this.#desired.set(key, status);
    else this.#desired.delete(key);
    if (before !== status) this.#writes.add(key);
  }

  /** Graceful stop: stop writing, then delete every object of this node, giving up after `withinMs`. */
  async removeAll(withinMs: number): Promise<void> {
    this.#writes.stop();
    const names = [...this.#objects.values()].flatMap((objects) => [...objects.keys()]);
    const deletes = Promise.all(names.map((name) => this.#delete(name).catch(() => undefined)));
    await Promise.race([deletes, new Promise((resolve) => setTimeout(resolve, withinMs).unref())]);
  }

  stop(): void {
    this.#writes.stop();
  }

  /** An informer event: our own write coming back changes nothing; anything else is put right. */
  #seen(object: KubernetesObject): void {
    const name = object.metadata?.name ?? '';
    const echo = this.#echoes.take(name, object.metadata?.resourceVersion);
    if (echo === 'stale') return; // we already hold a newer version
    this.#remember(object);
    const key = serviceKeyOf(object);
    if (echo === 'unknown' && key) this.#writes.add(key);
  }

  #gone(object: KubernetesObject): void {
    this.#echoes.forget(object.metadata?.name ?? '');
    if (this.#forget(object)) this.#writes.add(serviceKeyOf(object)!);
  }

  #remember(object: KubernetesObject): void {
    const key = serviceKeyOf(object);
    const name = object.metadata?.name;
    if (!key || !name) return;
    const objects = this.#objects.get(key) ?? new Map<string, L2StatusObject>();
    this.#objects.set(key, objects.set(name, object));
  }

  /** True when the object was known. */
  #forget(object: KubernetesObject): boolean {
    const key = serviceKeyOf(object);
    const objects = key ? this.#objects.get(key) : undefined;
    if (!objects?.delete(object.metadata?.name ?? '')) return false;
    if (objects.size === 0) this.#objects.delete(key!);
    return true;
  }

  async #reconcile(key: string): Promise<void> {
    const desired = this.#desired.get(key);
    const existing = [...(this.#objects.get(key)?.values() ?? [])];
    const owner = this.#options.owner();
    for (const step of l2StatusSteps(desired, existing, owner)) {
      const before = existing.find((o) => o.metadata?.name === ('name' in step ? step.name : undefined));
      const after = await this.#apply(step, desired, owner);
      // Known at once, not when the watch delivers it: the next write for this Service must find it.
      if (after) this.#written(after);
      else if (before) this.#forget(before);
    }
  }

  #written(object: KubernetesObject): void {
    this.#echoes.expect(object.metadata?.name ?? '', object.metadata?.resourceVersion);
    this.#remember(object);
  }

  /** The object after the step, or undefined when the step deleted it (or it was gone). */
  async #apply(
    step: L2StatusStep,
    desired: L2StatusBody | undefined,
    owner: OwnerReference | undefined,
  ): Promise<L2StatusObject | undefined> {
    if (step.kind === 'delete') return this.#delete(step.name);
    if (step.kind === 'owner') return this.#patch(step.name, { metadata: { ownerReferences: [owner] } });
    if (step.kind === 'status') return this.#patch(step.name, { status: desired }, 'status');
    const created = await this.#create(desired!, owner);
    if (!created) return undefined;
    this.#written(created);
    return this.#patch(created.metadata!.name!, { status: desired }, 'status');
  }

  async #create(
    desired: L2StatusBody,
    owner: OwnerReference | undefined,
  ): Promise<L2StatusObject | undefined> {
    const { connection, namespace, onWrite } = this.#options;
    const name = l2StatusName(desired.node, `${desired.serviceNamespace}/${desired.serviceName}`);
    onWrite('create');
    try {
      return await connection.request<L2StatusObject>('POST', l2StatusPath(namespace), {
        body: {
          apiVersion: metallbApiVersion,
          kind: 'ServiceL2Status',
          metadata: {
            name,
            namespace,
            labels: l2StatusLabels(desired),
            ...(owner ? { ownerReferences: [owner] } : {}),
          },
          spec: {},
        },
      });
    } catch (error) {
      // Already there: ours from before, not yet seen on the watch, which will bring it (and with
      // it a reconcile of this Service that sets its status).
      if (isConflict(error)) return undefined;
      throw error;
    }
  }

  /**
   * This node took the Service over from `node`, whose speaker is dead: its object would claim the
   * Service until its Pod is deleted, so it goes now. One attempt; the Pod's deletion removes it too.
   */
  retire(node: string, key: string): void {
    this.#delete(l2StatusName(node, key)).catch((error: unknown) =>
      this.#options.logger.warn(
        { service: key, node, err: describeApiError(error) },
        'could not delete the ServiceL2Status of a dead speaker',
      ),
    );
  }

  async #patch(name: string, body: object, subresource?: 'status'): Promise<L2StatusObject | undefined> {
    const { connection, namespace, onWrite } = this.#options;
    onWrite('patch');
    const path = l2StatusPath(namespace, name, subresource);
    try {
      return await connection.request<L2StatusObject>('PATCH', path, { body, contentType: mergePatch });
    } catch (error) {
      if (!isNotFound(error)) throw error; // deleted meanwhile: its delete event requeues the Service
      return undefined;
    }
  }

  async #delete(name: string): Promise<undefined> {
    const { connection, namespace, onWrite } = this.#options;
    onWrite('delete');
    try {
      await connection.request('DELETE', l2StatusPath(namespace, name));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return undefined;
  }
}

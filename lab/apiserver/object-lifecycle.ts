// What create, update, patch and delete mean for a stored object: metadata bookkeeping,
// status split, generation, finalizers, namespace and CRD cascades, per-kind defaulting and
// validation. Each write is checked completely before it reaches the store.

import { randomUUID } from 'node:crypto';
import { pruneUnknownFields } from './builtin-fields.ts';
import { establishedStatus, prepareCrd, typesFromCrd } from './crd-registry.ts';
import { eventFromCore, eventToCore } from './event-conversion.ts';
import { microTimeError } from './micro-time.ts';
import { isRecord, jsonEqual, type KObject, timestamp } from './object-model.ts';
import type { ObjectStore } from './object-store.ts';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resource-registry.ts';
import { defaultAndValidate } from './schema/structural-schema.ts';
import { transitionErrors } from './schema/transition-rules.ts';
import { prepareService, ServiceAllocationIndex } from './service-defaults.ts';
import {
  ApiError,
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  notFound,
  type StatusCause,
  successStatus,
} from './status-errors.ts';

export interface WriteOptions {
  dryRun: boolean;
  /** fieldValidation=Strict: fields a custom resource schema does not declare are an error, not pruned. */
  strictFields?: boolean;
  /**
   * fieldValidation=Warn (kube-apiserver's default when the parameter is absent): pruned fields are
   * reported here, for the response's Warning headers. Absent for Ignore: pruned silently.
   */
  warnings?: string[];
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

const crdStoreKey = 'apiextensions.k8s.io/customresourcedefinitions';
const namespaceStoreKey = 'namespaces';
const protectedNamespaces = new Set(['default', 'kube-system', 'kube-public']);
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export class ObjectLifecycle {
  private readonly store: ObjectStore;
  private readonly registry: ResourceRegistry;
  private readonly now: () => Date;
  private readonly serviceAllocations = new ServiceAllocationIndex();

  constructor(store: ObjectStore, registry: ResourceRegistry, now: () => Date) {
    this.store = store;
    store.addIndex('services', this.serviceAllocations);
    this.registry = registry;
    this.now = now;
    for (const crd of store.list(crdStoreKey)) this.registerCrd(crd);
  }

  /** The stored object as the given type serves it. */
  view(type: ResourceType, stored: KObject): KObject {
    const base = type.group === 'events.k8s.io' ? eventFromCore(stored) : stored;
    return { ...base, apiVersion: apiVersionOf(type), kind: type.kind };
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject {
    const stored = this.store.get(type.storeKey, this.scope(type, namespace), name);
    if (!stored) throw notFound(type.group, type.resource, name);
    return this.view(type, stored);
  }

  list(type: ResourceType, namespace: string | undefined): KObject[] {
    return this.store.list(type.storeKey, this.scope(type, namespace)).map((o) => this.view(type, o));
  }

  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  private scope(type: ResourceType, namespace: string | undefined): string | undefined {
    return type.namespaced ? namespace : undefined;
  }

  create(type: ResourceType, namespace: string | undefined, body: unknown, options: WriteOptions): KObject {
    const object = this.decode(type, namespace, body, options);
    const meta = object.metadata;
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    this.checkName(type, object);
    if (type.namespaced) this.checkNamespaceOpen(meta.namespace!);
    if (this.store.get(type.storeKey, meta.namespace, meta.name!))
      throw alreadyExists(type.group, type.resource, meta.name!);
    for (const field of [
      'resourceVersion',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'managedFields',
      'selfLink',
    ])
      delete meta[field];
    meta.uid = randomUUID();
    meta.creationTimestamp = timestamp(this.now());
    if ('spec' in object) meta.generation = 1;
    else delete meta.generation;
    if (type.statusSubresource) delete object.status;
    this.admit(type, object, undefined, options);
    if (options.dryRun) return this.view(type, object);
    const stored = this.store.put(type.storeKey, object);
    if (type.storeKey === crdStoreKey) this.registerCrd(stored);
    return this.view(type, stored);
  }

  update(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource: string | undefined,
    options: WriteOptions,
  ): KObject {
    const old = this.store.get(type.storeKey, this.scope(type, namespace), name);
    if (!old) throw notFound(type.group, type.resource, name);
    const incoming = this.decode(type, namespace, body, options);
    if (incoming.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const rv = incoming.metadata.resourceVersion;
    if (!rv && !type.unconditionalUpdate) throw resourceVersionRequired(type, name);
    if (rv && rv !== old.metadata.resourceVersion) {
      throw conflict(
        type.group,
        type.resource,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return this.replace(type, old, incoming, subresource, options);
  }

  /** Applies an already-patched view of the object (the patch ran against `get`). */
  replace(
    type: ResourceType,
    old: KObject,
    incoming: KObject,
    subresource: string | undefined,
    options: WriteOptions,
  ): KObject {
    let next: KObject;
    if (subresource === 'status') {
      next = { ...structuredClone(old), status: incoming.status };
    } else {
      next = incoming;
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = structuredClone(old.status);
      }
      if (type.storeKey === 'services') dropLoadBalancerStatus(next);
      const keep = [
        'uid',
        'creationTimestamp',
        'deletionTimestamp',
        'deletionGracePeriodSeconds',
        'generation',
        'namespace',
        'name',
      ];
      for (const field of keep) {
        if (old.metadata[field] === undefined) delete next.metadata[field];
        else next.metadata[field] = old.metadata[field];
      }
      delete next.metadata.managedFields;
      const added = old.metadata.deletionTimestamp ? newFinalizers(old, next) : [];
      if (added.length > 0) {
        throw invalid(type.group, type.kind, old.metadata.name!, [
          {
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
            reason: 'FieldValueForbidden',
          },
        ]);
      }
      if (next.metadata.generation !== undefined && !jsonEqual(specOf(old), specOf(next)))
        next.metadata.generation += 1;
    }
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    this.admit(type, next, old, options);
    if (jsonEqual(next, old)) return this.view(type, old);
    if (options.dryRun) return this.view(type, next);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      return this.view(type, this.removeNow(type.storeKey, next));
    }
    const stored = this.store.put(type.storeKey, next);
    if (type.storeKey === crdStoreKey) this.registerCrd(stored);
    return this.view(type, stored);
  }

  /** Applies a patched view: same checks as PUT, the stale-version check only if the patch set one. */
  patched(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    result: unknown,
    before: KObject,
    subresource: string | undefined,
    options: WriteOptions,
  ): KObject {
    const old = this.store.get(type.storeKey, this.scope(type, namespace), name);
    if (!old) throw notFound(type.group, type.resource, name);
    const incoming = this.decode(type, namespace, result, options);
    if (incoming.metadata.name !== name)
      throw badRequest(`metadata.name: the patch may not change the name (${name})`);
    const rv = incoming.metadata.resourceVersion;
    if (rv && rv !== before.metadata.resourceVersion) {
      throw conflict(
        type.group,
        type.resource,
        name,
        'the object has been modified; please apply your changes to the latest version and try again',
      );
    }
    return this.replace(type, old, incoming, subresource, options);
  }

  delete(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    deleteOptions: DeleteOptions,
    options: WriteOptions,
  ): Record<string, unknown> {
    const old = this.store.get(type.storeKey, this.scope(type, namespace), name);
    if (!old) throw notFound(type.group, type.resource, name);
    const pre = deleteOptions.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw conflict(
        type.group,
        type.resource,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw conflict(
        type.group,
        type.resource,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    if (type.storeKey === namespaceStoreKey && protectedNamespaces.has(name)) {
      throw new ApiError(
        'Forbidden',
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        { name, kind: 'namespaces' },
      );
    }
    if (options.dryRun) return this.view(type, old);
    const result = this.terminate(type.storeKey, old);
    if (!result)
      return successStatus({ name, group: type.group, kind: type.resource, uid: old.metadata.uid });
    return this.view(type, result);
  }

  deleteCollection(
    type: ResourceType,
    namespace: string | undefined,
    selected: (o: KObject) => boolean,
    options: WriteOptions,
  ): KObject[] {
    const victims = this.list(type, namespace).filter(selected);
    if (options.dryRun) return victims;
    return victims.map((victim) => {
      const stored = this.store.get(type.storeKey, victim.metadata.namespace, victim.metadata.name!);
      const result = stored && this.terminate(type.storeKey, stored);
      return this.view(type, result ?? victim);
    });
  }

  /**
   * Starts deleting: gone at once without finalizers or contents, otherwise marked with a
   * deletionTimestamp. Returns the object still stored, or undefined when it is gone.
   */
  private terminate(storeKey: string, old: KObject): KObject | undefined {
    let current = old;
    if (!old.metadata.deletionTimestamp) {
      const marked = structuredClone(old);
      marked.metadata.deletionTimestamp = timestamp(this.now());
      marked.metadata.deletionGracePeriodSeconds = 0;
      if (storeKey === namespaceStoreKey)
        marked.status = { ...(isRecord(marked.status) ? marked.status : {}), phase: 'Terminating' };
      const contents = this.contents(storeKey, old);
      if ((old.metadata.finalizers ?? []).length === 0 && contents.length === 0) {
        this.removeNow(storeKey, old);
        return undefined;
      }
      current = this.store.put(storeKey, marked);
      for (const [key, object] of contents) {
        const stillThere = this.store.get(key, object.metadata.namespace, object.metadata.name!);
        if (stillThere) this.terminate(key, stillThere);
      }
    }
    // Removing the contents may already have removed the container.
    const latest = this.store.get(storeKey, current.metadata.namespace, current.metadata.name!);
    if (
      latest &&
      (latest.metadata.finalizers ?? []).length === 0 &&
      this.contents(storeKey, latest).length === 0
    ) {
      this.removeNow(storeKey, latest);
      return undefined;
    }
    return latest;
  }

  /** Objects that must go before `container` can: a namespace's objects, a CRD's custom resources. */
  private contents(storeKey: string, container: KObject): [string, KObject][] {
    if (storeKey === namespaceStoreKey) {
      const out: [string, KObject][] = [];
      for (const key of this.store.storeKeys()) {
        for (const object of this.store.list(key, container.metadata.name))
          if (object.metadata.namespace) out.push([key, object]);
      }
      return out;
    }
    if (storeKey === crdStoreKey) {
      const [type] = typesFromCrdSafe(container);
      return type ? this.store.list(type.storeKey).map((o) => [type.storeKey, o]) : [];
    }
    return [];
  }

  private removeNow(storeKey: string, object: KObject): KObject {
    const removed = this.store.remove(storeKey, object);
    if (storeKey === crdStoreKey) this.registry.removeCustom(object.metadata.name!);
    this.finishContainers(storeKey, removed);
    return removed;
  }

  /** The last object of a terminating namespace or CRD lets the container go too. */
  private finishContainers(storeKey: string, removed: KObject): void {
    const namespace = removed.metadata.namespace;
    if (namespace) {
      const ns = this.store.get(namespaceStoreKey, undefined, namespace);
      if (ns?.metadata.deletionTimestamp) this.terminate(namespaceStoreKey, ns);
    }
    for (const crd of this.store.list(crdStoreKey)) {
      if (crd.metadata.deletionTimestamp && typesFromCrdSafe(crd)[0]?.storeKey === storeKey)
        this.terminate(crdStoreKey, crd);
    }
  }

  private registerCrd(crd: KObject): void {
    if (crd.metadata.deletionTimestamp) return;
    this.registry.setCustom(crd.metadata.name!, typesFromCrdSafe(crd));
  }

  /** Body → storage form, with kind, apiVersion and namespace checked against the URL. */
  private decode(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions,
  ): KObject {
    if (!isRecord(body)) throw badRequest('the request body must be a JSON object');
    const object = structuredClone(body) as KObject;
    const apiVersion = apiVersionOf(type);
    if (object.apiVersion !== undefined && object.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (object.kind !== undefined && object.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${object.kind}) does not match the expected kind (${type.kind})`,
      );
    }
    if (object.metadata === undefined) object.metadata = {};
    if (!isRecord(object.metadata)) throw badRequest('metadata must be an object');
    if (!type.custom) {
      const unknown = pruneUnknownFields(type.group, type.kind, object);
      if (options.strictFields && unknown.length > 0) throw strictDecodingError(type, unknown);
      warnUnknown(options, unknown);
    }
    if (type.namespaced) {
      const given = object.metadata.namespace;
      if (given && namespace && given !== namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      object.metadata.namespace = namespace ?? given;
      if (!object.metadata.namespace)
        throw badRequest('the namespace of the object must be set, in the URL or in metadata.namespace');
    } else {
      delete object.metadata.namespace;
    }
    const stored = type.group === 'events.k8s.io' ? eventToCore(object) : object;
    return { ...stored, apiVersion: type.group === 'events.k8s.io' ? 'v1' : apiVersion, kind: type.kind };
  }

  private checkName(type: ResourceType, object: KObject): void {
    const name = object.metadata.name;
    const fail = (message: string) => {
      throw invalid(type.group, type.kind, name ?? '', [
        { field: name ? 'metadata.name' : 'metadata.name', message },
      ]);
    };
    if (!name) fail('Required value: name or generateName is required');
    const [pattern, what] =
      type.storeKey === 'services'
        ? [dns1035Label, 'a DNS-1035 label']
        : type.storeKey === namespaceStoreKey
          ? [dns1123Label, 'a lowercase RFC 1123 label']
          : [dns1123Subdomain, 'a lowercase RFC 1123 subdomain'];
    const limit = pattern === dns1123Subdomain ? 253 : 63;
    if (!pattern.test(name!) || name!.length > limit) {
      fail(`Invalid value: ${JSON.stringify(name)}: must be ${what} of at most ${limit} characters`);
    }
  }

  private checkNamespaceOpen(namespace: string): void {
    const ns = this.store.get(namespaceStoreKey, undefined, namespace);
    if (!ns) throw notFound('', 'namespaces', namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError(
        'Forbidden',
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        {
          name: namespace,
          kind: 'namespaces',
        },
      );
    }
  }

  /** Per-kind defaulting and validation; throws 422 with every failure found. */
  private admit(type: ResourceType, object: KObject, old: KObject | undefined, options: WriteOptions): void {
    const undecodable = microTimeError(type, object);
    if (undecodable) throw undecodable;
    let causes: StatusCause[] = [];
    if (type.storeKey === 'services') {
      const owner = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      causes = prepareService(object, old, this.serviceAllocations.heldByOthers(owner));
    } else if (type.storeKey === namespaceStoreKey && !old) {
      object.status = { phase: 'Active' };
    } else if (type.storeKey === 'pods' && !old) {
      object.status = { phase: 'Pending' };
    } else if (type.storeKey === 'secrets') {
      object.type ||= 'Opaque'; // kube-apiserver's default for a Secret without a type
      if (old && old.type !== object.type) {
        causes = [
          { field: 'type', message: `Invalid value: ${JSON.stringify(object.type)}: field is immutable` },
        ];
      }
    } else if (type.storeKey === crdStoreKey) {
      causes = prepareCrd(object);
      // Keeping the first transition time makes a repeated apply a no-op rather than a new version.
      const since =
        old && isRecord(old.status) && Array.isArray(old.status.conditions)
          ? old.status.conditions[0]?.lastTransitionTime
          : undefined;
      if (causes.length === 0) object.status = establishedStatus(object, since ?? timestamp(this.now()));
    } else if (type.custom?.schema !== undefined) {
      const result = defaultAndValidate(type.custom.schema, object);
      if (options.strictFields && result.unknownFields.length > 0) {
        const fields = result.unknownFields.map((f) => `unknown field "${f}"`).join(', ');
        throw badRequest(
          `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${fields}`,
        );
      }
      warnUnknown(options, result.unknownFields);
      causes = [...result.errors, ...transitionErrors(type.custom.schema, result.object, old)];
      const cleaned = result.object as KObject;
      for (const key of Object.keys(object)) if (!(key in cleaned)) delete object[key];
      Object.assign(object, cleaned);
    }
    if (causes.length > 0) throw invalid(type.group, type.kind, object.metadata.name ?? '', causes);
  }
}

/**
 * kube-apiserver's service strategy: a Service whose type is no longer LoadBalancer loses its
 * load-balancer status with the same write ("LB de-provisioning is asynchronous, but the user need
 * not see that").
 */
function dropLoadBalancerStatus(service: KObject): void {
  const type = isRecord(service.spec) ? (service.spec.type ?? 'ClusterIP') : 'ClusterIP';
  if (type !== 'LoadBalancer' && isRecord(service.status)) service.status.loadBalancer = {};
}

function warnUnknown(options: WriteOptions, fields: readonly string[]): void {
  for (const field of fields) options.warnings?.push(`unknown field "${field}"`);
}

function strictDecodingError(type: ResourceType, fields: string[]): ApiError {
  const list = fields.map((f) => `unknown field "${f}"`).join(', ');
  return badRequest(
    `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${list}`,
  );
}

function specOf(object: KObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = object;
  return rest;
}

function newFinalizers(old: KObject, next: KObject): string[] {
  const before = new Set(old.metadata.finalizers ?? []);
  return (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
}

function typesFromCrdSafe(crd: KObject): ResourceType[] {
  return prepareCrd(structuredClone(crd)).length === 0 ? typesFromCrd(crd) : [];
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 5; i++)
    suffix += generateNameAlphabet[Math.floor(Math.random() * generateNameAlphabet.length)];
  return suffix;
}

/** kube-apiserver's words for a PUT without a resourceVersion on a type that needs one. */
function resourceVersionRequired(type: ResourceType, name: string): ApiError {
  const resource = `${type.resource}${type.group ? `.${type.group}` : ''}`;
  return new ApiError(
    'Invalid',
    `${resource} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update`,
    {
      name,
      group: type.group,
      kind: type.kind,
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: must be specified for an update',
          field: 'metadata.resourceVersion',
        },
      ],
    },
  );
}

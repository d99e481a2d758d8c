// Events print the same whether stored in the core/v1 shape or the events.k8s.io/v1 shape (the
// server keeps both views of one store), so the events.k8s.io names are mapped onto core/v1's.

import { ageOf } from './human-duration.ts';
import { column, count, field, nameColumn, type Printer, text } from './printer.ts';

interface CoreEventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedObject: unknown;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  eventTime: unknown;
  count: number;
  seriesLastObserved: unknown;
  seriesCount: unknown;
  sourceComponent: string;
  sourceHost: string;
  reportingController: string;
  reportingInstance: string;
}

function coreView(event: Record<string, unknown>): CoreEventView {
  const eventsApi =
    String(event.apiVersion ?? '').startsWith('events.k8s.io/') || 'regarding' in event || 'note' in event;
  const series = field(event, 'series');
  return {
    name: text(field(event, 'metadata', 'name')),
    type: text(event.type),
    reason: text(event.reason),
    message: text(eventsApi ? event.note : event.message),
    involvedObject: eventsApi ? event.regarding : event.involvedObject,
    firstTimestamp: eventsApi ? event.deprecatedFirstTimestamp : event.firstTimestamp,
    lastTimestamp: eventsApi ? event.deprecatedLastTimestamp : event.lastTimestamp,
    eventTime: event.eventTime,
    count: count(eventsApi ? event.deprecatedCount : event.count),
    seriesLastObserved: field(series, 'lastObservedTime'),
    seriesCount: field(series, 'count'),
    sourceComponent: text(field(eventsApi ? event.deprecatedSource : event.source, 'component')),
    sourceHost: text(field(eventsApi ? event.deprecatedSource : event.source, 'host')),
    reportingController: text(event.reportingController),
    reportingInstance: text(event.reportingInstance),
  };
}

export const eventPrinter: Printer = {
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column('Object', 'The object that this event is about.'),
    column('Subobject', 'The field of the involved object the event is about.', { priority: 1 }),
    column('Source', 'The component reporting this event.', { priority: 1 }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded.', { priority: 1 }),
    column('Count', 'The number of times this event has occurred.', { priority: 1 }),
    { ...nameColumn, priority: 1 },
  ],
  cells: (object, now) => {
    const event = coreView(object);
    const firstSeen = ageOf(text(event.firstTimestamp) || text(event.eventTime), now);
    let lastSeen = text(event.lastTimestamp) ? ageOf(event.lastTimestamp, now) : firstSeen;
    let occurrences = event.count;
    if (event.seriesLastObserved !== undefined) {
      lastSeen = ageOf(event.seriesLastObserved, now);
      occurrences = count(event.seriesCount);
    } else if (occurrences === 0) {
      occurrences = 1;
    }
    const kind = text(field(event.involvedObject, 'kind')).toLowerCase();
    const objectName = text(field(event.involvedObject, 'name'));
    return [
      lastSeen,
      event.type,
      event.reason,
      objectName ? `${kind}/${objectName}` : kind,
      text(field(event.involvedObject, 'fieldPath')),
      eventSource(event),
      event.message.trim(),
      firstSeen,
      occurrences,
      event.name,
    ];
  },
};

function eventSource(event: CoreEventView): string {
  const [component, host] = event.sourceComponent
    ? [event.sourceComponent, event.sourceHost]
    : [event.reportingController, event.reportingInstance];
  return host ? `${component}, ${host}` : component;
}

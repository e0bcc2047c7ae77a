// the hub is core's: onvifd's subscriptions keep the same states
export { EventHub, type EventSink as Sink } from '@belfry/core';

package dev.hikyaku.events;

/** Something that consumes events: a log, a metrics registry, a history table, a webhook. */
@FunctionalInterface
public interface EventSink {
  void accept(Event event);
}

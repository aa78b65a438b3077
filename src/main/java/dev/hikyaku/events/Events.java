package dev.hikyaku.events;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans each event out to every sink, synchronously, on the publisher's thread. */
public final class Events {

  private static final Logger log = LoggerFactory.getLogger(Events.class);

  private final List<EventSink> sinks;

  public Events(List<EventSink> sinks) {
    this.sinks = List.copyOf(sinks);
  }

  public void publish(Event event) {
    for (EventSink sink : sinks) {
      try {
        sink.accept(event);
      } catch (RuntimeException e) {
        // A broken sink must not break mail flow; the event itself is still in the other sinks.
        log.error("event sink {} failed on {}: {}", sink.getClass().getSimpleName(), event.getClass().getSimpleName(), e.toString());
      }
    }
  }
}

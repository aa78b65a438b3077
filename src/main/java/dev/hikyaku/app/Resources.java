package dev.hikyaku.app;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server has opened, closed in the reverse order, as try-with-resources would close it:
 * by {@link Server#start} when the start cannot finish (a failed start leaves nothing open), and by
 * {@link Server#close} at stop. The start therefore opens the parts in the order that makes the
 * reverse the stop order: the store first (closed last, so nothing accepted is lost), the
 * listeners last (closed first, so nothing new comes in while the rest winds down). A step of the
 * stop that closes nothing (the sessions' drain) is pushed as one at its place.
 */
final class Resources implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Resources.class);

  private final Deque<AutoCloseable> stack = new ArrayDeque<>();

  /** Closed before everything pushed earlier; returns {@code resource}. */
  <T extends AutoCloseable> T push(T resource) {
    stack.push(resource);
    return resource;
  }

  /** Closes everything pushed, the last first; a failure to close one is logged and the rest still close. */
  @Override
  public void close() {
    while (!stack.isEmpty()) {
      AutoCloseable resource = stack.pop();
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {}: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
  }
}

package dev.hikyaku.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The live sessions, so that shutdown can tell each one to finish. */
public final class Sessions {

  private final Set<SmtpSession> live = ConcurrentHashMap.newKeySet();

  void add(SmtpSession session) {
    live.add(session);
  }

  void remove(SmtpSession session) {
    live.remove(session);
  }

  public int count() {
    return live.size();
  }

  /**
   * Graceful shutdown: idle sessions get 421 4.3.2 at once; a session in the middle of a message
   * finishes it (and gets its 250) first. Returns whether all ended within {@code grace}; the rest
   * are cut off.
   */
  public boolean drain(Duration grace) throws InterruptedException {
    for (SmtpSession session : live) {
      session.drain();
    }
    Instant deadline = Instant.now().plus(grace);
    while (!live.isEmpty() && Instant.now().isBefore(deadline)) {
      Thread.sleep(20);
    }
    boolean isClean = live.isEmpty();
    for (SmtpSession session : live) {
      session.abort();
    }
    return isClean;
  }
}

package dev.hikyaku.policy;

import dev.hikyaku.protocol.Reply;
import java.time.Duration;
import java.util.Objects;

/** What a rule decided. Rejections carry the reply for the client and a reason for the operator. */
public sealed interface Verdict {

  /** No opinion: ask the next rule. */
  record Continue() implements Verdict {}

  /** Allowed; later rules are not asked. */
  record Accept() implements Verdict {}

  /**
   * Refused permanently (5xx). {@code delay} is how long the client waits before it hears so (a
   * tarpit, as for failed AUTH): zero but for refusals that make guessing cheap, such as unknown
   * recipients on the relay port.
   */
  record Reject(Reply reply, String reason, Duration delay) implements Verdict {
    public Reject {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative()) {
        throw new IllegalArgumentException("a tarpit delay is never negative: " + delay);
      }
    }

    /** Refused at once. */
    public Reject(Reply reply, String reason) {
      this(reply, reason, Duration.ZERO);
    }
  }

  /** Refused for now (4xx); the client may try again. */
  record Defer(Reply reply, String reason) implements Verdict {}

  /** Refused, and the connection is closed after the reply. */
  record Disconnect(Reply reply, String reason) implements Verdict {}

  Verdict CONTINUE = new Continue();
  Verdict ACCEPT = new Accept();
}

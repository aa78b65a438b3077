package dev.hikyaku.delivery;

import dev.hikyaku.store.QueueId;
import java.util.Optional;

/**
 * The reverse-path (MAIL FROM, RFC 5321 §4.1.1.2) our senders' mail goes out with when it is not
 * their own: with {@code returns} enabled, a VERP return path that names the message, so that what
 * comes back to it (DSNs, feedback reports) can be read against it. The queue, the history, the
 * send log and the DSNs we write ourselves keep the sender's own reverse-path; only the MAIL FROM of
 * a delivery by SMTP (MX, smarthost, SMTP route) changes. Local deliveries (Maildir, LMTP) keep it:
 * they are final, nothing comes back from them later.
 */
@FunctionalInterface
public interface ReversePaths {

  /** Every message goes out with its own reverse-path. */
  ReversePaths OWN = id -> Optional.empty();

  /**
   * The reverse-path message {@code id}, sent by an authenticated client with a non-null
   * reverse-path, goes out with instead of its own; empty to keep its own.
   */
  Optional<String> outgoing(QueueId id);
}

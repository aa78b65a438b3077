package dev.hikyaku.delivery;

import java.time.Instant;
import java.util.Objects;

/**
 * The message a DSN reports on, as far as the DSN needs it.
 *
 * @param reversePath the original MAIL FROM, "" for the null path (which never gets a DSN)
 * @param receivedAt when we accepted it (RFC 3464 §2.2.5 Arrival-Date)
 * @param content the original message, header and body with CRLF line ends; only its header
 *     section is returned unless the full message is asked for (RFC 3461 §4.3 RET)
 */
public record DsnOriginal(String reversePath, Instant receivedAt, byte[] content) {

  public DsnOriginal {
    Objects.requireNonNull(reversePath, "reversePath");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(content, "content");
  }

  /** Names the message without its content, which may be large or private. */
  @Override
  public String toString() {
    return "DsnOriginal[reversePath=<" + reversePath + ">, receivedAt=" + receivedAt + ", size="
        + content.length + "]";
  }
}

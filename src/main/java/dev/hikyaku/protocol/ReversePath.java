package dev.hikyaku.protocol;

import java.util.Optional;

/**
 * The MAIL FROM argument (RFC 5321 §4.1.2 {@code Reverse-path}): a mailbox, or the null path
 * {@code <>} used by bounces and other notifications (RFC 5321 §4.5.5).
 */
public record ReversePath(Optional<Mailbox> mailbox, boolean hasSourceRoute) {

  public static final ReversePath NULL = new ReversePath(Optional.empty(), false);

  public boolean isNull() {
    return mailbox.isEmpty();
  }

  /** The wire form without brackets: the address, or the empty string for the null path. */
  public String address() {
    return mailbox.map(Mailbox::address).orElse("");
  }

  @Override
  public String toString() {
    return "<" + address() + ">";
  }
}

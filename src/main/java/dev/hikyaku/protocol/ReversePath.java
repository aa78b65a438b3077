package dev.hikyaku.protocol;

import java.util.Optional;

/**
 * The MAIL FROM argument (RFC 5321 §4.1.2 {@code Reverse-path}): a mailbox, or the null path
 * {@code <>} used by bounces and other notifications (RFC 5321 §4.5.5). A source route is not kept
 * (RFC 5321 §4.1.1.3, Appendix C: the final mailbox is the address), as in {@link ForwardPath}.
 */
public record ReversePath(Optional<Mailbox> mailbox) {

  public static final ReversePath NULL = new ReversePath(Optional.empty());

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

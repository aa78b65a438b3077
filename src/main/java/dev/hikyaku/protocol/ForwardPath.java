package dev.hikyaku.protocol;

/**
 * A RCPT TO argument (RFC 5321 §4.1.2 {@code Forward-path}). {@code <Postmaster>} without a domain is
 * represented with an empty domain (RFC 5321 §4.5.1: it must be accepted).
 *
 * @param hasSourceRoute whether the client wrote an {@code A-d-l} ({@code <@a,@b:user@c>}); RFC 5321
 *     §3.6.1 says servers should ignore it, and on a relay it is a relay trick, so policy sees it
 */
public record ForwardPath(Mailbox mailbox, boolean hasSourceRoute) {

  /** Parses an address (without brackets) by the RFC 5321 §4.1.2 grammar. */
  public static ForwardPath of(String address) {
    try {
      return PathSyntax.forwardPath("<" + address + ">");
    } catch (PathSyntax.PathException e) {
      throw new IllegalArgumentException("not an address: " + address + " (" + e.getMessage() + ")");
    }
  }

  public boolean isBarePostmaster() {
    return mailbox.domain().isEmpty();
  }

  public String address() {
    return isBarePostmaster() ? mailbox.localPart() : mailbox.address();
  }

  @Override
  public String toString() {
    return "<" + address() + ">";
  }
}

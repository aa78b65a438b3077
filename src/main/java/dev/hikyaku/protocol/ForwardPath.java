package dev.hikyaku.protocol;

/**
 * A RCPT TO argument (RFC 5321 §4.1.2 {@code Forward-path}). {@code <Postmaster>} without a domain is
 * represented with an empty domain (RFC 5321 §4.5.1: it must be accepted). A source route
 * ({@code <@a,@b:user@c>}) is not kept: RFC 5321 §4.1.1.3 says servers SHOULD ignore it, so the path
 * is its final mailbox, and policy judges that mailbox as if the client had written it alone.
 */
public record ForwardPath(Mailbox mailbox) {

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

package dev.hikyaku.protocol;

import java.util.Objects;

/**
 * RFC 3461 §4.2 {@code ORCPT=addr-type;xtext}: the recipient as the sender first gave it, reported
 * back in the DSN's {@code Original-Recipient} field (RFC 3464 §2.3.1).
 *
 * @param addressType the address type, e.g. {@code rfc822} (an atom; compared without case)
 * @param address the original address, xtext-decoded
 */
public record Orcpt(String addressType, String address) {

  public Orcpt {
    Objects.requireNonNull(addressType, "addressType");
    Objects.requireNonNull(address, "address");
  }

  /** The parameter value as on the wire, with the address xtext-encoded. */
  public String toWire() {
    return addressType + ";" + Xtext.encode(address);
  }

  /** As RFC 3464 §2.3.1 writes it: {@code rfc822; alice@example.com}. */
  @Override
  public String toString() {
    return addressType + "; " + address;
  }
}

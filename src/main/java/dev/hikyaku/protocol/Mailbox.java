package dev.hikyaku.protocol;

import java.util.Locale;

/**
 * An RFC 5321 §4.1.2 {@code Mailbox}: {@code Local-part "@" ( Domain / address-literal )}.
 *
 * @param localPart as written, with quotes and backslash escapes removed when {@code isQuoted}
 * @param domain the domain, or the address literal with its brackets when {@code isAddressLiteral}
 */
public record Mailbox(String localPart, String domain, boolean isQuoted, boolean isAddressLiteral) {

  /** The domain in lower case, for comparisons (RFC 5321 §2.4: domains are case-insensitive). */
  public String normalizedDomain() {
    return domain.toLowerCase(Locale.ROOT);
  }

  /** Whether any part of the address needs SMTPUTF8 (RFC 6531 §3.3). */
  public boolean isInternationalized() {
    return !isAscii(localPart) || !isAscii(domain);
  }

  /**
   * Whether the local part carries routing syntax that old MTAs would act on: the percent hack
   * ({@code a%b@c}), a UUCP bang path ({@code b!a@c}) or an embedded {@code @} in a quoted local part.
   */
  public boolean hasRoutingInLocalPart() {
    return localPart.indexOf('%') >= 0 || localPart.indexOf('!') >= 0 || localPart.indexOf('@') >= 0;
  }

  /** The address as it appears inside angle brackets on the wire. */
  public String address() {
    return (isQuoted ? quote(localPart) : localPart) + "@" + domain;
  }

  @Override
  public String toString() {
    return address();
  }

  private static String quote(String local) {
    StringBuilder quoted = new StringBuilder(local.length() + 2).append('"');
    for (int i = 0; i < local.length(); i++) {
      char c = local.charAt(i);
      if (c == '"' || c == '\\') {
        quoted.append('\\');
      }
      quoted.append(c);
    }
    return quoted.append('"').toString();
  }

  static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) > 0x7f) {
        return false;
      }
    }
    return true;
  }
}

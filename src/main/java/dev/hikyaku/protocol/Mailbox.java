package dev.hikyaku.protocol;

import java.util.Locale;

/**
 * An RFC 5321 §4.1.2 {@code Mailbox}: {@code Local-part "@" ( Domain / address-literal )}.
 *
 * <p>The local part is kept as a value, not as it was spelled: a Quoted-string is syntax around its
 * content, and a quoted-pair stands for the character after the backslash, so {@code "p5q"},
 * {@code "p5\q"} and {@code p5q} are one mailbox with one {@link #localPart} (and equal records).
 * Anything that matches mailboxes (Maildir directories, accounts, duplicate recipients) uses it.
 *
 * @param localPart the canonical local part: a Quoted-string's content with its quoted-pairs
 *     resolved, or the Dot-string as written; case is kept, since only the host of the domain may
 *     fold it (RFC 5321 §2.4)
 * @param domain the domain, or the address literal with its brackets when {@code isAddressLiteral}
 */
public record Mailbox(String localPart, String domain, boolean isAddressLiteral) {

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

  /**
   * The address as it appears inside angle brackets on the wire, in its canonical spelling: the
   * local part as a Dot-string when it is one (RFC 5322 §3.4.1: then the quoted form SHOULD NOT be
   * used), else as a Quoted-string with quoted-pairs only where RFC 5321 §4.1.2 requires them.
   */
  public String address() {
    return (isDotString(localPart) ? localPart : quote(localPart)) + "@" + domain;
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

  /** RFC 5321 §4.1.2 {@code Dot-string = Atom *("." Atom)}, with RFC 6531 §3.3's UTF-8 atext. */
  static boolean isDotString(String local) {
    if (local.isEmpty() || local.charAt(0) == '.' || local.charAt(local.length() - 1) == '.' || local.contains("..")) {
      return false;
    }
    for (int i = 0; i < local.length(); i++) {
      char c = local.charAt(i);
      if (c != '.' && !PathSyntax.isAtext(c)) {
        return false;
      }
    }
    return true;
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

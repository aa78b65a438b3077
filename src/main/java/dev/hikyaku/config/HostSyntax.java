package dev.hikyaku.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Syntax of domain names and IP address literals in the config, and of the domain names the admin
 * CLI adds (one rule for both). Checks only the text: no DNS lookup happens while a config is read
 * (a slow resolver must not delay or break startup).
 */
public final class HostSyntax {

  private HostSyntax() {}

  // RFC 1035 §2.3.1 and RFC 1123 §2.1: letters, digits, hyphen; no hyphen at either end.
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");
  private static final Pattern ALL_DIGITS = Pattern.compile("[0-9]+");
  private static final Pattern IPV4 =
      Pattern.compile(
          "(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})\\.(0|[1-9][0-9]{0,2})");
  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

  /**
   * What is wrong with {@code name} as a host or domain name, or empty when it is a valid one. A
   * single label such as {@code localhost} is allowed.
   */
  public static Optional<String> domainProblem(String name) {
    if (name.isEmpty()) {
      return Optional.of("must not be empty");
    }
    if (name.endsWith(".")) {
      return Optional.of("write '" + name + "' without the trailing dot");
    }
    // RFC 1035 §2.3.4: 255 octets on the wire, which is 253 characters written out.
    if (name.length() > 253) {
      return Optional.of("is " + name.length() + " characters long; a domain name has at most 253");
    }
    String[] labels = name.split("\\.", -1);
    for (String label : labels) {
      if (label.isEmpty()) {
        return Optional.of(
            "'" + name + "' has an empty label (two dots in a row or a leading dot)");
      }
      if (label.length() > 63) {
        return Optional.of("label '" + label + "' is longer than 63 characters (RFC 1035 §2.3.4)");
      }
      if (!LABEL.matcher(label).matches()) {
        return Optional.of(
            "'"
                + name
                + "' is not a domain name: label '"
                + label
                + "' may hold only letters, digits and inner hyphens (RFC 1123 §2.1); write"
                + " internationalised names in their xn-- form");
      }
    }
    // RFC 3696 §2: a top-level domain is never all-numeric, which also keeps IP addresses out.
    if (ALL_DIGITS.matcher(labels[labels.length - 1]).matches()) {
      return Optional.of("'" + name + "' is not a domain name (its last label is all digits)");
    }
    return Optional.empty();
  }

  /**
   * The address written as an IPv4 dotted quad or an IPv6 literal (with or without brackets), or
   * empty when {@code text} is neither. Never consults DNS.
   */
  static Optional<InetAddress> ipLiteral(String text) {
    var v4 = IPV4.matcher(text);
    if (v4.matches()) {
      byte[] bytes = new byte[4];
      for (int i = 0; i < 4; i++) {
        int octet = Integer.parseInt(v4.group(i + 1));
        if (octet > 255) {
          return Optional.empty();
        }
        bytes[i] = (byte) octet;
      }
      return byAddress(bytes);
    }
    String bare =
        text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    if (bare.indexOf(':') >= 0 && IPV6_CHARS.matcher(bare).matches()) {
      try {
        // With brackets the JDK treats the text as an IPv6 literal only and never looks it up.
        return Optional.of(InetAddress.getByName("[" + bare + "]"));
      } catch (UnknownHostException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * The address as people write it: dotted quad, or IPv6 in the RFC 5952 §4 canonical form ({@code
   * ::1}, {@code 2001:db8::25}) rather than the JDK's {@code 0:0:0:0:0:0:0:1}.
   */
  static String text(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return address.getHostAddress();
    }
    byte[] bytes = address.getAddress();
    int[] groups = new int[8];
    for (int i = 0; i < 8; i++) {
      groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    // RFC 5952 §4.2: shorten the longest run of two or more zero groups (the first, on a tie).
    int bestStart = -1;
    int bestLength = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && groups[j] == 0) {
        j++;
      }
      if (j - i > bestLength) {
        bestStart = i;
        bestLength = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        text.append("::");
        i += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[i])); // RFC 5952 §4.3: lower case, no leading zeros
    }
    String scope =
        ((Inet6Address) address).getScopeId() != 0
            ? "%" + ((Inet6Address) address).getScopeId()
            : "";
    return text + scope;
  }

  private static Optional<InetAddress> byAddress(byte[] bytes) {
    try {
      return Optional.of(InetAddress.getByAddress(bytes));
    } catch (UnknownHostException e) {
      throw new AssertionError("four bytes are always a valid IPv4 address", e);
    }
  }
}

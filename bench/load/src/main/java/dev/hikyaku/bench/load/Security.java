package dev.hikyaku.bench.load;

import java.util.Locale;

/** How a session protects itself. */
enum Security {
  /** No TLS at all (port 25 relay traffic). */
  PLAIN,
  /** RFC 3207: EHLO, STARTTLS, handshake, EHLO again. */
  STARTTLS,
  /** RFC 8314 §3.3: TLS from the first byte (port 465). */
  IMPLICIT;

  static Security parse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "none", "plain" -> PLAIN;
      case "starttls" -> STARTTLS;
      case "implicit", "tls", "smtps" -> IMPLICIT;
      default -> throw new IllegalArgumentException("--tls: expected none, starttls or implicit, was \"" + text + "\"");
    };
  }

  String label() {
    return switch (this) {
      case PLAIN -> "plain";
      case STARTTLS -> "starttls";
      case IMPLICIT -> "implicit-tls";
    };
  }
}

package dev.hikyaku.bench.load;

import java.util.Locale;

/** The SASL mechanism a session authenticates with (RFC 4954), if any. */
enum AuthMechanism {
  NONE,
  /** RFC 4616. */
  PLAIN,
  /** RFC 5802 with SHA-256 (RFC 7677), no channel binding. */
  SCRAM_SHA_256;

  static AuthMechanism parse(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "none" -> NONE;
      case "plain" -> PLAIN;
      case "scram", "scram-sha-256" -> SCRAM_SHA_256;
      default -> throw new IllegalArgumentException("--auth: expected none, plain or scram, was \"" + text + "\"");
    };
  }

  String saslName() {
    return switch (this) {
      case NONE -> "";
      case PLAIN -> "PLAIN";
      case SCRAM_SHA_256 -> "SCRAM-SHA-256";
    };
  }
}

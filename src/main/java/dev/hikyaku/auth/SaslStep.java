package dev.hikyaku.auth;

/** What a mechanism wants next: send a challenge (334) and wait, or finish. */
public sealed interface SaslStep {

  /** The server's challenge, raw; the session base64-encodes it (RFC 4954 §4). */
  record Challenge(byte[] data) implements SaslStep {}

  record Done(AuthOutcome outcome) implements SaslStep {}
}

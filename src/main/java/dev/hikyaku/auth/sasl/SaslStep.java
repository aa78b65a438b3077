package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.AuthOutcome;
import java.util.Optional;

/** What a mechanism wants next: send a challenge (334) and wait, or finish. */
public sealed interface SaslStep {

  /**
   * The server's challenge, raw; the session base64-encodes it (RFC 4954 §4).
   *
   * @param decided a refusal already made, when the challenge only carries its details (RFC 7628
   *     §3.2.2 error JSON): it stands even if the client hangs up instead of answering
   */
  record Challenge(byte[] data, Optional<AuthOutcome.Refused> decided) implements SaslStep {
    public Challenge(byte[] data) {
      this(data, Optional.empty());
    }
  }

  record Done(AuthOutcome outcome) implements SaslStep {}
}

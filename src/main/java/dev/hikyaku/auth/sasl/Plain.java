package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.AuthOutcome;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.protocol.Utf8;
import java.util.Arrays;
import java.util.Optional;

/** RFC 4616: {@code [authzid] NUL authcid NUL passwd}, UTF-8. */
public final class Plain implements SaslMechanism {

  private final Authenticator.Attempt authenticator;

  public Plain(Authenticator.Attempt authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public Mechanism mechanism() {
    return Mechanism.PLAIN;
  }

  @Override
  public SaslStep start(Optional<byte[]> initialResponse) {
    // RFC 4954 §4: without an initial response the server sends an empty challenge.
    return initialResponse.map(this::respond).orElseGet(() -> new SaslStep.Challenge(new byte[0]));
  }

  @Override
  public SaslStep respond(byte[] response) {
    int first = indexOf(response, 0);
    int second = first < 0 ? -1 : indexOf(response, first + 1);
    if (first < 0 || second < 0 || indexOf(response, second + 1) >= 0) {
      return Authenticator.malformed("PLAIN message needs exactly two NUL separators");
    }
    Optional<String> authzid = Utf8.decode(response, 0, first);
    Optional<String> authcid = Utf8.decode(response, first + 1, second);
    char[] password = Utf8.decodeSecret(response, second + 1, response.length).orElse(null);
    try {
      if (authzid.isEmpty() || authcid.isEmpty() || password == null || authcid.get().isEmpty() || password.length == 0) {
        return Authenticator.malformed("PLAIN message has an empty or non-UTF-8 field");
      }
      // RFC 4616 §2: an authzid that differs from the authcid asks to act as someone else.
      if (!authzid.get().isEmpty() && !authzid.get().equalsIgnoreCase(authcid.get())) {
        authenticator.burnPasswordTime(password);
        return new SaslStep.Done(
            new AuthOutcome.Refused(
                AuthOutcome.Refusal.INVALID_CREDENTIALS, authcid.get(), "authorization identity differs from authentication identity"));
      }
      return new SaslStep.Done(authenticator.verifyPassword(authcid.get(), password, Mechanism.PLAIN));
    } finally {
      if (password != null) {
        Arrays.fill(password, '\0');
      }
      Arrays.fill(response, (byte) 0);
    }
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == 0) {
        return i;
      }
    }
    return -1;
  }
}

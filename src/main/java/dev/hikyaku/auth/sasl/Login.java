package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.protocol.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * LOGIN (draft-murchison-sasl-login-00): "Username:" then "Password:", each answered in base64. An
 * initial response, when given, is the user name.
 */
public final class Login implements SaslMechanism {

  private static final byte[] USERNAME = "Username:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] PASSWORD = "Password:".getBytes(StandardCharsets.US_ASCII);

  private final Authenticator.Attempt authenticator;
  private String username;

  public Login(Authenticator.Attempt authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public Mechanism mechanism() {
    return Mechanism.LOGIN;
  }

  @Override
  public SaslStep start(Optional<byte[]> initialResponse) {
    return initialResponse.map(this::respond).orElseGet(() -> new SaslStep.Challenge(USERNAME.clone()));
  }

  @Override
  public SaslStep respond(byte[] response) {
    if (username == null) {
      Optional<String> name = Utf8.decode(response, 0, response.length);
      if (name.isEmpty() || name.get().isEmpty() || name.get().indexOf('\0') >= 0) {
        return Authenticator.malformed("LOGIN user name is empty or not UTF-8");
      }
      username = name.get();
      return new SaslStep.Challenge(PASSWORD.clone());
    }
    char[] password = Utf8.decodeSecret(response, 0, response.length).orElse(null);
    try {
      if (password == null || password.length == 0) {
        return Authenticator.malformed("LOGIN password is empty or not UTF-8");
      }
      return new SaslStep.Done(authenticator.verifyPassword(username, password, Mechanism.LOGIN));
    } finally {
      if (password != null) {
        Arrays.fill(password, '\0');
      }
      Arrays.fill(response, (byte) 0);
    }
  }
}

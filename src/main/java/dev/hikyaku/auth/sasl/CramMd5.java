package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.protocol.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** RFC 2195: the server sends a unique challenge; the client answers {@code user SP hex(HMAC-MD5)}. */
public final class CramMd5 implements SaslMechanism {

  private final Authenticator.Attempt authenticator;
  private final String challenge;

  public CramMd5(Authenticator.Attempt authenticator, String challenge) {
    this.authenticator = authenticator;
    this.challenge = challenge;
  }

  @Override
  public Mechanism mechanism() {
    return Mechanism.CRAM_MD5;
  }

  @Override
  public SaslStep start(Optional<byte[]> initialResponse) {
    if (initialResponse.isPresent()) {
      // RFC 2195 has the server speak first; an initial response cannot be an answer.
      return Authenticator.malformed("CRAM-MD5 takes no initial response");
    }
    return new SaslStep.Challenge(challenge.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public SaslStep respond(byte[] response) {
    Optional<String> text = Utf8.decode(response, 0, response.length);
    int space = text.map(t -> t.lastIndexOf(' ')).orElse(-1);
    if (space <= 0 || !text.get().substring(space + 1).matches("[0-9a-fA-F]{32}")) {
      return Authenticator.malformed("CRAM-MD5 response is not 'user digest'");
    }
    String user = text.get().substring(0, space);
    String digest = text.get().substring(space + 1);
    return new SaslStep.Done(authenticator.verifyCramMd5(user, challenge, digest));
  }
}

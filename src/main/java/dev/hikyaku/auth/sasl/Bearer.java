package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.AuthOutcome;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.oauth.OAuthMessages;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * XOAUTH2 and OAUTHBEARER (RFC 7628): the client presents a bearer token. A bad token is answered
 * with the mechanism's JSON error as a challenge; the client replies (RFC 7628 §3.2.3: with ^A) and
 * only then gets 535.
 */
public final class Bearer implements SaslMechanism {

  private final Authenticator.Attempt authenticator;
  private final Mechanism mechanism;
  private AuthOutcome pending;

  public Bearer(Authenticator.Attempt authenticator, Mechanism mechanism) {
    this.authenticator = authenticator;
    this.mechanism = mechanism;
  }

  @Override
  public Mechanism mechanism() {
    return mechanism;
  }

  @Override
  public SaslStep start(Optional<byte[]> initialResponse) {
    return initialResponse.map(this::respond).orElseGet(() -> new SaslStep.Challenge(new byte[0]));
  }

  @Override
  public SaslStep respond(byte[] response) {
    if (pending != null) {
      // The client's answer to our error challenge; whatever it says, the exchange has failed.
      return new SaslStep.Done(pending);
    }
    Optional<OAuthMessages.BearerRequest> request =
        mechanism == Mechanism.XOAUTH2 ? OAuthMessages.parseXoauth2(response) : OAuthMessages.parseOauthbearer(response);
    if (request.isEmpty()) {
      return Authenticator.malformed(mechanism.saslName() + " message does not parse");
    }
    Authenticator.BearerResult result = authenticator.verifyBearer(request.get(), mechanism);
    if (result.errorChallenge().isPresent()) {
      pending = result.outcome();
      return new SaslStep.Challenge(
          result.errorChallenge().get().getBytes(StandardCharsets.UTF_8),
          pending instanceof AuthOutcome.Refused refused ? Optional.of(refused) : Optional.empty());
    }
    return new SaslStep.Done(result.outcome());
  }
}

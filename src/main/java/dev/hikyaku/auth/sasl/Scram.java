package dev.hikyaku.auth.sasl;

import dev.hikyaku.auth.AuthOutcome;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.protocol.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677, RFC 9266). RFC 4954 §4 has no room for
 * data in the 235 reply, so the server-final message goes out as one more challenge, answered empty.
 */
public final class Scram implements SaslMechanism {

  private enum Phase {
    CLIENT_FIRST,
    CLIENT_FINAL,
    ACKNOWLEDGE,
    DONE
  }

  private final Authenticator.Attempt authenticator;
  private final Mechanism mechanism;
  private final ScramServer server;
  private Phase phase = Phase.CLIENT_FIRST;
  private Authenticator.ScramAccount account;

  public Scram(Authenticator.Attempt authenticator, Mechanism mechanism, ScramServer server) {
    this.authenticator = authenticator;
    this.mechanism = mechanism;
    this.server = server;
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
    Optional<String> text = Utf8.decode(response, 0, response.length);
    if (text.isEmpty() && phase != Phase.ACKNOWLEDGE) {
      return Authenticator.malformed("SCRAM message is not UTF-8");
    }
    switch (phase) {
      case CLIENT_FIRST -> {
        ScramServer.Step step = server.clientFirst(text.get());
        if (step instanceof ScramServer.Step.Failure failure) {
          return Authenticator.malformed("SCRAM client-first: " + failure.reason());
        }
        ScramServer.Step.Username user = (ScramServer.Step.Username) step;
        if (user.authzid().isPresent() && !user.authzid().get().equalsIgnoreCase(user.authcid())) {
          return new SaslStep.Done(
              new AuthOutcome.Refused(
                  AuthOutcome.Refusal.INVALID_CREDENTIALS, user.authcid(), "authorization identity differs from authentication identity"));
        }
        Optional<Authenticator.ScramAccount> found = authenticator.scramAccount(user.authcid());
        if (found.isEmpty()) {
          return new SaslStep.Done(
              new AuthOutcome.Refused(AuthOutcome.Refusal.UNAVAILABLE, user.authcid(), "account store unavailable"));
        }
        account = found.get();
        phase = Phase.CLIENT_FINAL;
        return new SaslStep.Challenge(server.serverFirst(account.credential()).getBytes(StandardCharsets.UTF_8));
      }
      case CLIENT_FINAL -> {
        ScramServer.Step step = server.clientFinal(text.get());
        if (step instanceof ScramServer.Step.ServerFinal serverFinal) {
          if (account.refusal().isPresent()) {
            // A dummy credential can never verify; this is unreachable in practice, but never let
            // an unknown or disabled account through.
            phase = Phase.DONE;
            return new SaslStep.Done(account.refusal().get());
          }
          phase = Phase.ACKNOWLEDGE;
          return new SaslStep.Challenge(serverFinal.message().getBytes(StandardCharsets.UTF_8));
        }
        phase = Phase.DONE;
        ScramServer.Step.Failure failure = (ScramServer.Step.Failure) step;
        return new SaslStep.Done(
            account.refusal().orElse(
                new AuthOutcome.Refused(AuthOutcome.Refusal.INVALID_CREDENTIALS, account.name(), "SCRAM: " + failure.reason())));
      }
      case ACKNOWLEDGE -> {
        phase = Phase.DONE;
        if (response.length != 0) {
          return Authenticator.malformed("SCRAM: expected an empty response after server-final");
        }
        return new SaslStep.Done(authenticator.scramSucceeded(account.name(), mechanism));
      }
      case DONE -> {
        return Authenticator.malformed("SCRAM exchange already finished");
      }
    }
    throw new IllegalStateException("unreachable");
  }
}

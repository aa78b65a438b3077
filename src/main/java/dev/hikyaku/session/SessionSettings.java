package dev.hikyaku.session;

import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.auth.Principal;
import dev.hikyaku.net.ListenerRole;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a session on one listener is allowed and required to do; built by the app from the config.
 *
 * @param dataDeadline, minDataRate the total time message data may take: see config's Limits
 * @param authMechanisms the SASL mechanisms this listener offers, in order of preference (RFC 4954);
 *     each is announced only when it may run (TLS, channel binding)
 * @param assumedPrincipal a principal every session on this listener starts with: a test seam for
 *     tests that are not about authentication; never set from the config file
 */
public record SessionSettings(
    String hostname,
    String listener,
    ListenerRole role,
    long maxMessageSize,
    int maxRecipients,
    int maxErrors,
    Duration greetingDelay,
    Duration commandTimeout,
    Duration dataTimeout,
    Duration dataDeadline,
    long minDataRate,
    Duration tlsHandshakeTimeout,
    List<Mechanism> authMechanisms,
    Optional<Principal> assumedPrincipal) {

  public SessionSettings {
    authMechanisms = List.copyOf(authMechanisms);
  }

  public SessionSettings withAssumedPrincipal(Principal principal) {
    return new SessionSettings(
        hostname, listener, role, maxMessageSize, maxRecipients, maxErrors, greetingDelay,
        commandTimeout, dataTimeout, dataDeadline, minDataRate, tlsHandshakeTimeout, authMechanisms, Optional.of(principal));
  }
}

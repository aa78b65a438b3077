package dev.hikyaku.session;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.net.ListenerRole;
import java.time.Duration;
import java.util.Optional;

/**
 * What a session on one listener is allowed and required to do; built by the app from the config.
 *
 * @param assumedPrincipal a principal every session on this listener starts with. A test seam until
 *     SMTP AUTH exists; never set from the config file
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
    Duration tlsHandshakeTimeout,
    Optional<Principal> assumedPrincipal) {

  // RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
  public static final int MAX_COMMAND_LINE = 512;

  public SessionSettings withAssumedPrincipal(Principal principal) {
    return new SessionSettings(
        hostname, listener, role, maxMessageSize, maxRecipients, maxErrors, greetingDelay,
        commandTimeout, dataTimeout, tlsHandshakeTimeout, Optional.of(principal));
  }
}

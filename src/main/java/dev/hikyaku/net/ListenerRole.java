package dev.hikyaku.net;

import java.util.Locale;

/**
 * What a listening port is for. The role decides what the session demands of the client, not the port
 * number: a relay may listen on 2525 in tests and still behave as port 25.
 */
public enum ListenerRole {
  /** Port 25: server-to-server relay (RFC 5321). Accepts mail for hosted domains only. */
  RELAY,
  /** Port 587: message submission (RFC 6409). STARTTLS (RFC 3207) and AUTH before mail. */
  SUBMISSION,
  /** Port 465: submission over implicit TLS (RFC 8314 §3.3). TLS from the first byte. */
  SUBMISSIONS;

  /** The name used in config files and logs. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Whether the client must hold an authenticated principal before MAIL (RFC 6409 §4.1). */
  public boolean requiresAuthentication() {
    return this != RELAY;
  }

  /** Whether commands other than EHLO/HELO/NOOP/STARTTLS/QUIT must wait for TLS (RFC 8314 §3.3). */
  public boolean requiresTls() {
    return this != RELAY;
  }

  /** Whether the TLS handshake happens on connect rather than after STARTTLS. */
  public boolean isImplicitTls() {
    return this == SUBMISSIONS;
  }
}

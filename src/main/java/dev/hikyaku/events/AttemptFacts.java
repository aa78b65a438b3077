package dev.hikyaku.events;

import dev.hikyaku.net.TlsFacts;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * How an attempt went, beyond its status: the way it took, the TLS it had, and where its time went
 * (Postfix's {@code delays=a/b/c/d}: the scheduler adds the time in the queue before it).
 *
 * @param route the kind of next hop
 * @param tls the TLS version and cipher suite of the connection, empty in plaintext or without a
 *     connection
 * @param connecting resolving and opening the connection: greeting, EHLO, STARTTLS, AUTH (zero for
 *     a connection used again)
 * @param transmitting the transaction itself: MAIL to the reply after the data
 */
public record AttemptFacts(Route route, Optional<TlsFacts> tls, Duration connecting, Duration transmitting) {

  /** The kinds of next hop, for the send log and the delivery metrics. */
  public enum Route {
    /** The recipient domain's MX hosts (RFC 5321 §5.1). */
    MX,
    /** The configured smarthost. */
    SMARTHOST,
    /** A per-domain SMTP route. */
    SMTP_ROUTE,
    /** A per-domain LMTP route (RFC 2033). */
    LMTP,
    /** A Maildir here. */
    MAILDIR,
    /** Read here as a report about mail we sent (the returns domain). */
    RETURNS,
    /** Decided without a next hop (null MX, a loop, an administrator's return). */
    NONE;

    /** As a label value: lower case, with a hyphen. */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** An outcome decided without a next hop. */
  public static final AttemptFacts NONE = new AttemptFacts(Route.NONE, Optional.empty(), Duration.ZERO, Duration.ZERO);

  public AttemptFacts {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(connecting, "connecting");
    Objects.requireNonNull(transmitting, "transmitting");
  }
}

package dev.hikyaku.delivery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the next hop of a domain routed by LMTP or SMTP whether it has a mailbox, while the client
 * waits at RCPT (Postfix's {@code reject_unverified_recipient}, Exim's callout): LHLO, or EHLO with
 * STARTTLS and AUTH as the route says, then {@link OutboundSession#probe}: {@code MAIL FROM:<>},
 * {@code RCPT TO}, RSET, QUIT. No message is sent.
 *
 * <p>A definite answer (2yz or 5yz to RCPT) is cached, a positive one longer than a negative one
 * (as Postfix's {@code address_verify_positive_expire_time} and {@code ..._negative_...}): a
 * mailbox created at the next hop is known here within the negative time. Anything else — no
 * connection, no answer within the timeout, a 4yz, a refused {@code MAIL FROM:<>} — is {@link
 * Verification.Undecided}, never cached, and the caller defers rather than accepting blind.
 *
 * <p>The whole exchange has one deadline: it runs on a virtual thread of its own, which is
 * interrupted (closing its socket) when the deadline passes; every read has the same timeout too.
 */
public final class RecipientCallout {

  private static final Logger log = LoggerFactory.getLogger(RecipientCallout.class);
  private static final long MAX_CACHED = 100_000;

  /** What the next hop said about a recipient. */
  public sealed interface Verification {
    /** It takes mail for the recipient; {@code reply} is its answer to RCPT. */
    record Exists(String reply) implements Verification {}

    /** It refused the recipient permanently (5yz to RCPT). */
    record NoSuchRecipient(String reply) implements Verification {}

    /** No definite answer: unreachable, too slow, 4yz, or MAIL refused. */
    record Undecided(String reason) implements Verification {}
  }

  /**
   * @param ehloName our name for LHLO/EHLO
   * @param timeout the most the whole exchange may take
   * @param positiveTtl how long an existing recipient is remembered
   * @param negativeTtl how long a refused recipient is remembered
   */
  public record Settings(String ehloName, Duration timeout, Duration positiveTtl, Duration negativeTtl) {
    public Settings {
      Objects.requireNonNull(ehloName, "ehloName");
      for (Duration d : new Duration[] {timeout, positiveTtl, negativeTtl}) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("callout durations must be positive: " + d);
        }
      }
    }
  }

  private final Settings settings;
  private final Optional<SSLContext> tlsContext;
  private final OutboundSession.Timeouts timeouts;
  private final Cache<String, Verification> exists;
  private final Cache<String, Verification> refused;

  /**
   * @param tlsContext the context verified TLS to an SMTP route checks certificates with (the JDK's
   *     default when empty), as for delivery
   * @param clock drives the caches' expiry (tests move it)
   */
  public RecipientCallout(Settings settings, Optional<SSLContext> tlsContext, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.tlsContext = Objects.requireNonNull(tlsContext, "tlsContext");
    Duration t = settings.timeout();
    this.timeouts = new OutboundSession.Timeouts(t, t, t, t, t);
    com.github.benmanes.caffeine.cache.Ticker ticker = () -> TimeUnit.MILLISECONDS.toNanos(clock.millis());
    this.exists = Caffeine.newBuilder().maximumSize(MAX_CACHED).expireAfterWrite(settings.positiveTtl()).ticker(ticker).build();
    this.refused = Caffeine.newBuilder().maximumSize(MAX_CACHED).expireAfterWrite(settings.negativeTtl()).ticker(ticker).build();
  }

  /**
   * Whether {@code route}'s next hop has a mailbox for {@code recipient} (an address as RCPT TO
   * carries it, without brackets): from the cache, or asked now, within the timeout.
   *
   * @param route an {@link Route.Lmtp} or {@link Route.Smtp} route
   */
  public Verification verify(Route route, String recipient) {
    if (!(route instanceof Route.Lmtp) && !(route instanceof Route.Smtp)) {
      throw new IllegalArgumentException("only LMTP and SMTP routes have a next hop to ask: " + route.getClass().getSimpleName());
    }
    // Local parts are compared as the account store does: case does not make a new recipient, so
    // a client cannot bypass the cache by changing it.
    String key = recipient.toLowerCase(Locale.ROOT);
    Verification cached = exists.getIfPresent(key);
    if (cached == null) {
      cached = refused.getIfPresent(key);
    }
    if (cached != null) {
      return cached;
    }
    Verification answer = ask(route, recipient);
    switch (answer) {
      case Verification.Exists yes -> exists.put(key, yes);
      case Verification.NoSuchRecipient no -> refused.put(key, no);
      case Verification.Undecided undecided -> log.debug("could not verify <{}>: {}", recipient, undecided.reason());
    }
    return answer;
  }

  private Verification ask(Route route, String recipient) {
    FutureTask<Verification> task = new FutureTask<>(() -> probe(route, recipient));
    Thread.ofVirtual().name("recipient-callout").start(task);
    try {
      return task.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      task.cancel(true); // interrupts the probe: a virtual thread's blocked socket is closed
      return new Verification.Undecided(nextHop(route) + " gave no answer within " + settings.timeout());
    } catch (ExecutionException e) {
      return new Verification.Undecided(nextHop(route) + ": " + e.getCause());
    } catch (InterruptedException e) {
      task.cancel(true);
      Thread.currentThread().interrupt();
      return new Verification.Undecided("interrupted while asking " + nextHop(route));
    }
  }

  private Verification probe(Route route, String recipient) {
    try (OutboundSession session = open(route)) {
      SmtpReply reply = session.probe(recipient);
      if (reply.isPositive()) {
        return new Verification.Exists(reply.toString());
      }
      if (reply.isPermanent()) {
        return new Verification.NoSuchRecipient(reply.toString());
      }
      return new Verification.Undecided(nextHop(route) + " answered RCPT with " + reply);
    } catch (OutboundException e) {
      return new Verification.Undecided(e.getMessage());
    }
  }

  private OutboundSession open(Route route) throws OutboundException {
    return switch (route) {
      case Route.Lmtp lmtp ->
          OutboundSession.openLmtp(new InetSocketAddress(lmtp.host(), lmtp.port()), lmtp.host(), settings.ehloName(), timeouts);
      case Route.Smtp smtp ->
          OutboundSession.open(new InetSocketAddress(smtp.host(), smtp.port()), smtp.host(), settings.ehloName(), smtp.tls(),
              smtp.credentials(), timeouts, tlsContext);
      case Route.Maildir maildir -> throw new IllegalStateException("a Maildir route has no next hop");
      case Route.Returns returns -> throw new IllegalStateException("the returns domain has no next hop");
    };
  }

  private static String nextHop(Route route) {
    return switch (route) {
      case Route.Lmtp lmtp -> "lmtp " + lmtp.host() + ":" + lmtp.port();
      case Route.Smtp smtp -> "smtp " + smtp.host() + ":" + smtp.port();
      case Route.Maildir maildir -> "maildir";
      case Route.Returns returns -> "returns";
    };
  }
}

package dev.hikyaku.app;

import dev.hikyaku.app.Server.StartupException;
import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.auth.VerificationCache;
import dev.hikyaku.auth.credential.Argon2Parameters;
import dev.hikyaku.auth.credential.PasswordHasher;
import dev.hikyaku.auth.oauth.BearerTokenValidator;
import dev.hikyaku.auth.oauth.OAuthIssuer;
import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.config.AuthConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.ListenerConfig;
import dev.hikyaku.content.Clamd;
import dev.hikyaku.content.ContentScanner;
import dev.hikyaku.content.Rspamd;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.ContentCheck;
import dev.hikyaku.intake.DkimSigning;
import dev.hikyaku.intake.InboundAuthentication;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.intake.StorageGuard;
import dev.hikyaku.mailauth.DkimSigner;
import dev.hikyaku.mailauth.DmarcObservation;
import dev.hikyaku.mailauth.InboundChecks;
import dev.hikyaku.net.ConnectionPermits;
import dev.hikyaku.net.Listener;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.net.SocketTransport;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.protocol.Replies;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.session.SessionServices;
import dev.hikyaku.session.SessionSettings;
import dev.hikyaku.session.SmtpSession;
import dev.hikyaku.store.Store;
import java.io.IOException;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * The way in over SMTP: the listeners, the session each connection gets, what a session asks
 * (intake, the authenticator) and the settings it runs under.
 */
final class SessionWiring {

  /**
   * Successful verifications the authenticator remembers for {@code auth.cache-ttl}: enough for
   * every account of a large installation to reconnect within the TTL without Argon2id, and a
   * bound on the memory a flood of distinct valid credentials could take.
   */
  private static final int VERIFIED_CREDENTIALS_KEPT = 10_000;

  private SessionWiring() {}

  /**
   * The one way in: submission fix-ups, DKIM signing with the store's keys, SPF/DKIM/DMARC on port
   * 25 when {@code mail-auth.verifying}, the free-space guard, the queue. Used by the server and by
   * the in-memory conversation tests.
   */
  static MessageIntake intake(
      HikyakuConfig config, Store store, SenderRegistry senders, Events events, Clock clock, RandomGenerator random) {
    return intake(config, store, senders, events, clock, random, DmarcObservation.Sink.NONE);
  }

  /** And the DMARC evaluations of domains that ask for aggregate reports told to {@code observations}. */
  static MessageIntake intake(HikyakuConfig config, Store store, SenderRegistry senders, Events events, Clock clock,
      RandomGenerator random, DmarcObservation.Sink observations) {
    // One resolver for inbound checks (SPF, DKIM keys, DMARC) with the delivery section's servers.
    var mailAuth = config.mailAuth();
    InboundAuthentication inbound = mailAuth.isVerifying()
        ? new InboundAuthentication(
            Optional.of(new InboundChecks(
                new DnsjavaResolver(config.delivery().dnsServers(), config.delivery().dnsTimeout(), DeliveryWiring.DNS_TRIES, clock,
                    DnsjavaResolver.DEFAULT_CACHE_SIZE),
                clock, config.hostname(), mailAuth.timeout())),
            mailAuth.isRejectingOnReject(), mailAuth.isRejectingOnQuarantine(), observations)
        : InboundAuthentication.NONE;
    return new MessageIntake(config.hostname(), store.queue(), senders, clock, random, events,
        // Postfix's rule: keep room for 1.5 times the largest message (see StorageGuard).
        new StorageGuard(store::usableSpace, config.limits().maxMessageSize() * 3 / 2),
        new DkimSigning(new DkimSigner(clock), new StoreDkimKeys(store.signingKeys(), clock)),
        inbound, contentCheck(config));
  }

  /** clamd and rspamd at the end of DATA, those {@code content-checks} names (issue 21); else none. */
  static ContentCheck contentCheck(HikyakuConfig config) {
    var checks = config.contentChecks();
    if (!checks.isEnabled()) {
      return ContentCheck.NONE;
    }
    return new ContentCheck(checks.clamd().<ContentScanner>map(address -> new Clamd(address, checks.budget())),
        checks.rspamd().<ContentScanner>map(url -> new Rspamd(url, checks.budget())), checks);
  }

  /** The authenticator over the store's accounts, with the config's hashing and token settings. */
  static Authenticator authenticator(
      HikyakuConfig config, Store store, Optional<AuthThrottle> throttle, Clock clock, SecureRandom random) {
    AuthConfig auth = config.auth();
    var argon2 = auth.argon2();
    Optional<BearerTokenValidator> bearer =
        auth.oauth()
            .map(o -> new BearerTokenValidator(
                new OAuthIssuer(o.issuer(), o.jwksUri(), o.jwksFile(), o.audiences(), o.accountClaim(), o.clockSkew()), clock));
    return new Authenticator(
        store.accounts(),
        store.appPasswords(),
        store.serverSecret(),
        store.apiKeys(),
        new PasswordHasher(new Argon2Parameters(argon2.memoryKiB(), argon2.iterations(), argon2.parallelism())),
        new VerificationCache(auth.cacheTtl(), VERIFIED_CREDENTIALS_KEPT, clock),
        bearer,
        throttle,
        new Authenticator.Settings(auth.scramIterations(), auth.isCramMd5Enabled(), config.hostname()),
        clock,
        random);
  }

  /**
   * Every configured listener bound (each pushed onto {@code opened} as it is), not yet accepting:
   * one connection permit pool over all of them, a session per connection under the listener's
   * settings adjusted by {@code sessionSettings}, refusals told as events.
   */
  static List<Listener> bind(
      HikyakuConfig config, TlsContexts tls, SessionServices services, UnaryOperator<SessionSettings> sessionSettings,
      Clock clock, Resources opened)
      throws StartupException {
    var limits = config.limits();
    ConnectionPermits permits =
        new ConnectionPermits(
            limits.maxConnections(), limits.maxConnectionsPerClient(), config.rates().connectionsPerMinute(), clock);
    AtomicLong sessionCounter = new AtomicLong();
    String bootId = Long.toString(clock.millis(), 36);
    List<Listener> listeners = new ArrayList<>();
    try {
      for (ListenerConfig listener : config.listeners()) {
        SessionSettings settings = sessionSettings.apply(settingsFor(config, listener));
        Listener.ConnectionHandler handler =
            (socket, permit) -> {
              try (permit) {
                String sessionId = bootId + "-" + Long.toString(sessionCounter.incrementAndGet(), 36);
                serve(socket, tls, settings, services, sessionId);
              }
            };
        listeners.add(opened.push(
            Listener.bind(
                listener.name(),
                listener.role(),
                listener.address(),
                listener.port(),
                permits,
                (refusal, client) -> {
                  services.events().publish(
                      new Event.ConnectionRefused(clock.instant(), listener.name(), client.getHostAddress(), refusal.name()));
                  return refusalLine(config.hostname(), refusal);
                },
                handler)));
      }
    } catch (Listener.BindFailure e) {
      throw new StartupException(e.getMessage(), e); // start() closes what was opened
    }
    return listeners;
  }

  private static void serve(
      Socket socket, TlsContexts tls, SessionSettings settings, SessionServices services, String sessionId) {
    SocketTransport transport;
    try {
      // RFC 5321 §4.5.3.2.7: the server's own timeout bounds its writes too; a client that never
      // reads its replies is cut off, not waited for.
      transport = new SocketTransport(socket, tls, settings.commandTimeout());
    } catch (IOException e) {
      closeQuietly(socket);
      return;
    }
    new SmtpSession(sessionId, transport, settings, services).run();
  }

  private static byte[] refusalLine(String hostname, ConnectionPermits.Refusal refusal) {
    Reply reply =
        switch (refusal) {
          case TOTAL_LIMIT -> Replies.tooManyConnections(hostname);
          case CLIENT_LIMIT -> Replies.tooManyConnectionsFromClient(hostname);
          case CLIENT_RATE -> Replies.tooManyConnectionsPerMinute(hostname);
        };
    return reply.toBytes();
  }

  static SessionSettings settingsFor(HikyakuConfig config, ListenerConfig listener) {
    var limits = config.limits();
    return new SessionSettings(
        config.hostname(),
        listener.name(),
        listener.role(),
        limits.maxMessageSize(),
        limits.maxRecipients(),
        limits.maxErrors(),
        listener.greetingDelay(),
        limits.commandTimeout(),
        limits.dataTimeout(),
        limits.dataDeadline(),
        limits.minDataRate(),
        limits.tlsHandshakeTimeout(),
        mechanisms(config.auth(), listener.role()),
        Optional.empty());
  }

  /** The SASL names each configured listener offers, by listener name. */
  static Map<String, List<String>> authMechanisms(HikyakuConfig config) {
    Map<String, List<String>> offered = new HashMap<>();
    for (ListenerConfig listener : config.listeners()) {
      offered.put(listener.name(), mechanisms(config.auth(), listener.role()).stream().map(Mechanism::saslName).toList());
    }
    return offered;
  }

  static List<Mechanism> mechanisms(AuthConfig auth, ListenerRole role) {
    return auth.mechanismsFor(role);
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Nothing to do.
    }
  }
}

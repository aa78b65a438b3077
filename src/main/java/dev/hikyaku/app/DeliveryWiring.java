package dev.hikyaku.app;

import dev.hikyaku.app.Server.StartupException;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.delivery.BounceReports;
import dev.hikyaku.delivery.Bouncer;
import dev.hikyaku.delivery.Dane;
import dev.hikyaku.delivery.DeliveryWorker;
import dev.hikyaku.delivery.HybridTls;
import dev.hikyaku.delivery.MaildirDelivery;
import dev.hikyaku.delivery.MtaStsPolicies;
import dev.hikyaku.delivery.MxResolver;
import dev.hikyaku.delivery.OutboundSession;
import dev.hikyaku.delivery.ReversePaths;
import dev.hikyaku.delivery.Route;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.delivery.SmtpCredentials;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.mailauth.ArcSealer;
import dev.hikyaku.mailauth.ArcVerifier;
import dev.hikyaku.mailauth.DkimVerifier;
import dev.hikyaku.net.KeyExchange;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.reporting.TlsReportSender;
import dev.hikyaku.reporting.TlsSessionCounts;
import dev.hikyaku.returns.ReturnPaths;
import dev.hikyaku.returns.ReturnedMail;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;

/**
 * The way out: routes, the delivery worker, the scheduler with its bounces, and the returns
 * domain's reports.
 */
final class DeliveryWiring {

  /**
   * Attempts one DNS query gets in all, rotating over {@code delivery.dns-servers} (dnsjava's
   * "retries"): a second server is asked when the first is silent, and one lookup still blocks at
   * most twice {@code delivery.dns-timeout}.
   */
  static final int DNS_TRIES = 2;

  /** RFC 4954 §4 lets an AUTH line carry 12288 octets of base64: no password is longer than this. */

  private DeliveryWiring() {}

  /**
   * {@code delivery.dnssec-trust-anchors}, or the IANA root's. Read once at start; an operator who
   * rolls a private root's key restarts (the root's own roll is a new release).
   */
  private static String trustAnchors(Optional<Path> file) throws StartupException {
    if (file.isEmpty()) {
      return DnsjavaResolver.ROOT_TRUST_ANCHORS;
    }
    try {
      return Files.readString(file.get(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new StartupException("cannot read delivery.dnssec-trust-anchors " + file.get() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The way out: per-domain routes (hosted domains default to a Maildir under the data directory),
   * then a smarthost, then MX; retries and bounces; started.
   */
  static Scheduler scheduler(
      HikyakuConfig config, Store store, MessageIntake intake, Clock clock, SecureRandom random,
      Optional<SSLContext> outboundTls, Events events, Routes configured, Resources opened)
      throws StartupException {
    var d = config.delivery();
    // delivery.key-exchange: hybrid: X25519MLKEM768 first towards every next hop (Bouncy Castle's
    // TLS with the JDK's trust store); policy fetches and report POSTs keep the JDK's TLS.
    Optional<SSLContext> deliveryTls = d.keyExchange() == KeyExchange.HYBRID && outboundTls.isEmpty()
        ? Optional.of(HybridTls.verifyingContext()) : outboundTls;
    DnsjavaResolver dns = new DnsjavaResolver(d.dnsServers(), d.dnsTimeout(), DNS_TRIES);
    MxResolver mx = new MxResolver(dns, random);
    MtaStsPolicies mtaSts = d.isMtaSts()
        ? new MtaStsPolicies(dns, MtaStsPolicies.fetcher(dns, d.mtaStsPort(), outboundTls), clock)
        : MtaStsPolicies.OFF;
    Dane dane = Dane.OFF;
    if (d.isDane()) {
      try {
        dane = Dane.over(DnsjavaResolver.validating(d.dnsServers(), d.dnsTimeout(), DNS_TRIES, clock, trustAnchors(d.trustAnchors())));
      } catch (IllegalArgumentException e) {
        throw new StartupException("delivery.dnssec-trust-anchors: " + e.getMessage(), e);
      }
    }
    Optional<DeliveryWorker.Smarthost> smarthost = Optional.empty();
    if (d.smarthost().isPresent()) {
      var sh = d.smarthost().get();
      Optional<SmtpCredentials> credentials = credentials(sh.user(), sh.passwordFile(), "delivery.smarthost");
      // The config holds VERIFY or IMPLICIT: credentials go only to a server whose certificate
      // verifies (RFC 8314 §5.1 / RFC 7817).
      smarthost = Optional.of(new DeliveryWorker.Smarthost(sh.host(), sh.port(), sh.tls(), credentials));
    }
    TlsPolicy tls = d.tls();
    // Hosted domains always have a route (a Maildir by default): out by MX they would come straight
    // back here, a loop.
    Map<String, Route> routes = new LinkedHashMap<>(configured.byDomain());
    MaildirDelivery maildir = new MaildirDelivery(clock, random, config.hostname());
    Set<EnhancedStatus> suppressStatuses = Set.copyOf(d.suppressStatuses());
    // The returns domain's mail is read as reports (returns.ReturnedMail); our senders' mail goes
    // out by SMTP under a VERP return path on it.
    Optional<ReturnPaths> returnPaths = returnPaths(config, store);
    ReversePaths reversePaths = ReversePaths.OWN;
    if (returnPaths.isPresent()) {
      ReturnPaths paths = returnPaths.get();
      routes.put(paths.domain(), new Route.Returns(new ReturnedMail(paths, config.returns().feedbackAddress(), suppressStatuses,
          store.history(), maildir, config.returnsDirectory().orElseThrow(), events, clock)));
      reversePaths = id -> Optional.of(paths.returnPath(id));
    }
    DeliveryWorker agent =
        new DeliveryWorker(
            mx,
            new DeliveryWorker.Settings(
                config.hostname(), d.mxPort(), tls, OutboundSession.Timeouts.defaults(), smarthost, new Routes(routes),
                d.destinationTls(), d.maxPerHost()),
            deliveryTls,
            maildir,
            reversePaths,
            mtaSts,
            dane);
    if (config.mailAuth().isArcSealing()) {
      // RFC 8617 §5.1: mail checked here on port 25 that goes on by SMTP gets our ARC set.
      agent.sealingWith(new StoreArcSeal(new StoreDkimKeys(store.signingKeys(), clock),
          new ArcSealer(clock, new ArcVerifier(new DkimVerifier(dns, clock))), config.hostname(), config.hostedDomains()));
    }
    if (d.isTlsReports()) {
      // RFC 8460: the sessions counted here, the reports sent from here after each UTC day.
      agent.reportingTo(opened.push(new TlsSessionCounts(store.tlsReports(), clock).start()));
      opened.push(new TlsReportSender(store.tlsReports(), dns, intake, config.hostname(), outboundTls, clock).start());
    }
    Scheduler scheduler =
        new Scheduler(
            store.queue(),
            store.queue()::applyFlush,
            d.retryPolicy(),
            agent,
            reports(config.hostname(), intake, events, clock, random),
            clock,
            random,
            d.maxPerDomain(),
            d.destinationLimits(),
            events,
            suppressStatuses);
    scheduler.start(config.store().poll());
    return scheduler;
  }

  /**
   * Where the scheduler tells delivery outcomes: failures, delays and (when NOTIFY asks) successes
   * become RFC 3464 reports, queued through intake with the null reverse-path (RFC 5321 §4.5.5).
   */
  static DeliveryReports reports(String hostname, MessageIntake intake, Events events, Clock clock, RandomGenerator random) {
    return new BounceReports(new Bouncer(clock, random), intake, hostname, events, clock);
  }

  /**
   * The per-domain routes of {@code delivery.routes} (hosted domains without one get a Maildir
   * under the data directory), with the SMTP routes' passwords read from their files now. Delivery
   * sends by them; the recipient check asks their next hops.
   */
  static Routes routes(HikyakuConfig config) throws StartupException {
    Map<String, Route> routes = new LinkedHashMap<>();
    for (var entry : config.deliveryRoutes().entrySet()) {
      String domain = entry.getKey();
      routes.put(domain, switch (entry.getValue()) {
        case DeliveryConfig.Route.Smtp smtp -> new Route.Smtp(smtp.host(), smtp.port(), smtp.tls(),
            credentials(smtp.user(), smtp.passwordFile(), "delivery.routes." + domain));
        case DeliveryConfig.Route.Lmtp lmtp -> new Route.Lmtp(lmtp.host(), lmtp.port());
        case DeliveryConfig.Route.Maildir maildir -> new Route.Maildir(maildir.directory());
      });
    }
    return new Routes(routes);
  }

  /**
   * The VERP return paths of {@code returns}, keyed with the store's server secret, when the section
   * is enabled.
   */
  static Optional<ReturnPaths> returnPaths(HikyakuConfig config, Store store) {
    if (config.returns().activeDomain().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ReturnPaths(config.returns().activeDomain().get(), store.serverSecret().value()));
    } catch (StoreException e) {
      throw new IllegalStateException("cannot read the server secret for the return paths: " + e.getMessage(), e);
    }
  }

  /** A user and the password from its file (read now, kept in memory only), or none. */
  private static Optional<SmtpCredentials> credentials(Optional<String> user, Optional<Path> passwordFile, String where)
      throws StartupException {
    if (user.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new SmtpCredentials(user.get(), PasswordFile.read(passwordFile.orElseThrow(), where + ".password-file")));
  }
}

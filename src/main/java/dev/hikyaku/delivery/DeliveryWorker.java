package dev.hikyaku.delivery;

import dev.hikyaku.dns.Tlsa;
import dev.hikyaku.events.AttemptFacts;
import dev.hikyaku.protocol.Body;
import dev.hikyaku.protocol.DeliveryReasons;
import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.HeaderScan;
import dev.hikyaku.protocol.MailParams;
import dev.hikyaku.protocol.Orcpt;
import dev.hikyaku.protocol.RcptParams;
import dev.hikyaku.schedule.DeliveryAgent;
import dev.hikyaku.schedule.RecipientResult;
import dev.hikyaku.store.DueDelivery;
import dev.hikyaku.store.DueRecipient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one message to the recipients of one domain. Routing, in order: the domain's own {@link
 * Route} (SMTP, LMTP or a Maildir), then the smarthost, then the domain's MX hosts.
 */
public final class DeliveryWorker implements DeliveryAgent, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);

  /** An upstream server that takes all outbound mail (the OP25B case: port 25 blocked outbound). */
  public record Smarthost(String host, int port, TlsPolicy tls, Optional<SmtpCredentials> credentials) {}

  /**
   * @param ehloName the name this server gives in EHLO (its hostname)
   * @param mxPort the port MX hosts are reached on: 25 (RFC 5321 §4.5.4.2); tests use others
   * @param tls the TLS policy towards MX hosts; opportunistic by default
   * @param routes per-domain routes, consulted before the smarthost and MX
   * @param domainTls the TLS policy towards the MX hosts of particular domains, over {@code tls}
   * @param maxPerHost connections at once to one host address ({@link OutboundConnections}; {@code
   *     delivery.max-per-host})
   */
  public record Settings(
      String ehloName,
      int mxPort,
      TlsPolicy tls,
      OutboundSession.Timeouts timeouts,
      Optional<Smarthost> smarthost,
      Routes routes,
      Map<String, TlsPolicy> domainTls,
      int maxPerHost) {

    public Settings {
      Objects.requireNonNull(routes, "routes");
      domainTls = domainTls.entrySet().stream().collect(Collectors.toUnmodifiableMap(
          e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
    }

    /** The policy towards {@code domain}'s MX hosts. */
    TlsPolicy tlsFor(String domain) {
      return domainTls.getOrDefault(domain, tls);
    }
  }

  private final MxResolver mx;
  private final Settings settings;
  private final Optional<SSLContext> tlsContext;
  private final MaildirDelivery maildir;
  private final ReversePaths reversePaths;
  private final OutboundConnections connections;
  private final MtaStsPolicies mtaSts;
  private final Dane dane;
  private volatile TlsSession.Sink tlsSessions = TlsSession.Sink.NONE;
  private volatile ArcSeal arcSeal = ArcSeal.NONE;

  public DeliveryWorker(MxResolver mx, Settings settings, Optional<SSLContext> tlsContext) {
    this(mx, settings, tlsContext, new MaildirDelivery(Clock.systemUTC(), new SecureRandom(), settings.ehloName()));
  }

  public DeliveryWorker(MxResolver mx, Settings settings, Optional<SSLContext> tlsContext, MaildirDelivery maildir) {
    this(mx, settings, tlsContext, maildir, ReversePaths.OWN);
  }

  /** With the reverse-paths submitted mail goes out with by SMTP ({@code returns}' VERP return paths). */
  public DeliveryWorker(
      MxResolver mx, Settings settings, Optional<SSLContext> tlsContext, MaildirDelivery maildir, ReversePaths reversePaths) {
    this(mx, settings, tlsContext, maildir, reversePaths, MtaStsPolicies.OFF);
  }

  /** With the recipient domains' MTA-STS policies ({@code delivery.mta-sts}, RFC 8461) enforced on MX delivery. */
  public DeliveryWorker(MxResolver mx, Settings settings, Optional<SSLContext> tlsContext, MaildirDelivery maildir,
      ReversePaths reversePaths, MtaStsPolicies mtaSts) {
    this(mx, settings, tlsContext, maildir, reversePaths, mtaSts, Dane.OFF);
  }

  /** And DANE ({@code delivery.dane}, RFC 7672) for MX hosts with DNSSEC-validated TLSA records. */
  public DeliveryWorker(MxResolver mx, Settings settings, Optional<SSLContext> tlsContext, MaildirDelivery maildir,
      ReversePaths reversePaths, MtaStsPolicies mtaSts, Dane dane) {
    this.mtaSts = Objects.requireNonNull(mtaSts, "mtaSts");
    this.dane = Objects.requireNonNull(dane, "dane");
    this.mx = mx;
    this.settings = settings;
    this.tlsContext = tlsContext;
    this.maildir = Objects.requireNonNull(maildir, "maildir");
    this.reversePaths = Objects.requireNonNull(reversePaths, "reversePaths");
    this.connections = new OutboundConnections(
        settings.maxPerHost(), OutboundConnections.DEFAULT_IDLE_LIMIT, OutboundConnections.DEFAULT_MAX_TRANSACTIONS);
  }

  /** Tells {@code sink} of every TLS session towards MX hosts (SMTP TLS Reporting, RFC 8460). */
  public DeliveryWorker reportingTo(TlsSession.Sink sink) {
    this.tlsSessions = Objects.requireNonNull(sink, "sink");
    return this;
  }

  /** Adds {@code seal}'s ARC set to mail received on port 25 that goes on by SMTP (RFC 8617 §5.1). */
  public DeliveryWorker sealingWith(ArcSeal seal) {
    this.arcSeal = Objects.requireNonNull(seal, "seal");
    return this;
  }

  /** Connections opened and reused so far. */
  public long[] connectionsOpenedAndReused() {
    return connections.openedAndReused();
  }

  /** Closes the kept connections (QUIT). */
  @Override
  public void close() {
    connections.close();
  }

  @Override
  public List<RecipientResult> deliver(DueDelivery due) {
    List<String> recipients = due.recipients().stream().map(DueRecipient::forwardPath).toList();
    int hops = receivedHeaders(due.content());
    // RFC 5321 §6.3: past this many hops the message is looping. The session refuses such a message
    // at the end of DATA; this catches what came in another way (a bounce of a bounce, say).
    if (hops > HeaderScan.MAX_HOPS) {
      return all(recipients, DeliveryReasons.routingLoop(hops));
    }
    // The queue keeps the parameters as received; read them back with the parser MAIL and RCPT use.
    MailParams parameters;
    List<RcptParams> recipientParameters;
    try {
      parameters = MailParams.parse(due.mailParameters());
      recipientParameters = due.recipients().stream().map(r -> RcptParams.parse(r.parameters())).toList();
    } catch (IllegalArgumentException e) {
      // Only our own toWire() writes them, so this is a bug or a damaged queue: retrying cannot help.
      return all(recipients, DeliveryReasons.envelopeUnreadable(e.getMessage()));
    }
    Outbound message =
        new Outbound(
            due.reversePath(),
            recipients,
            due.content(),
            parameters.body() == Body.EIGHT_BIT_MIME,
            parameters.isSmtpUtf8(),
            parameters.envId(),
            parameters.ret(),
            recipientParameters,
            parameters.isRequireTls());
    String domain = due.recipients().getFirst().domain(); // the scheduler's lane key, the same rule
    // What goes on by SMTP, and may come back later: our senders' mail under its VERP return path.
    Outbound relayed = sealed(due, outgoing(due, message));
    Optional<Route> route = settings.routes().forDomain(domain);
    if (route.isPresent()) {
      return switch (route.get()) {
        case Route.Smtp smtp -> relayed.isRequireTls() && !smtp.tls().isVerified()
            ? all(recipients, DeliveryReasons.requireTlsNotPossible("the route for " + domain + " does not verify TLS"))
            : attempt(AttemptFacts.Route.SMTP_ROUTE,
                List.of(new Target(new InetSocketAddress(smtp.host(), smtp.port()), smtp.host(), smtp.tls())),
                relayed, smtp.credentials());
        case Route.Lmtp lmtp -> lmtp(lmtp, message);
        case Route.Maildir box -> {
          long started = System.nanoTime();
          List<Attempt> attempts = maildir.deliver(box.directory(), message);
          AttemptFacts facts = new AttemptFacts(AttemptFacts.Route.MAILDIR, Optional.empty(), Duration.ZERO, since(started));
          yield attempts.stream().map(a -> result(a, RecipientResult.Handoff.DELIVERED, facts)).toList();
        }
        case Route.Returns returns -> {
          long started = System.nanoTime();
          List<Attempt> attempts = returns.mailbox().deliver(due.id(), message);
          AttemptFacts facts = new AttemptFacts(AttemptFacts.Route.RETURNS, Optional.empty(), Duration.ZERO, since(started));
          yield attempts.stream().map(a -> result(a, RecipientResult.Handoff.DELIVERED, facts)).toList();
        }
      };
    }
    if (settings.smarthost().isPresent()) {
      Smarthost relay = settings.smarthost().get();
      if (relayed.isRequireTls() && !relay.tls().isVerified()) {
        return all(recipients, DeliveryReasons.requireTlsNotPossible("the smarthost's TLS is not verified"));
      }
      List<Target> targets = List.of(new Target(new InetSocketAddress(relay.host(), relay.port()), relay.host(), relay.tls()));
      return attempt(AttemptFacts.Route.SMARTHOST, targets, relayed, relay.credentials());
    }
    return switch (mx.resolve(domain)) {
      case MxResolver.Route.Hosts hosts -> byMx(domain, hosts.hosts(), relayed, recipients);
      // RFC 7505 §4.3: a null MX means the domain accepts no mail; 5.1.10 per RFC 7505 §4.2.
      case MxResolver.Route.NullMx nullMx -> all(recipients, DeliveryReasons.nullMx(domain));
      case MxResolver.Route.NoSuchDomain none -> all(recipients, DeliveryReasons.noSuchDomain(domain));
      case MxResolver.Route.Temporary temporary -> all(recipients, DeliveryReasons.dnsFailure(domain, temporary.reason()));
    };
  }

  /**
   * {@code message} as it goes on by SMTP: a message an authenticated client sent, with a non-null
   * reverse-path, under the return path {@link ReversePaths} gives it, each recipient with an ORCPT
   * (RFC 3461 §4.2) unless it has one, so that a DSN-capable server's report names the recipient as
   * we sent it (RFC 3464 §2.3.1 Original-Recipient) even after forwarding; ORCPT travels only to a
   * server that offers DSN (§5.2.1). Anything else goes as it is.
   */
  private Outbound outgoing(DueDelivery due, Outbound message) {
    if (!due.isSubmitted() || due.reversePath().isEmpty()) {
      return message;
    }
    Optional<String> returnPath = reversePaths.outgoing(due.id());
    if (returnPath.isEmpty()) {
      return message;
    }
    List<RcptParams> parameters = new ArrayList<>(message.recipients().size());
    for (int i = 0; i < message.recipients().size(); i++) {
      RcptParams given = message.recipientParameters().get(i);
      String recipient = message.recipients().get(i);
      boolean isAscii = recipient.chars().allMatch(c -> c < 0x80);
      parameters.add(given.orcpt().isPresent() || !isAscii ? given
          : new RcptParams(given.notifyOn(), Optional.of(new Orcpt("rfc822", recipient))));
    }
    return new Outbound(returnPath.get(), message.recipients(), message.content(), message.isEightBit(),
        message.isSmtpUtf8(), message.envId(), message.ret(), parameters, message.isRequireTls());
  }

  /**
   * RFC 5321 §5.1 to the domain's MX hosts, each under its transport security: a host with
   * DNSSEC-validated TLSA records by DANE (RFC 7672), else by the domain's MTA-STS policy (RFC
   * 8461), else by the configured TLS policy. Where DANE applies, MTA-STS does not (RFC 8461 §2).
   * A domain's own TLS setting (destinations) is the admin's word and comes before both; so does the
   * sender's "TLS-Required: No" (RFC 8689 §5), unless it also asked for REQUIRETLS.
   */
  private List<RecipientResult> byMx(String domain, List<MxResolver.Host> hosts, Outbound relayed, List<String> recipients) {
    TlsPolicy tls = settings.tlsFor(domain);
    boolean isRequireTls = relayed.isRequireTls();
    boolean isPolicyWaived = !isRequireTls && isTlsRequiredNo(relayed.content());
    boolean isConfigured = settings.domainTls().containsKey(domain) && !isRequireTls;
    Map<MxResolver.Host, Dane.Host> daneHosts = new LinkedHashMap<>();
    if (!isPolicyWaived && !isConfigured) {
      Dane.Destination destination = dane.destination(domain);
      if (destination instanceof Dane.Destination.Failed(String reason)) {
        // RFC 7672 §2.2.1: a bogus or unanswered validated MX lookup; nothing is sent meanwhile.
        TlsSession.Policy unknown = new TlsSession.Policy(TlsSession.Policy.Type.TLSA, domain, List.of(), List.of());
        hosts.forEach(host -> tlsSessions.record(
            new TlsSession(unknown, host.name(), "", Optional.of(TlsSession.Failure.DNSSEC_INVALID))));
        return all(recipients, DeliveryReasons.dnsFailure(domain, reason + " (DNSSEC, RFC 7672 §2.2.1)"));
      }
      if (destination instanceof Dane.Destination.Secure) {
        for (MxResolver.Host host : hosts) {
          daneHosts.put(host, dane.host(host.name(), settings.mxPort()));
        }
      }
    }
    List<String> unusable = new ArrayList<>();
    List<MxResolver.Host> usable = new ArrayList<>();
    for (MxResolver.Host host : hosts) {
      if (daneHosts.get(host) instanceof Dane.Host.Unusable(String reason)) {
        unusable.add(host.name() + ": " + reason);
        tlsSessions.record(new TlsSession(new TlsSession.Policy(TlsSession.Policy.Type.TLSA, domain, List.of(), List.of()),
            host.name(), "", Optional.of(TlsSession.Failure.DNSSEC_INVALID)));
      } else {
        usable.add(host);
      }
    }
    if (usable.isEmpty()) {
      // RFC 7672 §2.2: a host whose TLSA records cannot be had is not used, lest it go unauthenticated.
      return all(recipients, DeliveryReasons.dnsFailure(domain, String.join("; ", unusable) + " (DANE, RFC 7672 §2.2)"));
    }
    boolean isDane = daneHosts.values().stream()
        .anyMatch(h -> h instanceof Dane.Host.Authenticated || h instanceof Dane.Host.TlsRequired);
    if (isDane) {
      return daneTargets(domain, usable, daneHosts, tls, isRequireTls)
          .map(targets -> attempt(AttemptFacts.Route.MX, targets, relayed, Optional.empty()))
          .orElseGet(() -> all(recipients, DeliveryReasons.requireTlsNotPossible(
              "no MX host of " + domain + " has usable TLSA records (RFC 8689 §4.2.1)")));
    }
    Optional<MtaStsPolicy> published = isConfigured || isPolicyWaived ? Optional.empty() : mtaSts.policyOf(domain);
    if (isRequireTls && (published.isEmpty() || published.get().mode() == MtaStsPolicy.Mode.NONE)) {
      // RFC 8689 §4.2.1: the MX hosts must be vouched for (DNSSEC with DANE, or MTA-STS in any
      // mode but none), and the TLS to them authenticated.
      return all(recipients, DeliveryReasons.requireTlsNotPossible(
          "neither DANE nor an MTA-STS policy vouches for the MX hosts of " + domain + " (RFC 8689 §4.2.1)"));
    }
    // What the TLS report counts these sessions under: the policy as published (RFC 8460 §4.4).
    Optional<TlsSession.Policy> reported = isConfigured || isPolicyWaived ? Optional.empty() : Optional.of(published
        .filter(p -> p.mode() != MtaStsPolicy.Mode.NONE)
        .map(p -> new TlsSession.Policy(TlsSession.Policy.Type.STS, domain, p.lines(), p.mx()))
        .orElse(new TlsSession.Policy(TlsSession.Policy.Type.NO_POLICY_FOUND, domain, List.of(), List.of())));
    // REQUIRETLS holds the policy to its MX hosts and verified TLS whatever its mode.
    Optional<MtaStsPolicy> policy = isRequireTls
        ? published.map(p -> new MtaStsPolicy(MtaStsPolicy.Mode.ENFORCE, p.mx(), p.maxAge())) : published;
    Optional<TlsPolicy> fallback = Optional.empty();
    if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.ENFORCE) {
      // RFC 8461 §5: an enforced policy sends only to the MX hosts it names, over verified TLS.
      List<MxResolver.Host> named = usable.stream().filter(host -> policy.get().matches(host.name())).toList();
      if (named.isEmpty()) {
        usable.forEach(host -> tlsSessions.record(new TlsSession(reported.orElseThrow(), host.name(), "",
            Optional.of(TlsSession.Failure.VALIDATION_FAILURE))));
        return all(recipients, DeliveryReasons.tlsFailed("no MX host of " + domain + " ("
            + hosts.stream().map(MxResolver.Host::name).collect(Collectors.joining(", "))
            + ") is named by its enforced MTA-STS policy " + policy.get().mx() + " (RFC 8461 §4.1)"));
      }
      usable = named;
      tls = TlsPolicy.VERIFY;
    } else if (policy.isPresent() && policy.get().mode() == MtaStsPolicy.Mode.TESTING && tls == TlsPolicy.OPPORTUNISTIC) {
      // RFC 8461 §5 mode testing: verify as enforce would, report what fails (RFC 8460), deliver anyway.
      tls = TlsPolicy.VERIFY;
      fallback = Optional.of(TlsPolicy.OPPORTUNISTIC);
    }
    List<Target> targets = new ArrayList<>();
    for (MxResolver.Host host : usable) {
      for (InetAddress address : host.addresses()) {
        targets.add(new Target(new InetSocketAddress(address, settings.mxPort()), host.name(), tls, Optional.empty(),
            reported, fallback));
      }
    }
    return attempt(AttemptFacts.Route.MX, targets, relayed, Optional.empty());
  }

  /**
   * The targets of a DANE destination (RFC 7672 §2.2): a host with usable TLSA records under DANE
   * (certificate matched), one with only unusable records under mandatory TLS, the others as any
   * host; with REQUIRETLS only the first kind (RFC 8689 §4.2.1). Empty when that leaves none.
   */
  private Optional<List<Target>> daneTargets(
      String domain, List<MxResolver.Host> usable, Map<MxResolver.Host, Dane.Host> daneHosts, TlsPolicy tls, boolean isRequireTls) {
    List<Target> targets = new ArrayList<>();
    for (MxResolver.Host host : usable) {
      Dane.Host security = daneHosts.get(host);
      if (isRequireTls && !(security instanceof Dane.Host.Authenticated)) {
        continue;
      }
      TlsPolicy policy = tls;
      Optional<SSLContext> context = Optional.empty();
      TlsSession.Policy reported = new TlsSession.Policy(TlsSession.Policy.Type.NO_POLICY_FOUND, domain, List.of(), List.of());
      if (security instanceof Dane.Host.Authenticated(List<Tlsa> records)) {
        policy = TlsPolicy.DANE;
        context = Optional.of(DaneTrust.context(records, host.name(), Clock.systemUTC(), tlsContext.filter(HybridTls::isHybrid).isPresent()));
        reported = new TlsSession.Policy(TlsSession.Policy.Type.TLSA, domain, records.stream().map(Tlsa::presentation).toList(),
            List.of());
      } else if (security instanceof Dane.Host.TlsRequired(List<Tlsa> records)) {
        policy = TlsPolicy.REQUIRE;
        reported = new TlsSession.Policy(TlsSession.Policy.Type.TLSA, domain, records.stream().map(Tlsa::presentation).toList(),
            List.of());
      }
      for (InetAddress address : host.addresses()) {
        targets.add(new Target(new InetSocketAddress(address, settings.mxPort()), host.name(), policy, context,
            Optional.of(reported), Optional.empty()));
      }
    }
    return targets.isEmpty() ? Optional.empty() : Optional.of(targets);
  }

  /**
   * RFC 8617 §5.1: a message received from another server (not submitted here, not one of our own
   * reports) goes on with our ARC set on top, when the seal makes one.
   */
  private Outbound sealed(DueDelivery due, Outbound message) {
    if (due.isSubmitted() || due.reversePath().isEmpty()) {
      return message;
    }
    Optional<byte[]> set = arcSeal.setFor(message.content());
    if (set.isEmpty()) {
      return message;
    }
    byte[] content = Arrays.copyOf(set.get(), set.get().length + message.content().length);
    System.arraycopy(message.content(), 0, content, set.get().length, message.content().length);
    return new Outbound(message.reversePath(), message.recipients(), content, message.isEightBit(), message.isSmtpUtf8(),
        message.envId(), message.ret(), message.recipientParameters(), message.isRequireTls());
  }

  /**
   * One address to connect to, the name to check its certificate against, and the TLS policy there
   * (with the context that authenticates it, when not the worker's own); the policy a TLS report
   * counts its sessions under (MX delivery only), and the TLS policy to connect with again when the
   * first fails on TLS (an MTA-STS policy in mode testing).
   */
  private record Target(InetSocketAddress address, String serverName, TlsPolicy tls, Optional<SSLContext> context,
      Optional<TlsSession.Policy> reported, Optional<TlsPolicy> fallback) {
    Target(InetSocketAddress address, String serverName, TlsPolicy tls) {
      this(address, serverName, tls, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /** RFC 2033: one LMTP connection to the mailbox server; an outcome per recipient. */
  private List<RecipientResult> lmtp(Route.Lmtp lmtp, Outbound message) {
    InetSocketAddress address = new InetSocketAddress(lmtp.host(), lmtp.port());
    long started = System.nanoTime();
    try (OutboundSession session = OutboundSession.openLmtp(address, lmtp.host(), settings.ehloName(), settings.timeouts())) {
      Duration connecting = since(started);
      // RFC 2033 §4.2: an LMTP server is the final hop; one that offers DSN reports for itself.
      RecipientResult.Handoff handoff = session.extensions().contains("DSN")
          ? RecipientResult.Handoff.PASSED_ON : RecipientResult.Handoff.DELIVERED;
      long sending = System.nanoTime();
      List<Attempt> attempts = session.send(message);
      AttemptFacts facts = new AttemptFacts(AttemptFacts.Route.LMTP, session.tls(), connecting, since(sending));
      return attempts.stream().map(a -> result(a, handoff, facts)).toList();
    } catch (OutboundException e) {
      return all(message.recipients(), e.status(), new AttemptFacts(AttemptFacts.Route.LMTP, Optional.empty(), since(started), Duration.ZERO));
    }
  }

  /** RFC 5321 §5.1: try the hosts in order until one takes the message; unreachable ones are skipped. */
  private List<RecipientResult> attempt(
      AttemptFacts.Route route, List<Target> targets, Outbound message, Optional<SmtpCredentials> credentials) {
    DeliveryStatus last = DeliveryReasons.noConnection("no host to deliver to");
    long started = System.nanoTime();
    for (Target target : targets) {
      OutboundConnections.Key key =
          new OutboundConnections.Key(target.address(), target.serverName(), target.tls(), credentials.map(SmtpCredentials::user));
      try {
        OutboundConnections.Connection connection = connect(target, key, credentials);
        Duration connecting = since(started);
        long sending = System.nanoTime();
        List<Attempt> attempts;
        try {
          attempts = connection.session().send(message);
        } catch (OutboundException | RuntimeException e) {
          connections.discard(connection);
          throw e;
        }
        // RFC 3461 §5.2.2: to a server with DSN the request travels on; to one without, we say "relayed".
        RecipientResult.Handoff handoff = connection.session().extensions().contains("DSN")
            ? RecipientResult.Handoff.PASSED_ON : RecipientResult.Handoff.RELAYED;
        AttemptFacts facts = new AttemptFacts(route, connection.session().tls(), connecting, since(sending));
        connections.release(connection);
        return attempts.stream().map(a -> result(a, handoff, facts)).toList();
      } catch (OutboundException e) {
        // A refusal decides for all the hosts (RFC 5321 §5.1 tries the next only when one cannot be reached).
        if (!e.isTransient()) {
          return all(message.recipients(), e.status(), new AttemptFacts(route, Optional.empty(), since(started), Duration.ZERO));
        }
        last = e.status();
      }
    }
    return all(message.recipients(), last, new AttemptFacts(route, Optional.empty(), since(started), Duration.ZERO));
  }

  /**
   * A connection to {@code target}, kept or new. A new one's TLS is told to the TLS report when the
   * target is under a policy (RFC 8460): a session with TLS as a success, one that failed on TLS
   * with its result type. Under an MTA-STS policy in mode testing, a session that fails the
   * verification is reported and the host is connected to again without it (RFC 8461 §5: deliver
   * as without a policy).
   */
  private OutboundConnections.Connection connect(Target target, OutboundConnections.Key key, Optional<SmtpCredentials> credentials)
      throws OutboundException {
    try {
      return connections.acquire(key, () -> {
        OutboundSession session = OutboundSession.open(target.address(), target.serverName(), settings.ehloName(), target.tls(),
            credentials, settings.timeouts(), target.context().or(() -> tlsContext));
        target.reported().ifPresent(policy -> {
          if (session.tls().isPresent()) {
            tlsSessions.record(new TlsSession(policy, target.serverName(), hostAddress(target), Optional.empty()));
          } else if (policy.type() != TlsSession.Policy.Type.NO_POLICY_FOUND) {
            tlsSessions.record(new TlsSession(policy, target.serverName(), hostAddress(target),
                Optional.of(TlsSession.Failure.STARTTLS_NOT_SUPPORTED)));
          }
        });
        return session;
      });
    } catch (OutboundException e) {
      Optional<TlsSession.Failure> failure = TlsFailures.of(e);
      if (failure.isEmpty() || target.reported().isEmpty()) {
        throw e;
      }
      tlsSessions.record(new TlsSession(target.reported().get(), target.serverName(), hostAddress(target), failure));
      if (target.fallback().isEmpty()) {
        throw e;
      }
      log.info("{}: {} under an MTA-STS policy in mode testing ({}); delivering without it", target.serverName(),
          failure.get().resultType(), e.status().diagnostic().field());
      Target without = new Target(target.address(), target.serverName(), target.fallback().get(), Optional.empty(),
          Optional.empty(), Optional.empty());
      return connect(without, new OutboundConnections.Key(target.address(), target.serverName(), without.tls(),
          credentials.map(SmtpCredentials::user)), credentials);
    }
  }

  private static String hostAddress(Target target) {
    return target.address().getAddress() == null ? "" : target.address().getAddress().getHostAddress();
  }

  private static Duration since(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  /**
   * An attempt as the scheduler takes it. RFC 3461 §5.2.2.2: a message taken by a server that does
   * not carry DSN requests on is "relayed", as far as we can say; a mailbox's own is "delivered".
   */
  private static RecipientResult result(Attempt attempt, RecipientResult.Handoff handoff, AttemptFacts facts) {
    DeliveryStatus status = attempt.status();
    if (handoff == RecipientResult.Handoff.RELAYED && status.action() == DeliveryStatus.Action.DELIVERED) {
      status = status.as(DeliveryStatus.Action.RELAYED, status.status());
    }
    return new RecipientResult(attempt.recipient(), status, status.outcome() == DeliveryStatus.Outcome.DELIVERED
        ? handoff : RecipientResult.Handoff.PASSED_ON, facts);
  }

  private static List<RecipientResult> all(List<String> recipients, DeliveryStatus status) {
    return all(recipients, status, AttemptFacts.NONE);
  }

  private static List<RecipientResult> all(List<String> recipients, DeliveryStatus status, AttemptFacts facts) {
    return recipients.stream().map(r -> new RecipientResult(r, status, RecipientResult.Handoff.PASSED_ON, facts)).toList();
  }

  /**
   * Whether the header section holds {@code TLS-Required: No} (RFC 8689 §5): the sender asks that
   * the recipient domain's TLS policies (MTA-STS) be passed over for this message, to reach it at
   * all; TLS is still used when offered.
   */
  static boolean isTlsRequiredNo(byte[] content) {
    int lineStart = 0;
    for (int i = 0; i < content.length; i++) {
      if (content[i] == '\n') {
        String line = new String(content, lineStart, i - lineStart, StandardCharsets.ISO_8859_1).strip();
        if (line.isEmpty()) {
          return false; // the end of the header section
        }
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase("TLS-Required")
            && line.substring(colon + 1).strip().equalsIgnoreCase("No")) {
          return true;
        }
        lineStart = i + 1;
      }
    }
    return false;
  }

  /** Counts the Received header fields of a message's header section. */
  static int receivedHeaders(byte[] content) {
    int count = 0;
    int lineStart = 0;
    for (int i = 0; i < content.length; i++) {
      if (content[i] == '\n') {
        if (i - lineStart <= 1) {
          break; // the empty line: end of the header section
        }
        if (i - lineStart >= 9 && new String(content, lineStart, 9, StandardCharsets.ISO_8859_1).equalsIgnoreCase("Received:")) {
          count++;
        }
        lineStart = i + 1;
      }
    }
    return count;
  }
}

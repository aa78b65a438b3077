package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The whole server configuration, as read by {@link ConfigLoader}. Immutable; lists are copies.
 *
 * @param hostname the name this server gives in its greeting, EHLO reply and Received headers (RFC
 *     5321 §4.1.1.1, §4.4)
 * @param dataDirectory where the store, generated TLS material and other state live
 * @param listeners the sockets to listen on; names unique, no two on the same address and port
 * @param tls where the certificate comes from
 * @param limits resource limits
 * @param hostedDomains domains whose mail this server accepts on the relay port; lower-case, unique
 * @param auth SMTP AUTH (RFC 4954): mechanisms per listener role, password hashing and policy,
 *     OAuth token checks
 * @param abuse the defences of AUTH against guessing: tarpit, blocks, spraying and stuffing detection
 * @param rates per-address and per-account sending rates, quotas, and compromised-account detection
 * @param delivery outbound delivery: DNS, TLS towards MX hosts, retries, an optional smarthost
 * @param http the monitoring endpoint (metrics and health); never on the address and port of a
 *     listener
 * @param mailAuth SPF, DKIM and DMARC checks of mail arriving on port 25
 * @param history how long the message history is kept
 * @param api the HTTP JSON API; plain HTTP only on a loopback address
 * @param returns the VERP return path of outgoing mail and the reading of what comes back to it
 *     (DSNs, feedback reports); its domain is never a hosted domain nor has a delivery route
 * @param recipients who the hosted domains take mail for besides accounts, and how unknown
 *     recipients are verified and counted; its domains are hosted domains
 * @param store where the queue and the accounts live: SQLite in the data directory, or a
 *     PostgreSQL database several nodes share
 * @param mtaSts the MTA-STS policy published for the hosted domains (RFC 8461), if any
 * @param sendmail the local pickup socket of {@code hikyaku sendmail}
 * @param contentChecks the spam filter asked at the end of DATA
 */
public record HikyakuConfig(
    String hostname,
    Path dataDirectory,
    List<ListenerConfig> listeners,
    TlsConfig tls,
    Limits limits,
    List<String> hostedDomains,
    AuthConfig auth,
    AbuseConfig abuse,
    RateConfig rates,
    HttpConfig http,
    DeliveryConfig delivery,
    MailAuthConfig mailAuth,
    HistoryConfig history,
    ApiConfig api,
    ReturnsConfig returns,
    RecipientsConfig recipients,
    StoreConfig store,
    MtaStsConfig mtaSts,
    SendmailConfig sendmail,
    ContentChecksConfig contentChecks) {

  public HikyakuConfig {
    Objects.requireNonNull(sendmail, "sendmail");
    Objects.requireNonNull(contentChecks, "contentChecks");
    Objects.requireNonNull(returns, "returns");
    Objects.requireNonNull(recipients, "recipients");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(mtaSts, "mtaSts");
    Objects.requireNonNull(mailAuth, "mailAuth");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(hostname, "hostname");
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(abuse, "abuse");
    Objects.requireNonNull(rates, "rates");
    Objects.requireNonNull(delivery, "delivery");
    Objects.requireNonNull(http, "http");
    listeners = List.copyOf(listeners);
    hostedDomains = List.copyOf(hostedDomains);
    if (returns.activeDomain().isPresent()) {
      String domain = returns.activeDomain().get();
      // Every address at the returns domain is a return path: no mailbox could live there.
      if (hostedDomains.stream().anyMatch(domain::equalsIgnoreCase)) {
        throw new IllegalArgumentException("returns.domain " + domain + " is a hosted domain");
      }
      if (delivery.routes().keySet().stream().anyMatch(domain::equalsIgnoreCase)) {
        throw new IllegalArgumentException("returns.domain " + domain + " has a delivery route");
      }
    }
    for (String domain : recipients.domains().keySet()) {
      if (hostedDomains.stream().noneMatch(domain::equalsIgnoreCase)) {
        throw new IllegalArgumentException("recipients.domains." + domain + " is not a hosted domain");
      }
    }
  }

  /**
   * The domains whose mail the relay port takes from anyone (RFC 5321 §2.3.5): the hosted domains
   * and, when {@code returns} is enabled, the returns domain (lower case).
   */
  public List<String> relayDomains() {
    List<String> domains = new ArrayList<>(hostedDomains);
    returns.activeDomain().ifPresent(domains::add);
    return List.copyOf(domains);
  }

  /**
   * Same config with listener ports replaced per role (the CLI's --ports override); roles not in
   * the map keep theirs. Every listener of a role in the map gets that port.
   *
   * @throws IllegalArgumentException if a port is outside 1..65535, or the new ports would put two
   *     listeners, or a listener and the HTTP endpoint or the API, on the same address and port (the
   *     message names both)
   */
  public HikyakuConfig withPorts(Map<ListenerRole, Integer> ports) {
    List<ListenerConfig> moved = new ArrayList<>(listeners.size());
    for (ListenerConfig listener : listeners) {
      Integer port = ports.get(listener.role());
      if (port == null) {
        moved.add(listener);
        continue;
      }
      if (port < ConfigReader.MIN_PORT || port > ConfigReader.MAX_PORT) {
        throw new IllegalArgumentException(
            "port for " + listener.role().configName() + " must be 1..65535, was " + port);
      }
      moved.add(listener.withPort(port));
    }
    ListenerClash.find(moved)
        .ifPresent(
            clash -> {
              throw new IllegalArgumentException(clash.keyPath() + ": " + clash.problem());
            });
    ListenerClash.withHttp(moved, http)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(Keys.HTTP + "." + Keys.PORT + ": " + problem);
            });
    ListenerClash.withApi(moved, http, api)
        .ifPresent(
            problem -> {
              throw new IllegalArgumentException(Keys.API + "." + Keys.PORT + ": " + problem);
            });
    return toBuilder().listeners(moved).build();
  }

  /** Same config with other listeners (tests move them to loopback and ephemeral ports). */
  public HikyakuConfig withListeners(List<ListenerConfig> newListeners) {
    return toBuilder().listeners(newListeners).build();
  }

  /** Same config with other TLS files (tests serve a certificate of their own and replace it). */
  public HikyakuConfig withTls(TlsConfig newTls) {
    return toBuilder().tls(newTls).build();
  }

  public HikyakuConfig withLimits(Limits newLimits) {
    return toBuilder().limits(newLimits).build();
  }

  public HikyakuConfig withAbuse(AbuseConfig newAbuse) {
    return toBuilder().abuse(newAbuse).build();
  }

  public HikyakuConfig withRates(RateConfig newRates) {
    return toBuilder().rates(newRates).build();
  }

  public HikyakuConfig withMailAuth(MailAuthConfig newMailAuth) {
    return toBuilder().mailAuth(newMailAuth).build();
  }

  public HikyakuConfig withDelivery(DeliveryConfig newDelivery) {
    return toBuilder().delivery(newDelivery).build();
  }

  public HikyakuConfig withHistory(HistoryConfig newHistory) {
    return toBuilder().history(newHistory).build();
  }

  public HikyakuConfig withApi(ApiConfig newApi) {
    return toBuilder().api(newApi).build();
  }

  public HikyakuConfig withReturns(ReturnsConfig newReturns) {
    return toBuilder().returns(newReturns).build();
  }

  /** Same config with other hosted domains (tests add one routed elsewhere). */
  public HikyakuConfig withHostedDomains(List<String> newHostedDomains) {
    return toBuilder().hostedDomains(newHostedDomains).build();
  }

  public HikyakuConfig withRecipients(RecipientsConfig newRecipients) {
    return toBuilder().recipients(newRecipients).build();
  }

  public HikyakuConfig withHttp(HttpConfig newHttp) {
    return toBuilder().http(newHttp).build();
  }

  /**
   * The per-domain delivery routes in force: {@code delivery.routes} as written, plus a Maildir at
   * {@code <data-directory>/mail/<domain>} for each hosted domain without one (its MX is this
   * server, so MX routing would loop).
   */
  public Map<String, DeliveryConfig.Route> deliveryRoutes() {
    Map<String, DeliveryConfig.Route> routes = new LinkedHashMap<>(delivery.routes());
    for (String domain : hostedDomains) {
      routes.putIfAbsent(
          domain, new DeliveryConfig.Route.Maildir(dataDirectory.resolve(Defaults.MAIL_SUBDIRECTORY).resolve(domain)));
    }
    return Collections.unmodifiableMap(routes);
  }

  /**
   * The domains whose mail {@link #deliveryRoutes()} puts in a Maildir here (lower case): a RCPT to
   * one of them must have a local part a Maildir can hold.
   */
  public Set<String> maildirDomains() {
    return deliveryRoutes().entrySet().stream()
        .filter(route -> route.getValue() instanceof DeliveryConfig.Route.Maildir)
        .map(route -> route.getKey().toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
  }

  /**
   * The directory of the returns domain when {@code returns} is enabled, {@code
   * <data-directory>/mail/<returns domain>}: what comes to it and cannot be read is kept in the
   * Maildir {@code unparsed/} under it.
   */
  public Optional<Path> returnsDirectory() {
    return returns.activeDomain().map(domain -> dataDirectory.resolve(Defaults.MAIL_SUBDIRECTORY).resolve(domain));
  }

  /** Where the TLS code keeps a generated self-signed certificate when none is configured. */
  public Path selfSignedTlsDirectory() {
    return dataDirectory.resolve(Defaults.SELF_SIGNED_TLS_SUBDIRECTORY);
  }

  /**
   * The embedded defaults ({@link ConfigLoader#defaults()}: what an empty file reads as), to change
   * some by name. The hosted domains stay the default hostname's when the hostname is changed.
   */
  public static Builder builder() {
    return Defaults.config().toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The sections by name: a new section is a new method here, not one more positional argument
   * everywhere. {@link #build()} checks the rules that span sections.
   */
  public static final class Builder {
    private String hostname;
    private Path dataDirectory;
    private List<ListenerConfig> listeners;
    private TlsConfig tls;
    private Limits limits;
    private List<String> hostedDomains;
    private AuthConfig auth;
    private AbuseConfig abuse;
    private RateConfig rates;
    private HttpConfig http;
    private DeliveryConfig delivery;
    private MailAuthConfig mailAuth;
    private HistoryConfig history;
    private ApiConfig api;
    private ReturnsConfig returns;
    private RecipientsConfig recipients;
    private StoreConfig store;
    private MtaStsConfig mtaSts;
    private SendmailConfig sendmail;
    private ContentChecksConfig contentChecks;

    private Builder(HikyakuConfig from) {
      hostname = from.hostname;
      dataDirectory = from.dataDirectory;
      listeners = from.listeners;
      tls = from.tls;
      limits = from.limits;
      hostedDomains = from.hostedDomains;
      auth = from.auth;
      abuse = from.abuse;
      rates = from.rates;
      http = from.http;
      delivery = from.delivery;
      mailAuth = from.mailAuth;
      history = from.history;
      api = from.api;
      returns = from.returns;
      recipients = from.recipients;
      store = from.store;
      mtaSts = from.mtaSts;
      sendmail = from.sendmail;
      contentChecks = from.contentChecks;
    }

    public Builder contentChecks(ContentChecksConfig value) {
      contentChecks = value;
      return this;
    }

    public Builder sendmail(SendmailConfig value) {
      sendmail = value;
      return this;
    }

    public Builder mtaSts(MtaStsConfig value) {
      mtaSts = value;
      return this;
    }

    public Builder hostname(String value) {
      hostname = value;
      return this;
    }

    public Builder dataDirectory(Path value) {
      dataDirectory = value;
      return this;
    }

    public Builder listeners(List<ListenerConfig> value) {
      listeners = value;
      return this;
    }

    public Builder tls(TlsConfig value) {
      tls = value;
      return this;
    }

    public Builder limits(Limits value) {
      limits = value;
      return this;
    }

    public Builder hostedDomains(List<String> value) {
      hostedDomains = value;
      return this;
    }

    public Builder auth(AuthConfig value) {
      auth = value;
      return this;
    }

    public Builder abuse(AbuseConfig value) {
      abuse = value;
      return this;
    }

    public Builder rates(RateConfig value) {
      rates = value;
      return this;
    }

    public Builder http(HttpConfig value) {
      http = value;
      return this;
    }

    public Builder delivery(DeliveryConfig value) {
      delivery = value;
      return this;
    }

    public Builder mailAuth(MailAuthConfig value) {
      mailAuth = value;
      return this;
    }

    public Builder history(HistoryConfig value) {
      history = value;
      return this;
    }

    public Builder api(ApiConfig value) {
      api = value;
      return this;
    }

    public Builder returns(ReturnsConfig value) {
      returns = value;
      return this;
    }

    public Builder store(StoreConfig value) {
      store = value;
      return this;
    }

    public Builder recipients(RecipientsConfig value) {
      recipients = value;
      return this;
    }

    public HikyakuConfig build() {
      return new HikyakuConfig(hostname, dataDirectory, listeners, tls, limits, hostedDomains, auth, abuse, rates,
          http, delivery, mailAuth, history, api, returns, recipients, store, mtaSts, sendmail, contentChecks);
    }
  }
}

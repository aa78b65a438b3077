package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * Writes a config as YAML in the file's own syntax ({@code 35MiB}, {@code 5m}), every key spelled
 * out. {@link ConfigLoader#parse} reads the result back to an equal config.
 */
final class ConfigWriter {

  private ConfigWriter() {}

  private static final YAMLMapper MAPPER =
      YAMLMapper.builder()
          .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
          .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
          .build();

  static String toYaml(HikyakuConfig config) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put(Keys.HOSTNAME, config.hostname());
    root.put(Keys.DATA_DIRECTORY, config.dataDirectory().toString());
    ArrayNode domains = root.putArray(Keys.HOSTED_DOMAINS);
    config.hostedDomains().forEach(domains::add);

    ArrayNode listeners = root.putArray(Keys.LISTENERS);
    for (ListenerConfig listener : config.listeners()) {
      ObjectNode item = listeners.addObject();
      item.put(Keys.NAME, listener.name());
      item.put(Keys.ROLE, listener.role().configName());
      item.put(Keys.ADDRESS, HostSyntax.text(listener.address()));
      item.put(Keys.PORT, listener.port());
      item.put(Keys.GREETING_DELAY, DurationSyntax.format(listener.greetingDelay()));
    }

    ObjectNode tls = root.putObject(Keys.TLS);
    config.tls().certificate().ifPresent(p -> tls.put(Keys.CERTIFICATE, p.toString()));
    config.tls().privateKey().ifPresent(p -> tls.put(Keys.PRIVATE_KEY, p.toString()));
    tls.put(Keys.RELOAD_CHECK_INTERVAL, DurationSyntax.format(config.tls().reloadCheckInterval()));
    tls.put(Keys.ENGINE, config.tls().engine().configName());

    Limits l = config.limits();
    ObjectNode limits = root.putObject(Keys.LIMITS);
    limits.put(Keys.MAX_MESSAGE_SIZE, SizeSyntax.format(l.maxMessageSize()));
    limits.put(Keys.MAX_RECIPIENTS, l.maxRecipients());
    limits.put(Keys.MAX_CONNECTIONS, l.maxConnections());
    limits.put(Keys.MAX_CONNECTIONS_PER_CLIENT, l.maxConnectionsPerClient());
    limits.put(Keys.MAX_ERRORS, l.maxErrors());
    limits.put(Keys.COMMAND_TIMEOUT, DurationSyntax.format(l.commandTimeout()));
    limits.put(Keys.DATA_TIMEOUT, DurationSyntax.format(l.dataTimeout()));
    limits.put(Keys.DATA_DEADLINE, DurationSyntax.format(l.dataDeadline()));
    limits.put(Keys.MIN_DATA_RATE, l.minDataRate());
    limits.put(Keys.TLS_HANDSHAKE_TIMEOUT, DurationSyntax.format(l.tlsHandshakeTimeout()));
    limits.put(Keys.SHUTDOWN_GRACE, DurationSyntax.format(l.shutdownGrace()));

    AbuseConfig b = config.abuse();
    ObjectNode abuse = root.putObject(Keys.ABUSE);
    abuse.put(Keys.TARPIT, DurationSyntax.format(b.tarpit()));
    abuse.put(Keys.TARPIT_MAX, DurationSyntax.format(b.tarpitMax()));
    abuse.put(Keys.ACCOUNT_SOURCE_FAILURES, b.accountSourceFailures());
    abuse.put(Keys.ACCOUNT_FAILURES_PER_HOUR, b.accountFailuresPerHour());
    abuse.put(Keys.SOURCE_ACCOUNTS, b.sourceAccounts());
    abuse.put(Keys.SOURCE_FAILURES_PER_HOUR, b.sourceFailuresPerHour());
    abuse.put(Keys.BLOCK_DURATION, DurationSyntax.format(b.blockDuration()));
    abuse.put(Keys.AUTH_PER_MINUTE, b.authPerMinute());
    abuse.put(Keys.STUFFING_FACTOR, b.stuffingFactor());
    abuse.put(Keys.STUFFING_MINIMUM, b.stuffingMinimum());
    abuse.put(Keys.STUFFING_DELAY, DurationSyntax.format(b.stuffingDelay()));
    abuse.put(Keys.ACCOUNT_TARPIT_MAX, DurationSyntax.format(b.accountTarpitMax()));
    abuse.put(Keys.ACCOUNT_TARPIT_WINDOW, DurationSyntax.format(b.accountTarpitWindow()));
    abuse.put(Keys.ACCOUNT_ATTACK_FAILURES, b.accountAttackFailures());

    RateConfig r = config.rates();
    ObjectNode rates = root.putObject(Keys.RATES);
    rates.put(Keys.CONNECTIONS_PER_MINUTE, r.connectionsPerMinute());
    rates.put(Keys.MESSAGES_PER_MINUTE, r.messagesPerMinute());
    rates.put(Keys.RECIPIENTS_PER_MINUTE, r.recipientsPerMinute());
    rates.put(Keys.ACCOUNT_MESSAGES_PER_MINUTE, r.accountMessagesPerMinute());
    rates.put(Keys.ACCOUNT_RECIPIENTS_PER_MINUTE, r.accountRecipientsPerMinute());
    rates.put(Keys.ACCOUNT_MESSAGES_PER_HOUR, r.accountMessagesPerHour());
    rates.put(Keys.ACCOUNT_MESSAGES_PER_DAY, r.accountMessagesPerDay());
    rates.put(Keys.SUSPEND_VOLUME_FACTOR, r.suspendVolumeFactor());
    rates.put(Keys.SUSPEND_VOLUME_MINIMUM, r.suspendVolumeMinimum());
    rates.put(Keys.SUSPEND_NEW_DOMAINS, r.suspendNewDomains());

    DeliveryConfig dl = config.delivery();
    ObjectNode delivery = root.putObject(Keys.DELIVERY);
    delivery.put(Keys.ENABLED, dl.isEnabled());
    ArrayNode dnsServers = delivery.putArray(Keys.DNS_SERVERS);
    dl.dnsServers().forEach(a -> dnsServers.add(
        (a.getAddress() instanceof java.net.Inet6Address ? "[" + a.getAddress().getHostAddress() + "]" : a.getAddress().getHostAddress())
            + ":" + a.getPort()));
    delivery.put(Keys.DNS_TIMEOUT, DurationSyntax.format(dl.dnsTimeout()));
    delivery.put(Keys.MX_PORT, dl.mxPort());
    delivery.put("tls", dl.tls());
    delivery.put(Keys.MAX_PER_DOMAIN, dl.maxPerDomain());
    delivery.put(Keys.RETRY_FIRST, DurationSyntax.format(dl.retryFirst()));
    delivery.put(Keys.RETRY_CAP, DurationSyntax.format(dl.retryCap()));
    delivery.put(Keys.MAX_PER_HOST, dl.maxPerHost());
    delivery.put(Keys.MAX_LIFETIME, DurationSyntax.format(dl.maxLifetime()));
    delivery.put(Keys.DELAY_WARNING, dl.delayWarning().map(DurationSyntax::format).orElse("off"));
    ArrayNode suppressStatuses = delivery.putArray(Keys.SUPPRESS_STATUSES);
    dl.suppressStatuses().forEach(suppressStatuses::add);
    dl.smarthost().ifPresent(sh -> {
      ObjectNode relay = delivery.putObject(Keys.SMARTHOST);
      relay.put(Keys.HOST, sh.host());
      relay.put(Keys.PORT, sh.port());
      relay.put("tls", sh.tls());
      sh.user().ifPresent(u -> relay.put(Keys.USER, u));
      sh.passwordFile().ifPresent(f -> relay.put(Keys.PASSWORD_FILE, f.toString()));
    });
    ObjectNode routes = delivery.putObject(Keys.ROUTES);
    dl.routes().forEach((domain, route) -> {
      ObjectNode entry = routes.putObject(domain);
      switch (route) {
        case DeliveryConfig.Route.Smtp smtp -> {
          entry.put(Keys.SMTP, hostPort(smtp.host(), smtp.port()));
          entry.put("tls", smtp.tls());
          smtp.user().ifPresent(u -> entry.put(Keys.USER, u));
          smtp.passwordFile().ifPresent(f -> entry.put(Keys.PASSWORD_FILE, f.toString()));
        }
        case DeliveryConfig.Route.Lmtp lmtp -> entry.put(Keys.LMTP, hostPort(lmtp.host(), lmtp.port()));
        case DeliveryConfig.Route.Maildir maildir -> entry.put(Keys.MAILDIR, maildir.directory().toString());
      }
    });
    ObjectNode destinations = delivery.putObject(Keys.DESTINATIONS);
    dl.destinations().forEach((domain, destination) -> {
      ObjectNode entry = destinations.putObject(domain);
      destination.tls().ifPresent(t -> entry.put("tls", t));
      destination.concurrency().ifPresent(c -> entry.put(Keys.CONCURRENCY, c));
      destination.messagesPerMinute().ifPresent(m -> entry.put(Keys.DESTINATION_MESSAGES_PER_MINUTE, m));
    });

    MailAuthConfig ma = config.mailAuth();
    ObjectNode mailAuth = root.putObject(Keys.MAIL_AUTH);
    mailAuth.put(Keys.VERIFY, ma.isVerifying());
    mailAuth.put(Keys.DMARC_REJECT, ma.dmarcReject());
    mailAuth.put(Keys.DMARC_QUARANTINE, ma.dmarcQuarantine());
    mailAuth.put(Keys.MAIL_AUTH_TIMEOUT, DurationSyntax.format(ma.timeout()));

    root.putObject(Keys.HISTORY).put(Keys.RETENTION, DurationSyntax.format(config.history().retention()));
    ObjectNode returns = root.putObject(Keys.RETURNS);
    returns.put(Keys.ENABLED, config.returns().isEnabled());
    config.returns().domain().ifPresent(domain -> returns.put(Keys.DOMAIN, domain));
    config.returns().feedbackAddress().ifPresent(address -> returns.put(Keys.FEEDBACK_ADDRESS, address));

    RecipientsConfig rc = config.recipients();
    ObjectNode recipients = root.putObject(Keys.RECIPIENTS);
    recipients.put(Keys.VERIFY_TIMEOUT, DurationSyntax.format(rc.verifyTimeout()));
    recipients.put(Keys.VERIFY_POSITIVE_TTL, DurationSyntax.format(rc.verifyPositiveTtl()));
    recipients.put(Keys.VERIFY_NEGATIVE_TTL, DurationSyntax.format(rc.verifyNegativeTtl()));
    recipients.put(Keys.HARVEST_THRESHOLD, rc.harvestThreshold());
    ObjectNode recipientDomains = recipients.putObject(Keys.DOMAINS);
    rc.domains().forEach((domain, entry) -> {
      ObjectNode item = recipientDomains.putObject(domain);
      if (entry.isCatchAll()) {
        item.put(Keys.CATCH_ALL, true);
      } else {
        ArrayNode localParts = item.putArray(Keys.LOCAL_PARTS);
        entry.localParts().forEach(localParts::add);
      }
    });

    AuthConfig a = config.auth();
    ObjectNode auth = root.putObject(Keys.AUTH);
    ObjectNode mechanisms = auth.putObject(Keys.MECHANISMS);
    for (ListenerRole role : ListenerRole.values()) {
      ArrayNode names = mechanisms.putArray(role.configName());
      a.mechanismsFor(role).forEach(names::add);
    }
    auth.put(Keys.CRAM_MD5, a.isCramMd5Enabled());
    ObjectNode argon2 = auth.putObject(Keys.ARGON2);
    argon2.put(Keys.MEMORY, SizeSyntax.format(a.argon2().memoryKiB() * 1024L));
    argon2.put(Keys.ITERATIONS, a.argon2().iterations());
    argon2.put(Keys.PARALLELISM, a.argon2().parallelism());
    auth.put(Keys.SCRAM_ITERATIONS, a.scramIterations());
    auth.put(Keys.PASSWORD_POLICY, a.passwordPolicy());
    auth.put(Keys.CACHE_TTL, DurationSyntax.format(a.cacheTtl()));
    auth.put(Keys.NULL_SENDER, a.isNullSenderAllowed());
    a.oauth()
        .ifPresent(
            o -> {
              ObjectNode oauth = auth.putObject(Keys.OAUTH);
              oauth.put(Keys.ISSUER, o.issuer());
              o.jwksUri().ifPresent(uri -> oauth.put(Keys.JWKS_URI, uri.toString()));
              o.jwksFile().ifPresent(file -> oauth.put(Keys.JWKS_FILE, file.toString()));
              ArrayNode audiences = oauth.putArray(Keys.AUDIENCE);
              o.audiences().forEach(audiences::add);
              oauth.put(Keys.ACCOUNT_CLAIM, o.accountClaim());
              oauth.put(Keys.CLOCK_SKEW, DurationSyntax.format(o.clockSkew()));
            });

    HttpConfig h = config.http();
    ObjectNode http = root.putObject(Keys.HTTP);
    http.put(Keys.ENABLED, h.isEnabled());
    http.put(Keys.ADDRESS, HostSyntax.text(h.address()));
    http.put(Keys.PORT, h.port());

    ApiConfig ap = config.api();
    ObjectNode api = root.putObject(Keys.API);
    api.put(Keys.ENABLED, ap.isEnabled());
    api.put(Keys.ADDRESS, HostSyntax.text(ap.address()));
    api.put(Keys.PORT, ap.port());
    api.put(Keys.TLS, ap.isTls());
    api.put(Keys.WEBHOOK_PRIVATE_TARGETS, ap.isWebhookPrivateTargetAllowed());
    api.put(Keys.WEBHOOK_CONCURRENCY, ap.webhookConcurrency());
    return MAPPER.writeValueAsString(root);
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}

package dev.hikyaku.config;

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

    Limits l = config.limits();
    ObjectNode limits = root.putObject(Keys.LIMITS);
    limits.put(Keys.MAX_MESSAGE_SIZE, SizeSyntax.format(l.maxMessageSize()));
    limits.put(Keys.MAX_RECIPIENTS, l.maxRecipients());
    limits.put(Keys.MAX_CONNECTIONS, l.maxConnections());
    limits.put(Keys.MAX_CONNECTIONS_PER_CLIENT, l.maxConnectionsPerClient());
    limits.put(Keys.MAX_ERRORS, l.maxErrors());
    limits.put(Keys.COMMAND_TIMEOUT, DurationSyntax.format(l.commandTimeout()));
    limits.put(Keys.DATA_TIMEOUT, DurationSyntax.format(l.dataTimeout()));
    limits.put(Keys.TLS_HANDSHAKE_TIMEOUT, DurationSyntax.format(l.tlsHandshakeTimeout()));
    limits.put(Keys.SHUTDOWN_GRACE, DurationSyntax.format(l.shutdownGrace()));
    return MAPPER.writeValueAsString(root);
  }
}

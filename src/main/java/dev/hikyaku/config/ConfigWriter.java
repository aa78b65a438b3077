package dev.hikyaku.config;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * Writes a config as YAML in the file's own syntax ({@code 35MiB}, {@code 5m}), every key spelled
 * out: the top-level keys here, each section by the {@code write} of its record, next to its
 * reader. {@link ConfigLoader#parse} reads the result back to an equal config.
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
    ListenerConfig.writeAll(config.listeners(), root.putArray(ListenerConfig.SECTION));
    config.tls().write(root.putObject(TlsConfig.SECTION));
    config.limits().write(root.putObject(Limits.SECTION));
    config.abuse().write(root.putObject(AbuseConfig.SECTION));
    config.rates().write(root.putObject(RateConfig.SECTION));
    config.delivery().write(root.putObject(DeliveryConfig.SECTION));
    config.mailAuth().write(root.putObject(MailAuthConfig.SECTION));
    config.history().write(root.putObject(HistoryConfig.SECTION));
    config.mtaSts().write(root.putObject(MtaStsConfig.SECTION));
    config.sendmail().write(root.putObject(SendmailConfig.SECTION));
    config.contentChecks().write(root.putObject(ContentChecksConfig.SECTION));
    config.returns().write(root.putObject(ReturnsConfig.SECTION));
    config.recipients().write(root.putObject(RecipientsConfig.SECTION));
    config.store().write(root.putObject(StoreConfig.SECTION));
    config.auth().write(root.putObject(AuthConfig.SECTION));
    config.http().write(root.putObject(HttpConfig.SECTION));
    config.api().write(root.putObject(ApiConfig.SECTION));
    return MAPPER.writeValueAsString(root);
  }
}

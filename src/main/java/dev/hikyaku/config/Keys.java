package dev.hikyaku.config;

import java.util.List;

/**
 * The key names of the config file, per level. Reader, writer and the documentation test all use
 * these lists, so a key cannot be added to one and forgotten in the others.
 */
final class Keys {

  private Keys() {}

  static final String HOSTNAME = "hostname";
  static final String DATA_DIRECTORY = "data-directory";
  static final String HOSTED_DOMAINS = "hosted-domains";
  static final String LISTENERS = "listeners";
  static final String TLS = "tls";
  static final String LIMITS = "limits";
  static final List<String> TOP_LEVEL =
      List.of(HOSTNAME, DATA_DIRECTORY, HOSTED_DOMAINS, LISTENERS, TLS, LIMITS);

  static final String NAME = "name";
  static final String ROLE = "role";
  static final String ADDRESS = "address";
  static final String PORT = "port";
  static final String GREETING_DELAY = "greeting-delay";
  static final List<String> LISTENER = List.of(NAME, ROLE, ADDRESS, PORT, GREETING_DELAY);

  static final String CERTIFICATE = "certificate";
  static final String PRIVATE_KEY = "private-key";
  static final String RELOAD_CHECK_INTERVAL = "reload-check-interval";
  static final List<String> TLS_SECTION = List.of(CERTIFICATE, PRIVATE_KEY, RELOAD_CHECK_INTERVAL);

  static final String MAX_MESSAGE_SIZE = "max-message-size";
  static final String MAX_RECIPIENTS = "max-recipients";
  static final String MAX_CONNECTIONS = "max-connections";
  static final String MAX_CONNECTIONS_PER_CLIENT = "max-connections-per-client";
  static final String MAX_ERRORS = "max-errors";
  static final String COMMAND_TIMEOUT = "command-timeout";
  static final String DATA_TIMEOUT = "data-timeout";
  static final String TLS_HANDSHAKE_TIMEOUT = "tls-handshake-timeout";
  static final String SHUTDOWN_GRACE = "shutdown-grace";
  static final List<String> LIMITS_SECTION =
      List.of(
          MAX_MESSAGE_SIZE,
          MAX_RECIPIENTS,
          MAX_CONNECTIONS,
          MAX_CONNECTIONS_PER_CLIENT,
          MAX_ERRORS,
          COMMAND_TIMEOUT,
          DATA_TIMEOUT,
          TLS_HANDSHAKE_TIMEOUT,
          SHUTDOWN_GRACE);

  /** Every key path a complete file can hold, for the documentation test. */
  static List<String> allPaths() {
    var paths = new java.util.ArrayList<String>(TOP_LEVEL);
    LISTENER.forEach(k -> paths.add(LISTENERS + "[]." + k));
    TLS_SECTION.forEach(k -> paths.add(TLS + "." + k));
    LIMITS_SECTION.forEach(k -> paths.add(LIMITS + "." + k));
    return List.copyOf(paths);
  }
}

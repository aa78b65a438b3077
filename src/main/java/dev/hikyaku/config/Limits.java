package dev.hikyaku.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

/**
 * Resource limits of the SMTP service. The rules each value obeys (and the RFC behind them) are
 * checked where the file is read; see {@code docs/configuration.md}.
 *
 * @param maxMessageSize octets; advertised as the SIZE extension (RFC 1870)
 * @param maxRecipients RCPT commands per transaction; RFC 5321 §4.5.3.1.8 requires at least 100
 * @param maxConnections simultaneous connections over all listeners
 * @param maxConnectionsPerClient simultaneous connections from one client IP address
 * @param maxErrors failed commands in one session before the server closes it
 * @param commandTimeout wait for the next command, its whole line however slowly it comes; RFC
 *     5321 §4.5.3.2.7 recommends at least 5 minutes
 * @param dataTimeout wait for the next block of message data; 3 minutes is the client's own
 *     data-block timeout in RFC 5321 §4.5.3.2.5
 * @param dataDeadline the most one message's data (DATA, or all its BDAT chunks) may take, however
 *     steadily it arrives: a cap per message, as a total, not per read
 * @param minDataRate octets per second a client must keep up on average during message data
 *     (Postfix's smtpd_min_data_rate): the time allowed so far is {@code dataTimeout} plus one
 *     second per this many octets received, never more than {@code dataDeadline}; 0 turns it off
 * @param tlsHandshakeTimeout for STARTTLS and implicit TLS handshakes
 * @param shutdownGrace how long open sessions may finish after shutdown begins
 */
public record Limits(
    long maxMessageSize,
    int maxRecipients,
    int maxConnections,
    int maxConnectionsPerClient,
    int maxErrors,
    Duration commandTimeout,
    Duration dataTimeout,
    Duration dataDeadline,
    long minDataRate,
    Duration tlsHandshakeTimeout,
    Duration shutdownGrace) {

  public Limits {
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    Objects.requireNonNull(dataTimeout, "dataTimeout");
    Objects.requireNonNull(dataDeadline, "dataDeadline");
    Objects.requireNonNull(tlsHandshakeTimeout, "tlsHandshakeTimeout");
    Objects.requireNonNull(shutdownGrace, "shutdownGrace");
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The limits by name: a test changes the one it is about. */
  public static final class Builder {
    private long maxMessageSize;
    private int maxRecipients;
    private int maxConnections;
    private int maxConnectionsPerClient;
    private int maxErrors;
    private Duration commandTimeout;
    private Duration dataTimeout;
    private Duration dataDeadline;
    private long minDataRate;
    private Duration tlsHandshakeTimeout;
    private Duration shutdownGrace;

    private Builder(Limits from) {
      maxMessageSize = from.maxMessageSize;
      maxRecipients = from.maxRecipients;
      maxConnections = from.maxConnections;
      maxConnectionsPerClient = from.maxConnectionsPerClient;
      maxErrors = from.maxErrors;
      commandTimeout = from.commandTimeout;
      dataTimeout = from.dataTimeout;
      dataDeadline = from.dataDeadline;
      minDataRate = from.minDataRate;
      tlsHandshakeTimeout = from.tlsHandshakeTimeout;
      shutdownGrace = from.shutdownGrace;
    }

    public Builder maxMessageSize(long value) {
      maxMessageSize = value;
      return this;
    }

    public Builder maxRecipients(int value) {
      maxRecipients = value;
      return this;
    }

    public Builder maxConnections(int value) {
      maxConnections = value;
      return this;
    }

    public Builder maxConnectionsPerClient(int value) {
      maxConnectionsPerClient = value;
      return this;
    }

    public Builder maxErrors(int value) {
      maxErrors = value;
      return this;
    }

    public Builder commandTimeout(Duration value) {
      commandTimeout = value;
      return this;
    }

    public Builder dataTimeout(Duration value) {
      dataTimeout = value;
      return this;
    }

    public Builder dataDeadline(Duration value) {
      dataDeadline = value;
      return this;
    }

    public Builder minDataRate(long value) {
      minDataRate = value;
      return this;
    }

    public Builder tlsHandshakeTimeout(Duration value) {
      tlsHandshakeTimeout = value;
      return this;
    }

    public Builder shutdownGrace(Duration value) {
      shutdownGrace = value;
      return this;
    }

    public Limits build() {
      return new Limits(maxMessageSize, maxRecipients, maxConnections, maxConnectionsPerClient, maxErrors, commandTimeout, dataTimeout, dataDeadline, minDataRate, tlsHandshakeTimeout, shutdownGrace);
    }
  }

  static final String SECTION = "limits";

  private static final String MAX_MESSAGE_SIZE = "max-message-size";
  private static final String MAX_RECIPIENTS = "max-recipients";
  private static final String MAX_CONNECTIONS = "max-connections";
  private static final String MAX_CONNECTIONS_PER_CLIENT = "max-connections-per-client";
  private static final String MAX_ERRORS = "max-errors";
  private static final String COMMAND_TIMEOUT = "command-timeout";
  private static final String DATA_TIMEOUT = "data-timeout";
  private static final String DATA_DEADLINE = "data-deadline";
  private static final String MIN_DATA_RATE = "min-data-rate";
  private static final String TLS_HANDSHAKE_TIMEOUT = "tls-handshake-timeout";
  private static final String SHUTDOWN_GRACE = "shutdown-grace";

  static final List<String> KEYS = List.of(MAX_MESSAGE_SIZE, MAX_RECIPIENTS, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT,
      MAX_ERRORS, COMMAND_TIMEOUT, DATA_TIMEOUT, DATA_DEADLINE, MIN_DATA_RATE, TLS_HANDSHAKE_TIMEOUT, SHUTDOWN_GRACE);

  // RFC 5321 §4.5.3.1.7: a server must accept message content of at least 64K octets.
  static final long MIN_MESSAGE_SIZE = 64 * 1024;
  // RFC 5321 §4.5.3.1.8: a server must accept at least 100 recipients per transaction.
  static final int MIN_RECIPIENTS = 100;

  static final Limits DEFAULTS =
      new Limits(
          35L * 1024 * 1024, // 35 MiB
          100, // RFC 5321 §4.5.3.1.8: the minimum a server must accept
          10_000,
          50,
          10,
          Duration.ofMinutes(5), // RFC 5321 §4.5.3.2.7: server timeout, at least 5 minutes
          Duration.ofMinutes(3), // RFC 5321 §4.5.3.2.5: data block
          Duration.ofMinutes(30), // data deadline: 35 MiB at 20 KB/s still arrives
          500, // octets per second on average, Postfix's smtpd_min_data_rate
          Duration.ofSeconds(30),
          Duration.ofSeconds(30));

  /** The {@code limits} section. */
  static Limits read(Section limits) throws ConfigException {
    Limits d = DEFAULTS;
    long maxMessageSize = d.maxMessageSize();
    if (limits.has(MAX_MESSAGE_SIZE)) {
      maxMessageSize = limits.size(limits.node(MAX_MESSAGE_SIZE), limits.path(MAX_MESSAGE_SIZE));
      if (maxMessageSize < MIN_MESSAGE_SIZE) {
        throw limits.error(MAX_MESSAGE_SIZE, "must be at least 64KiB (RFC 5321 §4.5.3.1.7), was " + maxMessageSize + " bytes");
      }
    }
    int maxRecipients =
        limits.integer(MAX_RECIPIENTS, d.maxRecipients(), MIN_RECIPIENTS, Integer.MAX_VALUE, " (RFC 5321 §4.5.3.1.8)");
    int maxConnections = limits.positive(MAX_CONNECTIONS, d.maxConnections());
    int maxConnectionsPerClient = limits.positive(MAX_CONNECTIONS_PER_CLIENT, d.maxConnectionsPerClient());
    int maxErrors = limits.positive(MAX_ERRORS, d.maxErrors());
    Duration commandTimeout = limits.timeout(COMMAND_TIMEOUT, d.commandTimeout(), Section.MIN_TIMEOUT);
    Duration dataTimeout = limits.timeout(DATA_TIMEOUT, d.dataTimeout(), Section.MIN_TIMEOUT);
    // Unset, the deadline is never shorter than the per-read timeout a config chose.
    Duration dataDeadline = limits.timeout(DATA_DEADLINE, max(d.dataDeadline(), dataTimeout), Section.MIN_TIMEOUT);
    if (dataDeadline.compareTo(dataTimeout) < 0) {
      YamlNode node = limits.get(DATA_DEADLINE).or(() -> limits.get(DATA_TIMEOUT)).orElseThrow();
      throw limits.error(limits.path(DATA_DEADLINE), node,
          "must be at least data-timeout (" + DurationSyntax.format(dataTimeout) + "), was " + DurationSyntax.format(dataDeadline));
    }
    return new Limits(
        maxMessageSize,
        maxRecipients,
        maxConnections,
        maxConnectionsPerClient,
        maxErrors,
        commandTimeout,
        dataTimeout,
        dataDeadline,
        limits.integer(MIN_DATA_RATE, (int) d.minDataRate(), 0, 1_000_000_000, " octets per second"),
        limits.timeout(TLS_HANDSHAKE_TIMEOUT, d.tlsHandshakeTimeout(), Section.MIN_TIMEOUT),
        // 0s: close open sessions at once on shutdown.
        limits.timeout(SHUTDOWN_GRACE, d.shutdownGrace(), Duration.ZERO));
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  void write(ObjectNode limits) {
    limits.put(MAX_MESSAGE_SIZE, SizeSyntax.format(maxMessageSize));
    limits.put(MAX_RECIPIENTS, maxRecipients);
    limits.put(MAX_CONNECTIONS, maxConnections);
    limits.put(MAX_CONNECTIONS_PER_CLIENT, maxConnectionsPerClient);
    limits.put(MAX_ERRORS, maxErrors);
    limits.put(COMMAND_TIMEOUT, DurationSyntax.format(commandTimeout));
    limits.put(DATA_TIMEOUT, DurationSyntax.format(dataTimeout));
    limits.put(DATA_DEADLINE, DurationSyntax.format(dataDeadline));
    limits.put(MIN_DATA_RATE, minDataRate);
    limits.put(TLS_HANDSHAKE_TIMEOUT, DurationSyntax.format(tlsHandshakeTimeout));
    limits.put(SHUTDOWN_GRACE, DurationSyntax.format(shutdownGrace));
  }
}

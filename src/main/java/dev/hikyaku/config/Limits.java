package dev.hikyaku.config;

import java.time.Duration;
import java.util.Objects;

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
}

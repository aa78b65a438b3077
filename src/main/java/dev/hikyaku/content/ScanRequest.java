package dev.hikyaku.content;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a filter is told with a message: the envelope (RFC 5321 MAIL FROM and RCPT TO), the client's
 * address and HELO name, who authenticated (RFC 4954), the TLS it came over and our queue id, as a
 * filter weighs them (rspamd's request headers).
 *
 * @param sender the reverse path; empty for the null sender {@code <>}
 * @param principal the authenticated account, when the client authenticated
 * @param tls the negotiated protocol, when the message came over TLS
 */
public record ScanRequest(String queueId, String sender, List<String> recipients, InetAddress client, String helo,
    Optional<String> principal, Optional<String> tls, byte[] message) {

  public ScanRequest {
    Objects.requireNonNull(queueId, "queueId");
    Objects.requireNonNull(sender, "sender");
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(helo, "helo");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(message, "message");
  }
}

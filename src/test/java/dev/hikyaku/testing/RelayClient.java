package dev.hikyaku.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.apache.commons.net.smtp.SMTPClient;

/** One message sent the way a peer MTA sends it (Commons Net, plain SMTP), for tests that care about the end. */
public final class RelayClient {

  private static final String QUEUED = "250 2.0.0 Ok: queued as ";

  private RelayClient() {}

  /**
   * Sends {@code message} from {@code from} to {@code to} on 127.0.0.1:{@code port}; MAIL and RCPT
   * must be accepted. Returns the reply to the end of the data, stripped.
   */
  public static String send(int port, String from, String to, String message) throws IOException {
    SMTPClient smtp = new SMTPClient();
    smtp.setDefaultTimeout(30_000);
    smtp.connect("127.0.0.1", port);
    try {
      smtp.login("client.example");
      assertThat(smtp.setSender(from)).as(smtp.getReplyString()).isTrue();
      assertThat(smtp.addRecipient(to)).as(smtp.getReplyString()).isTrue();
      smtp.sendShortMessageData(message);
      return smtp.getReplyString().strip();
    } finally {
      smtp.disconnect();
    }
  }

  /** The queue id a {@code 250 2.0.0 Ok: queued as ID} reply names; fails the test on any other reply. */
  public static String queueIdOf(String reply) {
    assertThat(reply).startsWith(QUEUED);
    return reply.substring(QUEUED.length());
  }

  /** The ids of every message in {@code store}'s queue, in order. */
  public static java.util.SortedSet<String> queuedIds(dev.hikyaku.store.Store store) throws dev.hikyaku.store.StoreException {
    java.util.SortedSet<String> ids = new java.util.TreeSet<>();
    store.queueAdmin().list(dev.hikyaku.store.QueueQuery.all()).forEach(entry -> ids.add(entry.id().toString()));
    return ids;
  }
}

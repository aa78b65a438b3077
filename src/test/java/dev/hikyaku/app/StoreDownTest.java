package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.apache.commons.net.smtp.SMTPClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the store cannot be reached, nothing is accepted and nothing is refused for good: AUTH gets
 * 454 4.7.0 (RFC 4954 §6) and DATA 451 4.3.0, so clients keep their mail and retry.
 */
class StoreDownTest {

  private static final String PASSWORD = "a pass phrase long enough for any policy 7";

  @TempDir Path data;

  @Test
  void authAndDataAreTemporaryFailures() throws Exception {
    try (Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of())) {
      TestServers.createAccount(server, "alice@hikyaku.test", PASSWORD);
      SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
      server.store().close(); // the database goes away under a running server

      AuthenticatingSMTPClient submission = new AuthenticatingSMTPClient(false, trust);
      submission.setDefaultTimeout(10_000);
      submission.connect("127.0.0.1", server.port(ListenerRole.SUBMISSION));
      try {
        submission.ehlo("client.example");
        assertThat(submission.execTLS()).isTrue();
        submission.ehlo("client.example");
        assertThat(submission.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, "alice@hikyaku.test", PASSWORD)).isFalse();
        assertThat(submission.getReplyString()).startsWith("454 4.7.0 Temporary authentication failure");
      } finally {
        submission.disconnect();
      }

      SMTPClient relay = new SMTPClient();
      relay.setDefaultTimeout(10_000);
      relay.connect("127.0.0.1", server.port(ListenerRole.RELAY));
      try {
        relay.login("client.example");
        assertThat(relay.setSender("someone@client.example")).isTrue();
        // The recipient cannot be looked up: a temporary refusal, not a blind 250 nor a 550.
        assertThat(relay.addRecipient("user@hikyaku.test")).isFalse();
        assertThat(relay.getReplyString()).startsWith("451 4.3.0 <user@hikyaku.test>: Temporary lookup failure");
        // postmaster needs no lookup (RFC 5321 §4.5.1); the message itself cannot be stored.
        assertThat(relay.addRecipient("postmaster@hikyaku.test")).isTrue();
        assertThat(relay.sendShortMessageData("Subject: x\r\n\r\nbody\r\n")).isFalse();
        assertThat(relay.getReplyString()).startsWith("451 4.3.0 ");
      } finally {
        relay.disconnect();
      }
    }
  }
}

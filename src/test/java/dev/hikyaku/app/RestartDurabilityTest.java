package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.store.QueueId;
import dev.hikyaku.store.QueuedMessage;
import dev.hikyaku.testing.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.net.smtp.SMTPClient;
import org.apache.commons.net.smtp.SMTPReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * RFC 5321 §4.1.1.4 and our promise: a 250 after DATA means the message is on disk. Messages sent with
 * Apache Commons Net survive a server restart and are visible to {@code hikyaku queue list|show}.
 */
class RestartDurabilityTest {

  private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as ([0-9A-Z]{16})");

  @TempDir Path data;

  @Test
  void acceptedMessagesSurviveARestartAndShowInTheQueueCommands() throws Exception {
    List<String> ids = new ArrayList<>();
    try (Server server = TestServers.start(data)) {
      TestServers.createMailboxes(server, "user1@hikyaku.test", "user2@hikyaku.test", "user3@hikyaku.test");
      for (int i = 1; i <= 3; i++) {
        ids.add(send(server.port(ListenerRole.RELAY), "user" + i + "@hikyaku.test", "Message " + i));
      }
    }

    try (Server restarted = TestServers.start(data)) {
      for (int i = 0; i < ids.size(); i++) {
        QueuedMessage m = restarted.store().queueAdmin().find(QueueId.parse(ids.get(i)).orElseThrow()).orElseThrow();
        String content = new String(m.content(), StandardCharsets.UTF_8);
        assertThat(m.reversePath()).isEqualTo("sender@client.example");
        assertThat(m.recipients()).singleElement().satisfies(r -> assertThat(r.state()).isEqualTo("pending"));
        assertThat(content)
            .startsWith("Received: from client.example ([127.0.0.1])\r\n\tby mx.hikyaku.test (Hikyaku) with SMTP id " + ids.get(i))
            .contains("\r\n\tfor <user" + (i + 1) + "@hikyaku.test>; ")
            .contains("Subject: Message " + (i + 1) + "\r\n")
            .endsWith("Body of message " + (i + 1) + "\r\n");
      }
    }

    Path config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
    String list = run("queue", "list", "--config", config.toString());
    assertThat(list).contains("3 message(s)");
    for (String id : ids) {
      assertThat(list).containsPattern(id + " .* queued +<sender@client\\.example>");
    }
    String show = run("queue", "show", ids.getFirst(), "--config", config.toString());
    assertThat(show)
        .contains("id:          " + ids.getFirst())
        .contains("sender:      <sender@client.example>")
        .contains("origin:      relay from 127.0.0.1 (helo client.example)")
        .contains("<user1@hikyaku.test>  pending, 0 attempt(s)")
        .contains("Subject: Message 1")
        .doesNotContain("Body of message 1");

    // The history has each message from the SMTP session on, with the header fields it came with.
    assertThat(run("history", "show", ids.getFirst(), "--config", config.toString()))
        .contains("origin:      relay from 127.0.0.1")
        .contains("subject:     Message 1")
        .contains("<user1@hikyaku.test>  pending, 0 attempt(s)");
    assertThat(run("history", "search", "--recipient", "USER2@hikyaku.test", "--config", config.toString()))
        .contains(ids.get(1)).contains("1 message(s)");

    assertThat(runFailing("queue", "show", "not-an-id", "--config", config.toString()))
        .contains("not a queue id: 'not-an-id'");
    assertThat(runFailing("queue", "show", "0000000000000000", "--config", config.toString()))
        .contains("no message 0000000000000000 in the queue");
  }

  private static String send(int port, String recipient, String subject) throws Exception {
    SMTPClient client = new SMTPClient();
    client.setDefaultTimeout(10_000);
    client.connect("127.0.0.1", port);
    try {
      assertThat(client.login("client.example")).isTrue();
      assertThat(client.setSender("sender@client.example")).isTrue();
      assertThat(client.addRecipient(recipient)).isTrue();
      String body = subject.replace("Message", "Body of message");
      assertThat(client.sendShortMessageData("Subject: " + subject + "\r\n\r\n" + body + "\r\n")).isTrue();
      assertThat(client.getReplyCode()).isEqualTo(SMTPReply.ACTION_OK);
      Matcher m = QUEUED.matcher(client.getReplyString());
      assertThat(m.find()).as(client.getReplyString()).isTrue();
      client.logout();
      return m.group(1);
    } finally {
      client.disconnect();
    }
  }

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).as("exit code; stderr: " + err).isZero();
    return out.toString();
  }

  private static String runFailing(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(new StringWriter()));
    cli.setErr(new PrintWriter(err));
    assertThat(cli.execute(args)).isEqualTo(2);
    return err.toString();
  }
}

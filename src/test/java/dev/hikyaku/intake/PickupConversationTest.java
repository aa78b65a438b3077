package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.Server;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.testing.TestServers;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local pickup socket, request by request, as {@code hikyaku sendmail} or a hostile local
 * program would write them: each gets its one SMTP reply, and only a well-formed request is queued.
 */
class PickupConversationTest {

  private static final String BOB = "bob@" + TestServers.HOSTED_DOMAIN;

  @TempDir Path directory;
  private Server server;
  private Path socket;

  @BeforeEach
  void start() throws Exception {
    server = Server.start(TestServers.config(directory.resolve("data")));
    socket = directory.resolve("data").resolve("sendmail.sock");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aWellFormedRequestIsQueuedAndAnsweredWithItsQueueId() throws Exception {
    String reply = send(new PickupRequest("cron@" + TestServers.HOSTED_DOMAIN, List.of(BOB),
        "From: cron@hikyaku.test\r\nSubject: ok\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
    assertThat(reply).matches("250 2\\.0\\.0 Ok: queued as [0-9A-Z]+\r\n");
    assertThat(server.store().history().search(HistoryQuery.all())).hasSize(1);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw-rw-");
  }

  @Test
  void whatSmtpDataWouldRefuseIsRefusedWithTheSameReplies() throws Exception {
    assertThat(send(request("Subject: x\nbare LF\r\n"))).isEqualTo("554 5.6.0 Message rejected: bare CR or LF in message data\r\n");
    assertThat(send(request("Subject: x\r\n\r\nNUL\0\r\n"))).isEqualTo("554 5.6.0 Message rejected: NUL octet in message data\r\n");
    assertThat(send(request("Subject: x\r\n\r\n" + "y".repeat(999) + "\r\n")))
        .isEqualTo("554 5.6.0 Message rejected: line longer than 1000 octets\r\n");
    assertThat(send(new PickupRequest("a@b.example", List.of("not an address"), "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII))))
        .startsWith("501 5.1.3 Bad recipient address syntax: ");
    assertThat(send(new PickupRequest("a@b.example", List.of(), "Subject: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo("501 5.5.2 Bad request: no recipients\r\n");
    assertThat(server.store().history().search(HistoryQuery.all())).isEmpty();
  }

  @Test
  void malformedAndOversizedRequestsAreRefusedBeforeTheyAreReadWhole() throws Exception {
    assertThat(raw("HELO there\r\n")).isEqualTo("501 5.5.2 Bad request: expected FROM:<address>, got 'HELO there'\r\n");
    assertThat(raw("FROM:<a@b.example>\r\nTO:<" + BOB + ">\r\nSIZE:ten\r\n\r\n"))
        .isEqualTo("501 5.5.2 Bad request: SIZE is not a number: 'SIZE:ten'\r\n");
    assertThat(raw("FROM:<a@b.example>\r\nTO:<" + BOB + ">\r\nSIZE:100\r\n\r\nshort"))
        .isEqualTo("501 5.5.2 Bad request: the message ended after 5 of 100 octets\r\n");
    assertThat(raw("FROM:<a@b.example>\r\nTO:<" + BOB + ">\r\nSIZE:" + (server.config().limits().maxMessageSize() + 1) + "\r\n\r\n"))
        .isEqualTo("552 5.3.4 Message size exceeds fixed maximum message size\r\n");
    StringBuilder many = new StringBuilder("FROM:<a@b.example>\r\n");
    for (int i = 0; i <= server.config().limits().maxRecipients(); i++) {
      many.append("TO:<r").append(i).append('@').append(TestServers.HOSTED_DOMAIN).append(">\r\n");
    }
    assertThat(raw(many.toString())).isEqualTo("552 5.5.3 Too many recipients (at most " + server.config().limits().maxRecipients() + ")\r\n");
    assertThat(raw("FROM:<" + "a".repeat(600) + ">\r\n")).isEqualTo("501 5.5.2 Bad request: a header line is longer than 512 octets\r\n");
    assertThat(server.store().history().search(HistoryQuery.all())).isEmpty();
  }

  private static PickupRequest request(String content) {
    return new PickupRequest("a@b.example", List.of(BOB), content.getBytes(StandardCharsets.ISO_8859_1));
  }

  private String send(PickupRequest request) throws IOException {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      request.writeTo(Channels.newOutputStream(channel));
      channel.shutdownOutput();
      return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private String raw(String request) throws IOException {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      channel.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      channel.shutdownOutput();
      return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}

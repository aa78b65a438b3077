package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.events.AuditLogSink;
import dev.hikyaku.events.Event;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.testing.TestServers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import org.apache.commons.net.smtp.AuthenticatingSMTPClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hikyaku audit tail}, run in process against audit logs written by the real sink and server. */
class AuditCommandTest {

  private static final Instant AT = Instant.parse("2025-06-01T10:15:30.123Z");
  private static final String PASSWORD = "a pass phrase long enough for any policy 7";

  @TempDir Path data;
  private Path config;

  record Result(int exitCode, String out, String err) {}

  @BeforeEach
  void writeConfig() throws Exception {
    config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
  }

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    String[] withConfig = new String[args.length + 2];
    System.arraycopy(args, 0, withConfig, 0, args.length);
    withConfig[args.length] = "--config";
    withConfig[args.length + 1] = config.toString();
    int code = cli.execute(withConfig);
    return new Result(code, out.toString(), err.toString());
  }

  private Path file() {
    return data.resolve(AuditLogSink.FILE_NAME);
  }

  private static Event numbered(int n) {
    return new Event.AccountSuspended(AT, "user-%04d@example.com".formatted(n), "test");
  }

  private static String line(int n) {
    return "{\"ts\":\"2025-06-01T10:15:30.123Z\",\"event\":\"account_suspended\",\"account\":\"user-%04d@example.com\",\"reason\":\"test\"}"
        .formatted(n);
  }

  private static String lines(int from, int to) {
    StringBuilder text = new StringBuilder();
    IntStream.rangeClosed(from, to).forEach(n -> text.append(line(n)).append('\n'));
    return text.toString();
  }

  private void write(int from, int to) throws Exception {
    try (AuditLogSink sink = AuditLogSink.open(file())) {
      IntStream.rangeClosed(from, to).forEach(n -> sink.accept(numbered(n)));
    }
  }

  @Test
  void saysSoWhenThereIsNoAuditLogYet() {
    Result result = run("audit", "tail");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).isEqualTo("hikyaku: no audit log at " + file() + " yet (the server creates it when it"
        + " starts; pass the --config the server uses)\n");
    assertThat(run("audit", "tail", "--follow").err()).contains("no audit log at ");
  }

  @Test
  void printsTheLastTwentyLinesByDefault() throws Exception {
    write(1, 30);

    Result result = run("audit", "tail");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo(lines(11, 30));
  }

  @Test
  void printsTheLastNLines() throws Exception {
    write(1, 30);

    assertThat(run("audit", "tail", "-n", "3").out()).isEqualTo(lines(28, 30));
    assertThat(run("audit", "tail", "-n", "100").out()).isEqualTo(lines(1, 30));
    assertThat(run("audit", "tail", "-n", "0").out()).isEmpty();
    assertThat(run("audit", "tail", "-n", "-1").err()).contains("-n must be 0 or more, was -1");
  }

  @Test
  void findsLinesAcrossChunksOfALargeLog() throws Exception {
    write(1, 3000); // about 330 KB: several 64 KiB chunks read from the end

    assertThat(run("audit", "tail", "-n", "1500").out()).isEqualTo(lines(1501, 3000));
  }

  @Test
  void aLineStillBeingWrittenIsNotPrinted() throws Exception {
    write(1, 3);
    Files.writeString(file(), "{\"ts\":\"2025-06-01T10:", StandardOpenOption.APPEND);

    assertThat(run("audit", "tail", "-n", "2").out()).isEqualTo(lines(2, 3));
  }

  @Test
  void rightAfterRotationTheRestComesFromThePreviousFile() throws Exception {
    int lineLength = line(0).length() + 1;
    try (AuditLogSink sink = AuditLogSink.open(file(), new AuditLogSink.Rotation(4L * lineLength, 3))) {
      IntStream.rangeClosed(1, 5).forEach(n -> sink.accept(numbered(n))); // .1 holds 1-4, audit.log 5
    }

    assertThat(run("audit", "tail", "-n", "3").out()).isEqualTo(lines(3, 5));
  }

  @Test
  void followPrintsNewLinesAcrossRotations() throws Exception {
    int lineLength = line(0).length() + 1;
    AuditLogSink sink = AuditLogSink.open(file(), new AuditLogSink.Rotation(3L * lineLength, 5));
    IntStream.rangeClosed(1, 2).forEach(n -> sink.accept(numbered(n)));
    StringWriter out = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));
    AtomicInteger exitCode = new AtomicInteger(-1);
    Thread tail =
        Thread.ofPlatform()
            .name("audit-tail-follow")
            .start(() -> exitCode.set(cli.execute("audit", "tail", "--follow", "-n", "1", "--config", config.toString())));
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().equals(lines(2, 2)));

      // 3 fills the file; 4 rotates it (audit.log → .1); 5, 6 fill the new one; 7 rotates again
      // (→ .2, .1): most likely all before the next look, so a whole generation came and went.
      IntStream.rangeClosed(3, 7).forEach(n -> sink.accept(numbered(n)));
      await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().equals(lines(2, 7)));

      // One more rotation, seen on its own.
      IntStream.rangeClosed(8, 10).forEach(n -> sink.accept(numbered(n)));
      await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().equals(lines(2, 10)));

      // A line written in two pieces comes out whole.
      sink.close();
      String eleven = line(11);
      Files.writeString(file(), eleven.substring(0, 20), StandardOpenOption.APPEND);
      Files.writeString(file(), eleven.substring(20) + "\n", StandardOpenOption.APPEND);
      await().atMost(Duration.ofSeconds(10)).until(() -> out.toString().equals(lines(2, 11)));
    } finally {
      sink.close();
      tail.interrupt();
      tail.join(Duration.ofSeconds(10));
    }
    assertThat(tail.isAlive()).as("--follow ends when interrupted").isFalse();
    assertThat(exitCode.get()).isZero();
    assertThat(out.toString()).isEqualTo(lines(2, 11));
  }

  @Test
  void aRunningServerAuditsAuthenticationWithoutTheSecret() throws Exception {
    try (Server server = TestServers.start(TestServers.config(data), UnaryOperator.identity(), List.of())) {
      TestServers.createAccount(server, "alice@hikyaku.test", PASSWORD);
      SSLContext trust = TestServers.clientTrusting(server.tls().currentCertificate());
      assertThat(auth(server, trust, "alice@hikyaku.test", "not " + PASSWORD)).isFalse();
      assertThat(auth(server, trust, "alice@hikyaku.test", PASSWORD)).isTrue();
    }

    Result result = run("audit", "tail");

    assertThat(result.exitCode()).as(result.err()).isZero();
    List<String> lines = result.out().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .matches("\\{\"ts\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",\"event\":\"auth\",\"session_id\":\"[^\"]+\","
            + "\"listener\":\"submission\",\"client\":\"127\\.0\\.0\\.1\",\"tls_protocol\":\"TLSv1\\.3\","
            + "\"tls_cipher\":\"TLS_[A-Z0-9_]+\",\"mechanism\":\"PLAIN\",\"account\":\"alice@hikyaku\\.test\","
            + "\"result\":\"failure 535 5\\.7\\.8\",\"reason\":\"[^\"]+\"}");
    assertThat(lines.get(1)).contains("\"event\":\"auth\"", "\"account\":\"alice@hikyaku.test\"", "\"result\":\"success\"");
    String whole = Files.readString(file(), StandardCharsets.UTF_8);
    assertThat(whole).doesNotContain(PASSWORD).doesNotContain("pass phrase");
  }

  private static boolean auth(Server server, SSLContext trust, String account, String password) throws Exception {
    AuthenticatingSMTPClient client = new AuthenticatingSMTPClient(false, trust);
    client.setDefaultTimeout(10_000);
    client.connect("127.0.0.1", server.port(ListenerRole.SUBMISSION));
    try {
      client.ehlo("client.example");
      assertThat(client.execTLS()).isTrue();
      client.ehlo("client.example");
      return client.auth(AuthenticatingSMTPClient.AUTH_METHOD.PLAIN, account, password);
    } finally {
      client.disconnect();
    }
  }
}

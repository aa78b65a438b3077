package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hikyaku.app.Server;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.store.HistoryQuery;
import dev.hikyaku.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 point 2: {@code hikyaku sendmail} as cron and PHP's mail() call it — a JVM of its own,
 * the message on standard input with LF line ends — hands the message to a running server through
 * its pickup socket, which queues it as the invoking Unix user's and delivers it; a malformed
 * invocation exits 64 (EX_USAGE) with one line, a user the config does not admit 77 (EX_NOPERM),
 * and a server that is not running 75 (EX_TEMPFAIL).
 */
class SendmailInteropTest {

  private static final String BOB = "bob@" + TestServers.HOSTED_DOMAIN;
  private static final String USER = System.getProperty("user.name");

  @TempDir Path directory;

  private record Run(int exitCode, String stdout, String stderr) {}

  @Test
  void cronAndPhpStyleCallsAreDeliveredAndMistakesExit64() throws Exception {
    Path data = directory.resolve("data");
    HikyakuConfig base = TestServers.config(data);
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
        "hostname: " + TestServers.HOSTNAME + "\ndata-directory: " + data + "\n");
    try (Server server = Server.start(base.toBuilder().delivery(base.delivery().toBuilder().enabled(true).build()).build())) {
      TestServers.createMailboxes(server, BOB);
      Path inbox = data.resolve("mail").resolve(TestServers.HOSTED_DOMAIN).resolve("bob").resolve("new");

      // cron: sendmail -t -i, recipients from To:, LF line ends, no From, Date or Message-ID.
      Run cron = sendmail("To: " + BOB + "\nSubject: cron\n\nhello from cron\n", "-t", "-i", "--config", config.toString());
      assertThat(cron.exitCode()).as(cron.stderr()).isZero();
      assertThat(cron.stderr()).isEmpty();
      assertThat(cron.stdout()).isEmpty();
      String cronMail = arrived(inbox, "Subject: cron");
      assertThat(cronMail).contains("hello from cron\r\n").contains("\r\nDate: ").contains("\r\nMessage-ID: <")
          .contains("Received: by " + TestServers.HOSTNAME + " (Hikyaku, from userid " + USER + ")")
          .as("sendmail writes the From field the message lacks, from the Unix user")
          .contains("From: <" + USER + "@" + TestServers.HOSTNAME + ">\r\n")
          .contains("Return-Path: <" + USER + "@" + TestServers.HOSTNAME + ">");

      // PHP's mail(): sendmail -t -i -f, CRLF and a Bcc the message must lose; -F names the sender.
      Run php = sendmail("To: " + BOB + "\r\nBcc: carol@" + TestServers.HOSTED_DOMAIN + "\r\nSubject: php\r\n\r\n.\r\nafter a dot\r\n",
          "-t", "-i", "-f", "www@" + TestServers.HOSTED_DOMAIN, "-F", "Web Site", "--config", config.toString());
      assertThat(php.exitCode()).as(php.stderr()).isZero();
      String phpMail = arrived(inbox, "Subject: php");
      assertThat(phpMail).contains("Return-Path: <www@" + TestServers.HOSTED_DOMAIN + ">").doesNotContain("Bcc:")
          .contains("From: \"Web Site\" <www@" + TestServers.HOSTED_DOMAIN + ">\r\n")
          .as("with -i a lone dot is text").contains("\r\n\r\n.\r\nafter a dot\r\n");

      // Without -i, a line of one dot ends the message (sendmail's old rule); recipient as argument,
      // options mutt and git send-email pass (-oem, -odb) accepted and ignored.
      Run dotted = sendmail("Subject: dotted\n\nbefore\n.\nnot sent\n", "-oem", "-odb", "--config", config.toString(), "--", BOB);
      assertThat(dotted.exitCode()).as(dotted.stderr()).isZero();
      assertThat(arrived(inbox, "Subject: dotted")).contains("before").doesNotContain("not sent");

      Run unknown = sendmail("Subject: x\n\n", "-q", BOB, "--config", config.toString());
      assertThat(unknown.exitCode()).as("an option sendmail does not know").isEqualTo(64);
      assertThat(unknown.stderr().lines()).hasSize(1);
      Run nobody = sendmail("Subject: x\n\nnobody\n", "--config", config.toString());
      assertThat(nobody.exitCode()).as("no recipients").isEqualTo(64);
      assertThat(nobody.stderr().strip()).isEqualTo("sendmail: no recipients (give them as arguments, or -t to read To, Cc and Bcc)");
      Run badAddress = sendmail("Subject: x\n\nbad\n", "not an address", "--config", config.toString());
      assertThat(badAddress.exitCode()).as("an address that is none: the data are wrong").isEqualTo(65);
      assertThat(badAddress.stderr()).startsWith("sendmail: 501 5.1.3 ");
    }
    Run down = sendmail("Subject: x\n\ndown\n", BOB, "--config", config.toString());
    assertThat(down.exitCode()).as("the server is not running: try again later").isEqualTo(75);
    assertThat(down.stderr()).startsWith("sendmail: cannot reach the server at ").contains("is it running?");
    assertThat(data.resolve("sendmail.sock")).as("a stopped server removes its socket").doesNotExist();
  }

  @Test
  void aUserTheConfigDoesNotNameIsRefused77() throws Exception {
    Path data = directory.resolve("data");
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"), "hostname: " + TestServers.HOSTNAME
        + "\ndata-directory: " + data + "\nsendmail:\n  users: [someone-else]\n");
    HikyakuConfig base = TestServers.config(data);
    try (Server server = Server.start(base.toBuilder().sendmail(ConfigLoader.load(config).sendmail()).build())) {
      Run refused = sendmail("Subject: x\n\nrefused\n", BOB, "--config", config.toString());
      assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(77);
      assertThat(refused.stderr().strip()).isEqualTo("sendmail: 550 5.7.1 Local user " + USER + " may not submit mail here");
      assertThat(server.store().history().search(HistoryQuery.all())).isEmpty();
    }
  }

  private static String arrived(Path inbox, String subject) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
      if (!Files.isDirectory(inbox)) {
        return Optional.<String>empty();
      }
      try (Stream<Path> files = Files.list(inbox)) {
        for (Path file : files.toList()) {
          String mail = Files.readString(file, StandardCharsets.ISO_8859_1);
          if (mail.contains(subject + "\r\n")) {
            return Optional.of(mail);
          }
        }
      }
      return Optional.<String>empty();
    }, Optional::isPresent).orElseThrow();
  }

  private static Run sendmail(String stdin, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "dev.hikyaku.app.Main", "sendmail"));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command).start();
    process.getOutputStream().write(stdin.getBytes(StandardCharsets.ISO_8859_1));
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }
}

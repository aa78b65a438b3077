package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.app.AdminCommandLine;
import dev.hikyaku.app.Server;
import dev.hikyaku.intake.PickupRequest;
import dev.hikyaku.testing.TestServers;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 point 3: an admin command prints its result and nothing else on stderr — the store's
 * INFO lines are the server's — unless {@code --verbose} asks for them; listings print JSON with
 * {@code --json} that {@code jq} reads. Run as an operator runs it:
 * a JVM of its own with the production logging configuration (logback.xml, INFO by default).
 */
class CliQuietInteropTest {

  @TempDir Path directory;

  private record Run(int exitCode, String stdout, String stderr) {}

  @Test
  void anAdminCommandPrintsOnlyItsResultUnlessVerbose() throws Exception {
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
        "hostname: mx.quiet.test\ndata-directory: " + directory.resolve("data") + "\n");
    Run quiet = hikyaku("domain", "list", "--config", config.toString());
    assertThat(quiet.exitCode()).as(quiet.stderr()).isZero();
    assertThat(quiet.stderr()).as("no log lines").isEmpty();

    Run verbose = hikyaku("domain", "list", "--verbose", "--config", config.toString());
    assertThat(verbose.exitCode()).as(verbose.stderr()).isZero();
    assertThat(verbose.stderr()).as("the INFO lines, asked for").contains(" INFO ");
    assertThat(verbose.stdout()).isEqualTo(quiet.stdout());
  }

  @Test
  void theJsonLogFormatWritesAnObjectPerLine() throws Exception {
    ExternalTool jq = ExternalTool.require("jq", "jq");
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
        "hostname: mx.quiet.test\ndata-directory: " + directory.resolve("data") + "\n");
    Run verbose = hikyaku(Map.of("HIKYAKU_LOG_FORMAT", "json"), "domain", "list", "--verbose", "--config", config.toString());
    assertThat(verbose.exitCode()).as(verbose.stderr()).isZero();
    assertThat(verbose.stderr()).as("some INFO lines").isNotBlank();
    // jq -e fails unless every line is an object with a level and a formatted message.
    ExternalTool.Run lines = jq.runWithInput(verbose.stderr().getBytes(StandardCharsets.UTF_8), "-e", "-s",
        "length > 0 and all(.[]; type == \"object\" and (.level | type == \"string\") and (.formattedMessage | type == \"string\"))");
    assertThat(lines.exitCode()).as(verbose.stderr() + lines.output()).isZero();
  }

  @Test
  void listingsPrintJsonThatJqReads() throws Exception {
    ExternalTool jq = ExternalTool.require("jq", "jq");
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
        "hostname: mx.quiet.test\ndata-directory: " + directory.resolve("data") + "\n");
    assertThat(AdminCommandLine.run("", "domain", "add", "quiet.test", "--config", config.toString()).exitCode()).isZero();
    AdminCommandLine.Result added = AdminCommandLine.run("a long enough pass phrase 42\n", "user", "add", "alice@quiet.test",
        "--password-stdin", "--config", config.toString());
    assertThat(added.exitCode()).as(added.describe()).isZero();

    Run users = hikyaku("user", "list", "--json", "--config", config.toString());
    assertThat(users.stderr()).isEmpty();
    ExternalTool.Run account = jq.runWithInput(users.stdout().getBytes(StandardCharsets.UTF_8), "-e", "-r",
        ".[0].account + \" \" + .[0].state + \" \" + (.[0].mechanisms | join(\",\"))");
    assertThat(account.exitCode()).as(account.output()).isZero();
    assertThat(account.stdout().strip()).isEqualTo("alice@quiet.test active PLAIN,LOGIN,SCRAM-SHA-256");

    for (String[] listing : List.of(new String[] {"queue", "list"}, new String[] {"blocks", "list"})) {
      Run run = hikyaku(listing[0], listing[1], "--json", "--config", config.toString());
      ExternalTool.Run empty = jq.runWithInput(run.stdout().getBytes(StandardCharsets.UTF_8), "-e", "type == \"array\" and length == 0");
      assertThat(empty.exitCode()).as(String.join(" ", listing) + ": " + run.stdout() + empty.output()).isZero();
    }
  }

  @Test
  void aMessageShowsAsJsonInTheQueueAndTheHistory() throws Exception {
    ExternalTool jq = ExternalTool.require("jq", "jq");
    Path data = directory.resolve("data");
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"), "hostname: " + TestServers.HOSTNAME + "\ndata-directory: " + data + "\n");
    String id;
    try (Server server = Server.start(TestServers.config(data))) {
      id = queuedThroughPickup(data.resolve("sendmail.sock"));
    }
    // Without --config: the file HIKYAKU_CONFIG names, as the Debian package's /usr/bin/hikyaku sets it.
    Map<String, String> packaged = Map.of("HIKYAKU_CONFIG", config.toString());
    Run shown = hikyaku(packaged, "queue", "show", id, "--json");
    assertThat(shown.stderr()).isEmpty();
    ExternalTool.Run queued = jq.runWithInput(shown.stdout().getBytes(StandardCharsets.UTF_8), "-e", "-r",
        ".id + \" \" + .state + \" \" + .origin.listener + \" \" + .recipients[0].recipient + \" \" + .recipients[0].state"
            + " + \" \" + (.header | test(\"Subject: json\") | tostring)");
    assertThat(queued.exitCode()).as(shown.stdout() + queued.output()).isZero();
    assertThat(queued.stdout().strip()).isEqualTo(id + " queued sendmail bob@" + TestServers.HOSTED_DOMAIN + " pending true");

    Run found = hikyaku(packaged, "history", "search", "--json");
    ExternalTool.Run listed = jq.runWithInput(found.stdout().getBytes(StandardCharsets.UTF_8), "-e", "-r",
        "length == 1 and .[0].id == \"" + id + "\" and .[0].recipients[0].status == \"pending\"");
    assertThat(listed.exitCode()).as(found.stdout() + listed.output()).isZero();
    Run history = hikyaku(packaged, "history", "show", id, "--json");
    ExternalTool.Run record = jq.runWithInput(history.stdout().getBytes(StandardCharsets.UTF_8), "-e", "-r",
        ".subject + \" \" + .listener + \" \" + (.recipients[0].attempts | length | tostring)");
    assertThat(record.exitCode()).as(history.stdout() + record.output()).isZero();
    assertThat(record.stdout().strip()).isEqualTo("json sendmail 0");
  }

  /** Queues a message as {@code hikyaku sendmail} would, returning its queue id. */
  private static String queuedThroughPickup(Path socket) throws Exception {
    try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      new PickupRequest("cron@" + TestServers.HOSTED_DOMAIN, List.of("bob@" + TestServers.HOSTED_DOMAIN),
          "From: cron@hikyaku.test\r\nSubject: json\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII))
          .writeTo(Channels.newOutputStream(channel));
      channel.shutdownOutput();
      String reply = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(reply).startsWith("250 ");
      return reply.strip().substring(reply.strip().lastIndexOf(' ') + 1);
    }
  }

  @Test
  void configCheckPrintsTheConfigurationInEffectOrTheKeyAtFault() throws Exception {
    Path config = Files.writeString(directory.resolve("hikyaku.yaml"),
        "hostname: mx.quiet.test\ndata-directory: " + directory.resolve("data") + "\ndelivery:\n  max-per-domain: 7\n");
    Run valid = hikyaku("config", "check", "--config", config.toString());
    assertThat(valid.exitCode()).as(valid.stderr()).isZero();
    assertThat(valid.stderr()).isEmpty();
    assertThat(valid.stdout()).contains("hostname: mx.quiet.test").contains("max-per-domain: 7")
        .as("the defaults filled in").contains("retry-first: 5m");
    // What it prints is a config file that reads back to the same configuration.
    Path printed = Files.writeString(directory.resolve("printed.yaml"), valid.stdout());
    assertThat(hikyaku("config", "check", "--config", printed.toString()).stdout()).isEqualTo(valid.stdout());

    Path wrong = Files.writeString(directory.resolve("wrong.yaml"), "hostname: mx.quiet.test\ndelivery:\n  max-per-domian: 7\n");
    Run invalid = hikyaku("config", "check", "--config", wrong.toString());
    assertThat(invalid.exitCode()).isEqualTo(2);
    assertThat(invalid.stdout()).isEmpty();
    assertThat(invalid.stderr().strip()).startsWith("hikyaku: ").contains("max-per-domian").doesNotContain("\n");
  }

  private static Run hikyaku(String... arguments) throws Exception {
    return hikyaku(Map.of(), arguments);
  }

  private static Run hikyaku(Map<String, String> environment, String... arguments) throws Exception {
    Path logback = Path.of(System.getProperty("user.dir"), "src", "main", "resources", "logback.xml");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"), "dev.hikyaku.app.Main"));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("HIKYAKU_LOG_LEVEL");
    builder.environment().remove("HIKYAKU_LOG_FORMAT");
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }
}

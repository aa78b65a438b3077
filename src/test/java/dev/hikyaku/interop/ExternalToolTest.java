package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The runner the interop tests rely on: a missing client must fail loudly, output must be whole. */
class ExternalToolTest {

  @Test
  void missingProgramFailsNamingThePackageToInstall() {
    assertThatThrownBy(() -> ExternalTool.require("hikyaku-no-such-client", "hikyaku-no-such-package"))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessage(
            "hikyaku-no-such-client not installed: run .ci/run, or apt-get install -y hikyaku-no-such-package");
  }

  @Test
  void stdinReachesTheProgramAndExitCodeAndBothStreamsComeBack() {
    ExternalTool sh = ExternalTool.require("sh", "dash");

    ExternalTool.Run run =
        sh.runWithInput("héllo\n".getBytes(StandardCharsets.UTF_8), "-c", "cat; echo oops >&2; exit 3");

    assertThat(run.exitCode()).isEqualTo(3);
    assertThat(run.stdout()).isEqualTo("héllo\n");
    assertThat(run.stderr()).isEqualTo("oops\n");
  }

  @Test
  void proxySettingsAreNotPassedOn() {
    ExternalTool sh = ExternalTool.require("sh", "dash").withEnvironment("EXTRA", "set");

    ExternalTool.Run run = sh.run("-c", "env");

    assertThat(run.stdout().lines().map(l -> l.substring(0, l.indexOf('=') + 1)))
        .noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy="))
        .contains("EXTRA=", "LC_ALL=");
  }

  @Test
  void aProgramThatOutlivesTheTimeoutIsKilledAndFailsTheTest() {
    ExternalTool sh = ExternalTool.require("sh", "dash");

    assertThatThrownBy(
            () -> sh.run(Optional.empty(), Duration.ofMillis(300), List.of("-c", "echo started; exec sleep 30")))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("sh did not finish within 300 ms and was killed")
        .hasMessageContaining("started");
  }

  @Test
  void assertConcealsSeesASecretInArgvInTheOutputAndInsideBase64() {
    String secret = "a pass phrase 7";
    // "\0user\0a pass phrase 7": the secret at an offset that is not a multiple of 3, so its own
    // base64 is not a substring of the line's.
    String plain = Base64.getEncoder().encodeToString("\0user\0a pass phrase 7".getBytes(StandardCharsets.UTF_8));

    ExternalTool.Run clean = new ExternalTool.Run("/usr/bin/client --user u", 0, "> AUTH PLAIN\n", "< 235\n");
    ExternalTool.Run inArgv = new ExternalTool.Run("/usr/bin/client --password " + secret, 0, "", "");
    ExternalTool.Run inBase64 = new ExternalTool.Run("/usr/bin/client", 0, "", "> " + plain + "\n");

    clean.assertConceals(secret);
    for (ExternalTool.Run leaky : List.of(inArgv, inBase64)) {
      assertThatThrownBy(() -> leaky.assertConceals(secret))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("a secret shows in the command line or output of /usr/bin/client");
    }
  }

  @Test
  void redactingHidesBase64WordsThatCarryASecretAndNothingElse() {
    String secret = "a pass phrase 7";
    String plain = Base64.getEncoder().encodeToString("\0user\0a pass phrase 7".getBytes(StandardCharsets.UTF_8));
    ExternalTool.Run run =
        new ExternalTool.Run("/usr/bin/curl", 67, "", "> AUTH PLAIN\n< 334 \n> " + plain + "\n< 535 5.7.8 Authentication credentials invalid\n");

    ExternalTool.Run redacted = run.redacting(secret);

    assertThat(redacted.stderr())
        .isEqualTo("> AUTH PLAIN\n< 334 \n> [redacted base64]\n< 535 5.7.8 Authentication credentials invalid\n");
    assertThat(redacted.exitCode()).isEqualTo(67);
    redacted.assertConceals(secret);
  }
}

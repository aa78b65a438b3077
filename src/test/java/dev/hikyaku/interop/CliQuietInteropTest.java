package dev.hikyaku.interop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 point 3: an admin command prints its result and nothing else on stderr — the store's
 * INFO lines are the server's — unless {@code --verbose} asks for them. Run as an operator runs it:
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

  private static Run hikyaku(String... arguments) throws Exception {
    Path logback = Path.of(System.getProperty("user.dir"), "src", "main", "resources", "logback.xml");
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Dlogback.configurationFile=" + logback, "-cp", System.getProperty("java.class.path"), "dev.hikyaku.app.Main"));
    command.addAll(List.of(arguments));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("HIKYAKU_LOG_LEVEL");
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }
}

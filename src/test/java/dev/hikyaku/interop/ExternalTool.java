package dev.hikyaku.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A program installed from Debian (swaks, curl, openssl, python3...) run as a child process with a
 * timeout, its output captured. A missing program fails the test with the package to install:
 * interop tests must never pass by not running.
 */
final class ExternalTool {

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final String name;
  private final Path executable;
  private final Map<String, String> environment;

  private ExternalTool(String name, Path executable, Map<String, String> environment) {
    this.name = name;
    this.executable = executable;
    this.environment = Map.copyOf(environment);
  }

  /**
   * The program {@code name} found on PATH; fails the calling test when it is missing, naming the
   * Debian package that provides it.
   */
  static ExternalTool require(String name, String debianPackage) {
    return locate(name)
        .map(path -> new ExternalTool(name, path, Map.of()))
        .orElseGet(
            () ->
                fail(
                    name + " not installed: run .ci/run, or apt-get install -y " + debianPackage));
  }

  /**
   * The program at {@code executable}, put there by {@code .ci/run} rather than by a Debian package;
   * fails the calling test when it is missing, naming what installs it.
   */
  static ExternalTool at(Path executable, String installedBy) {
    if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
      return fail(executable + " not installed: " + installedBy);
    }
    return new ExternalTool(executable.getFileName().toString(), executable, Map.of());
  }

  /**
   * The interpreter that runs the script {@code name} on PATH (its #! line): the Python that has
   * the script's modules, whatever {@code python3} comes first on PATH (pyenv, a venv).
   */
  static ExternalTool interpreterOf(String name, String debianPackage) {
    Path script = require(name, debianPackage).executable;
    try (var lines = Files.lines(script, StandardCharsets.UTF_8)) {
      String first = lines.findFirst().orElse("");
      if (!first.startsWith("#!")) {
        return fail(script + " has no #! line");
      }
      Path interpreter = Path.of(first.substring(2).strip().split("\\s+")[0]);
      return new ExternalTool(interpreter.getFileName().toString(), interpreter, Map.of());
    } catch (IOException e) {
      return fail("cannot read " + script + ": " + e);
    }
  }

  /** The first regular, executable file called {@code name} in a PATH directory. */
  static Optional<Path> locate(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String directory : path.split(File.pathSeparator)) {
      if (directory.isEmpty()) {
        continue; // an empty entry means "current directory": never pick up a stray binary there
      }
      Path candidate = Path.of(directory).resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Writes {@code content} to a new file readable by its owner only (created so, never widened
   * later): how the tests hand a password or token to a client without putting it in argv.
   */
  static Path secretFile(Path file, String content) throws IOException {
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, content, StandardCharsets.UTF_8);
    return file;
  }

  /** The same program with one more environment variable set for every run. */
  ExternalTool withEnvironment(String key, String value) {
    Map<String, String> more = new HashMap<>(environment);
    more.put(key, value);
    return new ExternalTool(name, executable, more);
  }

  Path executable() {
    return executable;
  }

  /** Runs with no input (stdin at end of file) and the default timeout. */
  Run run(String... arguments) {
    return run(Optional.empty(), TIMEOUT, List.of(arguments));
  }

  /** Runs with {@code stdin} as the whole of its standard input and the default timeout. */
  Run runWithInput(byte[] stdin, String... arguments) {
    return run(Optional.of(stdin), TIMEOUT, List.of(arguments));
  }

  /**
   * Runs the program to completion. Fails the test when it does not end within {@code timeout}
   * (after killing it), showing what it printed so far.
   */
  Run run(Optional<byte[]> stdin, Duration timeout, List<String> arguments) {
    List<String> command = new ArrayList<>();
    command.add(executable.toString());
    command.addAll(arguments);
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    // A proxy set for the build (all_proxy, https_proxy...) would send curl's smtp:// to it instead
    // of to 127.0.0.1; loopback tests never go through a proxy.
    env.keySet().removeIf(key -> key.toLowerCase(Locale.ROOT).endsWith("_proxy"));
    // One locale everywhere: messages the tests match are the untranslated ones, and UTF-8 passes.
    env.put("LC_ALL", "C.UTF-8");
    env.putAll(environment);
    if (stdin.isEmpty()) {
      builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return fail("cannot start " + name + " (" + executable + "): " + e.getMessage(), e);
    }
    // Both streams are drained while the program runs: a full pipe would stall it.
    Drain out = Drain.of(process.getInputStream());
    Drain err = Drain.of(process.getErrorStream());
    stdin.ifPresent(bytes -> feed(process.getOutputStream(), bytes));
    boolean hasEnded;
    try {
      hasEnded = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return fail("interrupted while waiting for " + name, e);
    }
    if (!hasEnded) {
      process.destroyForcibly();
      Run partial = new Run(String.join(" ", command), -1, out.text(), err.text());
      return fail(name + " did not finish within " + timeout.toMillis() + " ms and was killed\n" + partial.describe());
    }
    return new Run(String.join(" ", command), process.exitValue(), out.text(), err.text());
  }

  private static void feed(OutputStream stdin, byte[] bytes) {
    Thread.ofVirtual()
        .name("external-tool-stdin")
        .start(
            () -> {
              try (stdin) {
                stdin.write(bytes);
              } catch (IOException ignored) {
                // The program closed its input early (it exited or does not read stdin): its exit
                // code and output say what happened, and the test asserts on those.
              }
            });
  }

  /** Reads one output stream to its end on a virtual thread. */
  private static final class Drain {
    private final Thread reader;
    private volatile byte[] bytes = new byte[0];
    private volatile IOException failure;

    private Drain(InputStream stream) {
      reader =
          Thread.ofVirtual()
              .name("external-tool-output")
              .start(
                  () -> {
                    try (stream) {
                      bytes = stream.readAllBytes();
                    } catch (IOException e) {
                      failure = e;
                    }
                  });
    }

    static Drain of(InputStream stream) {
      return new Drain(stream);
    }

    String text() {
      try {
        // The stream ends when the process (and any child holding the pipe) is gone.
        if (!reader.join(Duration.ofSeconds(5))) {
          return "(output still open after the process ended)";
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failure != null) {
        throw new UncheckedIOException("reading a child process's output", failure);
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** How one run ended. {@code exitCode} is -1 when the run was killed. */
  record Run(String command, int exitCode, String stdout, String stderr) {

    // RFC 4648 §4 alphabet; 8+ characters, so that ordinary words and commands rarely qualify.
    private static final Pattern BASE64_WORD = Pattern.compile("[A-Za-z0-9+/]{8,}={0,2}");

    /** Standard output then standard error: most tools split their dialogue between the two. */
    String output() {
      return stdout + stderr;
    }

    /**
     * Fails when a secret shows in the command line (where {@code ps} and {@code /proc} would show
     * it to every user of the machine) or in the output (where test reports would keep it): as
     * itself, or inside a base64 word as an AUTH exchange carries it.
     */
    void assertConceals(String... secrets) {
      for (String secret : secrets) {
        if (command.contains(secret) || reveals(stdout, secret) || reveals(stderr, secret)) {
          // The message names the program, never the secret.
          fail("a secret shows in the command line or output of " + command.split(" ")[0]);
        }
      }
    }

    /**
     * The same run with every secret, and every base64 word that decodes to text containing one,
     * replaced in the output: for clients whose dialogue shows what they send in an AUTH exchange
     * (curl {@code -v}) and cannot be told not to. Call it before anything else sees the run.
     */
    Run redacting(String... secrets) {
      return new Run(command, exitCode, redact(stdout, secrets), redact(stderr, secrets));
    }

    private static boolean reveals(String text, String secret) {
      if (text.contains(secret)) {
        return true;
      }
      Matcher word = BASE64_WORD.matcher(text);
      while (word.find()) {
        if (decoded(word.group()).contains(secret)) {
          return true;
        }
      }
      return false;
    }

    private static String redact(String text, String... secrets) {
      StringBuilder out = new StringBuilder();
      Matcher word = BASE64_WORD.matcher(text);
      while (word.find()) {
        String decoded = decoded(word.group());
        boolean isSecret = false;
        for (String secret : secrets) {
          isSecret |= decoded.contains(secret);
        }
        word.appendReplacement(out, isSecret ? "[redacted base64]" : Matcher.quoteReplacement(word.group()));
      }
      word.appendTail(out);
      String result = out.toString();
      for (String secret : secrets) {
        result = result.replace(secret, "[redacted]");
      }
      return result;
    }

    /** The text a base64 word stands for, or "" when it is not base64. */
    private static String decoded(String word) {
      if (word.length() % 4 != 0) {
        return "";
      }
      try {
        return new String(Base64.getDecoder().decode(word), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return "";
      }
    }

    /** The whole run, for assertion messages. */
    String describe() {
      return "$ " + command + "\nexit code " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
  }
}

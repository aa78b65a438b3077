package dev.hikyaku.app;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The real admin command line ({@link Main#commandLine}, package-private) for tests in other
 * packages: the interop tests create accounts the way an operator does and then log in with them.
 * Standard input is given as text, so a password can be piped in as with {@code --password-stdin}.
 */
public final class AdminCommandLine {

  private AdminCommandLine() {}

  /** What one command printed and returned. */
  public record Result(int exitCode, String out, String err) {

    /** The whole result, for assertion messages. */
    public String describe() {
      return "exit code " + exitCode + "\n--- out ---\n" + out + "\n--- err ---\n" + err;
    }
  }

  /** Runs {@code hikyaku ARGUMENTS --config CONFIG} with {@code stdin} as its standard input. */
  public static Result runWith(java.nio.file.Path config, String stdin, String... arguments) {
    String[] withConfig = java.util.Arrays.copyOf(arguments, arguments.length + 2);
    withConfig[arguments.length] = "--config";
    withConfig[arguments.length + 1] = config.toString();
    return run(stdin, withConfig);
  }

  /** Runs {@code hikyaku ARGUMENTS} with {@code stdin} as its standard input. */
  public static Result run(String stdin, String... arguments) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Main.commandLine(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(arguments);
    return new Result(exitCode, out.toString(), err.toString());
  }
}

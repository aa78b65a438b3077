package dev.hikyaku.app;

import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hikyaku config check}: is a config file valid, and what configuration does it give. */
@Command(name = "config", description = "Check a configuration file.", subcommands = {ConfigCommand.Check.class})
final class ConfigCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  // A URL's user:password@ and a password= parameter (store.url may carry either).
  private static final Pattern USER_INFO = Pattern.compile("(://)[^/@\\s]+@");
  private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&\\s]+");

  @Command(
      name = "check",
      description = "Validate a configuration file and print the configuration in effect: every key, the defaults"
          + " filled in, in the file's own syntax, credentials in URLs redacted. Exit 0 when valid; 2 with one line"
          + " naming the key and the line when not.")
  static final class Check implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The file (default: the embedded defaults).") Path config;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      HikyakuConfig effective = Main.loadConfig(config);
      PrintWriter out = spec.commandLine().getOut();
      out.print(redacted(ConfigLoader.toYaml(effective)));
      out.flush(); // print, not println: the writer flushes by itself only at a line end
      return 0;
    }
  }

  /** {@code yaml} without the credentials a URL in it may carry. */
  static String redacted(String yaml) {
    return PASSWORD_PARAMETER.matcher(USER_INFO.matcher(yaml).replaceAll("$1***@")).replaceAll("$1***");
  }
}

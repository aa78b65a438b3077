package dev.hikyaku.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import dev.hikyaku.config.ConfigException;
import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.store.StoreException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hikyaku}: the server and its admin commands. */
@Command(
    name = "hikyaku",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Mail submission and relay server.",
    subcommands = {
      Main.Serve.class,
      Main.Migrate.class,
      ConfigCommand.class,
      BackupCommands.Backup.class,
      BackupCommands.Restore.class,
      SendmailCommand.class,
      QueueCommand.class,
      HistoryCommand.class,
      AuditCommand.class,
      DomainCommands.Domain.class,
      UserCommands.User.class,
      AppPasswordCommands.AppPasswords.class,
      ConsoleAdminCommands.Admins.class,
      ApiKeyCommands.ApiKeys.class,
      BlocksCommand.class,
      DkimCommand.class,
      SuppressionCommand.class,
      TlsReportsCommand.class,
      WebhookCommands.Webhook.class,
      DnsCommand.class,
      ClusterCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Read in {@link #main} before picocli parses (the level must be set before the first log line). */
  @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
      description = "Log the server's INFO lines on stderr too (admin commands print only their result otherwise).")
  boolean isVerbose;

  public static void main(String[] args) {
    jsonLinesIfAsked(System.getenv("HIKYAKU_LOG_FORMAT"));
    quietUnlessServing(args);
    System.exit(commandLine().execute(args));
  }

  /**
   * {@code HIKYAKU_LOG_FORMAT=json}: one JSON object per line on stderr (logback's JsonEncoder:
   * timestamp, level, logger, the formatted message, and the send log's fields as "kvpList"), for
   * journald and log shippers, in place of the text lines. Any other value keeps the text.
   */
  static void jsonLinesIfAsked(String format) {
    if (!"json".equalsIgnoreCase(format) || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext logs)) {
      return;
    }
    var root = logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root.getAppender("STDERR") instanceof ConsoleAppender<ILoggingEvent> console) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(logs);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.setWithContext(false);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithFormattedMessage(true);
      json.start();
      console.stop();
      console.setEncoder(json);
      console.start();
    }
  }

  /**
   * An admin command prints its result and nothing else: the store's and the TLS code's INFO lines
   * are the server's ({@code serve}); they go to stderr only at WARN and above, unless {@code
   * --verbose} is given or the operator set {@code HIKYAKU_LOG_LEVEL}.
   */
  static void quietUnlessServing(String[] args) {
    if (System.getenv("HIKYAKU_LOG_LEVEL") != null || Arrays.asList(args).contains("--verbose")) {
      return;
    }
    boolean isServe = Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().map("serve"::equals).orElse(false);
    if (!isServe && LoggerFactory.getILoggerFactory() instanceof LoggerContext logs) {
      logs.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
    }
  }

  static CommandLine commandLine() {
    return commandLine(System.in);
  }

  /** The command line, with commands that read a password reading it from {@code stdin}. */
  static CommandLine commandLine(InputStream stdin) {
    CommandLine.IFactory defaults = CommandLine.defaultFactory();
    CommandLine.IFactory factory =
        new CommandLine.IFactory() {
          @Override
          public <K> K create(Class<K> type) throws Exception {
            K instance = defaults.create(type);
            if (instance instanceof AccountCommands.PasswordInput input) {
              input.useStandardInput(stdin);
            }
            return instance;
          }
        };
    CommandLine commandLine = new CommandLine(new Main(), factory);
    // "@example.org" is a sender (a whole domain), not picocli's "read more arguments from the file
    // example.org": with expansion on, that argument would be replaced by the contents of any file
    // of that name in the current directory.
    commandLine.setExpandAtFiles(false);
    withHelp(commandLine);
    // Every error line goes through TerminalText: messages quote arguments and stored text.
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          // Expected failures (bad config, port in use) get one clear line, not a stack trace.
          if (e instanceof UserError
              || e instanceof ConfigException
              || e instanceof Server.StartupException
              || e instanceof StoreException) {
            cmd.getErr().println("hikyaku: " + TerminalText.visible(e.getMessage()));
            return 2;
          }
          printBug(e, cmd.getErr());
          return cmd.getCommandSpec().exitCodeOnExecutionException();
        });
    commandLine.setParameterExceptionHandler(
        (e, args) -> {
          // As picocli's own handler does: the problem, then suggestions or the usage.
          CommandLine cmd = e.getCommandLine();
          if (cmd.getCommand() instanceof SendmailCommand) {
            // sendmail's callers (cron, PHP) log what it says: one line, as sendmail(1) gives.
            cmd.getErr().println("sendmail: " + TerminalText.visible(e.getMessage()) + " (see hikyaku sendmail --help)");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
          }
          cmd.getErr().println("hikyaku: " + TerminalText.visible(e.getMessage()));
          if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr())) {
            cmd.usage(cmd.getErr());
          }
          return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
    return commandLine;
  }

  /**
   * A failure nobody expected, with its stack trace for the bug report; the messages in it are
   * escaped like every error line (they may quote input).
   */
  static void printBug(Throwable bug, PrintWriter err) {
    Set<Throwable> shown = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = bug; t != null && shown.add(t); t = t.getCause()) {
      err.println((t == bug ? "hikyaku: unexpected error: " : "Caused by: ") + TerminalText.visible(t.toString()));
      for (StackTraceElement frame : t.getStackTrace()) {
        err.println("\tat " + frame);
      }
    }
    err.flush();
  }

  /** Every command and subcommand answers --help and --version, as the top one does. */
  private static void withHelp(CommandLine command) {
    for (CommandLine sub : command.getSubcommands().values()) {
      if (!sub.getCommandSpec().mixinStandardHelpOptions() && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        sub.getCommandSpec().mixinStandardHelpOptions(true);
        sub.getCommandSpec().versionProvider(command.getCommandSpec().versionProvider());
      }
      withHelp(sub);
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The config from --config, or the embedded defaults. */
  static HikyakuConfig loadConfig(Path file) throws ConfigException {
    return loadConfig(file, System.getenv());
  }

  /**
   * The config of {@code --config FILE}; without it, the file {@code HIKYAKU_CONFIG} names (the
   * Debian package's {@code /usr/bin/hikyaku} sets it to {@code /etc/hikyaku/hikyaku.yaml}, so the
   * installed commands find the system's config), else the embedded defaults.
   */
  static HikyakuConfig loadConfig(Path file, Map<String, String> environment) throws ConfigException {
    if (file != null) {
      return ConfigLoader.load(file);
    }
    String named = environment.getOrDefault(CONFIG_VARIABLE, "");
    return named.isEmpty() ? ConfigLoader.defaults() : ConfigLoader.load(Path.of(named));
  }

  /** The environment variable naming the config file when a command has no {@code --config}. */
  static final String CONFIG_VARIABLE = "HIKYAKU_CONFIG";

  /** A failure the user can fix, reported as one line. */
  static final class UserError extends Exception {
    UserError(String message) {
      super(message);
    }
  }

  @Command(name = "serve", description = "Run the server (listeners on 25, 587 and 465 by default).")
  static final class Serve implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; without it, the embedded defaults.")
    Path config;

    @Option(
        names = "--ports",
        paramLabel = "ROLE=PORT,...",
        description = "Override listener ports, and the API's, e.g. relay=2525,submission=2587,submissions=2465,api=9443.")
    String ports;

    @Override
    public Integer call() throws Exception {
      HikyakuConfig effective = loadConfig(config);
      if (ports != null) {
        effective = ConfigLoader.withPorts(effective, ports);
      }
      Server server = Server.start(effective);
      server.tls().reloadOnHangupSignal();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    server.close();
                    stopped.countDown();
                  },
                  "shutdown"));
      stopped.await();
      return 0;
    }
  }

  @Command(
      name = "migrate",
      description = "Bring the store's schema up to date and exit. With a shared PostgreSQL store (store.url), run it"
          + " once before starting (or upgrading) the nodes: nodes only check the schema. Concurrent runs are safe.")
  static final class Migrate implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file; without it, the embedded defaults.")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      HikyakuConfig effective = loadConfig(config);
      try {
        spec.commandLine().getOut().println(StoreOpening.migrate(effective));
      } catch (StoreException | Server.StartupException e) {
        throw new UserError(e.getMessage());
      }
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Main.class.getPackage().getImplementationVersion();
      return new String[] {"hikyaku " + (version == null ? "development build" : version)};
    }
  }
}

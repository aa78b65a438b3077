package dev.hikyaku.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hikyaku.store.Account;
import dev.hikyaku.store.Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin CLI for domains, users and app passwords, run in process against a real store. */
class AccountCommandsTest {

  private static final String GOOD = "a pass phrase long enough for any policy 7";

  @TempDir Path data;
  private Path config;

  @BeforeEach
  void writeConfig() throws Exception {
    config = data.resolve("hikyaku.yaml");
    Files.writeString(config, "hostname: mx.hikyaku.test\ndata-directory: " + data + "\n");
  }

  /** Runs the CLI with {@code stdin} and this test's config appended. */
  private AdminCommandLine.Result run(String stdin, String... args) {
    String[] withConfig = java.util.Arrays.copyOf(args, args.length + 2);
    withConfig[args.length] = "--config";
    withConfig[args.length + 1] = config.toString();
    return AdminCommandLine.run(stdin, withConfig);
  }

  private Account account(String address) throws Exception {
    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      return store.accounts().find(address).orElseThrow();
    }
  }

  @Test
  void everyCommandAnswersHelpAndVersion() {
    for (String[] command : java.util.List.of(
        new String[] {"queue", "flush"}, new String[] {"queue", "bounce"}, new String[] {"user", "add"},
        new String[] {"dkim", "keygen"}, new String[] {"dns", "check"}, new String[] {"serve"})) {
      AdminCommandLine.Result help = AdminCommandLine.run("", java.util.stream.Stream.concat(
          java.util.Arrays.stream(command), java.util.stream.Stream.of("--help")).toArray(String[]::new));
      assertThat(help.exitCode()).as(help.describe()).isZero();
      assertThat(help.out()).as(String.join(" ", command)).startsWith("Usage: hikyaku " + String.join(" ", command)).contains("--help");
    }
    AdminCommandLine.Result version = AdminCommandLine.run("", "queue", "list", "--version");
    assertThat(version.exitCode()).isZero();
    assertThat(version.out()).startsWith("hikyaku ");
  }

  @Test
  void domainsAndUsersLifecycle() throws Exception {
    assertThat(run("", "domain", "add", "Example.COM").out()).contains("domain example.com added");
    assertThat(run("", "domain", "add", "example.com").err()).contains("example.com");
    assertThat(run("", "domain", "add", "not a domain").err()).contains("not a domain name: 'not a domain'");
    assertThat(run("", "domain", "list").out()).isEqualTo("example.com\n");

    AdminCommandLine.Result added = run(GOOD + "\n", "user", "add", "Alice@Example.com", "--password-stdin");
    assertThat(added.exitCode()).as(added.err()).isZero();
    assertThat(added.out()).contains("account alice@example.com created");
    Account alice = account("alice@example.com");
    assertThat(alice.credentials().argon2id()).get().asString().startsWith("$argon2id$");
    assertThat(alice.credentials().scramSha256()).isPresent();
    assertThat(alice.credentials().cramMd5()).as("CRAM-MD5 is off by default").isEmpty();

    assertThat(run(GOOD + "\n", "user", "add", "bob@elsewhere.test", "--password-stdin").err())
        .contains("elsewhere.test");
    assertThat(run("", "user", "list").out()).contains("alice@example.com").contains("active").contains("never");

    long generation = account("alice@example.com").credentialGeneration();
    assertThat(run("another pass phrase that is long enough\n", "user", "passwd", "alice@example.com", "--password-stdin").out())
        .contains("password of alice@example.com changed");
    assertThat(account("alice@example.com").credentialGeneration()).isGreaterThan(generation);

    assertThat(run("", "user", "disable", "alice@example.com").out()).contains("disabled");
    assertThat(account("alice@example.com").isDisabled()).isTrue();
    assertThat(run("", "user", "enable", "alice@example.com").out()).contains("enabled");
    assertThat(account("alice@example.com").isDisabled()).isFalse();

    assertThat(run("", "user", "senders", "alice@example.com", "--add", "Info@Example.com", "--add", "@example.org").out())
        .contains("added info@example.com").contains("added @example.org");
    assertThat(run("", "user", "senders", "alice@example.com").out())
        .contains("alice@example.com").contains("info@example.com").contains("@example.org");
    assertThat(run("", "user", "senders", "alice@example.com", "--remove", "info@example.com").out()).contains("removed");
    assertThat(run("", "user", "senders", "alice@example.com", "--add", "nonsense").err()).contains("not a sender: 'nonsense'");
    // An argument starting with "@" is the argument itself, never the name of a file to read
    // arguments from (picocli's default), even when such a file exists.
    Path atFile = Files.writeString(data.resolve("example.net"), "--remove\nalice@example.com\n");
    assertThat(run("", "user", "senders", "alice@example.com", "--add", "@" + atFile).err())
        .contains("not a sender: '@" + atFile + "'");
    assertThat(run("", "user", "senders", "alice@example.com").out()).contains("alice@example.com");

    assertThat(run("", "domain", "remove", "example.com").err()).contains("example.com");
    assertThat(run("", "user", "delete", "alice@example.com").out()).contains("deleted");
    assertThat(run("", "domain", "remove", "example.com").out()).contains("domain example.com removed");
  }

  @Test
  void weakPasswordsAreRefusedWithTheReason() {
    run("", "domain", "add", "example.com");
    AdminCommandLine.Result shortOne = run("short\n", "user", "add", "alice@example.com", "--password-stdin");
    assertThat(shortOne.exitCode()).isEqualTo(2);
    assertThat(shortOne.err()).contains("password refused (nist policy)").contains("15").doesNotContain("short\n");
    AdminCommandLine.Result common = run("password123456789\n", "user", "add", "alice@example.com", "--password-stdin");
    assertThat(common.exitCode()).isEqualTo(2);
    assertThat(common.err()).contains("password refused").doesNotContain("password123456789");
    AdminCommandLine.Result nameInIt = run("alice@example.com is my password\n", "user", "add", "alice@example.com", "--password-stdin");
    assertThat(nameInIt.exitCode()).isEqualTo(2);
  }

  @Test
  void noPasswordOnTheCommandLineAndNoTerminalMeansAClearError() {
    run("", "domain", "add", "example.com");
    AdminCommandLine.Result noTerminal = run("", "user", "add", "alice@example.com");
    assertThat(noTerminal.exitCode()).isEqualTo(2);
    assertThat(noTerminal.err()).contains("no terminal to prompt on; pipe the password in with --password-stdin");
    AdminCommandLine.Result argv = run("", "user", "add", "alice@example.com", "--password", "secret");
    assertThat(argv.exitCode()).isNotZero();
    assertThat(argv.err()).contains("Unknown options: '--password'").contains("--password-stdin");
  }

  @Test
  void appPasswordsAreShownOnceAndRevocable() throws Exception {
    run("", "domain", "add", "example.com");
    run(GOOD + "\n", "user", "add", "alice@example.com", "--password-stdin");
    AdminCommandLine.Result added = run("", "app-password", "add", "alice@example.com", "laptop");
    assertThat(added.exitCode()).as(added.err()).isZero();
    Matcher secret = Pattern.compile("(?m)^([0-9a-z]{4}(-[0-9a-z]{4}){6})$").matcher(added.out());
    assertThat(secret.find()).as(added.out()).isTrue();
    AdminCommandLine.Result listed = run("", "app-password", "list", "alice@example.com");
    assertThat(listed.out()).contains("laptop").contains("active").doesNotContain(secret.group(1));
    assertThat(run("", "app-password", "add", "alice@example.com", "bad name!").err()).contains("app password names are");
    assertThat(run("", "app-password", "add", "nobody@example.com", "laptop").err()).contains("account nobody@example.com not found");
    assertThat(run("", "app-password", "revoke", "alice@example.com", "laptop").out()).contains("revoked");
    assertThat(run("", "app-password", "list", "alice@example.com").out()).contains("revoked");
    assertThat(run("", "app-password", "revoke", "alice@example.com", "laptop").exitCode()).isEqualTo(2);
  }

  /**
   * The refusal is one {@code hikyaku: } line with exit code 2: no stack trace, no raw control
   * character. {@code hikyaku sendmail} speaks as sendmail(1) does: {@code sendmail: } and
   * sysexits.h's EX_USAGE (64).
   */
  private static void assertRefusedOnOneLine(AdminCommandLine.Result result, String command) {
    boolean isSendmail = command.startsWith("sendmail ");
    assertThat(result.exitCode()).as(command + "\n" + result.describe()).isEqualTo(isSendmail ? 64 : 2);
    assertThat(result.err()).as(command + "\n" + result.describe())
        .startsWith(isSendmail ? "sendmail: " : "hikyaku: ")
        .endsWith("\n")
        .doesNotContain("Exception", "\tat ", "\u001b", "\r", "\u007f", "\t");
    assertThat(result.err().lines()).as(command).hasSize(1);
  }

  @Test
  void domainNamesKeepTheRfc1035Limits() {
    String label63 = "a".repeat(63);
    String name253 = (label63 + ".").repeat(3) + "b".repeat(56) + ".test"; // 3 * 64 + 56 + 5
    assertThat(name253).hasSize(253);
    assertThat(run("", "domain", "add", label63 + ".test").exitCode()).isZero();
    assertThat(run("", "domain", "add", name253).exitCode()).isZero();

    // PROBE.md §6: a 300-character label and a 300-character name were both added.
    String label300 = "a".repeat(300) + ".test";
    assertRefusedOnOneLine(run("", "domain", "add", label300), "300-character label");
    String label64 = "a".repeat(64) + ".test";
    AdminCommandLine.Result longLabel = run("", "domain", "add", label64);
    assertRefusedOnOneLine(longLabel, "64-character label");
    assertThat(longLabel.err()).contains("longer than 63");
    String name300 = (label63 + ".").repeat(4) + "c".repeat(39) + ".test"; // 256 + 39 + 5
    assertThat(name300).hasSize(300);
    AdminCommandLine.Result longName = run("", "domain", "add", name300);
    assertRefusedOnOneLine(longName, "long name");
    assertThat(longName.err()).contains("at most 253");
    for (String bad : java.util.List.of("b.-a.test", "a-.test", "a_b.test", "a..test", "a.test.", "ex\u001bample.test")) {
      assertRefusedOnOneLine(run("", "domain", "add", bad), "domain add " + bad);
    }
    assertThat(run("", "domain", "list").out()).doesNotContain(label64, name300, "_", "-.");

    run("", "domain", "add", "example.com");
    run(GOOD + "\n", "user", "add", "alice@example.com", "--password-stdin");
    AdminCommandLine.Result sender = run("", "user", "senders", "alice@example.com", "--add", "@" + label64);
    assertRefusedOnOneLine(sender, "senders --add @domain");
    assertThat(sender.err()).contains("longer than 63");
    assertRefusedOnOneLine(run("", "user", "senders", "alice@example.com", "--add", "info@" + name300), "senders --add address");
    assertThat(run("", "user", "senders", "alice@example.com").out()).doesNotContain(label64, name300);
    assertRefusedOnOneLine(run("", "dkim", "keygen", label64), "dkim keygen");
    assertRefusedOnOneLine(run("", "dns", "check", name300), "dns check");
  }

  /**
   * The CLI takes names by the store's rules (store.Names), and new ones also by the config's
   * domain syntax: a single-label domain such as localhost passes both, as a domain, in an account's
   * address and as an {@code @domain} sender (the review found {@code @localhost} refused by an
   * older CLI rule that wanted a dot). What the store refuses, the CLI refuses on one line first.
   */
  @Test
  void theCliTakesNamesByTheStoresRules() throws Exception {
    assertThat(run("", "domain", "add", "localhost").out()).contains("domain localhost added");
    AdminCommandLine.Result added = run(GOOD + "\n", "user", "add", "postmaster@localhost", "--password-stdin");
    assertThat(added.exitCode()).as(added.describe()).isZero();
    AdminCommandLine.Result sender = run("", "user", "senders", "postmaster@localhost", "--add", "@LOCALHOST");
    assertThat(sender.exitCode()).as(sender.describe()).isZero();
    assertThat(sender.out()).contains("added @localhost");
    assertThat(run("", "user", "senders", "postmaster@localhost").out()).contains("@localhost");
    assertThat(run("", "user", "senders", "postmaster@localhost", "--remove", "@localhost").out()).contains("removed @localhost");

    for (String bad : java.util.List.of("@", "@.localhost", "@localhost.", "@local host", "nobody", "@x@localhost")) {
      assertThat(dev.hikyaku.store.Names.senderProblem(bad)).as(bad).isPresent();
      assertRefusedOnOneLine(run("", "user", "senders", "postmaster@localhost", "--add", bad), "senders --add " + bad);
      assertRefusedOnOneLine(run("", "user", "senders", "postmaster@localhost", "--remove", bad), "senders --remove " + bad);
    }
    assertThat(run("", "user", "senders", "postmaster@localhost").out()).isEqualTo("postmaster@localhost\n");
  }

  @Test
  void addressesWithControlCharactersAreRefusedOnOneLineByEveryAccountCommand() {
    run("", "domain", "add", "probe.test");
    run(GOOD + "\n", "user", "add", "alice@probe.test", "--password-stdin");
    run("", "app-password", "add", "alice@probe.test", "laptop");
    for (String bad : java.util.List.of("a\u0001\u001b[31mb\r\nc@probe.test", "x\u007f@probe.test", "u\tv@probe.test", "y\u009b@probe.test")) {
      for (String[] command : java.util.List.of(
          new String[] {"user", "add", bad, "--password-stdin"},
          new String[] {"user", "passwd", bad, "--password-stdin"},
          new String[] {"user", "disable", bad},
          new String[] {"user", "enable", bad},
          new String[] {"user", "unsuspend", bad},
          new String[] {"user", "delete", bad},
          new String[] {"user", "senders", bad},
          new String[] {"user", "senders", "alice@probe.test", "--add", bad},
          new String[] {"user", "senders", "alice@probe.test", "--remove", bad},
          new String[] {"user", "list", "--domain", "probe" + bad.charAt(1) + ".test"},
          new String[] {"app-password", "add", bad, "laptop"},
          new String[] {"app-password", "list", bad},
          new String[] {"app-password", "revoke", bad, "laptop"},
          new String[] {"app-password", "revoke", "alice@probe.test", "lap\u001btop"},
          new String[] {"domain", "remove", bad.substring(0, bad.indexOf('@'))})) {
        assertRefusedOnOneLine(run(GOOD + "\n", command), String.join(" ", command));
      }
    }
    assertThat(run("", "user", "list").out()).contains("alice@probe.test").doesNotContain("\u001b", "\u007f");
  }

  @Test
  void controlCharactersInErrorsAreShownEscaped() {
    AdminCommandLine.Result result = run("", "domain", "add", "ex\u001bample.\r\n\u007f\u009btest");
    assertRefusedOnOneLine(result, "domain add");
    assertThat(result.err()).contains("'ex\\x1bample.\\x0d\\x0a\\x7f\\x9btest'");
  }

  @Test
  void everySubcommandRefusesHostileArgumentsOnOneLine() {
    String hostile = "a\u0001\u001b[31mb\r\nc\u007f\u009b@probe.test";
    run("", "domain", "add", "probe.test");
    java.util.List<picocli.CommandLine> leaves = new java.util.ArrayList<>();
    java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Main.commandLine()));
    while (!todo.isEmpty()) {
      picocli.CommandLine command = todo.pop();
      if (command.getSubcommands().isEmpty()) {
        leaves.add(command);
      }
      todo.addAll(new java.util.LinkedHashSet<>(command.getSubcommands().values()));
    }
    int tried = 0;
    for (picocli.CommandLine leaf : leaves) {
      var spec = leaf.getCommandSpec();
      if (spec.positionalParameters().isEmpty() || leaf.getCommand() instanceof picocli.CommandLine.HelpCommand) {
        continue;
      }
      java.util.List<String> args = new java.util.ArrayList<>(java.util.Arrays.asList(spec.qualifiedName(" ").split(" ")));
      args.remove(0); // "hikyaku"
      spec.positionalParameters().forEach(p -> args.add(hostile));
      if (spec.findOption("--password-stdin") != null) {
        args.add("--password-stdin");
      }
      AdminCommandLine.Result result = run(GOOD + "\n", args.toArray(String[]::new));
      assertRefusedOnOneLine(result, String.join(" ", args));
      tried++;
    }
    assertThat(tried).as("leaf commands with arguments").isGreaterThan(20);
  }

  @Test
  void fromHeaderPolicyIsChosenAtCreation() throws Exception {
    run("", "domain", "add", "example.com");
    run(GOOD + "\n", "user", "add", "alice@example.com", "--password-stdin", "--from-header", "add-sender");
    assertThat(account("alice@example.com").fromHeader().configName()).isEqualTo("add-sender");
    assertThat(run(GOOD + "\n", "user", "add", "bob@example.com", "--password-stdin", "--from-header", "maybe").err())
        .contains("--from-header must be reject or add-sender, was 'maybe'");
  }

  @Test
  void fromHeaderPolicyCanBeChangedLaterAndTheChangeIsAudited() throws Exception {
    run("", "domain", "add", "example.com");
    run(GOOD + "\n", "user", "add", "alice@example.com", "--password-stdin");
    long generation = account("alice@example.com").credentialGeneration();

    AdminCommandLine.Result changed = run("", "user", "from-header", "Alice@Example.com", "add-sender");
    assertThat(changed.exitCode()).as(changed.describe()).isZero();
    assertThat(changed.out()).isEqualTo("account alice@example.com: From: header add-sender\n");
    assertThat(account("alice@example.com").fromHeader().configName()).isEqualTo("add-sender");
    assertThat(run("", "user", "list").out()).contains("add-sender");
    assertThat(account("alice@example.com").credentialGeneration()).as("not a credential change").isEqualTo(generation);
    assertThat(run("", "user", "from-header", "alice@example.com", "REJECT").out()).contains("From: header reject");
    assertThat(account("alice@example.com").fromHeader().configName()).isEqualTo("reject");

    try (Store store = Store.openSqlite(data, Clock.systemUTC())) {
      assertThat(store.adminChanges().takeUnpublished()).extracting(c -> c.command() + " " + c.subject() + " " + c.detail())
          .contains("user from-header alice@example.com add-sender", "user from-header alice@example.com reject");
    }

    AdminCommandLine.Result maybe = run("", "user", "from-header", "alice@example.com", "maybe");
    assertRefusedOnOneLine(maybe, "from-header maybe");
    assertThat(maybe.err()).contains("the From: header policy must be reject or add-sender, was 'maybe'");
    AdminCommandLine.Result nobody = run("", "user", "from-header", "nobody@example.com", "reject");
    assertRefusedOnOneLine(nobody, "from-header of nobody");
    assertThat(nobody.err()).contains("account nobody@example.com not found");
    assertThat(run("", "user", "from-header", "alice@example.com").exitCode()).as("the policy is required").isNotZero();
  }
}

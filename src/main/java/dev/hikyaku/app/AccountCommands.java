package dev.hikyaku.app;

import dev.hikyaku.auth.credential.Argon2Parameters;
import dev.hikyaku.auth.credential.Enrolment;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.auth.credential.PasswordHasher;
import dev.hikyaku.auth.credential.PasswordPolicy;
import dev.hikyaku.config.AuthConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.HostSyntax;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.AppPassword;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku domain|user|app-password}: manage who may submit mail. Passwords are read from a
 * prompt or from standard input, never from the command line (argv is visible to every user of the
 * machine in {@code ps}). App passwords are generated and shown exactly once.
 */
final class AccountCommands {

  private AccountCommands() {}

  /** Where a command reads a password; tests substitute standard input. */
  interface PasswordInput {
    void useStandardInput(InputStream in);
  }

  /** Options shared by every account command. */
  abstract static class StoreCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The server's config file (for its data directory and auth settings).")
    Path config;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    HikyakuConfig effective;
    Store store;

    @Override
    public final Integer call() throws Exception {
      effective = Main.loadConfig(config);
      try (Store opened = Store.openSqlite(effective.dataDirectory(), Clock.systemUTC())) {
        store = opened;
        run(opened.accounts(), spec.commandLine().getOut());
      } catch (StoreException e) {
        throw new Main.UserError(e.getMessage());
      }
      spec.commandLine().getOut().flush();
      return 0;
    }

    abstract void run(Accounts accounts, PrintWriter out) throws Exception;

    /**
     * Records the change for the audit log: a running server publishes it as an event within
     * seconds. Never pass a secret.
     */
    void changed(String command, String subject, String detail) throws StoreException {
      store.adminChanges().record(command, subject, detail);
    }
  }

  /** An instant as the listings print it: UTC, to the second. */
  static String time(java.time.Instant at) {
    return at.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
  }

  /** A command that sets a password: from --password-stdin, or a prompt on the terminal. */
  abstract static class PasswordCommand extends StoreCommand implements PasswordInput {
    @Option(names = "--password-stdin", description = "Read the password from standard input (one line) instead of prompting.")
    boolean isPasswordOnStdin;

    private InputStream stdin = System.in;

    @Override
    public void useStandardInput(InputStream in) {
      this.stdin = in;
    }

    char[] readPassword() throws Exception {
      if (isPasswordOnStdin) {
        return readLine(stdin);
      }
      Console console = System.console();
      if (console == null) {
        throw new Main.UserError("no terminal to prompt on; pipe the password in with --password-stdin");
      }
      char[] first = console.readPassword("New password: ");
      char[] second = console.readPassword("Repeat it: ");
      try {
        if (first == null || second == null || !Arrays.equals(first, second)) {
          throw new Main.UserError("the two passwords differ; nothing was changed");
        }
        return first.clone();
      } finally {
        wipe(first);
        wipe(second);
      }
    }

    /** Checks the password against the configured policy and derives what the store keeps. */
    Credentials credentials(String address, char[] password) throws Main.UserError {
      AuthConfig auth = effective.auth();
      PasswordPolicy policy = auth.passwordPolicy();
      List<String> problems = policy.problems(password, address);
      if (!problems.isEmpty()) {
        throw new Main.UserError("password refused (" + policy.configName() + " policy): " + String.join(" ", problems));
      }
      var argon2 = auth.argon2();
      Enrolment enrolment =
          new Enrolment(
              new PasswordHasher(new Argon2Parameters(argon2.memoryKiB(), argon2.iterations(), argon2.parallelism())),
              auth.scramIterations(),
              auth.isCramMd5Enabled(),
              new SecureRandom());
      return enrolment.credentials(password);
    }

    private static char[] readLine(InputStream in) throws IOException, Main.UserError {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        bytes.write(b);
      }
      byte[] raw = bytes.toByteArray();
      int length = raw.length > 0 && raw[raw.length - 1] == '\r' ? raw.length - 1 : raw.length;
      try {
        CharBuffer chars =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(raw, 0, length));
        char[] password = new char[chars.remaining()];
        chars.get(password);
        return password;
      } catch (CharacterCodingException e) {
        throw new Main.UserError("the password on standard input is not UTF-8");
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
    }
  }

  static void wipe(char[] secret) {
    if (secret != null) {
      Arrays.fill(secret, '\0');
    }
  }

  /**
   * An account address from the command line, lower-cased, refused here when the store would refuse
   * it (a change throws for malformed input). Names an existing account: an address added under an
   * older, looser rule can still be disabled or deleted.
   */
  static String address(String text) throws Main.UserError {
    String address = text.strip();
    if (Accounts.addressProblem(address).isPresent()) {
      throw new Main.UserError(
          "not an address: '" + text + "' (expected local-part@domain, without spaces or control characters)");
    }
    return address.toLowerCase(Locale.ROOT);
  }

  /**
   * An address for a new account or sender: as {@link #address}, its domain a DNS name by the rule
   * of {@link #newDomain}, and its local part at most 64 octets (RFC 5321 §4.5.3.1.1).
   */
  static String newAddress(String text) throws Main.UserError {
    String address = address(text);
    int at = address.lastIndexOf('@');
    Optional<String> problem = HostSyntax.domainProblem(address.substring(at + 1));
    if (problem.isPresent()) {
      throw new Main.UserError("not an address: '" + text + "' (its domain " + problem.get() + ")");
    }
    int octets = address.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
    if (octets > MAX_LOCAL_PART_OCTETS) {
      throw new Main.UserError(
          "not an address: '" + text + "' (the local part is " + octets + " octets; at most 64, RFC 5321 §4.5.3.1.1)");
    }
    return address;
  }

  // RFC 5321 §4.5.3.1.1: the maximum total length of a user name or other local-part is 64 octets.
  private static final int MAX_LOCAL_PART_OCTETS = 64;

  /**
   * A domain to add, lower-cased: a DNS name by the rule the config's domains follow (LDH labels of
   * at most 63 octets, RFC 1123 §2.1; names of at most 253, RFC 1035 §2.3.4).
   */
  static String newDomain(String text) throws Main.UserError {
    Optional<String> problem = HostSyntax.domainProblem(text);
    if (problem.isPresent()) {
      throw new Main.UserError("not a domain name: '" + text + "' (" + problem.get() + ")");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /**
   * A domain the store may hold, lower-cased, refused here when the store would refuse it. Names an
   * existing domain: one added under an older, looser rule can still be removed.
   */
  static String domain(String text) throws Main.UserError {
    if (Accounts.domainProblem(text).isPresent()) {
      throw new Main.UserError("not a domain name: '" + text + "'");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  // ---- domain --------------------------------------------------------------------------------

  @Command(
      name = "domain",
      description = "Domains accounts live in.",
      subcommands = {DomainAdd.class, DomainList.class, DomainRemove.class})
  static final class Domain implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Add a domain.")
  static final class DomainAdd extends StoreCommand {
    @Parameters(paramLabel = "DOMAIN") String domain;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String name = newDomain(domain);
      accounts.addDomain(name);
      changed("domain add", name, "");
      out.println("domain " + name + " added");
    }
  }

  @Command(name = "list", description = "List domains.")
  static final class DomainList extends StoreCommand {
    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      accounts.domains().forEach(out::println);
    }
  }

  @Command(name = "remove", description = "Remove a domain that has no accounts left.")
  static final class DomainRemove extends StoreCommand {
    @Parameters(paramLabel = "DOMAIN") String domain;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String name = domain(domain);
      accounts.removeDomain(name);
      changed("domain remove", name, "");
      out.println("domain " + name + " removed");
    }
  }

  // ---- user ----------------------------------------------------------------------------------

  @Command(
      name = "user",
      description = "Accounts that may authenticate and submit mail.",
      subcommands = {
        UserAdd.class, UserList.class, UserPasswd.class, UserDisable.class, UserEnable.class,
        UserDelete.class, UserSenders.class, UserUnsuspend.class
      })
  static final class User implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Create an account (login = its address) with a password.")
  static final class UserAdd extends PasswordCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Option(
        names = "--from-header",
        paramLabel = "reject|add-sender",
        defaultValue = "reject",
        description = "When the From: header names an address the account does not own: reject the message, or accept it and add a Sender: header (default ${DEFAULT-VALUE}).")
    String fromHeader;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = newAddress(address);
      FromHeaderPolicy policy =
          FromHeaderPolicy.parse(fromHeader)
              .orElseThrow(() -> new Main.UserError("--from-header must be reject or add-sender, was '" + fromHeader + "'"));
      char[] password = readPassword();
      try {
        Account account = accounts.create(login, credentials(login, password), policy);
        changed("user add", account.address(), "from-header " + policy.configName());
        out.println("account " + account.address() + " created");
      } finally {
        wipe(password);
      }
    }
  }

  @Command(name = "list", description = "List accounts.")
  static final class UserList extends StoreCommand {
    @Option(names = "--domain", description = "Only accounts in this domain.") String domain;

    private boolean suspended(String address) throws StoreException {
      return store.defences().suspension(address).isPresent();
    }

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      out.printf("%-40s  %-8s  %-10s  %-20s  %s%n", "ACCOUNT", "STATE", "FROM", "LAST LOGIN", "MECHANISMS");
      Optional<String> only = domain == null ? Optional.empty() : Optional.of(domain(domain));
      for (Account a : accounts.list(only)) {
        Credentials c = a.credentials();
        String mechanisms =
            String.join(
                " ",
                c.argon2id().isPresent() ? "PLAIN/LOGIN" : "",
                c.scramSha256().isPresent() ? "SCRAM" : "",
                c.cramMd5().isPresent() ? "CRAM-MD5" : "").strip();
        out.printf(
            "%-40s  %-8s  %-10s  %-20s  %s%n",
            a.address(),
            a.isDisabled() ? "disabled" : suspended(a.address()) ? "suspended" : "active",
            a.fromHeader().configName(),
            a.lastLoginAt().map(AccountCommands::time).orElse("never"),
            mechanisms);
      }
    }
  }

  @Command(name = "passwd", description = "Set a new password (ends cached logins at once).")
  static final class UserPasswd extends PasswordCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found");
      }
      char[] password = readPassword();
      try {
        accounts.setCredentials(login, credentials(login, password));
        changed("user passwd", login, "");
        out.println("password of " + login + " changed");
      } finally {
        wipe(password);
      }
    }
  }

  @Command(name = "disable", description = "Refuse all logins of an account (keeps it).")
  static final class UserDisable extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      accounts.setDisabled(login, true);
      changed("user disable", login, "");
      out.println("account " + login + " disabled");
    }
  }

  @Command(name = "enable", description = "Allow logins of a disabled account again.")
  static final class UserEnable extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      accounts.setDisabled(login, false);
      changed("user enable", login, "");
      out.println("account " + login + " enabled");
    }
  }

  @Command(name = "unsuspend", description = "Let an account suspended for unusual sending send again.")
  static final class UserUnsuspend extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      java.util.Optional<String> reason = store.defences().suspension(login);
      if (reason.isEmpty()) {
        throw new Main.UserError("account " + login + " is not suspended");
      }
      store.defences().unsuspend(login);
      changed("user unsuspend", login, "was: " + reason.get());
      out.println("account " + login + " may send again (it was suspended: " + reason.get() + ")");
    }
  }

  @Command(name = "delete", description = "Delete an account, its senders, app passwords, API keys and webhook endpoints.")
  static final class UserDelete extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      int webhooks = accounts.delete(login);
      String removed = webhooks == 0 ? "" : webhooks + " webhook endpoint(s) removed with it";
      changed("user delete", login, removed);
      out.println("account " + login + " deleted" + (removed.isEmpty() ? "" : "; " + removed));
    }
  }

  @Command(
      name = "senders",
      description = "List, add or remove the addresses an account may send as (local@domain, or @domain for a whole domain).")
  static final class UserSenders extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;
    @Option(names = "--add", paramLabel = "SENDER") List<String> add = List.of();
    @Option(names = "--remove", paramLabel = "SENDER") List<String> remove = List.of();

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      List<String> added = new ArrayList<>();
      for (String sender : add) {
        added.add(newSender(sender));
      }
      List<String> removed = new ArrayList<>();
      for (String sender : remove) {
        removed.add(sender(sender));
      }
      for (String sender : added) {
        accounts.addSender(login, sender);
        changed("user senders", login, "add " + sender);
        out.println("added " + sender);
      }
      for (String sender : removed) {
        accounts.removeSender(login, sender);
        changed("user senders", login, "remove " + sender);
        out.println("removed " + sender);
      }
      if (add.isEmpty() && remove.isEmpty()) {
        accounts.senders(login).forEach(out::println);
      }
    }

    /** A sender to remove: refused here when the store would refuse it. */
    private static String sender(String text) throws Main.UserError {
      String sender = text.strip();
      if (Accounts.senderProblem(sender).isPresent()) {
        throw notASender(text);
      }
      return sender.toLowerCase(Locale.ROOT);
    }

    /** A sender to add: {@code @domain} by the rule of {@link #newDomain}, or an address by that of {@link #newAddress}. */
    static String newSender(String text) throws Main.UserError {
      String sender = text.strip();
      if (!sender.startsWith("@")) {
        if (sender.indexOf('@') <= 0) {
          throw notASender(text);
        }
        return newAddress(sender);
      }
      Optional<String> problem = HostSyntax.domainProblem(sender.substring(1));
      if (problem.isPresent()) {
        throw new Main.UserError("not a sender: '" + text + "' (its domain " + problem.get() + ")");
      }
      return sender.toLowerCase(Locale.ROOT);
    }

    private static Main.UserError notASender(String text) {
      return new Main.UserError("not a sender: '" + text + "' (expected local@domain or @domain)");
    }
  }

  // ---- app-password --------------------------------------------------------------------------

  @Command(
      name = "app-password",
      description = "Generated passwords for mail clients that cannot do OAuth (shown once, revocable).",
      subcommands = {AppPasswordAdd.class, AppPasswordList.class, AppPasswordRevoke.class})
  static final class AppPasswords implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Generate a new app password; it is printed once and never again.")
  static final class AppPasswordAdd extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ADDRESS") String address;
    @Parameters(index = "1", paramLabel = "NAME", description = "What it is for, e.g. laptop-thunderbird.") String name;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new Main.UserError("app password names are 1-64 of A-Z a-z 0-9 . _ -, was '" + name + "'");
      }
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found");
      }
      String secret = GeneratedSecrets.newAppPassword(new SecureRandom());
      accounts.addAppPassword(login, name, GeneratedSecrets.keyedHash(accounts.serverSecret(), secret));
      changed("app-password add", login, name);
      out.println("app password '" + name + "' for " + login + " (shown once; store it in the mail client now):");
      out.println(secret);
    }
  }

  @Command(name = "list", description = "List an account's app passwords (never the secrets).")
  static final class AppPasswordList extends StoreCommand {
    @Parameters(paramLabel = "ADDRESS") String address;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      out.printf("%-24s  %-20s  %-20s  %s%n", "NAME", "CREATED", "LAST USED", "STATE");
      String login = address(address);
      for (AppPassword p : accounts.appPasswords(login)) {
        out.printf(
            "%-24s  %-20s  %-20s  %s%n",
            p.name(),
            time(p.createdAt()),
            p.lastUsedAt().map(AccountCommands::time).orElse("never"),
            p.isActive() ? "active" : "revoked " + time(p.revokedAt().orElseThrow()));
      }
    }
  }

  @Command(name = "revoke", description = "Revoke an app password at once.")
  static final class AppPasswordRevoke extends StoreCommand {
    @Parameters(index = "0", paramLabel = "ADDRESS") String address;
    @Parameters(index = "1", paramLabel = "NAME") String name;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = address(address);
      if (Accounts.appPasswordNameProblem(name).isPresent()) {
        throw new Main.UserError("not an app password name: '" + name + "'");
      }
      accounts.revokeAppPassword(login, name);
      changed("app-password revoke", login, name);
      out.println("app password '" + name + "' of " + login + " revoked");
    }
  }
}

package dev.hikyaku.app;

import dev.hikyaku.auth.credential.Argon2Parameters;
import dev.hikyaku.auth.credential.Enrolment;
import dev.hikyaku.auth.credential.PasswordHasher;
import dev.hikyaku.auth.credential.PasswordPolicy;
import dev.hikyaku.config.AuthConfig;
import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.config.HostSyntax;
import dev.hikyaku.protocol.Utf8;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.Names;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * What the admin commands that manage who may submit mail share ({@link DomainCommands}, {@link
 * UserCommands}, {@link AppPasswordCommands}, and the store-reading commands elsewhere): the store
 * they open, how a password is read, and the name rules for arguments. Passwords are read from a
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
      try (Store opened = StoreOpening.open(effective, Clock.systemUTC())) {
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
  static String time(Instant at) {
    return at.truncatedTo(ChronoUnit.SECONDS).toString();
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
      Optional<String> refusal = passwordRefusal(effective.auth(), password, address);
      if (refusal.isPresent()) {
        throw new Main.UserError(refusal.get());
      }
      return enrol(effective.auth(), password, new SecureRandom());
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
        return Utf8.decodeSecret(raw, 0, length)
            .orElseThrow(() -> new Main.UserError("the password on standard input is not UTF-8"));
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

  // The names on the command line follow the store's rules (store.Names), so that the CLI refuses
  // with one line what a change would throw for. Names the CLI creates (a domain, an account, a
  // sender) must also be DNS names by the rule the config's domains follow (HostSyntax), which the
  // store cannot check (it depends on nothing above it): stricter for new names, never different.

  /**
   * An account address from the command line, lower-cased, by the store's rule ({@link
   * Names#addressProblem}). Names an existing account: an address added under an older, looser rule
   * can still be disabled or deleted.
   */
  static String address(String text) throws Main.UserError {
    String address = text.strip();
    if (Names.addressProblem(address).isPresent()) {
      throw new Main.UserError(
          "not an address: '" + text + "' (expected local-part@domain, without spaces or control characters)");
    }
    return address.toLowerCase(Locale.ROOT);
  }

  /**
   * An address for a new account or sender: as {@link #address}, its domain a DNS name by the rule
   * of {@link #newDomain}, and its local part at most 64 octets (RFC 5321 §4.5.3.1.1).
   */
  /** Why the configured policy refuses {@code password} for {@code address}; empty when it does not. */
  static Optional<String> passwordRefusal(AuthConfig auth, char[] password, String address) {
    PasswordPolicy policy = auth.passwordPolicy();
    List<String> problems = policy.problems(password, address);
    return problems.isEmpty() ? Optional.empty()
        : Optional.of("password refused (" + policy.configName() + " policy): " + String.join(" ", problems));
  }

  /** What the store keeps for {@code password}: Argon2id and the SASL mechanisms' keys, as configured. */
  static Credentials enrol(AuthConfig auth, char[] password, SecureRandom random) {
    var argon2 = auth.argon2();
    return new Enrolment(
        new PasswordHasher(new Argon2Parameters(argon2.memoryKiB(), argon2.iterations(), argon2.parallelism())),
        auth.scramIterations(), auth.isCramMd5Enabled(), random).credentials(password);
  }

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
   * at most 63 octets, RFC 1123 §2.1; names of at most 253, RFC 1035 §2.3.4), and so one the store
   * takes ({@link #domain}).
   */
  static String newDomain(String text) throws Main.UserError {
    Optional<String> problem = HostSyntax.domainProblem(text);
    if (problem.isPresent()) {
      throw new Main.UserError("not a domain name: '" + text + "' (" + problem.get() + ")");
    }
    return domain(text);
  }

  /**
   * A domain the store may hold, lower-cased, by the store's rule ({@link Names#domainProblem}).
   * Names an existing domain: one added under an older, looser rule can still be removed.
   */
  static String domain(String text) throws Main.UserError {
    if (Names.domainProblem(text).isPresent()) {
      throw new Main.UserError("not a domain name: '" + text + "'");
    }
    return text.toLowerCase(Locale.ROOT);
  }

  /**
   * A sender ({@code local@domain} or {@code @domain}) from the command line, lower-cased, by the
   * store's rule ({@link Names#senderProblem}). Names an existing sender.
   */
  static String sender(String text) throws Main.UserError {
    String sender = text.strip();
    if (Names.senderProblem(sender).isPresent()) {
      throw new Main.UserError("not a sender: '" + text + "' (expected local@domain or @domain)");
    }
    return sender.toLowerCase(Locale.ROOT);
  }

  /**
   * A sender to add: as {@link #sender}, and then an address by the rule of {@link #newAddress} or
   * {@code @domain} by that of {@link #newDomain}.
   */
  static String newSender(String text) throws Main.UserError {
    String sender = sender(text);
    if (!sender.startsWith("@")) {
      return newAddress(text);
    }
    Optional<String> problem = HostSyntax.domainProblem(sender.substring(1));
    if (problem.isPresent()) {
      throw new Main.UserError("not a sender: '" + text + "' (its domain " + problem.get() + ")");
    }
    return sender;
  }
}

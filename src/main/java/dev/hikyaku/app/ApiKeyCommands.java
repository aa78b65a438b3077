package dev.hikyaku.app;

import static dev.hikyaku.app.AccountCommands.time;
import static dev.hikyaku.app.TerminalText.visible;

import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.Cidr;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.ApiKey;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku api-key add|list|revoke}: generated keys for applications, each acting for one
 * account. A key is printed once by {@code add} and only its keyed hash is kept. With scope {@code
 * send} it is also the password of SMTP AUTH (PLAIN, LOGIN) on the submission ports, the user name
 * being the account's address.
 */
final class ApiKeyCommands {

  private static final String NAME_RULE = "[A-Za-z0-9._-]{1,64}";

  private ApiKeyCommands() {}

  @Command(
      name = "api-key",
      description = "Keys for applications: scoped (send, read, admin), optionally limited to some senders, networks and a rate and daily quota; shown once, revocable.",
      subcommands = {Add.class, ListKeys.class, Revoke.class})
  static final class ApiKeys implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(name = "add", description = "Generate a new API key acting for ACCOUNT; it is printed once and never again.")
  static final class Add extends AccountCommands.StoreCommand {
    @Parameters(index = "0", paramLabel = "ACCOUNT", description = "The account the key acts for (its address).") String account;
    @Parameters(index = "1", paramLabel = "NAME", description = "Unique among all keys, e.g. billing-prod.") String name;

    // Checked in run, not by picocli: a missing option must still be a one-line refusal.
    @Option(names = "--scope", split = ",", paramLabel = "SCOPE",
        description = "Required: send, read, admin; comma-separated or repeated.")
    List<String> scopes = List.of();

    @Option(names = "--sender", paramLabel = "SENDER",
        description = "Limit the key to this sender (local@domain or @domain) among those of the account; repeatable.")
    List<String> senders = List.of();

    @Option(names = "--allow", paramLabel = "CIDR",
        description = "Accept the key only from this network (192.0.2.0/24, 2001:db8::/32); repeatable.")
    List<String> networks = List.of();

    // Text, parsed in run: "--daily-quota ten" must be a one-line refusal like the others.
    @Option(names = "--messages-per-minute", paramLabel = "N",
        description = "At most N messages (MAIL) per minute with this key, within the account's own rate.")
    String messagesPerMinute;

    @Option(names = "--daily-quota", paramLabel = "N",
        description = "At most N messages per day with this key, within the account's own quota.")
    String dailyQuota;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String login = AccountCommands.address(account);
      requireName(name);
      if (scopes.isEmpty()) {
        throw new Main.UserError("--scope is required: send, read or admin, comma-separated");
      }
      Set<ApiKey.Scope> wanted = EnumSet.noneOf(ApiKey.Scope.class);
      for (String scope : scopes) {
        wanted.add(ApiKey.Scope.parse(scope).orElseThrow(() -> new Main.UserError(
            "not a scope: '" + visible(scope) + "' (expected send, read or admin)")));
      }
      List<String> limits = new ArrayList<>();
      for (String sender : senders) {
        limits.add(AccountCommands.newSender(sender));
      }
      List<String> blocks = new ArrayList<>();
      for (String network : networks) {
        blocks.add(Cidr.parse(network).map(Cidr::toString).orElseThrow(() -> new Main.UserError(
            "not a network: '" + visible(network) + "' (expected an address or CIDR block, e.g. 192.0.2.0/24)")));
      }
      ApiKey.Limits sending = new ApiKey.Limits(
          atLeastOne("--messages-per-minute", messagesPerMinute), atLeastOne("--daily-quota", dailyQuota));
      if (accounts.find(login).isEmpty()) {
        throw new Main.UserError("account " + login + " not found");
      }
      String key = GeneratedSecrets.newApiKey(new SecureRandom());
      ApiKey added = store.apiKeys().add(
          login, name, GeneratedSecrets.keyedHash(store.serverSecret().value(), key), wanted, limits, blocks, sending);
      changed("api-key add", login, describe(added));
      out.println("API key '" + name + "' for " + login + " (shown once; store it in the application now):");
      out.println(key);
    }
  }

  @Command(name = "list", description = "List API keys, all or one account's (never the keys).")
  static final class ListKeys extends AccountCommands.StoreCommand {
    @Parameters(paramLabel = "ACCOUNT", arity = "0..1") String account;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Optional<String> login = account == null ? Optional.empty() : Optional.of(AccountCommands.address(account));
      List<ApiKey> keys = store.apiKeys().list(login);
      out.printf("%-20s  %-28s  %-16s  %-20s  %-20s  %s%n", "NAME", "ACCOUNT", "SCOPES", "CREATED", "LAST USED", "STATE");
      for (ApiKey key : keys) {
        out.printf(
            "%-20s  %-28s  %-16s  %-20s  %-20s  %s%n",
            visible(key.name()),
            visible(key.account()),
            scopes(key),
            time(key.createdAt()),
            key.lastUsedAt().map(AccountCommands::time).orElse("never"),
            key.isActive() ? "active" : "revoked " + time(key.revokedAt().orElseThrow()));
        if (!key.senders().isEmpty()) {
          out.println("  senders: " + visible(String.join(" ", key.senders())));
        }
        if (!key.allowedNetworks().isEmpty()) {
          out.println("  allow:   " + visible(String.join(" ", key.allowedNetworks())));
        }
        if (!key.limits().equals(ApiKey.Limits.NONE)) {
          out.println("  limits:  " + limits(key.limits()));
        }
      }
    }
  }

  @Command(name = "revoke", description = "Revoke an API key at once (SMTP AUTH with it fails from then on).")
  static final class Revoke extends AccountCommands.StoreCommand {
    @Parameters(paramLabel = "NAME") String name;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      requireName(name);
      ApiKey revoked = store.apiKeys().revoke(name);
      changed("api-key revoke", revoked.account(), name);
      out.println("API key '" + name + "' of " + revoked.account() + " revoked");
    }
  }

  private static void requireName(String name) throws Main.UserError {
    if (!name.matches(NAME_RULE)) {
      throw new Main.UserError("API key names are 1-64 of A-Z a-z 0-9 . _ -, was '" + visible(name) + "'");
    }
  }

  /** {@code value} of {@code option} as a whole number of at least 1, or empty when not given. */
  private static OptionalInt atLeastOne(String option, String value) throws Main.UserError {
    if (value == null) {
      return OptionalInt.empty();
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= 1) {
        return OptionalInt.of(n);
      }
    } catch (NumberFormatException e) {
      // Refused below with the rest.
    }
    throw new Main.UserError(option + " takes a whole number of messages, at least 1, was '" + visible(value) + "'");
  }

  /** The key's own limits as {@code messages-per-minute=N} and {@code daily-quota=N}, the options' names. */
  private static String limits(ApiKey.Limits limits) {
    List<String> parts = new ArrayList<>();
    limits.messagesPerMinute().ifPresent(n -> parts.add("messages-per-minute=" + n));
    limits.messagesPerDay().ifPresent(n -> parts.add("daily-quota=" + n));
    return String.join(" ", parts);
  }

  private static String scopes(ApiKey key) {
    return key.scopes().stream().sorted().map(ApiKey.Scope::configName).collect(Collectors.joining(","));
  }

  /** What the audit log says of a new key: its name and limits, never the key or its hash. */
  private static String describe(ApiKey key) {
    StringBuilder detail = new StringBuilder(key.name()).append(" scopes=").append(scopes(key));
    if (!key.senders().isEmpty()) {
      detail.append(" senders=").append(String.join(",", key.senders()));
    }
    if (!key.allowedNetworks().isEmpty()) {
      detail.append(" allow=").append(String.join(",", key.allowedNetworks()));
    }
    if (!key.limits().equals(ApiKey.Limits.NONE)) {
      detail.append(' ').append(limits(key.limits()));
    }
    return detail.toString();
  }
}

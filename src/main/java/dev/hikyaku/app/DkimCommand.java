package dev.hikyaku.app;

import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.SigningKeys;
import java.io.PrintWriter;
import java.security.KeyPair;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku dkim}: the DKIM keys submitted mail is signed with (RFC 6376, RFC 8463). A new
 * key is pending until its TXT record is published and it is activated; activating retires the
 * key it replaces (rotation by selector, RFC 6376 §3.1). Private keys never leave the store.
 */
@Command(
    name = "dkim",
    description = "DKIM signing keys: generate, list, activate, retire, remove.",
    subcommands = {DkimCommand.Keygen.class, DkimCommand.ListKeys.class, DkimCommand.Activate.class, DkimCommand.Retire.class,
        DkimCommand.Remove.class})
final class DkimCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  // RFC 6376 §3.1: a selector is one or more DNS labels.
  private static final String LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";

  /** A sending domain: a DNS name by the rule of the config and {@code domain add}, of two labels or more. */
  static String domainArgument(String domain) throws Main.UserError {
    String name = AccountCommands.newDomain(domain);
    if (!name.contains(".")) {
      throw new Main.UserError("not a domain name: '" + domain + "' (a sending domain has two labels or more)");
    }
    return name;
  }

  static String selectorArgument(String selector) throws Main.UserError {
    String s = selector.toLowerCase(Locale.ROOT);
    if (!s.matches(LABEL + "(\\." + LABEL + ")*")) {
      throw new Main.UserError("not a selector: '" + selector + "' (DNS labels: letters, digits, hyphens)");
    }
    return s;
  }

  @Command(name = "keygen", description = "Generate a signing key and print the DNS record to publish.")
  static final class Keygen extends AccountCommands.StoreCommand {
    @Parameters(paramLabel = "DOMAIN") String domain;
    @Option(names = "--algorithm", defaultValue = "both", description = "rsa (RSA-SHA256, 2048 bit), ed25519 (RFC 8463) or both (default).")
    String algorithm;
    @Option(names = "--selector", description = "The selector (default: hk<yyyymm> with r or e for the algorithm); with both, -r and -e are added.")
    String selector;
    @Option(names = "--activate", description = "Sign with it at once (when the record is already published, or for a first key).")
    boolean isActivating;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      String d = domainArgument(domain);
      List<DkimAlgorithm> algorithms = switch (algorithm.toLowerCase(Locale.ROOT)) {
        case "both" -> List.of(DkimAlgorithm.RSA_SHA256, DkimAlgorithm.ED25519_SHA256);
        default -> List.of(DkimAlgorithm.named(algorithm)
            .orElseThrow(() -> new Main.UserError("unknown algorithm '" + algorithm + "' (rsa, ed25519 or both)")));
      };
      String month = YearMonth.now(Clock.systemUTC().withZone(ZoneOffset.UTC)).toString().replace("-", "");
      List<DkimKey> made = new ArrayList<>();
      for (DkimAlgorithm a : algorithms) {
        String suffix = a == DkimAlgorithm.RSA_SHA256 ? "r" : "e";
        String s = selector == null ? "hk" + month + suffix
            : algorithms.size() > 1 ? selectorArgument(selector) + "-" + suffix : selectorArgument(selector);
        KeyPair pair = a.generate();
        DkimKey key = DkimKeys.of(d, s, a, pair);
        store.signingKeys().add(new SigningKey(d, s, a.tag(), pair.getPrivate().getEncoded(), pair.getPublic().getEncoded(),
            "pending", Clock.systemUTC().instant()));
        changed("dkim keygen", key.recordName(), a.tag());
        if (isActivating) {
          store.signingKeys().activate(d, s);
          changed("dkim activate", key.recordName(), a.tag());
        }
        made.add(key);
      }
      for (DkimKey key : made) {
        out.printf("%s key %s for %s: %s%n", key.algorithm().tag(), key.selector(), key.domain(), isActivating ? "active" : "pending");
      }
      out.println();
      out.println("Publish in DNS:");
      made.forEach(key -> out.println(key.zoneLine()));
      if (!isActivating) {
        out.println();
        out.println("Once the record is published, sign with it:");
        made.forEach(key -> out.println("  hikyaku dkim activate " + key.domain() + " " + key.selector()));
      }
    }
  }

  @Command(name = "list", description = "List the DKIM keys, with their DNS records.")
  static final class ListKeys extends AccountCommands.StoreCommand {
    @Parameters(paramLabel = "DOMAIN", arity = "0..1") String domain;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Optional<String> only = domain == null ? Optional.empty() : Optional.of(domainArgument(domain));
      List<SigningKey> keys = store.signingKeys().list(only);
      for (SigningKey stored : keys) {
        DkimKey key = StoreDkimKeys.toKey(stored);
        out.printf("%-24s %-16s %-15s %-8s %s%n", stored.domain(), stored.selector(), stored.algorithm(), stored.state(),
            AccountCommands.time(stored.createdAt()));
        out.println("  " + key.zoneLine());
      }
      out.printf("%d key(s)%n", keys.size());
    }
  }

  /** A command on one key: DOMAIN SELECTOR; recorded as an admin change. */
  abstract static class OnKey extends AccountCommands.StoreCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN") String domain;
    @Parameters(index = "1", paramLabel = "SELECTOR") String selector;

    @Override
    final void run(Accounts accounts, PrintWriter out) throws Exception {
      String d = domainArgument(domain);
      String s = selectorArgument(selector);
      String done = apply(store.signingKeys(), d, s);
      changed("dkim " + spec.name(), s + "._domainkey." + d, "");
      out.println("key " + s + " of " + d + " " + done);
    }

    /** Does the change; returns the key's new state, for the reply. */
    abstract String apply(SigningKeys keys, String domain, String selector) throws Exception;
  }

  @Command(name = "activate", description = "Sign with this key from now on (within a minute on a running server); retires the key it replaces.")
  static final class Activate extends OnKey {
    @Override
    String apply(SigningKeys keys, String domain, String selector) throws Exception {
      keys.activate(domain, selector);
      return "active";
    }
  }

  @Command(name = "retire", description = "Stop signing with this key; keep it listed (its DNS record may still be needed).")
  static final class Retire extends OnKey {
    @Override
    String apply(SigningKeys keys, String domain, String selector) throws Exception {
      keys.retire(domain, selector);
      return "retired";
    }
  }

  @Command(name = "remove", description = "Delete this key for good.")
  static final class Remove extends OnKey {
    @Override
    String apply(SigningKeys keys, String domain, String selector) throws Exception {
      keys.remove(domain, selector);
      return "removed";
    }
  }
}

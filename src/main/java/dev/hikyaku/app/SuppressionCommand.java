package dev.hikyaku.app;

import static dev.hikyaku.app.TerminalText.visible;

import dev.hikyaku.protocol.ForwardPath;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.Suppression;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hikyaku suppression}: the recipients mail from a sending domain is refused for at RCPT
 * ({@code 550 5.1.1}, policy.SuppressionRule). Hard bounces are added by the server itself
 * ({@code delivery.suppress-statuses}); an operator lists, adds and removes entries here. A running
 * server sees a change at the next RCPT (the rule reads the store); adds and removes are recorded as
 * admin changes for the audit log.
 */
@Command(
    name = "suppression",
    description = "The suppression list: recipients refused at RCPT per sending domain (hard bounces, manual entries).",
    subcommands = {SuppressionCommand.ListEntries.class, SuppressionCommand.Add.class, SuppressionCommand.Remove.class})
final class SuppressionCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** An address by the RFC 5321 §4.1.2 grammar, in the canonical spelling RCPT is looked up with. */
  static String addressArgument(String address) throws Main.UserError {
    try {
      return canonicalAddress(address);
    } catch (IllegalArgumentException e) {
      throw new Main.UserError(e.getMessage());
    }
  }

  /**
   * {@code address} in the canonical spelling RCPT is looked up with, by the RFC 5321 §4.1.2
   * grammar (the one rule for the CLI and the API).
   *
   * @throws IllegalArgumentException saying what is wrong, for the user
   */
  static String canonicalAddress(String address) {
    ForwardPath path;
    try {
      path = ForwardPath.of(address);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an address: '" + address + "'", e);
    }
    if (path.isBarePostmaster()) {
      throw new IllegalArgumentException("not an address: '" + address + "' (a recipient needs a domain)");
    }
    return path.address();
  }

  @Command(name = "list", description = "List the suppressed recipients, by sending domain and recipient.")
  static final class ListEntries extends AccountCommands.StoreCommand {
    @Option(names = "--domain", paramLabel = "DOMAIN", description = "Only those of this sending domain.") String domain;
    @Option(names = "--recipient", paramLabel = "ADDRESS", description = "Only this recipient.") String recipient;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      Optional<String> d = domain == null ? Optional.empty() : Optional.of(DkimCommand.domainArgument(domain));
      Optional<String> r = recipient == null ? Optional.empty() : Optional.of(addressArgument(recipient));
      List<Suppression> entries = store.suppressions().list(d, r);
      if (!entries.isEmpty()) {
        out.printf("%-24s  %-32s  %-11s  %-20s  %s%n", "DOMAIN", "RECIPIENT", "REASON", "SINCE", "CAUSE");
      }
      for (Suppression s : entries) {
        String cause = s.cause().orElse("-");
        // Stored text may come from a remote server's reply: shown escaped, as every listing does.
        out.printf("%-24s  %-32s  %-11s  %-20s  %s%n", visible(s.senderDomain()), "<" + visible(s.recipient()) + ">",
            s.reason().keyword(), AccountCommands.time(s.createdAt()), visible(cause));
      }
      out.printf("%d suppression(s)%n", entries.size());
    }
  }

  /** A command on one entry: DOMAIN ADDRESS; recorded as an admin change. */
  abstract static class OnEntry extends AccountCommands.StoreCommand {
    @Parameters(index = "0", paramLabel = "DOMAIN", description = "The sending domain (the MAIL FROM address's domain).") String domain;
    @Parameters(index = "1", paramLabel = "ADDRESS", description = "The recipient.") String address;

    @Override
    final void run(Accounts accounts, PrintWriter out) throws Exception {
      String d = DkimCommand.domainArgument(domain);
      String a = addressArgument(address);
      String done = apply(d, a);
      changed("suppression " + spec.name(), a, "for " + d);
      out.println("<" + visible(a) + "> " + done + " for mail from " + d);
    }

    abstract String apply(String domain, String address) throws Exception;
  }

  @Command(name = "add", description = "Refuse this recipient at RCPT for mail from this sending domain.")
  static final class Add extends OnEntry {
    @Override
    String apply(String domain, String address) throws Exception {
      store.suppressions().add(Suppression.manual(domain, address, Clock.systemUTC().instant()));
      return "suppressed";
    }
  }

  @Command(name = "remove", description = "Take this recipient off the list for this sending domain.")
  static final class Remove extends OnEntry {
    @Override
    String apply(String domain, String address) throws Exception {
      store.suppressions().remove(domain, address);
      return "no longer suppressed";
    }
  }
}

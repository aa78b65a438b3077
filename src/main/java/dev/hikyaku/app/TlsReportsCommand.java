package dev.hikyaku.app;

import static dev.hikyaku.app.TerminalText.visible;

import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.TlsReports;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hikyaku tls-reports}: the TLS reports (RFC 8460) other senders sent about mail to our
 * hosted domains, by HTTPS POST to the API listener's {@code /tlsrpt}: who sent each, for which
 * day, how many sessions went well and how many failed; {@code --json} prints the reports as sent.
 */
@Command(
    name = "tls-reports",
    description = "The TLS reports (RFC 8460) other senders POSTed to /tlsrpt about mail to the hosted domains.",
    subcommands = {TlsReportsCommand.ListReports.class})
final class TlsReportsCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "list", description = "List the reports received, newest first.")
  static final class ListReports extends AccountCommands.StoreCommand {
    @Option(names = "--domain", paramLabel = "DOMAIN", description = "Only those about this domain.") String domain;
    @Option(names = "--days", paramLabel = "N", defaultValue = "30", description = "Reports of the last N days (default ${DEFAULT-VALUE}).")
    int days;
    @Option(names = "--json", description = "Print each report as it was sent (one JSON document per line).") boolean isJson;

    @Override
    void run(Accounts accounts, PrintWriter out) throws Exception {
      if (days < 1) {
        throw new Main.UserError("--days must be 1 or more, was " + days);
      }
      Optional<String> d = domain == null ? Optional.empty() : Optional.of(DkimCommand.domainArgument(domain));
      List<TlsReports.Received> reports =
          store.tlsReports().received(d, Instant.now().minus(Duration.ofDays(days)), 10_000);
      if (isJson) {
        reports.forEach(r -> out.println(r.report().replace("\r", "").replace("\n", "")));
        return;
      }
      if (!reports.isEmpty()) {
        out.printf("%-24s  %-20s  %-20s  %10s  %8s  %s%n", "DOMAIN", "FROM", "TO", "SUCCESSFUL", "FAILED", "REPORTER (REPORT-ID)");
      }
      for (TlsReports.Received r : reports) {
        // Reporters' text is anyone's: shown escaped, as every listing does.
        out.printf("%-24s  %-20s  %-20s  %10d  %8d  %s (%s)%n", visible(r.policyDomain()), AccountCommands.time(r.start()),
            AccountCommands.time(r.end()), r.successes(), r.failures(), visible(r.organization()), visible(r.reportId()));
      }
      out.printf("%d report(s)%n", reports.size());
    }
  }
}

package dev.hikyaku.app;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DnsDoctor;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hikyaku dns check DOMAIN}: the DNS records a sending domain needs, and what to publish. */
@Command(name = "dns", description = "Check a domain's DNS for sending through this server.", subcommands = DnsCommand.Check.class)
final class DnsCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "check",
      description = "List MX, SPF (for this server), DKIM selectors, DMARC, MTA-STS and TLS-RPT: published and correct, or the record to add."
          + " Exit status 0 when all are in order, 1 otherwise.")
  static final class Check implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The server's config file (host name, DNS servers, data directory).")
    Path config;
    @Parameters(paramLabel = "DOMAIN") String domain;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      String d = DkimCommand.domainArgument(domain);
      HikyakuConfig effective = Main.loadConfig(config);
      List<DkimKey> keys = new ArrayList<>();
      if (StoreOpening.exists(effective)) {
        try (Store store = StoreOpening.open(effective, Clock.systemUTC())) {
          for (SigningKey stored : store.signingKeys().list(Optional.of(d))) {
            if (!stored.state().equals("retired")) {
              keys.add(StoreDkimKeys.toKey(stored));
            }
          }
        }
      }
      var delivery = effective.delivery();
      DnsDoctor doctor = new DnsDoctor(new DnsjavaResolver(delivery.dnsServers(), delivery.dnsTimeout(), 2));
      List<DnsDoctor.Finding> findings = doctor.check(d, effective.hostname(), keys);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("DNS of %s for sending through %s%n", d, effective.hostname());
      boolean isAllOk = true;
      for (DnsDoctor.Finding f : findings) {
        out.printf("  %-8s %-8s %s%n", f.kind(), f.status().label(), f.detail());
        f.fix().ifPresent(fix -> out.printf("           publish: %s%n", fix));
        isAllOk &= f.status() == DnsDoctor.Status.OK;
      }
      out.println(isAllOk ? "all records in order" : "some records need attention (see above)");
      out.flush();
      return isAllOk ? 0 : 1;
    }
  }
}

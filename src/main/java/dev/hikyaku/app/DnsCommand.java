package dev.hikyaku.app;

import dev.hikyaku.config.HikyakuConfig;
import dev.hikyaku.delivery.MtaStsPolicies;
import dev.hikyaku.delivery.MtaStsPolicy;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import dev.hikyaku.dns.Tlsa;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DnsDoctor;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
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
      description = "List MX, SPF (for this server), DKIM selectors, DMARC, MTA-STS, TLS-RPT and this server's TLSA (DANE): published and correct, or the record to add."
          + " With an MTA-STS record, the policy is fetched over HTTPS and held against the MX hosts."
          + " Exit status 0 when all are in order, 1 otherwise.")
  static final class Check implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "The server's config file (host name, DNS servers, data directory).")
    Path config;
    @Parameters(paramLabel = "DOMAIN") String domain;
    @Option(names = "--trust", paramLabel = "PEM",
        description = "Verify the MTA-STS policy host against these certificates (a private CA) instead of the JDK's roots.")
    Path trust;
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
      DnsjavaResolver resolver = new DnsjavaResolver(delivery.dnsServers(), delivery.dnsTimeout(), 2);
      DnsDoctor doctor = new DnsDoctor(resolver);
      List<DnsDoctor.Finding> findings = new ArrayList<>(doctor.check(d, effective.hostname(), keys));
      if (findings.stream().anyMatch(f -> f.kind().equals("MTA-STS") && f.status() == DnsDoctor.Status.OK)) {
        findings.add(mtaStsPolicy(d, resolver, delivery.mtaStsPort(), trusting(trust)));
      }
      serverCertificate(effective).ifPresent(certificate -> findings.add(tlsa(effective.hostname(), certificate, resolver)));
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

    /** The certificate this server presents: the configured one, else the self-signed one it made. */
    private static Optional<X509Certificate> serverCertificate(HikyakuConfig config) throws Main.UserError {
      Path file = config.tls().certificate().orElse(config.selfSignedTlsDirectory().resolve(TlsContexts.SELF_SIGNED_CERTIFICATE));
      if (!Files.isReadable(file)) {
        return Optional.empty(); // no certificate yet: the server makes one at its first start
      }
      try (var in = Files.newInputStream(file)) {
        return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
      } catch (IOException | GeneralSecurityException e) {
        throw new Main.UserError(file + ": not a readable certificate: " + e.getMessage());
      }
    }

    /**
     * The DANE record for this server as an MX (RFC 7672 §3.1, RFC 6698): {@code _25._tcp.<hostname>}
     * TLSA 3 1 1, the SHA-256 of the certificate's public key, which survives renewals that keep the
     * key. Senders use it only when the zone is DNSSEC-signed, which this check does not see.
     */
    static DnsDoctor.Finding tlsa(String hostname, X509Certificate certificate, DnsjavaResolver resolver) {
      String name = "_25._tcp." + hostname.toLowerCase(Locale.ROOT);
      String wanted;
      try {
        wanted = "3 1 1 " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
      } catch (GeneralSecurityException e) {
        return new DnsDoctor.Finding("TLSA", DnsDoctor.Status.UNKNOWN, "SHA-256 unavailable: " + e.getMessage(), Optional.empty());
      }
      Optional<String> fix = Optional.of(name + ". IN TLSA " + wanted + " (in a DNSSEC-signed zone; RFC 7672)");
      return switch (resolver.tlsa(name).lookup()) {
        case Lookup.Found<List<Tlsa>> found -> found.value().stream().map(Tlsa::presentation).toList().contains(wanted)
            ? new DnsDoctor.Finding("TLSA", DnsDoctor.Status.OK, name + " " + wanted, Optional.empty())
            : new DnsDoctor.Finding("TLSA", DnsDoctor.Status.WRONG, name + " has "
                + found.value().stream().map(Tlsa::presentation).toList()
                + ", none for the certificate this server presents: DANE senders will not deliver here", fix);
        case Lookup.TemporaryFailure<List<Tlsa>> failure ->
            new DnsDoctor.Finding("TLSA", DnsDoctor.Status.UNKNOWN, failure.reason(), Optional.empty());
        default -> new DnsDoctor.Finding("TLSA", DnsDoctor.Status.MISSING,
            name + ": none (DANE, RFC 7672: lets DNSSEC-validating senders insist on TLS to this server)", fix);
      };
    }

    /** {@code --trust}: a context that trusts exactly the certificates in the PEM file. */
    private static Optional<SSLContext> trusting(Path pem) throws Main.UserError {
      if (pem == null) {
        return Optional.empty();
      }
      try (var in = Files.newInputStream(pem)) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("trusted-" + n++, certificate);
        }
        if (n == 0) {
          throw new Main.UserError("--trust " + pem + ": no certificate in it");
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return Optional.of(context);
      } catch (IOException | GeneralSecurityException e) {
        throw new Main.UserError("--trust " + pem + ": " + e.getMessage());
      }
    }

    /**
     * The policy the {@code _mta-sts} record announces, fetched as a sending server fetches it (RFC
     * 8461 §3.3: HTTPS, the certificate verified against the JDK's roots, no redirects), read, and
     * held against the domain's MX hosts: in mode enforce, mail to an MX host it does not name would
     * wait and then bounce.
     */
    static DnsDoctor.Finding mtaStsPolicy(String domain, DnsjavaResolver resolver, int port, Optional<SSLContext> trust) {
      MtaStsPolicy policy;
      try {
        policy = MtaStsPolicy.parse(MtaStsPolicies.fetcher(resolver, port, trust).fetch(domain));
      } catch (IOException | IllegalArgumentException e) {
        return new DnsDoctor.Finding("POLICY", DnsDoctor.Status.WRONG, "https://mta-sts." + domain
            + "/.well-known/mta-sts.txt: " + e.getMessage(),
            Optional.of("a policy there (RFC 8461 §3.2): lines version: STSv1, mode: testing (enforce once it works),"
            + " an mx: line per MX host, max_age: 604800"));
      }
      String mode = policy.mode().name().toLowerCase(Locale.ROOT);
      List<String> unnamed = switch (resolver.mx(domain)) {
        case Lookup.Found<List<MxRecord>> found -> found.value().stream().map(MxRecord::host)
            .filter(host -> !host.equals(MxRecord.ROOT) && !policy.matches(host)).toList();
        default -> List.of();
      };
      String detail = "mode " + mode + ", mx " + policy.mx() + ", max_age " + policy.maxAge().toSeconds() + " s";
      if (!unnamed.isEmpty() && policy.mode() != MtaStsPolicy.Mode.NONE) {
        return new DnsDoctor.Finding("POLICY", DnsDoctor.Status.WRONG, detail + "; MX host(s) " + unnamed
            + " not named by it: senders " + (policy.mode() == MtaStsPolicy.Mode.ENFORCE ? "will not deliver there" : "report them"),
            Optional.of("add to the policy: " + unnamed.stream().map(h -> "mx: " + h).reduce((a, b) -> a + ", " + b).orElse("")
                + " (and change the record's id)"));
      }
      return new DnsDoctor.Finding("POLICY", DnsDoctor.Status.OK, detail, Optional.empty());
    }
  }
}

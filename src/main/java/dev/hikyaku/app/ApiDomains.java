package dev.hikyaku.app;

import dev.hikyaku.api.DomainDesk;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.dns.DnsjavaResolver;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.mailauth.DkimAlgorithm;
import dev.hikyaku.mailauth.DkimKey;
import dev.hikyaku.mailauth.DkimKeys;
import dev.hikyaku.mailauth.DnsDoctor;
import dev.hikyaku.net.TlsContexts;
import dev.hikyaku.store.SigningKey;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The domains for the operators' side of the API, as the CLI's {@code dkim} and {@code dns check}
 * commands do it: the store for the keys, the server's own DNS resolver and certificate for the
 * check. Changes are published as the CLI records them ({@link Event.AdminChange}), naming who made
 * them.
 */
final class ApiDomains implements DomainDesk {

  private final Store store;
  private final Events events;
  private final Clock clock;
  private final DnsjavaResolver resolver;
  private final String hostname;
  private final Optional<TlsContexts> tls;
  private final int mtaStsPort;

  ApiDomains(Store store, Events events, Clock clock, DnsjavaResolver resolver, String hostname, Optional<TlsContexts> tls,
      int mtaStsPort) {
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.resolver = resolver;
    this.hostname = hostname;
    this.tls = tls;
    this.mtaStsPort = mtaStsPort;
  }

  @Override
  public List<Domain> domains() throws Unavailable {
    try {
      List<Domain> domains = new ArrayList<>();
      for (String domain : store.domains().list()) {
        domains.add(new Domain(domain, keys(domain)));
      }
      return domains;
    } catch (StoreException e) {
      throw new Unavailable("listing the domains: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<List<Finding>> check(String domain) throws Unavailable {
    List<DkimKey> keys = new ArrayList<>();
    try {
      if (!store.domains().list().contains(domain)) {
        return Optional.empty();
      }
      for (SigningKey stored : store.signingKeys().list(Optional.of(domain))) {
        if (!stored.state().equals("retired")) {
          keys.add(StoreDkimKeys.toKey(stored));
        }
      }
    } catch (StoreException | GeneralSecurityException e) {
      throw new Unavailable("reading the DKIM keys of " + domain + ": " + e.getMessage(), e);
    }
    List<DnsDoctor.Finding> findings = new ArrayList<>(new DnsDoctor(resolver).check(domain, hostname, keys));
    if (findings.stream().anyMatch(f -> f.kind().equals("MTA-STS") && f.status() == DnsDoctor.Status.OK)) {
      findings.add(DnsCommand.Check.mtaStsPolicy(domain, resolver, mtaStsPort, Optional.empty()));
    }
    tls.ifPresent(contexts -> findings.add(DnsCommand.Check.tlsa(hostname, contexts.currentCertificate(), resolver)));
    return Optional.of(findings.stream()
        .map(f -> new Finding(f.kind(), f.status().label(), f.detail(), f.fix()))
        .toList());
  }

  @Override
  public Optional<DomainDesk.Key> newKey(String domain, String algorithm, String by) throws Unavailable {
    DkimAlgorithm chosen = algorithm.equals("ed25519") ? DkimAlgorithm.ED25519_SHA256 : DkimAlgorithm.RSA_SHA256;
    try {
      if (!store.domains().list().contains(domain)) {
        return Optional.empty();
      }
      // As dkim keygen names them: hk<yyyymm>r or e, then -2, -3 ... when the month has one already.
      String base = "hk" + YearMonth.now(clock.withZone(ZoneOffset.UTC)).toString().replace("-", "")
          + (chosen == DkimAlgorithm.RSA_SHA256 ? "r" : "e");
      List<String> taken = store.signingKeys().list(Optional.of(domain)).stream().map(SigningKey::selector).toList();
      String selector = base;
      for (int n = 2; taken.contains(selector); n++) {
        selector = base + "-" + n;
      }
      KeyPair pair = chosen.generate();
      SigningKey stored = new SigningKey(domain, selector, chosen.tag(), pair.getPrivate().getEncoded(), pair.getPublic().getEncoded(),
          "pending", clock.instant());
      store.signingKeys().add(stored);
      DkimKey key = DkimKeys.of(domain, selector, chosen, pair);
      told("dkim keygen", key.recordName(), chosen.tag() + " by " + by);
      return Optional.of(view(stored, key));
    } catch (StoreException | GeneralSecurityException e) {
      throw new Unavailable("making a DKIM key for " + domain + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<DomainDesk.Key> activate(String domain, String selector, String by) throws Unavailable {
    try {
      if (store.signingKeys().list(Optional.of(domain)).stream().noneMatch(k -> k.selector().equals(selector))) {
        return Optional.empty();
      }
      store.signingKeys().activate(domain, selector);
      told("dkim activate", selector + "._domainkey." + domain, "by " + by);
      return keys(domain).stream().filter(k -> k.selector().equals(selector)).findFirst();
    } catch (StoreException e) {
      throw new Unavailable("activating DKIM key " + selector + " of " + domain + ": " + e.getMessage(), e);
    }
  }

  private List<DomainDesk.Key> keys(String domain) throws StoreException {
    List<DomainDesk.Key> keys = new ArrayList<>();
    for (SigningKey stored : store.signingKeys().list(Optional.of(domain))) {
      try {
        keys.add(view(stored, StoreDkimKeys.toKey(stored)));
      } catch (GeneralSecurityException e) {
        throw new StoreException(StoreException.Kind.CORRUPT, "DKIM key " + stored.selector() + " of " + domain
            + " cannot be read: " + e.getMessage());
      }
    }
    return keys;
  }

  private static DomainDesk.Key view(SigningKey stored, DkimKey key) {
    return new DomainDesk.Key(stored.selector(), stored.algorithm(), stored.state(), stored.createdAt(), key.recordName(),
        key.record());
  }

  private void told(String command, String subject, String detail) {
    events.publish(new Event.AdminChange(clock.instant(), command, subject, detail));
  }
}

package dev.hikyaku.delivery;

import dev.hikyaku.dns.DnssecResolver;
import dev.hikyaku.dns.Lookup;
import dev.hikyaku.dns.MxRecord;
import dev.hikyaku.dns.Tlsa;
import dev.hikyaku.dns.Validated;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Opportunistic DANE TLS (RFC 7672 §2.2): from DNSSEC-validated lookups, which MX hosts of a
 * destination must be reached over TLS and authenticated by their TLSA records. Only a secure MX
 * RRset (or a secure answer that there is none: the domain is its own MX) makes the destination a
 * DANE one; then each host's addresses must be secure for its TLSA records to be looked up, and a
 * host whose TLSA lookup fails (bogus, or no answer) is not used at all: an attacker who can block
 * the lookup must not get a plaintext or unauthenticated connection instead.
 */
public final class Dane {

  /** No DANE: every destination is {@link Destination.NotDane}. */
  public static final Dane OFF = new Dane(Optional.empty());

  private final Optional<DnssecResolver> dns;

  private Dane(Optional<DnssecResolver> dns) {
    this.dns = dns;
  }

  /** DANE from the lookups of a validating resolver. */
  public static Dane over(DnssecResolver dns) {
    return new Dane(Optional.of(Objects.requireNonNull(dns, "dns")));
  }

  /** What DANE says of a destination domain (an A-label, lower case). */
  public sealed interface Destination {
    /** Not a DANE destination: its MX RRset is not secure, or DANE is off or cannot validate. */
    record NotDane() implements Destination {}

    /** The validated MX lookup failed (bogus, or no answer): nothing may be sent now (§2.2.1). */
    record Failed(String reason) implements Destination {}

    /** The MX RRset (or its absence) is secure: each host is to be looked at ({@link #host}). */
    record Secure() implements Destination {}
  }

  /** What DANE says of one MX host of a {@link Destination.Secure} destination. */
  public sealed interface Host {
    /** No secure TLSA records: delivered as any other host (§2.2: the TLSA RRset is empty or insecure). */
    record NotDane() implements Host {}

    /** Secure TLSA records, none usable: TLS is required, not authenticated (§2.2, §3.1.3). */
    record TlsRequired(List<Tlsa> records) implements Host {
      public TlsRequired {
        records = List.copyOf(records);
      }
    }

    /** Secure, usable TLSA records: TLS is required, and the certificate must match one of them. */
    record Authenticated(List<Tlsa> records) implements Host {
      public Authenticated {
        records = List.copyOf(records);
      }
    }

    /** The host's address or TLSA lookup failed (bogus, or no answer): it is not used (§2.2). */
    record Unusable(String reason) implements Host {}
  }

  /** RFC 7672 §2.2.1: whether {@code domain}'s MX RRset, or its absence, is DNSSEC-secure. */
  public Destination destination(String domain) {
    if (dns.isEmpty() || !dns.get().isValidating()) {
      return new Destination.NotDane();
    }
    Validated<List<MxRecord>> mx = dns.get().secureMx(domain);
    return switch (mx.lookup()) {
      case Lookup.TemporaryFailure<List<MxRecord>>(String reason) -> new Destination.Failed(reason);
      default -> mx.isSecure() ? new Destination.Secure() : new Destination.NotDane();
    };
  }

  /**
   * RFC 7672 §2.2.2 and §2.2.3, for a host of a {@link Destination.Secure} destination: its
   * addresses must be secure for its TLSA records ({@code _25._tcp.<host>}, or the port the MX is
   * reached on) to count.
   */
  public Host host(String name, int port) {
    if (dns.isEmpty()) {
      return new Host.NotDane();
    }
    Validated<List<InetAddress>> addresses = dns.get().secureAddresses(name);
    if (addresses.lookup() instanceof Lookup.TemporaryFailure<List<InetAddress>>(String reason)) {
      return new Host.Unusable(reason);
    }
    if (!addresses.isSecure()) {
      return new Host.NotDane();
    }
    Validated<List<Tlsa>> tlsa = dns.get().tlsa("_" + port + "._tcp." + name);
    return switch (tlsa.lookup()) {
      case Lookup.TemporaryFailure<List<Tlsa>>(String reason) -> new Host.Unusable("TLSA lookup for " + name + ": " + reason);
      case Lookup.Found<List<Tlsa>>(List<Tlsa> records) when tlsa.isSecure() ->
          records.stream().anyMatch(Tlsa::isUsableForSmtp) ? new Host.Authenticated(records) : new Host.TlsRequired(records);
      default -> new Host.NotDane(); // NXDOMAIN or NODATA, or an insecure RRset
    };
  }
}

package dev.hikyaku.delivery;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What one TLS session towards an MX host of a policy domain came to, for SMTP TLS Reporting (RFC
 * 8460 §4): the policy applied, and success or the failure's result type. A session that failed
 * before it began (the TLSA records could not be had) counts too.
 *
 * @param mxHost the MX host name
 * @param receivingIp its address, empty when no connection was made
 */
public record TlsSession(Policy policy, String mxHost, String receivingIp, Optional<Failure> failure) {

  public TlsSession {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(mxHost, "mxHost");
    Objects.requireNonNull(receivingIp, "receivingIp");
    Objects.requireNonNull(failure, "failure");
  }

  /**
   * The policy applied (RFC 8460 §4.4 "policy"): its type, the domain it is of, its text line by
   * line (the MTA-STS policy; the TLSA records), and the MX patterns of an MTA-STS policy.
   */
  public record Policy(Type type, String domain, List<String> strings, List<String> mxHosts) {
    public Policy {
      Objects.requireNonNull(type, "type");
      domain = domain.toLowerCase(Locale.ROOT);
      strings = List.copyOf(strings);
      mxHosts = List.copyOf(mxHosts);
    }

    /** RFC 8460 §4.4 policy-type. */
    public enum Type {
      STS("sts"),
      TLSA("tlsa"),
      NO_POLICY_FOUND("no-policy-found");

      private final String name;

      Type(String name) {
        this.name = name;
      }

      /** As in a report. */
      public String reportName() {
        return name;
      }
    }
  }

  /** RFC 8460 §4.3: the result types of a failed session, named as a report names them. */
  public enum Failure {
    STARTTLS_NOT_SUPPORTED,
    CERTIFICATE_HOST_MISMATCH,
    CERTIFICATE_EXPIRED,
    CERTIFICATE_NOT_TRUSTED,
    VALIDATION_FAILURE,
    TLSA_INVALID,
    DNSSEC_INVALID,
    STS_POLICY_FETCH_ERROR,
    STS_POLICY_INVALID,
    STS_WEBPKI_INVALID;

    /** As in a report: lower case, with hyphens. */
    public String resultType() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** Where delivery tells of its sessions. */
  @FunctionalInterface
  public interface Sink {
    void record(TlsSession session);

    /** Tells no one. */
    Sink NONE = session -> {};
  }
}

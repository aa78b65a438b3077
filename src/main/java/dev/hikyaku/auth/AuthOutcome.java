package dev.hikyaku.auth;

import dev.hikyaku.auth.sasl.Mechanism;

/**
 * How an authentication exchange ended. Refusals keep the reason for the operator (audit log) apart
 * from what the client is told, which is the same for every credential failure (no enumeration).
 */
public sealed interface AuthOutcome {

  record Authenticated(Principal principal, Mechanism mechanism, String credential) implements AuthOutcome {}

  /**
   * @param account the account the client named, or "" when it named none; never a secret
   * @param reason for the log only: "unknown account", "wrong password", "token expired ..."
   */
  record Refused(Refusal refusal, String account, String reason) implements AuthOutcome {}

  enum Refusal {
    /** 535 5.7.8: unknown account, wrong secret, disabled account, bad token. */
    INVALID_CREDENTIALS,
    /** 534 5.7.9: the account has no credential this mechanism can use. */
    TOO_WEAK,
    /** 454 4.7.0: the store or the token issuer is unreachable. */
    UNAVAILABLE,
    /** 501 5.5.2: the response does not parse. */
    MALFORMED
  }
}

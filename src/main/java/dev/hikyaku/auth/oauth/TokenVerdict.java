package dev.hikyaku.auth.oauth;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link BearerTokenValidator#validate} concluded about one bearer token. Never carries the token.
 */
public sealed interface TokenVerdict {

  /** RFC 6750 §3.1 error codes, used as the {@code status} of the RFC 7628 §3.2.2 error challenge. */
  String INVALID_TOKEN = "invalid_token";

  String INVALID_REQUEST = "invalid_request";

  String INSUFFICIENT_SCOPE = "insufficient_scope";

  /**
   * The token is authentic, current and meant for us.
   *
   * @param account the value of the issuer's account claim (e.g. {@code email})
   * @param subject the token's {@code sub} claim (RFC 7519 §4.1.2)
   * @param expiresAt the token's {@code exp} (without clock skew)
   */
  record Valid(String account, String subject, Instant expiresAt) implements TokenVerdict {
    public Valid {
      Objects.requireNonNull(account, "account");
      Objects.requireNonNull(subject, "subject");
      Objects.requireNonNull(expiresAt, "expiresAt");
    }
  }

  /**
   * The token is refused.
   *
   * @param reason for the operator's log: names the problem, never the token
   * @param status for the client challenge: {@code invalid_token}, {@code invalid_request} or
   *     {@code insufficient_scope}
   */
  record Invalid(String reason, String status) implements TokenVerdict {
    private static final Set<String> STATUSES = Set.of(INVALID_TOKEN, INVALID_REQUEST, INSUFFICIENT_SCOPE);

    public Invalid {
      Objects.requireNonNull(reason, "reason");
      if (!STATUSES.contains(status)) {
        throw new IllegalArgumentException("status must be one of " + STATUSES + ", got " + status);
      }
    }
  }

  /**
   * The issuer's keys could not be fetched or read, so the token could be neither accepted nor
   * refused: the caller answers 454 4.7.0 (temporary, RFC 4954 §6).
   *
   * @param reason for the operator's log
   */
  record Unavailable(String reason) implements TokenVerdict {
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
    }
  }
}

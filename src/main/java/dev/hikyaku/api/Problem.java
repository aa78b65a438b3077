package dev.hikyaku.api;

import java.net.URI;
import java.util.Objects;

/**
 * One RFC 9457 problem detail: what an API error response carries as {@code application/problem+json}.
 * Built only by {@link Problems}, which also writes them.
 *
 * @param type stable URI naming the kind of error (RFC 9457 §3.1.1); clients switch on it
 * @param title short summary of the type, the same for every occurrence (§3.1.3)
 * @param status the HTTP status code, repeated in the body (§3.1.2)
 * @param detail what went wrong with this request, for a human (§3.1.4); never a secret
 */
public record Problem(URI type, String title, int status, String detail) {

  public Problem {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(detail, "detail");
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("a problem is a 4xx or 5xx status, not " + status);
    }
  }
}

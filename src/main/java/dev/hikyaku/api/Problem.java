package dev.hikyaku.api;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * One RFC 9457 problem detail: what an API error response carries as {@code application/problem+json}.
 * Built only by {@link Problems}, which also writes them.
 *
 * @param type stable URI naming the kind of error (RFC 9457 §3.1.1); clients switch on it
 * @param title short summary of the type, the same for every occurrence (§3.1.3)
 * @param status the HTTP status code, repeated in the body (§3.1.2)
 * @param detail what went wrong with this request, for a human (§3.1.4); never a secret
 * @param errors the invalid members of the request, each by JSON pointer (RFC 6901), for a 422; an
 *     extension member (§3.2), written only when there are some
 */
public record Problem(URI type, String title, int status, String detail, List<FieldError> errors) {

  /** One invalid member: where it is in the request body, and what is wrong with it. */
  public record FieldError(String pointer, String detail) {
    public FieldError {
      Objects.requireNonNull(pointer, "pointer");
      Objects.requireNonNull(detail, "detail");
      if (!pointer.isEmpty() && !pointer.startsWith("/")) {
        throw new IllegalArgumentException("a JSON pointer is empty or starts with '/': " + pointer);
      }
    }
  }

  public Problem {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(detail, "detail");
    errors = List.copyOf(errors);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("a problem is a 4xx or 5xx status, not " + status);
    }
  }

  public Problem(URI type, String title, int status, String detail) {
    this(type, title, status, detail, List.of());
  }
}

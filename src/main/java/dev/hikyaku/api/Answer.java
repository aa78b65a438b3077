package dev.hikyaku.api;

import java.util.Map;
import java.util.Objects;

/**
 * What a route handler answers: a JSON document with its status, or a problem. Written by {@link
 * ApiServer}, so every response gets the same headers ({@code Cache-Control: no-store}).
 */
sealed interface Answer {

  /**
   * A JSON body.
   *
   * @param headers extra response headers ({@code Location}, {@code Link}, {@code
   *     Idempotent-Replayed}), in order
   */
  record Json(int status, String body, Map<String, String> headers) implements Answer {
    public Json {
      Objects.requireNonNull(body, "body");
      headers = Map.copyOf(headers);
    }

    public Json(int status, String body) {
      this(status, body, Map.of());
    }
  }

  /** 204: done, nothing to say (RFC 9110 §15.3.5: no content, so no {@code Content-Type}). */
  record NoContent() implements Answer {}

  /** A body served as is with its own media type ({@code /v1/openapi.yaml}). */
  record Document(String contentType, byte[] body) implements Answer {
    public Document {
      Objects.requireNonNull(contentType, "contentType");
      Objects.requireNonNull(body, "body");
    }
  }

  /** An error; {@code headers} as for {@link Json} ({@code Retry-After}, {@code WWW-Authenticate}). */
  record Failure(Problem problem, Map<String, String> headers) implements Answer {
    public Failure {
      Objects.requireNonNull(problem, "problem");
      headers = Map.copyOf(headers);
    }

    public Failure(Problem problem) {
      this(problem, Map.of());
    }
  }
}

package dev.hikyaku.api;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The catalogue of API errors and the one place that writes them (as {@code protocol.Replies} is for
 * SMTP). Each kind has a stable {@code type} URI under {@link #TYPE_BASE}; the URIs identify, they
 * need not resolve.
 */
public final class Problems {

  /** Every problem type URI starts with this. */
  public static final String TYPE_BASE = "https://hikyaku.dev/problems/";

  /** RFC 9457 §3. */
  public static final String CONTENT_TYPE = "application/problem+json";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private Problems() {}

  /** 401: no {@code Authorization: Bearer} header, or one that names no valid API key. */
  public static Problem unauthorized(String detail) {
    return new Problem(type("unauthorized"), "Unauthorized", 401, detail);
  }

  /** 403: a valid key whose allow-list does not hold the client's address. */
  public static Problem notAllowedFrom() {
    return new Problem(type("forbidden"), "Forbidden", 403, "this API key may not be used from this address");
  }

  /** 403: a valid key without the scope the request needs (RFC 6750 §3.1 {@code insufficient_scope}). */
  public static Problem insufficientScope(String scope) {
    return new Problem(type("insufficient-scope"), "Insufficient Scope", 403, "this API key lacks scope " + scope);
  }

  /** 403: a route for the server's operators, asked by a caller who speaks for an account only. */
  public static Problem operatorsOnly() {
    return new Problem(type("operators-only"), "Forbidden", 403,
        "this route is for the server's operators: an admin key of a console admin's account");
  }

  /** 409: the thing is in a state the request does not apply to. */
  public static Problem conflict(String detail) {
    return new Problem(type("conflict"), "Conflict", 409, detail);
  }

  /** 503: the store could not answer; the client may retry. */
  public static Problem unavailable() {
    return new Problem(type("unavailable"), "Service Unavailable", 503, "the server cannot answer now; try again later");
  }

  /** 500: a fault of ours; the log has the details, the client only this. */
  public static Problem internal() {
    return new Problem(type("internal"), "Internal Server Error", 500, "the server failed to answer; the fault is logged");
  }

  /** 404: no resource at this path. */
  public static Problem notFound(String path) {
    return new Problem(type("not-found"), "Not Found", 404, "there is no resource at " + path);
  }

  /** 405: a method the API never serves. */
  public static Problem methodNotAllowed(String method, List<String> allowed) {
    return new Problem(
        type("method-not-allowed"),
        "Method Not Allowed",
        405,
        "the API does not serve " + method + "; it serves " + String.join(", ", allowed));
  }

  /** 400: the body is not what any route reads (not JSON, empty, unreadable). */
  public static Problem badRequest(String detail) {
    return new Problem(type("bad-request"), "Bad Request", 400, detail);
  }

  /**
   * 413: the body is over {@code limit} octets. For a message, the limit is SMTP's SIZE ({@code
   * limits.max-message-size}): one limit whichever door a message comes in by.
   */
  public static Problem tooLarge(long limit) {
    return new Problem(type("too-large"), "Content Too Large", 413, "the request body is over the limit of " + limit + " octets");
  }

  /** 413: the message built from a JSON request is over {@code limit} octets, SMTP's SIZE. */
  public static Problem messageTooLarge(long size, long limit) {
    return new Problem(type("too-large"), "Content Too Large", 413, "the message built from the request is " + size
        + " octets, over the limit of " + limit + " (limits.max-message-size, SMTP's SIZE)");
  }

  /** 415: the body is of a media type the route does not read ({@code Accept-Post} says which). */
  public static Problem unsupportedMediaType(String detail) {
    return new Problem(type("unsupported-media-type"), "Unsupported Media Type", 415, detail);
  }

  /** 422: the body parsed, but members of it are invalid; each one is named by its JSON pointer. */
  public static Problem invalid(List<Problem.FieldError> errors) {
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an invalid request names at least one invalid member");
    }
    String detail = errors.size() == 1
        ? (errors.getFirst().pointer().isEmpty() ? "" : errors.getFirst().pointer() + ": ") + errors.getFirst().detail()
        : errors.size() + " members of the request are invalid";
    return new Problem(type("invalid-request"), "Invalid Request", 422, detail, errors);
  }

  /**
   * 422: a query or path parameter is unknown, repeated or invalid. The request has no body, so
   * there is no JSON pointer to name (RFC 6901 points into a document): {@code detail} names the
   * parameter instead, always first ({@code query parameter limit: must be ...}).
   *
   * @param parameter which one, with where it is: {@code query parameter limit}, {@code path
   *     parameter address}
   */
  public static Problem invalidParameter(String parameter, String detail) {
    return new Problem(type("invalid-parameter"), "Invalid Parameter", 422, parameter + ": " + detail);
  }

  /**
   * 409: the suppression list is kept per sending domain, and the key's account may send as no
   * address yet, so there is no list to put an address on.
   */
  public static Problem noSendingDomain(String account) {
    return new Problem(
        type("no-sending-domain"), "No Sending Domain", 409,
        "account " + account + " may send as no address, so it has no suppression list to add to");
  }

  /**
   * 403: the sender (MAIL FROM or a From: address) is not one the account owns, or is outside the
   * senders the API key is limited to: SMTP's 553/550 5.7.1 (RFC 6409 §4.2), whose text {@code
   * detail} carries.
   */
  public static Problem senderNotAllowed(String detail) {
    return new Problem(type("sender-not-allowed"), "Sender Not Allowed", 403, detail);
  }

  /** 403: the account is suspended from sending (compromised-account detection); SMTP's 550 5.7.1. */
  public static Problem accountSuspended(String detail) {
    return new Problem(type("account-suspended"), "Account Suspended", 403, detail);
  }

  /** 429: a sending rate or quota is used up for now ({@code Retry-After} says when to try again). */
  public static Problem rateLimited(String detail) {
    return new Problem(type("rate-limited"), "Too Many Requests", 429, detail);
  }

  /**
   * 422: the policy refused every recipient; each is named by its pointer with the reason (a
   * suppressed recipient's says since when and why, as SMTP's 550 5.1.1 does). Nothing was queued.
   */
  public static Problem recipientsRefused(List<Problem.FieldError> errors) {
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a refusal of every recipient names at least one");
    }
    return new Problem(type("recipients-refused"), "Recipients Refused", 422, "every recipient was refused; nothing was queued", errors);
  }

  /**
   * 422: the message itself was refused as SMTP would refuse it after DATA (no usable From:, a line
   * over 998 octets, a header that is not UTF-8); {@code detail} carries the SMTP reply.
   */
  public static Problem messageRefused(String detail) {
    return new Problem(type("message-refused"), "Message Refused", 422, detail);
  }

  /** 503: the queue's disk is below its free-space headroom (SMTP's 452 4.3.1); nothing was queued. */
  public static Problem queueFull() {
    return new Problem(type("queue-full"), "Service Unavailable", 503, "the queue has no room for the message now; try again later");
  }

  /** 409: the account has as many webhook endpoints as it may; remove one first. */
  public static Problem tooManyWebhooks(int limit) {
    return new Problem(type("too-many-webhooks"), "Too Many Webhooks", 409,
        "an account has at most " + limit + " webhook endpoints; remove one before adding another");
  }

  /**
   * 409: the webhook endpoint is disabled (it answered 410 Gone, or failed for the whole retry
   * schedule), so nothing is sent to it; remove it and add it again once the receiver is back.
   */
  public static Problem webhookDisabled() {
    return new Problem(type("webhook-disabled"), "Webhook Disabled", 409,
        "the webhook endpoint is disabled, so nothing is sent to it; remove it and add it again once the receiver is back");
  }

  /** 400: an {@code Idempotency-Key} header that is not 1 to 255 characters as an sf-string or a token. */
  public static Problem invalidIdempotencyKey(String detail) {
    return new Problem(type("invalid-idempotency-key"), "Invalid Idempotency Key", 400, detail);
  }

  /**
   * 409: a request with the same {@code Idempotency-Key} is still being answered
   * (draft-ietf-httpapi-idempotency-key-header-07 §2.7).
   */
  public static Problem idempotencyKeyInFlight() {
    return new Problem(type("idempotency-key-in-flight"), "Conflict", 409,
        "a request with this Idempotency-Key is still in progress; retry once it has been answered");
  }

  /**
   * 422: the {@code Idempotency-Key} was used within 24 hours for a request with another body
   * (draft-ietf-httpapi-idempotency-key-header-07 §2.7).
   */
  public static Problem idempotencyKeyReused() {
    return new Problem(type("idempotency-key-reused"), "Idempotency Key Reused", 422,
        "this Idempotency-Key was used for a request with another body; use a new key for a new request");
  }

  /**
   * Sends {@code problem} as the whole response: its status, {@code application/problem+json},
   * {@code Cache-Control: no-store}. Headers a status requires ({@code WWW-Authenticate}, {@code
   * Allow}) are the caller's to set before.
   */
  public static void send(ServerResponse response, Problem problem) {
    response.status(Status.create(problem.status()));
    response.header(HeaderNames.CONTENT_TYPE, CONTENT_TYPE);
    response.header(HeaderNames.CACHE_CONTROL, "no-store");
    response.send(toJson(problem).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The body: {@code type}, {@code title}, {@code status}, {@code detail}, in that order, then {@code
   * errors} when the problem names invalid members.
   */
  static String toJson(Problem problem) {
    return JSON.writeValueAsString(toNode(problem));
  }

  /** The body as a JSON object, for a problem inside another document (a batch's results). */
  static ObjectNode toNode(Problem problem) {
    ObjectNode body = JSON.createObjectNode();
    body.put("type", problem.type().toString());
    body.put("title", problem.title());
    body.put("status", problem.status());
    body.put("detail", problem.detail());
    if (!problem.errors().isEmpty()) {
      var errors = body.putArray("errors");
      for (Problem.FieldError error : problem.errors()) {
        errors.addObject().put("pointer", error.pointer()).put("detail", error.detail());
      }
    }
    return body;
  }

  private static URI type(String name) {
    return URI.create(TYPE_BASE + name);
  }
}

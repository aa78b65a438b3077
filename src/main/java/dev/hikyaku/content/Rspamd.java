package dev.hikyaku.content;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * rspamd over its HTTP protocol (rspamd.com/doc/developers/protocol.html): the message is POSTed to
 * {@code /checkv2} with the envelope and connection facts as request headers ({@code From}, one
 * {@code Rcpt} per recipient, {@code Ip}, {@code Helo}, {@code User}, {@code Queue-Id}, {@code
 * TLS-Version}), and the JSON answer's {@code action}, {@code score}, {@code required_score},
 * {@code symbols}, {@code messages.smtp_message} and {@code subject} become a {@link ScanVerdict}.
 * One budget covers connecting, sending and the answer; past it the request is given up ({@link
 * ScanVerdict.Unavailable}), never waited for.
 */
public final class Rspamd implements ContentScanner {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** The reason a rejection gives when rspamd names none. */
  static final String DEFAULT_REASON = "the message looks like spam";

  private final URI check;
  private final Duration budget;
  private final HttpClient http;

  /**
   * @param base rspamd's normal worker, {@code http://127.0.0.1:11333}
   * @param budget how long one scan may take in all
   */
  public Rspamd(URI base, Duration budget) {
    this.check = base.resolve("/checkv2");
    this.budget = Objects.requireNonNull(budget, "budget");
    this.http = HttpClient.newBuilder()
        .connectTimeout(budget)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  @Override
  public ScanVerdict scan(ScanRequest request) {
    HttpRequest.Builder post = HttpRequest.newBuilder(check)
        .timeout(budget)
        .header("Queue-Id", request.queueId())
        .header("Ip", request.client().getHostAddress())
        .header("Helo", oneLine(request.helo()))
        .header("Pass", "all")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.message()));
    if (!request.sender().isEmpty()) {
      post.header("From", oneLine(request.sender()));
    }
    request.recipients().forEach(recipient -> post.header("Rcpt", oneLine(recipient)));
    request.principal().ifPresent(user -> post.header("User", oneLine(user)));
    request.tls().ifPresent(tls -> post.header("TLS-Version", oneLine(tls)));
    HttpResponse<byte[]> response;
    CompletableFuture<HttpResponse<byte[]>> pending = http.sendAsync(post.build(), HttpResponse.BodyHandlers.ofByteArray());
    try {
      response = pending.get(budget.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true); // the connection is given up, not left to finish for no one
      return new ScanVerdict.Unavailable("rspamd did not answer within " + budget.toMillis() + " ms");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      return new ScanVerdict.Unavailable("rspamd at " + check.getAuthority() + ": "
          + (cause instanceof HttpTimeoutException ? "no answer within " + budget.toMillis() + " ms" : describe(cause)));
    } catch (InterruptedException e) {
      pending.cancel(true);
      Thread.currentThread().interrupt();
      return new ScanVerdict.Unavailable("interrupted while waiting for rspamd");
    }
    if (response.statusCode() != 200) {
      return new ScanVerdict.Unavailable("rspamd answered HTTP " + response.statusCode());
    }
    return verdict(response.body());
  }

  /** The verdict in rspamd's JSON answer; {@link ScanVerdict.Unavailable} for one that does not parse. */
  static ScanVerdict verdict(byte[] body) {
    JsonNode answer;
    try {
      answer = JSON.readTree(body);
    } catch (JacksonException e) {
      return new ScanVerdict.Unavailable("rspamd's answer is not JSON: " + e.getOriginalMessage());
    }
    if (!answer.isObject() || !answer.path("action").isString()) {
      return new ScanVerdict.Unavailable("rspamd's answer has no action");
    }
    List<String> symbols = new ArrayList<>();
    answer.path("symbols").propertyNames().forEach(symbols::add);
    ScanVerdict.Score score = new ScanVerdict.Score(answer.path("score").asDouble(0), answer.path("required_score").asDouble(0),
        symbols.stream().sorted().toList());
    String reason = answer.path("messages").path("smtp_message").asString("");
    reason = reason.isBlank() ? DEFAULT_REASON : oneLine(reason);
    return switch (answer.path("action").asString().toLowerCase(Locale.ROOT)) {
      case "reject" -> new ScanVerdict.Reject(score, reason);
      case "soft reject" -> new ScanVerdict.SoftReject(score, reason);
      case "rewrite subject" -> new ScanVerdict.RewriteSubject(score,
          answer.path("subject").isString() ? Optional.of(oneLine(answer.path("subject").asString())) : Optional.empty());
      case "add header" -> new ScanVerdict.AddHeader(score);
      default -> new ScanVerdict.Pass(score); // no action, greylist
    };
  }

  /** A header value or reason on one line, without controls: what a client sent must not split a field. */
  static String oneLine(String text) {
    return text.replaceAll("[\\x00-\\x1f\\x7f]+", " ").strip();
  }

  private static String describe(Throwable failure) {
    if (failure instanceof ConnectException) {
      return "connection refused";
    }
    String message = failure.getMessage();
    return failure instanceof IOException && message != null ? message
        : failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}

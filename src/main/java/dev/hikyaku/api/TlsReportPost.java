package dev.hikyaku.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /tlsrpt}: a TLS report (RFC 8460 §5.4) another sender POSTs about mail to one of our
 * hosted domains, without a key (reporters have none): {@code application/tlsrpt+gzip} or {@code
 * application/tlsrpt+json}, at most {@link #MAX_BODY} octets as sent and {@link #MAX_JSON} as JSON.
 * The report must carry what §4.4 requires (organization-name, date-range, report-id, policies
 * with their policy-domain and summary), else 422 naming the member. 201 when kept, 200 when the
 * same report was kept before, 422 when its domain is none of ours.
 */
final class TlsReportPost {

  static final String PATH = "/tlsrpt";
  static final String GZIP = "application/tlsrpt+gzip";
  static final String JSON = "application/tlsrpt+json";
  static final long MAX_BODY = 1 << 20;
  static final long MAX_JSON = 8L << 20;

  private static final Logger log = LoggerFactory.getLogger(TlsReportPost.class);

  private TlsReportPost() {}

  static Answer answer(ApiRequest request, TlsReportInbox inbox) throws Refusal {
    String type = request.mediaType().orElse("");
    if (!type.equals(GZIP) && !type.equals(JSON)) {
      throw new Refusal(Problems.unsupportedMediaType("a TLS report is " + GZIP + " or " + JSON + " (RFC 8460 §5.4)"),
          Map.of("Accept-Post", GZIP + ", " + JSON));
    }
    byte[] body = request.body(MAX_BODY);
    byte[] json = type.equals(GZIP) ? gunzipped(body) : body;
    TlsReportInbox.Report report = report(ApiRequest.parseJson(json), new String(json, StandardCharsets.UTF_8));
    TlsReportInbox.Receipt receipt;
    try {
      receipt = inbox.keep(report);
    } catch (Unavailable e) {
      log.warn("API: cannot keep a TLS report: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable(), Map.of("Retry-After", "60"));
    }
    return switch (receipt) {
      case KEPT -> new Answer.Json(201, "{\"report-id\":" + ApiRequest.JSON.writeValueAsString(report.reportId()) + "}");
      case ALREADY_KEPT -> new Answer.Json(200, "{\"report-id\":" + ApiRequest.JSON.writeValueAsString(report.reportId()) + "}");
      case NOT_OURS -> new Answer.Failure(Problems.invalid(List.of(new Problem.FieldError("/policies/0/policy/policy-domain",
          report.policyDomain() + " is not a domain this server receives mail for"))));
    };
  }

  /** The body inflated, refused 413 past {@link #MAX_JSON} (a small gzip can hold a great deal) and 400 when not gzip. */
  private static byte[] gunzipped(byte[] body) throws Refusal {
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
      byte[] json = in.readNBytes((int) MAX_JSON + 1);
      if (json.length > MAX_JSON) {
        throw new Refusal(Problems.tooLarge(MAX_JSON));
      }
      return json;
    } catch (IOException e) {
      throw new Refusal(Problems.badRequest("the body is not gzip (" + GZIP + "): " + e.getMessage()));
    }
  }

  /** The members §4.4 requires, each checked; 422 naming those that are missing or wrong. */
  private static TlsReportInbox.Report report(JsonNode json, String text) throws Refusal {
    List<Problem.FieldError> errors = new ArrayList<>();
    String organization = text(json, "organization-name", "/organization-name", errors);
    String reportId = text(json, "report-id", "/report-id", errors);
    JsonNode range = json.path("date-range");
    Instant start = time(range, "start-datetime", "/date-range/start-datetime", errors);
    Instant end = time(range, "end-datetime", "/date-range/end-datetime", errors);
    JsonNode policies = json.path("policies");
    String domain = "";
    long successes = 0;
    long failures = 0;
    if (!policies.isArray() || policies.isEmpty()) {
      errors.add(new Problem.FieldError("/policies", "must be an array of at least one policy"));
    } else {
      for (int i = 0; i < policies.size(); i++) {
        JsonNode entry = policies.get(i);
        String at = "/policies/" + i;
        String policyDomain = text(entry.path("policy"), "policy-domain", at + "/policy/policy-domain", errors).toLowerCase(Locale.ROOT);
        if (i == 0) {
          domain = policyDomain;
        } else if (!policyDomain.isEmpty() && !policyDomain.equals(domain)) {
          errors.add(new Problem.FieldError(at + "/policy/policy-domain", "a report is about one domain; the first is " + domain));
        }
        successes += count(entry.path("summary"), "total-successful-session-count", at + "/summary", errors);
        failures += count(entry.path("summary"), "total-failure-session-count", at + "/summary", errors);
      }
    }
    if (!errors.isEmpty()) {
      throw new Refusal(Problems.invalid(errors));
    }
    return new TlsReportInbox.Report(organization, reportId, domain, start, end, successes, failures, text);
  }

  private static String text(JsonNode node, String member, String pointer, List<Problem.FieldError> errors) {
    JsonNode value = node.path(member);
    if (!value.isString() || value.asString().isBlank()) {
      errors.add(new Problem.FieldError(pointer, "must be a non-empty string (RFC 8460 §4.4)"));
      return "";
    }
    return value.asString();
  }

  private static Instant time(JsonNode node, String member, String pointer, List<Problem.FieldError> errors) {
    String text = text(node, member, pointer, errors);
    if (text.isEmpty()) {
      return Instant.EPOCH;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      errors.add(new Problem.FieldError(pointer, "must be an RFC 3339 date-time, was '" + text + "'"));
      return Instant.EPOCH;
    }
  }

  private static long count(JsonNode summary, String member, String pointer, List<Problem.FieldError> errors) {
    JsonNode value = summary.path(member);
    if (!value.isIntegralNumber() || value.asLong() < 0) {
      errors.add(new Problem.FieldError(pointer + "/" + member, "must be a count (an integer of 0 or more)"));
      return 0;
    }
    return value.asLong();
  }
}

package dev.hikyaku.delivery;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A reply from a receiving SMTP server (RFC 5321 §4.2), as the client side reads it.
 *
 * @param code the three-digit reply code, the same on every line (RFC 5321 §4.2.1)
 * @param enhancedStatus the RFC 3463 code {@code class.subject.detail} when the first line starts with
 *     one whose class matches the reply code (RFC 2034 §4)
 * @param lines the text of each line after the code and its separator, as sent (enhanced status
 *     included); at least one, possibly empty
 */
public record SmtpReply(int code, Optional<String> enhancedStatus, List<String> lines) {

  /** RFC 5321 §4.1.1.1: ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"). */
  private static final Pattern KEYWORD = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");

  public SmtpReply {
    Objects.requireNonNull(enhancedStatus, "enhancedStatus");
    lines = List.copyOf(lines);
    // RFC 5321 §4.2: first digit 2-5 for a reply a client acts on (1yz is not used in SMTP).
    if (code < 200 || code > 599) {
      throw new IllegalArgumentException("RFC 5321 §4.2: reply code must be 2yz-5yz, was " + code);
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException("a reply has at least one line");
    }
  }

  /** A reply from its lines' texts, with the enhanced status taken from the first line if it has one. */
  public static SmtpReply of(int code, List<String> lines) {
    return new SmtpReply(code, enhancedStatusOf(code, lines.isEmpty() ? "" : lines.getFirst()), lines);
  }

  static Optional<String> enhancedStatusOf(int code, String text) {
    // RFC 3463 §3.1: the class must agree with the reply code's first digit; "2.0.0" on a 550 is a
    // misreading of text, not a status.
    return EnhancedStatus.atStartOf(text, 0)
        .map(EnhancedStatus.Found::status)
        .filter(status -> status.statusClass() == code / 100)
        .map(EnhancedStatus::toString);
  }

  /**
   * The keywords of a reply to EHLO (or LHLO), upper case, each with its parameters (empty when it
   * has none); lines that are no ehlo-keyword are left out.
   */
  Map<String, String> ehloKeywords() {
    Map<String, String> keywords = new LinkedHashMap<>();
    // RFC 5321 §4.1.1.1: the first line is the greeting domain; each further line one ehlo-line.
    for (String line : lines.subList(1, lines.size())) {
      String trimmed = line.strip();
      int space = trimmed.indexOf(' ');
      String keyword = space < 0 ? trimmed : trimmed.substring(0, space);
      if (KEYWORD.matcher(keyword).matches()) {
        keywords.put(keyword.toUpperCase(Locale.ROOT), space < 0 ? "" : trimmed.substring(space + 1).strip());
      }
    }
    return Map.copyOf(keywords);
  }

  /** RFC 5321 §4.2.1: 2yz, positive completion. */
  public boolean isPositive() {
    return code / 100 == 2;
  }

  /** RFC 5321 §4.2.1: 3yz, positive intermediate (354 to DATA, 334 to AUTH). */
  public boolean isIntermediate() {
    return code / 100 == 3;
  }

  /** RFC 5321 §4.2.1: 4yz, transient negative completion: the same request may succeed later. */
  public boolean isTransient() {
    return code / 100 == 4;
  }

  /** RFC 5321 §4.2.1: 5yz, permanent negative completion. */
  public boolean isPermanent() {
    return code / 100 == 5;
  }

  /**
   * The human-readable text: every line's text joined by a space, with the enhanced status that
   * RFC 2034 §4 repeats at the start of each line left out.
   */
  public String text() {
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      String rest = line;
      if (enhancedStatus.isPresent()) {
        Optional<EnhancedStatus.Found> status = EnhancedStatus.atStartOf(line, 0);
        if (status.isPresent()) {
          rest = line.substring(status.get().end()).stripLeading();
        }
      }
      if (!rest.isEmpty()) {
        if (!text.isEmpty()) {
          text.append(' ');
        }
        text.append(rest);
      }
    }
    return text.toString();
  }

  /**
   * What this reply makes of a recipient: delivered on 2yz, failed on 5yz,
   * deferred otherwise (4yz, or a reply that makes no sense at this step). The status is the
   * server's own when it gave one of the right class (RFC 3463 §3.1), else the class's X.0.0; a
   * reply out of place is a protocol error, 4.5.0.
   */
  DeliveryStatus status(DeliveryStatus.RemoteMta server) {
    String rest = toString().length() > 3 ? toString().substring(4) : "";
    DeliveryStatus.Diagnostic diagnostic = new DeliveryStatus.Diagnostic.RemoteReply(code, rest);
    // RFC 3463 §3.1: a status of another class than the code's is no status (a reply built with the
    // canonical constructor is not checked the way of() checks it).
    Optional<EnhancedStatus> given =
        enhancedStatus.flatMap(EnhancedStatus::parse).filter(s -> s.statusClass() == code / 100);
    DeliveryStatus.Action action;
    EnhancedStatus status;
    if (isPositive()) {
      action = DeliveryStatus.Action.DELIVERED;
      status = given.orElse(EnhancedStatus.of(2, 0, 0));
    } else if (isPermanent()) {
      action = DeliveryStatus.Action.FAILED;
      status = given.orElse(EnhancedStatus.of(5, 0, 0));
    } else {
      action = DeliveryStatus.Action.DELAYED;
      status = isTransient() ? given.orElse(EnhancedStatus.of(4, 0, 0)) : EnhancedStatus.of(4, 5, 0);
    }
    return new DeliveryStatus(action, status, diagnostic, Optional.of(server));
  }

  /**
   * What this reply makes of a recipient where it answers a step that did not succeed (a greeting
   * other than 220, DATA answered with other than 354, a refused MAIL or RCPT): as {@link #status},
   * except that a 2yz here says nothing was delivered and is a protocol error too, deferred 4.5.0
   * (RFC 3463 X.5.0), as a 3yz out of place is.
   */
  DeliveryStatus refusal(DeliveryStatus.RemoteMta server) {
    DeliveryStatus status = status(server);
    return isPositive() ? status.as(DeliveryStatus.Action.DELAYED, EnhancedStatus.of(4, 5, 0)) : status;
  }

  /**
   * What this reply makes of every recipient where it refuses a step that is ours to fix (STARTTLS
   * under a policy that needs it, AUTH with our credentials): as {@link #status} when that defers,
   * else deferred with {@code status}, so that the mail waits for the fix rather than bouncing.
   */
  DeliveryStatus deferral(DeliveryStatus.RemoteMta server, EnhancedStatus status) {
    DeliveryStatus refusal = status(server);
    return refusal.outcome() == DeliveryStatus.Outcome.DEFERRED ? refusal : refusal.as(DeliveryStatus.Action.DELAYED, status);
  }

  /** The reply as on the wire, on one line: {@code 550 5.1.1 text of every line}. */
  @Override
  public String toString() {
    StringBuilder wire = new StringBuilder().append(code);
    enhancedStatus.ifPresent(status -> wire.append(' ').append(status));
    String text = text();
    if (!text.isEmpty()) {
      wire.append(' ').append(text);
    }
    return wire.toString();
  }
}

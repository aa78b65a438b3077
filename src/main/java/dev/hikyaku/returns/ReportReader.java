package dev.hikyaku.returns;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * Reads a message that came back to the returns domain as a {@link Report}, with mime4j:
 *
 * <ul>
 *   <li>{@code multipart/report} (RFC 6522) with a {@code message/delivery-status} part (RFC 3464
 *       §2; {@code message/global-delivery-status}, RFC 6533 §6) → a standard {@link
 *       Report.DeliveryReport}: one {@link Report.ReportedRecipient} per failed or delayed
 *       recipient group;
 *   <li>{@code multipart/report} with a {@code message/feedback-report} part (RFC 5965 §3) → a
 *       {@link Report.FeedbackReport};
 *   <li>anything else → its text parts read by {@link PlainBounces}: a non-standard {@link
 *       Report.DeliveryReport} when they name an address and a status, else {@link
 *       Report.Unreadable}.
 * </ul>
 *
 * The third part of a report (the returned message, {@code message/rfc822} or {@code
 * text/rfc822-headers}; RFC 6522 §3) gives the {@link Report.Original}. A {@code multipart/report}
 * nested in another multipart (a forwarder's wrapping) is found too, a few levels deep. Never
 * throws on what a remote server wrote: what cannot be read is {@link Report.Unreadable}, with the
 * reason.
 */
public final class ReportReader {

  /** How deep a report may be nested in other multiparts and still be found. */
  private static final int MAX_DEPTH = 4;

  private static final Pattern ADDRESS =
      Pattern.compile("[^\\s<>\"(),:;@]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?");
  private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s]+>");

  private ReportReader() {}

  /** What {@code content} (a whole message, header and body) reports. */
  public static Report read(byte[] content) {
    try {
      return parse(content);
    } catch (StackOverflowError e) {
      // mime4j reads each multipart level through a boundary stream nested in the one above, and
      // reads through them recursively, with no depth limit of its own (MimeConfig has none): 10,000
      // nested multiparts, 600 KB that anyone may send to the returns domain, overflowed the stack,
      // and the error escaped this reader, which must never throw, into delivery and the scheduler,
      // which catch RuntimeException only. It is thrown by this message's parse alone and unwinds to
      // here; nothing outlives the parse.
      return new Report.Unreadable("multiparts nested too deeply to read");
    }
  }

  private static Report parse(byte[] content) {
    Message message;
    try {
      DefaultMessageBuilder builder = new DefaultMessageBuilder();
      // Remote servers write what they write: no limits on lines or fields beyond the message size
      // the listener already enforced, and no failure on a malformed field.
      builder.setMimeEntityConfig(MimeConfig.PERMISSIVE);
      builder.setDecodeMonitor(DecodeMonitor.SILENT);
      message = builder.parseMessage(new ByteArrayInputStream(content));
    } catch (IOException | RuntimeException e) {
      return new Report.Unreadable("not a MIME message: " + e.getMessage());
    }
    try {
      Optional<Multipart> report = findReport(message, 0);
      if (report.isPresent()) {
        return report(report.get());
      }
      return plain(message);
    } catch (IOException | RuntimeException e) {
      return new Report.Unreadable("cannot read its parts: " + e);
    } finally {
      message.dispose();
    }
  }

  /** The first {@code multipart/report} at or under {@code entity}, depth first. */
  private static Optional<Multipart> findReport(Entity entity, int depth) {
    if (depth > MAX_DEPTH || !(entity.getBody() instanceof Multipart multipart)) {
      return Optional.empty();
    }
    if (entity.getMimeType().equalsIgnoreCase("multipart/report")) {
      return Optional.of(multipart);
    }
    for (Entity part : multipart.getBodyParts()) {
      Optional<Multipart> found = findReport(part, depth + 1);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private static Report report(Multipart report) throws IOException {
    Optional<String> deliveryStatus = Optional.empty();
    Optional<String> feedback = Optional.empty();
    Report.Original original = Report.Original.NONE;
    for (Entity part : report.getBodyParts()) {
      String type = part.getMimeType().toLowerCase(Locale.ROOT);
      switch (type) {
        case "message/delivery-status", "message/global-delivery-status" -> deliveryStatus = Optional.of(text(part));
        case "message/feedback-report" -> feedback = Optional.of(text(part));
        case "message/rfc822", "message/global", "text/rfc822-headers", "text/rfc822-header" -> original = original(part);
        default -> {}
      }
    }
    if (deliveryStatus.isPresent()) {
      return deliveryReport(deliveryStatus.get(), original);
    }
    if (feedback.isPresent()) {
      return feedbackReport(feedback.get(), original);
    }
    return new Report.Unreadable("a multipart/report without a delivery-status or feedback-report part");
  }

  /** RFC 3464 §2.1: a per-message group of fields, then one group per recipient. */
  private static Report deliveryReport(String fields, Report.Original original) {
    List<List<Field>> groups = groups(fields);
    if (groups.size() < 2) {
      return new Report.Unreadable("a delivery-status part without per-recipient fields");
    }
    Optional<String> reportingMta = value(groups.getFirst(), "Reporting-MTA").map(ReportReader::typed).map(ReportReader::bare);
    List<Report.ReportedRecipient> recipients = new ArrayList<>();
    int groupsWithRecipients = 0;
    for (List<Field> group : groups.subList(1, groups.size())) {
      Optional<String> finalRecipient = value(group, "Final-Recipient").map(ReportReader::typed).map(ReportReader::bare);
      Optional<DeliveryStatus.Action> action = value(group, "Action").flatMap(ReportReader::action);
      if (finalRecipient.isEmpty() || finalRecipient.get().isEmpty() || action.isEmpty()) {
        continue;
      }
      groupsWithRecipients++;
      if (action.get() != DeliveryStatus.Action.FAILED && action.get() != DeliveryStatus.Action.DELAYED) {
        continue; // delivered, relayed, expanded: nothing to do about them
      }
      Optional<String> diagnostic = value(group, "Diagnostic-Code");
      // §2.3.4: Status is required; a reporter that leaves it out often has it in the diagnostic.
      Optional<EnhancedStatus> status = value(group, "Status").flatMap(PlainBounces::status)
          .or(() -> diagnostic.flatMap(PlainBounces::status));
      recipients.add(new Report.ReportedRecipient(action.get(), fitting(action.get(), status), finalRecipient.get(),
          value(group, "Original-Recipient").map(ReportReader::typed).map(ReportReader::bare), diagnostic,
          value(group, "Remote-MTA").map(ReportReader::typed).map(ReportReader::bare)));
    }
    if (groupsWithRecipients == 0) {
      return new Report.Unreadable("a delivery-status part whose recipient groups lack Final-Recipient or Action");
    }
    return new Report.DeliveryReport(recipients, reportingMta, original, true);
  }

  /**
   * The status as the action needs it (RFC 3463 §3.1, RFC 3464 §2.3.4): a failure is class 5 or
   * (an expiry, 4.4.7) 4; a delay is class 4. A missing or misfitting status is the action's
   * undetailed one (X.0.0), keeping what subject and detail it gave.
   */
  private static EnhancedStatus fitting(DeliveryStatus.Action action, Optional<EnhancedStatus> status) {
    int wanted = action == DeliveryStatus.Action.FAILED ? 5 : 4;
    if (status.isEmpty()) {
      return EnhancedStatus.of(wanted, 0, 0);
    }
    EnhancedStatus s = status.get();
    boolean isFitting = action == DeliveryStatus.Action.FAILED ? s.statusClass() != 2 : s.statusClass() == 4;
    return isFitting ? s : EnhancedStatus.of(wanted, s.subject(), s.detail());
  }

  /** RFC 5965 §3.1: Feedback-Type, User-Agent and Version are required; §3.2 the optional fields. */
  private static Report feedbackReport(String fields, Report.Original original) {
    List<Field> all = groups(fields).stream().flatMap(List::stream).toList();
    Optional<String> type = value(all, "Feedback-Type").map(t -> t.strip().split("[\\s(]", 2)[0].toLowerCase(Locale.ROOT));
    if (type.isEmpty() || type.get().isEmpty()) {
      return new Report.Unreadable("a feedback-report part without Feedback-Type");
    }
    List<String> recipients = all.stream()
        .filter(f -> f.getName().equalsIgnoreCase("Original-Rcpt-To"))
        .map(f -> bare(typed(f.getBody())))
        .filter(r -> !r.isEmpty())
        .toList();
    return new Report.FeedbackReport(type.get(), value(all, "User-Agent"),
        value(all, "Original-Mail-From").map(ReportReader::bare).filter(a -> !a.isEmpty()), recipients,
        value(all, "Reporting-MTA").map(ReportReader::typed).map(ReportReader::bare), original);
  }

  /** A message that is no multipart/report: its text read by {@link PlainBounces}. */
  private static Report plain(Message message) throws IOException {
    StringBuilder text = new StringBuilder();
    Report.Original original = Report.Original.NONE;
    List<Entity> parts = new ArrayList<>();
    leaves(message, 0, parts);
    for (Entity part : parts) {
      String type = part.getMimeType().toLowerCase(Locale.ROOT);
      if (part.getBody() instanceof Message returned) {
        original = original(returned);
      } else if (type.equals("text/rfc822-headers")) {
        original = original(part);
      } else if (type.startsWith("text/plain")) {
        text.append(text(part)).append("\n\n");
      }
    }
    List<PlainBounces.Candidate> candidates = PlainBounces.find(text.toString());
    if (candidates.isEmpty()) {
      return new Report.Unreadable("not a report, and its text names no address with a status ("
          + message.getMimeType() + ")");
    }
    if (original.equals(Report.Original.NONE)) {
      // Bouncers that quote the returned message in their text (qmail: "--- Below this line is a
      // copy of the message.") give its header lines there.
      original = original(headerLines(text.toString()));
    }
    List<Report.ReportedRecipient> recipients = candidates.stream()
        .map(c -> new Report.ReportedRecipient(DeliveryStatus.Action.FAILED, fitting(DeliveryStatus.Action.FAILED,
            Optional.of(c.status())), c.recipient(), Optional.empty(), Optional.of(c.diagnostic()), Optional.empty()))
        .toList();
    return new Report.DeliveryReport(recipients, Optional.empty(), original, false);
  }

  /** The leaf parts of {@code entity} (a returned message counts as a leaf), depth first. */
  private static void leaves(Entity entity, int depth, List<Entity> into) {
    if (entity.getBody() instanceof Multipart multipart && depth <= MAX_DEPTH) {
      for (Entity part : multipart.getBodyParts()) {
        leaves(part, depth + 1, into);
      }
    } else {
      into.add(entity);
    }
  }

  private static Report.Original original(Entity part) throws IOException {
    if (part.getBody() instanceof Message returned) {
      return original(returned);
    }
    return original(groups(headerSection(text(part))).stream().findFirst().orElse(List.of()));
  }

  private static Report.Original original(Message returned) {
    List<Field> fields = returned.getHeader() == null ? List.of() : returned.getHeader().getFields();
    return original(fields);
  }

  private static Report.Original original(List<Field> fields) {
    List<String> to = new ArrayList<>();
    for (Field field : fields) {
      if (field.getName().equalsIgnoreCase("To") || field.getName().equalsIgnoreCase("Cc")) {
        Matcher m = ADDRESS.matcher(unfold(field.getBody()));
        while (m.find()) {
          to.add(m.group());
        }
      }
    }
    return new Report.Original(
        value(fields, "Return-Path").map(ReportReader::bare).filter(p -> !p.isEmpty()),
        value(fields, "Message-ID").flatMap(id -> {
          Matcher m = MESSAGE_ID.matcher(id);
          return m.find() ? Optional.of(m.group()) : Optional.empty();
        }),
        to);
  }

  /** Return-Path, Message-ID, To and Cc lines quoted anywhere in {@code text}, as fields. */
  private static List<Field> headerLines(String text) {
    List<Field> fields = new ArrayList<>();
    Matcher m = Pattern.compile("(?im)^(Return-Path|Message-ID|To|Cc):[ \\t]*(.*)$").matcher(text);
    while (m.find()) {
      fields.add(new org.apache.james.mime4j.stream.RawField(m.group(1), m.group(2).strip()));
    }
    return fields;
  }

  /** The header section of a text that starts with one (up to the first empty line). */
  private static String headerSection(String text) {
    String normalized = text.replace("\r\n", "\n");
    int end = normalized.indexOf("\n\n");
    return end < 0 ? normalized : normalized.substring(0, end);
  }

  /**
   * The groups of fields of a delivery-status or feedback-report body (RFC 3464 §2.1: header-style
   * fields, groups separated by empty lines), each field unfolded (RFC 5322 §2.2.3).
   */
  static List<List<Field>> groups(String text) {
    List<List<Field>> groups = new ArrayList<>();
    List<Field> group = new ArrayList<>();
    String name = null;
    StringBuilder value = new StringBuilder();
    for (String line : text.replace("\r\n", "\n").split("\n", -1)) {
      boolean isContinuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
      if (isContinuation && name != null) {
        value.append(' ').append(line.strip());
        continue;
      }
      if (name != null) {
        group.add(new org.apache.james.mime4j.stream.RawField(name, value.toString().strip()));
        name = null;
      }
      if (line.isBlank()) {
        if (!group.isEmpty()) {
          groups.add(List.copyOf(group));
          group.clear();
        }
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue; // not a field: passed over
      }
      name = line.substring(0, colon).strip();
      value.setLength(0);
      value.append(line.substring(colon + 1));
    }
    if (name != null) {
      group.add(new org.apache.james.mime4j.stream.RawField(name, value.toString().strip()));
    }
    if (!group.isEmpty()) {
      groups.add(List.copyOf(group));
    }
    return groups;
  }

  /** The first field named {@code name} (any case), unfolded and stripped. */
  private static Optional<String> value(List<Field> fields, String name) {
    return fields.stream()
        .filter(f -> f.getName().equalsIgnoreCase(name))
        .map(f -> unfold(f.getBody()).strip())
        .filter(v -> !v.isEmpty())
        .findFirst();
  }

  /** {@code type; value} (RFC 3464 §2.1.2 address-type, mta-name-type): the value, comments dropped. */
  private static String typed(String field) {
    int semicolon = field.indexOf(';');
    String value = semicolon < 0 ? field : field.substring(semicolon + 1);
    return value.replaceAll("\\([^()]*\\)", "").strip();
  }

  /** An address without angle brackets, and a domain name without its final dot. */
  private static String bare(String address) {
    String bare = address.strip();
    if (bare.startsWith("<") && bare.indexOf('>') > 0) {
      bare = bare.substring(1, bare.indexOf('>'));
    }
    return bare.endsWith(".") ? bare.substring(0, bare.length() - 1) : bare;
  }

  /** RFC 3464 §2.3.3 action-value, comments allowed after it. */
  private static Optional<DeliveryStatus.Action> action(String field) {
    String word = field.strip().split("[\\s(;]", 2)[0].toUpperCase(Locale.ROOT);
    try {
      return Optional.of(DeliveryStatus.Action.valueOf(word));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String unfold(String value) {
    return value.replaceAll("\\r?\\n[ \\t]+", " ");
  }

  /** The decoded octets of a leaf part, as UTF-8 (RFC 6533 allows UTF-8 in the global types). */
  private static String text(Entity part) throws IOException {
    Body body = part.getBody();
    if (body instanceof SingleBody single) {
      try (InputStream in = single.getInputStream()) {
        return new String(in.readAllBytes(), charset(part));
      }
    }
    if (body instanceof Message nested) {
      // A type mime4j parsed as a message: its header fields are the text asked for.
      StringBuilder fields = new StringBuilder();
      for (Field field : nested.getHeader().getFields()) {
        fields.append(field.getName()).append(": ").append(field.getBody()).append('\n');
      }
      return fields.toString();
    }
    return "";
  }

  private static Charset charset(Entity part) {
    if (part.getHeader() != null && part.getHeader().getField("Content-Type") instanceof ContentTypeField type) {
      String name = type.getCharset();
      if (name != null) {
        try {
          return Charset.forName(name);
        } catch (IllegalArgumentException unknown) {
          return StandardCharsets.UTF_8;
        }
      }
    }
    return StandardCharsets.UTF_8;
  }
}

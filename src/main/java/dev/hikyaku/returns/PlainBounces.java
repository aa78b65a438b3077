package dev.hikyaku.returns;

import dev.hikyaku.protocol.EnhancedStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Bounces that are not RFC 3464 reports, read by their text: the heuristics, as a table of
 * patterns. Each rule finds a recipient address and, in the same block or line, the RFC 3463 status
 * that failed it; rules that know one bouncer's layout come first, then two that fit most others (a
 * line or paragraph naming an address and a 5.x.x status, in either order). A message may match
 * several rules; the first to name an address wins for it.
 *
 * <p>What this finds is a candidate only: {@link ReturnedMail} keeps those that are recipients of
 * the message the return path names, so an address in the text that is not one (our sender, the
 * postmaster) is passed over. A bounce that names no status (a qmail bounce without a {@code
 * (#5.x.x)}) is not read: guessing that an address failed from prose alone would suppress
 * addresses on a hunch.
 */
final class PlainBounces {

  /**
   * One rule: where it applies ({@code signature} found in the text, or everywhere), what it
   * matches ({@code block}, with a group {@code recipient} and optionally {@code status} and {@code
   * diagnostic}), and whether it is applied to each paragraph unfolded into one line rather than
   * to the whole text.
   */
  record Rule(String name, Optional<Pattern> signature, Pattern block, boolean isPerParagraph) {}

  /** An address as bouncers write it (ASCII; an internationalized one is not guessed at). */
  private static final String ADDRESS = "[A-Za-z0-9._%+=-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?";

  /** RFC 3463 §2: class.subject.detail, not part of an IP address or a version number. */
  static final Pattern STATUS = Pattern.compile("(?<![\\d.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?!\\.?\\d)");

  static final List<Rule> RULES = List.of(
      // qmail-send (QSBMF, cr.yp.to/proto/qsbmf.txt): "<address>:" opens each recipient's paragraph,
      // the remote server's words follow, "(#5.1.1)" at the end.
      new Rule("qmail", Optional.of(Pattern.compile("(?i)this is the qmail-send program")),
          Pattern.compile("(?m)^<(?<recipient>" + ADDRESS + ")>:[ \\t]*\\R(?<diagnostic>(?:^.+\\R?)+)"), false),
      // Exim without DSN: "The following address(es) failed:", each address indented by two, its
      // reasons by four.
      new Rule("exim", Optional.of(Pattern.compile("(?i)following address\\(es\\) failed")),
          Pattern.compile("(?m)^ {2}(?<recipient>" + ADDRESS + ")[^\\n]*\\R(?<diagnostic>(?:^ {4}.*\\R?)+)"), false),
      // Most others (old Postfix, Sendmail, Exchange's text part, hosted providers): a line that
      // gives the status and then the address ("said: 550 5.1.1 <x@y>: User unknown") ...
      new Rule("status, then address", Optional.empty(),
          Pattern.compile("(?<status>(?<![\\d.])5\\.\\d{1,3}\\.\\d{1,3}(?!\\.?\\d)).{0,300}?<?(?<recipient>" + ADDRESS + ")"),
          true),
      // ... or the address and then the status ("x@y: host mx said: 550 5.1.1 ...").
      new Rule("address, then status", Optional.empty(),
          Pattern.compile("<?(?<recipient>" + ADDRESS + ")>?.{0,300}?(?<status>(?<![\\d.])5\\.\\d{1,3}\\.\\d{1,3}(?!\\.?\\d))"),
          true));

  /** One address a rule found, with the status and the words that failed it. */
  record Candidate(String recipient, EnhancedStatus status, String diagnostic, String rule) {}

  private PlainBounces() {}

  /** The candidates in {@code text}, one per address (lower case for the comparison), in the order found. */
  static List<Candidate> find(String text) {
    String normalized = text.replace("\r\n", "\n");
    Map<String, Candidate> found = new LinkedHashMap<>();
    for (Rule rule : RULES) {
      if (rule.signature().isPresent() && !rule.signature().get().matcher(normalized).find()) {
        continue;
      }
      List<String> scopes = rule.isPerParagraph() ? paragraphs(normalized) : List.of(normalized);
      for (String scope : scopes) {
        Matcher m = rule.block().matcher(scope);
        while (m.find()) {
          String diagnostic = group(m, "diagnostic").orElse(m.group()).strip().replaceAll("\\s+", " ");
          Optional<EnhancedStatus> status = group(m, "status").flatMap(EnhancedStatus::parse).or(() -> status(diagnostic));
          if (status.isEmpty()) {
            continue;
          }
          String recipient = m.group("recipient");
          found.putIfAbsent(recipient.toLowerCase(Locale.ROOT), new Candidate(recipient, status.get(), diagnostic, rule.name()));
        }
      }
    }
    return List.copyOf(found.values());
  }

  /** The first status of class 4 or 5 in {@code text}. */
  static Optional<EnhancedStatus> status(String text) {
    Matcher m = STATUS.matcher(text);
    while (m.find()) {
      Optional<EnhancedStatus> status = EnhancedStatus.parse(m.group());
      if (status.isPresent() && status.get().statusClass() != 2) {
        return status;
      }
    }
    return Optional.empty();
  }

  /** The paragraphs of {@code text}, each with its lines joined by a space (folded lines unfolded). */
  private static List<String> paragraphs(String text) {
    List<String> paragraphs = new ArrayList<>();
    for (String paragraph : text.split("\\n[ \\t]*\\n")) {
      String joined = paragraph.strip().replaceAll("\\s*\\n\\s*", " ");
      if (!joined.isEmpty()) {
        paragraphs.add(joined);
      }
    }
    return paragraphs;
  }

  private static Optional<String> group(Matcher m, String name) {
    try {
      return Optional.ofNullable(m.group(name));
    } catch (IllegalArgumentException noSuchGroup) {
      return Optional.empty();
    }
  }
}

package dev.hikyaku.intake;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The header fields of a message as received that intake decides by, read in one pass (issue 15
 * point 2: From: was parsed for the ownership check and again for DKIM, Date and Message-ID once
 * each for the fix-ups, and the history's fields once more). Values are unfolded and stripped, as
 * {@link HeaderSection#values} gives them.
 *
 * @param from every From field (RFC 5322 §3.6.2 allows exactly one)
 * @param dates every Date field
 * @param messageIds every Message-ID field
 * @param subjects every Subject field
 */
record HeaderFacts(List<String> from, List<String> dates, List<String> messageIds, List<String> subjects) {

  private static final List<String> NAMES = List.of("From", "Date", "Message-ID", "Subject");

  HeaderFacts {
    from = List.copyOf(from);
    dates = List.copyOf(dates);
    messageIds = List.copyOf(messageIds);
    subjects = List.copyOf(subjects);
  }

  static HeaderFacts of(byte[] content) {
    Map<String, List<String>> values = HeaderSection.allValues(content, NAMES);
    return new HeaderFacts(values.get("From"), values.get("Date"), values.get("Message-ID"), values.get("Subject"));
  }

  /**
   * Only the first field of each name, read as far as they are found ({@link
   * HeaderSection#firstValues}): enough for the history's fields of a message that no submission rule
   * reads (relayed mail, bounces), whose header may be 35 MiB of fields (issue 22).
   */
  static HeaderFacts firstOf(byte[] content) {
    Map<String, String> first = HeaderSection.firstValues(content, NAMES);
    return new HeaderFacts(listOf(first.get("From")), listOf(first.get("Date")), listOf(first.get("Message-ID")),
        listOf(first.get("Subject")));
  }

  private static List<String> listOf(String value) {
    return value == null ? List.of() : List.of(value);
  }

  /** The From: mailboxes' addresses, when there is exactly one From: field that parses. */
  Optional<List<String>> fromAddresses() {
    return FromHeaderCheck.fromAddresses(from);
  }
}

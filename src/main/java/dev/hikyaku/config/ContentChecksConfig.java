package dev.hikyaku.config;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code content-checks} section: a virus scanner and a spam filter asked about every message at
 * the end of DATA, before it is committed (clamd over INSTREAM, rspamd over HTTP). Described in docs/configuration.md.
 *
 * @param rspamd rspamd's normal worker, {@code http://127.0.0.1:11333}; empty: no spam filter
 * @param clamd ClamAV's daemon ({@code TCPSocket} in clamd.conf), asked first; empty: no virus scan
 * @param isScanningRelay whether mail arriving on port 25 (role relay) is scanned
 * @param isScanningSubmission whether mail submitted by accounts is scanned (587, 465, the API, and
 *     local mail from {@code hikyaku sendmail})
 * @param budget how long one scan may take in all; past it the scan counts as unavailable
 * @param ifUnavailable what happens to a message when rspamd is down, slow or answers nonsense
 * @param spamOnSubmission what happens to submitted mail rspamd would reject: held in the queue for
 *     an operator (the account's suspension score counts it), or refused like relayed spam
 * @param suspendAfterSpam how many messages from one account that rspamd would reject, within a
 *     day, suspend the account (as a sending burst does); 0: never
 */
public record ContentChecksConfig(Optional<URI> rspamd, Optional<InetSocketAddress> clamd, boolean isScanningRelay,
    boolean isScanningSubmission, Duration budget, Fallback ifUnavailable, SubmittedSpam spamOnSubmission, int suspendAfterSpam) {

  public ContentChecksConfig {
    Objects.requireNonNull(rspamd, "rspamd");
    Objects.requireNonNull(clamd, "clamd");
    Objects.requireNonNull(budget, "budget");
    Objects.requireNonNull(ifUnavailable, "ifUnavailable");
    Objects.requireNonNull(spamOnSubmission, "spamOnSubmission");
  }

  /** When rspamd gives no verdict. */
  public enum Fallback {
    /** Queue the message, marked unscanned in a header. */
    ACCEPT,
    /** 451 4.7.1: the client tries again later. */
    DEFER
  }

  /** What spam from an account becomes. */
  public enum SubmittedSpam {
    HOLD,
    REJECT
  }

  static final String SECTION = "content-checks";
  private static final String RSPAMD = "rspamd";
  private static final String CLAMD = "clamd";
  private static final String SCAN = "scan";
  private static final String BUDGET = "budget";
  private static final String IF_UNAVAILABLE = "if-unavailable";
  private static final String SPAM_ON_SUBMISSION = "spam-on-submission";
  private static final String SUSPEND_AFTER_SPAM = "suspend-after-spam";
  static final List<String> KEYS = List.of(RSPAMD, CLAMD, SCAN, BUDGET, IF_UNAVAILABLE, SPAM_ON_SUBMISSION, SUSPEND_AFTER_SPAM);
  private static final List<String> SCANNED = List.of("relay", "submission");

  /** Off; when on, both kinds of mail, 5 s, accepted unscanned, spam from accounts held, 3 suspend. */
  static final ContentChecksConfig DEFAULTS =
      new ContentChecksConfig(Optional.empty(), Optional.empty(), true, true, Duration.ofSeconds(5), Fallback.ACCEPT,
          SubmittedSpam.HOLD, 3);

  public boolean isEnabled() {
    return rspamd.isPresent() || clamd.isPresent();
  }

  static ContentChecksConfig read(Section section) throws ConfigException {
    Optional<URI> rspamd = Optional.empty();
    if (section.has(RSPAMD)) {
      String text = section.text(RSPAMD).orElseThrow();
      try {
        URI uri = new URI(text);
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null || (uri.getPath() != null && !uri.getPath().isEmpty()
            && !uri.getPath().equals("/")) || uri.getQuery() != null || uri.getUserInfo() != null) {
          throw section.error(RSPAMD, "must be rspamd's normal worker as http://host:port (its /checkv2 is asked), was '" + text + "'");
        }
        rspamd = Optional.of(uri);
      } catch (URISyntaxException e) {
        throw section.error(RSPAMD, "is not a URL: " + e.getReason());
      }
    }
    Optional<InetSocketAddress> clamd = Optional.empty();
    if (section.has(CLAMD)) {
      String text = section.text(CLAMD).orElseThrow();
      if (!text.matches(".*:[0-9]+")) {
        throw section.error(CLAMD, "must be clamd's address and port, 127.0.0.1:3310 (its TCPSocket), was '" + text + "'");
      }
      clamd = Optional.of(NextHops.dnsServer(section, text, section.path(CLAMD), section.node(CLAMD)));
    }
    boolean relay = DEFAULTS.isScanningRelay();
    boolean submission = DEFAULTS.isScanningSubmission();
    if (section.has(SCAN)) {
      String path = section.path(SCAN);
      relay = false;
      submission = false;
      List<YamlNode> items = section.list(section.node(SCAN), path, "kinds of mail (relay, submission)");
      for (int i = 0; i < items.size(); i++) {
        String kind = section.text(items.get(i), path + "[" + i + "]").toLowerCase(Locale.ROOT);
        switch (kind) {
          case "relay" -> relay = true;
          case "submission" -> submission = true;
          default -> throw section.error(path + "[" + i + "]", items.get(i), "must be one of " + String.join(", ", SCANNED)
              + ", was '" + kind + "'");
        }
      }
    }
    Duration budget = section.duration(BUDGET, DEFAULTS.budget(), Duration.ofMillis(100), Duration.ofMinutes(2),
        "a client waits for the answer to DATA meanwhile");
    Fallback fallback = section.choice(IF_UNAVAILABLE, DEFAULTS.ifUnavailable(), List.of(Fallback.values()));
    SubmittedSpam spam = section.choice(SPAM_ON_SUBMISSION, DEFAULTS.spamOnSubmission(), List.of(SubmittedSpam.values()));
    int suspendAfter = section.integer(SUSPEND_AFTER_SPAM, DEFAULTS.suspendAfterSpam(), 0, 10_000,
        "messages from one account rspamd would reject within a day; 0 never suspends");
    return new ContentChecksConfig(rspamd, clamd, relay, submission, budget, fallback, spam, suspendAfter);
  }

  void write(ObjectNode section) {
    rspamd.ifPresent(uri -> section.put(RSPAMD, uri.toString()));
    clamd.ifPresent(address -> section.put(CLAMD, NextHops.hostPort(address.getAddress().getHostAddress(), address.getPort())));
    ArrayNode scan = section.putArray(SCAN);
    if (isScanningRelay) {
      scan.add("relay");
    }
    if (isScanningSubmission) {
      scan.add("submission");
    }
    section.put(BUDGET, DurationSyntax.format(budget));
    section.put(IF_UNAVAILABLE, ifUnavailable.name().toLowerCase(Locale.ROOT));
    section.put(SPAM_ON_SUBMISSION, spamOnSubmission.name().toLowerCase(Locale.ROOT));
    section.put(SUSPEND_AFTER_SPAM, suspendAfterSpam);
  }
}

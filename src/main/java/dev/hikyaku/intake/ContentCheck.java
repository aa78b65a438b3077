package dev.hikyaku.intake;

import dev.hikyaku.config.ContentChecksConfig;
import dev.hikyaku.content.ContentScanner;
import dev.hikyaku.content.ScanRequest;
import dev.hikyaku.content.ScanVerdict;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.Envelope;
import dev.hikyaku.protocol.Replies;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What intake does with a content filter's verdict (issue 21), at the end of DATA, before the
 * message is committed: which mail is scanned (relay on port 25, submission by accounts), and the
 * verdict's consequence. Relayed spam is refused (550 5.7.1, the filter's reason) or deferred (451
 * 4.7.1 for a soft reject); spam from an account is held in the queue for an operator (or refused,
 * as configured), since its account may be stolen and its sender should not learn how to get past;
 * {@code add header} and {@code rewrite subject} mark the message. Every scanned message carries its
 * score in {@code X-Spam-Status}. A virus scanner, when there is one, is asked first: a virus is
 * refused from anyone (550 5.7.1). No verdict within the budget: accepted marked unscanned, or 451.
 */
public final class ContentCheck {

  /** No filter: nothing scanned. */
  public static final ContentCheck NONE = new ContentCheck(Optional.empty(), Optional.empty(), false, false,
      ContentChecksConfig.Fallback.ACCEPT, ContentChecksConfig.SubmittedSpam.HOLD);

  /** The most rule names the status field lists (rspamd may fire dozens). */
  static final int MAX_SYMBOLS = 20;

  private final Optional<ContentScanner> antivirus;
  private final Optional<ContentScanner> spamFilter;
  private final boolean isScanningRelay;
  private final boolean isScanningSubmission;
  private final ContentChecksConfig.Fallback ifUnavailable;
  private final ContentChecksConfig.SubmittedSpam spamOnSubmission;

  /**
   * @param antivirus asked first (clamd): a virus is refused from anyone, and the spam filter is not asked
   * @param spamFilter asked next (rspamd): its action decides, its score goes in {@code X-Spam-Status}
   */
  public ContentCheck(Optional<ContentScanner> antivirus, Optional<ContentScanner> spamFilter, ContentChecksConfig config) {
    this(antivirus, spamFilter, config.isScanningRelay(), config.isScanningSubmission(), config.ifUnavailable(),
        config.spamOnSubmission());
  }

  private ContentCheck(Optional<ContentScanner> antivirus, Optional<ContentScanner> spamFilter, boolean isScanningRelay,
      boolean isScanningSubmission, ContentChecksConfig.Fallback ifUnavailable, ContentChecksConfig.SubmittedSpam spamOnSubmission) {
    this.antivirus = Objects.requireNonNull(antivirus, "antivirus");
    this.spamFilter = Objects.requireNonNull(spamFilter, "spamFilter");
    this.isScanningRelay = isScanningRelay;
    this.isScanningSubmission = isScanningSubmission;
    this.ifUnavailable = ifUnavailable;
    this.spamOnSubmission = spamOnSubmission;
  }

  /** What becomes of one message. */
  sealed interface Decision {
    /** Not scanned (a bounce, or mail of a kind the config leaves alone). */
    record Unscanned() implements Decision {}

    /**
     * Queued: with {@code fieldsOnTop} (the status field, a mark), a new {@code subject} to put in
     * place of the old, held for {@code hold} when present.
     */
    record Queue(ScanVerdict verdict, byte[] fieldsOnTop, Optional<String> subject, Optional<String> hold) implements Decision {}

    /** Refused or deferred, with the reply the client gets. */
    record Refuse(ScanVerdict verdict, IntakeResult.Refused refusal) implements Decision {}
  }

  Decision decide(MessageSource source, Envelope envelope, String queueId, Supplier<byte[]> content) {
    boolean isSubmission;
    InetAddress client;
    String helo;
    Optional<String> tls;
    switch (source) {
      case MessageSource.Smtp smtp -> {
        isSubmission = smtp.role() != ListenerRole.RELAY;
        client = smtp.client().getAddress();
        helo = smtp.heloName();
        tls = smtp.tls().map(t -> t.protocol());
      }
      case MessageSource.Api api -> {
        isSubmission = true;
        client = api.client();
        helo = api.principal().apiKey().orElse("api");
        tls = api.isTls() ? Optional.of("TLS") : Optional.empty();
      }
      case MessageSource.Local local -> {
        isSubmission = true;
        client = InetAddress.getLoopbackAddress();
        helo = "localhost";
        tls = Optional.empty();
      }
      case MessageSource.Bounce bounce -> {
        return new Decision.Unscanned();
      }
    }
    if ((antivirus.isEmpty() && spamFilter.isEmpty()) || (isSubmission ? !isScanningSubmission : !isScanningRelay)) {
      return new Decision.Unscanned();
    }
    byte[] message = content.get();
    List<String> recipients = envelope.recipients().stream().map(r -> r.to().address()).toList();
    ScanRequest request = new ScanRequest(queueId, envelope.from().address(), recipients, client, helo, source.account(), tls, message);
    Optional<ScanVerdict.Unavailable> virusScanUnavailable = Optional.empty();
    if (antivirus.isPresent()) {
      switch (antivirus.get().scan(request)) {
        case ScanVerdict.Infected infected -> {
          return new Decision.Refuse(infected, new IntakeResult.Refused(Replies.virusFound(infected.signature()),
              "virus scanner: " + infected.signature()));
        }
        case ScanVerdict.Unavailable unavailable -> {
          if (ifUnavailable == ContentChecksConfig.Fallback.DEFER) {
            return deferred(unavailable);
          }
          virusScanUnavailable = Optional.of(unavailable);
        }
        default -> { } // clean
      }
    }
    if (spamFilter.isEmpty()) {
      return virusScanUnavailable.<Decision>map(u -> unscanned(u)).orElseGet(() -> new Decision.Unscanned());
    }
    ScanVerdict verdict = spamFilter.get().scan(request);
    Decision decision = switch (verdict) {
      case ScanVerdict.Pass pass -> queue(verdict, "No", Optional.empty(), Optional.empty());
      case ScanVerdict.AddHeader add -> queue(verdict, "Yes", Optional.empty(), Optional.empty());
      case ScanVerdict.RewriteSubject rewrite -> queue(verdict, "Yes", Optional.of(rewrite.subject()
          .orElseGet(() -> "[SPAM] " + HeaderSection.values(message, "Subject").stream().findFirst().orElse("").strip())), Optional.empty());
      case ScanVerdict.SoftReject soft -> new Decision.Refuse(verdict,
          new IntakeResult.Refused(Replies.contentDeferred(soft.reason()), "content filter: soft reject, " + soft.score().text()));
      case ScanVerdict.Reject reject -> isSubmission && spamOnSubmission == ContentChecksConfig.SubmittedSpam.HOLD
          ? queue(verdict, "Yes", Optional.empty(), Optional.of("spam: " + reject.reason() + " (score " + reject.score().text() + ")"))
          : new Decision.Refuse(verdict,
              new IntakeResult.Refused(Replies.contentRejected(reject.reason()), "content filter: reject, " + reject.score().text()));
      case ScanVerdict.Infected infected -> new Decision.Refuse(infected,
          new IntakeResult.Refused(Replies.virusFound(infected.signature()), "content filter: " + infected.signature()));
      case ScanVerdict.Unavailable unavailable -> ifUnavailable == ContentChecksConfig.Fallback.DEFER
          ? deferred(unavailable)
          : unscanned(unavailable);
    };
    // The virus scan's gap is told too, when the spam filter's verdict lets the message in.
    if (virusScanUnavailable.isPresent() && decision instanceof Decision.Queue queued) {
      byte[] note = field("X-Virus-Status", "Unknown, not scanned: " + virusScanUnavailable.get().reason());
      return new Decision.Queue(queued.verdict(), joined(note, queued.fieldsOnTop()), queued.subject(), queued.hold());
    }
    return decision;
  }

  private static Decision deferred(ScanVerdict.Unavailable unavailable) {
    return new Decision.Refuse(unavailable, new IntakeResult.Refused(Replies.contentDeferred("the content filter is unavailable"),
        "content filter unavailable: " + unavailable.reason()));
  }

  private static Decision unscanned(ScanVerdict.Unavailable unavailable) {
    return new Decision.Queue(unavailable, field("X-Spam-Status", "Unknown, not scanned: " + unavailable.reason()), Optional.empty(),
        Optional.empty());
  }

  private static Decision queue(ScanVerdict verdict, String isSpam, Optional<String> subject, Optional<String> hold) {
    ScanVerdict.Score score = verdict.score();
    List<String> symbols = score.symbols().size() > MAX_SYMBOLS ? score.symbols().subList(0, MAX_SYMBOLS) : score.symbols();
    String status = isSpam + ", score=" + String.format(Locale.ROOT, "%.2f", score.score())
        + " required=" + String.format(Locale.ROOT, "%.2f", score.requiredScore())
        + (symbols.isEmpty() ? "" : " tests=" + String.join(",", symbols));
    byte[] fields = field("X-Spam-Status", status);
    return new Decision.Queue(verdict, isSpam.equals("Yes") ? joined(field("X-Spam", "Yes"), fields) : fields, subject, hold);
  }

  private static byte[] joined(byte[] first, byte[] second) {
    byte[] both = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, both, first.length, second.length);
    return both;
  }

  /** One header field, folded at commas past 78 columns (RFC 5322 §2.2.3), CRLF-terminated. */
  static byte[] field(String name, String value) {
    StringBuilder line = new StringBuilder(name).append(": ");
    int column = line.length();
    for (String part : value.replaceAll("[\\r\\n]+", " ").split("(?<=,)")) {
      String text = part;
      if (column + part.length() > 78 && column > name.length() + 2) {
        line.append("\r\n\t");
        column = 8;
        text = part.stripLeading();
      }
      line.append(text);
      column += text.length();
    }
    return line.append("\r\n").toString().getBytes(StandardCharsets.UTF_8);
  }
}

package dev.hikyaku.content;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What a filter decided about one message, in rspamd's actions (rspamd.com/doc/configuration/metrics:
 * {@code reject}, {@code soft reject}, {@code rewrite subject}, {@code add header}, {@code greylist},
 * {@code no action}), with its score and the symbols that made it, for the send log and history.
 */
public sealed interface ScanVerdict {

  /** The score and the threshold it was held against, and the rules that fired, by name. */
  record Score(double score, double requiredScore, List<String> symbols) {
    public Score {
      symbols = List.copyOf(symbols);
    }

    /** As the send log and the X-Spam header write it: {@code 3.20/15.00}. */
    public String text() {
      return String.format(Locale.ROOT, "%.2f/%.2f", score, requiredScore);
    }
  }

  Score score();

  /** The action in rspamd's words ({@code infected}, {@code unavailable} for ours), as the history and the API give it. */
  default String action() {
    return switch (this) {
      case Pass pass -> "no action";
      case AddHeader add -> "add header";
      case RewriteSubject rewrite -> "rewrite subject";
      case SoftReject soft -> "soft reject";
      case Reject reject -> "reject";
      case Infected infected -> "infected";
      case Unavailable unavailable -> "unavailable";
    };
  }

  /** Nothing to do ({@code no action}; {@code greylist} too: the SMTP side greylists, not the filter). */
  record Pass(Score score) implements ScanVerdict {}

  /** {@code add header}: spam enough to be marked, not refused. */
  record AddHeader(Score score) implements ScanVerdict {}

  /** {@code rewrite subject}: marked in the subject; {@code subject} is the new one when the filter gave it. */
  record RewriteSubject(Score score, Optional<String> subject) implements ScanVerdict {
    public RewriteSubject {
      Objects.requireNonNull(subject, "subject");
    }
  }

  /** {@code soft reject}: try again later (451 4.7.1). */
  record SoftReject(Score score, String reason) implements ScanVerdict {}

  /** {@code reject}: spam (550 5.7.1 on relay; held for review on submission). */
  record Reject(Score score, String reason) implements ScanVerdict {}

  /** A virus scanner found {@code signature} (ClamAV's name for it): refused, from anyone. */
  record Infected(Score score, String signature) implements ScanVerdict {}

  /** No verdict: the filter did not answer within its budget, or answered nonsense. */
  record Unavailable(String reason) implements ScanVerdict {
    @Override
    public Score score() {
      return new Score(0, 0, List.of());
    }
  }
}

package dev.hikyaku.store;

import java.util.Objects;

/**
 * A content filter's verdict on a message, as its history keeps it (V26): the action ({@code no
 * action}, {@code add header}, {@code rewrite subject}, {@code reject}, {@code unavailable}) and the
 * score against the threshold, kept to the hundredth.
 */
public record ScanSummary(String action, double score, double requiredScore) {

  public ScanSummary {
    Objects.requireNonNull(action, "action");
  }

  long scoreHundredths() {
    return Math.round(score * 100);
  }

  long requiredHundredths() {
    return Math.round(requiredScore * 100);
  }

  static ScanSummary ofHundredths(String action, long score, long required) {
    return new ScanSummary(action, score / 100.0, required / 100.0);
  }
}

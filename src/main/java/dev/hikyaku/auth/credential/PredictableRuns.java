package dev.hikyaku.auth.credential;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import me.gosimple.nbvcxz.matching.SequenceMatcher;
import me.gosimple.nbvcxz.matching.SpacialMatcher;
import me.gosimple.nbvcxz.matching.match.Match;
import me.gosimple.nbvcxz.resources.Configuration;
import me.gosimple.nbvcxz.resources.ConfigurationBuilder;

/**
 * How much of a password is made of predictable runs: NIST SP 800-63B rev. 4 §3.1.1.2 asks
 * verifiers to refuse "repetitive or sequential characters" such as {@code aaaaaaaaaaaaaaa} or
 * {@code 123456789012345}. A run is one of
 *
 * <ul>
 *   <li>a repeat: a unit of one or more characters written at least twice in a row ({@code aaa},
 *       {@code abcabc}, {@code passwordpassword});
 *   <li>a sequence of consecutive letters or digits, either way ({@code abcdef}, {@code 98765}), as
 *       nbvcxz's {@code SequenceMatcher} finds them;
 *   <li>a keyboard run of neighbouring keys on a QWERTY keyboard or a number pad ({@code qwerty},
 *       {@code 1qaz}, {@code !@#$}), as nbvcxz's {@code SpacialMatcher} finds them.
 * </ul>
 *
 * Runs are at least three characters long. The check is the largest number of code points that
 * non-overlapping runs cover; whatever is left over is the only part an attacker has to guess.
 */
final class PredictableRuns {

  private PredictableRuns() {}

  /** A run shorter than this is not predictable enough to count ("ab", "11" occur anywhere). */
  static final int MIN_RUN = 3;

  /** nbvcxz's matchers need a configuration; its dictionaries are shared, loaded once. */
  private static final class Matchers {
    static final Configuration CONFIGURATION =
        new ConfigurationBuilder().setLocale(Locale.ROOT).createConfiguration();
  }

  /**
   * A stretch {@code [from, to]} of code points where any part of at least {@code minLength} is a
   * run.
   */
  private record Run(int from, int to, int minLength) {}

  /**
   * @param normalised the password after NFKC normalisation and lower-casing
   * @return how many code points of it are not covered by runs, when runs cover as much as they can
   */
  static int uncovered(String normalised) {
    int[] codePoints = normalised.codePoints().toArray();
    int n = codePoints.length;
    if (n == 0) {
      return 0;
    }
    List<Run> runs = new ArrayList<>();
    addRepeats(codePoints, runs);
    addLibraryRuns(normalised, runs);

    // best[j]: most code points runs can cover in the first j. A run [from, to] may be used in
    // part; covering [i, j) with i >= from is never better than starting at from, because
    // best[i] <= best[from] + (i - from).
    int[] best = new int[n + 1];
    for (int j = 1; j <= n; j++) {
      best[j] = best[j - 1];
      for (Run run : runs) {
        int end = j - 1;
        if (run.from() <= end && end <= run.to() && j - run.from() >= run.minLength()) {
          best[j] = Math.max(best[j], best[run.from()] + j - run.from());
        }
      }
    }
    return n - best[n];
  }

  /**
   * Maximal stretches with period {@code p}: code point k equals code point k - p throughout. A
   * stretch is a repeat wherever it holds its unit twice, so the shortest usable part is 2p.
   */
  private static void addRepeats(int[] codePoints, List<Run> runs) {
    int n = codePoints.length;
    for (int period = 1; period <= n / 2; period++) {
      int k = period;
      while (k < n) {
        if (codePoints[k] != codePoints[k - period]) {
          k++;
          continue;
        }
        int start = k;
        while (k < n && codePoints[k] == codePoints[k - period]) {
          k++;
        }
        // codePoints[start - period .. k - 1] has period p; it repeats when it is 2p long.
        if (k - start >= period) {
          runs.add(new Run(start - period, k - 1, Math.max(MIN_RUN, 2 * period)));
        }
      }
    }
  }

  /** nbvcxz reports char indices; runs are in code points, so emoji count as one. */
  private static void addLibraryRuns(String normalised, List<Run> runs) {
    List<Match> matches = new ArrayList<>();
    matches.addAll(new SequenceMatcher().match(Matchers.CONFIGURATION, normalised));
    matches.addAll(new SpacialMatcher().match(Matchers.CONFIGURATION, normalised));
    for (Match match : matches) {
      int from = normalised.codePointCount(0, match.getStartIndex());
      int to = normalised.codePointCount(0, match.getEndIndex() + 1) - 1;
      if (to - from + 1 >= MIN_RUN) {
        runs.add(new Run(from, to, MIN_RUN));
      }
    }
  }
}

package dev.hikyaku.config;

import dev.hikyaku.config.YamlNode.Mapping;
import dev.hikyaku.config.YamlNode.Null;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One mapping level of the file (the top level, {@code tls}, {@code limits}, one listener) with its
 * key path and the keys it may hold. Unknown keys are refused when the section is opened: a typo
 * must not silently fall back to a default.
 */
final class Section {

  private final String path;
  private final Map<String, YamlNode> entries;

  private Section(String path, Map<String, YamlNode> entries) {
    this.path = path;
    this.entries = entries;
  }

  /**
   * @param node the value at {@code path}; {@link Null} (absent or empty) gives an empty section
   * @throws ConfigException if the value is not a mapping, or holds a key outside {@code known}
   */
  static Section open(YamlNode node, String path, List<String> known, String sourceName)
      throws ConfigException {
    if (node instanceof Null) {
      return new Section(path, Map.of());
    }
    if (!(node instanceof Mapping mapping)) {
      throw new ConfigException(
          ConfigException.display(path),
          "expected a mapping with keys " + String.join(", ", known) + ", was " + node.describe(),
          sourceName,
          node.line());
    }
    for (String key : mapping.entries().keySet()) {
      if (!known.contains(key)) {
        String where = path.isEmpty() ? "at the top level" : "in " + path;
        String hint = closest(key, known).map(k -> " (did you mean " + k + "?)").orElse("");
        throw new ConfigException(
            join(path, key),
            "unknown key" + hint + "; known keys " + where + ": " + String.join(", ", known),
            sourceName,
            mapping.keyLines().getOrDefault(key, 0));
      }
    }
    return new Section(path, mapping.entries());
  }

  /** The value of {@code key}; empty when the key is absent or has no value (use the default). */
  Optional<YamlNode> get(String key) {
    YamlNode node = entries.get(key);
    return node == null || node instanceof Null ? Optional.empty() : Optional.of(node);
  }

  /** The key path of this section itself, e.g. {@code auth.oauth}; empty for the top level. */
  String path() {
    return path;
  }

  /** The key path of {@code key} in this section, e.g. {@code limits.max-recipients}. */
  String path(String key) {
    return join(path, key);
  }

  private static String join(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /**
   * The known key the typo most likely meant: the same letters with other separators or case
   * ({@code max_recipients}, {@code maxRecipients}), or at most two edits away.
   */
  static Optional<String> closest(String typo, List<String> known) {
    String bare = squash(typo);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : known) {
      if (squash(candidate).equals(bare)) {
        return Optional.of(candidate);
      }
      int distance = editDistance(typo.toLowerCase(Locale.ROOT), candidate);
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return bestDistance <= 2 ? Optional.ofNullable(best) : Optional.empty();
  }

  private static String squash(String key) {
    return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  /** Levenshtein distance, with a swap of neighbours counting as one edit (Damerau). */
  private static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}

package dev.hikyaku.config;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML value as the config reader sees it, each with the line it started on so errors can point
 * there. Built by {@link YamlDocument} from Jackson's streaming parser; Jackson's own tree model
 * drops line numbers.
 */
sealed interface YamlNode {

  /** 1-based line where the value starts, or 0 when unknown. */
  int line();

  /** How the value is named in an error message: "a list", "the number 7", "the string 'x'". */
  String describe();

  /** A mapping; keys in document order, no duplicates. */
  record Mapping(Map<String, YamlNode> entries, Map<String, Integer> keyLines, int line)
      implements YamlNode {
    public Mapping {
      entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
      keyLines = Map.copyOf(keyLines);
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  record Sequence(List<YamlNode> items, int line) implements YamlNode {
    public Sequence {
      items = List.copyOf(items);
    }

    @Override
    public String describe() {
      return "a list";
    }
  }

  record Text(String value, int line) implements YamlNode {
    @Override
    public String describe() {
      return "the string '" + value + "'";
    }
  }

  record WholeNumber(BigInteger value, int line) implements YamlNode {
    @Override
    public String describe() {
      return "the number " + value;
    }
  }

  /** A number with a fraction or exponent; kept as written, since no key accepts one. */
  record Fraction(String written, int line) implements YamlNode {
    @Override
    public String describe() {
      return "the number " + written;
    }
  }

  record Bool(boolean value, int line) implements YamlNode {
    @Override
    public String describe() {
      return "the boolean " + value;
    }
  }

  /**
   * {@code key:} with nothing after it, {@code null} or {@code ~}: the key is treated as absent.
   */
  record Null(int line) implements YamlNode {
    @Override
    public String describe() {
      return "empty";
    }
  }
}

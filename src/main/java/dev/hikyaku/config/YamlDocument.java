package dev.hikyaku.config;

import dev.hikyaku.config.YamlNode.Bool;
import dev.hikyaku.config.YamlNode.Fraction;
import dev.hikyaku.config.YamlNode.Mapping;
import dev.hikyaku.config.YamlNode.Null;
import dev.hikyaku.config.YamlNode.Sequence;
import dev.hikyaku.config.YamlNode.Text;
import dev.hikyaku.config.YamlNode.WholeNumber;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.LoadSettings;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.dataformat.yaml.YAMLFactory;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLParser;

/** Reads YAML text into {@link YamlNode}s: one document, no aliases, no duplicate keys. */
final class YamlDocument {

  private YamlDocument() {}

  // SnakeYAML refuses a document past its code point limit (3 MiB by default): here the limit of a
  // config file, so text that passes one passes the other. Duplicate keys are left to the reader
  // below, which names both lines (forbidding them here turns on Jackson's own, vaguer check).
  private static final YAMLMapper MAPPER =
      YAMLMapper.builder(
              YAMLFactory.builder()
                  .loadSettings(
                      LoadSettings.builder()
                          .setCodePointLimit(ConfigLoader.MAX_BYTES)
                          .setAllowDuplicateKeys(true)
                          .build())
                  .build())
          .build();

  /**
   * The document's root value; {@link Null} for an empty document (or one holding only comments).
   *
   * @throws ConfigException on a syntax error (line and problem named, the offending text not
   *     quoted)
   */
  static YamlNode read(String yaml, String sourceName) throws ConfigException {
    try (JsonParser parser = MAPPER.createParser(yaml)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        return new Null(0);
      }
      YamlNode root = new Reader(parser, sourceName).value(first, "");
      if (parser.nextToken() != null) {
        throw new ConfigException(
            ConfigException.TOP_LEVEL,
            "the file holds more than one YAML document (a second '---'); put every key in one",
            sourceName,
            line(parser));
      }
      return root;
    } catch (JacksonException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      throw new ConfigException(
          ConfigException.TOP_LEVEL, "not valid YAML: " + problemOf(e), sourceName, line);
    }
  }

  /**
   * SnakeYAML's message quotes the offending source lines under a caret; keep only its own words
   * (the unindented lines), so file content never reaches logs through an error.
   */
  private static String problemOf(JacksonException e) {
    String message =
        e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
    return message
        .lines()
        .filter(l -> !l.isBlank() && !Character.isWhitespace(l.charAt(0)))
        .collect(Collectors.joining("; "));
  }

  private static int line(JsonParser parser) {
    return parser.currentTokenLocation().getLineNr();
  }

  private record Reader(JsonParser parser, String sourceName) {

    YamlNode value(JsonToken token, String path) throws ConfigException {
      int line = line(parser);
      if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
        // Jackson hands an alias over as its anchor's name, not the anchored value: refuse rather
        // than read a wrong value silently.
        throw new ConfigException(
            ConfigException.display(path),
            "YAML aliases (*name) are not supported; write the value out",
            sourceName,
            line);
      }
      return switch (token) {
        case START_OBJECT -> mapping(path, line);
        case START_ARRAY -> sequence(path, line);
        // YAML 1.2 core schema: '~' is null; Jackson reports it as text.
        case VALUE_STRING ->
            "~".equals(parser.getString()) ? new Null(line) : new Text(parser.getString(), line);
        case VALUE_NUMBER_INT -> new WholeNumber(parser.getBigIntegerValue(), line);
        case VALUE_NUMBER_FLOAT -> new Fraction(parser.getString(), line);
        case VALUE_TRUE -> new Bool(true, line);
        case VALUE_FALSE -> new Bool(false, line);
        case VALUE_NULL -> new Null(line);
        default ->
            throw new ConfigException(
                ConfigException.display(path),
                "unsupported YAML value (" + token + ")",
                sourceName,
                line);
      };
    }

    private Mapping mapping(String path, int line) throws ConfigException {
      Map<String, YamlNode> entries = new LinkedHashMap<>();
      Map<String, Integer> keyLines = new HashMap<>();
      for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
        String key = parser.currentName();
        int keyLine = line(parser);
        String keyPath = path.isEmpty() ? key : path + "." + key;
        if (entries.containsKey(key)) {
          throw new ConfigException(
              keyPath,
              "appears twice (first on line " + keyLines.get(key) + ")",
              sourceName,
              keyLine);
        }
        keyLines.put(key, keyLine);
        entries.put(key, value(parser.nextToken(), keyPath));
      }
      return new Mapping(entries, keyLines, line);
    }

    private Sequence sequence(String path, int line) throws ConfigException {
      List<YamlNode> items = new ArrayList<>();
      for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
        items.add(value(t, path + "[" + items.size() + "]"));
      }
      return new Sequence(items, line);
    }
  }
}

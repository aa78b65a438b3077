package dev.hikyaku.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reading the members of a JSON request body ({@link SendRequest}): strings, arrays and objects
 * of strings, each invalid one named by its JSON pointer (RFC 6901) in {@link Errors}.
 */
final class JsonMembers {

  private JsonMembers() {}

  /** The invalid members found so far, in the order of the document. */
  static final class Errors {
    final List<Problem.FieldError> list = new ArrayList<>();

    void add(String pointer, String detail) {
      list.add(new Problem.FieldError(pointer, detail));
    }

    void unknownMembers(JsonNode object, String at, Set<String> known) {
      for (String name : object.propertyNames()) {
        if (!known.contains(name)) {
          add(at + "/" + escape(name), "unknown member; the API knows " + String.join(", ", known.stream().sorted().toList()));
        }
      }
    }
  }

  /** RFC 6901 §3: "~" is written "~0" and "/" is written "~1" in a reference token. */
  static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  static boolean isMissing(JsonNode json, String name) {
    return json.get(name) == null || json.get(name).isNull();
  }

  static boolean isAbsentOrArray(JsonNode json, String name) {
    return isMissing(json, name) || json.get(name).isArray();
  }

  /** Reads one item of an array; empty when it is invalid (and said so). */
  @FunctionalInterface
  interface ItemReader<T> {
    Optional<T> read(JsonNode item, String at);
  }

  /** The valid items of an array member, in order; absent or null is no items. */
  static <T> List<T> array(JsonNode node, String at, String items, ItemReader<T> reader, Errors errors) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      errors.add(at, "must be an array of " + items);
      return List.of();
    }
    List<T> read = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      reader.read(node.get(i), at + "/" + i).ifPresent(read::add);
    }
    return read;
  }

  /**
   * A string member; with {@code isOneLine}, without CR, LF or other controls (it goes into a
   * header field). Bodies may hold any text but NUL.
   */
  static Optional<String> text(JsonNode json, String name, String at, int maxLength, boolean isOneLine, Errors errors) {
    JsonNode node = json.get(name);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    String pointer = at + "/" + name;
    if (!node.isString()) {
      errors.add(pointer, "must be a string");
      return Optional.empty();
    }
    String value = node.stringValue();
    if (value.length() > maxLength) {
      errors.add(pointer, "is longer than " + maxLength + " characters");
    } else if (isOneLine ? hasControl(value) : value.indexOf('\0') >= 0) {
      errors.add(pointer, isOneLine ? "must be one line without control characters" : "must not contain NUL");
    } else {
      return Optional.of(value);
    }
    return Optional.empty();
  }

  /** What is wrong with one member of an object of strings, or empty when nothing is. */
  @FunctionalInterface
  interface MemberRule {
    Optional<String> problem(String name, String value);
  }

  /** An object whose members are all strings, in order, each judged by {@code rule}; at most {@code maxMembers}. */
  static Map<String, String> stringMap(
      JsonNode node, String at, int maxMembers, String names, MemberRule rule, Errors errors) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      errors.add(at, "must be an object of " + names + " to string values");
      return Map.of();
    }
    if (node.size() > maxMembers) {
      errors.add(at, "more than " + maxMembers + " members");
      return Map.of();
    }
    Map<String, String> members = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> member : node.properties()) {
      String pointer = at + "/" + escape(member.getKey());
      if (!member.getValue().isString()) {
        errors.add(pointer, "must be a string");
        continue;
      }
      String value = member.getValue().stringValue();
      Optional<String> problem = rule.problem(member.getKey(), value);
      if (problem.isPresent()) {
        errors.add(pointer, problem.get());
      } else {
        members.put(member.getKey(), value);
      }
    }
    return members;
  }

  /** Whether {@code text} holds a C0 control (CR and LF among them) or DEL. */
  static boolean hasControl(String text) {
    return text.chars().anyMatch(c -> c < 32 || c == 127);
  }
}

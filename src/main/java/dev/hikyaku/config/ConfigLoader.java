package dev.hikyaku.config;

import dev.hikyaku.net.ListenerRole;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the YAML config file. Every key the file gives overrides the default of that key alone
 * ({@code limits: {max-errors: 5}} keeps every other limit); a key left out, or given no value,
 * keeps its default. Checks types and rules and refuses unknown keys; each {@link ConfigException}
 * starts with the offending key path.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  /** Source name used in errors from {@link #parsePorts}. */
  static final String COMMAND_LINE = "command line";

  /** Key path used in errors from {@link #parsePorts}: the CLI option it parses. */
  static final String PORTS_OPTION = "--ports";

  /**
   * The largest config, in bytes of the file and in code points of YAML text: 1 MiB. The complete
   * example, every key with its comment, is under 16 KiB.
   */
  public static final int MAX_BYTES = 1024 * 1024;

  /** The embedded defaults, as if an empty file had been read. */
  public static HikyakuConfig defaults() {
    return Defaults.config();
  }

  /**
   * Reads {@code file} (UTF-8).
   *
   * @throws ConfigException if the file is missing, unreadable, larger than {@link #MAX_BYTES} or
   *     not UTF-8 (the message names the path), or holds an invalid config (the message names the
   *     key)
   */
  public static HikyakuConfig load(Path file) throws ConfigException {
    String yaml;
    try (InputStream in = Files.newInputStream(file)) {
      // Read at most one byte past the limit, whatever the file's size claims to be (/dev/zero
      // and pipes claim 0): an endless or huge file costs 1 MiB of memory, not all of it.
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new ConfigException(
            file.toString(),
            "config file is larger than " + MAX_BYTES + " bytes (1 MiB), the most a config may hold",
            file.toString(),
            0);
      }
      // A new decoder reports malformed input (CharsetDecoder: REPORT is the default action).
      yaml = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), "config file does not exist", file.toString(), 0);
    } catch (AccessDeniedException e) {
      throw new ConfigException(
          file.toString(), "config file is not readable by this process", file.toString(), 0);
    } catch (CharacterCodingException e) {
      throw new ConfigException(
          file.toString(), "config file is not valid UTF-8", file.toString(), 0);
    } catch (IOException e) {
      String reason =
          Files.isDirectory(file)
              ? "is a directory, not a config file"
              : "cannot read config file: " + e;
      throw new ConfigException(file.toString(), reason, file.toString(), 0);
    }
    return parse(yaml, file.toString());
  }

  /**
   * Reads a config from YAML text.
   *
   * @param sourceName where the text came from, named in every error (a path, "test", ...)
   */
  public static HikyakuConfig parse(String yaml, String sourceName) throws ConfigException {
    return ConfigReader.read(YamlDocument.read(yaml, sourceName), sourceName);
  }

  /**
   * Parses the CLI's port override: {@code relay=2525,submission=2587,submissions=2465}. Each role
   * at most once; spaces around names, numbers and commas are ignored.
   *
   * @return the ports by role, for {@link HikyakuConfig#withPorts}
   * @throws ConfigException starting with {@code --ports}, naming the bad entry
   */
  public static Map<ListenerRole, Integer> parsePorts(String spec) throws ConfigException {
    if (spec == null || spec.isBlank()) {
      throw portsError(
          "expected role=port[,role=port...] such as relay=2525,submission=2587, was empty");
    }
    Map<ListenerRole, Integer> ports = new EnumMap<>(ListenerRole.class);
    for (String entry : spec.split(",", -1)) {
      String trimmed = entry.strip();
      int equals = trimmed.indexOf('=');
      if (equals < 0) {
        throw portsError("expected role=port, was '" + trimmed + "' (in '" + spec + "')");
      }
      String name = trimmed.substring(0, equals).strip();
      String number = trimmed.substring(equals + 1).strip();
      ListenerRole role = null;
      for (ListenerRole candidate : ListenerRole.values()) {
        if (candidate.configName().equalsIgnoreCase(name)) {
          role = candidate;
        }
      }
      if (role == null) {
        throw portsError(
            "unknown role '"
                + name
                + "' in '"
                + trimmed
                + "'; known roles: "
                + ListenerConfig.roleNames());
      }
      int port;
      try {
        port = Integer.parseInt(number);
      } catch (NumberFormatException e) {
        throw portsError(
            "port for " + role.configName() + " must be a number 1..65535, was '" + number + "'");
      }
      if (port < ConfigReader.MIN_PORT || port > ConfigReader.MAX_PORT) {
        throw portsError("port for " + role.configName() + " must be 1..65535, was " + port);
      }
      if (ports.putIfAbsent(role, port) != null) {
        throw portsError(role.configName() + " is given twice in '" + spec + "'");
      }
    }
    return Collections.unmodifiableMap(ports);
  }

  /**
   * {@code config} with the listener ports of the {@code --ports} option, and the API's port when
   * it names {@code api=PORT}; a clash the new ports
   * make (two listeners, or a listener and the HTTP endpoint, on one address and port) is a
   * {@code --ports:} error like a bad spec.
   */
  public static HikyakuConfig withPorts(HikyakuConfig config, String spec) throws ConfigException {
    // "api=PORT" moves the HTTP API; every other entry names a listener role.
    List<String> listenerEntries = new ArrayList<>();
    OptionalInt apiPort = OptionalInt.empty();
    for (String entry : spec == null ? new String[0] : spec.split(",", -1)) {
      int equals = entry.indexOf('=');
      if (equals > 0 && entry.substring(0, equals).strip().equalsIgnoreCase(Keys.API)) {
        if (apiPort.isPresent()) {
          throw portsError("api is given twice in '" + spec + "'");
        }
        apiPort = OptionalInt.of(apiPort(entry.substring(equals + 1).strip()));
      } else {
        listenerEntries.add(entry);
      }
    }
    Map<ListenerRole, Integer> ports =
        listenerEntries.isEmpty() && apiPort.isPresent() ? Map.of() : parsePorts(String.join(",", listenerEntries));
    try {
      HikyakuConfig moved = config.withPorts(ports);
      if (apiPort.isEmpty()) {
        return moved;
      }
      HikyakuConfig withApi = moved.withApi(moved.api().withPort(apiPort.getAsInt()));
      Optional<String> clash = ListenerClash.withApi(withApi.listeners(), withApi.http(), withApi.api());
      if (clash.isPresent()) {
        throw portsError(Keys.API + "." + Keys.PORT + ": " + clash.get());
      }
      return withApi;
    } catch (IllegalArgumentException e) {
      throw portsError(e.getMessage());
    }
  }

  private static int apiPort(String number) throws ConfigException {
    try {
      int port = Integer.parseInt(number);
      if (port >= ConfigReader.MIN_PORT && port <= ConfigReader.MAX_PORT) {
        return port;
      }
    } catch (NumberFormatException e) {
      // falls through to the one message
    }
    throw portsError("port for api must be a number 1..65535, was '" + number + "'");
  }

  /**
   * The config as YAML with every key spelled out (e.g. for a "show effective config" command);
   * {@link #parse} reads it back to an equal config.
   */
  public static String toYaml(HikyakuConfig config) {
    return ConfigWriter.toYaml(config);
  }

  private static ConfigException portsError(String problem) {
    return new ConfigException(PORTS_OPTION, problem, COMMAND_LINE, 0);
  }
}

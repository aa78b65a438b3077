package dev.hikyaku.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code sendmail} section: the local pickup socket that {@code hikyaku sendmail} hands
 * messages to (a Unix domain socket; the kernel tells the server the sender's Unix user, so no
 * password is needed, as Postfix's postdrop needs none). Described in docs/configuration.md.
 *
 * @param isEnabled whether the server opens the socket
 * @param socket where the socket is; empty: {@code <data-directory>/sendmail.sock}
 * @param users the Unix users who may submit through it; empty: every user who can reach the socket
 *     (its directory's permissions decide who can)
 */
public record SendmailConfig(boolean isEnabled, Optional<Path> socket, List<String> users) {

  public SendmailConfig {
    Objects.requireNonNull(socket, "socket");
    users = List.copyOf(users);
  }

  static final String SECTION = "sendmail";
  private static final String SOCKET = "socket";
  private static final String USERS = "users";
  static final List<String> KEYS = List.of(Keys.ENABLED, SOCKET, USERS);

  /** The file name of the socket in the data directory when {@code socket} is not set. */
  public static final String DEFAULT_SOCKET = "sendmail.sock";

  /** Linux's sun_path holds 108 bytes with the terminating NUL. */
  private static final int MAX_SOCKET_PATH = 107;

  /** On, in the data directory, for every user who can reach it. */
  static final SendmailConfig DEFAULTS = new SendmailConfig(true, Optional.empty(), List.of());

  /** The socket's path for a server whose data directory is {@code dataDirectory}. */
  public Path socketIn(Path dataDirectory) {
    return socket.orElseGet(() -> dataDirectory.resolve(DEFAULT_SOCKET));
  }

  /** Whether {@code user} may submit: any user when {@code users} is empty. */
  public boolean admits(String user) {
    return users.isEmpty() || users.contains(user);
  }

  static SendmailConfig read(Section section) throws ConfigException {
    boolean isEnabled = section.bool(Keys.ENABLED, DEFAULTS.isEnabled());
    Optional<Path> socket = section.file(SOCKET);
    if (socket.isPresent() && socket.get().toAbsolutePath().toString().length() > MAX_SOCKET_PATH) {
      throw section.error(section.path(SOCKET), section.node(SOCKET),
          "a Unix socket path holds at most " + MAX_SOCKET_PATH + " bytes");
    }
    List<String> users = new ArrayList<>();
    if (section.has(USERS)) {
      String path = section.path(USERS);
      List<YamlNode> items = section.list(section.node(USERS), path, "Unix user names");
      for (int i = 0; i < items.size(); i++) {
        String itemPath = path + "[" + i + "]";
        String user = section.text(items.get(i), itemPath);
        if (!user.matches("[A-Za-z0-9._][A-Za-z0-9._-]{0,31}")) {
          throw section.error(itemPath, items.get(i), "is not a Unix user name");
        }
        users.add(user);
      }
    }
    return new SendmailConfig(isEnabled, socket, users);
  }

  void write(ObjectNode section) {
    section.put(Keys.ENABLED, isEnabled);
    socket.ifPresent(path -> section.put(SOCKET, path.toString()));
    if (!users.isEmpty()) {
      ArrayNode names = section.putArray(USERS);
      users.forEach(names::add);
    }
  }
}

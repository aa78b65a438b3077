package dev.hikyaku.console;

import java.util.List;
import java.util.Optional;

/**
 * What the API keys page shows (keys.jte): a key just created, once, the form for another, and
 * every key (never a secret: the server keeps keyed hashes).
 */
public record KeysPage(String account, String csrf, Optional<String> created, String createdName, String error, List<Row> keys) {

  public KeysPage {
    keys = List.copyOf(keys);
  }

  public record Row(String name, String account, String scopes, String created, String state) {}
}

package dev.hikyaku.api;

import java.util.Optional;

/**
 * Decides whether a bearer token is a valid API key. The app passes {@link #NONE_VALID} until API
 * keys ({@code store.ApiKeys}) are checked: then every request is 401, which is the truth.
 */
@FunctionalInterface
public interface ApiKeyCheck {

  /** No token is a valid key. */
  ApiKeyCheck NONE_VALID = token -> Optional.empty();

  /**
   * The name of the API key {@code token} is, when it is a valid (active) one; empty otherwise.
   *
   * @param token the text after {@code Bearer }, never empty
   */
  Optional<String> keyName(String token);
}

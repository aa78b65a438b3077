package dev.hikyaku.auth;

/**
 * An authenticated identity: the account a client proved it holds.
 *
 * @param account the account's login name (its address)
 */
public record Principal(String account) {

  public Principal {
    if (account == null || account.isBlank()) {
      throw new IllegalArgumentException("a principal names an account");
    }
  }
}

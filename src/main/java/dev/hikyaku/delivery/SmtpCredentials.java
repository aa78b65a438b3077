package dev.hikyaku.delivery;

import java.util.Objects;

/**
 * A user name and password for SMTP AUTH at a smarthost (RFC 4954). The password never appears in
 * {@link #toString()}, logs or exception messages.
 */
public record SmtpCredentials(String user, char[] password) {

  public SmtpCredentials {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (user.isEmpty()) {
      throw new IllegalArgumentException("empty SMTP AUTH user name");
    }
  }

  @Override
  public String toString() {
    return "SmtpCredentials[user=" + user + ", password=(hidden)]";
  }
}

package dev.hikyaku.auth;

import dev.hikyaku.auth.sasl.Mechanism;
import dev.hikyaku.store.ConsoleAdmin;
import dev.hikyaku.store.ConsoleAdmins;
import dev.hikyaku.store.StoreException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The console's sign-in (issue 20): an admin's account password, checked as SMTP AUTH checks it
 * (Argon2id, the throttle's blocks, no enumeration), and then a TOTP code (RFC 6238) of the secret
 * {@code hikyaku admin add} gave, each code good once. App passwords and API keys are for mail
 * clients and programs, not for the console: refused here even when valid. Every refusal reads the
 * same to the person signing in; {@link Outcome.Refused#reason} is for the audit log.
 */
public final class ConsoleSignIn {

  /** How a sign-in ended. */
  public sealed interface Outcome {
    record SignedIn(String account) implements Outcome {}

    /** @param reason for the log only: never a secret */
    record Refused(String account, String reason) implements Outcome {}

    record Unavailable(String reason) implements Outcome {}
  }

  private final Authenticator authenticator;
  private final ConsoleAdmins admins;
  private final Totp totp;
  private final Clock clock;

  public ConsoleSignIn(Authenticator authenticator, ConsoleAdmins admins, Totp totp, Clock clock) {
    this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
    this.admins = Objects.requireNonNull(admins, "admins");
    this.totp = Objects.requireNonNull(totp, "totp");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public Outcome signIn(String address, char[] password, String code, InetAddress client) {
    String account = address == null ? "" : address.strip();
    Optional<ConsoleAdmin> admin;
    try {
      admin = admins.find(account);
    } catch (StoreException e) {
      return new Outcome.Unavailable("console admins: " + e.getMessage());
    }
    // The password first, for everyone: an account that is no admin costs the same work.
    AuthOutcome checked = new Authenticator.Attempt(authenticator, client).verifyPassword(account, password, Mechanism.PLAIN);
    switch (checked) {
      case AuthOutcome.Refused refused when refused.refusal() == AuthOutcome.Refusal.UNAVAILABLE -> {
        return new Outcome.Unavailable(refused.reason());
      }
      case AuthOutcome.Refused refused -> {
        return new Outcome.Refused(refused.account(), refused.reason());
      }
      case AuthOutcome.Authenticated authenticated when !authenticated.credential().startsWith("password") -> {
        return new Outcome.Refused(account, "signed in with " + authenticated.credential() + ", not the account's password");
      }
      case AuthOutcome.Authenticated authenticated -> {
        // the account's own password: on to the second factor
      }
    }
    if (admin.isEmpty()) {
      return new Outcome.Refused(account, "not a console admin");
    }
    Instant now = clock.instant();
    OptionalLong step = totp.matchingStep(admin.get().totpSecret(), code, now);
    if (step.isEmpty()) {
      return new Outcome.Refused(admin.get().address(), "wrong TOTP code");
    }
    try {
      if (!admins.acceptStep(admin.get().accountId(), step.getAsLong())) {
        return new Outcome.Refused(admin.get().address(), "TOTP code used before (RFC 6238 §5.2)");
      }
    } catch (StoreException e) {
      return new Outcome.Unavailable("recording the TOTP step: " + e.getMessage());
    }
    return new Outcome.SignedIn(admin.get().address());
  }
}

package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The accounts as the server's operators see them over the API ({@code hikyaku user},
 * {@code app-password}): each with its senders, whether it is disabled or suspended, and its app
 * passwords (never their secrets); and the changes an operator makes there. The app backs it with
 * the store; every change is recorded for the audit log, naming who made it.
 */
public interface AccountDirectory {

  /** No accounts. */
  AccountDirectory NONE = new AccountDirectory() {
    @Override
    public List<Entry> accounts() {
      return List.of();
    }

    @Override
    public Optional<Entry> account(String address) {
      return Optional.empty();
    }

    @Override
    public boolean unsuspend(String address, String by) {
      return false;
    }

    @Override
    public boolean revokeAppPassword(String address, String name, String by) {
      return false;
    }

    @Override
    public Change create(String address, char[] password, String by) {
      return new Change.Refused("no accounts can be made here");
    }

    @Override
    public Change addAppPassword(String address, String name, String by) {
      return new Change.NotFound();
    }

    @Override
    public Change changeSender(String address, String sender, boolean add, String by) {
      return new Change.NotFound();
    }
  };

  /**
   * Every account, by address.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<Entry> accounts() throws Unavailable;

  /**
   * The account {@code address}, as {@link #accounts} shows it; empty when there is none.
   *
   * @throws Unavailable if the store cannot answer now
   */
  Optional<Entry> account(String address) throws Unavailable;

  /** Lets a suspended account send again; false when it was not suspended (or does not exist). */
  boolean unsuspend(String address, String by) throws Unavailable;

  /** Revokes app password {@code name} of {@code address}; false when there is no such active one. */
  boolean revokeAppPassword(String address, String name, String by) throws Unavailable;

  /**
   * A new account {@code address} with {@code password}, checked against the server's password
   * policy and kept as the CLI's {@code user add} keeps it (Argon2id and the SASL mechanisms'
   * derived keys); its domain must be hosted here. The caller wipes {@code password} after.
   */
  Change create(String address, char[] password, String by) throws Unavailable;

  /** A new app password {@code name} for {@code address}: {@link Change.Done#secret} holds it, once. */
  Change addAppPassword(String address, String name, String by) throws Unavailable;

  /** Lets {@code address} send as {@code sender} ({@code local@domain} or {@code @domain}), or no longer. */
  Change changeSender(String address, String sender, boolean add, String by) throws Unavailable;

  /** What became of a change. */
  sealed interface Change {
    /** Done; {@code secret} is a new app password, shown this once (empty otherwise). */
    record Done(Optional<String> secret) implements Change {}

    /** No such account (or, for a sender removed, no such sender of it). */
    record NotFound() implements Change {}

    /** Refused: the detail says why (a password the policy refuses, a domain not hosted, a name taken). */
    record Refused(String detail) implements Change {}
  }

  /**
   * One account.
   *
   * @param suspension why it is suspended from sending, when it is
   */
  record Entry(String address, boolean isDisabled, Optional<String> suspension, List<String> senders,
      List<AppPassword> appPasswords, Instant createdAt, Optional<Instant> lastLoginAt) {
    public Entry {
      senders = List.copyOf(senders);
      appPasswords = List.copyOf(appPasswords);
    }
  }

  /** An app password, without its secret. */
  record AppPassword(String name, Instant createdAt, Optional<Instant> lastUsedAt, Optional<Instant> revokedAt) {}
}

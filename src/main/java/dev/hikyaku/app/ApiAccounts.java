package dev.hikyaku.app;

import dev.hikyaku.api.AccountDirectory;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.auth.credential.GeneratedSecrets;
import dev.hikyaku.config.AuthConfig;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Credentials;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The accounts for the operators' side of the API, as the CLI's {@code user} and {@code
 * app-password} commands do it on the store, with the server's password policy and hashing. Changes are published as the CLI records them
 * ({@link Event.AdminChange}), naming who made them.
 */
final class ApiAccounts implements AccountDirectory {

  private final Store store;
  private final Events events;
  private final Clock clock;
  private final AuthConfig auth;
  private final SecureRandom random;

  ApiAccounts(Store store, Events events, Clock clock, AuthConfig auth, SecureRandom random) {
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.auth = auth;
    this.random = random;
  }

  @Override
  public Change create(String address, char[] password, String by) throws Unavailable {
    Optional<String> refusal = AccountCommands.passwordRefusal(auth, password, address);
    if (refusal.isPresent()) {
      return new Change.Refused(refusal.get());
    }
    Credentials credentials = AccountCommands.enrol(auth, password, random);
    try {
      store.accounts().create(address, credentials, FromHeaderPolicy.REJECT);
    } catch (IllegalArgumentException e) {
      return new Change.Refused("address: " + e.getMessage());
    } catch (StoreException e) {
      return switch (e.kind()) {
        case NOT_FOUND -> new Change.Refused("the domain of " + address + " is not hosted here (hikyaku domain add)");
        case CONFLICT -> new Change.Refused("account " + address + " exists already");
        default -> throw new Unavailable("creating account " + address + ": " + e.getMessage(), e);
      };
    }
    told("user add", address, "from-header reject by " + by);
    return new Change.Done(Optional.empty());
  }

  @Override
  public Change addAppPassword(String address, String name, String by) throws Unavailable {
    if (!name.matches("[A-Za-z0-9._-]{1,64}")) {
      return new Change.Refused("app password names are 1-64 of A-Z a-z 0-9 . _ -");
    }
    String secret = GeneratedSecrets.newAppPassword(random);
    try {
      if (store.accounts().find(address).isEmpty()) {
        return new Change.NotFound();
      }
      store.appPasswords().add(address, name, GeneratedSecrets.keyedHash(store.serverSecret().value(), secret));
    } catch (StoreException e) {
      return switch (e.kind()) {
        case NOT_FOUND -> new Change.NotFound();
        case CONFLICT -> new Change.Refused("an app password named " + name + " exists already");
        default -> throw new Unavailable("adding an app password for " + address + ": " + e.getMessage(), e);
      };
    }
    told("app-password add", address, name + " by " + by);
    return new Change.Done(Optional.of(secret));
  }

  @Override
  public Change changeSender(String address, String sender, boolean add, String by) throws Unavailable {
    try {
      if (add) {
        store.accounts().addSender(address, sender);
      } else {
        store.accounts().removeSender(address, sender);
      }
    } catch (IllegalArgumentException e) {
      return new Change.Refused("sender: " + e.getMessage());
    } catch (StoreException e) {
      return switch (e.kind()) {
        case NOT_FOUND -> new Change.NotFound();
        case CONFLICT -> new Change.Refused(e.getMessage());
        default -> throw new Unavailable("changing the senders of " + address + ": " + e.getMessage(), e);
      };
    }
    told("user senders", address, (add ? "add " : "remove ") + sender + " by " + by);
    return new Change.Done(Optional.empty());
  }

  @Override
  public List<AccountDirectory.Entry> accounts() throws Unavailable {
    try {
      List<AccountDirectory.Entry> entries = new ArrayList<>();
      for (Account account : store.accounts().list(Optional.empty())) {
        entries.add(entry(account));
      }
      return entries;
    } catch (StoreException e) {
      throw new Unavailable("listing the accounts: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<AccountDirectory.Entry> account(String address) throws Unavailable {
    try {
      Optional<Account> account = store.accounts().find(address);
      return account.isPresent() ? Optional.of(entry(account.get())) : Optional.empty();
    } catch (StoreException e) {
      throw new Unavailable("reading the account " + address + ": " + e.getMessage(), e);
    }
  }

  private AccountDirectory.Entry entry(Account account) throws StoreException {
    String address = account.address();
    return new AccountDirectory.Entry(address, account.isDisabled(), store.defences().suspension(address),
        store.accounts().senders(address),
        store.appPasswords().list(address).stream().map(p -> new AccountDirectory.AppPassword(p.name(), p.createdAt(), p.lastUsedAt(), p.revokedAt())).toList(),
        account.createdAt(), account.lastLoginAt());
  }

  @Override
  public boolean unsuspend(String address, String by) throws Unavailable {
    try {
      if (store.defences().suspension(address).isEmpty()) {
        return false;
      }
      store.defences().unsuspend(address);
    } catch (StoreException e) {
      throw new Unavailable("lifting the suspension of " + address + ": " + e.getMessage(), e);
    }
    told("user unsuspend", address, "by " + by);
    return true;
  }

  @Override
  public boolean revokeAppPassword(String address, String name, String by) throws Unavailable {
    try {
      if (store.accounts().find(address).isEmpty()
          || store.appPasswords().list(address).stream().noneMatch(p -> p.name().equals(name) && p.revokedAt().isEmpty())) {
        return false;
      }
      store.appPasswords().revoke(address, name);
    } catch (StoreException e) {
      if (e.kind() == StoreException.Kind.NOT_FOUND) {
        return false;
      }
      throw new Unavailable("revoking an app password of " + address + ": " + e.getMessage(), e);
    }
    told("app-password revoke", address, name + " by " + by);
    return true;
  }

  private void told(String command, String subject, String detail) {
    events.publish(new Event.AdminChange(clock.instant(), command, subject, detail));
  }
}

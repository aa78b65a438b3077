package dev.hikyaku.app;

import dev.hikyaku.api.AccountDirectory;
import dev.hikyaku.api.Unavailable;
import dev.hikyaku.events.Event;
import dev.hikyaku.events.Events;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Store;
import dev.hikyaku.store.StoreException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The accounts for the operators' side of the API, as the CLI's {@code user} and {@code
 * app-password} commands do it on the store. Changes are published as the CLI records them
 * ({@link Event.AdminChange}), naming who made them.
 */
final class ApiAccounts implements AccountDirectory {

  private final Store store;
  private final Events events;
  private final Clock clock;

  ApiAccounts(Store store, Events events, Clock clock) {
    this.store = store;
    this.events = events;
    this.clock = clock;
  }

  @Override
  public List<AccountDirectory.Entry> accounts() throws Unavailable {
    try {
      List<AccountDirectory.Entry> entries = new ArrayList<>();
      for (Account account : store.accounts().list(Optional.empty())) {
        String address = account.address();
        entries.add(new AccountDirectory.Entry(address, account.isDisabled(), store.defences().suspension(address),
            store.accounts().senders(address),
            store.appPasswords().list(address).stream().map(p -> new AccountDirectory.AppPassword(p.name(), p.createdAt(), p.lastUsedAt(), p.revokedAt())).toList(),
            account.createdAt(), account.lastLoginAt()));
      }
      return entries;
    } catch (StoreException e) {
      throw new Unavailable("listing the accounts: " + e.getMessage(), e);
    }
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

package dev.hikyaku.app;

import dev.hikyaku.policy.SenderRegistry;
import dev.hikyaku.store.Account;
import dev.hikyaku.store.Accounts;
import dev.hikyaku.store.FromHeaderPolicy;
import dev.hikyaku.store.StoreException;
import java.util.Optional;

/** The policy's view of sender ownership, answered from the account store. */
public final class StoreSenderRegistry implements SenderRegistry {

  private final Accounts accounts;

  public StoreSenderRegistry(Accounts accounts) {
    this.accounts = accounts;
  }

  @Override
  public Ownership ownership(String account, String address) {
    try {
      return accounts.maySendAs(account, address) ? Ownership.OWNED : Ownership.NOT_OWNED;
    } catch (StoreException e) {
      return Ownership.UNKNOWN;
    }
  }

  @Override
  public FromHeaderAction fromHeaderAction(String account) {
    try {
      Optional<Account> found = accounts.find(account);
      return found.isPresent() && found.get().fromHeader() == FromHeaderPolicy.ADD_SENDER
          ? FromHeaderAction.ADD_SENDER
          : FromHeaderAction.REJECT;
    } catch (StoreException e) {
      // Refusing is the safe answer when the account's choice cannot be read; the client retries.
      return FromHeaderAction.REJECT;
    }
  }
}

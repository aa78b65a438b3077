package dev.hikyaku.api;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The suppression list as the API shows it: the store keeps it per sending domain (the reverse
 * path's domain), and an account sees and changes the entries of the domains it may send as (its
 * senders' domains). The app backs it with {@code store.Suppressions} and checks addresses by the
 * RFC 5321 grammar; the api package sees only these views.
 */
public interface SuppressionList {

  /** No list: nothing is suppressed, and nothing can be. */
  SuppressionList NONE = new SuppressionList() {
    @Override
    public List<SuppressionView> page(String account, Optional<Position> after, int limit) {
      return List.of();
    }

    @Override
    public Removal remove(String account, String address, String keyName) {
      return new Removal.NotListed();
    }

    @Override
    public Addition add(String account, String address, String keyName) {
      return new Addition.NoSendingDomain();
    }
  };

  /**
   * Up to {@code limit} entries of the sending domains of {@code account}, by domain and then by
   * recipient, after {@code after}.
   *
   * @throws Unavailable if the store cannot answer now
   */
  List<SuppressionView> page(String account, Optional<Position> after, int limit) throws Unavailable;

  /**
   * Takes {@code address} off the list of every sending domain of {@code account}; the change is
   * told as an administrator's ({@code suppression remove}, naming the key {@code keyName}).
   *
   * @throws Unavailable if the store cannot answer now
   */
  Removal remove(String account, String address, String keyName) throws Unavailable;

  /**
   * Puts {@code address} on the list of every sending domain of {@code account} where it is not yet
   * (a manual entry); told as {@code suppression add}.
   *
   * @throws Unavailable if the store cannot answer now
   */
  Addition add(String account, String address, String keyName) throws Unavailable;

  /** Where an entry stands in the order of {@link #page}. */
  record Position(String senderDomain, String recipient) {
    public Position {
      Objects.requireNonNull(senderDomain, "senderDomain");
      Objects.requireNonNull(recipient, "recipient");
    }
  }

  /**
   * One entry.
   *
   * @param reason {@code hard-bounce} or {@code manual}
   * @param status the RFC 3463 status of the bounce; empty for a manual entry
   * @param diagnostic the bounce's Diagnostic-Code; empty for a manual entry
   * @param messageId the message whose delivery failed; empty for a manual entry
   */
  record SuppressionView(
      String senderDomain,
      String recipient,
      String reason,
      Optional<String> status,
      Optional<String> diagnostic,
      Optional<String> messageId,
      Instant createdAt) {

    public SuppressionView {
      Objects.requireNonNull(senderDomain, "senderDomain");
      Objects.requireNonNull(recipient, "recipient");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(status, "status");
      Objects.requireNonNull(diagnostic, "diagnostic");
      Objects.requireNonNull(messageId, "messageId");
      Objects.requireNonNull(createdAt, "createdAt");
    }
  }

  /** The path's address is not an RFC 5321 mailbox; {@code detail} says why, for the client. */
  record InvalidAddress(String detail) implements Removal, Addition {
    public InvalidAddress {
      Objects.requireNonNull(detail, "detail");
    }
  }

  /** What {@link #remove} did. */
  sealed interface Removal {
    /** These entries were removed (at least one). */
    record Removed(List<SuppressionView> entries) implements Removal {
      public Removed {
        entries = List.copyOf(entries);
      }
    }

    /** The address is on no list of the account's sending domains. */
    record NotListed() implements Removal {}
  }

  /** What {@link #add} did. */
  sealed interface Addition {
    /** The entries now listed for the address: {@code added} new, {@code kept} there before. */
    record Listed(List<SuppressionView> added, List<SuppressionView> kept) implements Addition {
      public Listed {
        added = List.copyOf(added);
        kept = List.copyOf(kept);
      }
    }

    /** The account may send as no address: there is no list to add to. */
    record NoSendingDomain() implements Addition {}
  }
}

package dev.hikyaku.policy;

import dev.hikyaku.protocol.Mailbox;

/**
 * Who receives mail at a hosted domain, as {@link RecipientRule} asks it at RCPT. The app answers
 * it from the account store (accounts, the addresses they may send as, their {@code @domain}s), the
 * config's per-domain recipient lists and catch-alls, and, for a domain routed by LMTP or SMTP, from
 * the next hop (asked over the network by {@code delivery}): this package does no network I/O.
 */
@FunctionalInterface
public interface RecipientDirectory {

  /** What the directory knows of one mailbox. */
  sealed interface Answer {
    /** A mailbox of the domain. */
    record Known() implements Answer {}

    /** No such mailbox; {@code reason} is for the operator's log. */
    record Unknown(String reason) implements Answer {}

    /** The directory's own lookup failed (the account store is down); the client should try later. */
    record Unavailable(String reason) implements Answer {}

    /** The next hop that holds the domain's mailboxes could not say in time; the client should try later. */
    record Unverified(String reason) implements Answer {}
  }

  Answer KNOWN = new Answer.Known();

  /** @param mailbox a mailbox of a hosted domain, never the bare {@code <Postmaster>} */
  Answer lookUp(Mailbox mailbox);
}

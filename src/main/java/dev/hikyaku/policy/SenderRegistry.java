package dev.hikyaku.policy;

/**
 * Which addresses an account may send as, and what to do about a From: header it does not own.
 * Implemented over the account store by the app; a store failure is {@link Ownership#UNKNOWN}.
 */
public interface SenderRegistry {

  enum Ownership {
    OWNED,
    NOT_OWNED,
    /** The registry could not be asked (store down): the caller defers with a 4xx. */
    UNKNOWN
  }

  /** What to do when the From: header names an address the account does not own. */
  enum FromHeaderAction {
    /** 550 5.7.1 after the data. */
    REJECT,
    /** Accept, and add a Sender: header naming the account (RFC 5322 §3.6.2). */
    ADD_SENDER
  }

  Ownership ownership(String account, String address);

  FromHeaderAction fromHeaderAction(String account);
}

/**
 * Whether a sender or recipient is allowed here: a {@link dev.hikyaku.policy.PolicyChain} of {@link
 * dev.hikyaku.policy.Rule}s gives a {@link dev.hikyaku.policy.Verdict}.
 *
 * <p>Invariants: an unauthenticated client never gets mail relayed to a domain this server does not
 * host. An authenticated sender's recipient on the suppression list for its domain is refused at
 * RCPT (SuppressionRule). A hosted domain takes mail only for the recipients its {@link
 * dev.hikyaku.policy.RecipientDirectory} knows, and postmaster (RecipientRule): unknown ones get 550
 * 5.1.1, never a blind 250; unauthenticated guessing is tarpitted and blocked (DirectoryHarvest). A
 * verdict keeps the text the client sees apart from the reason the operator sees, and carries any
 * tarpit delay as a value the session waits out.
 *
 * <p>Must never: build reply text outside {@link dev.hikyaku.protocol.Replies}; do I/O other than
 * through the store, DNS or directory interfaces it is given (a next hop is asked over the network
 * by {@code delivery.RecipientCallout}, behind {@code RecipientDirectory}); sleep (the session does).
 */
package dev.hikyaku.policy;

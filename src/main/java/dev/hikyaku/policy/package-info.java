/**
 * Whether a sender or recipient is allowed here: a {@link dev.hikyaku.policy.PolicyChain} of {@link
 * dev.hikyaku.policy.Rule}s gives a {@link dev.hikyaku.policy.Verdict}.
 *
 * <p>Invariants: an unauthenticated client never gets mail relayed to a domain this server does not
 * host. An authenticated sender's recipient on the suppression list for its domain is refused at
 * RCPT (SuppressionRule). A verdict keeps the text the client sees apart from the reason the operator sees.
 *
 * <p>Must never: build reply text outside {@link dev.hikyaku.protocol.Replies}; do I/O other than
 * through the store or DNS interfaces it is given.
 */
package dev.hikyaku.policy;

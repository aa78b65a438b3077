/**
 * One SMTP conversation: {@link dev.hikyaku.session.SmtpSession} reads commands from a {@link
 * dev.hikyaku.net.Transport}, checks each verb's rules once, and answers from {@link
 * dev.hikyaku.protocol.Replies}. It runs straight-line on its own virtual thread; every blocking read
 * has a timeout. The AUTH exchange is {@link dev.hikyaku.session.AuthDialogue}'s (RFC 4954 §4), which
 * the session hands the command and whose ending it answers; so is receiving the envelope (MAIL, RCPT,
 * each put to policy) {@link dev.hikyaku.session.EnvelopeReceipt}'s, receiving a message (DATA, BDAT)
 * {@link dev.hikyaku.session.MessageReceipt}'s, and STARTTLS with the TLS negotiation (RFC 3207)
 * {@link dev.hikyaku.session.StartTls}'s.
 *
 * <p>{@link dev.hikyaku.session.PeerFacts} lives as long as the connection; {@link
 * dev.hikyaku.session.Transaction} from MAIL to the end of data or RSET. STARTTLS throws away
 * everything learned before TLS (RFC 3207 §4.2).
 *
 * <p>Must never: write to the store directly; messages go through {@link
 * dev.hikyaku.intake.MessageIntake}.
 */
package dev.hikyaku.session;

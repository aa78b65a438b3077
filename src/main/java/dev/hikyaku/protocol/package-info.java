/**
 * Sans-I/O SMTP: the grammar of commands, replies and mail data, and nothing else.
 *
 * <p>Place in the flow: {@code session} reads bytes from a transport and hands lines to {@link
 * dev.hikyaku.protocol.CommandParser}; the resulting {@link dev.hikyaku.protocol.Command} is checked
 * against its {@link dev.hikyaku.protocol.Verb}'s rules and answered with a {@link
 * dev.hikyaku.protocol.Reply} from {@link dev.hikyaku.protocol.Replies}, the one catalogue of reply
 * texts. Mail data goes through {@link dev.hikyaku.protocol.DataReader}, which un-stuffs dots and
 * refuses to let anything but CRLF.CRLF end the data (RFC 5321 §4.1.1.4, the SMTP smuggling class).
 *
 * <p>Invariants: every reply the server sends is built here; every reply but the greeting and the
 * EHLO/HELO answers carries an RFC 3463 enhanced status code (RFC 2034 §3). A parsed path is its
 * final mailbox in one canonical form: the source route is dropped (RFC 5321 §4.1.1.3) and a quoted
 * local part is kept as its content ({@link dev.hikyaku.protocol.Mailbox}), so every spelling of one
 * mailbox compares, and is queued, alike.
 *
 * <p>Must never: touch sockets, threads or clocks, or import any other Hikyaku package.
 */
package dev.hikyaku.protocol;

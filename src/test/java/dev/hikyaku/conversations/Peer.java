package dev.hikyaku.conversations;

import java.io.IOException;

/** The client end of a conversation, in memory or over a socket. */
interface Peer extends AutoCloseable {

  void send(byte[] bytes) throws IOException;

  /** The next reply line without CRLF, or null once the server has closed the connection. */
  String readLine() throws IOException;

  /**
   * What the server still sends once the script has ended: the client stops sending, and every line
   * that arrives before the server closes (or goes quiet) is returned. A script must have read every
   * reply, so this must be empty.
   */
  java.util.List<String> rest() throws IOException;

  /**
   * The server's EHLO reply to {@code clientName} on this connection, line by line without CRLF, as
   * the catalogue builds it for the script's listener and settings, with or without TLS (the
   * {@code @ehlo} directive).
   */
  java.util.List<String> ehloReply(String clientName, boolean hasTls);

  /** Switches the client side to TLS after the server's 220 to STARTTLS. */
  void startTls() throws IOException;

  /** Begins a graceful shutdown of the server side. */
  void shutdownServer();

  /** The queue ids of the messages the server accepted in this conversation, checked in the store. */
  java.util.List<String> queuedMessages() throws Exception;

  /** The kinds of the AUTH attempts the server recorded in this conversation, in order, as labels. */
  java.util.List<String> authResults();

  /** The stored content of an accepted message. */
  byte[] content(String queueId) throws Exception;

  @Override
  void close() throws Exception;
}

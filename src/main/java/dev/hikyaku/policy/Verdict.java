package dev.hikyaku.policy;

import dev.hikyaku.protocol.Reply;

/** What a rule decided. Rejections carry the reply for the client and a reason for the operator. */
public sealed interface Verdict {

  /** No opinion: ask the next rule. */
  record Continue() implements Verdict {}

  /** Allowed; later rules are not asked. */
  record Accept() implements Verdict {}

  /** Refused permanently (5xx). */
  record Reject(Reply reply, String reason) implements Verdict {}

  /** Refused for now (4xx); the client may try again. */
  record Defer(Reply reply, String reason) implements Verdict {}

  /** Refused, and the connection is closed after the reply. */
  record Disconnect(Reply reply, String reason) implements Verdict {}

  Verdict CONTINUE = new Continue();
  Verdict ACCEPT = new Accept();
}

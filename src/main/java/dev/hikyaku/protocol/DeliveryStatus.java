package dev.hikyaku.protocol;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What one attempt did for one recipient, in the terms of a delivery status notification (RFC 3464
 * §2.3), as Postfix's {@code DSN} record (src/global/dsn.h) carries it from the socket to the
 * bounce: the action, the enhanced status, the diagnostic, and the remote MTA when there was one.
 * Delivery makes it, the scheduler decides on it, the send log, the events, the store and the DSN
 * writer read it; nothing in between flattens it to text.
 *
 * @param action RFC 3464 §2.3.3
 * @param status RFC 3464 §2.3.4, RFC 3463; its class agrees with the action
 * @param diagnostic RFC 3464 §2.3.6: a remote server's reply, or our own reason
 * @param remoteMta RFC 3464 §2.3.5: the server that was talked to, when one was
 */
public record DeliveryStatus(Action action, EnhancedStatus status, Diagnostic diagnostic, Optional<RemoteMta> remoteMta) {

  /** RFC 3464 §2.3.3 action-value. */
  public enum Action {
    /** The recipient's mailbox has the message (a Maildir, an LMTP server without DSN). */
    DELIVERED,
    /** Handed to a server that will not report on it further (no DSN extension, RFC 3461 §5.2.2.2). */
    RELAYED,
    /** Not used by Hikyaku (no aliases or lists expand here); kept for the full vocabulary. */
    EXPANDED,
    /** Not yet delivered; will be tried again. */
    DELAYED,
    /** Given up: will not be tried again. */
    FAILED;

    /** As written in a DSN. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The enhanced status class this action goes with (RFC 3463 §3.1). */
    int statusClass() {
      return switch (this) {
        case DELIVERED, RELAYED, EXPANDED -> 2;
        case DELAYED -> 4;
        case FAILED -> 5;
      };
    }
  }

  /**
   * What a recipient became, in the one vocabulary delivery, schedule, store, the send log and the
   * events share (Postfix's status=sent|deferred|bounced).
   */
  public enum Outcome {
    DELIVERED,
    DEFERRED,
    FAILED;

    /** As the send log writes it. */
    public String keyword() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** RFC 3464 §2.3.6 diagnostic-code: who said why. */
  public sealed interface Diagnostic {

    /**
     * A remote server's reply: the code and the rest on one line, the enhanced status once
     * (RFC 2034 §4 repeats it on each line of a multiline reply). Written {@code smtp; 550 5.1.1 text}.
     */
    record RemoteReply(int code, String rest) implements Diagnostic {
      public RemoteReply {
        if (code < 200 || code > 599) {
          throw new IllegalArgumentException("RFC 5321 §4.2: a reply code is 2yz-5yz, was " + code);
        }
        Objects.requireNonNull(rest, "rest");
      }

      @Override
      public String text() {
        return rest.isEmpty() ? String.valueOf(code) : code + " " + rest;
      }
    }

    /**
     * Our own account (null MX, a DNS failure, a loop, an expired lifetime): no server said it, so
     * it is never labelled {@code smtp}; as Postfix writes {@code X-Postfix;}, we write {@code
     * X-Hikyaku;} (RFC 3464 §2.3.6 allows a private diagnostic type).
     */
    record LocalReason(String text) implements Diagnostic {
      public LocalReason {
        Objects.requireNonNull(text, "text");
      }
    }

    /** The text after the type: the reply, or the reason. */
    String text();

    /** RFC 3464 §2.3.6: {@code diagnostic-type ; *text}, on one line. */
    default String field() {
      String type = this instanceof RemoteReply ? "smtp" : "X-Hikyaku";
      return type + "; " + text().replace('\r', ' ').replace('\n', ' ');
    }
  }

  /**
   * RFC 3464 §2.3.5: the MTA the attempt talked to, by its DNS name; with the address and port it
   * was reached at, for the send log ({@code relay=mx.example.net[192.0.2.1]:25}).
   */
  public record RemoteMta(String name, Optional<String> address, int port) {
    public RemoteMta {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(address, "address");
    }

    /** As Postfix's {@code relay=} writes it. */
    public String relay() {
      return name + "[" + address.orElse("") + "]:" + port;
    }
  }

  public DeliveryStatus {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(diagnostic, "diagnostic");
    Objects.requireNonNull(remoteMta, "remoteMta");
    if (status.statusClass() != action.statusClass()) {
      // RFC 3463 §3.1: the class says success, transient or permanent; an action says the same.
      throw new IllegalArgumentException(
          "status " + status + " does not go with action " + action.keyword() + " (" + diagnostic.text() + ")");
    }
  }

  /** What the recipient became. */
  public Outcome outcome() {
    return switch (action) {
      case DELIVERED, RELAYED, EXPANDED -> Outcome.DELIVERED;
      case DELAYED -> Outcome.DEFERRED;
      case FAILED -> Outcome.FAILED;
    };
  }

  /** The same attempt seen from another remote MTA (the one a reason arose at). */
  public DeliveryStatus at(RemoteMta mta) {
    return new DeliveryStatus(action, status, diagnostic, Optional.of(mta));
  }

  /** The same diagnostic under another action and status (a delay that expired, a relay). */
  public DeliveryStatus as(Action newAction, EnhancedStatus newStatus) {
    return new DeliveryStatus(newAction, newStatus, diagnostic, remoteMta);
  }

  /** {@code dsn=5.1.1} and the diagnostic, as the send log and the store write them. */
  @Override
  public String toString() {
    return action.keyword() + " " + status + " (" + diagnostic.field() + ")"
        + remoteMta.map(m -> " at " + m.relay()).orElse("");
  }
}

package dev.hikyaku.events;

import dev.hikyaku.protocol.DeliveryStatus;
import dev.hikyaku.protocol.EnhancedStatus;
import dev.hikyaku.protocol.Reply;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/** The catalogue of things that happen. Each record carries its time and its own facts. */
public sealed interface Event {

  Instant at();

  /** A client connected to a listener and was given a session. */
  record ConnectionOpened(Instant at, String sessionId, String listener, String client) implements Event {}

  /** A connection was refused before a session started (limits). */
  record ConnectionRefused(Instant at, String listener, String client, String reason) implements Event {}

  /** A session ended; {@code reason} says how (quit, timeout, errors, shutdown, eof, io). */
  record ConnectionClosed(Instant at, String sessionId, String reason, long durationMillis) implements Event {}

  record TlsEstablished(Instant at, String sessionId, String protocol, String cipherSuite) implements Event {}

  /** A TLS handshake failed; {@code reason} is the JSSE message (never key material). */
  record TlsFailed(Instant at, String sessionId, String reason) implements Event {}

  /**
   * One SMTP AUTH attempt (RFC 4954). {@code account} is the name the client tried, {@code result}
   * how it ended and what the client was told, {@code reason} the operator's explanation. Never a
   * secret.
   */
  record AuthAttempt(
      Instant at,
      String sessionId,
      String listener,
      String client,
      String tlsProtocol,
      String tlsCipher,
      String mechanism,
      String account,
      Result result,
      String reason)
      implements Event {

    /**
     * How an attempt ended: its kind, which the session decides where it decides the reply, and the
     * reply code and enhanced status code (RFC 3463) the client got. Metrics and logs map the kind;
     * the audit log writes the reply ({@code failure 535 5.7.8}), which fail2ban matches.
     */
    public record Result(Kind kind, int code, EnhancedStatus status) {

      public Result {
        Objects.requireNonNull(kind, "kind");
        // RFC 4954 §4 and §6: every reply that ends an AUTH exchange carries an enhanced status code.
        Objects.requireNonNull(status, "status");
        if ((kind == Kind.SUCCESS) != (code / 100 == 2)) {
          throw new IllegalArgumentException(kind + " with reply code " + code);
        }
      }

      /** The result whose client heard {@code reply}. */
      public static Result of(Kind kind, Reply reply) {
        return new Result(kind, reply.code(), reply.status());
      }

      @Override
      public String toString() {
        return kind.label() + " " + code + " " + status;
      }
    }

    /** The ways an AUTH attempt ends (RFC 4954 §4 and §6), each with the reply the client gets. */
    public enum Kind {
      /** 235 2.7.0. */
      SUCCESS,
      /** 535 5.7.8: unknown account, wrong secret, disabled account, refused token. */
      INVALID_CREDENTIALS,
      /** 534 5.7.9: the account has no credential this mechanism can use. */
      TOO_WEAK,
      /** 454 4.7.0: the account store or token issuer could not answer; not the client's doing. */
      TEMPORARY,
      /** 501 5.5.2 (bad base64, a response the mechanism cannot parse), 500 5.5.6 (a line too long). */
      MALFORMED,
      /** 501 5.7.0: the client sent "*" (RFC 4954 §4). */
      CANCELLED,
      /** 421 4.7.0: the client's address or network is blocked; the connection is closed. */
      BLOCKED,
      /** 421 4.7.0: over the AUTH rate for the client's address; the connection is closed. */
      RATE_LIMITED;

      /** As a label value and in the log. */
      public String label() {
        return name().toLowerCase(Locale.ROOT);
      }
    }
  }

  /**
   * A client broke the protocol in a way a defence noticed. {@code kind} is one of a fixed set, so
   * metrics and logs map cases, not text; {@code detail} says more for the log.
   */
  record ProtocolViolation(Instant at, String sessionId, String client, Violation kind, String detail) implements Event {

    /** The defences that notice a client breaking the protocol. */
    public enum Violation {
      /** RFC 5321 §3.1: spoke before the greeting. */
      EARLY_TALKER,
      /** RFC 5321 §2.3.8: a bare CR or LF in the data (SMTP smuggling, CVE-2023-51764 class). */
      BARE_CR_LF,
      /** RFC 3207 §4.2 / CVE-2011-0411: plaintext pipelined after STARTTLS. */
      PLAINTEXT_AFTER_STARTTLS,
      /** RCPTs beyond the limit and its overshoot (RFC 5321 §4.5.3.1.8). */
      TOO_MANY_RECIPIENTS,
      /** The session's error budget ran out. */
      TOO_MANY_ERRORS;

      /** As a label value and in the log. */
      public String label() {
        return name().toLowerCase(Locale.ROOT);
      }
    }
  }

  /** A sender was refused by policy (sender-ownership refusals and the like). */
  record SenderRejected(
      Instant at, String sessionId, String client, String sender, String reply, String rule, String reason)
      implements Event {}

  /** A recipient was refused by policy (relay denial and the like). */
  record RecipientRejected(
      Instant at, String sessionId, String client, String recipient, String reply, String rule, String reason)
      implements Event {}

  /**
   * A recipient of {@code account}'s send was refused because it is on the suppression list of the
   * sending domain (the policy's suppression rule, at RCPT or by the API), published besides the
   * {@link RecipientRejected} of the same refusal for the account's event feed ({@code
   * message.suppressed}). {@code queueId} is the message sent to the other recipients, when the send
   * queued one (the API knows by then; at RCPT there is none yet); {@code tags} and {@code metadata}
   * are those the send attached (none over SMTP).
   */
  record SuppressedRecipientRefused(
      Instant at, String sessionId, String account, String sender, String recipient, String reply,
      Optional<String> queueId, List<String> tags, Map<String, String> metadata)
      implements Event {

    public SuppressedRecipientRefused {
      tags = List.copyOf(tags);
      metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /** A message was refused after its data was read. */
  record MessageRejected(Instant at, String sessionId, String client, String reply, String reason) implements Event {}

  /**
   * A message is committed to the queue. {@code client} is {@code helo[address]} (our own name for a
   * report we wrote), {@code principal} the account that authenticated, if one did.
   */
  record MessageAccepted(
      Instant at, String sessionId, String queueId, String source, String reversePath, List<String> recipients, long size,
      String client, Optional<String> principal)
      implements Event {

    /** Without client facts (tests of sinks that do not read them). */
    public MessageAccepted(
        Instant at, String sessionId, String queueId, String source, String reversePath, List<String> recipients, long size) {
      this(at, sessionId, queueId, source, reversePath, recipients, size, "unknown", Optional.empty());
    }
  }

  // ---- Abuse defence (issue 5): published by the throttling code and the admin commands ----------

  /**
   * A client was blocked until {@code until}. {@code scope} is "ip", "net24", "net64" or
   * "account-from-source"; {@code subject} the address, the CIDR, or "account@x from 192.0.2.0/24".
   */
  record ClientBlocked(Instant at, String scope, String subject, Instant until, String reason) implements Event {}

  /** A block ended; {@code by} is "expiry" or "admin". */
  record ClientUnblocked(Instant at, String scope, String subject, String by) implements Event {}

  /** An account was suspended: it cannot authenticate until unsuspended. */
  record AccountSuspended(Instant at, String account, String reason) implements Event {}

  /** A suspension ended; {@code by} says what ended it ("admin", "expiry"). */
  record AccountUnsuspended(Instant at, String account, String by) implements Event {}

  /**
   * A pattern across clients or accounts: "credential-stuffing", "password-spraying", "brute-force",
   * "distributed-guessing".
   */
  record AttackSuspected(Instant at, String kind, String detail) implements Event {}

  // ---- Delivery (issue 11): published by the scheduler for every outcome it records ------------

  /**
   * One attempt for one recipient, as the queue recorded it (the send log's line). {@code attempt}
   * counts from 1; {@code delay} is the time from the message's arrival to the end of the attempt,
   * {@code queued} the part of it before the attempt began (Postfix's delay= and delays=a/../..).
   */
  record DeliveryAttempted(
      Instant at, String queueId, String recipient, int attempt, DeliveryStatus status, AttemptFacts facts,
      Duration delay, Duration queued) implements Event {}

  /** A recipient stays in the queue until {@code nextAttemptAt} (RFC 5321 §4.5.4.1). */
  record DeliveryDeferred(Instant at, String queueId, String recipient, Instant nextAttemptAt) implements Event {}

  /** A recipient failed for good on its attempt's status: its sender is told (RFC 3464), unless null. */
  record DeliveryBounced(Instant at, String queueId, String recipient, DeliveryStatus status) implements Event {}

  /** A recipient was still undelivered at the end of the message's lifetime: failed as 5.4.7. */
  record DeliveryExpired(Instant at, String queueId, String recipient, DeliveryStatus status) implements Event {}

  /**
   * A recipient was put on the suppression list for {@code senderDomain} (or confirmed there): a
   * remote server refused it for good with a status of {@code delivery.suppress-statuses}.
   * {@code reason} is the entry's (hard-bounce), {@code diagnostic} the refusal's Diagnostic-Code.
   */
  record RecipientSuppressed(
      Instant at, String senderDomain, String recipient, String reason, String queueId, String diagnostic)
      implements Event {}

  /**
   * A delivery status notification (RFC 3464) about message {@code queueId} was queued as {@code
   * reportId} to {@code to}, reporting {@code action} for {@code recipients}.
   */
  record DsnQueued(
      Instant at, String queueId, String reportId, String to, DeliveryStatus.Action action, List<String> recipients)
      implements Event {}

  // ---- Returned mail (issue 13): reports that came back to a message's VERP return path ---------

  /**
   * A delivery status notification about recipient {@code recipient} of message {@code queueId}
   * came back to its return path in message {@code reportId}: a remote MTA that had taken the
   * message failed the recipient ({@code action} FAILED) or is still trying ({@code DELAYED}).
   * {@code attempt} is the number of our attempt that handed the message over; {@code diagnostic}
   * the report's Diagnostic-Code as written (RFC 3464 §2.3.6), {@code remoteMta} its Remote-MTA;
   * {@code isStandard} false for a bounce read by its text rather than from RFC 3464 fields.
   */
  record DsnReceived(
      Instant at, String queueId, String recipient, int attempt, DeliveryStatus.Action action, EnhancedStatus status,
      String diagnostic, Optional<String> remoteMta, String reportId, boolean isStandard)
      implements Event {}

  /**
   * A feedback report (ARF, RFC 5965) about recipient {@code recipient} of message {@code queueId}
   * came back in message {@code reportId}: the recipient reported the message, as {@code
   * feedbackType} (abuse, fraud, virus, other; §3.1), through {@code userAgent} at {@code
   * reportingMta}.
   */
  record ComplaintReceived(
      Instant at, String queueId, String recipient, String feedbackType, Optional<String> userAgent,
      Optional<String> reportingMta, String reportId)
      implements Event {}

  /**
   * Message {@code reportId}, for the returns domain, could not be read as a report about one of our
   * messages ({@code reason}) and was kept in the Maildir {@code file} names, never dropped.
   */
  record ReturnedMailUnparsed(Instant at, String reportId, String reason, String file) implements Event {}

  /**
   * An administrator changed a queued message ({@code hikyaku queue hold|release|delete}):
   * told by the server when it relays the CLI's change, as the audit log's AdminChange is.
   */
  record QueueAdministered(Instant at, String queueId, Change change) implements Event {

    /** What was done to the message. */
    public enum Change {
      HELD,
      RELEASED,
      DELETED;

      /** The change a CLI command ("queue hold") made, if it is one of these. */
      public static Optional<Change> ofCommand(String command) {
        return switch (command) {
          case "queue hold" -> Optional.of(HELD);
          case "queue release" -> Optional.of(RELEASED);
          case "queue delete" -> Optional.of(DELETED);
          default -> Optional.empty();
        };
      }
    }
  }

  /** A message left the queue: each of its recipients has its final outcome. */
  record MessageRemoved(Instant at, String queueId) implements Event {}

  /**
   * One API request's key check: {@code key} the key's name ("" when the token names none), {@code
   * account} the account it acts for ("" likewise), {@code result} {@code success} or {@code failure}
   * with the HTTP status the client got ({@code failure 401}), {@code reason} the operator's
   * explanation. Never the token.
   */
  record ApiKeyChecked(Instant at, String client, String key, String account, String result, String reason)
      implements Event {}

  /**
   * A content filter's verdict on message {@code queueId} (issue 21): rspamd's {@code action} (or
   * {@code unavailable: why}), its score against the threshold and the rules that fired, and what
   * became of the message: {@code queued}, {@code held} (spam from an account, kept for an operator),
   * or {@code refused}.
   *
   * @param account the account that submitted it, if one did: held spam counts towards its suspension
   */
  record ContentScanned(Instant at, String queueId, String source, String sender, Optional<String> account, String action,
      double score, double requiredScore, List<String> symbols, String outcome) implements Event {
    public ContentScanned {
      symbols = List.copyOf(symbols);
    }
  }

  /** An administrator changed something: {@code command} such as "user add", {@code subject} the account. */
  record AdminChange(Instant at, String command, String subject, String detail) implements Event {}

  /**
   * One attempt to deliver event {@code webhookId} ({@code evt_<n>}, of {@code type}) to webhook
   * endpoint {@code endpointId} of {@code account}, as its delivery log recorded it. {@code attempt}
   * counts from 1; {@code status} is the HTTP status the endpoint answered, if one came; {@code
   * latency} how long the request took, connect to the end of the answer, when one was made (not
   * when the target was refused before connecting, nor for an event no longer kept); {@code detail}
   * what came of it in words ({@code HTTP 503}, a connection failure), never a secret. A test ping
   * is no delivery's attempt and is not told here.
   */
  record WebhookAttempted(
      Instant at, String endpointId, String account, String webhookId, String type, int attempt, Result result,
      OptionalInt status, Optional<Duration> latency, String detail)
      implements Event {

    /** What an attempt led to. */
    public enum Result {
      /** A 2xx: delivered. */
      DELIVERED,
      /** Anything else before the schedule's end: tried again later. */
      RETRY,
      /** Given up: the schedule ran out, or the event is no longer kept. */
      FAILED,
      /** 410 Gone: given up, and the endpoint disabled. */
      GONE;

      /** As a label value and in the log. */
      public String label() {
        return name().toLowerCase(Locale.ROOT);
      }
    }
  }

  /**
   * The server stopped sending to webhook endpoint {@code endpointId} of {@code account}: it
   * answered 410 Gone, or no delivery to it succeeded over the whole retry schedule. {@code reason}
   * says which; the URL is the account's, never a secret (webhooks carry theirs in headers).
   */
  record WebhookDisabled(Instant at, String endpointId, String account, String url, String reason) implements Event {}
}

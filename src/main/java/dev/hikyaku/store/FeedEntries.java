package dev.hikyaku.store;

import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The event feed's entries ({@link MessageEvents}, {@code GET /v1/events}, the webhooks' outbox) for
 * what the store itself records, made from the same records and written in the same transaction as
 * the change they tell of: a message queued ({@code message.accepted}, in {@link
 * GroupCommitWriter}'s insert of the message), each recipient's attempt ({@code message.delivered},
 * {@code .deferred}, {@code .bounced}, {@code .expired}, from the {@link AttemptRecord}s that {@link
 * MessageQueue#record} writes to the history; and what a DSN or a feedback report that came back
 * says, {@code message.bounced}, {@code .deferred} or {@code .complained}, from those {@link
 * MessageHistory#recordReports} writes) and a recipient put on the suppression list by its bounce
 * or complaint ({@code suppression.created}, for the entries that call adds).
 *
 * <p>So the feed never says less, or more, than the queue did: a crash either keeps the change and
 * its entries or neither, which the webhooks need (an outbox: every committed event is delivered or
 * recorded as failed), and which an event sink publishing after the commit could not give. It is
 * the argument that put the message history in the store too. The entries carry the facts of the
 * history row they come from, so the feed, the history and the webhooks never disagree.
 *
 * <p>The type names are the API's ({@code api.EventType}; OpenApiContractTest checks that every
 * name here is one of them): the store does not import the API, so they are spelled here too.
 */
final class FeedEntries {

  static final String ACCEPTED = "message.accepted";
  static final String DELIVERED = "message.delivered";
  static final String DEFERRED = "message.deferred";
  static final String BOUNCED = "message.bounced";
  static final String EXPIRED = "message.expired";
  static final String COMPLAINED = "message.complained";
  static final String SUPPRESSION_CREATED = "suppression.created";

  /** Every type the store writes. */
  static final Set<String> TYPES = Set.of(ACCEPTED, DELIVERED, DEFERRED, BOUNCED, EXPIRED, COMPLAINED, SUPPRESSION_CREATED);

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private FeedEntries() {}

  /**
   * {@code message.accepted} for {@code message}: its sender, recipients and size. Empty for a
   * message without a principal (relayed in, our own bounces), which has no account to tell.
   */
  static Optional<NewMessageEvent> accepted(NewMessage message) {
    if (message.origin().principal() == null) {
      return Optional.empty();
    }
    String data = object(json -> {
      json.writeStringProperty("sender", message.reversePath());
      json.writeArrayPropertyStart("recipients");
      for (NewRecipient recipient : message.recipients()) {
        json.writeString(recipient.forwardPath());
      }
      json.writeEndArray();
      json.writeNumberProperty("size", message.size());
    });
    return Optional.of(new NewMessageEvent(message.receivedAt(), ACCEPTED, message.id(), Optional.empty(), data));
  }

  /**
   * One entry per attempt: what it came to, with the attempt number, the RFC 3463 status, the
   * diagnostic, the remote MTA, the TLS version, (for a deferral of ours) the next retry, and where
   * it was learned ({@code source}: {@code smtp} for our own attempt, {@code dsn} and {@code arf} for
   * what a report that came back says, {@link MessageHistory#recordReports}). Every {@code
   * message.*} entry of a recipient has the same members, null where the type has nothing to say; a
   * complaint adds its {@code feedback_type}.
   */
  static List<NewMessageEvent> attempts(List<AttemptRecord> attempts) {
    List<NewMessageEvent> entries = new ArrayList<>(attempts.size());
    for (AttemptRecord a : attempts) {
      String type = switch (a.outcome()) {
        case DELIVERED, RELAYED -> DELIVERED;
        case DEFERRED -> DEFERRED;
        // An administrator's return is a bounce to the sender as much as a 5yz is.
        case FAILED, RETURNED -> BOUNCED;
        case EXPIRED -> EXPIRED;
        case COMPLAINED -> COMPLAINED;
      };
      entries.add(new NewMessageEvent(a.attemptedAt(), type, a.queueId(), Optional.of(a.forwardPath()), data(a)));
    }
    return entries;
  }

  /** {@code suppression.created} for each entry that names the message whose bounce put it there. */
  static List<NewMessageEvent> suppressions(List<Suppression> added) {
    List<NewMessageEvent> entries = new ArrayList<>(added.size());
    for (Suppression s : added) {
      if (s.queueId().isEmpty()) {
        continue; // an operator's entry: no message, so no account's feed to put it in
      }
      ObjectNode data = JSON.createObjectNode();
      data.put("sender_domain", s.senderDomain());
      data.put("reason", s.reason().keyword());
      data.put("diagnostic", s.diagnostic().orElse(""));
      entries.add(new NewMessageEvent(s.createdAt(), SUPPRESSION_CREATED, s.queueId().get(), Optional.of(s.recipient()),
          JSON.writeValueAsString(data)));
    }
    return entries;
  }

  /** The members of an attempt's entry, in this order, null where there is nothing to say. */
  private static String data(AttemptRecord a) {
    return object(json -> {
      json.writeNumberProperty("attempt", a.attempt());
      json.writeStringProperty("status", a.enhancedStatus());
      json.writeStringProperty("diagnostic", a.diagnostic());
      json.writeStringProperty("remote_mta", a.remoteMta().orElse(null));
      json.writeStringProperty("tls", a.tlsProtocol().orElse(null));
      json.writeStringProperty("next_retry_at", a.nextAttemptAt().map(Instant::toString).orElse(null));
      json.writeStringProperty("source", a.source().keyword());
      Optional<String> feedbackType = a.feedbackType();
      if (feedbackType.isPresent()) {
        json.writeStringProperty("feedback_type", feedbackType.get());
      }
    });
  }

  /**
   * A JSON object of the members {@code members} writes, streamed: these run once per message
   * accepted and per attempt recorded, and an {@link ObjectNode} tree per entry (a map, a node per
   * member, then a walk of it) was most of their cost (issue 15). The text is the tree's: the same
   * members in the same order, with the same escapes.
   */
  private static String object(Consumer<JsonGenerator> members) {
    var text = new StringWriter(256);
    try (JsonGenerator json = JSON.createGenerator(text)) {
      json.writeStartObject();
      members.accept(json);
      json.writeEndObject();
    }
    return text.toString();
  }
}

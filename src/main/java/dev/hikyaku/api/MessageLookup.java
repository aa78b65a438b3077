package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ArrayNode;

/**
 * {@code GET /v1/messages/{id}}: one message of the key's account, with its envelope, each
 * recipient's latest outcome and every attempt; {@code GET /v1/messages/{id}/events}: its events,
 * oldest first, as the feed shows them (accepted, delivered, deferred, bounced with the DSN sent,
 * ...). A message of another account is 404 as one that does not exist, so a key cannot learn which
 * ids are real; an operator sees every message.
 */
final class MessageLookup {

  private static final Logger log = LoggerFactory.getLogger(MessageLookup.class);

  /** A message has at most this many events shown: its recipients' attempts, bounded by the retry schedule. */
  static final int MAX_EVENTS = 1000;

  private final MessageReader messages;
  private final EventFeed events;

  MessageLookup(MessageReader messages, EventFeed events) {
    this.messages = messages;
    this.events = events;
  }

  List<Route> routes() {
    return List.of(
        new Route("GET", "/v1/messages/{id}", ApiKey.Scope.READ, this::show),
        new Route("GET", "/v1/messages/{id}/events", ApiKey.Scope.READ, this::events));
  }

  private Answer events(ApiRequest request) throws Refusal {
    QueryParameters.of(request, List.of());
    String id = request.parameter("id");
    List<EventFeed.EventView> found;
    try {
      if (messages.message(id).filter(m -> isVisibleTo(request.caller(), m)).isEmpty()) {
        return new Answer.Failure(Problems.notFound(request.path()));
      }
      found = events.ofMessage(id, MAX_EVENTS);
    } catch (Unavailable e) {
      log.warn("API: cannot read a message's events: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ArrayNode data = Page.data();
    found.forEach(event -> data.add(EventListing.json(event)));
    return Page.whole(data);
  }

  private Answer show(ApiRequest request) {
    Optional<MessageReader.MessageView> message;
    try {
      message = messages.message(request.parameter("id"));
    } catch (Unavailable e) {
      log.warn("API: cannot show a message: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    Optional<MessageReader.MessageView> own = message.filter(m -> isVisibleTo(request.caller(), m));
    if (own.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    return new Answer.Json(200, MessageJson.of(own.get()));
  }

  /** An account's messages to its keys; every message to an operator. */
  static boolean isVisibleTo(ApiKeyCheck.Caller caller, MessageReader.MessageView message) {
    return caller.operator() || message.principal().map(p -> p.equalsIgnoreCase(caller.account())).orElse(false);
  }
}

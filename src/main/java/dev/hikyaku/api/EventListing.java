package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/events}: the event feed of the key's account, oldest first, resumable. {@code
 * since} takes the {@code next_cursor} of the answer before (none: from the oldest event kept),
 * {@code limit} 1..100 (50), {@code types} a comma-separated list of {@link EventType} names. The
 * answer always has a {@code next_cursor}: with no new events it is the cursor that was given, so a
 * client polls with it until something happens; a full page also links to the next one.
 *
 * <p>Each event: {@code id} ({@code evt_} and its place in the feed), {@code type}, {@code at},
 * {@code message_id} (null for a send that queued no message), {@code recipient} (null for the
 * message as a whole), the type's own facts, then {@code tags} and {@code metadata}: those the
 * sending application attached to the message (issue 12: "tags and metadata that come back in
 * events"), on every event of it, empty for mail sent over SMTP. An event without a message has
 * those of its send among its facts.
 */
final class EventListing {

  private static final Logger log = LoggerFactory.getLogger(EventListing.class);

  static final String SINCE = "since";
  private static final String CURSOR_KIND = "e1";
  private static final List<String> PARAMETERS = List.of("types", QueryParameters.LIMIT, SINCE);
  private static final String TAGS = "tags";
  private static final String METADATA = "metadata";
  /** Members the feed itself writes: a type's facts never replace them. */
  private static final Set<String> OWN_MEMBERS = Set.of("id", "type", "at", "message_id", "recipient");

  private final EventFeed feed;

  EventListing(EventFeed feed) {
    this.feed = feed;
  }

  List<Route> routes() {
    return List.of(new Route("GET", "/v1/events", ApiKey.Scope.READ, this::list));
  }

  private Answer list(ApiRequest request) throws Refusal {
    QueryParameters query = QueryParameters.of(request, PARAMETERS);
    Set<EventType> types = types(query);
    int limit = query.limit();
    long since = since(query);
    List<EventFeed.EventView> found;
    try {
      found = feed.after(request.caller().account(), since, types, limit);
    } catch (Unavailable e) {
      log.warn("API: cannot read the event feed: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    ArrayNode data = Page.data();
    found.forEach(event -> data.add(json(event)));
    long last = found.isEmpty() ? since : found.getLast().seq();
    // A full page may have more behind it; a short one is the end for now (poll with the cursor).
    return Page.answer(request, query, data, Optional.of(cursor(last)), found.size() == limit, SINCE);
  }

  private static Set<EventType> types(QueryParameters query) throws Refusal {
    Optional<String> text = query.text("types");
    if (text.isEmpty()) {
      return Set.of();
    }
    Set<EventType> types = EnumSet.noneOf(EventType.class);
    for (String name : text.get().split(",", -1)) {
      String wanted = name.strip();
      types.add(EventType.fromTypeName(wanted).orElseThrow(() -> query.notOneOf("types", wanted,
          Arrays.stream(EventType.values()).map(EventType::typeName).toList())));
    }
    return types;
  }

  private static long since(QueryParameters query) throws Refusal {
    Optional<List<String>> fields = query.cursor(SINCE, CURSOR_KIND, 1);
    if (fields.isEmpty()) {
      return 0;
    }
    String seq = fields.get().getFirst();
    if (!seq.matches("[0-9]{1,18}")) {
      throw QueryParameters.badCursor(SINCE);
    }
    return Long.parseLong(seq);
  }

  /** The cursor after the event {@code seq} (0: before the first). */
  private static String cursor(long seq) {
    return Cursor.encode(CURSOR_KIND, List.of(Long.toString(seq)));
  }

  /**
   * The message's tags and metadata, which the history keeps; an event without a message keeps its
   * send's in its facts, and those stand.
   */
  private static void annotate(ObjectNode node, EventFeed.EventView event) {
    if (event.messageId().isEmpty() && node.has(TAGS) && node.has(METADATA)) {
      return;
    }
    ArrayNode tags = node.putArray(TAGS);
    event.tags().forEach(tags::add);
    ObjectNode metadata = node.putObject(METADATA);
    event.metadata().forEach(metadata::put);
  }

  /** The event as the feed shows it; webhooks send the same object ({@link EventJson}). */
  static ObjectNode json(EventFeed.EventView event) {
    ObjectNode node = ApiRequest.JSON.createObjectNode();
    node.put("id", "evt_" + event.seq());
    node.put("type", event.type());
    node.put("at", event.at().toString());
    MessageJson.put(node, "message_id", event.messageId());
    MessageJson.put(node, "recipient", event.recipient());
    JsonNode facts;
    try {
      facts = ApiRequest.JSON.readTree(event.data());
    } catch (JacksonException e) {
      // Only the app writes the data; one that does not parse is a bug, not the client's concern.
      log.error("API: event {} has data that is not JSON: {}", event.seq(), e.getOriginalMessage());
      annotate(node, event);
      return node;
    }
    if (facts instanceof ObjectNode object) {
      for (Map.Entry<String, JsonNode> member : object.properties()) {
        if (!OWN_MEMBERS.contains(member.getKey())) {
          node.set(member.getKey(), member.getValue());
        }
      }
    }
    annotate(node, event);
    return node;
  }
}

package dev.hikyaku.api;

import dev.hikyaku.api.MessageReader.MessageView;
import dev.hikyaku.api.MessageReader.Outcome;
import dev.hikyaku.store.ApiKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/messages}: the messages of the key's account, newest first, as {@link
 * MessageJson#summary summaries}, a page at a time. Filters: {@code sender}, {@code recipient} (whole
 * addresses, any case), {@code status} (a recipient's latest outcome, {@link Outcome}), {@code tag} (one
 * of the send's {@code tags}, exactly), {@code since}
 * and {@code until} (RFC 3339, at or after / before); {@code limit} 1..100 (50); {@code cursor} the
 * {@code next_cursor} of the page before: the (received_at, id) of its last message, so the next
 * page starts strictly after it (keyset paging: no message is skipped or shown twice when others
 * arrive meanwhile).
 */
final class MessageListing {

  private static final Logger log = LoggerFactory.getLogger(MessageListing.class);

  static final String CURSOR = "cursor";
  private static final String CURSOR_KIND = "m1";
  private static final List<String> PARAMETERS =
      List.of("sender", "recipient", "status", "tag", "since", "until", QueryParameters.LIMIT, CURSOR);
  private static final String ACCOUNT = "account";
  private static final List<String> OPERATOR_PARAMETERS =
      List.of("sender", "recipient", "status", "tag", "since", "until", QueryParameters.LIMIT, CURSOR, ACCOUNT);

  private final MessageReader messages;

  MessageListing(MessageReader messages) {
    this.messages = messages;
  }

  List<Route> routes() {
    return List.of(new Route("GET", "/v1/messages", ApiKey.Scope.READ, this::list));
  }

  private Answer list(ApiRequest request) throws Refusal {
    boolean operator = request.caller().operator();
    QueryParameters query = QueryParameters.of(request, operator ? OPERATOR_PARAMETERS : PARAMETERS);
    // An operator may name any account, or * for all of them (mail submitted under none too).
    Optional<String> account = operator && query.text(ACCOUNT).isPresent()
        ? query.text(ACCOUNT).filter(a -> !a.equals("*")).map(a -> a.toLowerCase(Locale.ROOT))
        : Optional.of(request.caller().account());
    Optional<Outcome> status = Optional.empty();
    if (query.text("status").isPresent()) {
      String keyword = query.text("status").get();
      status = Optional.of(Outcome.fromKeyword(keyword).orElseThrow(() -> query.notOneOf("status", keyword,
          Arrays.stream(Outcome.values()).map(Outcome::keyword).toList())));
    }
    Optional<Instant> since = query.time("since");
    Optional<Instant> until = query.time("until");
    if (since.isPresent() && until.isPresent() && !since.get().isBefore(until.get())) {
      throw new Refusal(QueryParameters.invalid("until", "must be after since, was " + until.get() + " (since " + since.get() + ")"));
    }
    int limit = query.limit();
    Optional<MessageReader.Position> before = position(query);
    MessageReader.Search search = new MessageReader.Search(
        account, query.text("sender"), query.text("recipient"), status, since, until, before, query.text("tag"), limit + 1);
    List<MessageView> found;
    try {
      found = messages.search(search);
    } catch (Unavailable e) {
      log.warn("API: cannot list messages: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    return Page.answer(request, query, found, limit, MessageJson::summary, MessageListing::cursorAfter, CURSOR);
  }

  private static Optional<MessageReader.Position> position(QueryParameters query) throws Refusal {
    Optional<List<String>> fields = query.cursor(CURSOR, CURSOR_KIND, 2);
    if (fields.isEmpty()) {
      return Optional.empty();
    }
    String millis = fields.get().get(0);
    String id = fields.get().get(1);
    if (!millis.matches("-?[0-9]{1,18}") || id.isEmpty()) {
      throw QueryParameters.badCursor(CURSOR);
    }
    return Optional.of(new MessageReader.Position(Instant.ofEpochMilli(Long.parseLong(millis)), id));
  }

  private static String cursorAfter(MessageView last) {
    return Cursor.encode(CURSOR_KIND, List.of(Long.toString(last.receivedAt().toEpochMilli()), last.id()));
  }
}

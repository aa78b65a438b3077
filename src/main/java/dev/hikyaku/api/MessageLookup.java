package dev.hikyaku.api;

import dev.hikyaku.store.ApiKey;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/messages/{id}}: one message of the key's account, with its envelope, each
 * recipient's latest outcome and every attempt. A message of another account is 404 as one that
 * does not exist, so a key cannot learn which ids are real.
 */
final class MessageLookup {

  private static final Logger log = LoggerFactory.getLogger(MessageLookup.class);

  private final MessageReader messages;

  MessageLookup(MessageReader messages) {
    this.messages = messages;
  }

  List<Route> routes() {
    return List.of(new Route("GET", "/v1/messages/{id}", ApiKey.Scope.READ, this::show));
  }

  private Answer show(ApiRequest request) {
    Optional<MessageReader.MessageView> message;
    try {
      message = messages.message(request.parameter("id"));
    } catch (Unavailable e) {
      log.warn("API: cannot show a message: {}", e.getMessage());
      return new Answer.Failure(Problems.unavailable());
    }
    String account = request.caller().account();
    Optional<MessageReader.MessageView> own =
        message.filter(m -> m.principal().map(p -> p.equalsIgnoreCase(account)).orElse(false));
    if (own.isEmpty()) {
      return new Answer.Failure(Problems.notFound(request.path()));
    }
    return new Answer.Json(200, MessageJson.of(own.get()));
  }
}

package dev.hikyaku.api;

/**
 * An event of the feed as {@code GET /v1/events} shows it, for the webhooks to send as their
 * body's {@code data}: one renderer, so the feed and the webhooks never disagree.
 */
public final class EventJson {

  private EventJson() {}

  /**
   * The event's JSON object: {@code id}, {@code type}, {@code at}, {@code message_id}, {@code
   * recipient}, its facts, {@code tags} and {@code metadata}.
   */
  public static String of(EventFeed.EventView event) {
    return ApiRequest.JSON.writeValueAsString(EventListing.json(event));
  }
}

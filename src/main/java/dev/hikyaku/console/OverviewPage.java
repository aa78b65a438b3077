package dev.hikyaku.console;

import java.util.List;
import java.util.Optional;

/**
 * What the queue page shows (overview.jte): the signed-in admin, the form token every form
 * carries, a notice about the last change, and the queue, oldest first.
 */
public record OverviewPage(String account, String csrf, String notice, Optional<String> oldest, List<Row> messages) {

  public OverviewPage {
    messages = List.copyOf(messages);
  }

  /** One queued message as a row. */
  public record Row(String id, String received, String sender, int recipients, String state) {
    public boolean isHeld() {
      return state.equals("held");
    }
  }
}

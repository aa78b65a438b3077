package dev.hikyaku.intake;

import dev.hikyaku.policy.SenderRegistry;

/** Every account owns every address, and a foreign From: is refused: intake's tests of other things. */
final class OwnsEverything implements SenderRegistry {

  static final SenderRegistry SENDERS = new OwnsEverything();

  private OwnsEverything() {}

  @Override
  public Ownership ownership(String account, String address) {
    return Ownership.OWNED;
  }

  @Override
  public FromHeaderAction fromHeaderAction(String account) {
    return FromHeaderAction.REJECT;
  }
}

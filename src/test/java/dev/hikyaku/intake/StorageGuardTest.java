package dev.hikyaku.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StorageGuardTest {

  @Test
  void asksTheStoreForTheMessageAndTheHeadroomSoThatItCanMakeRoomFirst() {
    List<Long> asked = new ArrayList<>();
    StorageGuard guard = new StorageGuard(wanted -> {
      asked.add(wanted);
      return 1_000;
    }, 300);

    assertThat(guard.hasRoomFor(700)).isTrue();
    assertThat(guard.hasRoomFor(701)).isFalse();
    assertThat(guard.hasRoomFor(0)).as("MAIL without SIZE: the headroom alone").isTrue();
    assertThat(asked).containsExactly(1_000L, 1_001L, 300L);
  }

  @Test
  void aSizeNearTheLimitOfALongIsRefusedNotWrappedAround() {
    StorageGuard guard = new StorageGuard(wanted -> Long.MAX_VALUE - 1, 300);

    assertThat(guard.hasRoomFor(Long.MAX_VALUE - 100)).isFalse();
  }
}

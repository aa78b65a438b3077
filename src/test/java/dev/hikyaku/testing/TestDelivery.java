package dev.hikyaku.testing;

import dev.hikyaku.config.ConfigLoader;
import dev.hikyaku.config.DeliveryConfig;
import dev.hikyaku.delivery.DeliveryWorker;
import dev.hikyaku.delivery.OutboundSession;
import dev.hikyaku.delivery.Routes;
import dev.hikyaku.delivery.TlsPolicy;
import dev.hikyaku.events.Events;
import dev.hikyaku.schedule.DeliveryAgent;
import dev.hikyaku.schedule.DeliveryReports;
import dev.hikyaku.schedule.RetryPolicy;
import dev.hikyaku.schedule.Scheduler;
import dev.hikyaku.store.MessageQueue;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The way out with the config's defaults, for tests about what is delivered, not about lanes,
 * per-destination limits, events or suppression.
 */
public final class TestDelivery {

  private TestDelivery() {}

  private static DeliveryConfig defaults() {
    return ConfigLoader.defaults().delivery();
  }

  /**
   * A scheduler with the default {@code delivery.max-per-domain}, no per-destination limits, no
   * events and no automatic suppression.
   */
  public static Scheduler scheduler(
      MessageQueue queue, RetryPolicy policy, DeliveryAgent agent, DeliveryReports reports, Clock clock,
      RandomGenerator random) {
    return new Scheduler(queue, queue::applyFlush, policy, agent, reports, clock, random, defaults().maxPerDomain(), Map.of(),
        new Events(List.of()), Set.of());
  }

  /**
   * Worker settings without a smarthost or per-domain TLS policies, with the default timeouts and
   * {@code delivery.max-per-host}.
   */
  public static DeliveryWorker.Settings settings(String ehloName, int mxPort, TlsPolicy tls, Routes routes) {
    return new DeliveryWorker.Settings(ehloName, mxPort, tls, OutboundSession.Timeouts.defaults(), Optional.empty(), routes,
        Map.of(), defaults().maxPerHost());
  }
}

/**
 * Counters for rates and failures, like Postfix's anvil: how many of something a key (a client
 * address, a network, an account) did in the current window. In memory, bounded in size so that an
 * attacker with many addresses cannot exhaust the heap; snapshots let the caller persist them.
 * And {@code WakeSignal}, the pacing of a background loop that polls and may be woken early (the
 * delivery scheduler, the webhook dispatcher): one copy of that lock-and-condition dance.
 *
 * <p>Must never: decide policy. Thresholds and what to do about them belong to {@code auth}
 * ({@code AuthThrottle}) and {@code policy}.
 */
package dev.hikyaku.limits;

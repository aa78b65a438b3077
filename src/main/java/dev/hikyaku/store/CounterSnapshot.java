package dev.hikyaku.store;

import java.time.Instant;

/** One windowed counter as last saved: its name, the start of its window, and the count in it. */
public record CounterSnapshot(String name, Instant windowStart, long count) {}

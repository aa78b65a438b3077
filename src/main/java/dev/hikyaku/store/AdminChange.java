package dev.hikyaku.store;

import java.time.Instant;

/** One administrative change, as the CLI recorded it. Never holds a secret. */
public record AdminChange(long id, Instant at, String command, String subject, String detail) {}

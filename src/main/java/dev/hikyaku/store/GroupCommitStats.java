package dev.hikyaku.store;

/**
 * What the group-commit writer has done since the store opened: {@code commits < messages} shows
 * that sessions shared fsyncs.
 *
 * @param messages messages committed
 * @param commits transactions committed (each one fsync of the WAL)
 */
public record GroupCommitStats(long messages, long commits) {}

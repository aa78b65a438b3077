/**
 * JMH micro-benchmarks of the server's hot paths (issue 4): command parsing, the DATA reader, reply
 * and trace-header encoding, the group-committed store write, Argon2id verification, the SCRAM
 * server exchange, and the message history's searches with 1 million attempts stored.
 *
 * <p>Place in the data flow: beside it. Each benchmark calls the server's public API (the Received
 * header, package-private in {@code intake}, through a private method-handle lookup) with inputs
 * built once in {@code @Setup}, so what is timed is the server's work, not the benchmark's.
 *
 * <p>Must never run in the normal test command: this is a separate Maven project under bench/,
 * started by {@code bench/jmh/run.sh}.
 */
package dev.hikyaku.bench.jmh;

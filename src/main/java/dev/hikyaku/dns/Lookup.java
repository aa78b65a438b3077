package dev.hikyaku.dns;

/**
 * What a lookup found. The four outcomes are kept apart because delivery acts differently on each:
 * NxDomain and NoData are answers (permanent), TemporaryFailure is the absence of one (defer).
 */
public sealed interface Lookup<T> {

  /** The name has records of the asked type (following a CNAME chain). */
  record Found<T>(T value) implements Lookup<T> {}

  /** The name exists but has no records of the asked type (RFC 2308 §2.2 NODATA). */
  record NoData<T>() implements Lookup<T> {}

  /** The name does not exist (RCODE 3, RFC 2308 §2.1). */
  record NxDomain<T>() implements Lookup<T> {}

  /** No answer to rely on: SERVFAIL, REFUSED, timeout, network error. Retry later. */
  record TemporaryFailure<T>(String reason) implements Lookup<T> {}
}

package dev.hikyaku.dns;

/**
 * A lookup and whether DNSSEC vouches for it (RFC 4033 §5): {@code isSecure} when every record of
 * the answer, or the proof that there is none, validated from a trust anchor. Insecure answers
 * (an unsigned zone, or a name under no anchor) are answers all the same; a bogus one (signed, and
 * it does not validate) is a {@link Lookup.TemporaryFailure}, never an answer.
 */
public record Validated<T>(Lookup<T> lookup, boolean isSecure) {}

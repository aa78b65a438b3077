package dev.hikyaku.delivery;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The per-domain routes: domain (compared case-insensitively, RFC 1035 §2.3.3) to {@link Route}. */
public record Routes(Map<String, Route> byDomain) {

  public static final Routes NONE = new Routes(Map.of());

  public Routes {
    byDomain = byDomain.entrySet().stream()
        .collect(Collectors.toUnmodifiableMap(e -> e.getKey().toLowerCase(Locale.ROOT), Map.Entry::getValue));
  }

  /** The route for {@code domain}, if one is configured. */
  public Optional<Route> forDomain(String domain) {
    return Optional.ofNullable(byDomain.get(domain.toLowerCase(Locale.ROOT)));
  }
}

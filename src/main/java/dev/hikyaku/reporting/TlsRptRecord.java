package dev.hikyaku.reporting;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A domain's {@code _smtp._tls} TXT record (RFC 8460 §3): {@code v=TLSRPTv1; rua=<uri>[,<uri>...]},
 * where each URI is {@code mailto:} or {@code https:}.
 *
 * @param rua where reports go, in the record's order; never empty
 */
public record TlsRptRecord(List<URI> rua) {

  public TlsRptRecord {
    rua = List.copyOf(rua);
    if (rua.isEmpty()) {
      throw new IllegalArgumentException("a TLSRPT record names at least one rua");
    }
  }

  /**
   * The record among a name's TXT records: the one that begins with {@code v=TLSRPTv1} (§3: more than
   * one, or none, means no reports), read leniently as to spaces; URIs of other schemes are passed
   * over. Empty when there is no usable record.
   */
  public static Optional<TlsRptRecord> among(List<String> txt) {
    List<String> records = txt.stream().filter(t -> t.strip().startsWith("v=TLSRPTv1")).toList();
    if (records.size() != 1) {
      return Optional.empty();
    }
    List<URI> rua = new ArrayList<>();
    for (String field : records.getFirst().split(";")) {
      String trimmed = field.strip();
      if (!trimmed.regionMatches(true, 0, "rua=", 0, 4)) {
        continue;
      }
      for (String uri : trimmed.substring(4).split(",")) {
        try {
          URI parsed = new URI(uri.strip());
          String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
          if (scheme.equals("mailto") && parsed.getSchemeSpecificPart().contains("@") || scheme.equals("https")) {
            rua.add(parsed);
          }
        } catch (URISyntaxException e) {
          // an unreadable URI is passed over; the others still count
        }
      }
    }
    return rua.isEmpty() ? Optional.empty() : Optional.of(new TlsRptRecord(rua));
  }
}

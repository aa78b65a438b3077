package dev.hikyaku.delivery;

import java.net.IDN;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Whether a certificate names a host (RFC 6125 §6.4), for checks the JDK's endpoint identification cannot make. */
final class CertificateNames {

  private CertificateNames() {}

  /**
   * A DNS-ID (subjectAltName dNSName) equal to {@code host}, or a wildcard in its left-most label
   * only ({@code *.example.net} names {@code mx.example.net}, not {@code example.net} nor {@code
   * a.mx.example.net}); the subject's CN only when there is no DNS-ID (§6.4.4).
   */
  static boolean names(X509Certificate certificate, String host) {
    String name = hostName(host);
    List<String> dnsIds;
    try {
      Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
      dnsIds = alternatives == null ? List.of() : alternatives.stream()
          .filter(entry -> Integer.valueOf(2).equals(entry.get(0)))
          .map(entry -> hostName((String) entry.get(1)))
          .toList();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (dnsIds.isEmpty()) {
      dnsIds = Arrays.stream(certificate.getSubjectX500Principal().getName().split(","))
          .filter(part -> part.startsWith("CN="))
          .map(part -> hostName(part.substring(3)))
          .toList();
    }
    int dot = name.indexOf('.');
    for (String id : dnsIds) {
      if (id.equals(name)
          || id.startsWith("*.") && dot > 0 && id.indexOf('.', 2) > 0 && id.substring(1).equals(name.substring(dot))) {
        return true;
      }
    }
    return false;
  }

  /** An A-label name in lower case, without a final dot. */
  static String hostName(String name) {
    String lower = IDN.toASCII(name, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }
}

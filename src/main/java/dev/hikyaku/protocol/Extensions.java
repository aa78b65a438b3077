package dev.hikyaku.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What to announce in the EHLO reply for a given session state. */
public final class Extensions {

  private Extensions() {}

  /**
   * The EHLO keywords, in a stable order.
   *
   * @param offered the extensions available to this client now
   * @param maxMessageSize announced with SIZE (RFC 1870 §4)
   * @param authMechanisms announced with AUTH (RFC 4954 §3)
   */
  public static List<String> ehloKeywords(
      Set<Extension> offered, long maxMessageSize, List<String> authMechanisms) {
    List<String> keywords = new ArrayList<>();
    for (Extension extension : Extension.values()) {
      if (!offered.contains(extension)) {
        continue;
      }
      switch (extension) {
        case SIZE -> keywords.add("SIZE " + maxMessageSize);
        case AUTH -> {
          if (!authMechanisms.isEmpty()) {
            keywords.add("AUTH " + String.join(" ", authMechanisms));
          }
        }
        default -> keywords.add(extension.keyword());
      }
    }
    return keywords;
  }
}

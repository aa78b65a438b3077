package dev.hikyaku.config;

import java.util.List;
import java.util.Objects;

/**
 * The {@code mail-auth} section: checking SPF, DKIM and DMARC on mail that arrives on port 25, and
 * what to do when DMARC fails for a domain that asks for reject or quarantine. Described in
 * docs/configuration.md.
 *
 * @param isVerifying whether relay mail is checked and gets an Authentication-Results field
 * @param dmarcReject for p=reject: {@code reject} (550 5.7.1) or {@code mark} (accept; the field
 *     says dmarc=fail)
 * @param dmarcQuarantine for p=quarantine: {@code mark} or {@code reject}
 * @param timeout how long the checks of one message may take together; what is still waiting for
 *     DNS then is reported as temperror
 */
public record MailAuthConfig(boolean isVerifying, String dmarcReject, String dmarcQuarantine, java.time.Duration timeout) {

  static final List<String> ACTIONS = List.of("reject", "mark");

  public MailAuthConfig {
    Objects.requireNonNull(dmarcReject, "dmarcReject");
    Objects.requireNonNull(dmarcQuarantine, "dmarcQuarantine");
    Objects.requireNonNull(timeout, "timeout");
    if (!ACTIONS.contains(dmarcReject) || !ACTIONS.contains(dmarcQuarantine)) {
      throw new IllegalArgumentException("DMARC actions are reject or mark");
    }
  }

  /** The same settings with checks on or off. */
  public MailAuthConfig withVerifying(boolean verifying) {
    return new MailAuthConfig(verifying, dmarcReject, dmarcQuarantine, timeout);
  }

  public boolean isRejectingOnReject() {
    return dmarcReject.equals("reject");
  }

  public boolean isRejectingOnQuarantine() {
    return dmarcQuarantine.equals("reject");
  }
}

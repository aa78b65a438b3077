package dev.hikyaku.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import tools.jackson.databind.node.ObjectNode;

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
 * @param isAggregateReports whether the domains that ask ({@code rua=}) get daily DMARC aggregate
 *     reports of the checks (RFC 7489 §7.2)
 * @param isArcSealing whether mail checked here and passed on by SMTP gets this server's ARC set
 *     (RFC 8617), signed with an active RSA DKIM key of the host name's domain or a hosted domain
 */
public record MailAuthConfig(boolean isVerifying, DmarcAction dmarcReject, DmarcAction dmarcQuarantine, Duration timeout,
    boolean isAggregateReports, boolean isArcSealing) {

  /** What a DMARC failure of a domain's policy leads to. */
  public enum DmarcAction {
    /** 550 5.7.1 (RFC 7489 §6.3). */
    REJECT,
    /** Accept; the Authentication-Results field says dmarc=fail. */
    MARK;

    String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public MailAuthConfig {
    Objects.requireNonNull(dmarcReject, "dmarcReject");
    Objects.requireNonNull(dmarcQuarantine, "dmarcQuarantine");
    Objects.requireNonNull(timeout, "timeout");
  }

  /** The same settings with checks on or off. */
  public MailAuthConfig withVerifying(boolean verifying) {
    return toBuilder().verifying(verifying).build();
  }

  /** The same settings with another time budget for the checks of one message. */
  public MailAuthConfig withTimeout(Duration budget) {
    return toBuilder().timeout(budget).build();
  }

  public boolean isRejectingOnReject() {
    return dmarcReject == DmarcAction.REJECT;
  }

  public boolean isRejectingOnQuarantine() {
    return dmarcQuarantine == DmarcAction.REJECT;
  }

  static final String SECTION = "mail-auth";
  private static final String VERIFY = "verify";
  private static final String DMARC_REJECT = "dmarc-reject";
  private static final String DMARC_QUARANTINE = "dmarc-quarantine";
  private static final String TIMEOUT = "timeout";
  private static final String AGGREGATE_REPORTS = "aggregate-reports";
  private static final String ARC_SEAL = "arc-seal";
  static final List<String> KEYS = List.of(VERIFY, DMARC_REJECT, DMARC_QUARANTINE, TIMEOUT, AGGREGATE_REPORTS, ARC_SEAL);

  private static final List<DmarcAction> ACTIONS = List.of(DmarcAction.REJECT, DmarcAction.MARK);

  /**
   * Inbound checks on: every message on port 25 gets an Authentication-Results field; DMARC
   * p=reject is honoured with 550 5.7.1 (RFC 7489 §6.3), p=quarantine is marked only (we hold no
   * spam folder; the field tells the mailbox server). The checks of one message get 15 s together:
   * three times the DNS timeout, ample for a working resolver, short of what a client waits.
   */
  static final MailAuthConfig DEFAULTS =
      new MailAuthConfig(true, DmarcAction.REJECT, DmarcAction.MARK, Duration.ofSeconds(15), true, true);

  static MailAuthConfig read(Section mailAuth) throws ConfigException {
    return builder()
        .verifying(mailAuth.bool(VERIFY, DEFAULTS.isVerifying()))
        .dmarcReject(mailAuth.choice(DMARC_REJECT, DEFAULTS.dmarcReject(), ACTIONS))
        .dmarcQuarantine(mailAuth.choice(DMARC_QUARANTINE, DEFAULTS.dmarcQuarantine(), ACTIONS))
        .timeout(mailAuth.timeout(TIMEOUT, DEFAULTS.timeout(), Duration.ofSeconds(1)))
        .aggregateReports(mailAuth.bool(AGGREGATE_REPORTS, DEFAULTS.isAggregateReports()))
        .arcSealing(mailAuth.bool(ARC_SEAL, DEFAULTS.isArcSealing()))
        .build();
  }

  void write(ObjectNode mailAuth) {
    mailAuth.put(VERIFY, isVerifying);
    mailAuth.put(DMARC_REJECT, dmarcReject.configName());
    mailAuth.put(DMARC_QUARANTINE, dmarcQuarantine.configName());
    mailAuth.put(TIMEOUT, DurationSyntax.format(timeout));
    mailAuth.put(AGGREGATE_REPORTS, isAggregateReports);
    mailAuth.put(ARC_SEAL, isArcSealing);
  }

  /** The defaults (what an empty section reads as), to change some by name. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder holding these settings, to change some by name. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The checks' settings by name. */
  public static final class Builder {
    private boolean isVerifying;
    private DmarcAction dmarcReject;
    private DmarcAction dmarcQuarantine;
    private Duration timeout;
    private boolean isAggregateReports;
    private boolean isArcSealing;

    private Builder(MailAuthConfig from) {
      isVerifying = from.isVerifying;
      dmarcReject = from.dmarcReject;
      dmarcQuarantine = from.dmarcQuarantine;
      timeout = from.timeout;
      isAggregateReports = from.isAggregateReports;
      isArcSealing = from.isArcSealing;
    }

    public Builder arcSealing(boolean value) {
      isArcSealing = value;
      return this;
    }

    public Builder aggregateReports(boolean value) {
      isAggregateReports = value;
      return this;
    }

    public Builder verifying(boolean value) {
      isVerifying = value;
      return this;
    }

    public Builder dmarcReject(DmarcAction value) {
      dmarcReject = value;
      return this;
    }

    public Builder dmarcQuarantine(DmarcAction value) {
      dmarcQuarantine = value;
      return this;
    }

    public Builder timeout(Duration value) {
      timeout = value;
      return this;
    }

    public MailAuthConfig build() {
      return new MailAuthConfig(isVerifying, dmarcReject, dmarcQuarantine, timeout, isAggregateReports, isArcSealing);
    }
  }
}

package dev.hikyaku.protocol;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Collectors;

/**
 * The ESMTP parameters of RCPT TO this server understands: RFC 3461 DSN's NOTIFY and ORCPT.
 *
 * @param notifyOn RFC 3461 §4.1 {@code NOTIFY=}: {@link Notify#NEVER} alone, or any of SUCCESS,
 *     FAILURE, DELAY; empty when not given (then failures are reported, delays at our discretion)
 * @param orcpt RFC 3461 §4.2 {@code ORCPT=}: the original recipient, if given
 */
public record RcptParams(Optional<Set<Notify>> notifyOn, Optional<Orcpt> orcpt) {

  public static final RcptParams NONE = new RcptParams(Optional.empty(), Optional.empty());

  public RcptParams {
    Objects.requireNonNull(notifyOn, "notifyOn");
    Objects.requireNonNull(orcpt, "orcpt");
    notifyOn = notifyOn.map(n -> n.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(n)));
    notifyOn.ifPresent(n -> {
      // RFC 3461 §4.1: NEVER must not be combined with any other keyword.
      if (n.isEmpty() || (n.contains(Notify.NEVER) && n.size() > 1)) {
        throw new IllegalArgumentException("NOTIFY " + n + " is neither NEVER alone nor a set of SUCCESS, FAILURE, DELAY");
      }
    });
  }

  /** Whether the sender wants {@code event} reported; RFC 3461 §4.1: FAILURE only by default. */
  public boolean wants(Notify event) {
    return notifyOn.map(n -> n.contains(event)).orElse(event == Notify.FAILURE);
  }

  /** The parameters as they would be written after RCPT TO:&lt;...&gt;, for the queue and next hop. */
  public String toWire() {
    StringJoiner wire = new StringJoiner(" ");
    notifyOn.ifPresent(n -> wire.add("NOTIFY=" + EnumSet.copyOf(n).stream().map(Enum::name).collect(Collectors.joining(","))));
    orcpt.ifPresent(o -> wire.add("ORCPT=" + o.toWire()));
    return wire.toString();
  }

  /**
   * Reads back what {@link #toWire} wrote, with the same parser RCPT TO goes through.
   *
   * @throws IllegalArgumentException naming {@code wire} when it is not valid RCPT parameters
   */
  public static RcptParams parse(String wire) {
    return CommandParser.storedRcptParams(wire);
  }
}

package dev.hikyaku.policy;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.protocol.Envelope;
import java.net.InetAddress;
import java.util.Optional;

/** A message that was just queued, for rules that learn from what is sent. */
public record AcceptedCheck(InetAddress client, Optional<Principal> principal, Envelope envelope) {}

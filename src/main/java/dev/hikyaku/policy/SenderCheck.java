package dev.hikyaku.policy;

import dev.hikyaku.auth.Principal;
import dev.hikyaku.net.ListenerRole;
import dev.hikyaku.protocol.ReversePath;
import java.net.InetAddress;
import java.util.Optional;

/** What a rule may look at when a MAIL arrives. */
public record SenderCheck(ListenerRole role, InetAddress client, Optional<Principal> principal, ReversePath sender) {}

package dev.hikyaku.session;

import dev.hikyaku.auth.AuthThrottle;
import dev.hikyaku.auth.Authenticator;
import dev.hikyaku.events.Events;
import dev.hikyaku.intake.MessageIntake;
import dev.hikyaku.policy.PolicyChain;
import java.time.Clock;

/** What every session on a server shares: policy, intake, authentication and its throttle, events. */
public record SessionServices(
    PolicyChain policy,
    MessageIntake intake,
    Authenticator authenticator,
    AuthThrottle throttle,
    Events events,
    Clock clock,
    Sessions sessions) {}

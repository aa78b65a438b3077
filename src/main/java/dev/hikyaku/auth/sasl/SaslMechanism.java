package dev.hikyaku.auth.sasl;

import java.util.Optional;

/**
 * One running SASL exchange (RFC 4422) for one mechanism. The session relays bytes: it decodes the
 * client's base64 responses, and encodes the challenges; the mechanism decides.
 */
public sealed interface SaslMechanism permits Plain, Login, CramMd5, Scram, Bearer {

  Mechanism mechanism();

  /** The first step, with the initial response of RFC 4954 §4 when the client sent one. */
  SaslStep start(Optional<byte[]> initialResponse);

  /** The next step, given the client's decoded response to the last challenge. */
  SaslStep respond(byte[] response);
}

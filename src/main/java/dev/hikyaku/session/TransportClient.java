package dev.hikyaku.session;

import dev.hikyaku.net.Transport;
import dev.hikyaku.protocol.Reply;
import dev.hikyaku.protocol.Verb;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** The session's side of {@link AuthDialogue.Client}: its transport, its input, its command timeout. */
final class TransportClient implements AuthDialogue.Client {

  private final Transport transport;
  private final ClientInput input;
  private final Duration commandTimeout;

  TransportClient(Transport transport, ClientInput input, Duration commandTimeout) {
    this.transport = transport;
    this.input = input;
    this.commandTimeout = commandTimeout;
  }

  @Override
  public ClientInput.Line readLine() throws IOException {
    // RFC 4954 §4: a line of the exchange, like an AUTH command, may reach 12288 octets.
    return input.readLine(Verb.AUTH_LINE_OCTETS, commandTimeout);
  }

  @Override
  public void send(Reply reply) throws IOException {
    transport.write(reply.toBytes());
  }

  @Override
  public void flush() throws IOException {
    transport.flush();
  }

  @Override
  public Optional<byte[]> channelBinding() {
    return transport.channelBinding();
  }

  @Override
  public boolean hasChannelBinding() {
    return transport.hasChannelBinding();
  }
}

package io.virtnet.backend;

import io.virtnet.protocol.Codec;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.ServiceStatus;
import java.util.Optional;

/**
 * The codec of a retained topic where an empty payload is itself a message (docs/contract.md: the
 * PHY is gone, the status or view cleared): empty decodes to {@link Optional#empty()}, anything else
 * through the message's own codec, which still refuses what breaks the contract. One shared instance
 * per kind, so subscribers of one message share its decode.
 */
final class GoneOr<T> implements Codec<Optional<T>> {
  static final GoneOr<NetdevState> NETDEV_STATE = new GoneOr<>(Codecs.NETDEV_STATE);
  static final GoneOr<ServiceStatus> SERVICE_STATUS = new GoneOr<>(Codecs.SERVICE_STATUS);
  static final GoneOr<LinkView> LINK_VIEW = new GoneOr<>(Codecs.LINK_VIEW);

  private final Codec<T> codec;

  private GoneOr(Codec<T> codec) {
    this.codec = codec;
  }

  @Override
  public Optional<T> decode(byte[] payload) {
    return payload.length == 0 ? Optional.empty() : Optional.of(codec.decode(payload));
  }

  @Override
  public byte[] encode(Optional<T> message) {
    return message.map(codec::encode).orElseGet(() -> new byte[0]);
  }
}

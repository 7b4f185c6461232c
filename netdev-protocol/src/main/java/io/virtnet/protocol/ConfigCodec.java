package io.virtnet.protocol;

/** {@link Codecs#CONFIG}: binary, exactly {@value VirtioNetConfig#WIRE_SIZE} bytes (docs/contract.md §5). */
final class ConfigCodec implements Codec<VirtioNetConfig.Generational> {
  @Override
  public VirtioNetConfig.Generational decode(byte[] payload) {
    return VirtioNetConfig.decodeWire(payload);
  }

  @Override
  public byte[] encode(VirtioNetConfig.Generational g) {
    return g.config().encodeWire(g.generation());
  }
}

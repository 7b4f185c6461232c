package io.virtnet.agent.netlink;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtnet.agent.PhySource;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The agent's {@link PhySource} for real NICs: a {@link NetlinkLinkSource} whose blocking socket work
 * (initial dump, reads, close) stays off the event loop. It takes no commands: the kernel is the truth.
 */
public final class NetlinkPhySource implements PhySource {
  private final Vertx vertx;
  private final AgentConfig config;
  private final LongSupplier seq;
  private final Path netns;
  private NetlinkLinkSource source;

  private NetlinkPhySource(Vertx vertx, AgentConfig config, LongSupplier seq, Path netns) {
    this.vertx = vertx;
    this.config = config;
    this.seq = seq;
    this.netns = netns;
  }

  /** A source watching the agent's own network namespace. */
  public static PhySource create(Vertx vertx, AgentConfig config, LongSupplier seq) {
    return new NetlinkPhySource(vertx, config, seq, null);
  }

  /** A factory for a source watching another namespace (e.g. {@code /var/run/netns/NAME}), for tests and labs. */
  public static PhySource.Factory inNamespace(Path netns) {
    return (vertx, config, seq) -> new NetlinkPhySource(vertx, config, seq, netns);
  }

  @Override
  public Future<Void> start(Consumer<List<NetdevEvent>> sink) {
    NetlinkLinkSource.Builder b = NetlinkLinkSource.builder(config.name())
        .sink(sink)
        .seq(seq)
        .selection(config.allInterfaces() ? InterfaceSelection.all() : InterfaceSelection.of(config.interfaces()));
    if (netns != null) {
      b.netns(netns);
    }
    source = b.build();
    NetlinkLinkSource s = source;
    return vertx.executeBlocking(() -> {
      s.start();
      return null;
    }, false);
  }

  @Override
  public Future<Void> stop() {
    NetlinkLinkSource s = source;
    if (s == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      s.stop();
      return null;
    }, false);
  }

  @Override
  public List<NetdevState> snapshot() {
    return source == null ? List.of() : source.snapshot();
  }
}

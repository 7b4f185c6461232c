package io.virtnet.agent.sim;

import io.vertx.core.Future;
import io.virtnet.agent.PhyChange;
import io.virtnet.agent.PhySource;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.PhyCommand;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** The sim PHY source: the configured PHYs of {@link SimPhyModel}, driven by {@code cmd} messages. */
public final class SimPhySource implements PhySource {
  private final SimPhyModel model;

  public SimPhySource(SimPhyModel model) {
    this.model = model;
  }

  /** A source for {@code config.phys()}, numbering events with {@code seq}. */
  public static SimPhySource create(AgentConfig config, LongSupplier seq) {
    return new SimPhySource(new SimPhyModel(config.name(), config.phys(), seq, Clock.systemUTC()));
  }

  @Override
  public Future<Void> start(Consumer<List<NetdevEvent>> sink) {
    sink.accept(model.start());
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> stop() {
    return Future.succeededFuture();
  }

  @Override
  public List<NetdevState> snapshot() {
    return model.snapshot();
  }

  @Override
  public boolean acceptsCommands() {
    return true;
  }

  @Override
  public PhyChange command(String ifname, PhyCommand command) {
    return model.apply(ifname, command);
  }
}

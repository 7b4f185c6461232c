package io.virtnet.agent;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.PhyCommand;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Where an agent's PHYs come from: simulated devices driven by commands, or the kernel's rtnetlink.
 * The {@link PhyAgentVerticle} owns MQTT, sequence numbers, reference holders and the
 * {@code netdev_wait_allrefs} model; a source only reports what its devices do.
 *
 * <p>All methods are called on the verticle's context. The sink may be called from any thread (a
 * netlink reader thread, say); the verticle moves each batch onto its context, in order.
 */
public interface PhySource {

  /**
   * Starts watching and delivers the initial state as events (REGISTER, then UP for an open device,
   * as {@code register_netdevice_notifier} replays), then every later change, each batch in kernel
   * order. Completes once the initial events were handed to {@code sink}.
   */
  Future<Void> start(Consumer<List<NetdevEvent>> sink);

  /** Stops watching and releases what {@link #start} opened; safe to call twice. */
  Future<Void> stop();

  /** The current state of every device the source reports. */
  List<NetdevState> snapshot();

  /** Whether this source takes commands on {@code vnet/phy/{agent}/+/cmd} (only the sim does). */
  default boolean acceptsCommands() {
    return false;
  }

  /**
   * Applies a command to device {@code ifname} and returns what changed ({@link PhyChange#NONE} for a
   * no-op). Throws {@link InvalidMessageException} when the command is refused, with a reason for the
   * rejection counter (e.g. {@code no-such-device}, {@code device-busy}).
   */
  default PhyChange command(String ifname, PhyCommand command) {
    throw InvalidMessageException.of("not-supported", "this agent's PHY source takes no commands");
  }

  /**
   * Creates the source for an agent. {@code seq} hands out the agent's event sequence numbers (thread
   * safe); every event a source emits must take its {@code seq} from it.
   */
  @FunctionalInterface
  interface Factory {
    PhySource create(Vertx vertx, AgentConfig config, LongSupplier seq);
  }
}

package io.virtnet.backend;

import io.vertx.core.Handler;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.Received;
import io.virtnet.runtime.mqtt.TypedSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's inbound messages (its PHY's state and events, its agent's status, its driver's ctrl):
 * typed subscriptions decode them at the edge and count bad input (in the service's rejections and the
 * instance's own count; it never reaches a model), these handlers hand good input to {@link InstanceLink}
 * and {@link VirtioNetDevice}, and throw {@link InvalidMessageException} for input that is valid but
 * not acceptable here (counted the same way). Runs on the instance's context.
 */
final class InstanceInbound {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioNetInstanceVerticle.class);

  private final InstanceConfig cfg;
  private final InstanceEnv env;
  private final InstanceCounters counters;
  private final InstanceLink link;
  private final VirtioNetDevice device;
  private final RefHolder ref;
  private final InstanceConvergence convergence;
  private final Runnable changed;
  private final Rejections rejections;
  private final Handler<InboundMessage> stateSubscriber;

  InstanceInbound(InstanceConfig cfg, InstanceEnv env, InstanceCounters counters, InstanceLink link,
      VirtioNetDevice device, RefHolder ref, InstanceConvergence convergence, Runnable changed) {
    this.cfg = cfg;
    this.env = env;
    this.counters = counters;
    this.link = link;
    this.device = device;
    this.ref = ref;
    this.convergence = convergence;
    this.changed = changed;
    this.rejections = env.rejections().alsoCounting(counters.rejected::incrementAndGet);
    this.stateSubscriber = TypedSubscriber.orGone(Codecs.NETDEV_STATE, rejections, this::onState, this::onStateGone);
  }

  /** The state subscription's handler, also handed the retained state a re-read finds. */
  Handler<InboundMessage> stateSubscriber() {
    return stateSubscriber;
  }

  /** What this instance's typed subscriptions count a rejection in: the service's and its own. */
  Rejections rejections() {
    return rejections;
  }

  /** An empty state: no such device, acted on when the retained store says so (a live "gone" is re-read first). */
  void onStateGone(TypedSubscriber.Gone m) {
    Runnable gone = () -> {
      counters.phyEvents.incrementAndGet();
      link.onNoState();
    };
    if (m.retained()) {
      gone.run();
    } else {
      convergence.liveStateGone(m.topic(), stateSubscriber::handle, gone);
    }
  }

  void onState(Received<NetdevState> m) {
    NetdevState s = m.value();
    link.requireOurs(s, null);
    counters.phyEvents.incrementAndGet();
    if (!link.onState(s)) {
      counters.staleDropped.incrementAndGet();
    }
  }

  void onEvent(Received<NetdevEvent> m) {
    NetdevEvent e = m.value();
    link.requireOurs(e.state(), e.oldIfname());
    counters.phyEvents.incrementAndGet();
    env.metrics().eventReceived(e.event());
    if (!link.onEvent(e)) {
      counters.staleDropped.incrementAndGet();
    }
  }

  /** The agent's status subscriber: a cleared status tells nothing either way. */
  Handler<InboundMessage> agentStatusSubscriber() {
    return TypedSubscriber.orGone(Codecs.SERVICE_STATUS, rejections, this::onAgentStatus, cleared -> { });
  }

  void onAgentStatus(Received<ServiceStatus> m) {
    ServiceStatus st = m.value();
    if (st.online() == link.agentOnline()) {
      return;
    }
    if (st.online()) {
      LOG.info("{}: agent {} is back online", cfg.name(), cfg.agent());
      ref.republish();
    } else {
      LOG.warn("{}: agent {} went offline ({})", cfg.name(), cfg.agent(),
          env.onAgentLoss() == AgentLossPolicy.DOWN ? "reporting link down" : "holding the last state");
    }
    link.setAgentOnline(st.online());
    changed.run();
  }

  void onCtrl(Received<CtrlMessage> m) {
    CtrlMessage c = m.value();
    if (c instanceof CtrlMessage.DriverFeatures d) {
      var negotiated = device.driverOk(d.features());
      if (negotiated == null) {
        throw InvalidMessageException.of("renegotiation", "driverFeatures " + d.features()
            + " differ from the live negotiation " + device.negotiated() + " and the device was not reset since");
      }
      LOG.info("{}: driver live, negotiated {}", cfg.name(), negotiated);
      env.timeline().record(cfg.name(), "driver live (DRIVER_OK)", null);
    } else if (c instanceof CtrlMessage.Command cmd && cmd.isAnnounceAck()) {
      device.announceAck();
    } else {
      CtrlMessage.Command cmd = (CtrlMessage.Command) c;
      throw InvalidMessageException.of("unsupported-ctrl",
          "ctrl class " + cmd.ctrlClass() + " command " + cmd.cmd() + " is not supported");
    }
  }

}

package io.virtnet.backend;

import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.runtime.mqtt.InboundMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance's inbound messages (its PHY's state and events, its agent's status, its driver's ctrl):
 * decoded at the edge, bad input rejected and counted (never reaching a model), good input handed to
 * {@link InstanceLink} and {@link VirtioNetDevice}. Runs on the instance's context.
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
  }

  void onState(InboundMessage m) {
    try {
      if (m.payload().length() == 0) {
        // no such device: acted on when the retained store says so (a live "gone" is re-read first)
        Runnable gone = () -> {
          counters.phyEvents.incrementAndGet();
          link.onNoState();
        };
        if (m.retained()) {
          gone.run();
        } else {
          convergence.liveStateGone(m.topic(), this::onState, gone);
        }
        return;
      }
      NetdevState s = m.decoded(Codecs.NETDEV_STATE);
      link.requireOurs(s, null);
      counters.phyEvents.incrementAndGet();
      if (!link.onState(s)) {
        counters.staleDropped.incrementAndGet();
      }
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  void onEvent(InboundMessage m) {
    try {
      NetdevEvent e = m.decoded(Codecs.NETDEV_EVENT);
      link.requireOurs(e.state(), e.oldIfname());
      counters.phyEvents.incrementAndGet();
      env.metrics().eventReceived(e.event());
      if (!link.onEvent(e)) {
        counters.staleDropped.incrementAndGet();
      }
    } catch (InvalidMessageException ex) {
      reject(m.topic(), ex);
    }
  }

  void onAgentStatus(InboundMessage m) {
    if (m.payload().length() == 0) {
      return; // status cleared: nothing known either way
    }
    try {
      ServiceStatus st = Codecs.SERVICE_STATUS.decode(m.bytes());
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
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  void onCtrl(InboundMessage m) {
    try {
      CtrlMessage c = Codecs.CTRL.decode(m.bytes());
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
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  private void reject(String topic, InvalidMessageException e) {
    counters.rejected.incrementAndGet();
    env.rejections().reject(topic, e);
  }

}

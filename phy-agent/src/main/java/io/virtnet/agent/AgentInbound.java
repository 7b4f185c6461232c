package io.virtnet.agent;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.RefHold;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.Received;
import io.virtnet.runtime.mqtt.TypedSubscriber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's input: sim commands on {@code cmd}, the backends' holds on {@code ref/{holder}} and
 * their {@code status} (whose will voids their holds). Every payload is validated; bad input is
 * counted by {@link Rejections} and changes nothing. Used on the agent's context.
 */
final class AgentInbound {
  private static final Logger LOG = LoggerFactory.getLogger(AgentInbound.class);

  private final String agent;
  private final Topics topics;
  private final Rejections rejections;
  private final PhySource source;
  private final Holders holders;
  private final UnregisterWaiters waiters;
  private final PhyChanges changes;

  AgentInbound(String agent, Topics topics, Rejections rejections, PhySource source, Holders holders,
      UnregisterWaiters waiters, PhyChanges changes) {
    this.agent = agent;
    this.topics = topics;
    this.rejections = rejections;
    this.source = source;
    this.holders = holders;
    this.waiters = waiters;
    this.changes = changes;
  }

  /** A sim command: applied to the source, whose change is published. */
  void onCommand(Received<PhyCommand> m) {
    TopicName t = topics.parse(m.topic());
    if (!(t instanceof TopicName.PhyCmd c) || !c.agent().equals(agent)) {
      throw InvalidMessageException.of("unexpected-topic", "not a command topic of agent " + agent);
    }
    if (m.retained()) {
      // a retained command would be replayed at every restart
      throw InvalidMessageException.of("retained-command", "commands must not be retained; ignoring it");
    }
    PhyCommand cmd = m.value();
    String ifname = c.ifname();
    if (cmd.op() == PhyCommand.Op.REGISTER && waiters.isWaiting(ifname)) {
      throw stillUnregistering("register " + ifname, ifname);
    }
    if (cmd.op() == PhyCommand.Op.RENAME && waiters.isWaiting((String) cmd.value())) {
      throw stillUnregistering("rename " + ifname + " to " + cmd.value(), (String) cmd.value());
    }
    PhyChange change = source.command(ifname, cmd);
    if (change.isEmpty()) {
      LOG.debug("{} {} on {}: nothing changes", cmd.op().wireName(), cmd.value(), ifname);
      return;
    }
    changes.apply(change);
  }

  private InvalidMessageException stillUnregistering(String what, String name) {
    return InvalidMessageException.of("device-busy", what + ": the previous " + name
        + " is still unregistering (usage count " + holders.count(name) + ": " + holders.describe(name)
        + "); refused until its holders release it");
  }

  /** The handler of {@code ref/{holder}}: a hold ({@code dev_hold}) or, empty, a put ({@code dev_put}). */
  TypedSubscriber<RefHold> refs() {
    return TypedSubscriber.orGone(Codecs.REF_HOLD, rejections, this::onHold, this::onPut);
  }

  /** The handler of the backends' {@code status}: while one is offline (its will), its holds do not count. */
  TypedSubscriber<ServiceStatus> backendStatus() {
    return TypedSubscriber.orGone(Codecs.SERVICE_STATUS, rejections, this::onBackendStatus, this::onBackendGone);
  }

  private void onHold(Received<RefHold> m) {
    TopicName.PhyRef r = refTopic(m.topic());
    RefHold h = m.value();
    if (!h.holder().equals(r.holder())) {
      throw InvalidMessageException.of("holder-mismatch", "payload holder '" + h.holder()
          + "' differs from the topic's '" + r.holder() + "'");
    }
    holders.hold(r.ifname(), r.holder(), h.node());
    LOG.debug("{}: held by {}@{}", r.ifname(), r.holder(), h.node());
  }

  private void onPut(TypedSubscriber.Gone m) {
    TopicName.PhyRef r = refTopic(m.topic());
    if (holders.put(r.ifname(), r.holder())) {
      LOG.debug("{}: {} released its hold", r.ifname(), r.holder());
      changes.releaseFree();
    }
  }

  private TopicName.PhyRef refTopic(String topic) {
    if (!(topics.parse(topic) instanceof TopicName.PhyRef r) || !r.agent().equals(agent)) {
      throw InvalidMessageException.of("unexpected-topic", "not a ref topic of agent " + agent);
    }
    return r;
  }

  private void onBackendStatus(Received<ServiceStatus> m) {
    TopicName.BackendStatus b = backendTopic(m.topic());
    ServiceStatus s = m.value();
    if (holders.nodeStatus(b.node(), s.online())) {
      LOG.info("backend {} is {}: its holds {}", b.node(), s.online() ? "online" : "offline",
          s.online() ? "count again" : "no longer count");
    }
    if (!s.online()) {
      changes.releaseFree();
    }
  }

  private void onBackendGone(TypedSubscriber.Gone m) {
    holders.forgetNode(backendTopic(m.topic()).node());
  }

  private TopicName.BackendStatus backendTopic(String topic) {
    if (!(topics.parse(topic) instanceof TopicName.BackendStatus b)) {
      throw InvalidMessageException.of("unexpected-topic", "not a backend status topic");
    }
    return b;
  }
}

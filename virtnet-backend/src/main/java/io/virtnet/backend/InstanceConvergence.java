package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.retained.RetainedOwnership;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How one instance converges to the retained store (docs/contract.md §3): it publishes the instance's
 * retained topics ({@code device}, {@code config}, {@code ref}) through {@link RetainedOwnership} and
 * re-asserts any another client clears or overwrites; it acts on a live empty PHY state only when a
 * re-read of the retained state agrees; and its {@link ResyncWatch} republishes device and config when
 * the frontend's view keeps disagreeing. Runs on the instance's context.
 */
final class InstanceConvergence {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceConvergence.class);
  /** How long after SUBACK a retained state may take to arrive (brokers send it right after). */
  static final long REREAD_WINDOW_MS = 500;

  /** What re-asserting each owned topic means for the instance. */
  interface Owner {
    void republishDevice();

    void rewriteConfig();

    void reassertRef();
  }

  private final String instance;
  private final Vertx vertx;
  private final MqttSession session;
  private final Repairs repairs;
  private final RetainedOwnership ownership;
  private final String deviceTopic;
  private final String configTopic;
  private final String refTopic;
  private Owner owner;
  private boolean rereading;
  /** Topics in conflict, each with the timer that re-asserts it once the back-off is over. */
  private final Map<String, Long> backingOff = new HashMap<>();

  InstanceConvergence(String instance, Vertx vertx, MqttSession session, Repairs repairs, String deviceTopic,
      String configTopic, String refTopic) {
    this.instance = instance;
    this.vertx = vertx;
    this.session = session;
    this.repairs = repairs;
    this.ownership = RetainedOwnership.ofPublished(RetainedOwnership.Policy.DEFAULT, () -> System.nanoTime() / 1_000_000L);
    this.deviceTopic = deviceTopic;
    this.configTopic = configTopic;
    this.refTopic = refTopic;
  }

  void owner(Owner o) {
    this.owner = o;
  }

  /** Publishes a retained value of one of the instance's own topics (empty = clear). */
  Future<Void> publish(String topic, Buffer payload) {
    ownership.published(topic, payload.getBytes());
    return session.publish(topic, payload, true);
  }

  /** The broker came back and the session restored our values: forget the echoes still expected. */
  void reconnected() {
    ownership.reconnected();
  }

  /** A message on one of the instance's own retained topics. */
  void observed(InboundMessage m) {
    String topic = m.topic();
    RetainedOwnership.Verdict v = ownership.observed(topic, m.bytes());
    if (v.reportConflict()) {
      repairs.conflict(topic, ownership.policy().quiet().toMillis(), instance + ": another owner (instance "
          + instance + " on two nodes?)");
    }
    if (!v.reassert()) {
      return;
    }
    if (v.delay().isZero()) {
      reassert(topic, (m.payload().length() == 0 ? "cleared" : "overwritten") + " by another client");
    } else {
      // back off, not give up: if the overwriting stopped with a clear, nothing else would bring it back
      backingOff.put(topic, vertx.setTimer(Math.max(1, v.delay().toMillis()), id -> {
        backingOff.remove(topic);
        reassert(topic, "still not ours after backing off");
      }));
    }
  }

  private void reassert(String topic, String why) {
    if (ownership.reassert(topic).isEmpty()) {
      return; // the store holds our value again meanwhile
    }
    if (topic.equals(deviceTopic)) {
      repairs.repaired(Repairs.DEVICE, instance + ": device " + why);
      owner.republishDevice();
    } else if (topic.equals(configTopic)) {
      repairs.repaired(Repairs.CONFIG, instance + ": config " + why);
      owner.rewriteConfig();
    } else if (topic.equals(refTopic)) {
      repairs.repaired(Repairs.REF, instance + ": hold " + why);
      owner.reassertRef();
    }
  }

  /** The instance is being removed: no re-assert may follow its clearing writes. */
  void close() {
    backingOff.values().forEach(vertx::cancelTimer);
    backingOff.clear();
  }

  /**
   * A live empty state (the PHY gone, says a message the retained store may not confirm): re-reads the
   * retained state with a one-shot subscription. A state found is handed to {@code stateFound} (the
   * binding is kept); none within {@link #REREAD_WINDOW_MS} after SUBACK runs {@code gone}.
   */
  void liveStateGone(String stateTopic, Consumer<InboundMessage> stateFound, Runnable gone) {
    if (rereading) {
      return; // one re-read at a time; its answer covers this message too
    }
    rereading = true;
    boolean[] done = new boolean[1];
    MqttSession.Subscription[] sub = new MqttSession.Subscription[1];
    Consumer<InboundMessage> finish = found -> {
      if (done[0]) {
        return;
      }
      done[0] = true;
      rereading = false;
      if (sub[0] != null) {
        sub[0].unsubscribe();
      }
      if (found != null && found.payload().length() > 0) {
        repairs.repaired(Repairs.STATE_GONE_REFUSED, instance + ": a live empty state, but the retained store holds one");
        stateFound.accept(found);
      } else {
        gone.run();
      }
    };
    session.subscribe(stateTopic, m -> {
      // A live non-empty state during the re-read is the owner re-asserting it (the main subscription
      // drops it as a duplicate of the applied seq while still bound): newer than the gone, so it answers.
      if (m.retained() || m.payload().length() > 0) {
        finish.accept(m);
      }
    }).onSuccess(s -> {
      sub[0] = s;
      if (done[0]) {
        s.unsubscribe();
      } else {
        vertx.setTimer(REREAD_WINDOW_MS, t -> finish.accept(null));
      }
    }).onFailure(e -> {
      // no broker to ask: keep the binding; the next state settles it
      rereading = false;
      done[0] = true;
      LOG.debug("{}: re-read of {} failed: {}", instance, stateTopic, e.getMessage());
    });
  }
}

package io.virtnet.backend;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * What the node sees on the broker beyond its own instances: the PHYs' retained states, the agents'
 * statuses and the frontends' link views, as the API and the dashboard show them. Each change is
 * streamed as a change event and, where an instance is concerned (a cable pulled, a driver's carrier),
 * noted on its timeline. No I/O; use it from the node's context.
 */
final class BrokerView {
  /** Where change events go: {@code type} and the event's data, built only if somebody listens. */
  interface Events {
    void publish(String type, java.util.function.Supplier<JsonObject> data);
  }

  private final Events events;
  private final Timeline timeline;
  /** (agent, ifname) → the instances watching that PHY. */
  private final BiFunction<String, String, List<String>> watchers;
  private final Map<String, NetdevState> phys = new TreeMap<>();
  /** cpu/instance → the latest view; a hash map, as a storm updates it thousands of times a second. */
  private final Map<String, FrontendView> links = new HashMap<>();
  private final Map<String, Boolean> agents = new TreeMap<>();

  /** A frontend's link view as the API shows it. */
  record FrontendView(int cpu, String instance, LinkView view) {
    JsonObject toJson() {
      return new JsonObject().put("cpu", cpu).put("instance", instance).put("view", new JsonObject(Buffer.buffer(Codecs.LINK_VIEW.encode(view))));
    }
  }

  BrokerView(Events events, Timeline timeline, BiFunction<String, String, List<String>> watchers) {
    this.events = events;
    this.timeline = timeline;
    this.watchers = watchers;
  }

  /** A PHY's retained state; null = no such device. States older (by seq) than the one shown are skipped. */
  void phyState(String agent, String ifname, NetdevState s) {
    String key = agent + "/" + ifname;
    if (s == null) {
      if (phys.remove(key) != null) {
        events.publish("phy", () -> new JsonObject().put("agent", agent).put("ifname", ifname).put("removed", true));
      }
      return;
    }
    NetdevState old = phys.get(key);
    if (old != null && s.seq() != 0 && s.seq() < old.seq()) {
      return;
    }
    phys.put(key, s);
    if (old != null) {
      noteEdges(old, s);
    }
    events.publish("phy", () -> phyJson(s));
  }

  private void noteEdges(NetdevState old, NetdevState s) {
    boolean cable = old.carrier() != s.carrier();
    boolean adminNow = s.flags().contains(IfFlag.UP);
    boolean admin = old.flags().contains(IfFlag.UP) != adminNow;
    if (!cable && !admin) {
      return;
    }
    for (String instance : watchers.apply(s.agent(), s.ifname())) {
      if (cable) {
        timeline.record(instance, s.ifname() + " cable " + (s.carrier() ? "plugged" : "pulled"),
            s.carrier() ? "up" : "down");
      }
      if (admin) {
        timeline.record(instance, s.ifname() + " admin " + (adminNow ? "up" : "down"), adminNow ? "up" : "down");
      }
    }
  }

  /** An agent's status; null = cleared. */
  void agentStatus(String agent, Boolean online) {
    if (online == null) {
      agents.remove(agent);
    } else {
      agents.put(agent, online);
    }
  }

  /** A frontend's link view of {@code instance} on {@code cpu}; null = removed. */
  void link(int cpu, String instance, LinkView view) {
    String key = cpu + "/" + instance;
    if (view == null) {
      if (links.remove(key) != null) {
        events.publish("link", () -> new JsonObject().put("cpu", cpu).put("instance", instance).put("removed", true));
      }
      return;
    }
    FrontendView fv = new FrontendView(cpu, instance, view);
    FrontendView old = links.put(key, fv);
    if (old != null) {
      if (old.view().carrier() != view.carrier()) {
        timeline.record(instance, "driver: carrier " + (view.carrier() ? "up" : "down"), view.carrier() ? "up" : "down",
            latencyMs(view), "CPU " + cpu + ", generation " + view.generation());
      } else if (old.view().announces() != view.announces()) {
        timeline.record(instance, "driver announced (#" + view.announces() + ")", "up", latencyMs(view), null);
      }
    }
    events.publish("link", fv::toJson);
  }

  /** End to end: the view's ts minus the ts of the PHY change it reflects; null when unknown. */
  private static Double latencyMs(LinkView v) {
    if (v.phyTs() == null || v.ts() == null) {
      return null;
    }
    Duration d = Duration.between(v.phyTs(), v.ts());
    return d.isNegative() ? null : d.toNanos() / 1e6;
  }

  JsonArray physJson() {
    JsonArray a = new JsonArray();
    phys.values().forEach(s -> a.add(phyJson(s)));
    return a;
  }

  JsonArray frontendsJson() {
    JsonArray a = new JsonArray();
    new TreeMap<>(links).values().forEach(v -> a.add(v.toJson()));
    return a;
  }

  /** agent → online, as last seen. */
  Map<String, Boolean> agents() {
    return new TreeMap<>(agents);
  }

  static JsonObject phyJson(NetdevState s) {
    return new JsonObject(Buffer.buffer(Codecs.NETDEV_STATE.encode(s))).put("linkUp", s.linkUp());
  }
}

package io.virtnet.backend;

import io.vertx.core.Future;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.backend.config.InstanceConfig;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's instances by name: the config each was probed with, its verticle and deployment id (so
 * hot-plug and remove are one call each), the checks a hot-plug must pass (unique name, unique
 * (cpu, irq) pair), and the removals under way, which a hot-plug of the same name waits for. No I/O;
 * use it from the node's context.
 */
final class InstanceRegistry {
  /** One instance; its deployment id is set once the verticle started. */
  static final class Entry {
    final InstanceConfig config;
    final VirtioNetInstanceVerticle verticle;
    volatile String deploymentId;

    Entry(InstanceConfig config, VirtioNetInstanceVerticle verticle) {
      this.config = config;
      this.verticle = verticle;
    }

    boolean live() {
      return deploymentId != null;
    }
  }

  private final Map<String, Entry> entries = new LinkedHashMap<>();
  /** Names whose instance is being removed → that removal, settled (success or not). */
  private final Map<String, Future<Void>> removals = new HashMap<>();

  /** Fails with 409 when the name or the (cpu, irq) pair of {@code c} is taken. */
  void checkFree(InstanceConfig c) {
    if (entries.containsKey(c.name())) {
      throw ApiException.conflict("instance '" + c.name() + "' already exists");
    }
    for (Entry e : entries.values()) {
      if (BackendConfig.routeKey(e.config) == BackendConfig.routeKey(c)) {
        throw ApiException.conflict("cpu " + c.cpu() + " irq " + c.irq() + " is already used by '"
            + e.config.name() + "'");
      }
    }
  }

  /** Adds an instance being deployed. */
  Entry add(InstanceConfig c, VirtioNetInstanceVerticle verticle) {
    Entry e = new Entry(c, verticle);
    entries.put(c.name(), e);
    return e;
  }

  /** Removes {@code e} if it is still the entry of its name (a failed start). */
  void remove(Entry e) {
    entries.remove(e.config.name(), e);
  }

  /** The deployed instance {@code name}; fails with 404 when unknown or still starting. */
  Entry live(String name) {
    Entry e = entries.get(name);
    if (e == null || !e.live()) {
      throw ApiException.notFound("no instance '" + name + "'");
    }
    return e;
  }

  /** The deployed instance {@code name}, or null. */
  Entry find(String name) {
    Entry e = entries.get(name);
    return e != null && e.live() ? e : null;
  }

  /** Removes and returns the deployed instance {@code name}; fails with 404 as {@link #live}. */
  Entry take(String name) {
    Entry e = live(name);
    entries.remove(name);
    return e;
  }

  /**
   * Records that the instance {@code name} is being removed until {@code removal} (its undeploy: its
   * clearing publishes acknowledged) completes, successfully or not.
   */
  void removing(String name, Future<?> removal) {
    Future<Void> settled = removal.<Void>transform(ar -> Future.succeededFuture());
    removals.put(name, settled);
    settled.onComplete(ar -> removals.remove(name, settled));
  }

  /**
   * Completes once no instance {@code name} is being removed (at once when none is): a new instance of
   * that name must publish only after the old one's clears, or they would empty its retained topics.
   */
  Future<Void> removed(String name) {
    return removals.getOrDefault(name, Future.succeededFuture());
  }

  /** The deployed instances, in the order they were added. */
  List<Entry> live() {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.live()) {
        out.add(e);
      }
    }
    return out;
  }

  /** The names of the instances that watch {@code agent}/{@code phy}. */
  List<String> watching(String agent, String phy) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.config.agent().equals(agent) && e.config.phy().equals(phy)) {
        out.add(e.config.name());
      }
    }
    return out;
  }

  /** Every entry (starting ones too), and forgets them all: the node is stopping. */
  Collection<Entry> drain() {
    List<Entry> all = new ArrayList<>(entries.values());
    entries.clear();
    return all;
  }

  int size() {
    return entries.size();
  }
}

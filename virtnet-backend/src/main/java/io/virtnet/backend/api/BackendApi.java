package io.virtnet.backend.api;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.protocol.PhyCommand;

/**
 * What the HTTP API asks of a backend node. Every method may be called from any context; failures
 * are {@link ApiException}s carrying the HTTP status.
 */
public interface BackendApi {
  /** Every instance's snapshot, sorted by name. */
  Future<JsonArray> instances();

  /** One instance's snapshot; fails with 404 when unknown. */
  Future<JsonObject> instance(String name);

  /** Hot-plug: probes a new instance; fails with 409 on a duplicate name or (cpu, irq) pair. */
  Future<JsonObject> addInstance(InstanceConfig config);

  /** Hot-unplug: removes an instance; fails with 404 when unknown. */
  Future<Void> removeInstance(String name);

  /** Turns an instance's carrier-notify switch; completes with its snapshot. */
  Future<JsonObject> setCarrierNotify(String name, boolean enabled);

  /**
   * Asks an instance's driver to announce itself (sets ANNOUNCE with an IRQ), in either announce mode;
   * fails with 404 when unknown, 409 when its driver did not negotiate GUEST_ANNOUNCE. Completes with
   * its snapshot.
   */
  Future<JsonObject> announce(String name);

  /** An instance's link policy in force; fails with 404 when unknown. */
  Future<JsonObject> policy(String name);

  /** Applies a link policy to an instance live; completes with the policy in force. */
  Future<JsonObject> setPolicy(String name, LinkPolicyConfig policy);

  /** The PHYs seen on the broker with their state. */
  Future<JsonArray> phys();

  /** Publishes a sim PHY command on {@code vnet/phy/{agent}/{ifname}/cmd} (not retained). */
  Future<Void> phyCommand(String agent, String ifname, PhyCommand command);

  /** The frontends' link views seen on the broker. */
  Future<JsonArray> frontends();

  /** The last changes per instance, newest first: {@code {"instance":[{"seq","ts","what",…}, …]}}. */
  Future<JsonObject> timeline();

  /**
   * {@code {"status":"UP"|"DOWN","broker":…,"agents":{…},"agentsOffline":[…],"instancesBound":n,
   * "instancesUnbound":[…]}}: DOWN when the broker is away, an instance's agent is offline, or an
   * instance with carrier-notify on holds no PHY.
   */
  Future<JsonObject> health();

  /** The Prometheus text exposition of the node's registry. */
  String metrics();

  /**
   * Calls {@code handler} (on the caller's context) with every change event from now on:
   * {@code {"type":"instance"|"phy"|"link"|"timeline","data":{…}}}. Returns the remover; events are built only
   * while a handler is registered.
   */
  Runnable onChange(Handler<JsonObject> handler);
}

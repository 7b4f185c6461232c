package io.virtnet.frontend;

import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/** Reads a running frontend node's snapshot, for tests that check what a driver holds. */
final class NodeSnapshots {
  private NodeSnapshots() {}

  /** The snapshot of {@code instance}'s driver, on whichever CPU holds it; null when no CPU does. */
  static JsonObject driver(FrontendNodeVerticle node, String instance) throws Exception {
    JsonObject snap = node.snapshot().await(5, TimeUnit.SECONDS);
    for (Object c : snap.getJsonArray("cpus")) {
      for (Object d : ((JsonObject) c).getJsonArray("drivers")) {
        if (((JsonObject) d).getString("instance").equals(instance)) {
          return (JsonObject) d;
        }
      }
    }
    return null;
  }
}

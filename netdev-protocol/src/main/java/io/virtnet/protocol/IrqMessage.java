package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A config-change interrupt on {@code vnet/rtos/{cpu}/irq}. {@code generation} is the config
 * generation it announces. {@code phyTs} (optional, may be null) is the time of the PHY change that
 * caused it, carried so that end-to-end latency can be measured at the frontend.
 */
public record IrqMessage(int irq, String instance, int isr, long generation, Instant ts, Instant phyTs) {
  public IrqMessage {
    Names.requireInstance(instance);
    if (irq < 0 || irq > 65535 || isr < 0 || isr > 0xFF || generation < 0 || generation > 0xFFFF_FFFFL) {
      throw InvalidMessageException.of("out-of-range", "irq, isr or generation out of range");
    }
  }

  public Buffer encode() {
    JsonObject o = new JsonObject()
        .put("irq", irq)
        .put("instance", instance)
        .put("isr", isr)
        .put("generation", generation)
        .put("ts", ts.toString());
    if (phyTs != null) {
      o.put("phyTs", phyTs.toString());
    }
    return o.toBuffer();
  }

  public static IrqMessage decode(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    return new IrqMessage(
        (int) Json.integer(o, "irq", 0, 65535),
        Json.string(o, "instance"),
        (int) Json.integer(o, "isr", 0, 255),
        Json.integer(o, "generation", 0, 0xFFFF_FFFFL),
        Json.instant(o, "ts"),
        o.getValue("phyTs") == null ? null : Json.instant(o, "phyTs"));
  }
}

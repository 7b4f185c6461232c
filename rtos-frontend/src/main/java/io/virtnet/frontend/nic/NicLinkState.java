package io.virtnet.frontend.nic;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * What a forwarding driver knows about its VM's NIC: the link the backend's config asks for
 * ({@code desired}), the link the hypervisor last acknowledged ({@code told}, null before the first
 * answer), whether that is in force on the current session ({@code inSync}), and how the last call
 * went. The driver publishes this in its link view and snapshot (the JSON keys are the contract's
 * {@code qemu} object's).
 */
public record NicLinkState(
    String device,
    Boolean desired,
    Boolean told,
    boolean inSync,
    boolean qmpConnected,
    boolean qmpAnswered,
    String lastError,
    long setLinkCalls,
    long announces,
    boolean announcePending,
    Instant toldAt) {

  /**
   * The error the NIC's link view reports: while connected, the last failed call (if any); while not
   * connected, why the connection cannot be made ({@code connectionError}), else the last call's.
   */
  public String viewError(String connectionError) {
    return qmpConnected || connectionError == null ? lastError : connectionError;
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject()
        .put("device", device)
        .put("desired", desired)
        .put("told", told)
        .put("inSync", inSync)
        .put("qmpConnected", qmpConnected)
        .put("qmpAnswered", qmpAnswered)
        .put("setLinkCalls", setLinkCalls)
        .put("announces", announces)
        .put("announcePending", announcePending);
    if (lastError != null) {
      o.put("lastError", lastError);
    }
    if (toldAt != null) {
      o.put("toldAt", toldAt.toString());
    }
    return o;
  }
}

package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.nic.NicControl;
import io.virtnet.frontend.nic.NicLinkForwarder;
import io.virtnet.frontend.nic.NicLinkState;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.FrontendBinding;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of a device bound to a VM's NIC ({@code frontend: {kind: qemu, …}}): discovered, probed
 * and sequenced exactly like the reference driver (the same {@link VirtioTransport}), but instead of
 * setting a carrier of its own it tells the VM through a {@link NicControl} (QMP for QEMU):
 * {@code VIRTIO_NET_S_LINK_UP} becomes the NIC's link, a rising {@code VIRTIO_NET_S_ANNOUNCE} an
 * announce, answered to the backend with ANNOUNCE_ACK once the hypervisor took it. The guest's own
 * virtio-net driver then sees the change through the hypervisor's device model. The link view's
 * {@code carrier} is what the VM was last told; its {@code qemu} object says how the calls are doing.
 * A {@link NicLinkForwarder} coalesces, retries and re-applies on every new session, so a missing, slow
 * or restarted VM never blocks the CPU.
 */
public final class VmNicDriver implements NetDriver {
  private static final Logger LOG = LoggerFactory.getLogger(VmNicDriver.class);
  /**
   * The features this driver accepts. The guest negotiates with the hypervisor, not with us; these
   * are what QEMU's virtio-net model acts on for the link (STATUS, ANNOUNCE via CTRL_VQ) plus the
   * config fields the view shows.
   */
  public static final Set<VirtioFeature> OFFERED = Collections.unmodifiableSet(EnumSet.of(VirtioFeature.STATUS,
      VirtioFeature.CTRL_VQ, VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MAC, VirtioFeature.MTU,
      VirtioFeature.SPEED_DUPLEX));

  private final DriverContext ctx;
  private final VirtioTransport transport;
  private final Set<VirtioFeature> negotiated;
  private final FrontendBinding binding;
  private final NicControl nic;

  private NicLinkForwarder forwarder;
  private Instant lastPhyTs;
  private Boolean lastTold;
  private Future<Void> removal;

  /** A driver of {@code kind} for {@code device}, telling its VM through {@code nic} (released on removal). */
  public VmNicDriver(DeviceInfo device, DriverContext ctx, String kind, NicControl nic) {
    this.ctx = ctx;
    this.binding = Objects.requireNonNull(device.frontend(), "device has no frontend binding");
    this.transport = new VirtioTransport(device, ctx, OFFERED, kind);
    this.negotiated = transport.negotiated();
    this.nic = nic;
  }

  @Override
  public VirtioTransport transport() {
    return transport;
  }

  /** Starts forwarding (the connection comes up in the background) and probes like the reference driver. */
  @Override
  public Future<Void> probe() {
    forwarder = new NicLinkForwarder(ctx.vertx(), nic)
        .stateHandler(s -> publishView())
        .announceHandler(v -> transport.ackAnnounce());
    return transport.open(this::configChanged);
  }

  /** The config the backend wrote, as the guest would read it: tell the VM's NIC (coalesced by the forwarder). */
  private void configChanged(VirtioNetConfig config, long generation, Instant phyTs) {
    boolean up = !negotiated.contains(VirtioFeature.STATUS) || config.linkUp();
    boolean announce = negotiated.contains(VirtioFeature.GUEST_ANNOUNCE) && config.announce();
    if (phyTs != null) {
      lastPhyTs = phyTs;
    }
    forwarder.applyConfig(up, announce).onFailure(e ->
        LOG.debug("cpu {}: {} link {} not yet told to the VM ({}); kept desired", ctx.cpu(), device().instance(),
            up ? "up" : "down", e.getMessage()));
    publishView();
  }

  /** Publishes the view when the config or what the VM knows changed; carrier = what the VM was last told. */
  private void publishView() {
    if (transport.closed()) {
      return;
    }
    NicLinkState s = forwarder.state();
    if (s.told() != null && !s.told().equals(lastTold)) {
      if (lastTold != null) {
        ctx.metrics().carrierChanged();
      }
      LOG.debug("cpu {}: {} told {} link {}", ctx.cpu(), device().instance(), binding.nic(), s.told() ? "up" : "down");
      lastTold = s.told();
    }
    transport.publishIfChanged(transport.viewOf(Boolean.TRUE.equals(s.told()), lastPhyTs, nic.view(s)));
  }

  @Override
  public Future<Void> remove() {
    if (removal == null) {
      Future<Void> cleared = transport.close();
      Future<Void> stopped = forwarder == null ? Future.succeededFuture() : forwarder.close();
      Future<Void> released = stopped.transform(ar -> nic.release());
      removal = Future.join(cleared, released).<Void>mapEmpty().recover(e -> Future.succeededFuture())
          .onSuccess(v -> LOG.info("cpu {}: removed {} ({} {} on {})", ctx.cpu(), device().instance(), kind(),
              binding.nic(), binding.target()));
    }
    return removal;
  }

  @Override
  public JsonObject snapshot() {
    JsonObject o = transport.snapshotInto(new JsonObject())
        .put("frontend", new JsonObject(new java.util.LinkedHashMap<>(binding.fields())));
    if (forwarder != null) {
      NicLinkState s = forwarder.state();
      o.put("carrier", Boolean.TRUE.equals(s.told()))
          .put(binding.kind(), s.toJson())
          .put(nic.statusKey(), nic.status());
    } else {
      o.put("carrier", false);
    }
    return o;
  }
}

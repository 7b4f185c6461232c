package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference virtio-net driver, after Linux {@code drivers/net/virtio_net.c}: feature negotiation
 * and DRIVER_OK at probe, the config read of {@code virtnet_config_changed_work} on a config IRQ
 * (carrier from {@code VIRTIO_NET_S_LINK_UP}, ANNOUNCE answered with {@code ANNOUNCE_ACK}), and a
 * retained {@code link} view of what it sees. Topics and sequencing are its {@link VirtioTransport}.
 */
public final class VirtioNetDriver implements NetDriver {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioNetDriver.class);
  public static final String KIND = "virtio";
  /** The MTU a driver assumes when the device offers none ({@code ETH_DATA_LEN}). */
  public static final int DEFAULT_MTU = 1500;

  private final DriverContext ctx;
  private final VirtioTransport transport;
  private final Set<VirtioFeature> negotiated;
  private Future<Void> removal;

  // what the driver currently sees ("netdev" state)
  private boolean carrier;
  private long lastAnnounceGeneration = -1;

  public VirtioNetDriver(DeviceInfo device, DriverContext ctx) {
    this.ctx = ctx;
    this.transport = new VirtioTransport(device, ctx, ctx.driverFeatures(), KIND);
    this.negotiated = transport.negotiated();
    // as virtnet_probe: carrier off until the config says otherwise; without STATUS the link is always up
    this.carrier = !negotiated.contains(VirtioFeature.STATUS);
  }

  @Override
  public VirtioTransport transport() {
    return transport;
  }

  @Override
  public Future<Void> probe() {
    return transport.open(this::configChanged);
  }

  /** As {@code virtnet_config_changed_work}: read status, answer ANNOUNCE, set the carrier. */
  private void configChanged(VirtioNetConfig config, long generation, Instant phyTs) {
    if (config.announce() && negotiated.contains(VirtioFeature.GUEST_ANNOUNCE)
        && generation != lastAnnounceGeneration) {
      lastAnnounceGeneration = generation;
      transport.ackAnnounce();
    }
    boolean newCarrier = !negotiated.contains(VirtioFeature.STATUS) || config.linkUp();
    if (newCarrier != carrier) {
      ctx.metrics().carrierChanged();
      LOG.debug("cpu {}: {} carrier {} (generation {})", ctx.cpu(), device().instance(), newCarrier ? "on" : "off", generation);
    }
    carrier = newCarrier;
    transport.publishIfChanged(transport.viewOf(carrier, phyTs, null));
  }

  @Override
  public Future<Void> remove() {
    if (removal == null) {
      removal = transport.close().onSuccess(v -> LOG.info("cpu {}: removed {}", ctx.cpu(), device().instance()));
    }
    return removal;
  }

  @Override
  public JsonObject snapshot() {
    return transport.snapshotInto(new JsonObject()).put("carrier", carrier);
  }
}

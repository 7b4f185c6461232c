package io.virtnet.frontend.driver;

import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.VirtioFeature;
import java.util.Set;

/**
 * What every driver shares: the device, the negotiated features and the {@link DeviceChannel} that
 * sequences IRQs and configs and publishes the view. A driver adds what it does with an applied config.
 */
abstract class ChannelDriver implements NetDriver {
  protected final DeviceInfo device;
  protected final DriverContext ctx;
  protected final Set<VirtioFeature> negotiated;
  protected final DeviceChannel channel;
  private final String kind;

  ChannelDriver(DeviceInfo device, DriverContext ctx, Set<VirtioFeature> driverFeatures, String kind) {
    this.device = device;
    this.ctx = ctx;
    this.kind = kind;
    this.negotiated = VirtioFeature.negotiate(device.deviceFeatures(), driverFeatures);
    this.channel = new DeviceChannel(device, ctx, negotiated, kind);
  }

  @Override
  public final DeviceInfo device() {
    return device;
  }

  @Override
  public final String kind() {
    return kind;
  }

  /** The features both sides agreed on. */
  public final Set<VirtioFeature> negotiated() {
    return negotiated;
  }

  @Override
  public void onReconnect() {
    // the backend may have restarted and lost DRIVER_OK; the retained config resyncs on its own
    channel.sendDriverFeatures();
  }

  @Override
  public final void handleIrq(IrqMessage irq) {
    channel.handleIrq(irq);
  }

  @Override
  public final void handleConfig(Buffer payload, boolean retained) {
    channel.handleConfig(payload, retained);
  }

  @Override
  public final LinkView view() {
    return channel.view();
  }
}

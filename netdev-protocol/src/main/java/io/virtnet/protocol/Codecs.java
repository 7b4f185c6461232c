package io.virtnet.protocol;

import java.util.List;

/** One shared codec per message kind of the contract (docs/contract.md §4). */
public final class Codecs {
  /** No JSON payload of the contract comes near this; anything larger is rejected unread. */
  public static final int MAX_PAYLOAD_BYTES = Json.MAX_PAYLOAD_BYTES;

  /** {@code vnet/phy/{agent}/{ifname}/state}. */
  public static final Codec<NetdevState> NETDEV_STATE = new NetdevCodec.StateCodec();
  /** {@code vnet/phy/{agent}/{ifname}/event}. */
  public static final Codec<NetdevEvent> NETDEV_EVENT = new NetdevCodec.EventCodec();
  /** {@code vnet/phy/{agent}/status} and {@code vnet/backend/{node}/status}. */
  public static final Codec<ServiceStatus> SERVICE_STATUS = new ServiceStatusCodec();
  /** {@code vnet/phy/{agent}/{ifname}/ref/{holder}} (a non-empty payload: the hold). */
  public static final Codec<RefHold> REF_HOLD = new RefHoldCodec();
  /** {@code vnet/phy/{agent}/{ifname}/cmd}. */
  public static final Codec<PhyCommand> PHY_COMMAND = new PhyCommandCodec();
  /** {@code vnet/virtio/{instance}/device} (a non-empty payload: the device). */
  public static final Codec<DeviceInfo> DEVICE = new DeviceInfoCodec();
  /** {@code vnet/virtio/{instance}/config}: {@code u32le generation} + {@code virtio_net_config}. */
  public static final Codec<VirtioNetConfig.Generational> CONFIG = new ConfigCodec();
  /** {@code vnet/virtio/{instance}/ctrl}. */
  public static final Codec<CtrlMessage> CTRL = new CtrlCodec();
  /** {@code vnet/rtos/{cpu}/irq}: the list form, or contract 1's single form on input. */
  public static final Codec<IrqMessage> IRQ = new IrqCodec();
  /** {@code vnet/rtos/{cpu}/{instance}/link}. */
  public static final Codec<LinkView> LINK_VIEW = new LinkViewCodec();

  /** Every codec, for tests that feed each one the same hostile input. */
  public static final List<Codec<?>> ALL = List.of(NETDEV_STATE, NETDEV_EVENT, SERVICE_STATUS, REF_HOLD,
      PHY_COMMAND, DEVICE, CONFIG, CTRL, IRQ, LINK_VIEW);

  private Codecs() {}
}

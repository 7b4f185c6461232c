package io.virtnet.protocol;


/**
 * Which driver kind an RTOS frontend should probe for a device: the reference virtio driver
 * ({@code null} binding) or {@code {"kind":"qemu","qmp":"unix:/path"|"tcp:host:port","device":"nic0"}}.
 */
public record FrontendBinding(String kind, String qmp, String device) {
  public FrontendBinding {
    if (!"qemu".equals(kind)) {
      throw InvalidMessageException.of("unknown-value", "frontend kind must be 'qemu', got '" + Names.printable(kind) + "'");
    }
    if (qmp == null || !(qmp.startsWith("unix:") && qmp.length() > 5 || qmp.matches("tcp:[^:]+:\\d{1,5}"))) {
      throw InvalidMessageException.of("out-of-range", "frontend qmp must be unix:PATH or tcp:HOST:PORT, got '" + Names.printable(qmp) + "'");
    }
    if (device == null || !device.matches("[A-Za-z][A-Za-z0-9._-]{0,63}")) {
      throw InvalidMessageException.of("invalid-name", "frontend device must be a QEMU id, got '" + Names.printable(device) + "'");
    }
  }
}

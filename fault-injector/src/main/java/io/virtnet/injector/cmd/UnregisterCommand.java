package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;

/** {@code unregister IFNAME}: Unregisters the sim PHY (NETDEV_UNREGISTER; waits for references). */
@Command(name = "unregister", mixinStandardHelpOptions = true, description = "Unregisters the sim PHY (NETDEV_UNREGISTER; waits for references).")
public final class UnregisterCommand extends PhyCommandBase {
  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.UNREGISTER, null);
  }
}

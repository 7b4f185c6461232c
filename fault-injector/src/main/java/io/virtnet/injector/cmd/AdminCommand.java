package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code admin IFNAME up|down}: Sets the sim PHY administratively up or down (ip link set IFNAME up|down). */
@Command(name = "admin", mixinStandardHelpOptions = true, description = "Sets the sim PHY administratively up or down (ip link set IFNAME up|down).")
public final class AdminCommand extends PhyCommandBase {
  @Parameters(index = "1", paramLabel = "up|down", description = "IFF_UP set or cleared")
  String value;

  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.ADMIN, Converters.UpDown.parse(value));
  }
}

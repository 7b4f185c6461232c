package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mtu IFNAME N}: Sets the sim PHY's MTU (68..65535). */
@Command(name = "mtu", mixinStandardHelpOptions = true, description = "Sets the sim PHY's MTU (68..65535).")
public final class MtuCommand extends PhyCommandBase {
  @Parameters(index = "1", paramLabel = "N", description = "68..65535")
  int value;

  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.MTU, value);
  }
}

package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;

/** {@code register IFNAME}: Registers the sim PHY (NETDEV_REGISTER). */
@Command(name = "register", mixinStandardHelpOptions = true, description = "Registers the sim PHY (NETDEV_REGISTER).")
public final class RegisterCommand extends PhyCommandBase {
  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.REGISTER, null);
  }
}

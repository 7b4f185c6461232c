package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code address IFNAME MAC}: Sets the sim PHY's MAC address, e.g. 52:54:00:12:34:56. */
@Command(name = "address", mixinStandardHelpOptions = true, description = "Sets the sim PHY's MAC address, e.g. 52:54:00:12:34:56.")
public final class AddressCommand extends PhyCommandBase {
  @Parameters(index = "1", paramLabel = "MAC", description = "xx:xx:xx:xx:xx:xx")
  String value;

  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.ADDRESS, value);
  }
}

package io.virtnet.injector.cmd;

import io.virtnet.protocol.PhyCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code carrier IFNAME on|off}: Sets the sim PHY's carrier (cable in or out). */
@Command(name = "carrier", mixinStandardHelpOptions = true, description = "Sets the sim PHY's carrier (cable in or out).")
public final class CarrierCommand extends PhyCommandBase {
  @Parameters(index = "1", paramLabel = "on|off", description = "carrier on (cable in) or off (cable out)")
  String value;

  @Override
  PhyCommand command() {
    return PhyCommand.of(PhyCommand.Op.CARRIER, Converters.OnOff.parse(value));
  }
}

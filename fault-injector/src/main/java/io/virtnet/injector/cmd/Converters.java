package io.virtnet.injector.cmd;

import io.virtnet.runtime.cli.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Argument converters; a bad value is a usage error (exit 2). */
public final class Converters {
  private Converters() {}

  // on|off and up|down are parsed from strings: picocli treats boolean-typed parameters as flags.

  static final class OnOff {
    static boolean parse(String s) {
      return switch (s) {
        case "on" -> true;
        case "off" -> false;
        default -> throw new IllegalArgumentException("expected on or off, got '" + s + "'");
      };
    }
  }

  static final class UpDown {
    static boolean parse(String s) {
      return switch (s) {
        case "up" -> true;
        case "down" -> false;
        default -> throw new IllegalArgumentException("expected up or down, got '" + s + "'");
      };
    }
  }

  /** A duration such as 10s, 500ms, 2m. */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String s) {
      try {
        return Durations.parse(s);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Mbit/s, or {@code unknown} for -1 (ethtool's SPEED_UNKNOWN). */
  static final class Speed implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String s) {
      if (s.equals("unknown")) {
        return -1;
      }
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("expected a speed in Mbit/s or 'unknown', got '" + s + "'");
      }
    }
  }
}

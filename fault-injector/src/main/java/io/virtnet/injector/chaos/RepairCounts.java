package io.virtnet.injector.chaos;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code vnet_repairs_total{kind}} summed over every run of a service: a SIGKILLed process takes its
 * counters with it, so the last scrape of each run is kept and the runs are added up. Pure.
 */
public final class RepairCounts {
  private static final Pattern LINE = Pattern.compile("^vnet_repairs_total\\{([^}]*)}\\s+(\\S+)$", Pattern.MULTILINE);
  private static final Pattern KIND = Pattern.compile("kind=\"([^\"]*)\"");

  private final Map<String, Map<String, Long>> lastByRun = new HashMap<>();

  /** kind → count in one Prometheus scrape. */
  public static Map<String, Long> parse(String prometheus) {
    Map<String, Long> m = new TreeMap<>();
    Matcher line = LINE.matcher(prometheus);
    while (line.find()) {
      Matcher kind = KIND.matcher(line.group(1));
      if (kind.find()) {
        m.merge(kind.group(1), Math.round(Double.parseDouble(line.group(2))), Long::sum);
      }
    }
    return m;
  }

  /** Records the latest scrape of run {@code run} (e.g. "backend#3"). */
  public void scraped(String run, Map<String, Long> counts) {
    lastByRun.put(run, Map.copyOf(counts));
  }

  /** kind → total over every run. */
  public Map<String, Long> totals() {
    Map<String, Long> t = new TreeMap<>();
    lastByRun.values().forEach(m -> m.forEach((k, n) -> t.merge(k, n, Long::sum)));
    return t;
  }
}

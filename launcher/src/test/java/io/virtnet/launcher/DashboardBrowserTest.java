package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium against the default stack (agent, backend, frontends on
 * the shared broker): what a board engineer sees and clicks. Chromium may reach nothing but
 * 127.0.0.1, and Selenium Manager never runs (the Debian chromium and chromedriver are given).
 */
@Tag("browser")
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class DashboardBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  /** The bound for a cable pull to show on the page. */
  private static final Duration THREE_SECONDS = Duration.ofSeconds(3);
  private static final Duration STARTUP = Duration.ofSeconds(20);
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");

  private static ChromeDriver browser;
  private static Path profile;

  private String p;
  private InProcessStack stack;

  @BeforeAll
  static void startBrowser() throws IOException {
    for (Path binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(binary)) {
        String reason = binary + " is missing: install the Debian packages chromium and chromium-driver";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          fail(reason);
        }
        Assumptions.abort(reason);
      }
    }
    // nothing may be downloaded: no Selenium Manager, no statistics
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    System.setProperty("SE_OFFLINE", "true");
    System.setProperty("SE_AVOID_STATS", "true");
    profile = Files.createTempDirectory("vnet-chromium-");
    ChromeOptions options = new ChromeOptions()
        .setBinary(CHROMIUM.toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=" + profile, "--window-size=1280,800",
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
        .usingAnyFreePort()
        .build();
    browser = new ChromeDriver(service, options);
    // the viewport, not the window, is to be 1280x800 (what the README's screenshot shows)
    browser.manage().window().setSize(new Dimension(1280, 800));
    long innerHeight = (Long) browser.executeScript("return window.innerHeight");
    browser.manage().window().setSize(new Dimension(1280, 800 + (int) (800 - innerHeight)));
  }

  @AfterAll
  static void quitBrowser() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  @BeforeEach
  void openDashboardOnTheDefaultStack(Vertx vertx, EmbeddedBroker broker) throws Exception {
    p = TestMqtt.uniquePrefix();
    stack = TestStacks.deploy(vertx, broker, TestStacks.defaultOptions(p));
    browser.get("http://127.0.0.1:" + stack.httpPort() + "/");
    // GIVEN the page is live and every frontend driver reports carrier
    waitUp(STARTUP).until(d -> "live".equals(d.findElement(By.id("sse-state")).getDomAttribute("data-state")));
    for (String instance : List.of("virtio-net0", "virtio-net1", "virtio-net2")) {
      waitUp(STARTUP).until(ExpectedConditions.textToBe(instanceCarrier(instance), "up"));
      waitUp(STARTUP).until(ExpectedConditions.textToBe(driverCarrier(instance), "up"));
    }
  }

  @AfterEach
  void stopStack() throws Exception {
    if (stack != null) {
      stack.stop().await(20, TimeUnit.SECONDS);
    }
  }

  private static WebDriverWait waitUp(Duration d) {
    WebDriverWait w = new WebDriverWait(browser, d, Duration.ofMillis(50));
    w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return w;
  }

  private static By instanceCarrier(String instance) {
    return By.cssSelector("#instances tr[data-instance='" + instance + "'] td[data-field='carrier']");
  }

  private static By driverCarrier(String instance) {
    return By.cssSelector("#cpus .driver[data-link='" + instance + "'] [data-field='carrier']");
  }

  private static String text(By by) {
    return browser.findElement(by).getText();
  }

  private static void click(String css) {
    waitUp(THREE_SECONDS).until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).click();
  }

  private static void awaitText(By by, String text, Duration within) {
    waitUp(within).until(ExpectedConditions.textToBe(by, text));
  }

  @Test
  void pageShowsTheDefaultStack_twoPhysThreeInstancesAndCpusTwoAndThree() {
    List<WebElement> phys = browser.findElements(By.cssSelector("#phys tbody tr"));
    assertThat(phys).extracting(r -> r.getDomAttribute("data-phy")).containsExactly("eth0", "eth1");
    assertThat(text(By.cssSelector("#phys tr[data-phy='eth0'] td[data-field='agent']"))).isEqualTo("linux0");
    assertThat(text(By.cssSelector("#phys tr[data-phy='eth0'] td[data-field='carrier']"))).isEqualTo("up");
    assertThat(text(By.cssSelector("#phys tr[data-phy='eth0'] td[data-field='admin']"))).isEqualTo("up");

    List<WebElement> instances = browser.findElements(By.cssSelector("#instances tbody tr"));
    assertThat(instances).extracting(r -> r.getDomAttribute("data-instance"))
        .containsExactly("virtio-net0", "virtio-net1", "virtio-net2");
    assertThat(text(By.cssSelector("#instances tr[data-instance='virtio-net1'] td[data-field='phy']")))
        .isEqualTo("linux0/eth1");
    assertThat(text(By.cssSelector("#instances tr[data-instance='virtio-net0'] td[data-field='held']")))
        .isEqualTo("held");

    List<WebElement> cpus = browser.findElements(By.cssSelector("#cpus .cpu"));
    assertThat(cpus).extracting(c -> c.getDomAttribute("data-cpu")).containsExactly("2", "3");
    assertThat(browser.findElements(By.cssSelector("#cpus .cpu[data-cpu='2'] .driver"))).hasSize(2);
    assertThat(browser.findElements(By.cssSelector("#cpus .cpu[data-cpu='3'] .driver"))).hasSize(1);
    waitUp(THREE_SECONDS).until(d -> d.findElement(By.id("health")).getText().startsWith("health UP"));
  }

  @Test
  void pullCable_turnsVirtioNet0AndVirtioNet2DownWithin3s_andPlugBringsThemBack() throws IOException {
    click("button.pull-cable[data-phy='eth0']");
    awaitText(instanceCarrier("virtio-net0"), "down", THREE_SECONDS);
    awaitText(instanceCarrier("virtio-net2"), "down", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net0"), "down", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net2"), "down", THREE_SECONDS);
    assertThat(text(instanceCarrier("virtio-net1"))).as("virtio-net1 is on eth1, which kept its cable").isEqualTo("up");
    assertThat(text(By.cssSelector("#phys tr[data-phy='eth0'] td[data-field='carrier']"))).isEqualTo("down");

    click("button.plug-cable[data-phy='eth0']");
    awaitText(instanceCarrier("virtio-net0"), "up", THREE_SECONDS);
    awaitText(instanceCarrier("virtio-net2"), "up", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net0"), "up", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net2"), "up", THREE_SECONDS);
    // the timeline shows the driver's carrier change with its end-to-end latency
    waitUp(THREE_SECONDS).until(d -> d.findElement(By.cssSelector("[data-timeline='virtio-net0'] ol")).getText()
        .matches("(?s).*driver: carrier up\\s+[0-9.]+ m?s.*"));

    // the README's picture: eth1 pulled, so both states show
    click("button.pull-cable[data-phy='eth1']");
    awaitText(driverCarrier("virtio-net1"), "down", THREE_SECONDS);
    screenshot("dashboard.png");
  }

  @Test
  void carrierNotifyToggle_offKeepsTheInstanceUpOnACablePull_onMakesItFollow() {
    By toggle = By.cssSelector("button.toggle-notify[data-instance='virtio-net0']");
    click("button.toggle-notify[data-instance='virtio-net0']");
    waitUp(THREE_SECONDS).until(ExpectedConditions.attributeToBe(toggle, "aria-pressed", "false"));

    click("button.pull-cable[data-phy='eth0']");
    // virtio-net2 shares eth0 and still follows it: once it is down, the pull has been seen
    awaitText(instanceCarrier("virtio-net2"), "down", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net2"), "down", THREE_SECONDS);
    assertThat(text(instanceCarrier("virtio-net0"))).as("carrier-notify off: status keeps LINK_UP").isEqualTo("up");
    assertThat(text(driverCarrier("virtio-net0"))).isEqualTo("up");

    click("button.toggle-notify[data-instance='virtio-net0']");
    waitUp(THREE_SECONDS).until(ExpectedConditions.attributeToBe(toggle, "aria-pressed", "true"));
    awaitText(instanceCarrier("virtio-net0"), "down", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net0"), "down", THREE_SECONDS);

    click("button.plug-cable[data-phy='eth0']");
    awaitText(instanceCarrier("virtio-net0"), "up", THREE_SECONDS);
    awaitText(instanceCarrier("virtio-net2"), "up", THREE_SECONDS);
  }

  @Test
  void hotPlugFormProbesAnInstance_andRemoveTakesItAway() {
    browser.findElement(By.id("hp-name")).sendKeys("virtio-net7");
    new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("hp-phy"))).selectByValue("linux0/eth1");
    WebElement cpu = browser.findElement(By.id("hp-cpu"));
    cpu.clear();
    cpu.sendKeys("3");
    WebElement irq = browser.findElement(By.id("hp-irq"));
    irq.clear();
    irq.sendKeys("47");
    click("#hp-submit");
    awaitText(instanceCarrier("virtio-net7"), "up", THREE_SECONDS);
    awaitText(driverCarrier("virtio-net7"), "up", THREE_SECONDS);

    click("button.remove-instance[data-instance='virtio-net7']");
    waitUp(THREE_SECONDS).until(ExpectedConditions.numberOfElementsToBe(
        By.cssSelector("#instances tr[data-instance='virtio-net7']"), 0));
    waitUp(THREE_SECONDS).until(ExpectedConditions.numberOfElementsToBe(
        By.cssSelector("#cpus .driver[data-link='virtio-net7']"), 0));
  }

  @Test
  void adminDown_turnsThePhyAndItsInstanceDown_andAdminUpRestoresThem() {
    click("button.admin-down[data-phy='eth1']");
    awaitText(By.cssSelector("#phys tr[data-phy='eth1'] td[data-field='admin']"), "down", THREE_SECONDS);
    awaitText(instanceCarrier("virtio-net1"), "down", THREE_SECONDS);
    click("button.admin-up[data-phy='eth1']");
    awaitText(By.cssSelector("#phys tr[data-phy='eth1'] td[data-field='admin']"), "up", THREE_SECONDS);
    awaitText(instanceCarrier("virtio-net1"), "up", THREE_SECONDS);
  }

  private static void screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    browser.executeScript("document.getElementById('toast').style.display = 'none'; window.scrollTo(0, 0)");
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}

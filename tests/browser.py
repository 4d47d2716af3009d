"""Headless Chromium for tests: Debian's ``chromium`` and ``chromium-driver``, driven by ``selenium``.

Missing pieces skip the test with the reason (fail under ``CI=true``, where ``.ci/run`` installs them).
"""

from __future__ import annotations

import base64
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

from optional_tools import require_executable, require_module

# Without these, Chromium on a machine with no network stalls on its background services.
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")
INSTALL = "apt-get install chromium chromium-driver (the stepper page is tested in a real browser)"


@contextlib.contextmanager
def chromium(width: int = 1400, height: int = 900) -> Iterator[Any]:
    """A fresh headless Chromium (its own profile directory) as a selenium WebDriver, quit afterwards."""
    for program in ("chromium", "chromedriver"):
        require_executable(program, INSTALL)
    require_module("selenium", "pip install selenium (in the test extra)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="tg-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium")
        for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def console_errors(driver: Any) -> list[str]:
    """Errors the page logged (script errors, failed loads) since the last call."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def picture_stats(driver: Any, png: bytes) -> dict[str, float]:
    """How much a PNG shows, decoded by the browser: its size, the share of pixels unlike the most common colour
    (the background), and how many colours it has."""
    url = "data:image/png;base64," + base64.b64encode(png).decode()
    return driver.execute_async_script("""
        const [url, done] = arguments;
        const image = new Image();
        image.onload = () => {
          const canvas = document.createElement("canvas");
          canvas.width = image.width;
          canvas.height = image.height;
          const context = canvas.getContext("2d");
          context.drawImage(image, 0, 0);
          const pixels = context.getImageData(0, 0, image.width, image.height).data;
          const counts = new Map();
          for (let i = 0; i < pixels.length; i += 4) {
            const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
            counts.set(key, (counts.get(key) || 0) + 1);
          }
          const background = Math.max(...counts.values());
          const total = pixels.length / 4;
          done({width: image.width, height: image.height, drawn: 1 - background / total, colours: counts.size});
        };
        image.src = url;
    """, url)

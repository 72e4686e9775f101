"""Headless Chromium as a printer: lay a page out for print on A4 and report what overflows, and print it to PDF."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from chromium_cdp import CHROMIUM, QUIET_FLAGS, _free_port

# A4 less the page's 12 mm margins, in CSS pixels (96 per inch): 186 mm wide.
A4_CONTENT_WIDTH_PX = round(186 / 25.4 * 96)

OVERFLOW_JS = """
(() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('table, svg')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 0.5 || el.scrollWidth > el.clientWidth + 1 && el.tagName === 'TABLE') {
      out.push(el.tagName + ' ' + (el.getAttribute('aria-label') || el.querySelector('th')?.textContent || '')
               + ' right=' + Math.round(r.right) + ' width=' + width);
    }
  }
  return JSON.stringify({width, overflowing: out, text: document.body.innerText});
})()
"""


def print_layout(url: str, user_data_dir: Path) -> tuple[dict[str, Any], bytes]:
    """The page laid out as print media at A4's content width: (its width, the tables and charts wider than
    it, its text), and the PDF Chromium prints from it with the page's own @page size."""
    from websockets.sync.client import connect

    port = _free_port()
    proc = subprocess.Popen(
        [CHROMIUM, *QUIET_FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-address=127.0.0.1",
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline, targets = time.monotonic() + 30, None
        while time.monotonic() < deadline and not targets:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as resp:
                    targets = [t for t in json.load(resp) if t.get("type") == "page"]
            except OSError:
                time.sleep(0.1)
        assert targets, "Chromium DevTools endpoint did not come up"
        with connect(targets[0]["webSocketDebuggerUrl"], max_size=None) as ws:
            ids = iter(range(1, 1000))

            def call(method: str, params: dict | None = None, wait_event: str | None = None) -> dict:
                my_id = next(ids)
                ws.send(json.dumps({"id": my_id, "method": method, "params": params or {}}))
                result, seen_event = None, wait_event is None
                end = time.monotonic() + 30
                while time.monotonic() < end and (result is None or not seen_event):
                    msg = json.loads(ws.recv(timeout=max(0.05, end - time.monotonic())))
                    if msg.get("id") == my_id:
                        result = msg.get("result", msg)
                    if wait_event and msg.get("method") == wait_event:
                        seen_event = True
                return result or {}

            call("Page.enable")
            call("Emulation.setEmulatedMedia", {"media": "print"})
            call("Emulation.setDeviceMetricsOverride",
                 {"width": A4_CONTENT_WIDTH_PX, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
            call("Page.navigate", {"url": url}, wait_event="Page.loadEventFired")
            layout = call("Runtime.evaluate", {"expression": OVERFLOW_JS, "returnByValue": True})
            pdf = call("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
        return json.loads(layout["result"]["value"]), base64.b64decode(pdf["data"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

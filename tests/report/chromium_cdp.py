"""Headless Chromium helpers: dump the rendered DOM, and record every request a page makes (DevTools protocol)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUIET_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-default-apps", "--disable-extensions",
    "--no-default-browser-check", "--metrics-recording-only", "--mute-audio",
]


def available() -> bool:
    return Path(CHROMIUM).exists()


def dump_dom(url: str, user_data_dir: Path) -> str:
    out = subprocess.run(
        [CHROMIUM, *QUIET_FLAGS, f"--user-data-dir={user_data_dir}", "--dump-dom", url],
        capture_output=True, text=True, timeout=60, check=True,
    )
    return out.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record_requests(urls: list[str], user_data_dir: Path, settle_seconds: float = 0.5) -> list[str]:
    """Load each URL in one headless Chromium; return the URL of every Network.requestWillBeSent."""
    from websockets.sync.client import connect

    port = _free_port()
    proc = subprocess.Popen(
        [CHROMIUM, *QUIET_FLAGS, f"--user-data-dir={user_data_dir}", "--remote-debugging-address=127.0.0.1",
         f"--remote-debugging-port={port}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 30
        targets = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as resp:
                    targets = [t for t in json.load(resp) if t.get("type") == "page"]
                if targets:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        assert targets, "Chromium DevTools endpoint did not come up"
        with connect(targets[0]["webSocketDebuggerUrl"], max_size=None) as ws:
            next_id = 0

            def send(method: str, params: dict | None = None) -> int:
                nonlocal next_id
                next_id += 1
                ws.send(json.dumps({"id": next_id, "method": method, "params": params or {}}))
                return next_id

            def pump(until_event: str | None, until_id: int | None, timeout: float) -> None:
                end = time.monotonic() + timeout
                while time.monotonic() < end:
                    try:
                        msg = json.loads(ws.recv(timeout=max(0.05, end - time.monotonic())))
                    except TimeoutError:
                        return
                    if msg.get("method") == "Network.requestWillBeSent":
                        seen.append(msg["params"]["request"]["url"])
                    if until_event and msg.get("method") == until_event:
                        return
                    if until_id is not None and msg.get("id") == until_id:
                        return

            pump(None, send("Network.enable"), 10)
            pump(None, send("Page.enable"), 10)
            for url in urls:
                send("Page.navigate", {"url": url})
                pump("Page.loadEventFired", None, 20)
                pump(None, None, settle_seconds)  # late requests (fonts, images) after load
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return seen

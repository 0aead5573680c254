# SPDX-License-Identifier: GPL-3.0-or-later
"""A small driver for headless Chromium over its DevTools protocol.

Chromium is started with --remote-debugging-pipe: it reads commands on its
fd 3 and writes replies and events on its fd 4, each message one JSON text
ended by a NUL byte. Only the Python standard library is used. One page,
attached with a flat session; calls are synchronous.

    with Browser() as b:
        b.goto("http://127.0.0.1:8470/")
        b.wait_for("document.getElementById('force').textContent !== '-'")
        b.click("#btn-mark")
        b.screenshot("live.png")
"""

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time


class CDPError(Exception):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    def __init__(self, width=1400, height=1000, chromium=None, log_path=None):
        exe = chromium or find_chromium()
        if not exe:
            raise CDPError("chromium not found: apt-get install chromium (scripts/setup)")
        self.profile = tempfile.mkdtemp(prefix="rollmat-chromium-")
        # Our ends: we write to_chrome[1] (its fd 3), read from_chrome[0] (its fd 4).
        to_chrome = os.pipe()
        from_chrome = os.pipe()
        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--window-size=%d,%d" % (width, height), "about:blank"]

        def child_fds():
            os.dup2(to_chrome[0], 3)
            os.dup2(from_chrome[1], 4)

        log = open(log_path or os.devnull, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     pass_fds=(3, 4), preexec_fn=child_fds)
        log.close()
        os.close(to_chrome[0])
        os.close(from_chrome[1])
        self.w = to_chrome[1]
        self.r = from_chrome[0]
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None
        self.width, self.height = width, height
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.proc:
            try:
                self.call("Browser.close", session=False, timeout=5)
            except Exception:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            os.close(self.w)
            os.close(self.r)
            shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise CDPError("no answer from chromium in time")
            import select
            ready, _, _ = select.select([self.r], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise CDPError("chromium closed its pipe (did it crash?)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)
            del self.events[:-200]

    def goto(self, url, timeout=30):
        self.call("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'", timeout)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CDPError("%s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def wait_for(self, expr, timeout=30, poll=0.05):
        """Waits until the page's expression is truthy (the page is polled:
        its state lives in the browser) and returns its value."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.eval(expr)
            if v:
                return v
            if time.monotonic() > deadline:
                raise CDPError("timed out waiting for: " + expr)
            time.sleep(poll)

    def click(self, selector):
        """A real click: mouse pressed and released at the element's centre."""
        box = self.eval("(() => { const e = document.querySelector(%s);"
                        " e.scrollIntoView({block: 'center'});"
                        " const r = e.getBoundingClientRect();"
                        " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
                        % json.dumps(selector))
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                   "button": "left", "clickCount": 1})

    def type(self, selector, text):
        """Focuses the element, clears it and types text as keyboard input."""
        self.eval("(() => { const e = document.querySelector(%s); e.focus(); e.value = '';"
                  " })()" % json.dumps(selector))
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

// Runs a matrix of cross-origin fetch() calls and reports what the BROWSER concluded:
// whether each call resolved or was rejected (a CORS failure is a TypeError), the
// status, which response headers the script may read, and the body. Loaded by
// page.html; driven over WebDriver by tests/tests/browser/.
//
// A call is {url, method, headers: {name: value}, body, credentials: bool, cache, probe: [names]}.
"use strict";

async function runCalls(calls) {
  const out = [];
  for (const c of calls) {
    const init = {
      method: c.method,
      headers: c.headers || {},
      mode: "cors",
      // Keep the HTTP cache out of it: every call must reach nginx. Chromium also
      // skips its preflight cache for "no-store" (it maps to LOAD_DISABLE_CACHE), so
      // the preflight-cache scenario asks for "default".
      cache: c.cache || "no-store",
      credentials: c.credentials ? "include" : "same-origin",
    };
    if (c.body !== null && c.body !== undefined) {
      init.body = c.body;
    }
    try {
      const res = await fetch(c.url, init);
      // Iterating a CORS response's headers yields only what the script may read:
      // the CORS-safelisted response headers and the exposed ones.
      const headers = [];
      res.headers.forEach((_value, name) => headers.push(name));
      headers.sort();
      const probe = {};
      for (const name of c.probe || []) {
        probe[name] = res.headers.get(name);
      }
      const body = await res.text();
      out.push({ outcome: "resolved", status: res.status, type: res.type, headers, probe, body });
    } catch (e) {
      out.push({ outcome: e && e.name ? e.name : "error", message: String(e && e.message) });
    }
  }
  return out;
}

// The same matrix from a sandboxed iframe without allow-same-origin: its origin is
// opaque, so its requests carry `Origin: null`.
function runSandboxed(calls) {
  return new Promise((resolve, reject) => {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-scripts");
    const timer = setTimeout(() => reject(new Error("sandboxed frame did not answer")), 20000);
    window.addEventListener("message", function onMessage(ev) {
      if (ev.source !== frame.contentWindow) {
        return;
      }
      window.removeEventListener("message", onMessage);
      clearTimeout(timer);
      resolve(ev.data);
    });
    const script =
      '"use strict";\n' +
      runCalls.toString() +
      "\nrunCalls(" + JSON.stringify(calls) + ")" +
      ".then(r => parent.postMessage(r, '*'), e => parent.postMessage([{outcome: 'error', message: String(e)}], '*'));";
    frame.srcdoc = "<!doctype html><script>" + script.replace(/<\//g, "<\\/") + "</" + "script>";
    document.body.appendChild(frame);
  });
}

window.runCalls = runCalls;
window.runSandboxed = runSandboxed;

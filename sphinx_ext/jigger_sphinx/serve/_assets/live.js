// jigger-docs: reload the page after a new build, show failed builds.
// Added to every served HTML page by jigger_sphinx.serve (never written into
// the build). It waits on the status next to this script's own URL.
(function () {
  "use strict";
  var me = document.querySelector("script[data-jigger-build]");
  if (!me || !window.fetch) {
    return;
  }
  var pageBuild = me.getAttribute("data-jigger-build");
  var statusUrl = new URL("status", me.src).href;
  var bannerId = "jigger-build-failed";

  function hideBanner() {
    var old = document.getElementById(bannerId);
    if (old) {
      old.parentNode.removeChild(old);
    }
  }

  function showBanner(status) {
    var text = status.errors.join("\n");
    var banner = document.getElementById(bannerId);
    if (banner && banner.getAttribute("data-text") === text) {
      return;
    }
    hideBanner();
    banner = document.createElement("div");
    banner.id = bannerId;
    banner.setAttribute("role", "alert");
    banner.setAttribute("data-text", text);
    banner.style.cssText =
      "position:sticky;top:0;z-index:10000;margin:0;padding:0.6em 1em;" +
      "background:#fde8e8;color:#611;border-bottom:2px solid #c33;" +
      "font:14px/1.4 sans-serif;max-height:40vh;overflow:auto;";
    var title = document.createElement("strong");
    title.textContent =
      "The last build failed; this is the previous good build. " +
      "Fix the problem below and save: the page reloads by itself.";
    var details = document.createElement("pre");
    details.style.cssText =
      "margin:0.5em 0 0;white-space:pre-wrap;background:none;border:0;" +
      "padding:0;font:12px/1.35 monospace;color:inherit;";
    details.textContent = text;
    banner.appendChild(title);
    banner.appendChild(details);
    document.body.insertBefore(banner, document.body.firstChild);
  }

  // The server answers when the status differs from what this page saw
  // (a long poll), so the page reloads as soon as a build is published.
  var seenOk = "null";

  function poll() {
    var url =
      statusUrl +
      "?build=" + encodeURIComponent(pageBuild) +
      "&ok=" + seenOk;
    fetch(url, { cache: "no-store" })
      .then(function (response) {
        return response.json();
      })
      .then(function (status) {
        if (status.build !== pageBuild) {
          window.location.reload();
          return;
        }
        seenOk = String(status.ok);
        if (status.ok === false) {
          showBanner(status);
        } else {
          hideBanner();
        }
        window.setTimeout(poll, 50);
      })
      .catch(function () {
        // The server is restarting or gone: keep trying, more slowly.
        window.setTimeout(poll, 2000);
      });
  }

  poll();
})();

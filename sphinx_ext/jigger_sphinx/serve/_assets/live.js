// jigger-docs: show a new build at once, and the errors of a failed one.
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

  // Scripts of Sphinx itself, which do nothing to a page's content once it
  // has loaded: with only these, a new build's content can be swapped in.
  var plainScripts = /(^|\/)(documentation_options|doctools|sphinx_highlight|jquery|underscore|language_data|searchtools)\.js$/;

  function assets(doc) {
    var found = [];
    doc.querySelectorAll("head link[rel=stylesheet], head script[src]").forEach(
      function (el) {
        found.push(el.getAttribute("href") || el.getAttribute("src"));
      }
    );
    return found.join("\n");
  }

  function swappable(doc) {
    var ok = true;
    doc.querySelectorAll("script[src]").forEach(function (el) {
      var src = el.getAttribute("src").split("?")[0];
      if (!el.hasAttribute("data-jigger-build") && !plainScripts.test(src)) {
        ok = false;
      }
    });
    return ok;
  }

  function text(doc, selector) {
    var el = doc.querySelector(selector);
    return el ? el.textContent : "";
  }

  // What surrounds the content, as served (read before Sphinx's own scripts
  // change it, such as the "Hide Search Matches" link after a search).
  function frame(doc) {
    return [
      assets(doc),
      text(doc, ".sphinxsidebar"),
      text(doc, ".related"),
      swappable(doc)
    ].join("\u0000");
  }
  var servedFrame = frame(document);

  // Show the new build: when only the page's main content changed, swap it
  // in place (no stylesheet or script is fetched again, the scroll position
  // stays); otherwise reload the page.
  function refresh(build) {
    fetch(window.location.href, { cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var oldMain = document.querySelector("[role=main]");
        var newMain = doc.querySelector("[role=main]");
        var same =
          oldMain && newMain && swappable(doc) && frame(doc) === servedFrame;
        if (!same) {
          window.location.reload();
          return;
        }
        oldMain.innerHTML = newMain.innerHTML;
        document.title = doc.title;
        pageBuild = build;
        poll();
      })
      .catch(function () {
        window.location.reload();
      });
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
          refresh(status.build);
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

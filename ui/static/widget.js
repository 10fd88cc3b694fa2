/*
 * disclosure-qa chat widget: a bubble fixed bottom-right that opens the chat (an iframe of /embed).
 *
 *   <script src="https://HOST/widget.js" data-title="政府信息公开问答" data-agency="某某县人民政府" async></script>
 *
 * data-title  the panel's heading (default 政府信息公开问答)
 * data-agency the agency questions are about, unless a question names another (optional)
 *
 * Everything lives in a Shadow DOM on one host element: the page's CSS cannot reach in, ours does
 * not leak out. No framework, no innerHTML: every dynamic value is set with textContent or an
 * attribute. The chat itself runs in the iframe on the server's origin; the only messages exchanged
 * with it carry no data ({type: "disclosure-qa:close"} from it, "disclosure-qa:focus" to it) and are
 * accepted only from that iframe on that origin.
 *
 * On a site the server does not allow (serve --allow-origin), the browser would refuse to show the
 * chat in the iframe (CSP frame-ancestors) and leave a broken frame: the first open asks the server
 * first (a CORS request to api/health) and shows a short message instead.
 */
(function () {
  "use strict";

  var NS = "disclosure-qa";
  if (window.__disclosureQaWidget) return; // the tag included twice: one bubble
  window.__disclosureQaWidget = true;

  function findScript() {
    var cur = document.currentScript;
    if (cur && cur.src) return cur;
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      var src = scripts[i].src;
      if (!src) continue;
      try {
        if (/\/widget\.js$/.test(new URL(src, location.href).pathname)) return scripts[i];
      } catch (e) { /* not a URL */ }
    }
    return null;
  }

  var script = findScript();
  if (!script) return;
  var scriptUrl = new URL(script.src, location.href);
  var origin = scriptUrl.origin;
  // the server may sit under a path prefix (https://HOST/qa/widget.js → https://HOST/qa/embed)
  var base = origin + scriptUrl.pathname.replace(/widget\.js$/, "");
  var title = (script.getAttribute("data-title") || "").trim() || "政府信息公开问答";
  var agency = (script.getAttribute("data-agency") || "").trim();

  var CSS = [
    ".root{all:initial;font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;",
    "font-size:15px;line-height:1.5;color:#1f2933;}",
    ".root *{box-sizing:border-box;}",
    ".bubble{all:initial;position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;",
    "background:#c8102e;color:#fff;display:flex;align-items:center;justify-content:center;cursor:pointer;",
    "box-shadow:0 4px 14px rgba(0,0,0,.28);z-index:2;transition:transform .15s ease;}",
    ".bubble:hover{transform:scale(1.06);}",
    ".bubble:focus-visible{outline:3px solid #f7b500;outline-offset:3px;}",
    ".bubble svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;}",
    ".panel{position:fixed;right:20px;bottom:88px;width:380px;height:600px;max-height:calc(100vh - 108px);",
    "background:#fff;border-radius:12px;overflow:hidden;box-shadow:0 10px 34px rgba(0,0,0,.3);",
    "display:flex;flex-direction:column;z-index:3;}",
    ".panel[hidden]{display:none;}",
    ".head{flex:none;display:flex;align-items:center;gap:8px;padding:10px 8px 10px 14px;background:#c8102e;color:#fff;}",
    ".title{flex:1;font-size:15px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}",
    ".close{all:initial;width:32px;height:32px;border-radius:6px;color:#fff;cursor:pointer;display:flex;",
    "align-items:center;justify-content:center;font:22px/1 system-ui,sans-serif;}",
    ".close:hover{background:rgba(255,255,255,.18);}",
    ".close:focus-visible{outline:2px solid #fff;}",
    ".frame{all:initial;display:block;flex:1;width:100%;min-height:0;border:0;background:#fff;}",
    ".notice{flex:1;padding:24px 20px;color:#52606d;font-size:14px;line-height:1.7;}",
    ".notice strong{display:block;margin-bottom:6px;color:#1f2933;font-size:15px;}",
    // full screen under 640 px; .small also on a phone showing a page without a viewport meta tag
    // (its layout viewport is 980 px wide, but the screen is not)
    "@media (max-width:640px){",
    ".panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0;}",
    ".root.open .bubble{display:none;}",
    "}",
    ".root.small .panel{inset:0;width:100%;height:100%;max-height:none;border-radius:0;}",
    ".root.small.open .bubble{display:none;}",
    "@media (prefers-reduced-motion:reduce){.bubble{transition:none;}}"
  ].join("");

  var SVG = "http://www.w3.org/2000/svg";

  function chatIcon() {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", "M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z");
    svg.appendChild(path);
    return svg;
  }

  function mount() {
    // A custom element, pinned with inline !important declarations: page rules such as
    // `div{display:none!important}` or `body>*{visibility:hidden!important}` do not match or lose.
    var host = document.createElement(NS + "-widget");
    host.style.cssText = [
      "all:initial", "display:block", "position:fixed", "right:0", "bottom:0", "width:0", "height:0",
      "margin:0", "padding:0", "border:0", "overflow:visible", "visibility:visible", "opacity:1",
      "transform:none", "filter:none", "clip-path:none", "contain:none", "pointer-events:auto",
      "z-index:2147483000"
    ].map(function (d) { return d + " !important"; }).join(";");
    var shadow = host.attachShadow({ mode: "open" });

    var style = document.createElement("style");
    style.textContent = CSS;
    shadow.appendChild(style);

    var root = document.createElement("div");
    root.className = "root";
    shadow.appendChild(root);

    var panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", title);

    var head = document.createElement("div");
    head.className = "head";
    var heading = document.createElement("div");
    heading.className = "title";
    heading.textContent = title;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", "关闭");
    close.title = "关闭";
    close.textContent = "×";
    head.appendChild(heading);
    head.appendChild(close);
    panel.appendChild(head);

    var bubble = document.createElement("button");
    bubble.type = "button";
    bubble.className = "bubble";
    bubble.setAttribute("aria-label", "打开" + title);
    bubble.setAttribute("aria-controls", "panel");
    bubble.setAttribute("aria-expanded", "false");
    bubble.title = title;
    bubble.appendChild(chatIcon());

    root.appendChild(panel);
    root.appendChild(bubble);

    var frame = null;
    var frameReady = false;
    var checked = null; // the server's answer to "may this site show the chat?", asked once

    // "ok", "refused" (the server answers, but not to this site: CORS) or "down" (no answer at all)
    function siteAllowed() {
      if (!checked) {
        checked = fetch(base + "api/health", { mode: "cors", credentials: "omit" })
          .then(function (r) { return r.ok ? "ok" : "down"; }, function () {
            return fetch(base + "api/health", { mode: "no-cors", credentials: "omit" })
              .then(function () { return "refused"; }, function () { return "down"; });
          });
      }
      return checked;
    }

    function showNotice(state) {
      var notice = document.createElement("div");
      notice.className = "notice";
      notice.setAttribute("role", "status");
      var strong = document.createElement("strong");
      var detail = document.createElement("div");
      if (state === "refused") {
        strong.textContent = "本网站暂未开通此问答服务。";
        detail.textContent = "网站管理员：请联系问答服务的管理员，允许本网站（" + location.origin + "）嵌入。";
      } else {
        strong.textContent = "问答服务暂时无法连接。";
        detail.textContent = "请稍后再试。";
      }
      notice.appendChild(strong);
      notice.appendChild(detail);
      panel.appendChild(notice);
      return notice;
    }

    var notice = null;

    function embedUrl() {
      var params = new URLSearchParams();
      params.set("title", title);
      if (agency) params.set("agency", agency);
      return base + "embed?" + params.toString();
    }

    function focusFrame() {
      if (frame && frameReady && frame.contentWindow) {
        frame.contentWindow.postMessage({ type: NS + ":focus" }, origin);
      }
    }

    function makeFrame() {
      // created on first open: the page does not load the chat until someone wants it
      frame = document.createElement("iframe");
      frame.className = "frame";
      frame.title = title;
      frame.setAttribute("referrerpolicy", "no-referrer");
      frame.addEventListener("load", function () { frameReady = true; focusFrame(); });
      frame.src = embedUrl();
      panel.appendChild(frame);
    }

    function open() {
      if (!frame) {
        siteAllowed().then(function (state) {
          if (frame) return;
          if (state === "ok") {
            if (notice) { notice.remove(); notice = null; }
            makeFrame();
            if (!panel.hidden) focusFrame();
          } else if (!notice) {
            notice = showNotice(state);
            if (state === "down") checked = null; // ask again at the next open
          }
        });
      }
      root.classList.toggle("small", Math.min(screen.width || 9999, screen.height || 9999) < 640);
      panel.hidden = false;
      root.classList.add("open");
      bubble.setAttribute("aria-expanded", "true");
      bubble.setAttribute("aria-label", "关闭" + title);
      focusFrame();
    }

    function shut() {
      var wasOpen = !panel.hidden;
      panel.hidden = true;
      root.classList.remove("open");
      bubble.setAttribute("aria-expanded", "false");
      bubble.setAttribute("aria-label", "打开" + title);
      if (wasOpen) bubble.focus();
    }

    bubble.addEventListener("click", function () { if (panel.hidden) open(); else shut(); });
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") shut(); });

    window.addEventListener("message", function (event) {
      // only our iframe, only from the server's origin, only the messages we know
      if (!frame || event.source !== frame.contentWindow || event.origin !== origin) return;
      var data = event.data;
      if (!data || typeof data !== "object") return;
      if (data.type === NS + ":close") shut();
    });

    (document.body || document.documentElement).appendChild(host);
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();

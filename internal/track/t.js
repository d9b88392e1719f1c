/* Renkei tracker: page views, custom events and single-page navigation.
   <script src="https://HOST/t.js" data-site="KEY" async></script>
   API: renkei.track(name, props), renkei.visitorId(), renkei.page() */
(function () {
  "use strict";
  var w = window, d = document, n = navigator;
  var el = d.currentScript || d.querySelector("script[data-site]");
  if (!el || w.renkei && w.renkei.visitorId) return;
  var key = el.getAttribute("data-site") || "";
  var endpoint = new URL("/t/e?s=" + encodeURIComponent(key), el.src).href;
  var VID = "rk_vid", CFG = "rk_cfg_" + key;
  var gpc = n.globalPrivacyControl === true || n.doNotTrack === "1" || w.doNotTrack === "1";
  var stopped = false, lastURL = "";

  function store(name) {
    try { return w[name]; } catch (e) { return null; }
  }
  var ls = store("localStorage"), ss = store("sessionStorage");
  function get(k, s) {
    try { if (s && s.getItem(k)) return s.getItem(k); } catch (e) {}
    var m = d.cookie.match(new RegExp("(?:^|; )" + k + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }
  function put(k, v, s) {
    try { s.setItem(k, v); return; } catch (e) {}
    d.cookie = k + "=" + encodeURIComponent(v) + "; path=/; max-age=" + 60 * 60 * 24 * 365 + "; SameSite=Lax" +
      (location.protocol === "https:" ? "; Secure" : "");
  }
  function randomId() {
    var b = new Uint8Array(16), s = "";
    (w.crypto || w.msCrypto).getRandomValues(b);
    for (var i = 0; i < b.length; i++) s += (b[i] + 256).toString(16).slice(1);
    return s;
  }

  // Site settings come back with the first answer and are kept for the
  // session: cookieless sites store no id at all.
  var cfg = {};
  try { cfg = JSON.parse(ss && ss.getItem(CFG) || "{}"); } catch (e) {}
  var vid = cfg.c ? "" : get(VID, ls);
  var tmp = vid || randomId();
  if (cfg.g && gpc) stopped = true;

  function learn(res) {
    if (!res) return;
    cfg = { c: !!res.cookieless, g: !!res.gpc };
    try { ss && ss.setItem(CFG, JSON.stringify(cfg)); } catch (e) {}
    if (res.stop) stopped = true;
    if (!cfg.c && !vid) { vid = tmp; put(VID, vid, ls); }
  }

  function send(events) {
    if (stopped || !key) return;
    var body = JSON.stringify({ site: key, vid: cfg.c ? "" : vid || tmp, gpc: gpc, events: events });
    var known = cfg.c !== undefined;
    if (known && n.sendBeacon && n.sendBeacon(endpoint, new Blob([body], { type: "text/plain" }))) return;
    if (!w.fetch) return;
    w.fetch(endpoint, { method: "POST", body: body, keepalive: true, credentials: "omit",
      headers: { "Content-Type": "text/plain" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(learn, function () {});
  }

  function page() {
    var u = location.href;
    if (u === lastURL) return;
    var ref = lastURL || d.referrer;
    lastURL = u;
    send([{ type: "pageview", url: u, title: d.title, ref: ref }]);
  }

  function track(name, props) {
    send([{ type: "event", name: String(name), url: location.href, title: d.title, props: props || {} }]);
  }

  // Single-page applications: history changes are page views.
  ["pushState", "replaceState"].forEach(function (f) {
    var orig = history[f];
    if (!orig) return;
    history[f] = function () {
      var r = orig.apply(this, arguments);
      setTimeout(page, 0);
      return r;
    };
  });
  w.addEventListener("popstate", page);

  w.renkei = {
    track: track,
    page: page,
    visitorId: function () { return cfg.c ? "" : vid || tmp; }
  };
  page();
})();

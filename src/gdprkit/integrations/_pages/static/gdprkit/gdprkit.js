/* gdprkit: Consent Mode v2 defaults, script activation and a no-reload banner. No dependencies.
   Without this script the pages still work: the banner and preferences are plain POST forms. */
(function () {
  "use strict";
  var me = document.currentScript;
  var state = { granted: ["necessary"], consentMode: {}, decided: false };
  try { state = JSON.parse(me.getAttribute("data-gdprkit-consent")) || state; } catch (e) { /* keep defaults */ }

  // Google Consent Mode v2: everything denied by default, before any tag can load.
  window.dataLayer = window.dataLayer || [];
  function gtag() { window.dataLayer.push(arguments); }
  if (typeof window.gtag !== "function") { window.gtag = gtag; }
  var denied = {};
  Object.keys(state.consentMode).forEach(function (k) { denied[k] = k === "security_storage" ? "granted" : "denied"; });
  denied.wait_for_update = 500;
  window.gtag("consent", "default", denied);
  if (state.decided) { window.gtag("consent", "update", state.consentMode); }

  function granted(category) { return state.granted.indexOf(category) !== -1; }

  // <script type="text/plain" data-category="statistics" data-src="..."> runs only once allowed.
  function activate() {
    var held = document.querySelectorAll('script[type="text/plain"][data-category]');
    Array.prototype.forEach.call(held, function (old) {
      if (!granted(old.getAttribute("data-category"))) { return; }
      var run = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (a) {
        if (a.name !== "type" && a.name !== "data-src") { run.setAttribute(a.name, a.value); }
      });
      if (old.getAttribute("data-src")) { run.src = old.getAttribute("data-src"); }
      else { run.text = old.text; }
      old.parentNode.replaceChild(run, old);
    });
  }

  function onSubmit(event) {
    var form = event.target;
    if (!form.closest || !form.closest("[data-gdprkit-banner]") || !window.fetch || !window.FormData) { return; }
    var button = event.submitter;
    if (!button || button.name !== "action") { return; }
    event.preventDefault();
    var body = new FormData(form);
    body.set("action", button.value);
    // form.action would be the buttons named "action": read the attribute itself.
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (answer) {
        state = { granted: answer.granted, consentMode: answer.consent_mode, decided: true };
        window.gtag("consent", "update", answer.consent_mode);
        activate();
        var banner = document.getElementById("gk-banner");
        if (banner) { banner.hidden = true; }
        var reopen = document.querySelector("[data-gdprkit-reopen]");
        if (reopen) { reopen.focus(); }
      })
      .catch(function () {
        var field = document.createElement("input");
        field.type = "hidden"; field.name = "action"; field.value = button.value;
        form.appendChild(field);
        form.submit();
      });
  }

  document.addEventListener("submit", onSubmit);
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", activate); }
  else { activate(); }
}());

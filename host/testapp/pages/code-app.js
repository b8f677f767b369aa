/* app.js: the app's own script, as a build tool leaves it (harmless look-alikes of secrets included) */
(function () {
  var config = {secret: "{{.Code.ScriptKey}}", endpoint: "/api/code/app"};
  var tokens = ["a", "b", "c"];
  var lastToken = tokens[tokens.length - 1];
  var cachedModule = window.__modules && window.__modules.app;
  if (cachedModule !== undefined) { return; }
  var Pass = {toString: function () { return "Pass"; }};
  var KEY = {RETURN: 13, ESC: 27};
  var Sizzle = {};
  var tokenize = Sizzle.tokenize = function (s) { return s.split(" "); };
  function first() { var code = arguments[0], n = 1; return code + n; }
  __plan("app", config.endpoint, {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({secret: config.secret, last: lastToken, pass: String(Pass), ret: KEY.RETURN, words: tokenize("a b").length, first: first(1)})});
})();
//# sourceMappingURL=app.js.map

// A third-party widget that fails at load without effect on the page: its
// configuration object is missing, so it throws, and the page never uses it.
(function () {
  const config = window.reprokitWidgetConfig;
  config.colour = 'blue';
})();

package replay

// replayTitlePrefix marks a visible replay's window and tabs as a replay:
// a support engineer exploring it (--open) must not take it for the live
// app, and the window title is the one mark that changes no pixel of the
// page (screenshots are compared with the recording's).
const replayTitlePrefix = "[Reprokit replay] "

// replayTitleScript keeps the title of every top-level document prefixed
// with replayTitlePrefix, whatever the page sets it to.
const replayTitleScript = `(() => {
  if (window.top !== window) return;
  const P = ` + "`" + replayTitlePrefix + "`" + `;
  const fix = () => { if (document.documentElement && !document.title.startsWith(P)) document.title = P + document.title; };
  new MutationObserver(fix).observe(document, {subtree: true, childList: true, characterData: true});
  document.addEventListener("DOMContentLoaded", fix);
})();`

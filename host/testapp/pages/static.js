// A cacheable script (max-age=3600).
window.reprokitStatic = 'static script loaded';

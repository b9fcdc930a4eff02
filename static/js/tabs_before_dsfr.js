// Loaded (synchronously) just before a tab set: tells the stylesheet that scripts run,
// so that until the design system's script takes the tabs over only the selected panel
// shows (app.css). Without JavaScript, the class is never set and every panel shows.
document.documentElement.classList.add("rdv-js");

document.addEventListener("DOMContentLoaded", function () { fetch("/data.txt").then(r => r.text()).then(t => { document.getElementById("dyn").textContent = "script ran: " + t.trim(); }); });

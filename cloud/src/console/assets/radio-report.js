// The monthly report: the print button (the console runs no inline script).
document.getElementById('print-report')?.addEventListener('click', () => print());

// @ts-check
// Shows the "doesn't match" line after a refused sign-in (the server redirects with ?failed=1).
if (new URLSearchParams(location.search).has('failed')) {
  const p = document.getElementById('failed');
  if (p) p.hidden = false;
}

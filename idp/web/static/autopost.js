// Submits the SAML POST form as soon as the page loads; the visible button
// is the fallback when JavaScript is off.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("saml-post");
  if (form) { form.submit(); }
});

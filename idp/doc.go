// Package idp is the drill identity provider: a directory of users, groups
// and (possibly time-bound) memberships, and AWS federation apps modelled on
// Okta's "AWS Account Federation".
//
// A user's groups pass through an app's group filter (Okta syntax, compiled
// once) and role value pattern to become AWS Role attribute values; Mint
// builds a SAML 2.0 Response around them and signs it with goxmldsig
// (exclusive C14N, RSA-SHA256 by default). Fault knobs build deliberate
// defects into a response, each reproducing one AWS federation error.
// Metadata publishes the entityID, signing certificates and SSO endpoints.
// Handler serves the same over HTTP: sign-in with an optional TOTP step, a
// dashboard, and IdP- and SP-initiated SSO that auto-POSTs to the ACS (or,
// with HandlerConfig.SignInURL, to a local stand-in for AWS sign-in).
//
// Identity administrators (User.Admin) also get the administration page at
// /admin: apps with Enable and Disable buttons, groups with their members,
// a Remove button per member and an Add member form. Its forms post to
// /admin/apps/enable and /admin/apps/disable (field app) and to
// /admin/members/add and /admin/members/remove (fields user and group),
// each with the session's CSRF token.
//
// Scripts make the same changes through the admin API, on only when
// HandlerConfig.AdminToken is set (404 otherwise) and authenticated by
// "Authorization: Bearer <token>" (401 otherwise). Each endpoint takes a
// POST with a JSON object of at most 16 KiB:
//
//	POST /admin/api/enable-app     {"app": "aws"}
//	POST /admin/api/disable-app    {"app": "aws"}
//	  -> 200 {"app": "aws", "label": "...", "enabled": true}
//	POST /admin/api/add-member     {"user": "bob", "group": "aws#..."}
//	POST /admin/api/remove-member  {"user": "bob", "group": "aws#..."}
//	  -> 200 {"user": "bob", "group": "aws#...", "member": true, "members": ["bob"]}
//
// A refusal is {"error": "<message>", "code": "<code>"}: 400 bad_request
// (malformed body, unknown key, missing field), 404 unknown_app,
// unknown_user or unknown_group, 401 unauthorized, 404 api_off, 405
// method_not_allowed, 413 too_large. AdminClient calls it. Every change,
// from the pages or the API, is logged with its actor, action and target.
//
// idp never imports the AWS side (sp): the two agree only through signed
// XML, checked in tests against xmlsec1.
package idp

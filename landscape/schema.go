package landscape

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the landscape file format,
// for editors and other tools. It checks the shape of a file; Load and
// Parse check much more (cross-references, IAM rules, policy grammar).
//
//go:embed schema.json
var Schema []byte

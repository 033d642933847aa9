package scenarios

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of the drill file format, for
// editors and other tools. It checks the shape of a file (known keys, one
// action per step, value types); Parse checks more, such as references to
// saved responses and credentials.
//
//go:embed schema.json
var Schema []byte

package browser

// ScriptsEnabled reports whether the browser's pages run their scripts
// (Options.NoJavaScript unset), so a caller knows whether a page that
// submits itself will move on or waits for its button.
func (b *Browser) ScriptsEnabled() bool { return !b.noJS }

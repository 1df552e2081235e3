package policy

// StyleSheet returns the stylesheet, with its A4 print rules, that RenderHTML
// puts inline in a whole page. A server whose Content-Security-Policy
// forbids inline styles renders with Fragment and serves this as a file.
func StyleSheet() string { return printCSS }

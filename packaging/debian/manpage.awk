# generate-manual copies the help text verbatim into mdoc: blank lines become paragraph breaks (groff warns on
# empty lines) and runs of indented lines (the examples) literal blocks (mdoc would fill them into one line).
/^$/ { if (literal) { print ".Ed"; literal = 0 } print ".Pp"; next }
/^  / { if (!literal) { print ".Bd -literal -offset indent"; literal = 1 } print; next }
{ if (literal) { print ".Ed"; literal = 0 } print }
END { if (literal) print ".Ed" }

# Filters a program's --help for help2man: in an "Example:" or "Examples:"
# block, each command becomes a paragraph of its own (a line ending in a
# backslash joined with the next), so help2man does not run them together.
/^Examples?:$/ { ex = 1; print; next }
ex && /^$/ { ex = 0 }
ex {
    cur = $0
    if (line != "") sub(/^ +/, "", cur)
    line = line cur
    if (line ~ /\\$/) { sub(/ *\\$/, " ", line); next }
    print line
    print ""
    line = ""
    next
}
{ print }

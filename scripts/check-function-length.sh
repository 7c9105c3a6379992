#!/usr/bin/env bash
# Fails when a C function in src/ is longer than MAX lines (default 120), counted from the first
# line of its signature to its closing brace, as `ctags --fields=+ne` does. Relies on the
# clang-formatted layout (BreakBeforeBraces: Linux): a function's braces sit in column 0.
#   scripts/check-function-length.sh [--list] [--max N]
# --list prints every function over MAX ("lines file function"). Functions named in
# scripts/function-length.allow ("file function lines") may stay over MAX while they do not
# grow; the allowlist must only shrink: a new or grown function fails, an entry that could
# shrink or go is reported as a note.
set -euo pipefail
cd "$(dirname "$0")/.."
max=120
list=0
while [ $# -gt 0 ]; do
    case $1 in
    --list) list=1 ;;
    --max) max=$2; shift ;;
    *) echo "usage: $0 [--list] [--max N]" >&2; exit 2 ;;
    esac
    shift
done
allow=scripts/function-length.allow

long=$(git ls-files 'src/*.c' 'src/*.cc' | while read -r f; do
    awk -v f="$f" -v max="$max" '
        # A signature starts at column 0 with an identifier (not a preprocessor line, a
        # comment, a brace or a declaration/initialiser that ends in ";" or "=").
        /^[A-Za-z_]/ && !/;[ \t]*$/ && !/=[ \t]*$/ && !/^(typedef|struct [A-Za-z_0-9]+ *\{|enum|union)/ {
            sig = NR; text = $0
        }
        sig && NR > sig && !/^\{/ && depth == 0 { text = text " " $0 }
        /^\{/ && depth == 0 && sig {
            start = sig; name = text
            sub(/\(.*/, "", name); n = split(name, w, /[ \t*]+/); name = w[n]
            depth = 1; next
        }
        depth && /^\}/ {
            len = NR - start + 1
            if (len > max) printf "%d %s %s\n", len, f, name
            depth = 0; sig = 0; next
        }
        !depth && /^(\}|#|$)/ { sig = 0 }
    ' "$f"
done | sort -rn)

status=0
if [ "$list" = 1 ] && [ -n "$long" ]; then
    echo "$long"
fi
while read -r len file fn; do
    [ -n "$len" ] || continue
    entry=$(awk -v f="$file" -v fn="$fn" '$1 == f && $2 == fn {print $3}' "$allow" 2>/dev/null)
    if [ -z "$entry" ]; then
        echo "check-function-length: $file: $fn is $len lines (max $max)" >&2
        status=1
    elif [ "$len" -gt "$entry" ]; then
        echo "check-function-length: $file: $fn grew to $len lines (allowlist: $entry, max $max)" >&2
        status=1
    fi
done <<<"$long"
# Allowlist entries that are no longer over the limit (or shorter than listed) must go or shrink.
if [ -f "$allow" ]; then
    while read -r file fn len; do
        case $file in '' | '#'*) continue ;; esac
        now=$(awk -v f="$file" -v fn="$fn" '$2 == f && $3 == fn {print $1}' <<<"$long")
        if [ -z "$now" ]; then
            echo "check-function-length: note: $allow: $file $fn is no longer over $max lines; remove it" >&2
        elif [ "$now" -lt "$len" ]; then
            echo "check-function-length: note: $allow: $file $fn is now $now lines; lower its entry" >&2
        fi
    done <"$allow"
fi
n=$(grep -c . <<<"$long" || true)
allowed=$(awk '$1 !~ /^#/ && NF == 3' "$allow" 2>/dev/null | wc -l)
echo "check-function-length: $n functions over $max lines in src/ ($allowed on the allowlist)"
exit $status

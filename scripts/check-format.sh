#!/usr/bin/env bash
# Checks that the lines of C++ files changed since a base commit are formatted as .clang-format says
# (git clang-format --diff); lines and files nobody touched are never reported. Run by scripts/test.sh
# (and so by CI).
#   base: $BATON_FORMAT_BASE if set (any commit-ish), else `git merge-base HEAD origin/main`, else HEAD~1.
#         A shallow clone that lacks HEAD~1 can't tell what changed: the check says so and passes.
#   Changes not committed yet count too (the base is compared with the work tree).
#   Fix a file: clang-format -i <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=${CLANG_FORMAT:-clang-format}

if ! command -v "$clang_format" >/dev/null; then
    echo "check-format: $clang_format not found (bash scripts/setup.sh installs it)" >&2
    exit 1
fi
if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "check-format: not a git checkout, nothing to compare with; skipped" >&2
    exit 0
fi

has_commit() { git rev-parse --verify --quiet "$1^{commit}" >/dev/null; }

base=""
if [ -n "${BATON_FORMAT_BASE:-}" ]; then
    if ! has_commit "$BATON_FORMAT_BASE"; then
        echo "check-format: BATON_FORMAT_BASE=$BATON_FORMAT_BASE is not a commit here" >&2
        exit 1
    fi
    base=$BATON_FORMAT_BASE
elif has_commit origin/main && base=$(git merge-base HEAD origin/main 2>/dev/null); then
    :
elif has_commit HEAD~1; then
    base=HEAD~1
fi

# Added, copied, modified or renamed files only (a deleted file has nothing to check).
if [ -n "$base" ]; then
    what="changed since $(git rev-parse --short "$base")"
    changed=$(git diff --name-only --diff-filter=ACMR "$base" --)
elif [ "$(git rev-parse --is-shallow-repository)" = true ]; then
    # The parent of HEAD was not fetched: what the last commit changed is unknown here.
    echo "check-format: shallow clone without HEAD's parent, skipped (git fetch --deepen=1 or BATON_FORMAT_BASE)" >&2
    exit 0
else
    what="in the first commit"
    changed=$(git diff-tree --root --no-commit-id --name-only -r --diff-filter=ACMR HEAD --
              git diff --name-only --diff-filter=ACMR HEAD --)
fi

files=()
while IFS= read -r f; do
    case "$f" in
        *.cpp|*.hpp|*.cc|*.h) if [ -f "$f" ]; then files+=("$f"); fi ;;
    esac
done < <(printf '%s\n' "$changed" | sort -u)

if [ ${#files[@]} -eq 0 ]; then
    echo "check-format: no C++ file $what"
    exit 0
fi
if [ -z "$base" ]; then
    # No parent to compare with: every line of the first commit's files is new.
    if ! "$clang_format" --dry-run -Werror --style=file "${files[@]}"; then
        echo "check-format: the files above are not formatted as .clang-format says (clang-format -i <file>)" >&2
        exit 1
    fi
    echo "check-format: ${#files[@]} C++ file(s) $what are formatted"
    exit 0
fi
# Only the lines changed since the base are checked (git clang-format): code nobody touched is never
# reformatted by a check, and a change is held to the style where it writes.
git_clang_format=${GIT_CLANG_FORMAT:-git-clang-format}
out=$("$git_clang_format" --binary "$(command -v "$clang_format")" --style=file --diff "$base" -- "${files[@]}" || true)
if grep -q '^diff ' <<<"$out"; then
    printf '%s\n' "$out" >&2
    echo "check-format: the changed lines above are not formatted as .clang-format says" \
        "(git clang-format $(git rev-parse --short "$base"), or clang-format -i <file>)" >&2
    exit 1
fi
echo "check-format: the changed lines of ${#files[@]} C++ file(s) $what are formatted"

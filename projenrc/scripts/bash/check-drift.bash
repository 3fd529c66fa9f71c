# Run after `npx projen` (or a linter that fixes files): every synthesized file must already be
# committed as it is. `git status` sees what `git diff` misses: a synthesized file that is new
# (untracked) or that synth no longer writes (deleted).
changes=$(git status --porcelain --untracked-files=all)
if [ -z "$changes" ]; then
  echo "no drift: the working tree matches the commit"
  exit 0
fi
echo "::error::the working tree differs from the commit; run npx projen and commit the result"
printf '%s\n' "$changes"
git --no-pager diff --stat
exit 1

import { IConstruct } from 'constructs';
import { ShellScript } from './shell-script';

/**
 * `scripts/image-summary.sh`: one Markdown row per pushed image reference with its
 * compressed size, read from the registry (works for images that were never pulled).
 */
export class ImageSummaryScript extends ShellScript {
  constructor(scope: IConstruct, filePath: string) {
    super(scope, filePath, {
      description: 'Prints a Markdown table of image references and their compressed sizes.\nUsage: scripts/image-summary.sh REF [REF...]',
      body: () => [
        'if [ "$#" -eq 0 ]; then echo "usage: $0 REF [REF...]" >&2; exit 2; fi',
        'echo "| image | compressed size |"',
        'echo "|---|---|"',
        'for ref in "$@"; do',
        '  bytes=$(docker buildx imagetools inspect --raw "$ref" |',
        "    node -e 'let s=\"\";process.stdin.on(\"data\",d=>s+=d).on(\"end\",()=>{const m=JSON.parse(s);console.log((m.layers||[]).reduce((a,l)=>a+l.size,m.config?m.config.size:0))})')",
        '  printf \'| %s | %s MB |\\n\' "$ref" "$(awk -v b="$bytes" \'BEGIN { printf "%.1f", b / 1000000 }\')"',
        'done',
      ],
    });
  }
}

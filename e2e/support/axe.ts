import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** What axe checks: WCAG 2.0, 2.1 and 2.2 at levels A and AA, plus its best practices. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa', 'best-practice'];

export interface AxeViolation {
  readonly rule: string;
  readonly impact: string | null;
  readonly help: string;
  /** CSS selectors of the offending elements, with axe's explanation of the first one. */
  readonly nodes: string[];
}

let source: string | undefined;

/**
 * Runs axe-core inside the page as it is now (after hydration, in its current theme and
 * width) and returns the violations, each with the elements at fault.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: source });
  return page.evaluate(async (tags) => {
    type Result = { violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] };
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<Result> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n, i) => `${n.target.join(' ')}${i === 0 && n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, ' ')})` : ''}`),
    }));
  }, AXE_TAGS);
}

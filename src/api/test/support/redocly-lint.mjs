// Lints the OpenAPI document on stdin with Redocly's recommended ruleset and prints the
// problems as JSON. A separate ES module process: @redocly/openapi-core ships ESM only,
// which the tests' CommonJS runtime cannot load.
import { createConfig, lintFromString } from '@redocly/openapi-core';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const config = await createConfig({ extends: ['recommended'] });
const problems = await lintFromString({ source: Buffer.concat(chunks).toString('utf8'), absoluteRef: 'openapi.json', config });
process.stdout.write(JSON.stringify(problems.map((p) => ({
  rule: p.ruleId,
  severity: p.severity,
  message: p.message,
  at: p.location.map((l) => l.pointer).join(' '),
}))));

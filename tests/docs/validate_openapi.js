// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Validates docs/openapi.yaml against the OpenAPI 3 schema with @apidevtools/swagger-parser
// (which also resolves every $ref), then checks what the schema cannot: every operation has an
// operationId (unique), a summary, a tag and at least one documented response, and every
// {param} of a path is declared as a path parameter.
//   node validate_openapi.js docs/openapi.yaml tests/peers/node_modules
'use strict';
const path = require('path');
const [file, peers] = process.argv.slice(2);
if (!file || !peers) {
  console.error('usage: validate_openapi.js OPENAPI.yaml NODE_MODULES');
  process.exit(2);
}
let SwaggerParser;
try {
  SwaggerParser = require(path.resolve(peers, '@apidevtools', 'swagger-parser'));
} catch (error) {
  console.error('@apidevtools/swagger-parser is missing: run scripts/install-test-peers.sh');
  process.exit(1);
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

(async () => {
  const api = await SwaggerParser.validate(file);
  const problems = [];
  const ids = new Set();
  let operations = 0;
  for (const [route, item] of Object.entries(api.paths)) {
    const declared = new Set((item.parameters || []).filter((p) => p.in === 'path')
        .map((p) => p.name));
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      ++operations;
      const where = `${method.toUpperCase()} ${route}`;
      if (!op.operationId) problems.push(`${where}: no operationId`);
      else if (ids.has(op.operationId)) problems.push(`${where}: duplicate operationId`);
      ids.add(op.operationId);
      if (!op.summary) problems.push(`${where}: no summary`);
      if (!op.tags || op.tags.length === 0) problems.push(`${where}: no tag`);
      if (!op.responses || Object.keys(op.responses).length === 0) {
        problems.push(`${where}: no responses`);
      }
      const names = new Set(declared);
      for (const p of op.parameters || []) if (p.in === 'path') names.add(p.name);
      for (const match of route.matchAll(/\{([^}]+)\}/g)) {
        if (!names.has(match[1])) problems.push(`${where}: path parameter {${match[1]}} undeclared`);
      }
    }
  }
  for (const problem of problems) console.error('FAIL: ' + problem);
  console.log(`${api.info.title} ${api.info.version}: ${Object.keys(api.paths).length} paths, ` +
              `${operations} operations, ${problems.length} problem(s)`);
  process.exit(problems.length ? 1 : 0);
})().catch((error) => {
  console.error('FAIL: ' + error.message);
  process.exit(1);
});

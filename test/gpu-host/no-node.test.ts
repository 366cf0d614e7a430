// The hidden training renderer runs sandboxed, without Node: every module its page reaches
// (electron/gpu-host/entry.ts and what it imports, the engine's step included) must import no
// Node built-in and use no Node global. The lint checks gpu-host's own imports; this follows
// them through the engine. (The e2e test runs the built page in Chromium.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
const ENTRIES = ['electron/gpu-host/entry.ts', 'electron/gpu-host/client.ts'];
/** Packages the page may bundle (browser builds of TF.js, zod). */
const ALLOWED_PACKAGES = /^(@tensorflow\/tfjs(-core|-backend-webgpu|-backend-cpu)?|zod)(\/|$)/;
const NODE_GLOBALS = new Set(['process', 'Buffer', 'require', '__dirname', '__filename', 'global']);

interface Finding {
  file: string;
  what: string;
}

/** Value imports (type-only ones are erased) and Node globals used, of one module. */
function scan(file: string): { imports: string[]; globals: string[] } {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const imports: string[] = [];
  const globals: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && !n.importClause?.isTypeOnly && ts.isStringLiteral(n.moduleSpecifier)) {
      const named = n.importClause?.namedBindings;
      const allTypes = !!named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly) && !n.importClause?.name;
      if (!allTypes) imports.push(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && !n.isTypeOnly && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      imports.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      imports.push(n.arguments[0].text);
    } else if (ts.isIdentifier(n) && NODE_GLOBALS.has(n.text)) {
      const p = n.parent;
      // A free use: not a property name (x.process), a declaration's name, or a type member.
      const isName = (ts.isPropertyAccessExpression(p) && p.name === n) || ts.isPropertySignature(p) || ts.isPropertyAssignment(p) || ts.isParameter(p) || ts.isVariableDeclaration(p);
      if (!isName) globals.push(`${n.text} (line ${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1})`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return { imports, globals };
}

function resolveLocal(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts'), base]) if (existsSync(c) && c.endsWith('.ts')) return c;
  return null;
}

test('the GPU host page reaches no Node module and no Node global', () => {
  const seen = new Set<string>();
  const findings: Finding[] = [];
  const queue = ENTRIES.map((e) => join(ROOT, e));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const rel = relative(ROOT, file);
    const { imports, globals } = scan(file);
    for (const g of globals) findings.push({ file: rel, what: `uses ${g}` });
    for (const spec of imports) {
      if (spec.startsWith('.')) {
        const target = resolveLocal(file, spec);
        if (target) queue.push(target);
        else findings.push({ file: rel, what: `imports ${spec}, which is not a TypeScript file here` });
      } else if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) {
        findings.push({ file: rel, what: `imports the Node built-in ${spec}` });
      } else if (!ALLOWED_PACKAGES.test(spec)) {
        findings.push({ file: rel, what: `imports the package ${spec}, not known to run in a browser` });
      }
    }
  }
  assert.ok(seen.size > 20, `only ${seen.size} modules reached`);
  assert.ok([...seen].some((f) => f.endsWith('engine/train/step.ts')), 'the engine step is reached');
  assert.deepEqual(findings, []);
});

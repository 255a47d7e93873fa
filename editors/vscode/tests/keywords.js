#!/usr/bin/env node
// Checks that every keyword and operator of the Lark grammar (../../../grammar/camp.lark)
// is known to the TextMate grammar, and every keyword to the Vim syntax file.
// Words are checked by their presence, as whole words, in the grammar's regular
// expressions (soft keywords are context-dependent, so their scopes are checked
// by the annotated tests/*.camp files); operators and punctuation are checked by
// tokenizing `  where a OP b;` and requiring a scope on the operator.
'use strict';
const fs = require('fs');
const path = require('path');
const tm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = __dirname;
const larkPath = path.resolve(here, '../../../grammar/camp.lark');
const tmPath = path.resolve(here, '../syntaxes/camp.tmLanguage.json');
const vimPath = path.resolve(here, '../../vim/syntax/camp.vim');

if (!fs.existsSync(larkPath)) {
  console.log(`keyword coverage: skipped (${larkPath} not found)`);
  process.exit(0);
}

// Drop comments and the named terminals (NAME: /regex/), keep the rules' "literals".
const lark = fs.readFileSync(larkPath, 'utf8')
  .replace(/\/\/.*$/gm, '')
  .replace(/^\s*[A-Z_][A-Z0-9_]*(\.\d+)?\s*:.*$/gm, '');
const literals = new Set();
for (const m of lark.matchAll(/"((?:[^"\\]|\\.)+)"/g)) literals.add(m[1]);
const words = [...literals].filter((s) => /^[A-Za-z_]+$/.test(s)).sort();
const symbols = [...literals].filter((s) => !/^[A-Za-z_]+$/.test(s)).sort();

// `minutes?` in a regex stands for both `minute` and `minutes`.
const expandOptionalS = (s) => s.replace(/\b([A-Za-z]+)s\?/g, '$1 $1s');
const regexText = [];
(function collect(node) {
  if (Array.isArray(node)) node.forEach(collect);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') regexText.push(v);
      else collect(v);
    }
  }
})(JSON.parse(fs.readFileSync(tmPath, 'utf8')));
// Escapes such as \b, \s, \G are not part of a word.
const tmWords = new Set(expandOptionalS(regexText.join('\n').replace(/\\[A-Za-z]/g, ' ')).match(/[A-Za-z_]+/g));
// Vim: `\<minutes\=\>` likewise; skip comment lines.
const vimText = fs.existsSync(vimPath)
  ? fs.readFileSync(vimPath, 'utf8').split('\n').filter((l) => !/^\s*"/.test(l)).join('\n')
      .replace(/\b([A-Za-z]+)s\\[=?]/g, '$1 $1s')
  : null;
const vimWords = vimText === null ? null : new Set(vimText.match(/[A-Za-z_]+/g));

let passed = 0;
const failures = [];
for (const w of words) {
  const missing = [];
  if (!tmWords.has(w)) missing.push('camp.tmLanguage.json');
  if (vimWords && !vimWords.has(w)) missing.push('vim/syntax/camp.vim');
  if (missing.length) failures.push(`keyword '${w}' is not highlighted by ${missing.join(' and ')}`);
  else passed++;
}

const wasm = fs.readFileSync(require.resolve('vscode-oniguruma').replace(/main\.js$/, 'onig.wasm')).buffer;
const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (p) => new oniguruma.OnigScanner(p),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));
const registry = new tm.Registry({
  onigLib,
  loadGrammar: async () => tm.parseRawGrammar(fs.readFileSync(tmPath, 'utf8'), tmPath),
});

registry.loadGrammar('source.camp').then((grammar) => {
  for (const sym of symbols) {
    const line = `  where a ${sym} b;`;
    const start = line.indexOf(sym, 9);
    const { tokens } = grammar.tokenizeLine(line, tm.INITIAL);
    const bare = tokens.filter((t) => t.startIndex < start + sym.length && t.endIndex > start)
      .filter((t) => t.scopes.length < 2);
    if (bare.length) failures.push(`operator '${sym}' has no scope in: ${line.trim()}`);
    else passed++;
  }
  for (const f of failures) console.log(`FAIL ${f}`);
  console.log(`keyword coverage (${words.length} words, ${symbols.length} symbols from camp.lark${vimWords ? '; TextMate and Vim' : '; TextMate only'}):`);
  console.log(`${passed} passed, ${failures.length} failed`);
  process.exit(failures.length ? 1 : 0);
});

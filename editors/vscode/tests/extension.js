// Checks the compiled extension (out/extension.js) outside VS Code: with stand-ins for
// the `vscode` API and for vscode-languageclient, activating it must start one client
// that runs `<camp.server.path> <camp.server.args>` over stdio for .camp documents, and a
// change of the setting must restart it with the new command.
"use strict";
const assert = require("assert");
const Module = require("module");
const path = require("path");

const settings = { "server.path": "/opt/camp/bin/camp", "server.args": ["lsp"] };
const started = [];
const stopped = [];
let configListener;
let commands = {};

class FakeClient {
  constructor(id, name, server, options) {
    this.id = id;
    this.name = name;
    this.server = server;
    this.options = options;
  }
  async start() { started.push(this); }
  async stop() { stopped.push(this); }
}

const vscode = {
  workspace: {
    getConfiguration: (section) => {
      assert.strictEqual(section, "camp");
      return { get: (key, fallback) => (key in settings ? settings[key] : fallback) };
    },
    workspaceFolders: [{ uri: { fsPath: "/work/project" } }],
    onDidChangeConfiguration: (fn) => { configListener = fn; return { dispose() {} }; },
  },
  commands: {
    registerCommand: (name, fn) => { commands[name] = fn; return { dispose() {} }; },
  },
  window: { showErrorMessage: (msg) => { throw new Error(`unexpected error shown: ${msg}`); } },
};
const languageclient = { LanguageClient: FakeClient, TransportKind: { stdio: 0, ipc: 1 } };

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "vscode" || request === "vscode-languageclient/node") return request;
  return resolve.call(this, request, ...rest);
};
require.cache.vscode = { id: "vscode", filename: "vscode", loaded: true, exports: vscode };
require.cache["vscode-languageclient/node"] = {
  id: "languageclient", filename: "languageclient", loaded: true, exports: languageclient,
};

(async () => {
  const ext = require(path.join(__dirname, "..", "out", "extension.js"));
  const context = { subscriptions: [] };
  await ext.activate(context);
  assert.strictEqual(started.length, 1);
  const client = started[0];
  assert.strictEqual(client.id, "camp");
  assert.deepStrictEqual(client.server, {
    command: "/opt/camp/bin/camp",
    args: ["lsp"],
    transport: 0,
    options: { cwd: "/work/project" },
  });
  assert.deepStrictEqual(
    client.options.documentSelector.map((s) => `${s.scheme}:${s.language}`),
    ["file:camp", "untitled:camp"],
  );
  assert.ok(commands["camp.restartServer"], "the restart command is registered");
  assert.strictEqual(context.subscriptions.length, 2);

  settings["server.path"] = "camp2";
  await configListener({ affectsConfiguration: (s) => s === "camp.server" });
  assert.strictEqual(stopped.length, 1);
  assert.strictEqual(started.length, 2);
  assert.strictEqual(started[1].server.command, "camp2");

  await ext.deactivate();
  assert.strictEqual(stopped.length, 2);
  console.log("extension.js: ok (starts `camp lsp` from camp.server.path, restarts on change)");
})().catch((err) => { console.error(err); process.exit(1); });
